"""ENC-01..03 on snapshot fixtures: the healthy example passes; a vault key that does not rotate, is
AWS-managed or absent, a bucket without SSE-KMS, public access blocks or a TLS-only policy, and a vault or
key that a stack deletion would take with it each fail, naming the vault, key or bucket."""
from __future__ import annotations

from tests.controls.support import ABSENT, Case, emptied, family_tests, key_of, named, vault_of, without_statement

DOCUMENTS = "compact-connect-example-provider-users-111111111111"
BACKUP_SSN = "vault CompactConnectBackupVault-SSN (222222222222, us-west-2)"


def documents_bucket(snapshot: dict) -> dict:
    return named(snapshot["buckets"], DOCUMENTS)


def key(kind: str, side: str, **fields):
    return lambda snapshot: key_of(snapshot, kind, side).update(fields)


def vault(kind: str, side: str, **fields):
    return lambda snapshot: vault_of(snapshot, kind, side).update(fields)


def drop_vault(kind: str, side: str):
    def mutate(snapshot: dict) -> None:
        gone = vault_of(snapshot, kind, side)
        snapshot["vaults"] = [v for v in snapshot["vaults"] if v is not gone]
    return mutate


def bucket(**fields):
    def mutate(snapshot: dict) -> None:
        found = documents_bucket(snapshot)
        for field, value in fields.items():
            found[field] = {**found[field], **value} if isinstance(value, dict) else value
    return mutate


def drop_bucket(snapshot: dict) -> None:
    snapshot["buckets"] = [b for b in snapshot["buckets"] if b["name"] != DOCUMENTS]


CASES = {
    "ENC-01": [
        Case("key rotation off", key("ssn", "backup", rotation_enabled=False),
             f"{BACKUP_SSN}: key arn:aws:kms:us-west-2:222222222222:key/{{{{SSNBackupKey.Ref}}}} managed by CUSTOMER, rotation OFF"),
        Case("AWS-managed key", key("general", "environment", manager="AWS"), "managed by AWS, rotation on"),
        Case("vault on the default key", vault("general", "environment", encryption_key_arn=None),
             "vault CompactConnectBackupVault (111111111111, us-east-1): encrypted with the AWS-managed default key"),
        Case("vault missing", drop_vault("ssn", "backup"),
             "vault CompactConnectBackupVault-SSN not found in the backup account 222222222222, us-west-2"),
    ],
    "ENC-02": [
        Case("SSE-S3 instead of SSE-KMS", bucket(encryption={"algorithm": "AES256", "kms_key": None}),
             f"s3 bucket {DOCUMENTS}: default encryption AES256 with key None"),
        Case("public ACLs not blocked", bucket(public_access_block={"BlockPublicAcls": False}),
             f"s3 bucket {DOCUMENTS}: public access block"),
        Case("plain HTTP not denied", without_statement(documents_bucket, "policy", "DenyInsecureTransport"),
             f"s3 bucket {DOCUMENTS}: a request without TLS is"),
        Case("bucket missing from the posture", drop_bucket, f"s3 bucket {DOCUMENTS}: not found in the static posture"),
        Case("no protected bucket", emptied("inventory.buckets"), ABSENT),
    ],
    "ENC-03": [
        Case("vault deleted with its stack", vault("general", "backup", deletion_policy="Delete"),
             "vault CompactConnectBackupVault (222222222222): DeletionPolicy Delete, UpdateReplacePolicy Retain"),
        Case("key replaced with its stack", key("ssn", "environment", update_replace_policy="Delete"),
             "key of vault CompactConnectBackupVault-SSN (111111111111): DeletionPolicy Retain, UpdateReplacePolicy Delete"),
        Case("vault missing", drop_vault("general", "environment"),
             "vault CompactConnectBackupVault not found in the environment account 111111111111, us-east-1"),
    ],
}

test_healthy_passes, test_each_violation_fails = family_tests(CASES)
