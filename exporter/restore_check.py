"""Restore dry run: read an export, verify every object's size and SHA-256 against the manifest, and
report what a user import job would restore (every CSV user into RESET_REQUIRED, with its groups).
Reads one chunk at a time; keeps the set of importable usernames to match memberships.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from dataclasses import dataclass, field
from typing import Any

from . import manifest as mf


@dataclass
class RestoreReport:
    ok: bool
    manifest_key: str
    objects_verified: int = 0
    errors: list[str] = field(default_factory=list)
    import_files: int = 0
    users_to_import: int = 0          # land in RESET_REQUIRED
    federated_not_importable: int = 0
    groups: int = 0
    memberships_to_restore: int = 0   # AdminAddUserToGroup calls (25/s)
    memberships_of_federated: int = 0
    users_with_groups: int = 0
    disabled_to_disable_after_import: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {k: (len(v) if k == "disabled_to_disable_after_import" else v) for k, v in self.__dict__.items()}


def restore_dry_run(s3: Any, bucket: str, manifest_key: str) -> RestoreReport:  # noqa: C901 - one pass over the export's files, each kind checked where it is read
    report = RestoreReport(ok=False, manifest_key=manifest_key)
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=manifest_key)["Body"].read())
    if manifest.get("format_version") != mf.FORMAT_VERSION:
        report.errors.append(f"unsupported format_version {manifest.get('format_version')}")
        return report
    header = manifest["csv_header"]
    importable: set[str] = set()
    federated: set[str] = set()
    disabled: list[str] = []
    with_groups: set[str] = set()
    groups_in_export: set[str] = set()
    memberships = 0
    order = ("groups.json", "federated-", "import-", "memberships-")  # memberships need the others first
    rank = lambda e: next((i for i, p in enumerate(order) if e["key"].rsplit("/", 1)[-1].startswith(p)), len(order))  # noqa: E731
    for entry in sorted(manifest["objects"], key=rank):
        body = s3.get_object(Bucket=bucket, Key=entry["key"])["Body"].read()
        if len(body) != entry["size"] or hashlib.sha256(body).hexdigest() != entry["sha256"]:
            report.errors.append(f"checksum mismatch: {entry['key']}")
            continue
        report.objects_verified += 1
        name = entry["key"].rsplit("/", 1)[-1]
        if name.startswith("import-") and name.endswith(".csv"):
            report.import_files += 1
            rows = csv.reader(io.StringIO(body.decode()))
            if next(rows, None) != header:
                report.errors.append(f"CSV header differs from the pool's GetCSVHeader: {entry['key']}")
            column = header.index("cognito:username")
            for row in rows:
                importable.add(row[column])
        elif name.startswith("users-"):
            for line in gzip.decompress(body).splitlines():
                user = json.loads(line)
                if not user["enabled"]:
                    disabled.append(user["username"])
        elif name.startswith("federated-"):
            for line in gzip.decompress(body).splitlines():
                federated.add(json.loads(line)["username"])
        elif name.startswith("memberships-"):  # manifest order: groups, federated, import come first
            for line in gzip.decompress(body).splitlines():
                memberships += 1
                _membership(report, json.loads(line), groups_in_export, importable, federated, with_groups)
        elif name == "groups.json":
            groups_in_export = {g["GroupName"] for g in json.loads(body)}
    counts = manifest["counts"]
    report.users_to_import = len(importable)
    report.federated_not_importable = len(federated)
    report.groups = len(groups_in_export)
    report.users_with_groups = len(with_groups)
    report.disabled_to_disable_after_import = sorted(u for u in disabled if u in importable)
    if report.users_to_import != counts["csv_rows"] or len(federated) != counts["federated"]:
        report.errors.append("user counts differ from the manifest")
    if memberships != counts["memberships"]:
        report.errors.append("membership count differs from the manifest")
    if report.objects_verified != len(manifest["objects"]):
        report.errors.append("not every object verified")
    report.ok = not report.errors
    return report


def _membership(report: RestoreReport, m: dict, groups: set[str], importable: set[str], federated: set[str],
                with_groups: set[str]) -> None:
    if m["group"] not in groups:
        report.errors.append("membership of a group missing from groups.json")
    if m["username"] in importable:
        report.memberships_to_restore += 1
        with_groups.add(m["username"])
    elif m["username"] in federated:
        report.memberships_of_federated += 1
    else:
        report.errors.append("membership of a user missing from the export")
