"""The vocabulary of the policy evaluator's tests: accounts, ARNs, and builders of statements and requests
(shared by tests/unit/test_policy_evaluator.py and test_policy_evaluation.py)."""
from __future__ import annotations

from typing import Any

from audit.policy import Request

ACCT = "111111111111"
OTHER = "222222222222"
KEY = f"arn:aws:kms:us-east-1:{ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROOT = f"arn:aws:iam::{ACCT}:root"


def role(name: str, account: str = ACCT) -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def session(name: str, account: str = ACCT, session_name: str = "s1") -> str:
    return f"arn:aws:sts::{account}:assumed-role/{name}/{session_name}"


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def req(principal: str = role("Admin"), action: str = "kms:Decrypt", resource: str = KEY, **context: Any) -> Request:
    return Request(principal=principal, action=action, resource=resource, context=context)
