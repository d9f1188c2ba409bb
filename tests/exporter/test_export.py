from __future__ import annotations

import csv
import io
import logging

import pytest
from botocore.exceptions import ClientError

from exporter.export import ExportExists, abandon_checkpoint, export_pool
from exporter.restore_check import restore_dry_run

from .conftest import BUCKET, Recording, checkpoint_token, make_pool, objects, read_json, read_jsonl, rejecting

DAY = "2026-11-27"


def run(cognito, s3, pool_id, clock, **kw):
    kw.setdefault("day", DAY)
    return export_pool(cognito, s3, pool_id=pool_id, bucket=BUCKET, clock=clock, sleep=clock.sleep, **kw)


def test_complete_export_contents(aws, clock):
    cognito, s3 = aws
    pool = make_pool(cognito, 130, groups=3, unconfirmed=2)
    rec = Recording(cognito)
    result = run(rec, s3, pool["pool_id"], clock, chunk_size=50, csv_chunk_size=100)
    assert result.complete and result.manifest_key.endswith(f"{pool['pool_id']}/{DAY}/manifest.json")
    prefix = result.run_prefix
    manifest = read_json(s3, result.manifest_key)
    c = manifest["counts"]
    assert c["users"] == 132 and c["csv_rows"] == 132 and c["federated"] == 0
    assert c["disabled"] == len(pool["disabled"]) and c["enabled"] == 132 - len(pool["disabled"])
    assert c["by_status"] == {"FORCE_CHANGE_PASSWORD": 130, "UNCONFIRMED": 2}
    assert c["groups"] == 3 and c["memberships"] == pool["memberships"]
    names = sorted(o["key"][len(prefix):] for o in manifest["objects"])
    member_chunks = [f"memberships-{i:05d}.jsonl.gz" for i in range(1, -(-pool["memberships"] // 50) + 1)]
    assert names == ["groups.json", "import-00001.csv", "import-00002.csv", *member_chunks, "pool.json",
                     "sub-map-00001.jsonl.gz", "sub-map-00002.jsonl.gz", "sub-map-00003.jsonl.gz",
                     "users-00001.jsonl.gz", "users-00002.jsonl.gz", "users-00003.jsonl.gz"]
    # users: bounded chunks, every attribute incl. custom, status and enabled flag
    users = [u for i in (1, 2, 3) for u in read_jsonl(s3, f"{prefix}users-0000{i}.jsonl.gz")]
    assert [len(read_jsonl(s3, f"{prefix}users-0000{i}.jsonl.gz")) for i in (1, 2, 3)] == [50, 50, 32]
    by_email = {u["attributes"]["email"]: u for u in users}
    assert sorted(by_email) == sorted(pool["emails"])
    assert by_email["person1@example.org"]["attributes"]["custom:licensee"] == "LIC-000001"
    assert by_email["person0@example.org"]["enabled"] is False
    assert by_email["pending0@example.org"]["status"] == "UNCONFIRMED"
    assert all(u["sub"] and u["created"] for u in users)
    # import CSV: GetCSVHeader columns, one row per user
    header = cognito.get_csv_header(UserPoolId=pool["pool_id"])["CSVHeader"]
    assert "custom:licensee" in header and manifest["csv_header"] == header
    rows = []
    for i in (1, 2):
        reader = list(csv.reader(io.StringIO(s3.get_object(Bucket=BUCKET, Key=f"{prefix}import-0000{i}.csv")["Body"].read().decode())))
        assert reader[0] == header
        rows += [dict(zip(header, r)) for r in reader[1:]]
    assert len(rows) == 132
    row = next(r for r in rows if r["email"] == "person1@example.org")
    assert row["custom:licensee"] == "LIC-000001" and row["cognito:mfa_enabled"] == "false"
    assert row["email_verified"] == "true" and row["cognito:username"] == by_email["person1@example.org"]["username"]
    # groups, memberships, old sub mapping
    groups = read_json(s3, f"{prefix}groups.json")
    assert [(g["GroupName"], g["Precedence"], g["Description"]) for g in groups] == [
        ("group-0", 1, "group 0"), ("group-1", 2, "group 1"), ("group-2", 3, "group 2")]
    assert groups[0]["RoleArn"].endswith("role/r0")
    members = [m for name in member_chunks for m in read_jsonl(s3, prefix + name)]
    assert len(members) == pool["memberships"]
    user5 = by_email["person5@example.org"]["username"]  # 5 % 3 = 2, and 5 % 5 == 0 -> also group-0
    assert sorted(m["group"] for m in members if m["username"] == user5) == ["group-0", "group-2"]
    user3 = by_email["person3@example.org"]["username"]
    assert not [m for m in members if m["username"] == user3]
    subs = [s for i in (1, 2, 3) for s in read_jsonl(s3, f"{prefix}sub-map-0000{i}.jsonl.gz")]
    assert {s["username"]: s["sub"] for s in subs} == {u["username"]: u["sub"] for u in users}
    pool_doc = read_json(s3, f"{prefix}pool.json")["pool"]
    assert pool_doc["MfaConfiguration"] == "OFF" and pool_doc["UsernameAttributes"] == ["email"]
    assert any(a["Name"].endswith("licensee") for a in pool_doc["SchemaAttributes"])
    # memberships by group, never per user; manifest last
    assert rec.count("admin_list_groups_for_user") == 0 and rec.count("admin_get_user") == 0
    assert rec.count("list_users") == 3
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix + "checkpoint")["KeyCount"] == 0


def test_manifest_written_last(aws, clock):
    cognito, s3 = aws
    pool = make_pool(cognito, 10)
    puts = []
    result = run(cognito, Recording(s3, fail=lambda op, kw, n: puts.append(kw["Key"]) if op == "put_object" else None),
                 pool["pool_id"], clock)
    assert result.complete and puts[-1].endswith("manifest.json")
    manifest = read_json(s3, result.manifest_key)
    assert {o["key"] for o in manifest["objects"]} == set(puts[:-1])
    assert all(len(o["sha256"]) == 64 and o["size"] > 0 for o in manifest["objects"])


def test_zero_users(aws, clock):
    cognito, s3 = aws
    pool = make_pool(cognito, 0, groups=2)
    result = run(cognito, s3, pool["pool_id"], clock)
    assert result.complete
    manifest = read_json(s3, result.manifest_key)
    assert manifest["counts"]["users"] == 0 and manifest["counts"]["groups"] == 2
    assert sorted(o["key"].rsplit("/", 1)[1] for o in manifest["objects"]) == ["groups.json", "pool.json"]
    report = restore_dry_run(s3, BUCKET, result.manifest_key)
    assert report.ok and report.users_to_import == 0


def test_federated_users_listed_separately(aws, clock):
    cognito, s3 = aws
    pool = make_pool(cognito, 6, groups=1)

    class Federating(Recording):
        def __getattr__(self, name):
            method = super().__getattr__(name)
            if name != "list_users":
                return method

            def list_users(**kw):
                page = method(**kw)
                for u in page["Users"]:
                    if any(a["Value"] == "person2@example.org" for a in u["Attributes"]):
                        u["UserStatus"] = "EXTERNAL_PROVIDER"
                        u["Attributes"].append({"Name": "identities", "Value": "[{\"providerName\":\"Okta\"}]"})
                return page
            list_users.__name__ = "list_users"
            return list_users

    result = run(Federating(cognito), s3, pool["pool_id"], clock)
    prefix = result.run_prefix
    assert result.counts["federated"] == 1 and result.counts["csv_rows"] == 5
    fed = read_jsonl(s3, prefix + "federated-00001.jsonl.gz")
    assert len(fed) == 1 and "Okta" in fed[0]["identities"]
    body = s3.get_object(Bucket=BUCKET, Key=prefix + "import-00001.csv")["Body"].read().decode()
    assert "person2@example.org" not in body and "person1@example.org" in body
    report = restore_dry_run(s3, BUCKET, result.manifest_key)
    assert report.ok and report.federated_not_importable == 1 and report.users_to_import == 5


def test_calls_per_thousand_users_and_page_limit(aws, clock):
    cognito, s3 = aws
    pool = make_pool(cognito, 1000, groups=4, disabled_every=0)
    rec = Recording(cognito)  # asserts Limit <= 60 on every call
    result = run(rec, s3, pool["pool_id"], clock)
    assert result.complete and result.counts["users"] == 1000
    assert all(kw.get("Limit") == 60 for op, kw in rec.calls if op.startswith("list_"))
    list_users = rec.count("list_users")
    group_pages = rec.count("list_groups") + rec.count("list_users_in_group")
    assert list_users == 17
    per_user_calls = sum(1 for op, _ in rec.calls if op not in ("describe_user_pool", "get_csv_header",
                                                                 "get_user_pool_mfa_config"))
    assert per_user_calls <= 17 + group_pages
    assert len(rec.calls) - per_user_calls <= 3  # once per pool, not per user
    # 4 groups, ~ 900 memberships: ceil(members/60) per group
    assert rec.count("list_users_in_group") <= sum(-(-n // 60) + 1 for n in (250, 250, 250, 250))


def test_throttling_every_third_call_complete_and_identical(aws, clock):
    cognito, s3 = aws
    pool = make_pool(cognito, 130, groups=3)
    baseline = run(cognito, s3, pool["pool_id"], clock, prefix="baseline", chunk_size=50)
    throttled = Recording(cognito, throttle_every=3)
    result = run(throttled, s3, pool["pool_id"], clock, prefix="throttled", chunk_size=50)
    assert result.complete and result.counts == baseline.counts
    assert objects(s3, baseline.run_prefix) == objects(s3, result.run_prefix)
    assert sum(1 for _ in throttled.calls) >= 1.4 * (sum(baseline.calls.values()))
    assert clock.slept > 0


def test_throttling_beyond_retries_is_incomplete_then_resumes(aws, clock):
    cognito, s3 = aws
    pool = make_pool(cognito, 130, groups=2)
    one_shot = run(cognito, s3, pool["pool_id"], clock, prefix="one", chunk_size=50)
    state = {"n": 0}

    def storm(op, kw, n):  # the third ListUsers page is throttled for good
        if op == "list_users" and kw.get("PaginationToken"):
            state["n"] += 1
            if state["n"] >= 2:
                return ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "x"}}, op)
        return None

    first = run(Recording(cognito, fail=storm), s3, pool["pool_id"], clock, prefix="two", chunk_size=50)
    assert not first.complete and first.error == "TooManyRequestsException" and first.checkpoint_key
    second = run(cognito, s3, pool["pool_id"], clock, prefix="two", chunk_size=50)
    assert second.complete
    assert objects(s3, one_shot.run_prefix) == objects(s3, second.run_prefix)


def test_s3_failure_mid_export_is_not_complete(aws, clock):
    cognito, s3 = aws
    pool = make_pool(cognito, 130, groups=2)

    def fail(op, kw, n):
        if op == "put_object" and kw["Key"].endswith("users-00002.jsonl.gz"):
            return ClientError({"Error": {"Code": "InternalError", "Message": "We encountered an internal error"}}, op)
        return None

    result = run(cognito, Recording(s3, fail=fail), pool["pool_id"], clock, chunk_size=50)
    assert result.complete is False and result.manifest_key is None and result.error == "InternalError"
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=result.run_prefix + "manifest")["KeyCount"] == 0
    with pytest.raises(ClientError):  # the manifest was never written (NoSuchKey)
        restore_dry_run(s3, BUCKET, result.run_prefix + "manifest.json")
    # a re-run after the failure resumes from the last checkpoint and matches a one-shot export
    again = run(cognito, s3, pool["pool_id"], clock, chunk_size=50)
    assert again.complete
    one_shot = run(cognito, s3, pool["pool_id"], clock, prefix="one-shot", chunk_size=50)
    assert objects(s3, again.run_prefix) == objects(s3, one_shot.run_prefix)


class Deadline:
    """Remaining seconds: plenty for the first `checks` page boundaries, then too little."""

    def __init__(self, checks: int | None):
        self.checks, self.seen = checks, 0

    def __call__(self) -> float:
        self.seen += 1
        return 900.0 if self.checks is None or self.seen <= self.checks else 5.0


def test_checkpoint_resume_three_invocations_identical(aws, clock):
    cognito, s3 = aws
    pool = make_pool(cognito, 130, groups=3)
    one = run(cognito, s3, pool["pool_id"], clock, prefix="one", chunk_size=50, csv_chunk_size=70)
    assert one.complete
    kw = dict(prefix="three", chunk_size=50, csv_chunk_size=70)
    first = run(cognito, s3, pool["pool_id"], clock, deadline=Deadline(2), **kw)  # stops before page 3
    assert not first.complete and first.checkpoint_key.endswith(f"{DAY}/checkpoint.json") and first.error is None
    assert first.counts["users"] == 120
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=first.run_prefix + "manifest")["KeyCount"] == 0
    second = run(cognito, s3, pool["pool_id"], clock, deadline=Deadline(3), **kw)  # users done, into groups
    assert not second.complete and second.counts["users"] == 130 and 0 < second.counts["memberships"]
    third = run(cognito, s3, pool["pool_id"], clock, deadline=Deadline(None), **kw)
    assert third.complete and third.counts == one.counts
    assert objects(s3, one.run_prefix) == objects(s3, third.run_prefix)
    assert "checkpoint.json" not in objects(s3, third.run_prefix)


@pytest.mark.parametrize("groups, checks, phase, call", [(3, 2, "users", "list_users"),
                                                          (1, 4, "memberships", "list_users_in_group")])
def test_a_checkpoint_whose_token_cognito_refuses_starts_the_export_afresh(aws, clock, caplog, groups, checks, phase, call):
    """Pagination tokens expire: resuming a day-old checkpoint used to fail on its first page, and so on every
    retry, forever. The run now starts again under the same prefix, ends byte-identical to a one-shot run, and
    removes the stale checkpoint; the token (which can encode a user) never reaches the logs."""
    cognito, s3 = aws
    pool = make_pool(cognito, 130, groups=groups)
    one = run(cognito, s3, pool["pool_id"], clock, prefix="one", chunk_size=50)
    kw = dict(prefix="stale", chunk_size=50)
    first = run(cognito, s3, pool["pool_id"], clock, deadline=Deadline(checks), **kw)
    assert not first.complete and first.error is None and read_json(s3, first.checkpoint_key)["phase"] == phase
    token, refused = checkpoint_token(s3, first.checkpoint_key), []
    caplog.set_level(logging.INFO, logger="exporter")
    again = run(Recording(cognito, fail=rejecting(token, refused)), s3, pool["pool_id"], clock, **kw)
    assert again.complete and again.counts == one.counts and refused == [call]
    assert objects(s3, one.run_prefix) == objects(s3, again.run_prefix)
    assert "checkpoint.json" not in objects(s3, again.run_prefix)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "starting the run again" in text and token not in text


def test_a_refused_token_the_caller_abandons_leaves_the_checkpoint_to_it(aws, clock):
    """With fresh_on_rejected_token=False (an earlier day's leftover) the export says so and writes nothing."""
    cognito, s3 = aws
    pool = make_pool(cognito, 130, groups=2)
    first = run(cognito, s3, pool["pool_id"], clock, deadline=Deadline(2), chunk_size=50)
    before = objects(s3, first.run_prefix)
    result = run(Recording(cognito, fail=rejecting(checkpoint_token(s3, first.checkpoint_key))), s3, pool["pool_id"], clock,
                 chunk_size=50, checkpoint=first.checkpoint_key, fresh_on_rejected_token=False)
    assert not result.complete and result.error == "PaginationTokenRejected" and result.checkpoint_key == first.checkpoint_key
    assert objects(s3, first.run_prefix) == before


def test_abandoning_never_deletes_anything_of_a_complete_export(aws, clock):
    cognito, s3 = aws
    pool = make_pool(cognito, 5)
    done = run(cognito, s3, pool["pool_id"], clock)
    before = objects(s3, done.run_prefix)
    for key in (done.run_prefix + "checkpoint.json", done.manifest_key, done.run_prefix + "users-00001.jsonl.gz"):
        with pytest.raises(ValueError):
            abandon_checkpoint(s3, BUCKET, key)
    assert objects(s3, done.run_prefix) == before


def test_same_day_refused_unless_overwrite(aws, clock):
    cognito, s3 = aws
    pool = make_pool(cognito, 5)
    first = run(cognito, s3, pool["pool_id"], clock)
    before = objects(s3, first.run_prefix)
    with pytest.raises(ExportExists, match="overwrite"):
        run(cognito, s3, pool["pool_id"], clock)
    second = run(cognito, s3, pool["pool_id"], clock, overwrite=True)
    assert second.complete and second.run_prefix == first.run_prefix + "run-002/"
    assert {k: v for k, v in objects(s3, first.run_prefix).items() if not k.startswith("run-")} == before
    third = run(cognito, s3, pool["pool_id"], clock, overwrite=True)
    assert third.run_prefix == first.run_prefix + "run-003/"


def test_bad_input(aws, clock):
    cognito, s3 = aws
    with pytest.raises(ValueError):
        run(cognito, s3, "not a pool", clock)
    with pytest.raises(ValueError):
        run(cognito, s3, "us-east-1_abc", clock, day="2026-13-01")


def test_restore_dry_run(aws, clock):
    cognito, s3 = aws
    pool = make_pool(cognito, 130, groups=3, unconfirmed=1)
    result = run(cognito, s3, pool["pool_id"], clock, chunk_size=50, csv_chunk_size=60)
    report = restore_dry_run(s3, BUCKET, result.manifest_key)
    assert report.ok, report.errors
    assert report.users_to_import == 131 and report.import_files == 3
    assert report.memberships_to_restore == pool["memberships"] and report.groups == 3
    assert len(report.disabled_to_disable_after_import) == len(pool["disabled"])
    assert report.objects_verified == len(read_json(s3, result.manifest_key)["objects"])
    # tampering is detected
    key = result.run_prefix + "import-00002.csv"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"cognito:username\nmallory\n")
    bad = restore_dry_run(s3, BUCKET, result.manifest_key)
    assert not bad.ok and any("checksum mismatch" in e for e in bad.errors)


def test_logs_carry_no_pii(aws, clock, caplog):
    cognito, s3 = aws
    pool = make_pool(cognito, 130, groups=2, unconfirmed=1)
    caplog.set_level(logging.DEBUG, logger="exporter")
    run(Recording(cognito, throttle_every=3), s3, pool["pool_id"], clock, prefix="p", chunk_size=50,
        deadline=Deadline(2))
    result = run(cognito, s3, pool["pool_id"], clock, prefix="p", chunk_size=50)
    assert result.complete

    def fail(op, kw, n):
        return ClientError({"Error": {"Code": "SlowDown", "Message": "x"}}, op) if op == "put_object" else None
    run(cognito, Recording(s3, fail=fail), pool["pool_id"], clock, prefix="q")
    users = [u for name in objects(s3, result.run_prefix) if name.startswith("users-")
             for u in read_jsonl(s3, result.run_prefix + name)]
    secrets = {v for u in users for v in u["attributes"].values() if v and v not in ("true", "false")}
    secrets |= {u["username"] for u in users} | {u["sub"] for u in users}
    records = [r for r in caplog.records if r.name.startswith("exporter")]
    assert len(records) >= 4
    text = "\n".join(r.getMessage() for r in records)
    assert "checkpoint saved" in text and "throttled" in text and "complete" in text and "failed" in text
    leaked = [s for s in secrets if s in text]
    assert not leaked
