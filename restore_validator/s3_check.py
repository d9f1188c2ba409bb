"""Checks of a restored S3 test bucket: objects present, every verified object encrypted with the expected
customer-managed key, and its stored checksum recomputed; for the Cognito export bucket, the export's own
manifest check (``exporter.restore_check``, the same code ``retention export --restore-check`` runs).

Why: S3 stores a checksum with an object uploaded with one (S3 user guide, "Checking object integrity");
the restore keeps it, so recomputing SHA-256 over the restored bytes proves the bytes came back. Objects
without a stored checksum are counted, not verified. An S3 recovery point reports no object count, so the
count is compared only with "something was backed up" (the restore job's size). At most ``max_objects``
objects are read (the rest are counted): the function has 15 minutes. Messages carry counts, never keys
(object keys of the document bucket can name a person).
"""
from __future__ import annotations

import base64
import hashlib
from typing import Any

from .checks import Check

MANIFEST = "manifest.json"


def bucket_name(arn: str) -> str:
    return arn.split(":::", 1)[1].split("/", 1)[0]


def _keys(s3: Any, bucket: str) -> list[str]:
    return [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for o in page.get("Contents") or []]


def _verify(s3: Any, bucket: str, keys: list[str], expected_key: str | None) -> list[Check]:
    verified = unchecked = 0
    wrong_checksum = wrong_key = 0
    for key in keys:
        response = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        body = response["Body"].read()
        if response.get("ServerSideEncryption") != "aws:kms" or (
                expected_key and response.get("SSEKMSKeyId") not in (expected_key, expected_key.rsplit("/", 1)[-1])):
            wrong_key += 1
        stored = response.get("ChecksumSHA256")
        if not stored:
            unchecked += 1
        elif base64.b64encode(hashlib.sha256(body).digest()).decode() != stored:
            wrong_checksum += 1
        else:
            verified += 1
    return [
        Check("encryption", wrong_key == 0, f"{len(keys) - wrong_key} of {len(keys)} read objects under the general key"),
        Check("checksums", wrong_checksum == 0,
              f"{verified} verified, {wrong_checksum} differ, {unchecked} without a stored SHA-256"),
    ]


def _export_manifests(keys: list[str]) -> list[str]:
    """The newest manifest of each pool (keys PREFIX/POOL/DAY[/run-NNN]/manifest.json)."""
    newest: dict[str, str] = {}
    for key in keys:
        parts = key.split("/")
        if parts[-1] == MANIFEST and len(parts) >= 4:
            newest[parts[1]] = max(newest.get(parts[1], key), key)
    return [newest[pool] for pool in sorted(newest)]


def _export_check(s3: Any, bucket: str, keys: list[str]) -> Check:
    from exporter.restore_check import restore_dry_run

    manifests = _export_manifests(keys)
    if not manifests:
        return Check("export_manifest", False, "no export manifest in the restored export bucket")
    errors = 0
    for manifest_key in manifests:
        errors += len(restore_dry_run(s3, bucket, manifest_key).errors)
    return Check("export_manifest", errors == 0,
                 f"{len(manifests)} pool export(s) checked against their manifests, {errors} error(s)")


def validate_bucket(s3: Any, restored_arn: str, source_arn: str | None, backup_size: int | None,
                    expected_key: str | None, export_bucket: str | None, max_objects: int) -> list[Check]:
    bucket = bucket_name(restored_arn)
    keys = _keys(s3, bucket)
    empty_ok = not backup_size
    checks = [Check("object_count", bool(keys) or empty_ok,
                    f"{len(keys)} objects" + ("" if keys or empty_ok else f", the backup holds {backup_size} bytes"))]
    checks.extend(_verify(s3, bucket, keys[:max_objects], expected_key))
    if len(keys) > max_objects:
        checks.append(Check("objects_read", True, f"{max_objects} of {len(keys)} read"))
    if export_bucket and source_arn and bucket_name(source_arn) == export_bucket:
        checks.append(_export_check(s3, bucket, keys))
    return checks
