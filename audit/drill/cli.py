"""The ``retention drill`` subcommand: argument parsing and the run over the chosen resources. Kept out of
``audit.cli`` so that package only registers it: the run over the resources is the drill's own logic
(tests call its helpers), so it stays beside the drill's modules.

    retention drill --env ENV [--config-dir DIR] [--endpoint-url URL | --assume-role SIDE=ARN]
                    (--resource ID ... | --all) [--keep] [--report-dir DIR] [--restore-role ARN]
                    [--import-role ARN] [--from-backup-account [--copy-role ARN]] [--evidence DIR]

Restores the newest COMPLETED recovery point of each DynamoDB table and S3 bucket of the inventory into a
scratch resource, compares it with what the recovery point held, times it against the category's RTO and
writes drill.json, drill.md and drill.html. Credentials as for the live audit (profiles of the configuration,
--assume-role, --endpoint-url for the sandbox). With --from-backup-account the backup account's newest copy
is copied back into the local vault first (audit.drill.copy_back) by the backup account's copy-back role
(cloudformation/backup-account.yaml, roles.copy_back_role_name); a user pool's import job logs through the
Cognito import role (cloudformation/cognito-exporter.yaml, roles.cognito_import_role_name); --copy-role and
--import-role name other roles; with --evidence DIR the reports also go
into an evidence pack DIR/<env>-drill-<UTC time>/ with its MANIFEST.sha256 (audit.drill.report). Exit 0
every resource passed, 1 any failed, 2 bad input or an unmet precondition (unknown id, no recovery point,
SSN data without an open break-glass).
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def add_parser(sub: Any, env_args: Callable[[argparse.ArgumentParser], None],
               live_args: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser("drill", help="restore the newest recovery points into scratch resources, compare, time "
                                          "against the RTO (docs/restore.md, Drills)",
                            description=__doc__.split("\n\n")[2])
    env_args(parser)
    live_args(parser)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--resource", nargs="+", action="extend", metavar="ID",
                       help="inventory ids of tables, buckets or user pools (pool:ID where a table or bucket has the "
                            "id too; the SSN table only while a break-glass is open)")
    which.add_argument("--all", action="store_true", help="every protected table, bucket and user pool except SSN data")
    parser.add_argument("--keep", action="store_true", help="keep the scratch resources (default: deleted after the comparison)")
    parser.add_argument("--report-dir", type=Path, default=None, help="default: reports/<env>/drill/")
    parser.add_argument("--restore-role", default=None, metavar="ARN",
                        help="the role AWS Backup restores with (default: the general backup role; for SSN data the "
                             "break-glass role)")
    parser.add_argument("--poll-seconds", type=float, default=15.0, help="seconds between DescribeRestoreJob calls")
    parser.add_argument("--import-role", default=None, metavar="ARN",
                        help="user pools: the CloudWatchLogsRoleArn of the user import job (default: the "
                             "environment account's role roles.cognito_import_role_name, which "
                             "cloudformation/cognito-exporter.yaml deploys)")
    parser.add_argument("--from-backup-account", action="store_true",
                        help="drill the backup account's newest copy, copied back into the local vault first")
    parser.add_argument("--copy-role", default=None, metavar="ARN",
                        help="with --from-backup-account: the backup account's role AWS Backup copies back with "
                             "(default: the backup account's role roles.copy_back_role_name, which "
                             "cloudformation/backup-account.yaml deploys)")
    parser.add_argument("--evidence", dest="evidence_dir", type=Path, default=None, metavar="DIR",
                        help="also write an evidence pack DIR/<env>-drill-<UTC time>/ (drill.json, .md, .html, "
                             "MANIFEST.sha256)")
    parser.set_defaults(func=cmd_drill)


def import_role_arn(cfg: dict) -> str:
    """The configured Cognito import logs role of the environment account (--import-role's default): the
    CloudWatchLogsRoleArn a user import job needs, deployed by cloudformation/cognito-exporter.yaml."""
    return f"arn:aws:iam::{cfg['environment_account_id']}:role/{cfg['roles']['cognito_import_role_name']}"


def copy_role_arn(cfg: dict) -> str:
    """The configured copy-back role of the backup account (--copy-role's default): the IamRoleArn of the
    StartCopyJob that runs there, deployed by cloudformation/backup-account.yaml (CopyBackRole)."""
    return f"arn:aws:iam::{cfg['backup_account_id']}:role/{cfg['roles']['copy_back_role_name']}"


def _say(line: str) -> None:
    print(f"  {line}", file=sys.stderr, flush=True)


def cmd_drill(args: argparse.Namespace) -> int:  # noqa: C901 - one command's argument checks in the order the user reads them
    from audit.cli.common import UsageError, credentials as _credentials
    from audit.config import load_config
    from audit.drill import plan

    if args.copy_role and not args.from_backup_account:
        raise UsageError("--copy-role is for --from-backup-account only")
    if args.poll_seconds is None or not 0 <= args.poll_seconds <= 600:
        raise UsageError(f"--poll-seconds {args.poll_seconds}: between 0 and 600")
    cfg = load_config(args.env, args.config_dir).data
    args.import_role = args.import_role or import_role_arn(cfg)
    if args.from_backup_account:
        args.copy_role = args.copy_role or copy_role_arn(cfg)
    try:
        targets = plan.choose(cfg, args.resource, args.all)
    except plan.DrillInputError as exc:
        raise UsageError(str(exc)) from None
    for note in plan.collisions(cfg):  # an id of a pool and of a table or bucket: say which one is drilled
        if args.resource and note.split(" ", 1)[0] in args.resource:
            _say(note)
    if not targets:
        raise UsageError(f"--all: {args.env} has no protected table or bucket to drill")
    if args.from_backup_account:
        from audit.drill import copy_back

        if args.all:  # a pool is drilled from its export: the export bucket's copy is drilled as a bucket
            pools = [t.id for t in targets if t.kind not in copy_back.KINDS]
            targets = [t for t in targets if t.kind in copy_back.KINDS]
            if pools:
                _say(f"--from-backup-account: user pools {', '.join(pools)} left out (drilled from their export; "
                     f"the export bucket's copy is drilled as a bucket)")
        try:
            copy_back.check_inputs(cfg, targets, args.copy_role)
        except plan.DrillInputError as exc:
            raise UsageError(str(exc)) from None
    creds = _credentials(args, cfg)
    if any(t.ssn for t in targets):
        _require_break_glass(cfg, creds, UsageError)
    now = datetime.now(timezone.utc)
    results = _drill_all(cfg, creds, targets, args, plan.stamp(now), UsageError)
    from audit.drill import report
    from audit.project import reports_dir

    doc = report.document(args.env, now, results)
    path = report.write(args.report_dir or reports_dir() / args.env / "drill", doc)
    pack = report.write_pack(args.evidence_dir, cfg, doc, now) if args.evidence_dir is not None else None
    for r in results:
        seconds = "-" if r["restore_seconds"] is None else f"{r['restore_seconds']:.1f} s"
        failed = [c["name"] for c in r["checks"] if c["status"] == "failed"]
        print(f"{r['id']}: {r['status']} (restore {seconds}, RTO {r['rto_seconds']} s)"
              + (f": failed {', '.join(failed)}" if failed else ""))
    print(f"drill of {args.env}: {doc['status']}; {path} (also drill.md, drill.html)")
    if pack is not None:
        from audit.evidence.manifest import MANIFEST
        from audit.evidence.provenance import file_sha256

        print(f"evidence: {pack}")
        print(f"evidence manifest SHA-256: {file_sha256(pack / MANIFEST)} (record it to prove later the pack is unchanged)")
    return EXIT_OK if doc["status"] == "passed" else EXIT_FAILED


def _require_break_glass(cfg: dict, creds: dict, UsageError: type) -> None:
    """SSN data is restored only through the break-glass: refuse unless all four SSN resources say open."""
    from audit import break_glass as bg
    from audit.break_glass import aws

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

    from audit.drill import restore, run
    from audit.sources.live.aws import ApiCalls, default_session
    from audit.sources.live.build import LiveSourceError, open_side

    account, region = cfg["environment_account_id"], cfg["primary_region"]
    try:
        side = open_side("environment", creds["environment"], account, region,
                         lambda c, region_name: default_session(c, region_name=region_name,
                                                                session_name="compact-retention-drill"), ApiCalls())
    except LiveSourceError as exc:
        raise UsageError(str(exc)) from None
    if args.from_backup_account:
        return _drill_copies(cfg, creds, targets, args, drill_id, UsageError, side)
    prepared, missing = [], []
    for target in targets:  # every precondition before anything is created
        try:
            prepared.append(run.find_source(side.client, target))  # a user pool: its newest export
        except restore.NoRecoveryPoint as exc:
            missing.append(str(exc))
        except (ClientError, BotoCoreError) as exc:
            missing.append(f"{target.id}: the recovery point cannot be read: {type(exc).__name__}: {exc}")
    if missing:
        raise UsageError("nothing was restored:\n  " + "\n  ".join(missing))
    options = _options(cfg, creds, args, drill_id)
    _say(f"drill {drill_id} of {cfg['environment']}: {len(prepared)} resource(s); comparison "
         + ("exact (the sandbox's recovery point data)" if options.exact_reference else
            "against the live sources (an approximation: docs/restore.md, Drills)"))
    return [run.drill(p, side.client, options, _say) for p in prepared]


def _options(cfg: dict, creds: dict, args: argparse.Namespace, drill_id: str):
    """The run options of every target: the restore role (the general backup role, the break-glass role for
    SSN data, or --restore-role), the clean-up and polling choices, and whether the reference is exact."""
    from audit.break_glass import config_roles
    from audit.drill import reference, run

    account = cfg["environment_account_id"]
    general_role = f"arn:aws:iam::{account}:role/{cfg['roles']['general_backup_role_name']}"
    return run.Options(
        drill_id=drill_id, account=account, region=cfg["primary_region"], endpoint_url=creds["environment"].endpoint_url,
        role_arn=lambda t: args.restore_role or (config_roles(cfg).environment if t.ssn else general_role),
        keep=args.keep, poll_seconds=args.poll_seconds, import_role_arn=getattr(args, "import_role", None),
        exact_reference=reference.is_sandbox(creds["environment"].endpoint_url))


def _drill_copies(cfg: dict, creds: dict, targets: list, args: argparse.Namespace, drill_id: str, UsageError: type,
                  side) -> list[dict]:
    """--from-backup-account: every precondition first (a copy in the backup account, a local vault that
    accepts the copy back), then per target the copy back and the drill of the copied point."""
    from botocore.exceptions import BotoCoreError, ClientError

    from audit.deployment import lock_bounds
    from audit.drill import copy_back, restore, run
    from audit.drill.plan import DrillInputError
    from audit.sources.live.aws import ApiCalls, default_session
    from audit.sources.live.build import LiveSourceError, open_side

    backup_account = cfg["backup_account_id"]
    try:
        remote = open_side("backup", creds["backup"], backup_account, cfg["backup_region"],
                           lambda c, region_name: default_session(c, region_name=region_name,
                                                                  session_name="compact-retention-drill"), ApiCalls())
    except LiveSourceError as exc:
        raise UsageError(str(exc)) from None
    remote_backup, local_backup = remote.client("backup"), side.client("backup")
    sources, missing = [], []
    for target in targets:
        try:
            sources.append(copy_back.newest_copy(remote_backup, cfg, target))
            refusal = copy_back.vault_refusal(local_backup, cfg, target, args.copy_role)
            if refusal:
                missing.append(f"{target.id}: {refusal} (cloudformation/environment-backup.yaml, "
                               f"AllowCopyBackFromBackupAccount)")
        except DrillInputError as exc:
            missing.append(str(exc))
        except (ClientError, BotoCoreError) as exc:
            missing.append(f"{target.id}: the backup account's copy cannot be read: {type(exc).__name__}: {exc}")
    if missing:
        raise UsageError("nothing was copied or restored:\n  " + "\n  ".join(missing))
    options = _options(cfg, creds, args, drill_id)
    retention = lock_bounds(cfg, False)[0]
    _say(f"drill {drill_id} of {cfg['environment']}: {len(sources)} resource(s) from the backup account "
         f"{backup_account}, copied back into the local vaults (kept {retention} days, the vault lock's minimum)")
    results = []
    for source in sources:
        label, target = source.target.id, source.target
        try:
            _say(f"{label}: copying {source.point_arn} back into {target.vault}")
            job_id = copy_back.start(remote_backup, source, copy_back.local_vault_arn(cfg, target), args.copy_role,
                                     retention, drill_id)
            copied = copy_back.wait(remote_backup, job_id, label, _say, poll_seconds=args.poll_seconds,
                                    timeout_seconds=max(target.rto_seconds, 60))
            point = local_backup.describe_recovery_point(BackupVaultName=target.vault,
                                                         RecoveryPointArn=copied.local_point_arn)
            prepared = run.Prepared(target, point, restore.restore_metadata(local_backup, target, point["RecoveryPointArn"]))
        except (copy_back.CopyBackFailed, ClientError, BotoCoreError) as exc:
            detail = str(exc) if isinstance(exc, copy_back.CopyBackFailed) else f"{type(exc).__name__}: {exc}"
            results.append(copy_back.failed_result(source, cfg["environment_account_id"], drill_id, detail,
                                                   backup_account))
            continue
        results.append(copy_back.annotate(run.drill(prepared, side.client, options, _say), source, copied,
                                          backup_account))
    return results
