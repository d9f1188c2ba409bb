from __future__ import annotations

from exporter.cli import main
from exporter.handler import lambda_handler

from .conftest import BUCKET, make_pool


class Context:
    def __init__(self, remaining_ms):
        self.remaining = list(remaining_ms)

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
    assert lambda_handler({}, None)["status"] == "bad_input"


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


def test_lambda_handler_finishes_yesterdays_export_first(aws, monkeypatch):
    import datetime as dt
    cognito, s3 = aws
    pool = make_pool(cognito, 130, groups=2)
    monkeypatch.setenv("EXPORT_BUCKET", BUCKET)
    monkeypatch.setenv("EXPORT_BUDGET", "1000")
    yesterday = (dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=1)).isoformat()
    first = lambda_handler({"pool_id": pool["pool_id"], "day": yesterday}, Context([900_000, 10_000]))
    assert first["status"] == "incomplete"
    resumed = lambda_handler({"pool_id": pool["pool_id"]}, Context([900_000]))  # scheduled event: no day
    assert resumed["status"] == "complete" and resumed["day"] == yesterday
    today = lambda_handler({"pool_id": pool["pool_id"]}, Context([900_000]))
    assert today["status"] == "complete" and today["day"] != yesterday
