"""Benchmark: the static audit of every bundled environment, each run as its own command, against
cfn-lint on the same templates. Prints wall times (median of --runs) and the ratio audit / cfn-lint.

Target (issue 3): the four audits together take no longer than cfn-lint; aim for half.
Run: .venv/bin/python bench/static_audit.py [--runs 3]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0,):
        raise SystemExit(f"{' '.join(command)} exited {result.returncode}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    envs = sorted(p.stem for p in (REPO / "config").glob("*.json") if p.name != "defaults.json")
    templates = sorted(str(p) for p in (REPO / "cloudformation").glob("*.yaml"))
    audits, lints = [], []
    with tempfile.TemporaryDirectory() as reports:
        for _ in range(args.runs):
            audits.append(sum(timed([str(BIN / "retention"), "audit", "--mode", "static", "--env", env,
                                     "--report-dir", f"{reports}/{env}"]) for env in envs))
            lints.append(timed([str(BIN / "cfn-lint"), *templates]))
    audit, lint = statistics.median(audits), statistics.median(lints)
    print(f"templates: {len(templates)}, environments: {len(envs)} ({', '.join(envs)}), runs: {args.runs}")
    print(f"static audit, {len(envs)} commands: {audit:.2f} s (median; {audit / len(envs):.2f} s per environment)")
    print(f"cfn-lint, 1 command on the same templates: {lint:.2f} s (median)")
    print(f"ratio audit / cfn-lint: {audit / lint:.2f} (target <= 1.0, aim 0.5)")


if __name__ == "__main__":
    main()
