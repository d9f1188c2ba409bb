from __future__ import annotations

import datetime as dt
import json
import logging

import boto3
import pytest

from exporter.cli import main
from exporter.handler import MAX_CONTINUATIONS, ExportFailed, lambda_handler

from .conftest import BUCKET, Recording, checkpoint_token, make_pool, rejecting


class Context:
    invoked_function_arn = None

    def __init__(self, remaining_ms, arn=None):
        self.remaining = list(remaining_ms)
        self.invoked_function_arn = arn

    def get_remaining_time_in_millis(self):
        return self.remaining.pop(0) if len(self.remaining) > 1 else self.remaining[0]


def test_lambda_handler_resumes_then_reports_complete(aws, monkeypatch):
    cognito, s3 = aws
    pool = make_pool(cognito, 130, groups=2)
    monkeypatch.setenv("EXPORT_BUCKET", BUCKET)
    monkeypatch.setenv("EXPORT_BUDGET", "1000")
    event = {"pool_id": pool["pool_id"], "day": "2026-11-27"}
    first = lambda_handler(event, Context([900_000, 900_000, 10_000]))  # short after two pages
    assert first["status"] == "incomplete" and first["checkpoint_key"].endswith("checkpoint.json")
    second = lambda_handler(event, Context([900_000]))
    assert second["status"] == "complete" and second["counts"]["users"] == 130
    assert second["manifest_key"].endswith("2026-11-27/manifest.json")
    third = lambda_handler(event, Context([900_000]))
    assert third == {"status": "already_complete", "pool_id": pool["pool_id"]}
    with pytest.raises(ExportFailed, match="needs pool_id"):
        lambda_handler({}, None)


def test_cli_exit_codes(aws, capsys):
    cognito, s3 = aws
    pool = make_pool(cognito, 20, groups=2)
    args = ["export", "--pool-id", pool["pool_id"], "--bucket", BUCKET, "--day", "2026-11-27", "--budget", "1000"]
    assert main(args + ["--restore-check"], cognito=cognito, s3=s3) == 0
    err = capsys.readouterr().err
    assert "export complete: 20 users" in err and "restore dry run: ok" in err
    assert "person1@example.org" not in err
    assert main(args, cognito=cognito, s3=s3) == 2  # same day refused
    assert "overwrite" in capsys.readouterr().err
    assert main(args + ["--overwrite"], cognito=cognito, s3=s3) == 0
    assert main(["export", "--pool-id", pool["pool_id"], "--bucket", BUCKET, "--day", "2026-02-30"],
                cognito=cognito, s3=s3) == 2
    assert main(["export", "--bucket", BUCKET], cognito=cognito, s3=s3) == 2


def test_cli_incomplete_exit_1(aws, capsys):
    cognito, s3 = aws
    pool = make_pool(cognito, 5, groups=1)
    s3.delete_bucket(Bucket=BUCKET)
    assert main(["export", "--pool-id", pool["pool_id"], "--bucket", BUCKET, "--budget", "1000"],
                cognito=cognito, s3=s3) == 1


class FakeLambda:
    def __init__(self):
        self.invocations = []

    def invoke(self, **kwargs):
        self.invocations.append(kwargs)
        return {"StatusCode": 202}


def _metric_sums(cloudwatch, namespace, pool_id):
    import datetime as dt
    now = dt.datetime.now(dt.timezone.utc)
    sums = {}
    for name in ("ExportsCompleted", "ExportsFailed", "UsersExported"):
        points = cloudwatch.get_metric_statistics(
            Namespace=namespace, MetricName=name, Dimensions=[{"Name": "UserPoolId", "Value": pool_id}],
            StartTime=now - dt.timedelta(hours=1), EndTime=now + dt.timedelta(hours=1), Period=7200,
            Statistics=["Sum"])["Datapoints"]
        sums[name] = sum(p["Sum"] for p in points)
    return sums


ARN = "arn:aws:lambda:us-east-1:123456789012:function:compact-retention-example-cognito-exporter"
NAMESPACE = "CompactRetention/CognitoExport"


def _days() -> tuple[str, str]:
    today = dt.datetime.now(dt.timezone.utc).date()
    return (today - dt.timedelta(days=1)).isoformat(), today.isoformat()


def _exporter_env(monkeypatch) -> None:
    monkeypatch.setenv("EXPORT_BUCKET", BUCKET)
    monkeypatch.setenv("EXPORT_BUDGET", "1000")
    monkeypatch.setenv("METRICS_NAMESPACE", NAMESPACE)


def _leave_yesterday_unfinished(pool_id: str) -> str:
    """Yesterday's export stopped after its first page (its chain broke): its checkpoint is left behind."""
    yesterday, _ = _days()
    first = lambda_handler({"pool_id": pool_id, "day": yesterday}, Context([900_000, 10_000]))
    assert first["status"] == "incomplete"
    return first["checkpoint_key"]


def _keys(s3, pool_id: str, day: str) -> set[str]:
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"cognito-export/{pool_id}/{day}/").get("Contents", [])
    return {o["Key"].rsplit("/", 1)[-1] for o in listed}


class TimeRunsOutOnceExists(Context):
    """Plenty of time until ``key`` is in the bucket, then too little: the invocation ends right there."""

    def __init__(self, s3, key):
        super().__init__([900_000], ARN)
        self.s3, self.key = s3, key

    def get_remaining_time_in_millis(self):
        return 10_000 if self.s3.list_objects_v2(Bucket=BUCKET, Prefix=self.key)["KeyCount"] else 900_000


def test_a_scheduled_run_finishes_yesterdays_export_then_exports_today(aws, monkeypatch):
    """A scheduled run used to resume yesterday's leftover and return, so the day got no export of its own."""
    cognito, s3 = aws
    pool_id = make_pool(cognito, 130, groups=2)["pool_id"]
    _exporter_env(monkeypatch)
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
    yesterday, today = _days()
    _leave_yesterday_unfinished(pool_id)
    result = lambda_handler({"pool_id": pool_id}, Context([900_000]), cloudwatch=cloudwatch)  # scheduled: no day
    assert result["status"] == "complete" and result["day"] == today and result["counts"]["users"] == 130
    assert result["earlier"] == [{"day": yesterday, "status": "complete",
                                  "manifest_key": f"cognito-export/{pool_id}/{yesterday}/manifest.json"}]
    for day in (yesterday, today):
        assert "manifest.json" in _keys(s3, pool_id, day) and "checkpoint.json" not in _keys(s3, pool_id, day)
    assert _metric_sums(cloudwatch, NAMESPACE, pool_id)["ExportsCompleted"] == 1.0  # today's, not yesterday's
    assert lambda_handler({"pool_id": pool_id}, Context([900_000])) == {"status": "already_complete", "pool_id": pool_id}


def test_yesterdays_late_export_does_not_count_as_the_export_of_the_day(aws, monkeypatch):
    """When the invocation ends right after finishing yesterday's leftover, nothing counts as today's export
    (the 26 h alarm keeps watching) and the continuation it starts exports today."""
    cognito, s3 = aws
    pool_id = make_pool(cognito, 130, groups=2)["pool_id"]
    _exporter_env(monkeypatch)
    cloudwatch, fake = boto3.client("cloudwatch", region_name="us-east-1"), FakeLambda()
    yesterday, today = _days()
    _leave_yesterday_unfinished(pool_id)
    context = TimeRunsOutOnceExists(s3, f"cognito-export/{pool_id}/{yesterday}/manifest.json")
    paused = lambda_handler({"pool_id": pool_id}, context, lambda_client=fake, cloudwatch=cloudwatch)
    assert paused["status"] == "incomplete" and paused["day"] == today
    assert _metric_sums(cloudwatch, NAMESPACE, pool_id)["ExportsCompleted"] == 0.0
    (call,) = fake.invocations
    assert json.loads(call["Payload"]) == {"pool_id": pool_id, "day": today, "continuation": 1}
    done = lambda_handler(json.loads(call["Payload"]), Context([900_000], ARN), lambda_client=fake, cloudwatch=cloudwatch)
    assert done["status"] == "complete" and done["day"] == today
    assert _metric_sums(cloudwatch, NAMESPACE, pool_id)["ExportsCompleted"] == 1.0


def test_a_leftover_that_outlasts_the_invocation_hands_todays_export_to_its_continuation(aws, monkeypatch):
    cognito, s3 = aws
    pool_id = make_pool(cognito, 130, groups=2)["pool_id"]
    _exporter_env(monkeypatch)
    fake = FakeLambda()
    yesterday, today = _days()
    _leave_yesterday_unfinished(pool_id)
    paused = lambda_handler({"pool_id": pool_id}, Context([900_000, 10_000], ARN), lambda_client=fake)
    assert paused["status"] == "incomplete" and paused["day"] == yesterday
    (call,) = fake.invocations
    event = json.loads(call["Payload"])
    assert event == {"pool_id": pool_id, "day": yesterday, "continuation": 1, "then": today}
    done = lambda_handler(event, Context([900_000], ARN), lambda_client=fake)
    assert done["status"] == "complete" and done["day"] == today
    assert "manifest.json" in _keys(s3, pool_id, yesterday) and "manifest.json" in _keys(s3, pool_id, today)


def test_a_leftover_whose_token_cognito_refuses_is_abandoned_for_the_days_export(aws, monkeypatch, caplog):
    """Resuming yesterday's checkpoint with an expired token used to fail every scheduled run. The leftover is
    abandoned (its checkpoint removed, nothing else of it deleted: the lifecycle rule expires it) and today's
    export runs."""
    cognito, s3 = aws
    pool_id = make_pool(cognito, 130, groups=2)["pool_id"]
    _exporter_env(monkeypatch)
    yesterday, today = _days()
    checkpoint = _leave_yesterday_unfinished(pool_id)
    token = checkpoint_token(s3, checkpoint)
    written = _keys(s3, pool_id, yesterday) - {"checkpoint.json"}
    caplog.set_level(logging.INFO, logger="exporter")
    result = lambda_handler({"pool_id": pool_id}, Context([900_000]), cognito=Recording(cognito, fail=rejecting(token)))
    assert result["status"] == "complete" and result["day"] == today
    assert result["earlier"] == [{"day": yesterday, "status": "abandoned"}]
    assert _keys(s3, pool_id, yesterday) == written and "manifest.json" not in written
    assert token not in "\n".join(r.getMessage() for r in caplog.records)


def test_lambda_continues_itself_and_publishes_metrics(aws, monkeypatch):
    cognito, s3 = aws
    pool = make_pool(cognito, 130, groups=2)
    monkeypatch.setenv("EXPORT_BUCKET", BUCKET)
    monkeypatch.setenv("EXPORT_BUDGET", "1000")
    monkeypatch.setenv("METRICS_NAMESPACE", "CompactRetention/CognitoExport")
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
    fake = FakeLambda()
    arn = "arn:aws:lambda:us-east-1:123456789012:function:compact-retention-example-cognito-exporter"
    first = lambda_handler({"pool_id": pool["pool_id"], "day": "2026-11-27"}, Context([900_000, 10_000], arn),
                           lambda_client=fake, cloudwatch=cloudwatch)
    assert first["status"] == "incomplete" and first["continuation"] == 1
    assert len(fake.invocations) == 1
    call = fake.invocations[0]
    assert call["FunctionName"] == arn and call["InvocationType"] == "Event"
    next_event = json.loads(call["Payload"])
    assert next_event == {"pool_id": pool["pool_id"], "day": "2026-11-27", "continuation": 1}
    assert _metric_sums(cloudwatch, "CompactRetention/CognitoExport", pool["pool_id"])["ExportsCompleted"] == 0
    done = lambda_handler(next_event, Context([900_000], arn), lambda_client=fake, cloudwatch=cloudwatch)
    assert done["status"] == "complete" and len(fake.invocations) == 1
    sums = _metric_sums(cloudwatch, "CompactRetention/CognitoExport", pool["pool_id"])
    assert sums == {"ExportsCompleted": 1.0, "ExportsFailed": 0.0, "UsersExported": 130.0}


def test_lambda_stops_a_loop_that_makes_no_progress(aws, monkeypatch):
    cognito, s3 = aws
    pool = make_pool(cognito, 130, groups=2)
    monkeypatch.setenv("EXPORT_BUCKET", BUCKET)
    monkeypatch.setenv("EXPORT_BUDGET", "1000")
    fake = FakeLambda()
    event = {"pool_id": pool["pool_id"], "day": "2026-11-27", "continuation": MAX_CONTINUATIONS}
    with pytest.raises(ExportFailed, match="still incomplete"):
        lambda_handler(event, Context([900_000, 10_000], "arn:aws:lambda:us-east-1:1:function:f"), lambda_client=fake)
    assert fake.invocations == []


def test_lambda_failure_raises_for_retry_and_counts_a_failure(aws, monkeypatch):
    cognito, s3 = aws
    pool = make_pool(cognito, 5, groups=1)
    s3.delete_bucket(Bucket=BUCKET)
    monkeypatch.setenv("EXPORT_BUCKET", BUCKET)
    monkeypatch.setenv("METRICS_NAMESPACE", "CompactRetention/CognitoExport")
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
    with pytest.raises(ExportFailed) as raised:
        lambda_handler({"pool_id": pool["pool_id"]}, Context([900_000]), cloudwatch=cloudwatch)
    assert pool["pool_id"] in str(raised.value) and "@" not in str(raised.value)
    sums = _metric_sums(cloudwatch, "CompactRetention/CognitoExport", pool["pool_id"])
    assert sums["ExportsFailed"] == 1.0 and sums["ExportsCompleted"] == 0.0
