"""Break-glass operations against a sandbox deployment of the example environment's two vault stacks.

The sandbox evaluates no policy (sandbox/README.md), so what a role may do is decided by the audit's policy
evaluator (``audit.controls.access.decide``) over the policies read back from the sandbox's accounts, for a
matrix of principals x actions x the four SSN resources: open must change exactly the documented decisions
(the break-glass role of each side gains restore and decrypt, the backup account's one the copy back) and
nothing else; close must give back every decision and exactly the deployed policies. The tests run in order
on one deployment and each leaves it closed.
"""
from __future__ import annotations

import copy
import io
import json

import pytest

from audit import break_glass as bg
from audit.break_glass import aws, ops
from audit.controls.access import ALLOW_ALL, Principal, decide, principal, target
from audit.snapshot import Posture
from audit.sources.live.build import build_live_snapshot
from tests.support.break_glass import ROLE, TICKET, Deployment  # noqa: F401
from tests.support.sandbox import BACKUP_ACCOUNT, ENV_ACCOUNT, ENV_REGION

BACKUP_ROLE = f"arn:aws:iam::{BACKUP_ACCOUNT}:role/CompactConnect-SSNBreakGlassRole"
VAULT_ACTIONS = ("backup:StartRestoreJob", "backup:GetRecoveryPointRestoreMetadata", "backup:StartCopyJob",
                 "backup:CopyIntoBackupVault", "backup:DeleteRecoveryPoint", "backup:PutBackupVaultAccessPolicy")
KEY_ACTIONS = ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:CreateGrant",
               "kms:CreateGrant for an AWS resource")
LABELS = ("an administrator", "the account root", "an outside account", "the general backup role",
          "the general backup role through AWS Backup", "the SSN backup role", "the SSN backup role through AWS Backup")




@pytest.fixture(scope="module")
def deployed(sandbox, tmp_path_factory):
    world = Deployment(sandbox, tmp_path_factory.mktemp("break-glass"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_CONFIG_FILE", world.aws_config)
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
            mp.delenv(name, raising=False)
        world.deploy()
        world.snapshot = build_live_snapshot(world.cfg, environment=world.credentials["environment"],
                                             backup=world.credentials["backup"])
        world.deployed_policies = world.policies()
        yield world


# decisions -------------------------------------------------------------------------------------------
def _principals(posture: Posture, where_label: str) -> list[Principal]:
    side = bg.SIDE[where_label]
    found = [principal(posture, label, side) for label in LABELS]
    region = posture.region(side)
    for name, arn in (("environment", ROLE), ("backup", BACKUP_ROLE)):
        org = {"aws:PrincipalOrgID": posture.env["organization_id"]}
        found.append(Principal(f"break-glass role ({name})", arn, [ALLOW_ALL], org))
        found.append(Principal(f"break-glass role ({name}) through AWS Backup", arn, [ALLOW_ALL],
                               {**org, "kms:ViaService": f"backup.{region}.amazonaws.com"}))
    return found


def decisions(posture: Posture) -> dict[tuple[str, str, str], bool]:
    """(principal, action, resource) -> allowed, for the four SSN resources."""
    table = {}
    for label in bg.RESOURCES:
        where = target(posture, label)
        assert where.found, label
        for who in _principals(posture, label):
            for action in (KEY_ACTIONS if where.kind == "kms_key" else VAULT_ACTIONS):
                real, _, extra = action.partition(" for ")
                context = {"kms:GrantIsForAWSResource": "true"} if extra else {}
                table[(who.label, action, label)] = decide(who, real, where, **context).allowed
    return table


def _opened_to(role: str, actions: tuple[str, ...], where: str, *, only_through_backup: bool = False) -> set:
    labels = [f"break-glass role ({role}) through AWS Backup"] + ([] if only_through_backup else [f"break-glass role ({role})"])
    return {(label, action, where) for label in labels for action in actions}


# what open must change, and nothing else
OPENED = (
    _opened_to("environment", ("backup:StartRestoreJob", "backup:GetRecoveryPointRestoreMetadata"), bg.LOCAL_VAULT)
    | _opened_to("environment", ("kms:Decrypt", "kms:CreateGrant for an AWS resource"), bg.LOCAL_KEY)
    | _opened_to("backup", ("backup:CopyIntoBackupVault",), bg.LOCAL_VAULT)
    | _opened_to("backup", ("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom"), bg.LOCAL_KEY,
                 only_through_backup=True)
    | _opened_to("backup", ("kms:CreateGrant for an AWS resource",), bg.LOCAL_KEY)
    | _opened_to("backup", ("backup:StartRestoreJob", "backup:GetRecoveryPointRestoreMetadata", "backup:StartCopyJob"),
                 bg.CROSS_VAULT)
    | _opened_to("backup", ("kms:Decrypt", "kms:CreateGrant for an AWS resource"), bg.CROSS_KEY))


# the tests -------------------------------------------------------------------------------------------
def test_open_without_a_ticket_or_with_another_role_exits_2_and_changes_nothing(deployed):
    no_ticket = deployed.script("open", "--role-arn", ROLE)
    assert no_ticket.returncode == 2 and "--ticket is required" in no_ticket.stderr
    with pytest.raises(ops.BadInput, match="not the configured break-glass role"):
        deployed.ops("open", role_arn=ROLE.replace("SSNBreakGlassRole", "Admin"), ticket=TICKET)
    with pytest.raises(ops.BadInput, match="not a role of the environment account"):
        deployed.ops("open", role_arn=BACKUP_ROLE, ticket=TICKET)
    with pytest.raises(ops.BadInput, match="--ticket 'a b'"):
        deployed.ops("open", role_arn=ROLE, ticket="a b")
    assert deployed.policies() == deployed.deployed_policies


def test_a_dry_run_prints_the_diff_of_each_policy_and_changes_nothing(deployed):
    code, out = deployed.ops("open", ticket=TICKET, role_arn=ROLE, dry_run=True)
    assert code == 0, out
    for label in bg.RESOURCES:
        assert f"+++ {label} arn:" in out
    assert '+      "Sid": "BreakGlassAllowRestore",' in out and f'"{bg.TAG_TICKET}": "{TICKET}"' in out
    assert deployed.policies() == deployed.deployed_policies
    assert ops.run("status", deployed.cfg, deployed.credentials, out=io.StringIO()) == 0  # still closed: no tags either


def test_open_gives_the_break_glass_roles_exactly_the_documented_access_and_close_takes_it_back(deployed):
    before = decisions(deployed.posture())
    assert not any(before[k] for k in OPENED)  # denied to everyone before the open

    opened = deployed.script("open", "--role-arn", ROLE, "--ticket", TICKET)
    assert opened.returncode == 0, opened.stdout + opened.stderr
    assert f"for ticket {TICKET}: open" in opened.stdout
    after = decisions(deployed.posture())
    assert {k for k in after if after[k] != before[k]} == OPENED  # exactly these, and nobody else gains anything

    code, out = deployed.ops("open", role_arn=ROLE, ticket=TICKET)
    assert code == 0 and "already open for ticket INC-4711: nothing changed" in out
    with pytest.raises(ops.BadInput, match="already open for ticket INC-4711"):
        deployed.ops("open", role_arn=ROLE, ticket="INC-9999")

    bg04 = deployed.audit_bg04()
    assert bg04["exit"] == 1 and bg04["status"] == "failed"
    text = json.dumps(bg04)
    assert "break-glass open since 20" in text and f"for ticket {TICKET} (role {ROLE})" in text
    assert "assumed-role" not in text and "user/moto" not in text  # who is shown as a hash, never a name
    snapshot = json.loads((deployed.reports / "snapshot.json").read_text())
    callers = {i["break_glass_tags"][bg.TAG_OPENED_BY] for i in snapshot["vaults"] + snapshot["keys"] if i["break_glass_tags"]}
    assert len(callers) == 2 and all(c.endswith(tuple("0123456789abcdef")) and "/sha256-" in c for c in callers), callers

    closed = deployed.script("close")
    assert closed.returncode == 0, closed.stdout + closed.stderr
    assert deployed.policies() == deployed.deployed_policies  # exactly the deployed policies
    assert decisions(deployed.posture()) == before          # every decision back
    code, out = deployed.ops("close")
    assert code == 0 and "already closed: nothing changed" in out
    bg04 = deployed.audit_bg04()
    assert bg04["exit"] == 0 and bg04["status"] == "passed"


def test_a_refusal_in_the_second_account_stops_the_open_and_names_what_is_open(deployed):
    def refusing(credentials, *, region_name):
        session = aws.default_session(credentials, region_name=region_name)
        if credentials.profile == deployed.cfg["profiles"]["backup"]:
            def refuse(model, **_):
                if model.name == "PutBackupVaultAccessPolicy":
                    from botocore.awsrequest import AWSResponse
                    return (AWSResponse("https://refused.test", 403, {}, None),
                            {"Error": {"Code": "AccessDeniedException", "Message": "refused by the test"},
                             "ResponseMetadata": {"HTTPStatusCode": 403}})
            session.events.register("before-call.backup", refuse)
        return session

    code, out = deployed.ops("open", ticket=TICKET, role_arn=ROLE, factory=refusing)
    assert code == 1, out
    assert "partially open" in out and "AccessDeniedException" in out
    lines = {line.split()[0] + " " + line.split()[1] + " " + line.split()[2]: line for line in out.splitlines()
             if line.strip().startswith(("local SSN", "cross-account SSN"))}
    assert " open " in lines["local SSN vault"] and " open " in lines["local SSN key"]
    assert "recorded but not applied" in lines["cross-account SSN vault"]  # tagged, policy refused: not open
    assert "closed" in lines["cross-account SSN key"]                     # not attempted
    assert "not opened: cross-account SSN vault, cross-account SSN key" in out

    code, out = deployed.ops("open", ticket=TICKET, role_arn=ROLE)  # the cause fixed: it continues
    assert code == 0 and f"for ticket {TICKET}: open" in out, out
    code, out = deployed.ops("close")
    assert code == 0, out
    assert deployed.policies() == deployed.deployed_policies


def test_break_glass_statements_without_a_record_fail_bg04_and_close_restores_them_from_the_template(deployed):
    backup = deployed.sandbox.client("backup")
    name = deployed.cfg["vault_names"]["ssn"]
    tampered = bg.opened(bg.LOCAL_VAULT, deployed.deployed_policies[bg.LOCAL_VAULT], bg.config_roles(deployed.cfg), ENV_REGION)
    backup.put_backup_vault_access_policy(BackupVaultName=name, Policy=json.dumps(tampered))  # no tags

    bg04 = deployed.bg04()
    assert not bg04.passed and "break-glass statements without a record" in bg04.message
    code, out = deployed.ops("open", ticket=TICKET, role_arn=ROLE)
    assert code == 1 and "refused" in out
    code, out = deployed.ops("close")
    assert code == 0, out
    assert deployed.policies() == deployed.deployed_policies
    assert ops.run("status", deployed.cfg, deployed.credentials, out=io.StringIO()) == 0


# issue 11: a hostile tester ------------------------------------------------------------------------------
ATTACKER = f"arn:aws:iam::{ENV_ACCOUNT}:role/Attacker"


def _forged_undo_tag() -> dict:
    """The record an earlier version trusted: the DENY conditions to 'restore' at close, here with an
    attacker's role exempt from the restore DENY (base64 of zlib-compressed JSON, as it was written)."""
    import base64
    import zlib
    undo = {bg.RESTORE_DENY_SID: {"ArnNotEquals": {"aws:PrincipalArn": ATTACKER}}}
    return {bg.TAG_PREFIX + "undo-0": base64.urlsafe_b64encode(zlib.compress(json.dumps(undo).encode())).decode()}


def test_a_forged_record_cannot_steer_close_and_is_never_printed_raw(deployed):
    opened = deployed.script("open", "--role-arn", ROLE, "--ticket", TICKET)
    assert opened.returncode == 0, opened.stdout + opened.stderr
    assert "replaced local SSN vault policy SHA-256 " in opened.stdout  # the digest, for the ticket
    # the attacker rewrites the record and widens the open restore DENY for their role
    deployed.tag(bg.LOCAL_VAULT, {**_forged_undo_tag(), bg.TAG_TICKET: TICKET, bg.TAG_ROLE: "x\x1b[2J\x1b[31mclosed"})
    policy = copy.deepcopy(next(r for r in deployed.resources() if r.label == bg.LOCAL_VAULT).policy)
    deny = next(s for s in policy["Statement"] if s["Sid"] == bg.RESTORE_DENY_SID)
    deny["Condition"]["ArnNotEquals"]["aws:PrincipalArn"] = [ROLE, ATTACKER]
    deployed.put(bg.LOCAL_VAULT, policy)

    status = deployed.script("status")
    assert status.returncode == 1 and "\x1b" not in status.stdout and "x\\x1b[2J" in status.stdout

    closed = deployed.script("close")
    assert closed.returncode == 0, closed.stdout + closed.stderr
    assert deployed.policies() == deployed.deployed_policies  # the template's policies: no attacker anywhere
    assert ATTACKER not in json.dumps(deployed.policies())
    assert deployed.audit_control("BG-05")["status"] == "passed"


def test_a_change_outside_the_break_glass_while_open_makes_close_refuse_and_change_nothing(deployed):
    assert deployed.script("open", "--role-arn", ROLE, "--ticket", TICKET).returncode == 0
    key = next(r for r in deployed.resources() if r.label == bg.CROSS_KEY)
    tampered = copy.deepcopy(key.policy)
    tampered["Statement"].append({"Sid": "AttackerDecrypt", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{BACKUP_ACCOUNT}:root"},
                                  "Action": "kms:Decrypt", "Resource": "*"})
    deployed.put(bg.CROSS_KEY, tampered)
    before = deployed.policies()

    refused = deployed.script("close")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "refused, nothing was changed" in refused.stdout and "AttackerDecrypt (not in the template)" in refused.stdout
    assert deployed.policies() == before  # not one resource closed half-way

    deployed.put(bg.CROSS_KEY, key.policy)  # the investigation removes the change; close then goes through
    closed = deployed.script("close")
    assert closed.returncode == 0, closed.stdout + closed.stderr
    assert deployed.policies() == deployed.deployed_policies


def test_an_extra_named_exemption_fails_bg05_in_the_live_audit(deployed):
    """BG-01, BG-03 and BG-04 pass with one more named role exempt from the restore DENY; BG-05 names it."""
    policy = copy.deepcopy(deployed.deployed_policies[bg.LOCAL_VAULT])
    deny = next(s for s in policy["Statement"] if s["Sid"] == bg.RESTORE_DENY_SID)
    deny["Condition"] = {"ArnNotEquals": {"aws:PrincipalArn": ATTACKER}}
    deployed.put(bg.LOCAL_VAULT, policy)
    try:
        bg05 = deployed.audit_control("BG-05")
        assert bg05["exit"] == 1 and bg05["status"] == "failed"
        text = json.dumps(bg05)
        assert f"DENY {bg.RESTORE_DENY_SID}: also exempts {ATTACKER}" in text
        assert f"{ATTACKER}, named in an SSN policy, may backup:GetRecoveryPointRestoreMetadata directly" in text
        assert deployed.audit_bg04()["status"] == "passed"  # not a break-glass: only BG-05 sees it
    finally:
        deployed.put(bg.LOCAL_VAULT, deployed.deployed_policies[bg.LOCAL_VAULT])
    assert deployed.audit_control("BG-05")["status"] == "passed"
