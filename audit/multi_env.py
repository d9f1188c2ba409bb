"""``retention audit --env all``: every environment audited concurrently, one summary table at the end.

Each environment is audited by its own process of the CLI, with the same arguments and ``--env <name>``
(a later occurrence of an option wins in argparse, so the user's arguments are passed on untouched and
an option added to ``audit`` later needs no change here). Processes, not threads: the features run
in-process through pytest, which keeps global state (plugins, ``sys.modules``, captured output) and is not
thread-safe; a process per environment also isolates a crash or a hung account to one environment.

Live audits of two environments never run at the same time when they read the same account in the same
region (a backup account shared by several environments, say): AWS Backup's request quotas are per account
and region, and each process already paces itself to them, so two processes on one account would only
throttle each other. Each environment holds a lock per (account, region) it reads while its process runs;
the locks are taken in sorted order, so two environments never wait on each other in a cycle.

Reports go to ``<report base>/<env>/<mode>/`` (the base is ``--report-dir``, default ``reports/``). The
table takes each environment's counts from its ``report.json`` and its exit code from the process:
exit 2 if any environment had bad input, else 1 if any failed, else 0.
"""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

DEFAULT_MAX_JOBS = 8
EVIDENCE_LINE = "evidence: "


@dataclass
class EnvResult:
    environment: str
    mode: str
    exit_code: int
    passed: int | None
    failed: int | None
    evidence: str | None
    output: str


def account_regions(cfg: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (account, region) pairs a live audit of the environment ``cfg`` reads."""
    return sorted({(str(cfg["environment_account_id"]), str(cfg["primary_region"])),
                   (str(cfg["backup_account_id"]), str(cfg["backup_region"]))})


def default_jobs(count: int) -> int:
    return max(1, min(count, DEFAULT_MAX_JOBS))


def _counts(report_dir: Path) -> tuple[int | None, int | None]:
    try:
        summary = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))["summary"]
        return int(summary["passed"]), int(summary["failed"])
    except (OSError, ValueError, KeyError, TypeError):
        return None, None


def audit_one(argv: Sequence[str], environment: str, mode: str, report_dir: Path,
              extra: Sequence[str] = ()) -> EnvResult:
    command = [sys.executable, "-m", "audit.cli", *argv, "--env", environment, "--report-dir", str(report_dir), *extra]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    output = done.stdout + done.stderr
    passed, failed = _counts(report_dir) if done.returncode in (0, 1) else (None, None)
    evidence = next((line[len(EVIDENCE_LINE):].strip() for line in done.stdout.splitlines()
                     if line.startswith(EVIDENCE_LINE)), None)
    return EnvResult(environment, mode, done.returncode, passed, failed, evidence, output)


def summary_table(results: Sequence[EnvResult]) -> str:
    rows = [("ENV", "MODE", "PASSED", "FAILED", "EXIT", "EVIDENCE")]
    for r in sorted(results, key=lambda r: r.environment):
        rows.append((r.environment, r.mode, "-" if r.passed is None else str(r.passed),
                     "-" if r.failed is None else str(r.failed), str(r.exit_code), r.evidence or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows) + "\n"


def overall_exit(results: Sequence[EnvResult]) -> int:
    codes = {r.exit_code for r in results}
    if codes - {0, 1}:
        return 2
    return 1 if 1 in codes else 0


def audit_all(argv: Sequence[str], environments: Sequence[str], *, mode: str, report_base: Path, jobs: int,
              extra: Callable[[str], Sequence[str]] = lambda env: (),
              shared: Callable[[str], Sequence[tuple[str, str]]] = lambda env: (),
              echo: Callable[[str], None] = print, run_one: Callable[..., EnvResult] = audit_one) -> int:
    """Audit ``environments`` with at most ``jobs`` processes at a time; echo each one's output when it ends,
    then the summary table. ``extra(env)`` gives further arguments of one environment's process;
    ``shared(env)`` the (account, region) pairs no other environment may read at the same time."""
    lock = threading.Lock()
    locks: dict[tuple[str, str], threading.Lock] = {key: threading.Lock() for env in environments for key in shared(env)}

    def run(environment: str) -> EnvResult:
        with contextlib.ExitStack() as held:
            for key in sorted(set(shared(environment))):
                held.enter_context(locks[key])
            result = run_one(argv, environment, mode, report_base / environment / mode, extra(environment))
        with lock:
            echo(f"--- {environment} ({mode}): exit {result.exit_code}\n{result.output.rstrip()}")
        return result

    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="env") as pool:
        results = list(pool.map(run, environments))
    echo(f"\n{mode} audit of {len(results)} environment(s)\n" + summary_table(results).rstrip())
    return overall_exit(results)
