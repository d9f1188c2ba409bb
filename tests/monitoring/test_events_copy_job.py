"""``copy_job_state_change``: a DescribeCopyJob ``CopyJob`` as the "Copy Job State Change" event AWS Backup emits.

The shape is AWS's documented sample (audit/backup_events/copy-job-failed.json, from
https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html): ``time`` in whole seconds
("2020-07-15T20:37:34Z"), the detail's dates with milliseconds ("2020-07-15T20:36:13.239Z").
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from audit.events import copy_job_state_change, matches, sample_event

JOB = {"AccountId": "111111111111", "CopyJobId": "C1", "State": "FAILED",
       "SourceRecoveryPointArn": "arn:aws:backup:us-east-1:111111111111:recovery-point:R"}


def test_boto3_datetimes_become_utc_text_with_milliseconds():
    event = copy_job_state_change(JOB | {"CreationDate": datetime(2026, 11, 27, 4, 0, 0, 239999, tzinfo=timezone(timedelta(hours=2))),
                                         "CompletionDate": datetime(2026, 11, 27, 2, 1, 28, 704000)},  # naive: UTC
                                  region="us-east-1")
    assert event["detail"]["creationDate"] == "2026-11-27T02:00:00.239Z"
    assert event["detail"]["completionDate"] == "2026-11-27T02:01:28.704Z"
    assert event["time"] == "2026-11-27T02:01:28Z"


def test_the_event_time_is_the_completion_in_whole_seconds_else_the_creation():
    created, completed = "2026-11-27T02:00:00.123Z", "2026-11-27T02:05:09.999Z"
    assert copy_job_state_change(JOB | {"CreationDate": created, "CompletionDate": completed}, region="r")["time"] == "2026-11-27T02:05:09Z"
    assert copy_job_state_change(JOB | {"CreationDate": created}, region="r")["time"] == "2026-11-27T02:00:00Z"
    assert copy_job_state_change(JOB | {"CreationDate": "2026-11-27T02:00:00Z"}, region="r")["time"] == "2026-11-27T02:00:00Z"
    assert copy_job_state_change(JOB, region="r")["time"] == ""


def test_dates_the_job_does_not_have_are_left_out_and_text_dates_kept_as_given():
    event = copy_job_state_change(JOB | {"CreationDate": "2026-11-27T02:00:00.123Z"}, region="eu-west-1")
    assert event["detail"]["creationDate"] == "2026-11-27T02:00:00.123Z"
    assert "completionDate" not in event["detail"] and "statusMessage" not in event["detail"]
    assert event["region"] == "eu-west-1" and event["account"] == "111111111111"
    assert event["resources"] == ["arn:aws:backup:us-east-1:111111111111:recovery-point:R"]


def test_a_date_of_another_type_is_kept_as_its_text():
    assert copy_job_state_change(JOB | {"CreationDate": date(2026, 11, 27)}, region="r")["detail"]["creationDate"] == "2026-11-27"


def test_the_event_matches_the_rule_that_matches_aws_sample():
    rule = {"source": ["aws.backup"], "detail-type": ["Copy Job State Change"], "detail": {"state": ["FAILED"]}}
    assert matches(rule, sample_event("copy-job-failed"))
    assert matches(rule, copy_job_state_change(JOB, region="us-east-1"))
    assert not matches(rule, copy_job_state_change(JOB | {"State": "COMPLETED"}, region="us-east-1"))
