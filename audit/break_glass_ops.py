"""``retention break-glass open|close|status``: apply, revert and report the documented break-glass change
(``audit.break_glass``) on the four SSN resources, in both accounts.

Each side is reached like the live audit reaches it (``audit.sources.live.open_side``: a profile from the
configuration, ``--assume-role``, ``--endpoint-url``); an assumed role's session is named after the ticket,
so every CloudTrail event of the change carries it. The vault policies can only be changed by the
break-glass role itself (``BreakGlassDenySSNVaultPolicyChange``), so that is the role to run as.

Open, per resource: tag the record first (ticket, UTC time, caller ARN from STS, role, the pre-open
policy's SHA-256 and the DENY conditions it replaces), then put the opened policy, then read it back.
Close, per resource: put the closed policy (the record's conditions back, the added statements gone),
read it back and compare with the recorded SHA-256, then remove the tags, and revoke any KMS grant held by a
break-glass role (a grant would outlive the policy). So a policy is never open without its record, and a
failure at any step stops the run naming exactly which resources are open and which are not (exit 1);
re-running continues where it stopped. A second open or close is a no-op that says so. ``--dry-run``
reads, prints the JSON diff of every policy and the tags, and changes nothing. Nothing is deleted.

A resource whose policy carries break-glass statements without a record (a change outside this tool) is
refused by open; close removes the statements and takes the DENY's condition from the deployed template
(the static snapshot of the same configuration), never from a guess.
"""
from __future__ import annotations

import difflib
import json
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any, Callable, Mapping, TextIO

from audit import break_glass as bg
from audit.arns import ArnError, parse_arn
from audit.sources.live_aws import Absent, ApiCalls, Credentials, Failed, Side, default_session

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
SESSION_PREFIX = "break-glass-"
NOT_FOUND = ("ResourceNotFoundException", "NotFoundException")


class BadInput(Exception):
    """Bad arguments, configuration or credentials: exit 2 with the message."""


class StepFailed(Exception):
    """An API call of the change failed: the message names the call and the error code."""


@dataclass
class Resource:
    """One of the four SSN resources as its account holds it now."""

    label: str
    side: Side
    arn: str
    policy: dict[str, Any] | None
    tags: dict[str, str]
    change: bg.Change
    caller: str
    status: str = field(init=False, default="")

    @property
    def kind(self) -> str:
        return bg.KIND[self.label]

    @property
    def state(self) -> bg.State:
        return bg.state(self.label, self.policy, self.tags, self.change)


# arguments -------------------------------------------------------------------------------------------
def expected_role(cfg: Mapping[str, Any]) -> bg.Roles:
    return bg.roles(cfg["environment_account_id"], cfg["backup_account_id"], cfg["roles"]["break_glass_role_name"])


def check_role_arn(cfg: Mapping[str, Any], role_arn: str | None) -> str:
    """The ``--role-arn`` given, if it is the configured break-glass role of the environment account."""
    expected = expected_role(cfg).environment
    if not role_arn:
        raise BadInput(f"--role-arn is required (the break-glass role: {expected})")
    try:
        arn = parse_arn(role_arn)
    except ArnError as exc:
        raise BadInput(f"--role-arn: {exc}") from None
    if arn.service != "iam" or arn.account != cfg["environment_account_id"]:
        raise BadInput(f"--role-arn {role_arn}: not a role of the environment account {cfg['environment_account_id']} "
                       f"(expected {expected})")
    if arn.resource != f"role/{cfg['roles']['break_glass_role_name']}":
        raise BadInput(f"--role-arn {role_arn}: not the configured break-glass role "
                       f"roles.break_glass_role_name = {cfg['roles']['break_glass_role_name']} (expected {expected})")
    return role_arn


def check_ticket(ticket: str | None, *, required: bool) -> str | None:
    if not ticket:
        if required:
            raise BadInput("--ticket is required: the incident or change ticket that approved the break-glass")
        return None
    if not bg.TICKET_PATTERN.match(ticket):
        raise BadInput(f"--ticket {ticket!r}: use 1-64 letters, digits and . _ + = @ - (it becomes a tag and a session name)")
    return ticket


# reading ---------------------------------------------------------------------------------------------
def _call(side: Side, service: str, operation: str, resource: str, **params: Any) -> dict[str, Any]:
    try:
        return side.call(service, operation, resource, **params)
    except Failed as exc:
        raise StepFailed(f"{side.name} account {side.account_id}: {service}:{operation} on {resource} failed: {exc}") from None
    except Absent as exc:
        raise StepFailed(f"{side.name} account {side.account_id}: {service}:{operation}: {resource} does not exist ({exc})") from None


def _document(text: Any) -> dict[str, Any] | None:
    from audit.sources.live_aws import parse_document

    value = parse_document(text)
    return value if isinstance(value, dict) else None


def _vault(side: Side, name: str) -> tuple[str, str, dict[str, Any] | None, dict[str, str]]:
    described = _call(side, "backup", "DescribeBackupVault", name, BackupVaultName=name)
    arn = described["BackupVaultArn"]
    try:
        policy = _document(side.call("backup", "GetBackupVaultAccessPolicy", arn, absent=NOT_FOUND,
                                     BackupVaultName=name).get("Policy"))
    except Absent:
        policy = None
    except Failed as exc:
        raise StepFailed(f"{side.name} account {side.account_id}: backup:GetBackupVaultAccessPolicy on {arn} failed: {exc}") from None
    tags: dict[str, str] = {}
    try:
        for page in side.pages("backup", "ListTags", arn, ResourceArn=arn):
            tags.update(page.get("Tags") or {})
    except (Absent, Failed) as exc:
        raise StepFailed(f"{side.name} account {side.account_id}: backup:ListTags on {arn} failed: {exc}") from None
    return arn, described.get("EncryptionKeyArn"), policy, tags


def _key(side: Side, key_arn: str) -> tuple[dict[str, Any] | None, dict[str, str]]:
    policy = _document(_call(side, "kms", "GetKeyPolicy", key_arn, KeyId=key_arn, PolicyName="default").get("Policy"))
    tags: dict[str, str] = {}
    try:
        for page in side.pages("kms", "ListResourceTags", key_arn, KeyId=key_arn):
            tags.update({t["TagKey"]: t["TagValue"] for t in page.get("Tags") or []})
    except (Absent, Failed) as exc:
        raise StepFailed(f"{side.name} account {side.account_id}: kms:ListResourceTags on {key_arn} failed: {exc}") from None
    return policy, tags


def cross_account_vault_name(cfg: Mapping[str, Any]) -> str:
    """The SSN vault of the backup account, from the dedicated category's copy destination."""
    ssn = next((p for p in cfg["backup_policies"].values() if p.get("dedicated_vault")), None)
    destination = (ssn or {}).get("cross_account_vault_arn")
    if not destination:
        return cfg["vault_names"]["ssn"]
    arn = parse_arn(destination)
    if arn.account != cfg["backup_account_id"] or arn.region != cfg["backup_region"]:
        raise BadInput(f"backup_policies: the SSN copy destination {destination} is not in the backup account "
                       f"{cfg['backup_account_id']} and region {cfg['backup_region']}")
    return arn.resource_name


def read_resources(cfg: Mapping[str, Any], sides: Mapping[str, Side], callers: Mapping[str, str]) -> list[Resource]:
    """The four SSN resources, in the order they are opened: local vault and key, cross-account vault and key."""
    regions = {"environment": cfg["primary_region"], "backup": cfg["backup_region"]}
    changes = bg.changes(expected_role(cfg), regions)
    found = []
    for side_name, vault_name, vault_label, key_label in (
            ("environment", cfg["vault_names"]["ssn"], bg.LOCAL_VAULT, bg.LOCAL_KEY),
            ("backup", cross_account_vault_name(cfg), bg.CROSS_VAULT, bg.CROSS_KEY)):
        side = sides[side_name]
        arn, key_arn, policy, tags = _vault(side, vault_name)
        found.append(Resource(vault_label, side, arn, policy, tags, changes[vault_label], callers[side_name]))
        if not key_arn:
            raise StepFailed(f"{vault_label} {arn} has no encryption key")
        key_policy, key_tags = _key(side, key_arn)
        found.append(Resource(key_label, side, key_arn, key_policy, key_tags, changes[key_label], callers[side_name]))
    return found


# writing ---------------------------------------------------------------------------------------------
def _put_policy(resource: Resource, policy: dict[str, Any]) -> None:
    text = json.dumps(policy)
    if resource.kind == "vault":
        _call(resource.side, "backup", "PutBackupVaultAccessPolicy", resource.arn,
              BackupVaultName=resource.arn.rsplit(":", 1)[-1], Policy=text)
    else:
        _call(resource.side, "kms", "PutKeyPolicy", resource.arn, KeyId=resource.arn, PolicyName="default", Policy=text)


def _tag(resource: Resource, tags: dict[str, str]) -> None:
    if resource.kind == "vault":
        _call(resource.side, "backup", "TagResource", resource.arn, ResourceArn=resource.arn, Tags=tags)
    else:
        _call(resource.side, "kms", "TagResource", resource.arn, KeyId=resource.arn,
              Tags=[{"TagKey": k, "TagValue": v} for k, v in tags.items()])


def _untag(resource: Resource, keys: list[str]) -> None:
    if not keys:
        return
    if resource.kind == "vault":
        _call(resource.side, "backup", "UntagResource", resource.arn, ResourceArn=resource.arn, TagKeyList=keys)
    else:
        _call(resource.side, "kms", "UntagResource", resource.arn, KeyId=resource.arn, TagKeys=keys)


def _reread(resource: Resource) -> None:
    if resource.kind == "vault":
        _, _, resource.policy, resource.tags = _vault(resource.side, resource.arn.rsplit(":", 1)[-1])
    else:
        resource.policy, resource.tags = _key(resource.side, resource.arn)


def break_glass_grants(resource: Resource, role_of: bg.Roles) -> list[dict[str, Any]]:
    """KMS grants on a key held by a break-glass role (or one of its sessions): they outlive the policy."""
    if resource.kind != "key":
        return []
    grants = []
    try:
        for page in resource.side.pages("kms", "ListGrants", resource.arn, KeyId=resource.arn):
            grants += page.get("Grants") or []
    except (Absent, Failed) as exc:
        raise StepFailed(f"{resource.side.name} account {resource.side.account_id}: kms:ListGrants on {resource.arn} failed: {exc}") from None
    sessions = [r.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/") + "/" for r in (role_of.environment, role_of.backup)]
    return [g for g in grants if g.get("GranteePrincipal") in (role_of.environment, role_of.backup)
            or any(str(g.get("GranteePrincipal", "")).startswith(s) for s in sessions)]


# the diff --------------------------------------------------------------------------------------------
def policy_diff(label: str, arn: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> str:
    """The unified diff of the two policies as indented JSON (empty when equal)."""
    lines = [json.dumps(p, indent=2) + "\n" if p is not None else "" for p in (before, after)]
    return "".join(difflib.unified_diff(lines[0].splitlines(keepends=True), lines[1].splitlines(keepends=True),
                                        fromfile=f"{label} {arn} (now)", tofile=f"{label} {arn} (after)"))


# the operations --------------------------------------------------------------------------------------
@dataclass
class Plan:
    resource: Resource
    policy: dict[str, Any] | None  # the policy to put, or None to leave it
    tags: dict[str, str]  # tags to set
    untag: list[str]  # tag keys to remove
    verify_sha256: str | None = None  # close: the recorded pre-open SHA-256 the result must have
    note: str = ""


def plan_open(resources: list[Resource], role_of: bg.Roles, ticket: str, now: str) -> list[Plan]:
    """What open does to each resource not open yet (a resource with only a record is opened again)."""
    plans = []
    for resource in resources:
        if resource.state.status == bg.OPEN:
            continue
        opened, undo = bg.open_policy(resource.policy, resource.change)
        record = bg.Record(ticket, now, resource.caller, role_of.of(bg.SIDE[resource.label]), bg.digest(resource.policy), undo)
        tags = record.tags()
        stale = sorted(k for k in resource.tags if k.startswith(bg.TAG_PREFIX) and k not in tags)
        plans.append(Plan(resource, opened, tags, stale))
    return plans


def template_undo(resource: Resource, static_policy: Mapping[str, Any] | None) -> dict[str, Any]:
    """The DENY conditions of the deployed template, for a resource opened without a record."""
    undo = {}
    statements = bg._statements(static_policy)
    for sid, role in resource.change.exemptions:
        current = next((s for s in bg._statements(resource.policy) if s.get("Sid") == sid), None)
        if current is None or not bg.exempts(current, role):
            continue
        deployed = next((s for s in statements if s.get("Sid") == sid), None)
        if deployed is None or "{{" in json.dumps(deployed.get("Condition")):
            raise StepFailed(f"{resource.label} {resource.arn}: {sid} exempts {role} without a record, and the template "
                             f"gives no resolved condition for it: restore it by hand from the template")
        undo[sid] = deployed.get("Condition")
    return undo


def plan_close(resources: list[Resource], static_policies: Callable[[str], Mapping[str, Any] | None]) -> list[Plan]:
    """What close does to each resource not closed yet."""
    plans = []
    for resource in resources:
        state = resource.state
        if state.status == bg.CLOSED:
            continue
        record = state.record
        note = ""
        if record is not None and record.undo is not None:
            undo = record.undo
        else:
            undo = template_undo(resource, static_policies(resource.label))
            note = "no usable record: the DENY conditions come from the deployed template"
        closed = bg.close_policy(resource.policy, resource.change, undo) if state.markers else None
        untag = sorted(k for k in resource.tags if k.startswith(bg.TAG_PREFIX))
        plans.append(Plan(resource, closed, {}, untag, record.pre_open_sha256 if record else None, note))
    return plans


@dataclass
class Progress:
    done: list[str] = field(default_factory=list)
    failure: str | None = None
    warnings: list[str] = field(default_factory=list)


def apply_open(plan: Plan) -> None:
    _tag(plan.resource, plan.tags)            # the record first: never an open policy without it
    plan.resource.tags.update(plan.tags)
    _untag(plan.resource, plan.untag)         # chunks of an earlier, longer record
    for key in plan.untag:
        plan.resource.tags.pop(key, None)
    _put_policy(plan.resource, plan.policy)
    _reread(plan.resource)
    if plan.resource.state.status != bg.OPEN:
        raise StepFailed(f"{plan.resource.label} {plan.resource.arn}: read back after the change, the policy is "
                         f"{plan.resource.state.describe()}")


def apply_close(plan: Plan, role_of: bg.Roles, warnings: list[str]) -> None:
    resource = plan.resource
    if plan.policy is not None:
        _put_policy(resource, plan.policy)    # the policy first: never an open policy without its record
        _reread(resource)
        if bg.markers(resource.policy, resource.change):
            raise StepFailed(f"{resource.label} {resource.arn}: read back after the change, the policy still carries "
                             f"{', '.join(bg.markers(resource.policy, resource.change))}")
    if plan.verify_sha256 and bg.digest(resource.policy) != plan.verify_sha256:
        warnings.append(f"{resource.label} {resource.arn}: closed, but the policy is not the one recorded before the open "
                        f"(SHA-256 {bg.digest(resource.policy)[:12]}..., recorded {plan.verify_sha256[:12]}...): it was "
                        f"changed while open; run 'retention drift' and redeploy")
    for grant in break_glass_grants(resource, role_of):
        _call(resource.side, "kms", "RevokeGrant", resource.arn, KeyId=resource.arn, GrantId=grant["GrantId"])
    _untag(resource, plan.untag)
    for key in plan.untag:
        resource.tags.pop(key, None)


# entry point -----------------------------------------------------------------------------------------
def connect(cfg: Mapping[str, Any], credentials: Mapping[str, Credentials], session_name: str,
            factory: Callable[..., Any] | None = None) -> tuple[dict[str, Side], dict[str, str]]:
    """Both sides, reached and checked, and the caller ARN of each (from STS)."""
    from audit.sources.live import LiveSourceError, open_side

    factory = factory or partial(default_session, session_name=session_name)
    sides, callers = {}, {}
    calls = ApiCalls()
    for name, account, region in (("environment", cfg["environment_account_id"], cfg["primary_region"]),
                                  ("backup", cfg["backup_account_id"], cfg["backup_region"])):
        try:
            side = open_side(name, credentials[name], account, region, factory, calls)
        except LiveSourceError as exc:
            raise BadInput(str(exc)) from None
        sides[name] = side
        callers[name] = _call(side, "sts", "GetCallerIdentity", account)["Arn"]
    return sides, callers


def _status_line(resource: Resource) -> str:
    return f"  {resource.label:<24} {resource.state.status:<26} {resource.arn}"


def _report(resources: list[Resource], out: TextIO) -> None:
    for resource in resources:
        print(_status_line(resource), file=out)
        record = resource.state.record
        if record:
            print(f"  {'':<24} ticket {record.ticket}, since {record.opened_at}, role {record.role}, "
                  f"by {bg.anonymised(record.opened_by)}", file=out)
        if resource.state.status == bg.UNRECORDED:
            print(f"  {'':<24} {resource.state.describe()}", file=out)


def run(action: str, cfg: Mapping[str, Any], credentials: Mapping[str, Credentials], *, ticket: str | None = None,
        role_arn: str | None = None, dry_run: bool = False, static_policies: Callable[[str], Mapping[str, Any] | None] | None = None,
        factory: Callable[..., Any] | None = None, out: TextIO = sys.stdout, now: datetime | None = None) -> int:
    """Open, close or report the break-glass of the environment ``cfg``; returns the exit code."""
    env = cfg["environment"]
    if action == "open":
        check_role_arn(cfg, role_arn)
        ticket = check_ticket(ticket, required=True)
    else:
        if role_arn:
            check_role_arn(cfg, role_arn)
        ticket = check_ticket(ticket, required=False)
    session_name = (SESSION_PREFIX + (ticket or action))[:64]
    sides, callers = connect(cfg, credentials, session_name, factory)
    try:
        resources = read_resources(cfg, sides, callers)
    except StepFailed as exc:
        print(f"break-glass {action} of {env}: {exc}", file=out)
        return EXIT_FAILED
    states = [r.state for r in resources]
    if action == "status":
        print(f"break-glass of {env}: {bg.overall(states)}", file=out)
        _report(resources, out)
        return EXIT_OK if bg.overall(states) == "closed" else EXIT_FAILED

    if action == "open":
        others = sorted({s.record.ticket for s in states if s.record and s.record.ticket != ticket}, key=str)
        if others:
            raise BadInput(f"break-glass of {env} is already {bg.overall(states)} for ticket {', '.join(map(str, others))}: "
                           f"close it first (retention break-glass close --env {env})")
        unrecorded = [r for r in resources if r.state.status == bg.UNRECORDED]
        if unrecorded:
            print(f"break-glass open of {env}: refused: " + "; ".join(f"{r.label} {r.arn}: {r.state.describe()}"
                                                                      for r in unrecorded), file=out)
            print("  investigate (CloudTrail: PutBackupVaultAccessPolicy, PutKeyPolicy), then run close to restore the "
                  "deployed policies", file=out)
            return EXIT_FAILED
        stamp = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
        plans = plan_open(resources, expected_role(cfg), ticket, stamp)
        if not plans:
            print(f"break-glass of {env} is already open for ticket {ticket}: nothing changed", file=out)
            _report(resources, out)
            return EXIT_OK
    else:
        open_tickets = sorted({s.record.ticket for s in states if s.record and s.record.ticket}, key=str)
        if ticket and open_tickets and open_tickets != [ticket]:
            raise BadInput(f"--ticket {ticket}: the break-glass of {env} is open for ticket {', '.join(open_tickets)}")
        try:
            plans = plan_close(resources, static_policies or (lambda label: None))
        except StepFailed as exc:
            print(f"break-glass close of {env}: {exc}", file=out)
            return EXIT_FAILED
        if not plans:
            print(f"break-glass of {env} is already closed: nothing changed", file=out)
            return EXIT_OK

    if dry_run:
        print(f"break-glass {action} of {env} (dry run: nothing is changed)", file=out)
        for plan in plans:
            diff = policy_diff(plan.resource.label, plan.resource.arn, plan.resource.policy, plan.policy) if plan.policy else ""
            print(diff or f"  {plan.resource.label} {plan.resource.arn}: policy unchanged", file=out)
            if plan.tags:
                print(f"  tags to set on {plan.resource.label}: " + json.dumps(
                    {k: (bg.anonymised(v) if k == bg.TAG_OPENED_BY else v) for k, v in plan.tags.items()}, indent=2), file=out)
            if plan.untag:
                print(f"  tags to remove from {plan.resource.label}: {', '.join(plan.untag)}", file=out)
            if plan.note:
                print(f"  note: {plan.note}", file=out)
        return EXIT_OK

    outcome = Progress()
    role_of = expected_role(cfg)
    for plan in plans:
        try:
            apply_open(plan) if action == "open" else apply_close(plan, role_of, outcome.warnings)
        except StepFailed as exc:
            outcome.failure = str(exc)
            break
        outcome.done.append(plan.resource.label)
    final = bg.overall(r.state for r in resources)
    print(f"break-glass {action} of {env}" + (f" for ticket {ticket}" if ticket else "") + f": {final}", file=out)
    _report(resources, out)
    for warning in outcome.warnings:
        print(f"  WARNING: {warning}", file=out)
    if outcome.failure:
        print(f"  FAILED: {outcome.failure}", file=out)
        not_done = [p.resource.label for p in plans if p.resource.label not in outcome.done]
        print(f"  not {'opened' if action == 'open' else 'closed'}: {', '.join(not_done)}. Re-run '{action}' once the "
              f"cause is fixed (it continues where it stopped)" + (f", or run 'close' to close what was opened" if action == "open" else ""),
              file=out)
        return EXIT_FAILED
    return EXIT_FAILED if outcome.warnings else EXIT_OK


def static_policies_of(cfg: Mapping[str, Any], templates_dir: Path | None) -> Callable[[str], Mapping[str, Any] | None]:
    """``label -> policy`` of the deployed templates (the static snapshot of the same configuration)."""
    cache: dict[str, Any] = {}

    def policy(label: str) -> Mapping[str, Any] | None:
        if "posture" not in cache:
            from audit.snapshot import Posture
            from audit.sources.static import build_snapshot
            from audit.sources.static_cache import cached_snapshot

            root = Path(__file__).resolve().parents[1]
            cache["posture"] = Posture(cached_snapshot(dict(cfg), templates_dir or root / "cloudformation",
                                                       lambda: build_snapshot(dict(cfg), templates_dir=templates_dir)))
        from audit.controls.access import target

        return target(cache["posture"], label).policy
    return policy
