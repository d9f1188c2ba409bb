"""The live-only controls on a snapshot shaped as the live source fills it (recovery points, settings):
they pass on a healthy account and fail on each kind of violation. The static snapshot of the example
environment stands in for the account's resources."""
from __future__ import annotations

import copy
import json
from datetime import timedelta

import pytest

from audit.config import load_config
from audit.runner import run_audit
from audit.sources.static.build import build_snapshot
from tests.controls.support import NOW, PLAN_ARN, iso, live_snapshot, restore_job


@pytest.fixture(scope="module")
def healthy():
    return live_snapshot(build_snapshot(load_config("example").data))


def failed(snapshot, tmp_path) -> set[str]:
    report = run_audit(snapshot, report_dir=tmp_path, tags="live")
    return {c.id for c in report.controls if c.status == "failed"}


def test_live_controls_pass_on_a_healthy_account(healthy, tmp_path):
    report = run_audit(healthy, report_dir=tmp_path)
    ids = {c.id for c in report.controls}
    assert {"RPO-03", "RPO-04", "RET-07", "ISO-06", "EXP-06", "RES-06", "RES-07"} <= ids and "ENC-03" not in ids  # ENC-03 is static only
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
    from audit.sources.live.read import lifecycle_rule_from_api
    from audit.sources.records.bucket import lifecycle_fields

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
    new["recovery_points"], new["exports"], new["restore_jobs"] = [], [], []
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
    from audit.sources.records.table import table_record

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


# RES-06 / RES-07: the restore tests as the account lists them -----------------------------------------
def _res(snapshot, tmp_path) -> set[str]:
    return {c for c in failed(snapshot, tmp_path) if c.startswith("RES-")}


def _provider(snapshot) -> dict:
    return snapshot["inventory"]["tables"][0]


@pytest.mark.parametrize("violation, jobs, message", [
    ("no restore test at all", [], "no finished restore test job"),
    ("stale: 9 days, limit 7 + 1", [dict(hours_ago=9 * 24)], "216.0 h old, limit 7 days + 1 day of grace = 192.0 h"),
    ("failed restore", [dict(hours_ago=30, status="FAILED", validation=None)], "status FAILED"),
    ("validation FAILED", [dict(hours_ago=30, validation="FAILED")], "validation FAILED"),
    ("never validated", [dict(hours_ago=30, validation=None)], "validation NONE (never validated)"),
    ("slower than the 4 h RTO", [dict(hours_ago=30, took_minutes=5 * 60)], "restore took 5.0 h, RTO 4 h"),
    # the newest finished job decides: an older success does not hide a newer failure
    ("newer failure", [dict(hours_ago=60), dict(hours_ago=30, validation="FAILED")], "validation FAILED"),
])
def test_restore_tests_that_failed_or_are_missing_fail_res_06(healthy, tmp_path, violation, jobs, message):
    snapshot = copy.deepcopy(healthy)
    table = _provider(snapshot)
    snapshot["restore_jobs"] = [j for j in snapshot["restore_jobs"] if j["resource_arn"] != table["arn"]]
    snapshot["restore_jobs"] += [restore_job(table, **job) for job in jobs]
    assert _res(snapshot, tmp_path) == {"RES-06"}, violation
    report = json.loads((tmp_path / "report.json").read_text())
    res = next(c for c in report["controls"] if c["id"] == "RES-06")
    assert table["name"] in res["message"] and message in res["message"]


def test_a_restore_test_in_progress_does_not_hide_nor_fail_the_newest_finished_one(healthy, tmp_path):
    snapshot = copy.deepcopy(healthy)
    table = _provider(snapshot)
    snapshot["restore_jobs"].append(restore_job(table, hours_ago=1, status="RUNNING", validation=None))
    assert _res(snapshot, tmp_path) == set()


def test_jobs_not_created_by_a_restore_testing_plan_do_not_count(healthy, tmp_path):
    snapshot = copy.deepcopy(healthy)
    table = _provider(snapshot)
    for job in snapshot["restore_jobs"]:
        if job["resource_arn"] == table["arn"]:
            job["plan_arn"] = None  # a drill's or an operator's restore
    assert _res(snapshot, tmp_path) == {"RES-06"}


def test_a_refused_restore_job_listing_fails_res_06_naming_it(healthy, tmp_path):
    snapshot = copy.deepcopy(healthy)
    snapshot["errors"] = [{"account_id": "111111111111", "region": "us-east-1", "api": "backup:ListRestoreJobs",
                           "resource": PLAN_ARN, "error": "AccessDeniedException", "missing_permission": "backup:ListRestoreJobs"}]
    assert "RES-06" in failed(snapshot, tmp_path)  # and the read-errors control, which names the permission
    report = json.loads((tmp_path / "report.json").read_text())
    res = next(c for c in report["controls"] if c["id"] == "RES-06")
    assert f"backup:ListRestoreJobs on {PLAN_ARN}" in res["message"]


def leftover(name: str, *, hours_ago: float, tags: dict | None, reason: str, kind: str = "dynamodb table") -> dict:
    arn = (f"arn:aws:dynamodb:us-east-1:111111111111:table/{name}" if kind == "dynamodb table" else f"arn:aws:s3:::{name}")
    return {"kind": kind, "name": name, "arn": arn, "created": iso(NOW - timedelta(hours=hours_ago)), "tags": tags,
            "reason": reason, "origin": {"account_id": "111111111111", "region": "us-east-1", "api": "dynamodb:DescribeTable"}}


@pytest.mark.parametrize("resource, fails", [
    # the example's selections validate for 8 h: a test resource may live 8 h + 1 day
    (leftover("awsbackup-restore-test-abc", hours_ago=20, tags={"awsbackup-restore-test": "p"}, reason="tagged"), False),
    (leftover("awsbackup-restore-test-abc", hours_ago=40, tags={"awsbackup-restore-test": "p"}, reason="tagged"), True),
    (leftover("awsbackup-restore-test-b", hours_ago=40, tags={}, reason="named", kind="s3 bucket"), True),
    (leftover("compact-connect-example-provider-drill-20261125t020000z", hours_ago=30,
              tags={"compact-retention:drill": "20261125t020000z"}, reason="tagged compact-retention:drill"), True),
    (leftover("compact-connect-example-provider-drill-20261127t110000z", hours_ago=1,
              tags={"compact-retention:drill": "20261127t110000z"}, reason="tagged compact-retention:drill"), False),
])
def test_leftover_restore_test_and_drill_resources_fail_res_07(healthy, tmp_path, resource, fails):
    snapshot = copy.deepcopy(healthy)
    snapshot["restore_testing_plans"] = build_snapshot(load_config("example").data)["restore_testing_plans"]
    snapshot["restore_test_resources"] = [resource]
    assert _res(snapshot, tmp_path) == ({"RES-07"} if fails else set())
    if fails:
        report = json.loads((tmp_path / "report.json").read_text())
        res = next(c for c in report["controls"] if c["id"] == "RES-07")
        assert f"{resource['name']}" in res["message"] and "LEFTOVER" in res["message"]


def test_a_restore_test_resource_is_as_old_as_the_job_that_made_it(healthy, tmp_path):
    """The account may report a recent creation time (a resource re-created, or the sandbox's clock); the
    restore job that created it is a fact about its making too, and the earliest counts."""
    snapshot = copy.deepcopy(healthy)
    snapshot["restore_testing_plans"] = build_snapshot(load_config("example").data)["restore_testing_plans"]
    made = leftover("awsbackup-restore-test-old", hours_ago=1, tags={"awsbackup-restore-test": "p"}, reason="tagged")
    job = restore_job(_provider(snapshot), hours_ago=50)
    job["created_resource_arn"] = made["arn"]
    snapshot["restore_jobs"].append(job)
    snapshot["restore_test_resources"] = [made]
    assert _res(snapshot, tmp_path) == {"RES-07"}
    report = json.loads((tmp_path / "report.json").read_text())
    assert f"restored by job {job['job_id']}" in next(c for c in report["controls"] if c["id"] == "RES-07")["message"]


def test_a_drill_scratch_resource_is_as_old_as_its_stamp(healthy, tmp_path):
    snapshot = copy.deepcopy(healthy)
    snapshot["restore_test_resources"] = [leftover("compact-connect-example-provider-drill-20261120t020000z", hours_ago=1,
                                                   tags={}, reason="named as a retention drill scratch resource")]
    assert _res(snapshot, tmp_path) == {"RES-07"}
