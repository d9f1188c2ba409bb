"""The IAM and KMS policies moto stores, read for the project's policy evaluator (``audit.policy``): the
backup runner's copy check and the restore access decision ask the same questions of them.
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote


def iam_policies(account_id: str, role_arn: str) -> list[dict[str, Any]]:
    from moto.iam.models import iam_backends

    role_name = role_arn.rsplit("/", 1)[-1]
    try:
        role = iam_backends[account_id]["global"].get_role(role_name)
    except Exception:
        return []
    documents = [json.loads(unquote(doc)) if isinstance(doc, str) else doc for doc in role.policies.values()]
    for policy in role.managed_policies.values():
        version = next((v for v in policy.versions if v.is_default), None)
        if version and version.document:
            documents.append(json.loads(unquote(version.document)))
    return documents


def key_policy(account_id: str, region: str, key_arn: str | None) -> dict[str, Any] | None:
    from moto.kms.models import kms_backends

    try:
        return json.loads(kms_backends[account_id][region].get_key_policy(key_arn))
    except Exception:
        return None
