"""A pool's export as the drill reads it, pinned in-process with a fake S3 (audit/drill/pools.py;
docs/cognito-export.md, docs/restore.md "User pools"): the newest day with a manifest and its newest run, an
unreadable or absent export refused naming the pool and the bucket, every object checked against the manifest
(size and SHA-256), and what is read from each kind of file (the users of the CSVs only, memberships,
federated users counted).
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError

from audit.drill import pools
from audit.drill.plan import POOL, Target

POOL_ID = "us-east-1_A"
TARGET = Target("staff", POOL, "staff-pool", f"arn:aws:cognito-idp:us-east-1:1:userpool/{POOL_ID}", "export_data", "",
                3600, False, "exports")
T0 = datetime(2026, 12, 1, tzinfo=timezone.utc)


class FakeS3:
    """ListObjectsV2 (with Delimiter), GetObject, over a dict of key -> (body, LastModified)."""

    def __init__(self, objects=None, fail=None):
        self.objects: dict[str, tuple[bytes, datetime]] = dict(objects or {})
        self.fail = fail

    def put(self, key: str, body: bytes, when: datetime = T0) -> dict:
        self.objects[key] = (body, when)
        return {"key": key, "size": len(body), "sha256": hashlib.sha256(body).hexdigest()}

    def get_paginator(self, name):
        assert name == "list_objects_v2"
        return self

    def paginate(self, Bucket, Prefix, Delimiter=None):  # noqa: N803 (AWS names)
        if self.fail:
            raise self.fail
        keys = sorted(k for k in self.objects if k.startswith(Prefix))
        if Delimiter:
            prefixes = sorted({Prefix + k[len(Prefix):].split(Delimiter, 1)[0] + Delimiter
                               for k in keys if Delimiter in k[len(Prefix):]})
            yield {"CommonPrefixes": [{"Prefix": p} for p in prefixes[:1]]}  # two pages, as S3 may answer
            yield {"CommonPrefixes": [{"Prefix": p} for p in prefixes[1:]]}
            return
        yield {"Contents": [{"Key": k, "LastModified": self.objects[k][1]} for k in keys]}
        yield {}

    def get_object(self, Bucket, Key):  # noqa: N803
        return {"Body": io.BytesIO(self.objects[Key][0])}


def jsonl(rows) -> bytes:
    return gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode() + b"\n")


def csv_bytes(header, rows) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    return out.getvalue().encode()


USERS = [
    {"username": "u1", "status": "CONFIRMED", "enabled": True, "attributes": {"email": "ann@x.org", "email_verified": "true"}},
    {"username": "u2", "status": "CONFIRMED", "enabled": False, "attributes": {"email": "bob@x.org", "email_verified": "true"}},
    {"username": "u3", "status": "UNCONFIRMED", "enabled": True, "attributes": {"email": "cy@x.org"}},
    {"username": "fed_1", "status": "EXTERNAL_PROVIDER", "enabled": True, "attributes": {"email": "f@x.org"}},
]
HEADER = ["email", "cognito:username", "email_verified"]


def export(s3: FakeS3, day: str = "2026-12-01", run: str = "r1", when: datetime = T0, csv_users=("u1", "u2", "u3"),
           description=None) -> dict:
    base = f"cognito-export/{POOL_ID}/{day}/{run}/"
    by_name = {u["username"]: u for u in USERS}
    objects = [
        s3.put(base + "pool.json", json.dumps({"pool": description or {"AutoVerifiedAttributes": ["email"]}}).encode(), when),
        s3.put(base + "groups.json", json.dumps([{"GroupName": "admins", "Precedence": 1}]).encode(), when),
        s3.put(base + "users-0001.jsonl.gz", jsonl(USERS[:2]), when),
        s3.put(base + "users-0002.jsonl.gz", jsonl(USERS[2:]), when),
        s3.put(base + "memberships-0001.jsonl.gz", jsonl([{"group": "admins", "username": "u1"},
                                                          {"group": "admins", "username": "fed_1"}]), when),
        s3.put(base + "federated-0001.jsonl.gz", jsonl([{"username": "fed_1"}]), when),
        s3.put(base + "import-0001.csv", csv_bytes(HEADER, [[by_name[u]["attributes"]["email"], u,
                                                             by_name[u]["attributes"].get("email_verified", "false")]
                                                            for u in csv_users[:2]]), when),
        s3.put(base + "import-0002.csv", csv_bytes(HEADER[::-1], [[by_name[u]["attributes"].get("email_verified", "false"),
                                                                   u, by_name[u]["attributes"]["email"]]
                                                                  for u in csv_users[2:]]), when),
        s3.put(base + "checkpoint.json", b"{}", when),  # a file the drill does not read
    ]
    manifest = {"day": day, "objects": objects}
    s3.put(base + "manifest.json", json.dumps(manifest).encode(), when)
    return manifest


# ------------------------------------------------------------------------------------ finding the export

def test_the_newest_day_with_a_manifest_and_its_newest_run_are_drilled():
    s3 = FakeS3()
    export(s3, "2026-11-30", "r1", T0)
    export(s3, "2026-12-01", "r1", T0)
    export(s3, "2026-12-01", "r2", T0.replace(hour=5))
    s3.put(f"cognito-export/{POOL_ID}/2026-12-02/r1/users-0001.jsonl.gz", b"unfinished")  # no manifest yet
    s3.put(f"cognito-export/{POOL_ID}-other/2026-12-09/r1/manifest.json", b"{}")            # another pool
    prepared = pools.find_export(s3, TARGET)
    assert prepared.manifest_key == f"cognito-export/{POOL_ID}/2026-12-01/r2/manifest.json"
    assert (prepared.bucket, prepared.target, prepared.manifest["day"]) == ("exports", TARGET, "2026-12-01")
    assert pools.find_export(s3, TARGET, prefix="/cognito-export/").manifest_key == prepared.manifest_key


def test_two_runs_of_one_second_are_told_apart_by_key():
    s3 = FakeS3()
    export(s3, "2026-12-01", "r1", T0)
    export(s3, "2026-12-01", "r2", T0)
    assert pools.find_export(s3, TARGET).manifest_key.endswith("/r2/manifest.json")


def test_a_pool_without_a_complete_export_is_refused_counting_the_days_seen():
    s3 = FakeS3()
    s3.put(f"cognito-export/{POOL_ID}/2026-12-01/r1/users-0001.jsonl.gz", b"x")
    s3.put(f"cognito-export/{POOL_ID}/2026-12-02/r1/users-0001.jsonl.gz", b"x")
    with pytest.raises(pools.NoExport) as refused:
        pools.find_export(s3, TARGET)
    assert str(refused.value) == (f"staff: no complete export (manifest.json) of pool {POOL_ID} under "
                                  f"s3://exports/cognito-export/{POOL_ID}/ (2 day(s) without one)")


def test_a_pool_without_an_export_bucket_is_refused_saying_which_configuration_entry():
    bare = Target("staff", POOL, "staff-pool", TARGET.arn, "export_data", "", 3600, False, "")
    with pytest.raises(pools.NoExport, match=r"^staff: the configuration has no export bucket \(inventory.s3_buckets id "
                                            r"cognito-export\)$"):
        pools.find_export(FakeS3(), bare)


@pytest.mark.parametrize("error", [ClientError({"Error": {"Code": "AccessDenied", "Message": "m"}}, "ListObjectsV2"),
                                   ValueError("bad")])
def test_an_unreadable_export_is_refused_naming_the_pool_the_place_and_the_error(error):
    with pytest.raises(pools.NoExport) as refused:
        pools.find_export(FakeS3(fail=error), TARGET)
    assert str(refused.value).startswith(f"staff: the exports of pool {POOL_ID} in s3://exports/cognito-export/{POOL_ID}/ "
                                         f"cannot be read: {type(error).__name__}: ")
    assert isinstance(refused.value, pools.restore.NoRecoveryPoint)  # a precondition: exit 2


# ------------------------------------------------------------------------------------ reading the export

def _prepared(s3, manifest_key=f"cognito-export/{POOL_ID}/2026-12-01/r1/manifest.json"):
    return pools.Prepared(TARGET, "exports", manifest_key, json.loads(s3.objects[manifest_key][0]))


def test_the_export_gives_the_description_groups_csv_users_memberships_and_federated_count():
    s3 = FakeS3()
    export(s3)
    data = pools.read_export(s3, _prepared(s3))
    assert data.description == {"AutoVerifiedAttributes": ["email"]}
    assert data.groups == [{"GroupName": "admins", "Precedence": 1}]
    assert data.users == {u["username"]: u for u in USERS[:3]}  # the CSVs' users; the federated one is not imported
    assert data.memberships == {("admins", "u1"), ("admins", "fed_1")}
    assert data.federated == 1
    assert [(h, len(rows)) for h, rows in data.csv_files] == [(HEADER, 2), (HEADER[::-1], 1)]
    assert data.csv_files[0][1][0] == ["ann@x.org", "u1", "true"]


def test_a_csv_user_without_a_record_is_a_restore_failure_counting_them():
    s3 = FakeS3()
    base = f"cognito-export/{POOL_ID}/2026-12-01/r1/"
    entry = s3.put(base + "import-0001.csv", csv_bytes(HEADER, [["a@x", "ghost", "true"], ["b@x", "ghost2", "true"]]))
    prepared = pools.Prepared(TARGET, "exports", base + "manifest.json", {"objects": [entry]})
    with pytest.raises(pools.PoolRestoreFailed, match=r"^2 CSV user\(s\) have no record in users-\*\.jsonl\.gz$"):
        pools.read_export(s3, prepared)


@pytest.mark.parametrize("change", ["size", "bytes"])
def test_an_object_that_differs_from_the_manifest_is_refused_naming_its_key(change):
    s3 = FakeS3()
    export(s3)
    key = f"cognito-export/{POOL_ID}/2026-12-01/r1/groups.json"
    body = s3.objects[key][0]
    s3.objects[key] = (body + b" " if change == "size" else body.replace(b"admins", b"admint"), T0)
    with pytest.raises(pools.PoolRestoreFailed) as refused:
        pools.read_export(s3, _prepared(s3))
    assert str(refused.value) == f"{key} differs from the manifest (size or SHA-256)"


def test_an_empty_manifest_reads_as_an_empty_pool():
    data = pools.read_export(FakeS3(), pools.Prepared(TARGET, "exports", "m", {}))
    assert (data.description, data.groups, data.users, data.memberships, data.csv_files, data.federated) == \
        ({}, [], {}, set(), [], 0)


def test_only_import_csv_files_are_imported():
    """The exporter's other files (a report, notes) are not user rows, whatever their extension."""
    s3 = FakeS3()
    manifest = export(s3)
    base = f"cognito-export/{POOL_ID}/2026-12-01/r1/"
    manifest["objects"] += [s3.put(base + "errors.csv", b"row,detail\n1,x\n"),
                            s3.put(base + "import-notes.json", b'{"note": 1}')]
    data = pools.read_export(s3, pools.Prepared(TARGET, "exports", base + "manifest.json", manifest))
    assert [h for h, _ in data.csv_files] == [HEADER, HEADER[::-1]]
