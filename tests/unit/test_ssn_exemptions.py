"""BG-05 (``audit.controls.ssn_exemptions``): every DENY on the SSN vaults and keys exempts exactly the
documented principals, and no other principal named in those policies may restore, decrypt, copy out,
delete or tag. Issue 11: a DENY exempting one more named role passed BG-01, BG-03 and BG-04.

Each violation below is a different way of writing an exemption (the evaluator reads them all alike:
operators, ``IfExists``, case-folded keys, wildcards, ``NotPrincipal``, accounts, services); each must fail
naming the statement and the principal, and the untouched posture must pass."""
from __future__ import annotations

import copy

import pytest

from audit import break_glass as bg
from audit.config import load_config
from audit.controls.access import target
from audit.controls.ssn_exemptions import DOCUMENTED, exact_exemptions, named_callers
from audit.snapshot import Posture
from audit.sources.static.build import build_snapshot

ENV, BKP = "111111111111", "222222222222"
ATTACKER = f"arn:aws:iam::{ENV}:role/Attacker"


@pytest.fixture(scope="module")
def static():
    return build_snapshot(load_config("example").data)


def _policy(snapshot: dict, label: str) -> dict:
    where = target(Posture(snapshot), label)
    collection, field = ("keys", "policy") if where.kind == "kms_key" else ("vaults", "access_policy")
    return next(i for i in snapshot[collection] if i["arn"] == where.arn)[field]


def _statement(snapshot: dict, label: str, sid: str) -> dict:
    return next(s for s in _policy(snapshot, label)["Statement"] if s.get("Sid") == sid)


def _failures(snapshot: dict) -> str:
    outcome = exact_exemptions(Posture(snapshot))
    assert not outcome.passed
    return "\n".join(outcome.failures)


def test_the_bundle_passes_with_every_documented_deny_checked(static):
    outcome = exact_exemptions(Posture(static))
    assert outcome.passed, outcome.message
    assert len(outcome.subjects) == 4
    checked = [e for e in outcome.evidence if " DENY " in e]
    assert len(checked) == len(DOCUMENTED)  # each documented DENY found and compared, none skipped


def _add_exemption(condition: dict):
    def mutate(statement: dict) -> None:
        statement["Condition"] = {**(statement.get("Condition") or {}), **condition}
    return mutate


@pytest.mark.parametrize(("label", "sid", "mutate", "named"), [
    # one more named role, as the forged record wrote it
    (bg.LOCAL_VAULT, bg.RESTORE_DENY_SID, _add_exemption({"ArnNotEquals": {"aws:PrincipalArn": ATTACKER}}), ATTACKER),
    # the same through a case-folded key and an IfExists operator
    (bg.LOCAL_VAULT, bg.RESTORE_DENY_SID, _add_exemption({"ArnNotEqualsIfExists": {"aws:principalarn": [ATTACKER]}}), ATTACKER),
    # a wildcard pattern: every role whose name starts with Admin, administrators included
    (bg.LOCAL_KEY, bg.KEY_USE_DENY_SID, lambda s: s["Condition"]["ArnNotEquals"]["aws:PrincipalArn"].append(
        f"arn:aws:iam::{ENV}:role/Admin*"), "an administrator of the environment account"),
    # a whole account
    (bg.CROSS_KEY, "DenyKeyDestruction", _add_exemption({"StringNotEquals": {"aws:PrincipalAccount": BKP}}),
     "the backup account root"),
    # a service
    (bg.CROSS_VAULT, "BreakGlassDenySSNRecoveryPointDestruction",
     _add_exemption({"Bool": {"aws:PrincipalIsAWSService": "false"}}), "an AWS service principal"),
    # NotPrincipal instead of a condition (the role and its account: the role alone exempts nobody, as the IAM
    # guide's NotPrincipal page warns, and the evaluator reads it so)
    (bg.CROSS_VAULT, bg.RESTORE_DENY_SID, lambda s: (s.pop("Principal"), s.update(
        NotPrincipal={"AWS": [ATTACKER, f"arn:aws:iam::{ENV}:root"]})), ATTACKER),
    # the tag deny, which protects the break-glass record
    (bg.LOCAL_KEY, "BreakGlassDenySSNKeyTagChange", lambda s: s["Condition"]["ArnNotEquals"].update(
        {"aws:PrincipalArn": [s["Condition"]["ArnNotEquals"]["aws:PrincipalArn"], ATTACKER]}), ATTACKER),
])
def test_an_extra_exemption_fails_naming_the_statement_and_the_principal(static, label, sid, mutate, named):
    snapshot = copy.deepcopy(static)
    mutate(_statement(snapshot, label, sid))
    failures = _failures(snapshot)
    assert f"{label} DENY {sid}: also exempts" in failures
    assert named in failures


def test_a_named_extra_principal_that_gains_restore_fails_even_when_each_deny_looks_documented(static):
    """The second half: an Allow naming a role of the environment account on the local vault is harmless
    while the restore DENY covers it; once the DENY exempts it, the role may restore and is named."""
    snapshot = copy.deepcopy(static)
    policy = _policy(snapshot, bg.LOCAL_VAULT)
    policy["Statement"].append({"Sid": "Extra", "Effect": "Allow", "Principal": {"AWS": ATTACKER},
                                "Action": "backup:StartRestoreJob", "Resource": "*"})
    assert exact_exemptions(Posture(snapshot)).passed  # named, but denied everything that matters
    _statement(snapshot, bg.LOCAL_VAULT, bg.RESTORE_DENY_SID)["Condition"] = {"ArnNotEquals": {"aws:PrincipalArn": ATTACKER}}
    failures = _failures(snapshot)
    assert f"local SSN vault: {ATTACKER}, named in an SSN policy, may " in failures
    assert "backup:StartRestoreJob directly" in failures


def test_a_lost_exemption_a_missing_deny_and_an_undocumented_exempting_deny_fail(static):
    snapshot = copy.deepcopy(static)
    condition = _statement(snapshot, bg.LOCAL_KEY, bg.KEY_USE_DENY_SID)["Condition"]["ArnNotEquals"]
    condition["aws:PrincipalArn"] = [v for v in condition["aws:PrincipalArn"] if "SSNBackupRole" not in v]
    policy = _policy(snapshot, bg.CROSS_VAULT)
    policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") != "BreakGlassDenySSNRecoveryPointDestruction"]
    policy["Statement"].append({"Sid": "SomethingNew", "Effect": "Deny", "Principal": "*", "Action": "backup:StartRestoreJob",
                                "Resource": "*", "Condition": {"ArnNotEquals": {"aws:PrincipalArn": ATTACKER}}})
    failures = _failures(snapshot)
    assert "local SSN key DENY BreakGlassDenySSNKeyUse: no longer exempts the SSN backup role (every path)" in failures
    assert "cross-account SSN vault DENY BreakGlassDenySSNRecoveryPointDestruction: documented, but not in the policy" in failures
    assert f"cross-account SSN vault DENY SomethingNew: also exempts {ATTACKER} (every path) (an undocumented DENY" in failures


def test_an_undocumented_deny_that_applies_to_everyone_passes(static):
    snapshot = copy.deepcopy(static)
    _policy(snapshot, bg.LOCAL_KEY)["Statement"].append({"Sid": "DenyEvenMore", "Effect": "Deny", "Principal": "*",
                                                         "Action": "kms:ReEncryptFrom", "Resource": "*"})
    assert exact_exemptions(Posture(snapshot)).passed


def test_a_narrowed_path_exemption_is_seen_per_path(static):
    """The SSN role may use its key only through AWS Backup or DynamoDB: dropping DynamoDB from the
    documented paths narrows the exemption of one path, and that is a difference too."""
    snapshot = copy.deepcopy(static)
    deny = _statement(snapshot, bg.LOCAL_KEY, "BreakGlassDenySSNRoleOutsideAWSBackup")
    deny["Condition"]["StringNotEquals"]["kms:ViaService"] = [v for v in deny["Condition"]["StringNotEquals"]["kms:ViaService"]
                                                              if v.startswith("backup.")]
    failures = _failures(snapshot)
    assert "BreakGlassDenySSNRoleOutsideAWSBackup: no longer exempts the SSN backup role (through DynamoDB)" in failures


def test_an_open_recorded_break_glass_is_expected_and_an_unrecorded_one_is_not(static):
    snapshot = copy.deepcopy(static)
    snapshot["mode"] = "live"
    posture = Posture(snapshot)
    env = posture.env
    roles = bg.roles(env["environment_account_id"], env["backup_account_id"], env["break_glass_role_name"])
    for label in bg.RESOURCES:
        where = target(posture, label)
        collection, field = ("keys", "policy") if where.kind == "kms_key" else ("vaults", "access_policy")
        item = next(i for i in snapshot[collection] if i["arn"] == where.arn)
        item[field] = bg.open_policy(item[field], bg.change(label, roles, posture.region(bg.SIDE[label])))
    failures = _failures(snapshot)  # statements without a record: not documented
    assert f"local SSN vault DENY {bg.RESTORE_DENY_SID}: also exempts the break-glass role of the environment account" in failures
    for collection in ("keys", "vaults"):
        for item in snapshot[collection]:
            if item["arn"] in {target(posture, label).arn for label in bg.RESOURCES}:
                item["break_glass_tags"] = bg.Record("INC-1", "2026-12-01T00:00:00Z", None, None, None).tags()
    assert exact_exemptions(Posture(snapshot)).passed


def test_named_callers_reads_principals_accounts_services_and_patterns():
    policy = {"Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ["123456789012", f"arn:aws:iam::{ENV}:role/A"], "Service": "backup.amazonaws.com"},
         "Action": "kms:Decrypt", "Resource": "*"},
        {"Effect": "Deny", "NotPrincipal": {"AWS": f"arn:aws:sts::{ENV}:assumed-role/B/s"}, "Action": "kms:Decrypt", "Resource": "*",
         "Condition": {"ArnNotLike": {"AWS:PrincipalARN": f"arn:aws:iam::{ENV}:role/C*"},
                       "StringNotEquals": {"aws:PrincipalAccount": "210987654321", "kms:ViaService": "x.amazonaws.com"}}}]}
    assert named_callers(policy) == [
        "arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:role/a-role-of-123456789012",
        f"arn:aws:iam::{ENV}:role/A", "backup.amazonaws.com", f"arn:aws:sts::{ENV}:assumed-role/B/s",
        f"arn:aws:iam::{ENV}:role/Cx", "arn:aws:iam::210987654321:root", "arn:aws:iam::210987654321:role/a-role-of-210987654321"]
