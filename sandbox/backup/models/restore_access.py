"""Whether AWS would let a restore run: the sandbox's decision, made with the project's IAM policy evaluator
(``audit.policy``), so the SSN vault's break-glass DENY statements refuse restores here as they would in
AWS, and the documented break-glass (``audit.break_glass``) opens them for its role alone.

moto checks no signature, so the sandbox cannot tell who called ``StartRestoreJob``; the restore role
(``IamRoleArn``) stands in for the caller. The checks, in AWS's order:

1. ``backup:StartRestoreJob`` on the recovery point: refused by any explicit Deny of the role's identity
   policies or the vault access policy (``vault_refusal``; the API call fails with AccessDeniedException).
   An Allow is not required: it would be the unknown caller's.
2. The role must be assumable by AWS Backup (``sandbox.backup.models.jobs.role_problem``).
3. The vault key (if the vault has one): ``kms:Decrypt`` and ``kms:CreateGrant`` (for an AWS resource) by
   the role through ``backup.<region>.amazonaws.com``, under the key policy and the role's policies.
4. The write into the new resource: ``dynamodb:RestoreTableFromAwsBackup`` on the target table (or
   ``dynamodb:RestoreTableFromBackup`` on a DynamoDB-managed backup), ``s3:PutObject`` on the destination
   bucket's objects (with the bucket policy), allowed by the role's policies.

Checks 2-4 fail the job (FAILED with the reason), as AWS reports a role that cannot do its work.
"""
from __future__ import annotations

import json
from typing import Any

from audit.policy import Request, evaluate
from sandbox.backup.models.jobs import role_problem
from sandbox.backup.models.policies import iam_policies, key_policy
from sandbox.backup.models.state import state


def _vault_policy(backend: Any, vault_name: str) -> dict[str, Any] | None:
    text = state(backend).vault_policies.get(vault_name)
    return json.loads(text) if text else None


def vault_refusal(backend: Any, point: Any, role_arn: str, action: str = "backup:StartRestoreJob") -> str | None:
    """Why the vault access policy or the role's own policies DENY ``action`` on the recovery point."""
    decision = evaluate(Request(role_arn, action, point.arn, resource_account=backend.account_id),
                        identity_policies=iam_policies(backend.account_id, role_arn),
                        resource_policy=_vault_policy(backend, point.vault_name))
    if decision.kind == "ExplicitDeny":
        return f"{action} on {point.arn} is denied to {role_arn}: {decision.reason}"
    return None


def _key_refusal(account: str, region: str, key_arn: str, role_arn: str, identity: list[dict[str, Any]]) -> str | None:
    policy = key_policy(account, region, key_arn)
    via = {"kms:ViaService": f"backup.{region}.amazonaws.com", "kms:CallerAccount": account}
    for action, context in (("kms:Decrypt", via), ("kms:CreateGrant", {**via, "kms:GrantIsForAWSResource": "true"})):
        decision = evaluate(Request(role_arn, action, key_arn, context, resource_account=account),
                            identity_policies=identity, resource_policy=policy, resource_policy_type="kms_key")
        if not decision.allowed:
            return f"the vault key {key_arn} refuses {action} to {role_arn}: {decision.reason}"
    return None


def _bucket_policy(account: str, region: str, bucket_name: str) -> dict[str, Any] | None:
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    bucket = s3_backends[account][get_partition(region)].buckets.get(bucket_name)
    policy = getattr(bucket, "policy", None)
    if not policy:
        return None
    return json.loads(policy.decode() if isinstance(policy, bytes) else policy)


def _write_refusal(point: Any, account: str, region: str, role_arn: str, target: str,
                   identity: list[dict[str, Any]]) -> str | None:
    partition = point.arn.split(":")[1]
    if point.resource_type == "DynamoDB":
        if point.arn.startswith(f"arn:{partition}:dynamodb:"):
            action, resource = "dynamodb:RestoreTableFromBackup", point.arn
        else:
            action, resource = "dynamodb:RestoreTableFromAwsBackup", \
                f"arn:{partition}:dynamodb:{region}:{account}:table/{target}"
        decision = evaluate(Request(role_arn, action, resource, resource_account=account), identity_policies=identity)
    else:
        action, resource = "s3:PutObject", f"arn:{partition}:s3:::{target}/*"
        decision = evaluate(Request(role_arn, action, resource, {"aws:SecureTransport": True},
                                    resource_account=account),
                            identity_policies=identity, resource_policy=_bucket_policy(account, region, target))
    if not decision.allowed:
        return f"{role_arn} may not {action} on {resource}: {decision.reason}"
    return None


def job_refusal(backend: Any, point: Any, role_arn: str, target: str) -> str | None:
    """Why the restore job would fail for lack of access (role, vault key, target), or None."""
    account, region = backend.account_id, backend.region_name
    problem = role_problem(account, region, role_arn)
    if problem:
        return problem
    identity = iam_policies(account, role_arn)
    if point.encryption_key_arn:
        problem = _key_refusal(account, region, point.encryption_key_arn, role_arn, identity)
        if problem:
            return problem
    return _write_refusal(point, account, region, role_arn, target, identity)
