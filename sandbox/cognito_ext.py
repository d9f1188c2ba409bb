"""Cognito's GetCSVHeader, which moto 5.2.5 lacks (the user-import CSV header of a pool).

The header is the one AWS documents for a default pool (standard attributes, then cognito:mfa_enabled and
cognito:username); the pool's custom attributes are added as custom:<name> before cognito:mfa_enabled. That
position is the sandbox's assumption: an exporter must find columns by name, and check the header against
AWS. User import jobs are not modelled.
"""
from __future__ import annotations

from typing import Any

from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult

STANDARD_HEADER = [
    "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
    "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale", "phone_number",
    "phone_number_verified", "address", "updated_at",
]
TRAILER = ["cognito:mfa_enabled", "cognito:username"]

_installed = False


def csv_header(pool: Any) -> list[str]:
    custom = [name for name, attribute in pool.schema_attributes.items() if getattr(attribute, "custom", False)]
    return STANDARD_HEADER + custom + TRAILER


def get_csv_header(self: CognitoIdpResponse) -> ActionResult:
    user_pool_id = self._get_param("UserPoolId")
    pool = self.backend.describe_user_pool(user_pool_id)
    return ActionResult({"UserPoolId": user_pool_id, "CSVHeader": csv_header(pool)})


def install() -> None:
    global _installed
    if _installed:
        return
    CognitoIdpResponse.get_csv_header = get_csv_header  # type: ignore[attr-defined]
    _installed = True


install()
