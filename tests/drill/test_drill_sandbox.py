"""``retention drill`` against the sandbox (a server of its own, scripts/sandbox.sh): the example environment's
provider table and provider-users bucket backed up into the general vault, then changed AFTER the backup.
The drill restores the recovery points, compares them exactly with what they held (so the later changes do
not fail it), reports restore times, deletes its scratch resources (or keeps them with --keep); a difference
between the restored data and the recovery point fails it; bad ids, a missing recovery point and SSN data
without a break-glass exit 2."""
from __future__ import annotations

import pytest

from audit.drill import reference
from audit.drill.plan import TAG_KEY
from tests.support.drill import BUCKET, SECRET, TABLE, VAULT, aws_env, drill, world  # noqa: F401
from tests.support.sandbox import ENV_ACCOUNT, ENV_REGION, access_key, backup_now, make_role, sandbox  # noqa: F401 (fixture)


def scratch_tables(sandbox) -> list[str]:  # noqa: F811
    return [t for t in sandbox.client("dynamodb").list_tables()["TableNames"] if "-drill-" in t]


def scratch_buckets(sandbox) -> list[str]:  # noqa: F811
    return [b["Name"] for b in sandbox.client("s3").list_buckets()["Buckets"] if "-drill-" in b["Name"]]


def test_drill_of_a_table_and_a_bucket_passes_against_the_recovery_point(sandbox, world, aws_env, tmp_path, capsys):  # noqa: F811
    code, report = drill(aws_env, tmp_path, "--resource", "provider", "provider-users")
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    assert report["environment"] == "example" and report["generated_at"].endswith("Z")
    results = {r["id"]: r for r in report["results"]}
    for rid, kind in (("provider", "dynamodb table"), ("provider-users", "s3 bucket")):
        r = results[rid]
        assert r["status"] == "passed" and r["kind"] == kind, r["checks"]
        assert isinstance(r["restore_seconds"], float) and 0 <= r["restore_seconds"] <= r["rto_seconds"]
        assert r["recovery_point_arn"] in world["points"].values() and r["account"] == ENV_ACCOUNT
        assert "-drill-" in r["restored_as"] and r["reference"].startswith("exact")
        assert r["cleanup"].startswith("deleted")
    checks = {c["name"]: c for c in results["provider"]["checks"]}
    assert "restored 120, recovery point 120" in checks["item count"]["detail"]  # not the item added later
    assert results["provider"]["rto_seconds"] == 4 * 3600 and results["provider-users"]["rto_seconds"] == 12 * 3600
    bucket_checks = {c["name"]: c for c in results["provider-users"]["checks"]}
    assert "restored 3, recovery point 3" in bucket_checks["object count"]["detail"]
    assert bucket_checks["encryption"]["status"] == "passed"
    assert "restore job" in out.err and "in " in out.err  # progress on stderr
    assert SECRET not in out.out + out.err + (tmp_path / "drill.json").read_text() + (tmp_path / "drill.md").read_text()
    assert scratch_tables(sandbox) == [] and scratch_buckets(sandbox) == []


def test_two_drills_with_the_same_stamp_each_restore_their_own(sandbox, world, aws_env, tmp_path, monkeypatch):  # noqa: F811
    """Two drills started in the same second share a stamp: the second must start its own restore jobs, not be
    handed the first drill's (AWS returns the job of an idempotency token it has seen, whose scratch table the
    first drill has deleted: a wait for a table that never comes)."""
    from audit.drill import plan

    monkeypatch.setattr(plan, "stamp", lambda _now: "20261203t120000z")
    first, second = (drill(aws_env, tmp_path / name, "--resource", "provider") for name in ("first", "second"))
    assert first[0] == 0 and second[0] == 0, (first[1], second[1])
    assert first[1]["results"][0]["restore_job_id"] != second[1]["results"][0]["restore_job_id"]
    assert scratch_tables(sandbox) == []


def test_keep_leaves_the_tagged_scratch_resources(sandbox, world, aws_env, tmp_path):  # noqa: F811
    code, report = drill(aws_env, tmp_path, "--resource", "provider", "provider-users", "--keep")
    assert code == 0
    tables, buckets = scratch_tables(sandbox), scratch_buckets(sandbox)
    assert len(tables) == 1 and len(buckets) == 1
    ddb, s3 = sandbox.client("dynamodb"), sandbox.client("s3")
    arn = ddb.describe_table(TableName=tables[0])["Table"]["TableArn"]
    assert {"Key": TAG_KEY, "Value": tables[0].rsplit("-", 1)[-1]} in ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]
    assert s3.get_bucket_versioning(Bucket=buckets[0])["Status"] == "Enabled"
    ddb.delete_table(TableName=tables[0])
    for v in s3.list_object_versions(Bucket=buckets[0]).get("Versions", []):
        s3.delete_object(Bucket=buckets[0], Key=v["Key"], VersionId=v["VersionId"])
    s3.delete_bucket(Bucket=buckets[0])


def _tampered(change: str):
    """The recovery point as the drill reads it, with one item or object changed, dropped or added."""
    original = reference.sandbox_lines

    def lines(endpoint_url, point_arn):
        rows = list(original(endpoint_url, point_arn))
        head, body = rows[0], rows[1:]
        sample = dict(body[0])
        if change == "changed":
            body[0] = {**sample, "size": sample["size"] + 1} if head["kind"] == "bucket" else {**sample, "n": {"N": "99"}}
        elif change == "missing":
            body.pop(0)
        else:
            body.append({**sample, "key": "extra"} if head["kind"] == "bucket" else {**sample, "pk": {"S": "extra"}})
        return iter([head, *body])
    return lines


@pytest.mark.parametrize("change", ["changed", "missing", "extra"])
def test_a_difference_from_the_recovery_point_fails_the_drill(world, aws_env, tmp_path, monkeypatch, change):  # noqa: F811
    monkeypatch.setattr(reference, "sandbox_lines", _tampered(change))
    code, report = drill(aws_env, tmp_path, "--resource", "provider", "provider-users")
    assert code == 1
    failed = {r["id"]: {c["name"] for c in r["checks"] if c["status"] == "failed"} for r in report["results"]}
    assert "item digest" in failed["provider"]
    assert failed["provider-users"] & {"object content", "objects present", "no extra objects"}
    assert all(r["status"] == "failed" for r in report["results"])


def test_ssn_is_refused_without_a_break_glass(world, aws_env, tmp_path, capsys):  # noqa: F811
    code, report = drill(aws_env, tmp_path, "--resource", "ssn")
    assert code == 2 and report is None
    assert "docs/runbooks/break-glass.md" in capsys.readouterr().err


def test_all_never_includes_ssn_and_stops_without_recovery_points(world, aws_env, tmp_path, capsys):  # noqa: F811
    code, report = drill(aws_env, tmp_path, "--all")
    err = capsys.readouterr().err
    assert code == 2 and report is None  # the other tables were never backed up: nothing restored
    assert "no COMPLETED recovery point" in err and "staff-users" in err and "ssn" not in err.replace("ssn-", "")


def test_bad_ids_exit_2_naming_them(aws_env, tmp_path, capsys):  # noqa: F811
    code, _ = drill(aws_env, tmp_path, "--resource", "provider", "nope")
    err = capsys.readouterr().err
    assert code == 2 and "nope" in err and "provider-users" in err


def test_from_backup_account_no_longer_needs_a_copy_role(aws_env, tmp_path, capsys):  # noqa: F811
    """--copy-role defaults to the configured roles.copy_back_role_name (audit/drill/cli.py); that default and the
    copy back itself end to end: tests/drill/test_from_backup_account.py. Here only one account is reachable:
    exit 2 for the backup side's credentials, not for a missing --copy-role."""
    code, _ = drill(aws_env, tmp_path, "--resource", "provider", "--from-backup-account")
    err = capsys.readouterr().err
    assert code == 2 and "needs --copy-role" not in err and "backup" in err
