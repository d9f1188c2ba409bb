"""Benchmark: why audit/events.py matches event patterns itself instead of importing moto's matcher.

Prints, each in a fresh interpreter (median of --runs): the time to import audit.events, the time to import
moto.events.models (moto's EventPattern), and the time the monitoring controls MON-01 and MON-05 take to
match every documented failure event against every rule of the example environment with audit.events.
Run: .venv/bin/python bench/event_pattern.py [--runs 5]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

IMPORT = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
CONTROLS = """
import time
from audit.config import load_config
from audit.controls import monitoring
from audit.snapshot import Posture
from audit.sources.static.build import build_snapshot
posture = Posture(build_snapshot(load_config("example").data))
rows = [{"failure class": n, "sample event": n, "vault": v} for n, v in (
    ("backup-job-failed", "general"), ("backup-job-aborted", "general"), ("backup-job-expired", "general"),
    ("copy-job-failed", "general"), ("recovery-point-partial", "general"), ("recovery-point-expired", "general"),
    ("recovery-point-deleting", "general"), ("backup-vault-modified", "general"), ("backup-vault-deleted", "general"),
    ("backup-plan-modified", "-"), ("backup-plan-deleted", "-"))]
t = time.perf_counter()
assert monitoring.failure_classes_reach_topic(posture, rows, "alerts").passed
print(time.perf_counter() - t)
"""


def median_seconds(code: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
        times.append(float(out.strip().splitlines()[-1]))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    ours = median_seconds(IMPORT.format(module="audit.events"), runs)
    motos = median_seconds(IMPORT.format(module="moto.events.models"), runs)
    match = median_seconds(CONTROLS, runs)
    print(f"import audit.events:        {ours * 1000:8.1f} ms")
    print(f"import moto.events.models:  {motos * 1000:8.1f} ms")
    print(f"MON-01 (11 events x rules): {match * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
