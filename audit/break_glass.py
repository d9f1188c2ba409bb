"""The documented break-glass change: the one source of the temporary statements that open SSN restores
to the break-glass role, applied by the runbook's script and evaluated by the audit.

On an SSN vault the restore DENY (``BreakGlassDenySSNRestore``) gets an exemption for the break-glass role
and an Allow for that role is added; on an SSN key an Allow for that role is added (the key's DENY already
exempts it, and nothing else allows it). Closing the break-glass removes exactly these changes.
"""
from __future__ import annotations

import copy
from typing import Any

RESTORE_DENY_SID = "BreakGlassDenySSNRestore"
VAULT_ALLOW_SID = "BreakGlassAllowRestore"
KEY_ALLOW_SID = "BreakGlassAllowDecrypt"


def vault_allow(role_arn: str) -> dict[str, Any]:
    return {"Sid": VAULT_ALLOW_SID, "Effect": "Allow", "Principal": {"AWS": role_arn},
            "Action": ["backup:StartRestoreJob", "backup:GetRecoveryPointRestoreMetadata"], "Resource": "*"}


def key_allow(role_arn: str) -> dict[str, Any]:
    return {"Sid": KEY_ALLOW_SID, "Effect": "Allow", "Principal": {"AWS": role_arn},
            "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant"], "Resource": "*"}


def _statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    statements = policy.get("Statement") or []
    return [statements] if isinstance(statements, dict) else list(statements)


def open_vault_policy(policy: dict[str, Any] | None, role_arn: str) -> dict[str, Any]:
    opened = copy.deepcopy(policy) if policy else {"Version": "2012-10-17", "Statement": []}
    statements = []
    for statement in _statements(opened):
        if statement.get("Sid") == RESTORE_DENY_SID:
            statement = {**statement, "Condition": {"ArnNotEquals": {"aws:PrincipalArn": role_arn}}}
        if statement.get("Sid") != VAULT_ALLOW_SID:
            statements.append(statement)
    opened["Statement"] = [*statements, vault_allow(role_arn)]
    return opened


def open_key_policy(policy: dict[str, Any] | None, role_arn: str) -> dict[str, Any]:
    opened = copy.deepcopy(policy) if policy else {"Version": "2012-10-17", "Statement": []}
    opened["Statement"] = [s for s in _statements(opened) if s.get("Sid") != KEY_ALLOW_SID] + [key_allow(role_arn)]
    return opened
