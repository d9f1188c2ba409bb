"""Bucket policies decided as AWS decides them, for the sandbox's object requests.

moto 5.2.5 evaluates a bucket policy on object requests with a crude matcher: a statement whose condition it
cannot verify answers DENIED whatever its Effect, so the standard "Deny when aws:SecureTransport is false"
statement refuses every upload into a TLS-only bucket. This replaces ``FakeBucket.get_permission`` with the
project's policy evaluator (``audit.policy``: conditions with IfExists and missing-key semantics,
Allow/Deny, NotAction/NotPrincipal), with the context the sandbox models: every request arrives over TLS (the
sandbox stands for AWS's HTTPS endpoints; the CLI reaches it over loopback HTTP) from a caller of the bucket
owner's account. Only an explicit Deny refuses; an Allow permits; otherwise IAM decides (moto: NEUTRAL).
"""
from __future__ import annotations

import json
from typing import Any

from moto.iam.access_control import PermissionResult
from moto.s3.models import FakeBucket

from audit.policy import Request, evaluate

CALLER_ROLE = "sandbox-caller"

_installed = False


def get_permission(self: FakeBucket, action: str, resource: str) -> Any:
    if self.policy is None:
        return PermissionResult.NEUTRAL
    try:
        policy = json.loads(self.policy.decode() if isinstance(self.policy, bytes) else self.policy)
        decision = evaluate(Request(f"arn:aws:iam::{self.account_id}:role/{CALLER_ROLE}", action, resource,
                                    {"aws:SecureTransport": True}, resource_account=self.account_id),
                            resource_policy=policy)
    except (ValueError, TypeError):  # a policy S3 would have refused on PutBucketPolicy
        return PermissionResult.NEUTRAL
    if decision.kind == "ExplicitDeny":
        return PermissionResult.DENIED
    return PermissionResult.PERMITTED if decision.allowed else PermissionResult.NEUTRAL


def install() -> None:
    global _installed
    if _installed:
        return
    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]
    _installed = True
