"""The statement edits of the break-glass change (``audit.break_glass``) on hand-made policies: where an
exemption lands and where it is taken out, a second open, a close whose template holds a value only AWS
knows, how differences from the template are named, the digest, and the refusals."""
from __future__ import annotations

import dataclasses
import hashlib
import json

import pytest

from audit import break_glass as bg

ENV, BKP = "111111111111", "222222222222"
ROLES = bg.roles(ENV, BKP, "CompactConnect-SSNBreakGlassRole")
ROLE = ROLES.environment
OTHER = f"arn:aws:iam::{ENV}:role/CompactConnect-SSNBackupRole"
REGION = "us-east-1"
VAULT_CHANGE = bg.change(bg.LOCAL_VAULT, ROLES, REGION)


def _deny(sid=bg.RESTORE_DENY_SID, condition=None, effect="Deny"):
    statement = {"Sid": sid, "Effect": effect, "Principal": "*", "Action": "backup:StartRestoreJob", "Resource": "*"}
    if condition is not None:
        statement["Condition"] = condition
    return statement


# where the exemption lands ---------------------------------------------------------------------------
def test_the_exemption_lands_on_aws_principalarn_and_leaves_every_other_key_of_the_operator_alone():
    """The issue's survivor: a condition whose ``ArnNotEquals`` holds a second key. Condition keys of one
    operator are ANDed, so the DENY then applies only when both differ; the role is added to
    ``aws:PrincipalArn`` alone (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html)."""
    condition = {"ArnNotEquals": {"aws:SourceArn": "arn:aws:backup:us-east-1:111111111111:backup-plan:p",
                                  "aws:PrincipalArn": OTHER}}
    assert bg.exempted(condition, ROLE) == {"ArnNotEquals": {"aws:SourceArn": "arn:aws:backup:us-east-1:111111111111:backup-plan:p",
                                                             "aws:PrincipalArn": [OTHER, ROLE]}}
    only_other_key = {"ArnNotEquals": {"aws:SourceArn": "arn:aws:backup:us-east-1:111111111111:backup-plan:p"}}
    assert bg.exempted(only_other_key, ROLE) == {"ArnNotEquals": {**only_other_key["ArnNotEquals"], "aws:PrincipalArn": ROLE}}
    assert bg.exempts({"Condition": bg.exempted(only_other_key, ROLE)}, ROLE)
    assert not bg.exempts({"Condition": {"ArnNotEquals": {"aws:SourceArn": ROLE}}}, ROLE)


def test_the_exemption_keeps_the_spelling_of_an_existing_key_and_is_added_once():
    """Condition key names are case-insensitive
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html)."""
    condition = {"ArnNotEquals": {"aws:principalarn": OTHER}}
    once = bg.exempted(condition, ROLE)
    assert once == {"ArnNotEquals": {"aws:principalarn": [OTHER, ROLE]}}
    assert bg.exempted(once, ROLE) == once
    assert condition == {"ArnNotEquals": {"aws:principalarn": OTHER}}  # not changed in place
    assert bg.exempted(None, ROLE) == {"ArnNotEquals": {"aws:PrincipalArn": ROLE}}


def test_an_unknown_resource_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match="unknown break-glass resource 'general vault' \\(known: local SSN vault, local SSN key, "
                                         "cross-account SSN vault, cross-account SSN key\\)"):
        bg.change("general vault", ROLES, REGION)


# where it is taken out -------------------------------------------------------------------------------
@pytest.mark.parametrize("condition", [
    None,
    {"ArnNotEquals": {"aws:PrincipalArn": OTHER}},
    {"ArnNotEquals": {"aws:PrincipalArn": [OTHER, f"arn:aws:iam::{ENV}:role/B"]}},
    {"ArnNotEquals": {"aws:SourceArn": "arn:aws:backup:us-east-1:111111111111:backup-plan:p"}},
    {"ArnNotEquals": {"aws:principalarn": OTHER, "aws:SourceArn": "arn:aws:backup:us-east-1:111111111111:backup-plan:p"}},
    {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg01"}},
    {"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg01"}, "ArnNotEquals": {"aws:PrincipalArn": OTHER}},
])
def test_unexempted_is_the_exact_inverse_of_exempted(condition):
    statement = _deny(condition=condition)
    opened = {**statement, "Condition": bg.exempted(statement.get("Condition"), ROLE)}
    assert bg.exempts(opened, ROLE)
    back = bg.unexempted(opened, ROLE)
    assert back == statement
    assert not bg.exempts(back, ROLE)
    assert opened["Condition"] == bg.exempted(statement.get("Condition"), ROLE)  # not changed in place


def test_unexempting_a_role_the_statement_does_not_exempt_changes_nothing():
    for statement in (_deny(), _deny(condition={"ArnNotEquals": {"aws:PrincipalArn": OTHER}}),
                      _deny(condition={"StringEquals": {"aws:PrincipalOrgID": "o-exampleorg01"}})):
        assert bg.unexempted(statement, ROLE) == statement


# open ------------------------------------------------------------------------------------------------
def test_a_second_open_keeps_every_statement_after_the_added_ones():
    """The issue's survivor: a policy whose added statements are not last (reordered by hand or by a tool)
    opened again keeps everything else and ends with the change's statements."""
    opened = bg.open_policy({"Version": "2012-10-17", "Statement": [_deny()]}, VAULT_CHANGE)
    added, deny = opened["Statement"][1:], opened["Statement"][0]
    later = {"Sid": "Later", "Effect": "Deny", "Principal": "*", "Action": "backup:DeleteRecoveryPoint", "Resource": "*"}
    reordered = {"Version": "2012-10-17", "Statement": [*added, deny, later]}
    again = bg.open_policy(reordered, VAULT_CHANGE)
    assert again["Statement"] == [deny, later, *added]


def test_open_exempts_a_deny_only_and_only_the_role_of_its_sid():
    allow_with_sid = {"Sid": bg.RESTORE_DENY_SID, "Effect": "Allow", "Principal": "*", "Action": "backup:ListRecoveryPoints",
                      "Resource": "*"}
    opened = bg.open_policy({"Statement": [allow_with_sid, _deny(bg.COPY_IN_DENY_SID)]}, VAULT_CHANGE)
    assert opened["Statement"][0] == allow_with_sid
    assert opened["Statement"][1]["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": ROLES.backup}}


# markers ---------------------------------------------------------------------------------------------
def test_an_exemption_alone_is_a_marker_of_the_change_but_only_on_a_deny():
    exempted = _deny(condition={"ArnNotEquals": {"aws:PrincipalArn": ROLE}})
    assert bg.markers({"Statement": [exempted]}, VAULT_CHANGE) == [f"{bg.RESTORE_DENY_SID} exempts {ROLE}"]
    assert bg.markers({"Statement": [{**exempted, "Effect": "Allow"}]}, VAULT_CHANGE) == []
    assert bg.markers({"Statement": [_deny(condition={"ArnNotEquals": {"aws:PrincipalArn": OTHER}})]}, VAULT_CHANGE) == []
    state = bg.state(bg.LOCAL_VAULT, {"Statement": [exempted]}, {}, VAULT_CHANGE)
    assert state.status == bg.UNRECORDED and state.markers == (f"{bg.RESTORE_DENY_SID} exempts {ROLE}",)


# close -----------------------------------------------------------------------------------------------
KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _template_with_a_value_only_aws_knows():
    restore = _deny(condition={"StringNotEquals": {"aws:ResourceTag/kms-key": "{{SSNKey.Arn}}"}})
    copy_in = _deny(bg.COPY_IN_DENY_SID, condition={"ArnNotEquals": {"aws:PrincipalArn": OTHER}})
    copy_in["Action"] = "backup:CopyIntoBackupVault"
    return {"Version": "2012-10-17", "Statement": [restore, copy_in]}


def _as_deployed(template):
    return json.loads(json.dumps(template).replace("{{SSNKey.Arn}}", KEY_ARN))


def test_close_takes_out_only_the_exemption_where_the_template_holds_a_value_only_aws_knows():
    """The template's DENY cannot be written back as it is (its ``{{SSNKey.Arn}}`` is not a value): close
    removes the exemption from the account's statement, which keeps the account's value."""
    template = _template_with_a_value_only_aws_knows()
    deployed = _as_deployed(template)
    opened = bg.open_policy(deployed, VAULT_CHANGE)
    closed = bg.close_policy(opened, VAULT_CHANGE, template)
    assert closed == deployed
    assert "{{" not in json.dumps(closed)
    assert bg.template_differences(closed, template) == []


def test_close_never_writes_a_value_only_aws_knows_even_when_the_statement_differs():
    """A widened DENY whose template holds a placeholder is left as the account has it (without the
    exemption) and named as a difference, so the close refuses; nothing is written with ``{{...}}``."""
    template = _template_with_a_value_only_aws_knows()
    opened = bg.open_policy(_as_deployed(template), VAULT_CHANGE)
    restore = next(s for s in opened["Statement"] if s["Sid"] == bg.RESTORE_DENY_SID)
    restore["Action"] = "backup:GetRecoveryPointRestoreMetadata"  # narrowed while open
    closed = bg.close_policy(opened, VAULT_CHANGE, template)
    assert "{{" not in json.dumps(closed)
    assert bg.template_differences(closed, template) == [f"{bg.RESTORE_DENY_SID} (differs from the template)"]
    lost = {**opened, "Statement": [s for s in opened["Statement"] if s["Sid"] != bg.RESTORE_DENY_SID]}
    closed = bg.close_policy(lost, VAULT_CHANGE, template)
    assert "{{" not in json.dumps(closed)
    assert bg.template_differences(closed, template) == [f"{bg.RESTORE_DENY_SID} (in the template, missing from the policy)"]


def test_close_of_a_policy_that_holds_nothing_rebuilds_the_exempted_denies_from_the_template():
    template = {"Version": "2012-10-17", "Statement": [_deny(), _deny("Other")]}
    assert bg.close_policy(None, VAULT_CHANGE, template) == {"Version": "2012-10-17", "Statement": [_deny()]}


# differences from the template -----------------------------------------------------------------------
def test_a_statement_without_sid_is_known_by_its_content_whatever_the_order_of_its_keys():
    statement = {"Effect": "Deny", "Principal": "*", "Action": "backup:DeleteBackupVault", "Resource": "*"}
    reordered = dict(reversed(list(statement.items())))
    assert bg.template_differences({"Version": "1", "Statement": [reordered]}, {"Version": "1", "Statement": [statement]}) == []
    changed = {**statement, "Action": "backup:DeleteRecoveryPoint"}
    found = bg.template_differences({"Version": "1", "Statement": [changed]}, {"Version": "1", "Statement": [statement]})
    assert sorted(found) == sorted([f"(no Sid) {json.dumps(changed, sort_keys=True)[:80]} (not in the template)",
                                    f"(no Sid) {json.dumps(statement, sort_keys=True)[:80]} (in the template, missing from the policy)"])


def test_every_statement_of_a_sid_is_compared_not_just_one():
    actions = [f"backup:Action{i}" for i in range(12)]  # the statements share their first 80 characters
    first = {"Action": actions, "Effect": "Deny", "Principal": "*", "Resource": "arn:aws:backup:*:*:recovery-point:a"}
    second = {**first, "Resource": "arn:aws:backup:*:*:recovery-point:b"}
    template = {"Version": "1", "Statement": [first, second]}
    widened = {**second, "Resource": "arn:aws:backup:*:*:recovery-point:c"}
    found = bg.template_differences({"Version": "1", "Statement": [first, widened]}, template)
    assert len(found) == 1 and found[0].endswith("(differs from the template)")


# the digest ------------------------------------------------------------------------------------------
def test_the_digest_is_the_sha256_of_the_policy_whatever_the_order_of_its_keys_and_lists():
    policy = {"Version": "2012-10-17", "Statement": [_deny(), _deny("Other")]}
    same = {"Statement": [dict(reversed(list(_deny("Other").items()))), _deny()], "Version": "2012-10-17"}
    assert bg.digest(policy) == bg.digest(same)
    assert len(bg.digest(policy)) == 64 and int(bg.digest(policy), 16) >= 0
    assert bg.digest(policy) != bg.digest({**policy, "Statement": [_deny()]})
    from audit.drift import normalise_policy
    text = json.dumps(normalise_policy(policy), sort_keys=True, separators=(",", ":"))
    assert bg.digest(policy) == hashlib.sha256(text.encode()).hexdigest()  # what 'open' prints for the ticket


# the record ------------------------------------------------------------------------------------------
def test_a_tag_value_is_cut_to_the_256_characters_aws_accepts():
    """Tag values are at most 256 Unicode characters
    (https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html#tag-conventions)."""
    assert bg.tag_safe("a" * 300) == "a" * 256
    assert bg.tag_safe("a" * 256) == "a" * 256
    assert bg.tag_safe("jane,doe;x") == "jane_doe_x"


def test_values_of_the_change_and_the_record_cannot_be_altered_once_made():
    """A record read from tags, the roles, the change and a state are values: nothing downstream can rewrite
    them. (Each is made here, in the test, so the mutation run sees which code the test depends on.)"""
    roles = bg.roles(ENV, BKP, "CompactConnect-SSNBreakGlassRole")
    change = bg.change(bg.LOCAL_VAULT, roles, REGION)
    record = bg.Record.from_tags({bg.TAG_TICKET: "INC-1"})
    state = bg.state(bg.LOCAL_VAULT, None, record.tags(), change)
    for value, field in ((record, "ticket"), (roles, "environment"), (change, "label"), (state, "status")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, field, "x")
    assert hash(roles) == hash(bg.roles(ENV, BKP, "CompactConnect-SSNBreakGlassRole"))


def test_a_state_says_what_it_knows_and_no_more():
    empty = bg.Record(None, None, None, None, None)
    assert bg.State(bg.LOCAL_KEY, bg.CLOSED, None, ()).describe() == "closed"
    assert bg.State(bg.LOCAL_KEY, bg.OPEN, empty, ("x",)).describe() == (
        "break-glass open since an unknown time for ticket (none recorded) (role unknown)")
    assert bg.State(bg.LOCAL_KEY, bg.RECORDED, empty, ()).describe() == (
        "break-glass record since an unknown time for ticket (none recorded) but the policy carries none of its statements "
        "(half-opened or reverted by hand)")


def test_an_empty_caller_stays_empty_and_an_unknown_form_is_kept():
    assert bg.anonymised("") == ""
    assert bg.anonymised(None) is None
    assert bg.anonymised("arn:aws:iam::111111111111:root") == "arn:aws:iam::111111111111:root"
    assert bg.anonymised("arn:aws:sts::111111111111:assumed-role/Ops") == "arn:aws:sts::111111111111:assumed-role/Ops"
    user = bg.anonymised("arn:aws:sts::111111111111:federated-user/jane")
    assert user.startswith("arn:aws:sts::111111111111:federated-user/sha256-") and "jane" not in user
