"""Cognito's GetCSVHeader, which moto 5.2.5 lacks (the user-import CSV header of a pool), and pool ids.

The header is the one AWS documents for a default pool (standard attributes, then cognito:mfa_enabled and
cognito:username); the pool's custom attributes are added as custom:<name> before cognito:mfa_enabled. That
position is the sandbox's assumption: an exporter must find columns by name, and check the header against
AWS. User import jobs: ``sandbox.cognito.import_jobs``.

Pool ids: AWS assigns them. A pool created with the tag ``sandbox:user-pool-id`` (the demo application's
pools carry it) gets that id in the sandbox, so a configuration naming pool ids, as a real one does, matches
the demo's pools. AWS ignores the tag.
"""
from __future__ import annotations

from typing import Any

from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool

STANDARD_HEADER = [
    "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
    "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale", "phone_number",
    "phone_number_verified", "address", "updated_at",
]

TRAILER = ["cognito:mfa_enabled", "cognito:username"]


def csv_header(pool: Any) -> list[str]:
    custom = [name for name, attribute in pool.schema_attributes.items() if getattr(attribute, "custom", False)]
    return STANDARD_HEADER + custom + TRAILER


POOL_ID_TAG = "sandbox:user-pool-id"

_create_user_pool = CognitoIdpBackend.create_user_pool


def create_user_pool(self: CognitoIdpBackend, name: str, extended_config: dict[str, Any]) -> CognitoIdpUserPool:
    wanted = (extended_config.get("UserPoolTags") or {}).get(POOL_ID_TAG)
    if not wanted or wanted in self.user_pools:
        return _create_user_pool(self, name, extended_config)
    pool = CognitoIdpUserPool(self.account_id, self.region_name, name, extended_config)
    pool.id = wanted
    pool.arn = pool.arn.rsplit("/", 1)[0] + "/" + wanted
    self.user_pools[wanted] = pool
    return pool
