"""The live-only controls on a snapshot shaped as the live source fills it (recovery points, settings):
they pass on a healthy account and fail on each kind of violation. The static snapshot of the example
environment stands in for the account's resources."""
from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone

import pytest

from audit.config import load_config
from audit.runner import run_audit
from audit.sources.static import build_snapshot

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
DAYS = {"critical_data": 2555, "configuration_data": 1095, "ssn_data": 2555, "document_storage": 2555, "export_data": 365}


def iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def healthy():
    snapshot = build_snapshot(load_config("example").data)
    snapshot["mode"] = "live"
    snapshot["taken_at"] = iso(NOW)
    env = snapshot["environment"]
    points = []
    for item in [*snapshot["inventory"]["tables"], *[b for b in snapshot["inventory"]["buckets"] if not b.get("excluded")]]:
        kind = "ssn" if item["category"] == "ssn_data" else "general"
        for side, account, region in (("source", env["environment_account_id"], env["primary_region"]),
                                      ("copy", env["backup_account_id"], env["backup_region"])):
            points.append({"resource_arn": item["arn"], "kind": side, "status": "COMPLETED", "account_id": account, "region": region,
                           "vault_arn": f"arn:aws:backup:{region}:{account}:backup-vault:{env['vault_names'][kind]}",
                           "creation_date": iso(NOW - timedelta(hours=9)),
                           "lifecycle": {"delete_after_days": DAYS[item["category"]], "cold_storage_after_days": None}})
    snapshot["recovery_points"] = points
    pools = snapshot["inventory"]["user_pools"]
    snapshot["user_pools"] = [{"name": p["name"], "user_pool_id": p["user_pool_id"], "estimated_users": 3,
                               "origin": {"api": "cognito-idp:DescribeUserPool"}} for p in pools]
    snapshot["exports"] = [{"pool_id": p["user_pool_id"], "bucket": "exports", "day": "2026-11-27",
                            "manifest_key": f"cognito-export/{p['user_pool_id']}/2026-11-27/manifest.json",
                            "started_at": iso(NOW - timedelta(hours=10, minutes=40)),
                            "completed_at": iso(NOW - timedelta(hours=10)), "format_version": 1,
                            "counts": {"users": 3, "disabled": 1, "groups": 2, "memberships": 4}, "objects": 7,
                            "objects_missing": [], "origin": {"api": "s3:GetObject"}} for p in pools]
    snapshot["settings"] = {"cross_account_backup": True, "region_settings": {
        f"{env['environment_account_id']}:{env['primary_region']}": {"dynamodb_advanced": True},
        f"{env['backup_account_id']}:{env['backup_region']}": {"dynamodb_advanced": True}}}
    return snapshot


def failed(snapshot, tmp_path) -> set[str]:
    report = run_audit(snapshot, report_dir=tmp_path, tags="live")
    return {c.id for c in report.controls if c.status == "failed"}


def test_live_controls_pass_on_a_healthy_account(healthy, tmp_path):
    report = run_audit(healthy, report_dir=tmp_path)
    ids = {c.id for c in report.controls}
    assert {"RPO-03", "RPO-04", "RET-07", "ISO-06", "EXP-06"} <= ids and "ENC-03" not in ids  # ENC-03 is static only
    assert {c.id for c in report.controls if c.status != "passed"} == set()
    evidence = json.loads((tmp_path / "report.json").read_text())
    rpo = next(c for c in evidence["controls"] if c["id"] == "RPO-03")
    assert any("9 h old, limit 32 h" in line for line in rpo["evidence"])


def test_stale_recovery_points_fail_rpo(healthy, tmp_path):
    snapshot = copy.deepcopy(healthy)
    table = snapshot["inventory"]["tables"][0]["arn"]
    for point in snapshot["recovery_points"]:
        if point["resource_arn"] == table and point["kind"] == "source":
            point["creation_date"] = iso(NOW - timedelta(days=2))
    assert failed(snapshot, tmp_path) == {"RPO-03"}


def test_copies_that_never_arrive_fail_rpo_and_lifecycle(healthy, tmp_path):
    snapshot = copy.deepcopy(healthy)
    snapshot["recovery_points"] = [p for p in snapshot["recovery_points"] if p["kind"] != "copy"]
    assert failed(snapshot, tmp_path) == {"RPO-04", "RET-07"}


def test_failed_jobs_do_not_count(healthy, tmp_path):
    snapshot = copy.deepcopy(healthy)
    for point in snapshot["recovery_points"]:
        if point["kind"] == "copy":
            point["status"] = "PARTIAL"
    assert failed(snapshot, tmp_path) == {"RPO-04"}


def test_wrong_lifecycle_fails_retention(healthy, tmp_path):
    snapshot = copy.deepcopy(healthy)
    snapshot["recovery_points"][0]["lifecycle"]["delete_after_days"] = 35
    assert failed(snapshot, tmp_path) == {"RET-07"}


@pytest.mark.parametrize("setting", ["cross_account_backup", "dynamodb_advanced"])
def test_disabled_settings_fail(healthy, tmp_path, setting):
    snapshot = copy.deepcopy(healthy)
    if setting == "cross_account_backup":
        snapshot["settings"]["cross_account_backup"] = None
    else:
        next(iter(snapshot["settings"]["region_settings"].values()))["dynamodb_advanced"] = False
    assert failed(snapshot, tmp_path) == {"ISO-06"}


def test_a_refused_read_fails_naming_the_permission(healthy, tmp_path):
    snapshot = copy.deepcopy(healthy)
    snapshot["errors"] = [{"account_id": "222222222222", "region": "us-west-2", "api": "kms:GetKeyPolicy",
                           "resource": "arn:aws:kms:us-west-2:222222222222:key/k", "error": "AccessDeniedException",
                           "missing_permission": "kms:GetKeyPolicy"}]
    report = run_audit(snapshot, report_dir=tmp_path, tags="COV-05")
    (control,) = report.controls
    assert control.status == "failed" and "needs kms:GetKeyPolicy" in control.message


def _exp(snapshot, tmp_path) -> set[str]:
    report = run_audit(snapshot, report_dir=tmp_path, tags="cognito-export")
    return {c.id for c in report.controls if c.status == "failed"}


@pytest.mark.parametrize("violation", ["no export", "stale export", "object missing", "empty manifest"])
def test_missing_stale_or_partial_exports_fail(healthy, tmp_path, violation):
    snapshot = copy.deepcopy(healthy)
    export = snapshot["exports"][1]
    if violation == "no export":
        snapshot["exports"].pop(1)
    elif violation == "stale export":
        export["started_at"], export["completed_at"] = iso(NOW - timedelta(hours=28)), iso(NOW - timedelta(hours=27))
    elif violation == "object missing":
        export["objects_missing"] = [export["manifest_key"].replace("manifest.json", "users-00001.jsonl.gz")]
    else:
        export["objects"] = 0
    assert _exp(snapshot, tmp_path) == {"EXP-06"}


def test_yesterdays_export_finished_today_is_not_the_export_of_the_day(healthy, tmp_path):
    """A scheduled run that resumed yesterday's export writes a fresh manifest over data read yesterday: the
    export's age counts from when it began reading the pool, so it does not stand for today's."""
    snapshot = copy.deepcopy(healthy)
    export = snapshot["exports"][1]
    export.update(day="2026-11-26", manifest_key=export["manifest_key"].replace("2026-11-27", "2026-11-26"),
                  started_at=iso(NOW - timedelta(hours=34)), completed_at=iso(NOW - timedelta(hours=9)))
    report = run_audit(snapshot, report_dir=tmp_path, tags="EXP-06")
    (control,) = report.controls
    assert control.status == "failed" and "(day 2026-11-26) began 2026-11-26T02:00:00Z, 34.0 h ago" in control.message


def _export_bucket(snapshot) -> dict:
    name = next(f["environment"]["EXPORT_BUCKET"] for f in snapshot["functions"] if f["environment"].get("EXPORT_BUCKET"))
    return next(b for b in snapshot["buckets"] if b["name"] == name)


NONCURRENT = {"ID": "noncurrent", "Status": "Enabled", "Filter": {"Prefix": ""}, "NoncurrentVersionExpiration": {"NoncurrentDays": 35}}


@pytest.mark.parametrize("rules, passes", [
    ([], False),  # noncurrent versions only: what the bucket held before EXP-07
    ([{"ID": "all", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 7}}], True),
    ([{"ID": "all", "Status": "Disabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 7}}], False),
    ([{"ID": "all", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 400}}], False),
    ([{"ID": "prefix", "Status": "Enabled", "Filter": {"Prefix": "cognito-export/"}, "Expiration": {"Days": 365}}], True),
    ([{"ID": "one-pool", "Status": "Enabled", "Filter": {"Prefix": "cognito-export/us-east-1_"}, "Expiration": {"Days": 7}}], False),
    ([{"ID": "tagged", "Status": "Enabled", "Filter": {"And": {"Prefix": "", "Tags": [{"Key": "k", "Value": "v"}]}},
       "Expiration": {"Days": 7}}], False),
    ([{"ID": "small", "Status": "Enabled", "Filter": {"ObjectSizeLessThan": 1024}, "Expiration": {"Days": 7}}], False),
    ([{"ID": "dated", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Date": "2030-01-01T00:00:00Z"}}], False),
])
def test_the_export_bucket_lifecycle_as_the_account_returns_it(healthy, tmp_path, rules, passes):
    """EXP-07 on the rules of GetBucketLifecycleConfiguration, read as the live source reads them: only an
    enabled, unfiltered rule covering the export prefix with at most 365 days keeps the promise (the
    noncurrent-version rule EXP-02 asks for is there in every case)."""
    from audit.sources.bucket_records import lifecycle_fields
    from audit.sources.live_read import lifecycle_rule_from_api

    snapshot = copy.deepcopy(healthy)
    _export_bucket(snapshot).update(lifecycle_fields(lifecycle_rule_from_api(r) for r in [NONCURRENT, *rules]))
    assert _exp(snapshot, tmp_path) == (set() if passes else {"EXP-07"})


def test_a_configured_pool_id_missing_from_the_account_fails_the_schedule_control(healthy, tmp_path):
    snapshot = copy.deepcopy(healthy)
    snapshot["user_pools"].pop(0)
    assert _exp(snapshot, tmp_path) == {"EXP-01"}
    snapshot = copy.deepcopy(healthy)
    snapshot["user_pools"][0]["name"] = "some-other-pool"
    assert _exp(snapshot, tmp_path) == {"EXP-01"}


def test_needs_history_tags_exactly_the_controls_a_new_environment_cannot_pass(healthy, tmp_path):
    """scripts/rollout.sh --first-deploy audits with --tags "not needs-history": on an account with no
    recovery point and no export yet, every other live control passes and every tagged one fails."""
    new = copy.deepcopy(healthy)
    new["recovery_points"], new["exports"] = [], []
    others = run_audit(new, report_dir=tmp_path / "others", tags="not needs-history")
    assert others.controls and {c.status for c in others.controls} == {"passed"}
    tagged = run_audit(new, report_dir=tmp_path / "tagged", tags="needs-history")
    assert tagged.controls and {c.status for c in tagged.controls} == {"failed"}


LIVE_TABLE_ORIGIN = {"account_id": "111111111111", "region": "us-east-1", "api": "dynamodb:DescribeTable"}


@pytest.mark.parametrize("pitr, offset, expected", [
    (False, None, "point-in-time recovery OFF, configured {configured} days"),
    (True, -1, "point-in-time recovery on, window {actual} days, configured {configured} days (SHORTER than configured)"),
    (True, +1, "point-in-time recovery on, window {actual} days, configured {configured} days (LONGER than configured"),
    (True, None, "point-in-time recovery on, window unknown"),
    (None, None, "point-in-time recovery could not be read"),
])
def test_point_in_time_recovery_as_the_account_reports_it(healthy, tmp_path, pitr, offset, expected):
    """RES-01 on a table record as the live source builds it (``table_record`` from DescribeContinuousBackups):
    off, a window other than configured (one day either side), or an answer that could not be read each
    fail, naming the table and the account it was read in; the healthy tables pass."""
    from audit.sources.table_records import table_record

    snapshot = copy.deepcopy(healthy)
    table = snapshot["tables"][0]
    configured = next(t for t in snapshot["inventory"]["tables"] if t["arn"] == table["arn"])["point_in_time_recovery_days"]
    actual = None if offset is None else configured + offset
    snapshot["tables"][0] = table_record(
        name=table["name"], arn=table["arn"], account_id=table["account_id"], region=table["region"], pitr=pitr,
        pitr_recovery_period_days=actual, encryption_type=table["encryption"]["type"], kms_key=table["encryption"]["kms_key"],
        deletion_protection=table["deletion_protection"], origin=LIVE_TABLE_ORIGIN)
    (control,) = run_audit(snapshot, report_dir=tmp_path, tags="RES-01").controls
    assert control.status == "failed"
    assert f"dynamodb table {table['name']}: {expected.format(actual=actual, configured=configured)}" in control.message
    assert "[111111111111 us-east-1 dynamodb:DescribeTable]" in control.message
    others = [t["name"] for t in snapshot["tables"][1:]]
    assert others and not any(f"{name}:" in control.message for name in others)


def test_a_table_missing_from_the_account_fails_point_in_time_recovery(healthy, tmp_path):
    snapshot = copy.deepcopy(healthy)
    gone = snapshot["tables"].pop(0)["name"]
    (control,) = run_audit(snapshot, report_dir=tmp_path, tags="RES-01").controls
    assert control.status == "failed" and f"dynamodb table {gone}: not found in the live posture" in control.message
