"""Reading a user pool: its description, CSV header, groups, users and group memberships (by group)."""
from __future__ import annotations

import datetime as _dt
from typing import Any

from .pacer import Pacer

PAGE = 60  # AWS maximum for ListUsers, ListGroups and ListUsersInGroup
POOL_FIELDS = (
    "Id", "Name", "Arn", "Policies", "DeletionProtection", "LambdaConfig", "SchemaAttributes",
    "AutoVerifiedAttributes", "AliasAttributes", "UsernameAttributes", "UsernameConfiguration",
    "VerificationMessageTemplate", "UserAttributeUpdateSettings", "MfaConfiguration", "DeviceConfiguration",
    "EmailConfiguration", "SmsConfiguration", "AdminCreateUserConfig", "UserPoolAddOns",
    "AccountRecoverySetting", "UserPoolTier", "UserPoolTags", "SmsAuthenticationMessage",
    "EmailVerificationMessage", "EmailVerificationSubject", "SmsVerificationMessage", "Domain", "CustomDomain",
)


def jsonable(value: Any) -> Any:
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def describe_pool(cognito: Any, pacer: Pacer, pool_id: str) -> dict[str, Any]:
    pool = pacer.call(cognito.describe_user_pool, UserPoolId=pool_id)["UserPool"]
    description = {k: jsonable(pool[k]) for k in POOL_FIELDS if k in pool}
    try:  # the pool-level MFA settings (TOTP/SMS); optional, moto may not implement it
        mfa = pacer.call(cognito.get_user_pool_mfa_config, UserPoolId=pool_id)
        description["MfaSettings"] = jsonable(mfa)
    except Exception:  # noqa: BLE001 - best effort, MfaConfiguration above is authoritative
        pass
    return description


def csv_header(cognito: Any, pacer: Pacer, pool_id: str) -> list[str]:
    return list(pacer.call(cognito.get_csv_header, UserPoolId=pool_id)["CSVHeader"])


def list_groups(cognito: Any, pacer: Pacer, pool_id: str) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = []
    token = None
    while True:
        kwargs: dict[str, Any] = {"UserPoolId": pool_id, "Limit": PAGE}
        if token:
            kwargs["NextToken"] = token
        page = pacer.call(cognito.list_groups, **kwargs)
        for g in page.get("Groups", []):
            groups.append({k: jsonable(g[k]) for k in ("GroupName", "Description", "Precedence", "RoleArn",
                                                        "CreationDate", "LastModifiedDate") if k in g})
        token = page.get("NextToken")
        if not token:
            return sorted(groups, key=lambda g: g["GroupName"])


def users_page(cognito: Any, pacer: Pacer, pool_id: str, token: str | None) -> tuple[list[dict], str | None]:
    kwargs: dict[str, Any] = {"UserPoolId": pool_id, "Limit": PAGE}
    if token:
        kwargs["PaginationToken"] = token
    page = pacer.call(cognito.list_users, **kwargs)
    return page.get("Users", []), page.get("PaginationToken")


def members_page(cognito: Any, pacer: Pacer, pool_id: str, group: str,
                 token: str | None) -> tuple[list[dict], str | None]:
    kwargs: dict[str, Any] = {"UserPoolId": pool_id, "GroupName": group, "Limit": PAGE}
    if token:
        kwargs["NextToken"] = token
    page = pacer.call(cognito.list_users_in_group, **kwargs)
    return page.get("Users", []), page.get("NextToken")


def user_record(user: dict[str, Any]) -> dict[str, Any]:
    attributes = {a["Name"]: a.get("Value") for a in user.get("Attributes", [])}
    return {
        "username": user["Username"],
        "sub": attributes.get("sub"),
        "status": user.get("UserStatus"),
        "enabled": bool(user.get("Enabled", True)),
        "created": jsonable(user.get("UserCreateDate")),
        "modified": jsonable(user.get("UserLastModifiedDate")),
        "attributes": attributes,
        "mfa_options": jsonable(user.get("MFAOptions", [])),
    }

