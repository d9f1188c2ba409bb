"""The ``retention drill`` subcommand: argument parsing and the run over the chosen resources. Kept out of
``audit.cli`` so that module only registers it (as ``audit.break_glass_cli``).

    retention drill --env ENV [--config-dir DIR] [--endpoint-url URL | --assume-role SIDE=ARN]
                    (--resource ID ... | --all) [--keep] [--report-dir DIR] [--restore-role ARN]

Restores the newest COMPLETED recovery point of each DynamoDB table and S3 bucket of the inventory into a
scratch resource, compares it with what the recovery point held, times it against the category's RTO and
writes drill.json and drill.md. Credentials as for the live audit (profiles of the configuration,
--assume-role, --endpoint-url for the sandbox). Exit 0 every resource passed, 1 any failed, 2 bad input or
an unmet precondition (unknown id, no recovery point, SSN data without an open break-glass). User pools,
--from-backup-account and --evidence are follow-ups of issue 12 and are refused.
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
FOLLOW_UPS = {"from_backup_account": "--from-backup-account (restore the backup account's copy after copying it "
                                     "back)", "evidence_dir": "--evidence (the drill in an evidence pack)"}


def add_parser(sub: Any, env_args: Callable[[argparse.ArgumentParser], None],
               live_args: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser("drill", help="restore the newest recovery points into scratch resources, compare, time "
                                          "against the RTO (docs/restore.md, Drills)",
                            description=__doc__.split("\n\n")[2])
    env_args(parser)
    live_args(parser)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--resource", nargs="+", action="extend", metavar="ID",
                       help="inventory ids of tables or buckets (the SSN table only while a break-glass is open)")
    which.add_argument("--all", action="store_true", help="every protected table and bucket except SSN data")
    parser.add_argument("--keep", action="store_true", help="keep the scratch resources (default: deleted after the comparison)")
    parser.add_argument("--report-dir", type=Path, default=None, help="default: reports/<env>/drill/")
    parser.add_argument("--restore-role", default=None, metavar="ARN",
                        help="the role AWS Backup restores with (default: the general backup role; for SSN data the "
                             "break-glass role)")
    parser.add_argument("--poll-seconds", type=float, default=15.0, help="seconds between DescribeRestoreJob calls")
    parser.add_argument("--from-backup-account", action="store_true", help="not yet: a follow-up (refused)")
    parser.add_argument("--evidence", dest="evidence_dir", type=Path, default=None, metavar="DIR",
                        help="not yet: a follow-up (refused)")
    parser.set_defaults(func=cmd_drill)


def _say(line: str) -> None:
    print(f"  {line}", file=sys.stderr, flush=True)


def cmd_drill(args: argparse.Namespace) -> int:
    from audit.cli import REPO_ROOT, UsageError, _credentials
    from audit.config import load_config
    from audit.drill import plan

    for dest, what in FOLLOW_UPS.items():
        if getattr(args, dest):
            raise UsageError(f"{what} is a follow-up of issue 12, not built yet; drill without it")
    if args.poll_seconds is None or not 0 <= args.poll_seconds <= 600:
        raise UsageError(f"--poll-seconds {args.poll_seconds}: between 0 and 600")
    cfg = load_config(args.env, args.config_dir).data
    try:
        targets = plan.choose(cfg, args.resource, args.all)
    except plan.DrillInputError as exc:
        raise UsageError(str(exc)) from None
    if not targets:
        raise UsageError(f"--all: {args.env} has no protected table or bucket to drill")
    creds = _credentials(args, cfg)
    if any(t.ssn for t in targets):
        _require_break_glass(cfg, creds, UsageError)
    now = datetime.now(timezone.utc)
    results = _drill_all(cfg, creds, targets, args, plan.stamp(now), UsageError)
    from audit.drill import report

    doc = report.document(args.env, now, results)
    path = report.write(args.report_dir or REPO_ROOT / "reports" / args.env / "drill", doc)
    for r in results:
        seconds = "-" if r["restore_seconds"] is None else f"{r['restore_seconds']:.1f} s"
        failed = [c["name"] for c in r["checks"] if c["status"] == "failed"]
        print(f"{r['id']}: {r['status']} (restore {seconds}, RTO {r['rto_seconds']} s)"
              + (f": failed {', '.join(failed)}" if failed else ""))
    print(f"drill of {args.env}: {doc['status']}; {path} (also drill.md)")
    return EXIT_OK if doc["status"] == "passed" else EXIT_FAILED


def _require_break_glass(cfg: dict, creds: dict, UsageError: type) -> None:
    """SSN data is restored only through the break-glass: refuse unless all four SSN resources say open."""
    from audit import break_glass as bg
    from audit import break_glass_aws as aws

    try:
        sides, callers = aws.connect(cfg, creds, "compact-retention-drill")
        state = bg.overall(r.state for r in aws.read_resources(cfg, sides, callers))
    except (aws.BadSetup, aws.StepFailed) as exc:
        state = f"unknown ({exc})"
    if state != "open":
        raise UsageError(f"--resource ssn: the SSN table is drilled only while a break-glass is open (it is {state}); "
                         f"follow docs/runbooks/break-glass.md")


def _drill_all(cfg: dict, creds: dict, targets: list, args: argparse.Namespace, drill_id: str,
               UsageError: type) -> list[dict]:
    from botocore.exceptions import BotoCoreError, ClientError

    from audit.break_glass import config_roles
    from audit.drill import reference, restore, run
    from audit.sources.live import LiveSourceError, open_side
    from audit.sources.live_aws import ApiCalls, default_session

    account, region = cfg["environment_account_id"], cfg["primary_region"]
    try:
        side = open_side("environment", creds["environment"], account, region,
                         lambda c, region_name: default_session(c, region_name=region_name,
                                                                session_name="compact-retention-drill"), ApiCalls())
    except LiveSourceError as exc:
        raise UsageError(str(exc)) from None
    backup = side.client("backup")
    prepared, missing = [], []
    for target in targets:  # every precondition before anything is created
        try:
            prepared.append(run.find_point(backup, target))
        except restore.NoRecoveryPoint as exc:
            missing.append(str(exc))
        except (ClientError, BotoCoreError) as exc:
            missing.append(f"{target.id}: the recovery point cannot be read: {type(exc).__name__}: {exc}")
    if missing:
        raise UsageError("nothing was restored:\n  " + "\n  ".join(missing))
    general_role = f"arn:aws:iam::{account}:role/{cfg['roles']['general_backup_role_name']}"
    options = run.Options(
        drill_id=drill_id, account=account, region=region, endpoint_url=creds["environment"].endpoint_url,
        role_arn=lambda t: args.restore_role or (config_roles(cfg).environment if t.ssn else general_role),
        keep=args.keep, poll_seconds=args.poll_seconds,
        exact_reference=reference.is_sandbox(creds["environment"].endpoint_url))
    _say(f"drill {drill_id} of {cfg['environment']}: {len(prepared)} resource(s); comparison "
         + ("exact (the sandbox's recovery point data)" if options.exact_reference else
            "against the live sources (an approximation: docs/restore.md, Drills)"))
    return [run.drill(p, side.client, options, _say) for p in prepared]
