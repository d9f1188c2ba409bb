"""``retention sandbox run-restore-tests``: run the sandbox's due restore testing plans at a point in time.

Why a client of a sandbox route: the restore jobs need moto's in-memory state, so the run happens in the
sandbox process (``sandbox.restore_test_runner``, ``POST /_sandbox/run-restore-tests``), as the backups do;
this command asks for it and prints what happened. Then, as EventBridge and Lambda would on AWS, it runs the
deployed restore validation function in this process for every COMPLETED restore test job
(``sandbox.restore_validation``; moto cannot invoke a Lambda function), so each job gets its
PutRestoreValidationResult. ``--latest-due`` runs each plan at its own latest scheduled start before ``--at``
(the demo's "tests of the last cadence"), validates, then cleans up at ``--at``.

Exit 0 when every restore test started COMPLETED, validated SUCCESSFUL, and every clean-up succeeded (or nothing
was due), 1 when a restore, a validation or a clean-up failed, 2 for bad input or a sandbox that does not answer.
"""
from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from typing import Any, Callable

__all__ = ["add_parser", "cmd_run_restore_tests"]

# sandbox.restore_test_runner.ROUTE, not imported: importing the runner installs the sandbox's moto extensions
ROUTE = "/_sandbox/run-restore-tests"


def _at(text: str | None) -> str:
    from audit.cli_common import UsageError

    at = text or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--at {at!r}: not an ISO 8601 time (e.g. 2026-11-29T05:00:00Z)") from None
    return at


def post(endpoint_url: str, route: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST ``body`` to a sandbox route; its JSON answer (UsageError when the sandbox does not answer)."""
    import urllib.error
    import urllib.request

    from audit.cli_common import UsageError

    request = urllib.request.Request(endpoint_url.rstrip("/") + route, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise UsageError(f"--endpoint-url {endpoint_url}: the sandbox did not answer ({exc})") from None


def _validate(endpoint_url: str, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The validation function's results for the COMPLETED jobs (sandbox client code, imported lazily like
    the exporter's run: the audit itself never imports the sandbox)."""
    from sandbox.restore_validation import validate_jobs

    results = validate_jobs(endpoint_url, jobs)
    for found in results:
        where = f" ({found['function']})" if found.get("function") else ""
        print(f"  validation of {found['resource']} (job {found['job_id']}){where}: {found['status']}: "
              f"{found.get('message') or found.get('reason') or ''}")
    return results


def cmd_run_restore_tests(args: argparse.Namespace) -> int:
    from audit.cli_common import EXIT_FAILED, EXIT_OK, UsageError
    from audit.config import load_config

    load_config(args.env, args.config_dir)  # a bad environment is bad input before anything runs
    at = _at(args.at)
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


def add_parser(sandbox: Any, env_args: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add ``run-restore-tests`` to the ``retention sandbox`` subcommands."""
    run = sandbox.add_parser("run-restore-tests",
                             help="run the restore testing plans due at a point in time, then delete expired test resources")
    env_args(run)
    run.add_argument("--endpoint-url", default="http://127.0.0.1:5000", help="the sandbox (default: http://127.0.0.1:5000)")
    run.add_argument("--at", default=None, help="ISO 8601 time of the run (default: now)")
    run.add_argument("--latest-due", action="store_true",
                     help="run each plan at its latest scheduled start before --at, validate, then clean up at --at")
    run.add_argument("--restore-minutes", type=float, default=0.0, metavar="M",
                     help="how long each sandbox restore takes, 0-10080 (default 0: the sandbox restores at once; "
                          "above a category's rto_hours it plays a slow restore for RES-06)")
    run.set_defaults(func=cmd_run_restore_tests)
