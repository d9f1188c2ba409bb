"""``retention break-glass open|close|status``: apply, revert and report the documented break-glass change
(``audit.break_glass``) on the four SSN resources, in both accounts (``audit.break_glass.aws`` reads and
writes them).

An assumed role's session is named after the ticket, so every CloudTrail event of the change carries it.
The vault policies can only be changed by the break-glass role itself (``BreakGlassDenySSNVaultPolicyChange``),
so that is the role to run as in each account.

Open, per resource: tag the record first (ticket, UTC time, caller ARN from STS, role, the pre-open
policy's SHA-256, which open also prints for the ticket), then put the opened policy, then read it back.
Close, per resource: the policy is rebuilt from the deployed template (``audit.break_glass.close_policy``:
the added statements removed, each exempted DENY as the template has it), never from the tags, which anyone
allowed to tag could have forged; if the result would differ from the template anywhere else, close
refuses before writing anything (exit 1, naming the statements: redeploy or investigate first). Then it
puts the closed policy, reads it back and checks it is the template's, revokes any KMS grant held by a
break-glass role (a grant would outlive the policy), and removes the tags. So a policy is never open
without its record, and a failure at any step stops the run naming exactly which resources are open and
which are not (exit 1); re-running continues where it stopped. A second open or close is a no-op that says
so. ``--dry-run`` reads, prints the JSON diff of every policy and the tags, and changes nothing. Nothing is
deleted.

A resource whose policy carries break-glass statements without a record (a change outside this tool) is
refused by open; close treats it like any other open resource: the template decides what comes back.
"""
from __future__ import annotations

import difflib
import json
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping, TextIO, cast

from audit import break_glass as bg
from audit.arns import ArnError, parse_arn
from audit.break_glass import aws
from audit.break_glass.aws import StepFailed
from audit.sources.live.aws import Credentials

EXIT_OK, EXIT_FAILED = 0, 1  # bad input raises BadInput: the CLI exits with its own code for it (2)
SESSION_PREFIX = "break-glass-"
Policies = Callable[[str], "Mapping[str, Any] | None"]  # label -> the deployed policy of that resource


class BadInput(Exception):
    """Bad arguments, configuration or credentials: exit 2 with the message."""


# arguments -------------------------------------------------------------------------------------------
def check_role_arn(cfg: Mapping[str, Any], role_arn: str | None) -> str:
    """The ``--role-arn`` given, if it is the configured break-glass role of the environment account."""
    expected = bg.config_roles(cfg).environment
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
    if not bg.TICKET_PATTERN.fullmatch(ticket):
        raise BadInput(f"--ticket {bg.printable(ticket)!r}: use 1-64 letters, digits and . _ + = @ - starting with a letter or "
                       f"digit, nothing else (no space, newline, ':' or '/': it becomes a tag and a session name)")
    return ticket


# plans -----------------------------------------------------------------------------------------------
@dataclass
class Plan:
    """What open or close does to one resource."""

    resource: aws.Resource
    policy: dict[str, Any] | None  # the policy to put, or None to leave it
    tags: dict[str, str]  # tags to set
    untag: list[str]  # tag keys to remove
    template: dict[str, Any] | None = None  # close: the deployed policy the result must be
    replaced_sha256: str | None = None  # open: the SHA-256 of the policy the open replaces


def plan_open(resources: list[aws.Resource], role_of: bg.Roles, ticket: str, now: str) -> list[Plan]:
    """Every resource not open yet (one with only a record is opened again)."""
    plans = []
    for resource in resources:
        if resource.state.status == bg.OPEN:
            continue
        replaced = bg.digest(resource.policy)
        record = bg.Record(ticket, now, resource.caller, role_of.of(bg.SIDE[resource.label]), replaced)
        tags = record.tags()
        stale = sorted(k for k in resource.tags if k.startswith(bg.TAG_PREFIX) and k not in tags)
        plans.append(Plan(resource, bg.open_policy(resource.policy, resource.change), tags, stale, replaced_sha256=replaced))
    return plans


def plan_close(resources: list[aws.Resource], deployed: Policies) -> list[Plan]:
    """Every resource not closed yet, its policy rebuilt from the deployed template. Refuses (``StepFailed``
    naming every resource and statement) when a result would not be the template's policy: close touches
    only the statements the break-glass change adds or exempts."""
    plans, refusals = [], []
    for resource in resources:
        if resource.state.status == bg.CLOSED:
            continue
        template = deployed(resource.label)
        if template is None:
            refusals.append(f"{resource.label} {resource.arn}: no deployed template policy to restore it from")
            continue
        closed = bg.close_policy(resource.policy, resource.change, template)
        differences = bg.template_differences(closed, template)
        if differences:
            refusals.append(f"{resource.label} {resource.arn}: closed, it would still differ from the template in "
                            + ", ".join(differences))
            continue
        untag = sorted(k for k in resource.tags if k.startswith(bg.TAG_PREFIX))
        changed = closed if bg.template_differences(resource.policy, closed) else None
        plans.append(Plan(resource, changed, {}, untag, template=dict(template)))
    if refusals:
        raise StepFailed("refused, nothing was changed: " + "; ".join(refusals)
                         + ". Statements outside the break-glass change are not close's to decide: redeploy the "
                           "stack (scripts/deploy.sh) or investigate in CloudTrail, then close")
    return plans


# applying --------------------------------------------------------------------------------------------
def apply_open(plan: Plan) -> None:
    resource = plan.resource
    aws.tag(resource, plan.tags)            # the record first: never an open policy without it
    resource.tags.update(plan.tags)
    aws.untag(resource, plan.untag)         # chunks of an earlier, longer record
    for key in plan.untag:
        resource.tags.pop(key, None)
    # an open plan always carries the opened policy (plan_open builds it with bg.open_policy); only a close leaves None
    aws.put_policy(resource, cast(dict[str, Any], plan.policy))
    aws.reread(resource)
    if resource.state.status != bg.OPEN:
        raise StepFailed(f"{resource.label} {resource.arn}: read back after the change, the policy is {resource.state.describe()}")


def apply_close(plan: Plan, role_of: bg.Roles, warnings: list[str]) -> None:
    resource = plan.resource
    record = resource.state.record
    if plan.policy is not None:
        aws.put_policy(resource, plan.policy)  # the policy first: never an open policy without its record
        aws.reread(resource)
        left = bg.markers(resource.policy, resource.change)
        if left:
            raise StepFailed(f"{resource.label} {resource.arn}: read back after the change, the policy still carries {', '.join(left)}")
        differences = bg.template_differences(resource.policy, plan.template)
        if differences:
            raise StepFailed(f"{resource.label} {resource.arn}: read back after the change, the policy differs from the "
                             f"template in {', '.join(differences)}")
    if record and record.pre_open_sha256 and bg.digest(resource.policy) != record.pre_open_sha256:
        warnings.append(f"{resource.label} {resource.arn}: closed to the deployed template, whose SHA-256 "
                        f"{bg.digest(resource.policy)[:12]}... is not the {record.pre_open_sha256[:12]}... recorded at the "
                        f"open: the policy before the open was not the template's, or the record was changed; check the "
                        f"ticket's digest and CloudTrail")
    for grant in aws.break_glass_grants(resource, role_of):
        aws.revoke_grant(resource, grant["GrantId"])
    aws.untag(resource, plan.untag)
    for key in plan.untag:
        resource.tags.pop(key, None)


@dataclass
class Progress:
    done: list[str] = field(default_factory=list)
    failure: str | None = None
    warnings: list[str] = field(default_factory=list)


def apply_all(action: str, plans: list[Plan], role_of: bg.Roles) -> Progress:
    """The plans in order, stopping at the first failure."""
    progress = Progress()
    for plan in plans:
        try:
            apply_open(plan) if action == "open" else apply_close(plan, role_of, progress.warnings)
        except StepFailed as exc:
            progress.failure = str(exc)
            break
        progress.done.append(plan.resource.label)
    return progress


# output ----------------------------------------------------------------------------------------------
def policy_diff(label: str, arn: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> str:
    """The unified diff of the two policies as indented JSON (empty when equal)."""
    lines = [json.dumps(p, indent=2) + "\n" if p is not None else "" for p in (before, after)]
    return "".join(difflib.unified_diff(lines[0].splitlines(keepends=True), lines[1].splitlines(keepends=True),
                                        fromfile=f"{label} {arn} (now)", tofile=f"{label} {arn} (after)"))


def print_dry_run(action: str, env: str, plans: list[Plan], out: TextIO) -> None:
    print(f"break-glass {action} of {env} (dry run: nothing is changed)", file=out)
    for plan in plans:
        resource = plan.resource
        diff = policy_diff(resource.label, resource.arn, resource.policy, plan.policy) if plan.policy else ""
        print(diff or f"  {resource.label} {resource.arn}: policy unchanged", file=out)
        if plan.replaced_sha256:
            print(f"  {resource.label}: the policy replaced has SHA-256 {plan.replaced_sha256}", file=out)
        if plan.tags:
            shown = {k: (bg.anonymised(v) if k == bg.TAG_OPENED_BY else v) for k, v in plan.tags.items()}
            print(f"  tags to set on {resource.label}: " + json.dumps(shown, indent=2), file=out)
        if plan.untag:
            print(f"  tags to remove from {resource.label}: {', '.join(bg.printable(k) for k in plan.untag)}", file=out)


def print_replaced(plans: list[Plan], done: list[str], out: TextIO) -> None:
    """The SHA-256 of each policy an open replaced, for the ticket: what the account held before, which
    close does not need (it restores the template) but an investigation may."""
    for plan in plans:
        if plan.replaced_sha256 and plan.resource.label in done:
            print(f"  replaced {plan.resource.label} policy SHA-256 {plan.replaced_sha256} (record it in the ticket)", file=out)


def print_states(resources: list[aws.Resource], out: TextIO) -> None:
    for resource in resources:
        state = resource.state
        print(f"  {resource.label:<24} {state.status:<26} {resource.arn}", file=out)
        if state.record:
            print(f"  {'':<24} ticket {state.record.ticket}, since {state.record.opened_at}, role {state.record.role}, "
                  f"by {bg.anonymised(state.record.opened_by)}", file=out)
        if state.status == bg.UNRECORDED:
            print(f"  {'':<24} {state.describe()}", file=out)


# the commands ----------------------------------------------------------------------------------------
def _open_plans(env: str, resources: list[aws.Resource], cfg: Mapping[str, Any], ticket: str, now: datetime | None,
                out: TextIO) -> list[Plan] | int:
    """The plans of an open, or the exit code when there is nothing to do or it is refused."""
    states = [r.state for r in resources]
    others = sorted({str(s.record.ticket) for s in states if s.record and s.record.ticket != ticket})
    if others:
        raise BadInput(f"break-glass of {env} is already {bg.overall(states)} for ticket {', '.join(others)}: "
                       f"close it first (retention break-glass close --env {env})")
    unrecorded = [r for r in resources if r.state.status == bg.UNRECORDED]
    if unrecorded:
        print(f"break-glass open of {env}: refused: " + "; ".join(f"{r.label} {r.arn}: {r.state.describe()}"
                                                                  for r in unrecorded), file=out)
        print("  investigate (CloudTrail: PutBackupVaultAccessPolicy, PutKeyPolicy), then run close to restore the "
              "deployed policies", file=out)
        return EXIT_FAILED
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    plans = plan_open(resources, bg.config_roles(cfg), ticket, stamp)
    if not plans:
        print(f"break-glass of {env} is already open for ticket {ticket}: nothing changed", file=out)
        print_states(resources, out)
        return EXIT_OK
    return plans


def _close_plans(env: str, resources: list[aws.Resource], ticket: str | None, deployed: Policies,
                 out: TextIO) -> list[Plan] | int:
    """The plans of a close, or the exit code when there is nothing to do or it cannot be planned."""
    open_tickets = sorted({str(r.state.record.ticket) for r in resources if r.state.record and r.state.record.ticket})
    if ticket and open_tickets and open_tickets != [ticket]:
        raise BadInput(f"--ticket {ticket}: the break-glass of {env} is open for ticket {', '.join(open_tickets)}")
    try:
        plans = plan_close(resources, deployed)
    except StepFailed as exc:
        print(f"break-glass close of {env}: {exc}", file=out)
        return EXIT_FAILED
    if not plans:
        print(f"break-glass of {env} is already closed: nothing changed", file=out)
        return EXIT_OK
    return plans


def run(action: str, cfg: Mapping[str, Any], credentials: Mapping[str, Credentials], *, ticket: str | None = None,
        role_arn: str | None = None, dry_run: bool = False, static_policies: Policies | None = None,
        factory: Callable[..., Any] | None = None, out: TextIO = sys.stdout, now: datetime | None = None) -> int:
    """Open, close or report the break-glass of the environment ``cfg``; returns the exit code."""
    env = cfg["environment"]
    if action == "open" or role_arn:
        check_role_arn(cfg, role_arn)
    ticket = check_ticket(ticket, required=action == "open")
    try:
        sides, callers = aws.connect(cfg, credentials, (SESSION_PREFIX + (ticket or action))[:64], factory)
        resources = aws.read_resources(cfg, sides, callers)
    except aws.BadSetup as exc:
        raise BadInput(str(exc)) from None
    except StepFailed as exc:
        print(f"break-glass {action} of {env}: {exc}", file=out)
        return EXIT_FAILED
    if action == "status":
        overall = bg.overall(r.state for r in resources)
        print(f"break-glass of {env}: {overall}", file=out)
        print_states(resources, out)
        return EXIT_OK if overall == "closed" else EXIT_FAILED

    # an open has a ticket: check_ticket above refused an open without one (required=True)
    plans = (_open_plans(env, resources, cfg, cast(str, ticket), now, out) if action == "open"
             else _close_plans(env, resources, ticket, static_policies or (lambda label: None), out))
    if isinstance(plans, int):
        return plans
    if dry_run:
        print_dry_run(action, env, plans, out)
        return EXIT_OK

    progress = apply_all(action, plans, bg.config_roles(cfg))
    print(f"break-glass {action} of {env}" + (f" for ticket {ticket}" if ticket else "")
          + f": {bg.overall(r.state for r in resources)}", file=out)
    print_states(resources, out)
    print_replaced(plans, progress.done, out)
    for warning in progress.warnings:
        print(f"  WARNING: {warning}", file=out)
    if progress.failure:
        done = "opened" if action == "open" else "closed"
        not_done = [p.resource.label for p in plans if p.resource.label not in progress.done]
        print(f"  FAILED: {progress.failure}", file=out)
        print(f"  not {done}: {', '.join(not_done)}. Re-run '{action}' once the cause is fixed (it continues where it "
              f"stopped)" + (", or run 'close' to close what was opened" if action == "open" else ""), file=out)
        return EXIT_FAILED
    return EXIT_FAILED if progress.warnings else EXIT_OK


def static_policies_of(cfg: Mapping[str, Any], templates_dir: Path | None) -> Policies:
    """``label -> policy`` of the deployed templates (the static snapshot of the same configuration)."""
    cache: dict[str, Any] = {}

    def policy(label: str) -> Mapping[str, Any] | None:
        from audit.controls.access import target

        if "posture" not in cache:
            from audit.project import templates_dir as default_templates_dir
            from audit.snapshot import Posture
            from audit.sources.static.build import build_snapshot
            from audit.sources.static.cache import cached_snapshot

            cache["posture"] = Posture(cached_snapshot(dict(cfg), templates_dir or default_templates_dir(),
                                                       lambda: build_snapshot(dict(cfg), templates_dir=templates_dir)))
        return target(cache["posture"], label).policy
    return policy
