"""The ``retention sandbox`` commands, registered by the sandbox itself: the audit never imports the sandbox.

pyproject.toml declares ``register`` in the entry-point group ``compact_retention.commands``; ``audit.cli``
calls every function of that group with its subcommands, so ``retention sandbox ...`` exists wherever this
package is installed, and the audit's code names no sandbox module.

    retention sandbox run-backups        every deployed backup plan once, as AWS would at a point in time
    retention sandbox run-exports        the scheduled Cognito exports once, as EventBridge and Lambda would
    retention sandbox run-restore-tests  the restore testing plans due at a point in time, then the clean-up

Why clients of sandbox routes: the backup and restore jobs need moto's in-memory state, so the runs happen in
the sandbox process (``POST /_sandbox/run-backups``, ``POST /_sandbox/run-restore-tests``:
``sandbox.restore_test_runner``), and these commands ask for them and print what happened. Then, as
EventBridge and Lambda would on AWS, run-restore-tests runs the deployed restore validation function in this
process for every COMPLETED restore test job (``sandbox.restore_validation``; moto cannot invoke a Lambda
function), so each job gets its PutRestoreValidationResult. ``--latest-due`` runs each plan at its own latest
scheduled start before ``--at`` (the demo's "tests of the last cadence"), validates, then cleans up at ``--at``.

Exit codes as every ``retention`` command: run-restore-tests exits 0 when every restore test started
COMPLETED, validated SUCCESSFUL, and every clean-up succeeded (or nothing was due), 1 when a restore, a
validation or a clean-up failed, 2 for bad input or a sandbox that does not answer.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from typing import Any

from audit.cli.common import EXIT_FAILED, EXIT_OK, UsageError, env_args, subcommands

DEFAULT_ENDPOINT = "http://127.0.0.1:5000"


def _require_moto(command: str) -> None:
    """The sandbox's client code imports moto (its account keys): an install without the ``sandbox`` extra
    is told what to install, before anything runs."""
    import importlib.util

    if importlib.util.find_spec("moto") is None:
        raise UsageError(f"retention sandbox {command}: the sandbox is not installed (no moto); "
                         "install it with: pip install 'compact-retention[sandbox]'")


def _at(text: str | None, example: str) -> str:
    """``--at``: an ISO 8601 time (default: now)."""
    at = text or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--at {at!r}: not an ISO 8601 time (e.g. {example})") from None
    return at


def cmd_sandbox_run_backups(args: argparse.Namespace) -> int:
    """Ask the sandbox to run every deployed plan once, as AWS would at --at (default: now)."""
    from audit.config import load_config

    cfg = load_config(args.env, args.config_dir).data
    at = _at(args.at, "2026-11-27T02:00:00Z")
    result = post(args.endpoint_url, "/_sandbox/run-backups", {"at": at, "organization_id": cfg["organization_id"]},
                  timeout=120)
    for job in result["jobs"]:
        if job["state"] != "COMPLETED":
            print(f"  {job['type']} job of {job['resource']} into {job['vault']}: {job['state']}: {job['message']}")
    backups, copies = result["backup_jobs"], result["copy_jobs"]
    print(f"sandbox run at {result['at']}: backup jobs {backups['completed']} completed, {backups['failed']} failed; "
          f"copy jobs {copies['completed']} completed, {copies['failed']} failed")
    return EXIT_OK


def cmd_sandbox_run_exports(args: argparse.Namespace) -> int:
    """Run the night's Cognito exports in the sandbox: each scheduled exporter rule, to completion."""
    _require_moto("run-exports")
    from botocore.exceptions import BotoCoreError, ClientError

    from audit.config import load_config
    from exporter.handler import ExportFailed
    from sandbox.exports import run_exports

    cfg = load_config(args.env, args.config_dir).data
    try:
        results = run_exports(args.endpoint_url, cfg["environment_account_id"], cfg["primary_region"], day=args.day)
    except ExportFailed as exc:
        print(f"export FAILED: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except (ClientError, BotoCoreError) as exc:
        raise UsageError(f"--endpoint-url {args.endpoint_url}: the sandbox did not answer as expected ({exc})") from None
    if not results:
        print("no enabled schedule targets an exporter function (is the cognito-exporter stack deployed?)", file=sys.stderr)
        return EXIT_FAILED
    for result in results:
        counts = result.get("counts") or {}
        print(f"  {result['rule']}: {result['status']} after {result['invocations']} invocation(s); pool {result.get('pool_id')}, "
              f"{counts.get('users', 0)} users, {counts.get('groups', 0)} groups, {counts.get('memberships', 0)} memberships")
    complete = all(r["status"] in ("complete", "already_complete") for r in results)
    return EXIT_OK if complete else EXIT_FAILED


# sandbox.restore_test_runner.ROUTE, not imported: importing the runner installs the sandbox's moto extensions
ROUTE = "/_sandbox/run-restore-tests"


def post(endpoint_url: str, route: str, body: dict[str, Any], timeout: float = 300) -> dict[str, Any]:
    """POST ``body`` to a sandbox route; its JSON answer (UsageError when the sandbox does not answer)."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(endpoint_url.rstrip("/") + route, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise UsageError(f"--endpoint-url {endpoint_url}: the sandbox did not answer ({exc})") from None


def _validate(endpoint_url: str, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The validation function's results for the COMPLETED jobs (imported when run: it imports
    boto3)."""
    from sandbox.restore_validation import validate_jobs

    results = validate_jobs(endpoint_url, jobs)
    for found in results:
        where = f" ({found['function']})" if found.get("function") else ""
        print(f"  validation of {found['resource']} (job {found['job_id']}){where}: {found['status']}: "
              f"{found.get('message') or found.get('reason') or ''}")
    return results


def cmd_run_restore_tests(args: argparse.Namespace) -> int:
    from audit.config import load_config

    _require_moto("run-restore-tests")
    load_config(args.env, args.config_dir)  # a bad environment is bad input before anything runs
    at = _at(args.at, "2026-11-29T05:00:00Z")
    if not 0 <= args.restore_minutes <= 10080:  # NaN fails too
        raise UsageError(f"--restore-minutes {args.restore_minutes}: between 0 and 10080 (a week)")
    result = post(args.endpoint_url, ROUTE, {"at": at, "latest_due": bool(args.latest_due),
                                             "restore_minutes": args.restore_minutes})
    _print(result)
    validations = _validate(args.endpoint_url, result["jobs"])
    if args.latest_due:  # the clean-up, now that the validation has read the restored resources
        cleaned = post(args.endpoint_url, ROUTE, {"at": at})
        _print(cleaned)
        result = {**result, "jobs": result["jobs"] + cleaned["jobs"], "deleted": cleaned["deleted"]}
        validations += _validate(args.endpoint_url, cleaned["jobs"])
    invalid = [v for v in validations if v["status"] in ("FAILED", "ERROR")]
    print(f"validations: {sum(v['status'] == 'SUCCESSFUL' for v in validations)} successful, {len(invalid)} failed, "
          f"{sum(v['status'] == 'NO_FUNCTION' for v in validations)} without a deployed validation function")
    failed = [j for j in result["jobs"] if j["status"] == "FAILED"] + \
        [d for d in result["deleted"] if d["status"] == "FAILED"]
    return EXIT_FAILED if failed or invalid else EXIT_OK


def _print(result: dict[str, Any]) -> None:
    for plan in result["plans"]:
        when = f"due (scheduled {plan['scheduled']})" if plan["due"] else "not due"
        print(f"plan {plan['plan']} ({plan['account']} {plan['region']}): {when}")
    for job in result["jobs"]:
        outcome = f" -> {job['created_resource']}" if job.get("created_resource") else ""
        message = f": {job['message']}" if job.get("message") else ""
        print(f"  {job['selection']}: {job['resource']}: {job['status']}{outcome}{message}")
    for gone in result["deleted"]:
        message = f": {gone['message']}" if gone.get("message") else ""
        print(f"  clean-up of {gone['resource']} (job {gone['job_id']}): {gone['status']}{message}")
    due = sum(p["due"] for p in result["plans"])
    print(f"sandbox restore tests at {result['at']}: {due} of {len(result['plans'])} plan(s) due; "
          f"{sum(j['status'] == 'COMPLETED' for j in result['jobs'])} restore(s) completed, "
          f"{sum(j['status'] == 'FAILED' for j in result['jobs'])} failed, "
          f"{sum(j['status'] == 'SKIPPED' for j in result['jobs'])} without a recovery point; "
          f"{sum(d['status'] == 'SUCCESSFUL' for d in result['deleted'])} test resource(s) deleted")


def register(sub: Any) -> None:
    """Add ``retention sandbox`` and its subcommands to the ``retention`` subcommands ``sub``."""
    sandbox = subcommands(sub.add_parser("sandbox", help="the local sandbox (moto)"), "sandbox_command")
    run = sandbox.add_parser("run-backups", help="run every deployed backup plan once, as AWS would at a point in time")
    env_args(run)
    run.add_argument("--endpoint-url", default=DEFAULT_ENDPOINT, help=f"the sandbox (default: {DEFAULT_ENDPOINT})")
    run.add_argument("--at", default=None, help="ISO 8601 time of the run (default: now)")
    run.set_defaults(func=cmd_sandbox_run_backups)
    exports = sandbox.add_parser("run-exports", help="run the scheduled Cognito exports once, as EventBridge and Lambda would")
    env_args(exports)
    exports.add_argument("--endpoint-url", default=DEFAULT_ENDPOINT, help=f"the sandbox (default: {DEFAULT_ENDPOINT})")
    exports.add_argument("--day", default=None, help="the export day YYYY-MM-DD (default: today, UTC)")
    exports.set_defaults(func=cmd_sandbox_run_exports)
    tests = sandbox.add_parser("run-restore-tests",
                               help="run the restore testing plans due at a point in time, then delete expired test resources")
    env_args(tests)
    tests.add_argument("--endpoint-url", default=DEFAULT_ENDPOINT, help=f"the sandbox (default: {DEFAULT_ENDPOINT})")
    tests.add_argument("--at", default=None, help="ISO 8601 time of the run (default: now)")
    tests.add_argument("--latest-due", action="store_true",
                       help="run each plan at its latest scheduled start before --at, validate, then clean up at --at")
    tests.add_argument("--restore-minutes", type=float, default=0.0, metavar="M",
                       help="how long each sandbox restore takes, 0-10080 (default 0: the sandbox restores at once; "
                            "above a category's rto_hours it plays a slow restore for RES-06)")
    tests.set_defaults(func=cmd_run_restore_tests)
