"""``retention sandbox run-restore-tests``: run the sandbox's due restore testing plans at a point in time.

Why a client of a sandbox route: the restore jobs need moto's in-memory state, so the run happens in the
sandbox process (``sandbox.restore_test_runner``, ``POST /_sandbox/run-restore-tests``), as the backups do;
this command asks for it and prints what happened. Exit 0 when every restore test started COMPLETED and every
clean-up succeeded (or nothing was due), 1 when a restore or a clean-up failed, 2 for bad input or a sandbox
that does not answer.
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
    from audit.cli import UsageError

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

    from audit.cli import UsageError

    request = urllib.request.Request(endpoint_url.rstrip("/") + route, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise UsageError(f"--endpoint-url {endpoint_url}: the sandbox did not answer ({exc})") from None


def cmd_run_restore_tests(args: argparse.Namespace) -> int:
    from audit.cli import EXIT_FAILED, EXIT_OK, load_config

    load_config(args.env, args.config_dir)  # a bad environment is bad input before anything runs
    result = post(args.endpoint_url, ROUTE, {"at": _at(args.at)})
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
    failed = [j for j in result["jobs"] if j["status"] == "FAILED"] + \
        [d for d in result["deleted"] if d["status"] == "FAILED"]
    due = sum(p["due"] for p in result["plans"])
    print(f"sandbox restore tests at {result['at']}: {due} of {len(result['plans'])} plan(s) due; "
          f"{sum(j['status'] == 'COMPLETED' for j in result['jobs'])} restore(s) completed, "
          f"{sum(j['status'] == 'FAILED' for j in result['jobs'])} failed, "
          f"{sum(j['status'] == 'SKIPPED' for j in result['jobs'])} without a recovery point; "
          f"{sum(d['status'] == 'SUCCESSFUL' for d in result['deleted'])} test resource(s) deleted")
    return EXIT_FAILED if failed else EXIT_OK


def add_parser(sandbox: Any, env_args: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add ``run-restore-tests`` to the ``retention sandbox`` subcommands."""
    run = sandbox.add_parser("run-restore-tests",
                             help="run the restore testing plans due at a point in time, then delete expired test resources")
    env_args(run)
    run.add_argument("--endpoint-url", default="http://127.0.0.1:5000", help="the sandbox (default: http://127.0.0.1:5000)")
    run.add_argument("--at", default=None, help="ISO 8601 time of the run (default: now)")
    run.set_defaults(func=cmd_run_restore_tests)
