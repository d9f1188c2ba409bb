"""Encryption and durability of the protection itself: customer-managed rotating keys on every vault,
encrypted TLS-only private buckets, vaults and keys that survive the deletion of their stack."""
from __future__ import annotations

from typing import Any

from audit.controls import Outcome
from audit.controls.access import Target, decide, principal
from audit.controls.common import protected_buckets
from audit.controls.registry import STATIC, control
from audit.snapshot import Posture

RETAIN = "Retain"


def _expected_vaults(posture: Posture, outcome: Outcome) -> None:
    for side in ("environment", "backup"):
        for kind in ("general", "ssn"):
            if not posture.vaults(side=side, kind=kind):
                name = posture.env["vault_names"][kind]
                outcome.subject(f"vault {name} ({posture.account(side)})")
                outcome.check(False, f"vault {name} not found in the {side} account {posture.account(side)}, {posture.region(side)}")


@control("ENC-01", "every backup vault is encrypted with a customer-managed key that rotates",
         severity="critical",
         fix="encrypt the vault with a customer-managed KMS key that has rotation enabled")
def vaults_use_rotating_customer_keys(posture: Posture) -> Outcome:
    outcome = Outcome()
    _expected_vaults(posture, outcome)
    for vault in posture.data["vaults"]:
        label = f"vault {vault['name']} ({vault['account_id']}, {vault['region']})"
        outcome.subject(label)
        check_key_customer_managed_rotating(outcome, label, posture.key_by_arn(vault["encryption_key_arn"]),
                                            vault["encryption_key_arn"])
    return outcome


def check_bucket_encrypted_private_tls_only(posture: Posture, outcome: Outcome, name: str, bucket: dict[str, Any]) -> None:
    """SSE-KMS by default, all four public access blocks, and a request without TLS explicitly denied (decided
    for an administrator of the account, the strongest caller a bucket policy must still refuse)."""
    encryption = bucket["encryption"]
    outcome.check(encryption["algorithm"] == "aws:kms" and bool(encryption["kms_key"]),
                  f"{name}: default encryption {encryption['algorithm']} with key {encryption['kms_key']}", origin=bucket.get("origin"))
    blocks = bucket["public_access_block"]
    outcome.check(all(blocks.values()), f"{name}: public access block {blocks}", origin=bucket.get("origin"))
    where = Target(name, f"{bucket['arn']}/any-object", bucket["account_id"], bucket["policy"] or {"Statement": []}, "resource")
    decision = decide(principal(posture, "an administrator", "environment"), "s3:GetObject", where, **{"aws:SecureTransport": False})
    outcome.check(decision.kind == "ExplicitDeny", f"{name}: a request without TLS is {decision.kind} ({decision.reason})",
                  origin=bucket.get("origin"))


def check_key_customer_managed_rotating(outcome: Outcome, label: str, key: dict[str, Any] | None, key_ref: str | None) -> None:
    if key is None:
        outcome.check(False, f"{label}: encrypted with {key_ref or 'the AWS-managed default key'}, not a customer-managed key")
        return
    outcome.check(key["manager"] == "CUSTOMER" and bool(key["rotation_enabled"]),
                  f"{label}: key {key['arn']} managed by {key['manager']}, rotation {'on' if key['rotation_enabled'] else 'OFF'}",
                  origin=key.get("origin"))


@control("ENC-02", "every protected bucket uses SSE-KMS, refuses requests without TLS and blocks public access",
         severity="critical",
         fix="SSE-KMS default encryption, all four public access blocks, and a Deny of aws:SecureTransport=false")
def protected_buckets_encrypted_private_tls_only(posture: Posture) -> Outcome:
    outcome = Outcome()
    for name, bucket in protected_buckets(posture, outcome):
        check_bucket_encrypted_private_tls_only(posture, outcome, name, bucket)
    return outcome


@control("ENC-03", "every backup vault and its key are retained on stack deletion and replacement",
         severity="high", modes=STATIC,
         fix="set DeletionPolicy and UpdateReplacePolicy to Retain on every vault and vault key")
def vaults_and_keys_retained(posture: Posture) -> Outcome:
    outcome = Outcome()
    _expected_vaults(posture, outcome)
    for vault in posture.data["vaults"]:
        resources = [(f"vault {vault['name']} ({vault['account_id']})", vault)]
        key = posture.key_by_arn(vault["encryption_key_arn"])
        if key is not None:
            resources.append((f"key of vault {vault['name']} ({vault['account_id']})", key))
        for label, resource in resources:
            outcome.subject(label)
            outcome.check(resource["deletion_policy"] == RETAIN and resource["update_replace_policy"] == RETAIN,
                          f"{label}: DeletionPolicy {resource['deletion_policy']}, UpdateReplacePolicy {resource['update_replace_policy']}",
                          origin=resource.get("origin"))
    return outcome
