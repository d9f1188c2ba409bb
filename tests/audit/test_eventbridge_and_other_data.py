"""EventBridge state (EVB-01, EVB-02) and the inventory of other persisted data (COV-06): the controls fail on
each kind of violation and pass otherwise; the live reader finds what a CloudFormation stack defines and
what was created by hand, in a moto account (never a claim about AWS)."""
from __future__ import annotations

import copy
import json

import boto3
import pytest

from audit.config import load_config
from audit.controls.eventbridge import archives_bounded, defined_in_code
from audit.controls.other_data import persisted_resources_inventoried
from audit.snapshot import Posture
from audit.sources.live.aws import Side
from audit.sources.live.eventbridge import read_eventbridge
from audit.sources.static.build import build_snapshot
from tests.live.conftest import moto_accounts

ACCOUNT, REGION = "123456789012", "us-east-1"


@pytest.fixture(scope="module")
def static():
    return build_snapshot(load_config("example").data)


def posture(snapshot, **changes):
    data = copy.deepcopy(snapshot)
    data.update(changes)
    return Posture(data)


def resource(kind, name, **fields):
    return {"kind": kind, "name": name, "account_id": ACCOUNT, "region": REGION, "stack": None, "managed_by": None,
            "retention_days": None, "kms_key": None, "origin": {"account_id": ACCOUNT, "region": REGION, "api": "events:ListRules"},
            **fields}


# EVB-01 ------------------------------------------------------------------------------------------------
def test_evb01_passes_on_the_templates_and_on_service_rules(static):
    assert static["eventbridge"] and all(r["stack"] for r in static["eventbridge"])
    assert defined_in_code(Posture(static)).passed
    managed = resource("rule", "AwsBackupManagedRule", managed_by="backup.amazonaws.com")
    outcome = defined_in_code(posture(static, eventbridge=[managed]))
    assert outcome.passed and "created and kept by backup.amazonaws.com" in outcome.evidence[0]


def test_evb01_fails_on_a_rule_no_stack_defines(static):
    stray = resource("rule", "hand-made-nightly-job")
    outcome = defined_in_code(posture(static, eventbridge=[*static["eventbridge"], stray]))
    assert not outcome.passed
    assert outcome.failures == [f"rule hand-made-nightly-job ({ACCOUNT} {REGION}): defined by no CloudFormation stack, "
                                f"so no template can recreate it [{ACCOUNT} {REGION} events:ListRules]"]


def test_evb01_fails_when_eventbridge_could_not_be_listed(static):
    error = {"account_id": ACCOUNT, "region": REGION, "api": "scheduler:ListSchedules", "resource": "scheduler",
             "error": "AccessDeniedException", "missing_permission": "scheduler:ListSchedules"}
    outcome = defined_in_code(posture(static, eventbridge=[], errors=[error]))
    assert not outcome.passed and "scheduler:ListSchedules failed (AccessDeniedException)" in outcome.message


def test_evb01_with_nothing_to_check_says_so(static):
    outcome = defined_in_code(posture(static, eventbridge=[], errors=[]))
    assert outcome.passed and outcome.subjects == ["EventBridge state of both accounts"]


# EVB-02 ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fields, problem", [
    ({"retention_days": 0, "kms_key": "arn:aws:kms:us-east-1:123456789012:key/k"}, "keeps events forever"),
    ({"retention_days": 30, "kms_key": None}, "encrypted with an AWS-owned key"),
])
def test_evb02_fails_on_an_archive_kept_forever_or_without_a_customer_key(static, fields, problem):
    outcome = archives_bounded(posture(static, eventbridge=[resource("archive", "data-events", **fields)]))
    assert not outcome.passed and problem in outcome.message


def test_evb02_passes_on_a_bounded_encrypted_archive_and_on_none(static):
    good = resource("archive", "data-events", retention_days=30, kms_key="arn:aws:kms:us-east-1:123456789012:key/k")
    assert archives_bounded(posture(static, eventbridge=[good])).passed
    assert archives_bounded(posture(static, eventbridge=[])).evidence == ["no archive: EventBridge keeps no event data in this environment"]


# COV-06 ------------------------------------------------------------------------------------------------
def test_cov06_passes_on_the_bundle_and_names_where_each_resource_is_listed(static):
    outcome = persisted_resources_inventoried(Posture(static))
    assert outcome.passed
    assert any("inventory.other_data application-access-logs, protection excluded" in line for line in outcome.evidence)
    assert any("inventory.dynamodb_tables, category ssn_data" in line for line in outcome.evidence)


def test_cov06_fails_on_an_unlisted_or_unnamed_persisted_resource(static):
    origin = {"file": "cloudformation/x.yaml", "line": 7, "logical_id": "Stray"}
    stray = [{"kind": "log-group", "type": "AWS::Logs::LogGroup", "name": "/aws/lambda/stray", "origin": origin},
             {"kind": "secret", "type": "AWS::SecretsManager::Secret", "name": "{{StraySecret.Ref}}", "origin": origin}]
    outcome = persisted_resources_inventoried(posture(static, persisted=[*static["persisted"], *stray]))
    assert outcome.failures == [
        "log-group /aws/lambda/stray: not in the inventory (inventory.other_data) [cloudformation/x.yaml:7 (Stray)]",
        "secret {{StraySecret.Ref}}: no fixed name, so no inventory can name it or find it after a restore "
        "[cloudformation/x.yaml:7 (Stray)]"]


def test_cov06_kinds_of_the_schema_are_the_persisted_kinds_other_data_may_hold():
    from pathlib import Path

    from audit.resource_types import PERSISTED_TYPES

    schema = json.loads((Path(__file__).resolve().parents[2] / "audit" / "config" / "schema.json").read_text())
    kinds = set(schema["$defs"]["other_data"]["properties"]["kind"]["enum"])
    assert kinds == {kind for kind, _ in PERSISTED_TYPES.values()} - {"dynamodb-table", "user-pool"}


# the live reader ---------------------------------------------------------------------------------------
RULE_TEMPLATE = {
    "Resources": {
        "Nightly": {"Type": "AWS::Events::Rule", "Properties": {
            "Name": "from-a-stack", "ScheduleExpression": "rate(1 day)", "State": "ENABLED"}},
    }
}


@pytest.fixture
def side(monkeypatch):
    with moto_accounts(monkeypatch):
        session = boto3.session.Session(region_name=REGION)
        account = session.client("sts").get_caller_identity()["Account"]
        yield Side("environment", account, REGION, session)


def test_the_live_reader_tells_stack_defined_state_from_hand_made_state(side):
    session = side.session
    session.client("cloudformation").create_stack(StackName="app-events", TemplateBody=json.dumps(RULE_TEMPLATE))
    events = session.client("events")
    events.put_rule(Name="made-by-hand", ScheduleExpression="rate(1 hour)")
    bus = events.create_event_bus(Name="data-events")["EventBusArn"]
    events.create_archive(ArchiveName="data-events-archive", EventSourceArn=bus)  # RetentionDays 0: forever
    found = {(r["kind"], r["name"]): r for r in read_eventbridge(side)}
    assert found[("rule", "from-a-stack")]["stack"] == "app-events"
    assert found[("rule", "made-by-hand")]["stack"] is None
    assert found[("event-bus", "data-events")]["stack"] is None
    assert found[("archive", "data-events-archive")]["retention_days"] == 0
    assert ("event-bus", "default") not in found and not side.errors
    live = Posture({"eventbridge": list(found.values()), "errors": side.errors})
    failures = defined_in_code(live).failures
    assert {f.split(" (")[0] for f in failures} == {"rule made-by-hand", "event-bus data-events", "archive data-events-archive"}
    assert not archives_bounded(live).passed


def test_the_live_reader_reads_no_stacks_when_there_is_nothing_to_match(side):
    assert read_eventbridge(side) == []
    assert not any(key.startswith("cloudformation:") for key in side.calls.counts)
