"""The break-glass change (``audit.break_glass``): open and close are exact inverses on arbitrary policies,
an exemption changes nobody's decision but the role's, the record survives its tags, and the state of a
resource is read from its tags and policy."""
from __future__ import annotations

import copy
import json
import random
import re

import pytest

from audit import break_glass as bg
from audit.policy import Request, evaluate

ENV, BKP = "111111111111", "222222222222"
ROLES = bg.roles(ENV, BKP, "CompactConnect-SSNBreakGlassRole")
REGION = "us-east-1"
VAULT = f"arn:aws:backup:{REGION}:{ENV}:backup-vault:CompactConnectBackupVault-SSN"


# arbitrary policies ----------------------------------------------------------------------------------
def _condition(rng: random.Random) -> dict | None:
    choices = [
        None,
        {"ArnNotEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ENV}:role/CompactConnect-SSNBackupRole"}},
        {"ArnNotEquals": {"aws:PrincipalArn": [f"arn:aws:iam::{ENV}:role/A", f"arn:aws:iam::{ENV}:role/B"]}},
        {"ArnNotEquals": {"aws:principalarn": f"arn:aws:iam::{ENV}:role/Lower"}},
        {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg01"}},
        {"ArnNotEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ENV}:role/C"}, "Bool": {"aws:SecureTransport": "true"}},
        {"ForAllValues:StringNotEquals": {"aws:CalledVia": "cloudformation.amazonaws.com"}},
    ]
    return copy.deepcopy(rng.choice(choices))


def _statement(rng: random.Random, sid: str, effect: str) -> dict:
    statement = {"Sid": sid, "Effect": effect, "Principal": rng.choice(["*", {"AWS": f"arn:aws:iam::{ENV}:root"}]),
                 "Action": rng.choice(["backup:StartRestoreJob", ["backup:StartRestoreJob", "backup:DeleteRecoveryPoint"],
                                       "kms:Decrypt", ["kms:Decrypt", "kms:Encrypt"]]),
                 "Resource": "*"}
    condition = _condition(rng)
    if condition is not None:
        statement["Condition"] = condition
    return statement


def arbitrary_policy(rng: random.Random, change: bg.Change) -> dict:
    """A policy with some of the change's DENY statements (any condition, any position) and other statements."""
    statements = [_statement(rng, f"Other{i}", rng.choice(["Allow", "Deny"])) for i in range(rng.randint(0, 4))]
    for sid, role in change.exemptions:
        if rng.random() < 0.8:
            deny = _statement(rng, sid, "Deny")
            if bg.exempts(deny, role):
                deny.pop("Condition")
            statements.insert(rng.randint(0, len(statements)), deny)
    policy = {"Version": "2012-10-17", "Statement": statements}
    if rng.random() < 0.2:
        policy["Id"] = "some-policy"
    return policy


CHANGES = [bg.change(label, ROLES, REGION) for label in bg.RESOURCES]


@pytest.mark.parametrize("seed", range(200))
def test_close_is_the_exact_inverse_of_open_on_arbitrary_policies(seed):
    rng = random.Random(seed)
    change = CHANGES[seed % len(CHANGES)]
    policy = arbitrary_policy(rng, change)
    original = copy.deepcopy(policy)
    opened = bg.open_policy(policy, change)
    assert policy == original  # not modified in place
    assert bg.markers(policy, change) == []
    assert {f"statement {sid}" for sid in change.added_sids} <= set(bg.markers(opened, change))
    assert bg.open_policy(opened, change) == opened  # applying it again changes nothing
    closed = bg.close_policy(opened, change, original)  # the deployed template is the policy before the open
    assert closed == original
    assert bg.digest(closed) == bg.digest(original)
    assert bg.markers(closed, change) == []
    assert bg.template_differences(closed, original) == []


ATTACKER = f"arn:aws:iam::{ENV}:role/Attacker"
TEMPLATE = {"Version": "2012-10-17", "Statement": [
    {"Sid": bg.RESTORE_DENY_SID, "Effect": "Deny", "Principal": "*", "Action": "backup:StartRestoreJob", "Resource": "*"},
    {"Sid": bg.COPY_IN_DENY_SID, "Effect": "Deny", "Principal": "*", "Action": "backup:CopyIntoBackupVault", "Resource": "*",
     "Condition": {"ArnNotEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ENV}:role/CompactConnect-SSNBackupRole"}}},
    {"Sid": "BreakGlassDenySSNRecoveryPointDestruction", "Effect": "Deny", "Principal": "*",
     "Action": "backup:DeleteRecoveryPoint", "Resource": "*"}]}


def _sid(policy: dict, sid: str) -> dict:
    return next(s for s in policy["Statement"] if s.get("Sid") == sid)


def test_close_takes_each_exempted_deny_from_the_template_whatever_the_policy_carries():
    """Issue 11: a forged record once made close write an attacker's exemption into the restore DENY. The
    statements close restores now come from the template alone: an extra exemption, a widened condition or
    a lost DENY of the change all come back as the template has them."""
    change = bg.change(bg.LOCAL_VAULT, ROLES, REGION)
    opened = bg.open_policy(TEMPLATE, change)
    forged = copy.deepcopy(opened)
    _sid(forged, bg.RESTORE_DENY_SID)["Condition"]["ArnNotEquals"]["aws:PrincipalArn"] = [ROLES.environment, ATTACKER]
    _sid(forged, bg.COPY_IN_DENY_SID)["Condition"]["StringNotEquals"] = {"aws:PrincipalAccount": "999999999999"}
    assert bg.close_policy(forged, change, TEMPLATE) == TEMPLATE
    assert bg.template_differences(bg.close_policy(forged, change, TEMPLATE), TEMPLATE) == []

    lost = copy.deepcopy(opened)
    lost["Statement"] = [s for s in lost["Statement"] if s["Sid"] != bg.RESTORE_DENY_SID]
    closed = bg.close_policy(lost, change, TEMPLATE)
    assert bg.template_differences(closed, TEMPLATE) == [] and _sid(closed, bg.RESTORE_DENY_SID) == _sid(TEMPLATE, bg.RESTORE_DENY_SID)


def test_close_touches_no_other_statement_and_names_every_difference_from_the_template():
    """A DENY the change does not exempt keeps whatever it carries (even with a Sid the change knows of
    elsewhere), and the differences name it: close refuses rather than decide about it."""
    change = bg.change(bg.LOCAL_VAULT, ROLES, REGION)
    opened = bg.open_policy(TEMPLATE, change)
    _sid(opened, "BreakGlassDenySSNRecoveryPointDestruction")["Condition"] = {
        "ArnNotEquals": {"aws:PrincipalArn": ATTACKER}}
    opened["Statement"].append({"Sid": "AttackerAllow", "Effect": "Allow", "Principal": {"AWS": ATTACKER},
                                "Action": "backup:StartRestoreJob", "Resource": "*"})
    closed = bg.close_policy(opened, change, TEMPLATE)
    assert _sid(closed, "BreakGlassDenySSNRecoveryPointDestruction")["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": ATTACKER}}
    assert bg.template_differences(closed, TEMPLATE) == [
        "AttackerAllow (not in the template)", "BreakGlassDenySSNRecoveryPointDestruction (differs from the template)"]
    assert bg.template_differences({"Statement": []}, TEMPLATE) == [
        f"{s['Sid']} (in the template, missing from the policy)" for s in sorted(TEMPLATE["Statement"], key=lambda s: s["Sid"])
    ] + ["Version None (the template has '2012-10-17')"]


def test_a_value_only_aws_knows_matches_what_the_account_holds_and_nothing_else():
    template = {"Version": "2012-10-17", "Statement": [{"Sid": "X", "Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt",
                                                        "Resource": "*", "Condition": {"StringEquals": {"kms:KeyId": "{{Key.KeyId}}"}}}]}
    live = copy.deepcopy(template)
    _sid(live, "X")["Condition"]["StringEquals"]["kms:KeyId"] = "1234abcd-12ab-34cd-56ef-1234567890ab"
    assert bg.template_differences(live, template) == []
    _sid(live, "X")["Action"] = "kms:Encrypt"
    assert bg.template_differences(live, template) == ["X (differs from the template)"]


def _decision(policy: dict, principal: str, action: str = "backup:StartRestoreJob") -> str:
    decision = evaluate(Request(principal, action, VAULT, {"aws:PrincipalOrgID": "o-exampleorg01"}),
                        identity_policies=[{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}],
                        resource_policy=policy)
    return decision.kind


@pytest.mark.parametrize("seed", range(40))
def test_an_exemption_changes_the_decision_of_the_role_alone(seed):
    rng = random.Random(1000 + seed)
    change = bg.change(bg.LOCAL_VAULT, ROLES, REGION)
    deny = _statement(rng, bg.RESTORE_DENY_SID, "Deny")
    deny["Action"] = "backup:StartRestoreJob"
    if bg.exempts(deny, ROLES.environment):
        deny.pop("Condition")
    policy = {"Statement": [deny]}
    opened = {"Statement": [s for s in bg.open_policy(policy, change)["Statement"] if s["Sid"] == bg.RESTORE_DENY_SID]}
    others = [f"arn:aws:iam::{ENV}:role/{name}" for name in ("A", "B", "C", "Lower", "Administrator", "CompactConnect-SSNBackupRole")]
    others += [f"arn:aws:iam::{ENV}:root", ROLES.backup, "arn:aws:iam::999999999999:role/Administrator"]
    for who in others:
        assert _decision(opened, who) == _decision(policy, who), who
    assert _decision(opened, ROLES.environment) != "ExplicitDeny"


def test_the_documented_change_opens_each_resource_to_its_own_side_only():
    assert {c.label: {s["Principal"]["AWS"] for s in c.statements} for c in CHANGES} == {
        bg.LOCAL_VAULT: {ROLES.environment, ROLES.backup},  # the backup side copies back into the local vault
        bg.LOCAL_KEY: {ROLES.environment, ROLES.backup},
        bg.CROSS_VAULT: {ROLES.backup},
        bg.CROSS_KEY: {ROLES.backup}}
    for c in CHANGES:
        for statement in c.statements:
            assert re.fullmatch(r"[A-Za-z0-9]+", statement["Sid"])  # IAM and KMS accept only alphanumeric Sids
            if "kms:CreateGrant" in statement["Action"]:
                assert statement["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": "true"}}, statement
                assert statement["Action"] == ["kms:CreateGrant"]


# the record ------------------------------------------------------------------------------------------
def test_the_record_is_information_only_and_every_tag_is_one_aws_accepts():
    record = bg.Record("INC-1", "2026-11-27T02:00:00Z", f"arn:aws:sts::{ENV}:assumed-role/Admin/jane,doe@example.com",
                       ROLES.environment, "ab" * 32)
    tags = record.tags()
    assert set(tags) == {bg.TAG_TICKET, bg.TAG_OPENED_AT, bg.TAG_OPENED_BY, bg.TAG_ROLE, bg.TAG_PRE_OPEN}  # no instruction
    for key, value in tags.items():
        assert key.startswith(bg.TAG_PREFIX) and len(key) <= 128
        assert len(value) <= 256 and re.fullmatch(r"[\w .:/=+@-]*", value), (key, value)
    back = bg.Record.from_tags({**tags, "compact-retention:environment": "example"})
    assert back == bg.Record("INC-1", "2026-11-27T02:00:00Z", f"arn:aws:sts::{ENV}:assumed-role/Admin/jane_doe@example.com",
                             ROLES.environment, "ab" * 32)  # the comma, which a tag value cannot hold, replaced
    assert bg.Record.from_tags({"compact-retention:vault": "ssn"}) is None


@pytest.mark.parametrize("raw", ["INC-1\x1b[2J\x1b[31mALL CLOSED", "INC-1\nclosed", "INC\u202e1", "INC\x00", "x" * 1000])
def test_tag_values_are_never_shown_raw(raw):
    """Issue 11: a tag value holding control characters reached the terminal through 'break-glass status'."""
    record = bg.Record.from_tags({bg.TAG_TICKET: raw, bg.TAG_ROLE: raw})
    shown = bg.State(bg.LOCAL_VAULT, bg.OPEN, record, ()).describe() + json.dumps(bg.break_glass_tags({bg.TAG_TICKET: raw}))
    assert all(c.isprintable() for c in shown)
    assert len(record.ticket) <= 128 and record.ticket.startswith(raw[:3])
    assert record.ticket != raw


@pytest.mark.parametrize("ticket", ["INC-77\n", "INC-77 ", "INC/77", "INC:77", "-INC", "", "a" * 65, "INC\t77"])
def test_a_ticket_is_matched_on_its_whole_value(ticket):
    """Issue 11: ``INC-77\\n`` passed the old ``^...$`` pattern and was recorded as ``INC-77_``; ``/`` and ``:``,
    which the runbook forbids, passed as well."""
    from audit.break_glass import ops
    with pytest.raises(ops.BadInput, match="--ticket"):
        ops.check_ticket(ticket, required=True)
    assert ops.check_ticket("INC-77", required=True) == "INC-77"
    assert ops.check_ticket("CHG_2026.11+a=b@c", required=True) == "CHG_2026.11+a=b@c"


def test_people_are_anonymised_but_roles_kept():
    session = f"arn:aws:sts::{ENV}:assumed-role/AWSReservedSSO_Admin_1234/jane.doe@example.com"
    shown = bg.anonymised(session)
    assert "jane" not in shown and "example.com" not in shown
    assert shown.startswith(f"arn:aws:sts::{ENV}:assumed-role/AWSReservedSSO_Admin_1234/sha256-")
    assert bg.anonymised(session.replace("jane", "john")) != shown
    assert "jane" not in bg.anonymised(f"arn:aws:iam::{ENV}:user/jane.doe")
    assert bg.anonymised(ROLES.environment) == ROLES.environment
    assert bg.anonymised(shown) == shown  # once is enough: a snapshot's value shown again stays the same
    kept = bg.break_glass_tags({bg.TAG_OPENED_BY: session, bg.TAG_TICKET: "INC-1", "compact-retention:vault": "ssn"})
    assert kept == {bg.TAG_OPENED_BY: shown, bg.TAG_TICKET: "INC-1"}  # what a snapshot and a report may hold


# the state -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("with_tags", "opened", "status"), [
    (False, False, bg.CLOSED), (True, True, bg.OPEN), (True, False, bg.RECORDED), (False, True, bg.UNRECORDED)])
def test_the_state_comes_from_the_tags_and_the_policy(with_tags, opened, status):
    change = bg.change(bg.CROSS_VAULT, ROLES, "us-west-2")
    policy = {"Statement": [{"Sid": bg.RESTORE_DENY_SID, "Effect": "Deny", "Principal": "*",
                             "Action": "backup:StartRestoreJob", "Resource": "*"}]}
    if opened:
        policy = bg.open_policy(policy, change)
    tags = bg.Record("INC-2", "2026-11-27T02:00:00Z", None, ROLES.backup, None).tags() if with_tags else {}
    state = bg.state(bg.CROSS_VAULT, policy, {**tags, "compact-retention:vault": "ssn"}, change)
    assert state.status == status
    text = state.describe()
    if with_tags:
        assert "INC-2" in text and "2026-11-27T02:00:00Z" in text
    assert bg.overall([state]) == ("closed" if status == bg.CLOSED else "open" if status == bg.OPEN else "partially open")
