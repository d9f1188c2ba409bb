"""``retention break-glass open|close|status`` (``audit.break_glass.ops``) against an in-process stand-in for the
two accounts (tests/support/break_glass_cloud.py): what each command writes, refuses and prints, its exit
code, and how a run that stops half-way says what is open. The sandbox tests (tests/sandbox/
test_break_glass_ops.py) prove the same against the moto server; these pin each decision in this process.
"""
from __future__ import annotations

import copy
import io
import json
import re
from datetime import datetime, timezone

import pytest

from audit import break_glass as bg
from audit.break_glass import aws, ops
from audit.config import load_config
from tests.support.break_glass_cloud import PERSON, FakeCloud

NOW = datetime(2026, 11, 27, 2, 0, 0, tzinfo=timezone.utc)
STAMP = "2026-11-27T02:00:00Z"
TICKET = "INC-4711"
CFG = load_config("example").data
ROLES = bg.config_roles(CFG)
ROLE_ARN = ROLES.environment
ORDER = [bg.LOCAL_VAULT, bg.LOCAL_KEY, bg.CROSS_VAULT, bg.CROSS_KEY]


@pytest.fixture(scope="module")
def templates():
    policies = ops.static_policies_of(CFG, None)
    return {label: copy.deepcopy(policies(label)) for label in bg.RESOURCES}


@pytest.fixture
def cloud(templates):
    return FakeCloud(CFG, templates.get)


def run(cloud, templates, action, **kwargs):
    out = io.StringIO()
    kwargs.setdefault("now", NOW)
    if action == "open":
        kwargs.setdefault("role_arn", ROLE_ARN)
        kwargs.setdefault("ticket", TICKET)
    code = ops.run(action, CFG, cloud.credentials(), static_policies=kwargs.pop("static_policies", templates.get),
                   factory=cloud.session, out=out, **kwargs)
    return code, out.getvalue()


def is_open(cloud, label):
    change = bg.changes(ROLES, {"environment": CFG["primary_region"], "backup": CFG["backup_region"]})[label]
    return bg.state(label, cloud.policy(label), cloud.tags(label), change).status


# open ------------------------------------------------------------------------------------------------
def test_open_records_then_opens_every_resource_and_close_gives_back_the_deployed_policies_and_tags(cloud, templates):
    before = cloud.state()
    code, out = run(cloud, templates, "open")
    assert code == 0, out
    assert [is_open(cloud, label) for label in ORDER] == [bg.OPEN] * 4
    for label in ORDER:
        side = bg.SIDE[label]
        assert cloud.policy(label) == bg.open_policy(templates[label], bg.change(label, ROLES, cloud.regions[cloud.sides[side]]))
        record = bg.Record.from_tags(cloud.tags(label))
        assert record == bg.Record(TICKET, STAMP, cloud.callers[cloud.sides[side]], ROLES.of(side),
                                   bg.digest(templates[label]))
        assert cloud.tags(label)["compact-retention:" + ("vault" if "vault" in label else "key")] == "ssn"  # other tags kept
    # per resource, the record is written before the policy (never an open policy without its record)
    writes = cloud.writes()
    assert writes == ["backup:TagResource", "backup:PutBackupVaultAccessPolicy", "kms:TagResource", "kms:PutKeyPolicy"] * 2
    assert f"break-glass open of example for ticket {TICKET}: open" in out
    for label in ORDER:
        assert f"replaced {label} policy SHA-256 {bg.digest(templates[label])} (record it in the ticket)" in out
    assert PERSON["environment"] not in out and "jane" not in out  # the caller is shown anonymised

    code, out = run(cloud, templates, "close", ticket=TICKET)
    assert code == 0, out
    assert cloud.state() == before
    assert "break-glass close of example for ticket INC-4711: closed" in out
    assert "WARNING" not in out


def test_the_session_is_named_after_the_ticket_and_cut_to_the_64_characters_sts_accepts(cloud, templates, monkeypatch):
    """An assumed role's session carries the ticket into every CloudTrail event. RoleSessionName is at most
    64 characters: https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html"""
    names = []

    def session(credentials, *, region_name, session_name):
        names.append(session_name)
        return cloud.session(credentials, region_name=region_name)
    monkeypatch.setattr(aws, "default_session", session)
    out = io.StringIO()
    ticket = "T" * 64
    assert ops.run("open", CFG, cloud.credentials(), ticket=ticket, role_arn=ROLE_ARN, static_policies=templates.get,
                   out=out, now=NOW) == 0
    assert names == [("break-glass-" + ticket)[:64]] * 2 and len(names[0]) == 64
    names.clear()
    assert ops.run("status", CFG, cloud.credentials(), out=io.StringIO()) == 1
    assert names == ["break-glass-status"] * 2
    names.clear()
    assert ops.run("close", CFG, cloud.credentials(), ticket=ticket, static_policies=templates.get, out=io.StringIO()) == 0
    assert names == [("break-glass-" + ticket)[:64]] * 2


def test_each_side_is_reached_in_its_own_region(cloud, templates):
    assert run(cloud, templates, "status")[0] == 0
    assert sorted(set(cloud.sessions)) == sorted({(cloud.env_account, "us-east-1"), (cloud.backup_account, "us-west-2")})


def test_the_open_time_is_now_in_utc_when_not_given(cloud, templates):
    before = datetime.now(timezone.utc).replace(microsecond=0)
    code, _ = run(cloud, templates, "open", now=None)
    after = datetime.now(timezone.utc)
    assert code == 0
    opened_at = datetime.strptime(cloud.tags(bg.LOCAL_VAULT)[bg.TAG_OPENED_AT], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert before <= opened_at <= after


def test_a_second_open_for_the_same_ticket_changes_nothing_and_says_so(cloud, templates):
    assert run(cloud, templates, "open")[0] == 0
    state, calls = cloud.state(), len(cloud.writes())
    code, out = run(cloud, templates, "open", now=datetime(2026, 11, 28, tzinfo=timezone.utc))
    assert code == 0
    assert cloud.state() == state and len(cloud.writes()) == calls
    assert f"break-glass of example is already open for ticket {TICKET}: nothing changed" in out
    assert re.search(r"local SSN vault\s+open\s+arn:aws:backup:", out)
    assert f"ticket {TICKET}, since {STAMP}, role {ROLES.environment}, by " in out


def test_an_open_for_another_ticket_is_refused_naming_the_open_one(cloud, templates):
    assert run(cloud, templates, "open")[0] == 0
    state = cloud.state()
    with pytest.raises(ops.BadInput, match=r"break-glass of example is already open for ticket INC-4711: close it first"):
        run(cloud, templates, "open", ticket="INC-9")
    assert cloud.state() == state


def test_an_open_continues_where_a_failed_one_stopped(cloud, templates):
    """The first run fails at the cross-account vault: the local resources are open, the others are not, and
    the output says which. The second run opens only what is not open yet."""
    cloud.fail[(cloud.backup_account, "backup:PutBackupVaultAccessPolicy")] = "AccessDeniedException"
    code, out = run(cloud, templates, "open")
    assert code == 1
    assert [is_open(cloud, label) for label in ORDER] == [bg.OPEN, bg.OPEN, bg.RECORDED, bg.CLOSED]
    assert "break-glass open of example for ticket INC-4711: partially open" in out
    # what the output says of each resource is what the accounts hold: the record of the cross-account vault
    # was written, its policy not
    for label, status in zip(ORDER, ["open", "open", "recorded but not applied", "closed"]):
        assert re.search(rf"  {label}\s+{status}\s+{re.escape(cloud.arns[label])}", out), (label, status)
    assert ("FAILED: backup account 222222222222: backup:PutBackupVaultAccessPolicy on "
            "arn:aws:backup:us-west-2:222222222222:backup-vault:CompactConnectBackupVault-SSN failed: AccessDeniedException") in out
    assert ("not opened: cross-account SSN vault, cross-account SSN key. Re-run 'open' once the cause is fixed (it continues "
            "where it stopped), or run 'close' to close what was opened") in out
    # the digests of what was replaced are printed for the resources opened, and only for them
    assert f"replaced {bg.LOCAL_KEY} policy SHA-256" in out and f"replaced {bg.CROSS_VAULT} policy SHA-256" not in out

    del cloud.fail[(cloud.backup_account, "backup:PutBackupVaultAccessPolicy")]
    local = (cloud.policy(bg.LOCAL_VAULT), dict(cloud.tags(bg.LOCAL_VAULT)))
    del cloud.calls[:]
    code, out = run(cloud, templates, "open", now=datetime(2026, 11, 27, 3, tzinfo=timezone.utc))
    assert code == 0, out
    assert [is_open(cloud, label) for label in ORDER] == [bg.OPEN] * 4
    assert (cloud.policy(bg.LOCAL_VAULT), cloud.tags(bg.LOCAL_VAULT)) == local  # untouched, its record kept
    assert cloud.writes() == ["backup:TagResource", "backup:PutBackupVaultAccessPolicy", "kms:TagResource", "kms:PutKeyPolicy"]
    assert cloud.tags(bg.CROSS_KEY)[bg.TAG_OPENED_AT] == "2026-11-27T03:00:00Z"


def test_an_open_removes_the_break_glass_tags_of_an_earlier_record_and_keeps_every_other_tag(cloud, templates):
    """A resource with a record but none of the statements (an open stopped after the tags) is opened again;
    break-glass tags the new record does not write (an older version's) are removed."""
    old = bg.TAG_PREFIX + "restore-conditions"
    cloud.tags(bg.CROSS_KEY).update({bg.TAG_TICKET: TICKET, old: "ArnNotEquals", "owner": "team-a"})
    code, out = run(cloud, templates, "open")
    assert code == 0, out
    tags = cloud.tags(bg.CROSS_KEY)
    assert old not in tags
    assert tags["owner"] == "team-a" and tags["compact-retention:key"] == "ssn"
    assert {k for k in tags if k.startswith(bg.TAG_PREFIX)} == {bg.TAG_TICKET, bg.TAG_OPENED_AT, bg.TAG_OPENED_BY, bg.TAG_ROLE,
                                                                bg.TAG_PRE_OPEN}
    assert is_open(cloud, bg.CROSS_KEY) == bg.OPEN


def test_an_open_refuses_statements_without_a_record_and_writes_nothing(cloud, templates):
    change = bg.change(bg.CROSS_KEY, ROLES, CFG["backup_region"])
    cloud.set_policy(bg.CROSS_KEY, bg.open_policy(templates[bg.CROSS_KEY], change))
    code, out = run(cloud, templates, "open")
    assert code == 1
    assert cloud.writes() == []
    assert (f"break-glass open of example: refused: cross-account SSN key {cloud.arns[bg.CROSS_KEY]}: break-glass statements "
            "without a record (statement BreakGlassAllowDecrypt, statement BreakGlassAllowDecryptGrants)") in out
    assert "investigate (CloudTrail: PutBackupVaultAccessPolicy, PutKeyPolicy), then run close" in out


def test_a_write_the_account_did_not_keep_stops_the_open(cloud, templates):
    cloud.on_put = lambda arn, policy: templates[bg.LOCAL_VAULT] if arn == cloud.arns[bg.LOCAL_VAULT] else policy
    code, out = run(cloud, templates, "open")
    assert code == 1
    assert (f"FAILED: {bg.LOCAL_VAULT} {cloud.arns[bg.LOCAL_VAULT]}: read back after the change, the policy is break-glass "
            f"record since {STAMP} for ticket {TICKET} but the policy carries none of its statements") in out
    assert "not opened: local SSN vault, local SSN key, cross-account SSN vault, cross-account SSN key" in out
    assert cloud.writes() == ["backup:TagResource", "backup:PutBackupVaultAccessPolicy"]


# arguments -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("role_arn", "message"), [
    (None, "--role-arn is required (the break-glass role: arn:aws:iam::111111111111:role/CompactConnect-SSNBreakGlassRole)"),
    ("not-an-arn", "--role-arn: "),
    ("arn:aws:iam::222222222222:role/CompactConnect-SSNBreakGlassRole", "not a role of the environment account 111111111111"),
    ("arn:aws:sts::111111111111:role/CompactConnect-SSNBreakGlassRole", "not a role of the environment account 111111111111"),
    ("arn:aws:iam::111111111111:role/Administrator", "not the configured break-glass role roles.break_glass_role_name = "
                                                     "CompactConnect-SSNBreakGlassRole"),
])
def test_an_open_is_run_as_the_configured_break_glass_role_of_the_environment_account(cloud, templates, role_arn, message):
    with pytest.raises(ops.BadInput) as refused:
        run(cloud, templates, "open", role_arn=role_arn)
    assert message in str(refused.value)
    assert cloud.calls == []  # refused before any call


def test_the_role_arn_checked_is_returned_and_close_checks_it_only_when_given(cloud, templates):
    assert ops.check_role_arn(CFG, ROLE_ARN) == ROLE_ARN
    assert run(cloud, templates, "close")[0] == 0  # no --role-arn: fine
    with pytest.raises(ops.BadInput, match="not the configured break-glass role"):
        run(cloud, templates, "close", role_arn="arn:aws:iam::111111111111:role/Administrator")


def test_an_open_needs_a_ticket_and_a_close_does_not(cloud, templates):
    with pytest.raises(ops.BadInput, match="--ticket is required"):
        run(cloud, templates, "open", ticket=None)
    assert ops.check_ticket(None, required=False) is None
    assert ops.check_ticket("", required=False) is None
    with pytest.raises(ops.BadInput, match=r"--ticket 'INC 1': use 1-64 letters"):
        ops.check_ticket("INC 1", required=False)


def test_credentials_reaching_another_account_are_bad_input(cloud, templates):
    cloud.reaches[cloud.backup_account] = "333333333333"
    with pytest.raises(ops.BadInput, match="backup: the credentials .* reach account 333333333333, the configuration says 222222222222"):
        run(cloud, templates, "status")


# reading ---------------------------------------------------------------------------------------------
LOCAL_VAULT_ARN = "arn:aws:backup:us-east-1:111111111111:backup-vault:CompactConnectBackupVault-SSN"


@pytest.mark.parametrize(("account", "api", "resource"), [
    ("111111111111", "backup:DescribeBackupVault", "CompactConnectBackupVault-SSN"),
    ("111111111111", "backup:GetBackupVaultAccessPolicy", LOCAL_VAULT_ARN),
    ("111111111111", "backup:ListTags", LOCAL_VAULT_ARN),
    ("222222222222", "kms:GetKeyPolicy", "arn:aws:kms:us-west-2:222222222222:key/0000222222222222"),
    ("222222222222", "kms:ListResourceTags", "arn:aws:kms:us-west-2:222222222222:key/0000222222222222"),
])
def test_a_failed_read_stops_the_command_naming_the_account_the_call_and_the_error(cloud, templates, account, api, resource):
    cloud.fail[(account, api)] = "AccessDeniedException"
    side = "environment" if account == cloud.env_account else "backup"
    for action in ("status", "open", "close"):
        code, out = run(cloud, templates, action)
        assert code == 1
        assert f"break-glass {action} of example: {side} account {account}: {api} on {resource} failed: AccessDeniedException" in out
    assert cloud.writes() == []


def test_the_resources_are_read_with_every_page_of_their_tags(cloud, templates):
    for label in ORDER:
        cloud.tags(label).update({f"extra-{i}": str(i) for i in range(5)})
    cloud.tags(bg.CROSS_KEY).update(bg.Record("INC-3", STAMP, None, ROLES.backup, None).tags())
    sides, callers = aws.connect(CFG, cloud.credentials(), "test", cloud.session)
    assert callers == {"environment": cloud.callers[cloud.env_account], "backup": cloud.callers[cloud.backup_account]}
    resources = aws.read_resources(CFG, sides, callers)
    assert [r.label for r in resources] == ORDER
    for resource in resources:
        assert resource.arn == cloud.arns[resource.label]
        assert resource.tags == cloud.tags(resource.label)
        assert resource.policy == templates[resource.label]
        assert resource.kind == bg.KIND[resource.label]
        assert resource.caller == cloud.callers[cloud.sides[bg.SIDE[resource.label]]]
        assert resource.side.account_id == cloud.sides[bg.SIDE[resource.label]]
    assert [r.state.status for r in resources] == [bg.CLOSED, bg.CLOSED, bg.CLOSED, bg.RECORDED]


def test_a_vault_without_an_access_policy_is_read_as_none_and_opened_from_nothing(cloud, templates):
    cloud.set_policy(bg.CROSS_VAULT, None)
    sides, callers = aws.connect(CFG, cloud.credentials(), "test", cloud.session)
    resources = {r.label: r for r in aws.read_resources(CFG, sides, callers)}
    assert resources[bg.CROSS_VAULT].policy is None
    assert run(cloud, templates, "open")[0] == 0
    assert cloud.policy(bg.CROSS_VAULT) == bg.open_policy(None, bg.change(bg.CROSS_VAULT, ROLES, CFG["backup_region"]))


def test_a_policy_that_is_not_a_json_object_is_read_as_none(cloud):
    cloud._item(bg.LOCAL_KEY)["policy"] = "[1, 2]"
    sides, callers = aws.connect(CFG, cloud.credentials(), "test", cloud.session)
    assert {r.label: r.policy for r in aws.read_resources(CFG, sides, callers)}[bg.LOCAL_KEY] is None


def test_a_vault_without_an_encryption_key_stops_the_command(cloud, templates):
    cloud.vaults[cloud.arns[bg.CROSS_VAULT]]["key"] = None
    code, out = run(cloud, templates, "status")
    assert code == 1
    assert f"break-glass status of example: {bg.CROSS_VAULT} {cloud.arns[bg.CROSS_VAULT]} has no encryption key" in out


# the cross-account vault's name ----------------------------------------------------------------------
def _with_destination(arn):
    cfg = copy.deepcopy(CFG)
    ssn = next(p for p in cfg["backup_policies"].values() if p.get("dedicated_vault"))
    if arn is None:
        ssn.pop("cross_account_vault_arn", None)
    else:
        ssn["cross_account_vault_arn"] = arn
    return cfg


def test_the_cross_account_vault_is_the_ssn_copy_destination_or_else_the_local_name():
    assert aws.cross_account_vault_name(_with_destination("arn:aws:backup:us-west-2:222222222222:backup-vault:Other-SSN")) == "Other-SSN"
    assert aws.cross_account_vault_name(_with_destination(None)) == CFG["vault_names"]["ssn"]


@pytest.mark.parametrize("destination", ["arn:aws:backup:us-west-2:333333333333:backup-vault:Other-SSN",
                                         "arn:aws:backup:eu-west-1:222222222222:backup-vault:Other-SSN"])
def test_an_ssn_copy_destination_outside_the_backup_account_and_region_is_bad_setup(destination):
    with pytest.raises(aws.BadSetup, match=f"the SSN copy destination {destination} is not in the backup account "
                                           "222222222222 and region us-west-2"):
        aws.cross_account_vault_name(_with_destination(destination))


# close -----------------------------------------------------------------------------------------------
def test_a_close_without_a_template_refuses_naming_every_resource_and_writes_nothing(cloud, templates):
    assert run(cloud, templates, "open")[0] == 0
    state = cloud.state()
    code, out = run(cloud, templates, "close", static_policies=lambda label: None)
    assert code == 1
    assert cloud.state() == state
    assert out.startswith("break-glass close of example: refused, nothing was changed: ")
    for label in ORDER:
        assert f"{label} {cloud.arns[label]}: no deployed template policy to restore it from" in out
    assert "Statements outside the break-glass change are not close's to decide: redeploy the stack" in out
    # without static policies at all, the same refusal
    out = io.StringIO()
    assert ops.run("close", CFG, cloud.credentials(), factory=cloud.session, out=out) == 1
    assert "no deployed template policy" in out.getvalue() and cloud.state() == state


def test_a_close_refuses_when_a_result_would_still_differ_from_the_template_naming_every_such_resource(cloud, templates):
    assert run(cloud, templates, "open")[0] == 0
    for label in (bg.LOCAL_KEY, bg.CROSS_VAULT):
        policy = cloud.policy(label)
        policy["Statement"].append({"Sid": "Intruder", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})
        cloud.set_policy(label, policy)
    state = cloud.state()
    code, out = run(cloud, templates, "close")
    assert code == 1 and cloud.state() == state
    for label in (bg.LOCAL_KEY, bg.CROSS_VAULT):
        assert f"{label} {cloud.arns[label]}: closed, it would still differ from the template in Intruder (not in the template)" in out
    assert bg.LOCAL_VAULT not in out


def test_a_close_for_another_ticket_is_refused(cloud, templates):
    assert run(cloud, templates, "open")[0] == 0
    with pytest.raises(ops.BadInput, match="--ticket INC-9: the break-glass of example is open for ticket INC-4711"):
        run(cloud, templates, "close", ticket="INC-9")


def test_a_second_close_changes_nothing_and_says_so(cloud, templates):
    code, out = run(cloud, templates, "close")
    assert code == 0 and cloud.writes() == []
    assert "break-glass of example is already closed: nothing changed" in out


def test_a_close_continues_where_a_failed_one_stopped(cloud, templates):
    assert run(cloud, templates, "open")[0] == 0
    cloud.fail[(cloud.env_account, "kms:PutKeyPolicy")] = "AccessDeniedException"
    code, out = run(cloud, templates, "close")
    assert code == 1
    assert [is_open(cloud, label) for label in ORDER] == [bg.CLOSED, bg.OPEN, bg.OPEN, bg.OPEN]
    assert "not closed: local SSN key, cross-account SSN vault, cross-account SSN key. Re-run 'close' once the cause is fixed" in out
    assert "run 'close' to close what was opened" not in out
    del cloud.fail[(cloud.env_account, "kms:PutKeyPolicy")]
    del cloud.calls[:]
    code, out = run(cloud, templates, "close")
    assert code == 0, out
    assert [is_open(cloud, label) for label in ORDER] == [bg.CLOSED] * 4
    assert "backup:PutBackupVaultAccessPolicy" in [api for account, api, _ in cloud.calls if account == cloud.backup_account]
    assert [api for account, api, _ in cloud.calls if account == cloud.env_account and api.endswith("Policy")
            and "Put" in api] == ["kms:PutKeyPolicy"]  # the local vault, closed already, is not written again


def test_a_record_without_statements_is_closed_by_removing_its_tags_only(cloud, templates):
    cloud.tags(bg.LOCAL_VAULT).update(bg.Record("INC-4711", STAMP, None, ROLES.environment, bg.digest(templates[bg.LOCAL_VAULT])).tags())
    code, out = run(cloud, templates, "close")
    assert code == 0, out
    assert cloud.writes() == ["backup:UntagResource"]
    assert not any(k.startswith(bg.TAG_PREFIX) for k in cloud.tags(bg.LOCAL_VAULT))
    assert cloud.tags(bg.LOCAL_VAULT)["compact-retention:vault"] == "ssn"


def test_statements_without_a_record_are_closed_to_the_template(cloud, templates):
    for label in ORDER:
        cloud.set_policy(label, bg.open_policy(templates[label], bg.change(label, ROLES, cloud.regions[cloud.sides[bg.SIDE[label]]])))
    code, out = run(cloud, templates, "close")
    assert code == 0, out
    assert all(cloud.policy(label) == templates[label] for label in ORDER)
    assert "WARNING" not in out


def test_a_close_warns_and_fails_when_the_recorded_digest_is_not_the_templates(cloud, templates):
    """The record said the open replaced another policy (or the record was changed): closed to the template
    all the same, with a warning naming both digests, and exit 1."""
    assert run(cloud, templates, "open")[0] == 0
    cloud.tags(bg.CROSS_KEY)[bg.TAG_PRE_OPEN] = "f" * 64
    code, out = run(cloud, templates, "close")
    assert code == 1
    assert all(is_open(cloud, label) == bg.CLOSED for label in ORDER)
    digest = bg.digest(templates[bg.CROSS_KEY])
    assert (f"WARNING: {bg.CROSS_KEY} {cloud.arns[bg.CROSS_KEY]}: closed to the deployed template, whose SHA-256 {digest[:12]}... "
            f"is not the ffffffffffff... recorded at the open") in out
    assert out.count("WARNING") == 1


def test_a_record_without_a_digest_closes_without_a_warning(cloud, templates):
    assert run(cloud, templates, "open")[0] == 0
    del cloud.tags(bg.LOCAL_KEY)[bg.TAG_PRE_OPEN]
    code, out = run(cloud, templates, "close")
    assert code == 0 and "WARNING" not in out, out


def test_a_close_whose_write_is_not_kept_fails_naming_what_the_policy_still_carries(cloud, templates):
    assert run(cloud, templates, "open")[0] == 0
    opened = cloud.policy(bg.CROSS_KEY)
    cloud.on_put = lambda arn, policy: opened if arn == cloud.arns[bg.CROSS_KEY] else policy
    code, out = run(cloud, templates, "close")
    assert code == 1
    assert (f"FAILED: {bg.CROSS_KEY} {cloud.arns[bg.CROSS_KEY]}: read back after the change, the policy still carries "
            "statement BreakGlassAllowDecrypt, statement BreakGlassAllowDecryptGrants") in out
    assert bg.TAG_TICKET in cloud.tags(bg.CROSS_KEY)  # the record stays while the policy is open


def test_a_close_whose_result_is_not_the_template_fails_naming_the_statement(cloud, templates):
    assert run(cloud, templates, "open")[0] == 0

    def lose_a_statement(arn, policy):
        if arn == cloud.arns[bg.LOCAL_KEY]:
            policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") != "DenyKeyDestruction"]
        return policy
    cloud.on_put = lose_a_statement
    code, out = run(cloud, templates, "close")
    assert code == 1
    assert (f"FAILED: {bg.LOCAL_KEY} {cloud.arns[bg.LOCAL_KEY]}: read back after the change, the policy differs from the template "
            "in DenyKeyDestruction (in the template, missing from the policy)") in out


def _grant(grant_id, grantee):
    return {"GrantId": grant_id, "GranteePrincipal": grantee, "Operations": ["Decrypt"]}


def test_a_close_revokes_the_grants_of_the_break_glass_roles_and_their_sessions_and_no_other(cloud, templates):
    """A KMS grant outlives the key policy that allowed it: close revokes every grant held by a break-glass role
    or one of its sessions. https://docs.aws.amazon.com/kms/latest/developerguide/grants.html"""
    assert run(cloud, templates, "open")[0] == 0
    backup_service = f"arn:aws:iam::{cloud.env_account}:role/CompactConnect-SSNBackupRole"
    cloud.keys[cloud.arns[bg.LOCAL_KEY]]["grants"] = [
        _grant("g-role", ROLES.environment),
        _grant("g-session", f"arn:aws:sts::{cloud.env_account}:assumed-role/CompactConnect-SSNBreakGlassRole/jane"),
        _grant("g-backup-side", f"arn:aws:sts::{cloud.backup_account}:assumed-role/CompactConnect-SSNBreakGlassRole/x"),
        _grant("g-service", backup_service),
        _grant("g-lookalike", f"arn:aws:sts::{cloud.env_account}:assumed-role/CompactConnect-SSNBreakGlassRoleX/jane"),
        _grant("g-none", None)]
    cloud.keys[cloud.arns[bg.CROSS_KEY]]["grants"] = [_grant("g-cross", ROLES.backup)]
    assert run(cloud, templates, "close")[0] == 0
    assert [g["GrantId"] for g in cloud.keys[cloud.arns[bg.LOCAL_KEY]]["grants"]] == ["g-service", "g-lookalike", "g-none"]
    assert cloud.keys[cloud.arns[bg.CROSS_KEY]]["grants"] == []


def test_a_failed_grant_listing_stops_the_close_before_the_record_is_removed(cloud, templates):
    assert run(cloud, templates, "open")[0] == 0
    cloud.fail[(cloud.env_account, "kms:ListGrants")] = "AccessDeniedException"
    code, out = run(cloud, templates, "close")
    assert code == 1
    assert (f"FAILED: environment account {cloud.env_account}: kms:ListGrants on {cloud.arns[bg.LOCAL_KEY]} failed: "
            "AccessDeniedException") in out
    assert bg.TAG_TICKET in cloud.tags(bg.LOCAL_KEY)
    assert "not closed: local SSN key, cross-account SSN vault, cross-account SSN key" in out


def test_the_vaults_hold_no_grants_to_revoke(cloud, templates):
    assert run(cloud, templates, "open")[0] == 0
    assert run(cloud, templates, "close")[0] == 0
    assert {api for _, api, _ in cloud.calls if api.endswith("Grants")} == {"kms:ListGrants"}
    listed = [params["KeyId"] for _, api, params in cloud.calls if api == "kms:ListGrants"]
    assert listed == [cloud.arns[bg.LOCAL_KEY], cloud.arns[bg.CROSS_KEY]]


# status ----------------------------------------------------------------------------------------------
def test_status_is_exit_0_only_when_everything_is_closed(cloud, templates):
    code, out = run(cloud, templates, "status")
    assert code == 0
    assert out.splitlines()[0] == "break-glass of example: closed"
    for label in ORDER:
        assert re.search(rf"{label}\s+closed\s+{re.escape(cloud.arns[label])}", out)
    assert run(cloud, templates, "open")[0] == 0
    code, out = run(cloud, templates, "status")
    assert code == 1
    assert out.splitlines()[0] == "break-glass of example: open"
    assert out.count(f"ticket {TICKET}, since {STAMP}") == 4
    assert "sha256-" in out and "jane" not in out and "john" not in out  # who, never named


def test_status_describes_statements_without_a_record(cloud, templates):
    cloud.set_policy(bg.CROSS_VAULT, bg.open_policy(templates[bg.CROSS_VAULT], bg.change(bg.CROSS_VAULT, ROLES, "us-west-2")))
    code, out = run(cloud, templates, "status")
    assert code == 1
    assert out.splitlines()[0] == "break-glass of example: partially open"
    assert ("break-glass statements without a record (statement BreakGlassAllowRestore, BreakGlassDenySSNRestore exempts "
            f"{ROLES.backup}): a change outside the runbook") in out
    assert out.count("a change outside the runbook") == 1


# dry run ---------------------------------------------------------------------------------------------
def _diff_part(text: str) -> str:
    """The diff at the start of one resource's dry-run output (before the lines about its digest and tags)."""
    lines = text.splitlines()
    end = next((i for i, line in enumerate(lines) if re.match(r"  (tags |local SSN|cross-account SSN)", line)), len(lines))
    return "\n".join(lines[:end])


def _applied(before, diff: str):
    """The policy a unified diff of the indented JSON of ``before`` leads to (the patch applied)."""
    lines = json.dumps(before, indent=2).splitlines() if before is not None else []
    result, at = [], 0
    body = diff.splitlines()
    for index, line in enumerate(body):
        hunk = re.match(r"@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@", line)
        if not hunk:
            continue
        start = int(hunk.group(1)) - (0 if hunk.group(2) == "0" else 1)
        result += lines[at:start]
        at = start
        for change in body[index + 1:]:
            if change.startswith("@@") or change[:1] not in (" ", "+", "-"):
                break
            if change[0] in " -":
                assert lines[at] == change[1:], (lines[at], change)
                at += 1
            if change[0] in " +":
                result.append(change[1:])
    result += lines[at:]
    return json.loads("\n".join(result))


def test_a_dry_run_open_changes_nothing_and_prints_a_diff_that_gives_the_opened_policy(cloud, templates):
    state = cloud.state()
    code, out = run(cloud, templates, "open", dry_run=True)
    assert code == 0
    assert cloud.state() == state and cloud.writes() == []
    assert out.splitlines()[0] == "break-glass open of example (dry run: nothing is changed)"
    diffs = re.split(r"(?m)^(?=--- )", out)[1:]
    assert len(diffs) == 4
    for label, diff in zip(ORDER, diffs):
        head = diff.splitlines()
        assert head[0] == f"--- {label} {cloud.arns[label]} (now)" and head[1] == f"+++ {label} {cloud.arns[label]} (after)"
        body = _diff_part(diff)
        expected = bg.open_policy(templates[label], bg.change(label, ROLES, cloud.regions[cloud.sides[bg.SIDE[label]]]))
        assert _applied(templates[label], body) == expected
        assert f"  {label}: the policy replaced has SHA-256 {bg.digest(templates[label])}" in diff
    shown = re.findall(r"tags to set on (.*?): (\{.*?\n\})", out, re.S)
    assert [label for label, _ in shown] == ORDER
    tags = json.loads(shown[0][1])
    assert tags[bg.TAG_TICKET] == TICKET and tags[bg.TAG_OPENED_AT] == STAMP
    assert tags[bg.TAG_OPENED_BY] == bg.anonymised(cloud.callers[cloud.env_account])
    assert "jane" not in out and "john" not in out


def test_a_dry_run_close_changes_nothing_and_names_the_tags_it_would_remove(cloud, templates):
    assert run(cloud, templates, "open")[0] == 0
    cloud.set_policy(bg.CROSS_KEY, templates[bg.CROSS_KEY])  # closed by hand: only its record is left
    opened = cloud.policy(bg.LOCAL_VAULT)
    state = cloud.state()
    del cloud.calls[:]
    code, out = run(cloud, templates, "close", dry_run=True)
    assert code == 0
    assert cloud.state() == state and cloud.writes() == []
    assert out.splitlines()[0] == "break-glass close of example (dry run: nothing is changed)"
    assert f"  {bg.CROSS_KEY} {cloud.arns[bg.CROSS_KEY]}: policy unchanged" in out
    assert out.count("policy unchanged") == 1
    assert out.count("--- ") == 3
    vault_diff = re.split(r"(?m)^(?=--- )", out)[1]
    assert _applied(opened, _diff_part(vault_diff)) == templates[bg.LOCAL_VAULT]
    removed = ", ".join(sorted([bg.TAG_OPENED_AT, bg.TAG_OPENED_BY, bg.TAG_PRE_OPEN, bg.TAG_ROLE, bg.TAG_TICKET]))
    for label in ORDER:
        assert f"  tags to remove from {label}: {removed}" in out
    assert "tags to set" not in out and "the policy replaced has SHA-256" not in out


def test_the_policy_diff_is_empty_for_equal_policies_and_covers_an_absent_one():
    policy = {"Version": "2012-10-17", "Statement": []}
    assert ops.policy_diff("x", "arn", policy, copy.deepcopy(policy)) == ""
    diff = ops.policy_diff("x", "arn", None, policy)
    assert _applied(None, diff) == policy
    assert all(line.startswith(("---", "+++", "@@", "+")) for line in diff.splitlines())
