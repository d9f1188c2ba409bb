"""``retention drift``: the differences between the templates (the static snapshot) and the accounts (the
live one), written to drift.json; exit 1 when there is any (``audit.drift``)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Sequence

from audit.cli.common import EXIT_FAILED, EXIT_OK, env_args, live_args


def drift_json(environment: str, differences: Sequence) -> str:
    return json.dumps({"environment": environment, "differences": [d.to_json() for d in differences]},
                      indent=2, sort_keys=True, default=str) + "\n"


def cmd_drift(args: argparse.Namespace) -> int:
    from audit.cli.snapshot import live_snapshot, static_snapshot
    from audit.drift import compare, render
    from audit.project import reports_dir

    args.mode = "static"
    _, static = static_snapshot(args)
    _, live = live_snapshot(args)
    differences = compare(static, live)
    report_dir = args.report_dir or reports_dir() / args.env / "drift"
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "drift.json").write_text(drift_json(args.env, differences), encoding="utf-8")
    print(render(differences))
    print(f"{len(differences)} difference(s); {report_dir / 'drift.json'}")
    return EXIT_FAILED if differences else EXIT_OK


def add_parser(sub: Any) -> None:
    drift = sub.add_parser("drift", help="differences between the templates (static) and the accounts (live)")
    env_args(drift)
    drift.add_argument("--templates-dir", type=Path, default=None)
    drift.add_argument("--report-dir", type=Path, default=None, help="default: reports/<env>/drift/")
    live_args(drift)
    drift.set_defaults(func=cmd_drift)
