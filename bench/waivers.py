"""Benchmark: what waivers cost an audit. Prints wall times (median of --runs):

- loading the waivers file in a fresh interpreter, as every ``retention audit`` does, after the imports
  every audit makes anyway: the bundled file (no waiver: recognised without importing a YAML parser),
  one waiver, and --many waivers (YAML parser, catalogue and checks included);
- applying --many waivers to one failing outcome with --many subjects and failures (the plugin does
  this once per recorded outcome).

Run: .venv/bin/python bench/waivers.py [--runs 5] [--many 200]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# audit.waivers and what it imports (the report model, the controls) are imported by every audit anyway:
# what is timed is what the waivers file adds, the YAML parser and the catalogue included when it is needed.
LOAD = ("import sys, time; from datetime import date; from audit.waivers import load_waivers; t = time.perf_counter(); "
        "n = len(load_waivers(sys.argv[1], today=date.today())); print(time.perf_counter() - t, n, 'yaml' in sys.modules)")


def waivers_text(count: int) -> str:
    expires = (date.today() + timedelta(days=30)).isoformat()
    return "".join(f"- control: COV-04\n  resource: s3 bucket b-{i}\n  justification: accepted {i}\n  expires: {expires}\n"
                   for i in range(count))


def load_in_fresh_process(path: Path, runs: int) -> tuple[float, int, bool]:
    times, count, yaml = [], 0, False
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", LOAD, str(path)], cwd=REPO, capture_output=True, text=True, check=True)
        seconds, count, yaml = out.stdout.split()
        times.append(float(seconds))
    return statistics.median(times), int(count), yaml == "True"


def split_time(many: int, runs: int) -> float:
    from audit.controls import Outcome
    from audit.report.model import Waiver
    from audit.waivers import WaiverSet

    waivers = [Waiver(control="COV-04", resource=f"s3 bucket b-{i}", justification="x", expires="2099-01-01",
                      source=f"w.yaml:{i}") for i in range(many)]
    outcome = Outcome(subjects=[f"s3 bucket b-{i}" for i in range(many)],
                      failures=[f"s3 bucket b-{i}: versioning Suspended" for i in range(many)])
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        WaiverSet(waivers).split("COV-04", outcome)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--many", type=int, default=200)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    with tempfile.TemporaryDirectory() as folder:
        files = {"bundled config/waivers.yaml": REPO / "config" / "waivers.yaml"}
        for count in (1, args.many):
            files[f"{count} waiver(s)"] = Path(folder) / f"w{count}.yaml"
            files[f"{count} waiver(s)"].write_text(waivers_text(count))
        print(f"load in a fresh interpreter (median of {args.runs}):")
        for label, path in files.items():
            seconds, count, yaml = load_in_fresh_process(path, args.runs)
            print(f"  {label:<28} {seconds * 1000:7.1f} ms  {count:4d} waivers  YAML parser imported: {'yes' if yaml else 'no'}")
    print(f"apply {args.many} waivers to one outcome with {args.many} failures: {split_time(args.many, args.runs) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
