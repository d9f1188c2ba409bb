"""``retention audit``: evaluate every control of the features on a snapshot and write the reports; with
``--env all`` one process per environment (``audit.multi_env``), with ``--evidence`` an evidence pack
(``audit.evidence``; a live pack holds the static audit and the drift too), with ``--sarif`` the failures as
SARIF."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

from audit import project
from audit.cli.common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, UsageError, environments
from audit.cli.drift import drift_json
from audit.cli.snapshot import snapshot_of, source_args, static_snapshot
from audit.config import ConfigError, load_config


def _load_waivers(args: argparse.Namespace) -> list:
    """The waivers of --waivers FILE, else of <config dir>/waivers.yaml when it exists; bad input: exit 2."""
    from datetime import datetime, timezone

    from audit.waivers import WaiverError, default_waivers_path, load_waivers

    path = args.waivers or default_waivers_path(args.config_dir)
    if not path.is_file():
        if args.waivers is not None:
            raise UsageError(f"--waivers: no such file {path}")
        return []
    try:
        return load_waivers(path, today=datetime.now(timezone.utc).date())
    except WaiverError as exc:
        raise UsageError("invalid waivers (nothing was audited):\n  " + "\n  ".join(exc.problems)) from None


def _run_audit(args: argparse.Namespace, loaded, snapshot: dict, report_dir: Path):
    from audit.report import terminal_table
    from audit.runner import AuditError, run_audit
    from audit.waivers import WaiverSet

    try:
        report = run_audit(snapshot, report_dir=report_dir, features_dir=args.features_dir, tags=args.tags,
                           config=loaded.data, verbose=args.verbose, waivers=WaiverSet(getattr(args, "waiver_list", None)))
    except AuditError as exc:
        raise UsageError(str(exc)) from None
    print(f"{snapshot['mode']} audit of {args.env}")
    print(terminal_table(report, color=sys.stdout.isatty()))
    return report


def _worst(codes: Sequence[int]) -> int:
    """Bad input outranks a failure, which outranks success."""
    return EXIT_BAD_INPUT if EXIT_BAD_INPUT in codes else max(codes, default=EXIT_OK)


def _audit_all(args: argparse.Namespace) -> int:
    from audit.multi_env import account_regions, audit_all, default_jobs

    if args.assume_role:
        raise UsageError("--assume-role names the role of one account; with --env all every environment is read "
                         "with the profiles of its configuration")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs {args.jobs}: at least 1")
    names = environments(args)
    sarif_dir = args.sarif
    reads: dict[str, list[tuple[str, str]]] = {}
    for env in names if args.mode == "live" else []:
        try:
            reads[env] = account_regions(load_config(env, args.config_dir).data)
        except ConfigError:
            reads[env] = []  # its own process reports the bad configuration (exit 2)
    return audit_all(args.raw_argv, names, mode=args.mode, report_base=args.report_dir or project.reports_dir(),
                     jobs=args.jobs or default_jobs(len(names)), shared=lambda env: reads.get(env, []),
                     extra=(lambda env: ["--sarif", str(sarif_dir / f"{env}.sarif")]) if sarif_dir else (lambda env: ()))


def _evidence(args: argparse.Namespace, loaded, snapshot: dict, report, report_dir: Path, created_at) -> int:
    """Write the evidence pack of this audit; a live pack also holds the static audit and the drift.
    Returns the run's exit code over every part."""
    import contextlib
    import tempfile

    from audit.config.loader import default_config_dir
    from audit.evidence import Part, write_pack
    from audit.evidence.manifest import MANIFEST
    from audit.evidence.origins import template_files
    from audit.evidence.provenance import file_sha256
    from audit.sarif import build_sarif

    parts = [Part(args.mode, report_dir, report.summary(), report.exit_code())]
    files: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        if args.mode == "live":
            from audit.drift import compare, render

            _, static = static_snapshot(args)
            static_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="retention-static-")))
            static_report = _run_audit(args, loaded, static, static_dir)
            parts.insert(0, Part("static", static_dir, static_report.summary(), static_report.exit_code()))
            differences = compare(static, snapshot)
            files["drift/drift.json"] = drift_json(args.env, differences)
            files["drift/drift.txt"] = render(differences) + "\n"
            print(f"drift: {len(differences)} difference(s) between the templates and the accounts")
        else:
            static, static_report, differences = snapshot, report, None
        waivers = getattr(args, "waivers", None) or Path(args.config_dir or default_config_dir()) / "waivers.yaml"
        if waivers.is_file():  # the exceptions the run accepted are evidence too
            files["waivers.yaml"] = waivers.read_text(encoding="utf-8")
        features_dir = args.features_dir or project.features_dir()
        files["static/report.sarif"] = json.dumps(build_sarif(static_report, features_dir=features_dir),
                                                  indent=2, sort_keys=True) + "\n"
        codes = [part.exit_code for part in parts] + ([EXIT_FAILED if differences else EXIT_OK] if differences is not None else [])
        outcomes = {"drift": {"differences": len(differences), "exit_code": codes[-1]}} if differences is not None else {}
        pack = write_pack(args.evidence, environment=args.env, mode=args.mode, created_at=created_at, parts=parts,
                          outcomes=outcomes, features_dir=features_dir, config=loaded.data,
                          templates=template_files(static, args.templates_dir or project.templates_dir()),
                          files=files, tags=args.tags, exit_code=_worst(codes))
    print(f"evidence: {pack}")
    print(f"evidence manifest SHA-256: {file_sha256(pack / MANIFEST)} (record it to prove later the pack is unchanged)")
    return _worst(codes)


def cmd_audit(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    if args.sarif is not None and args.mode != "static":
        raise UsageError("--sarif: SARIF maps failures to template lines and is written by the static audit (--mode static)")
    if args.env == "all":
        return _audit_all(args)
    args.waiver_list = _load_waivers(args)
    created_at = datetime.now(timezone.utc)
    loaded, snapshot = snapshot_of(args)
    report_dir = args.report_dir or project.reports_dir() / args.env / args.mode
    report = _run_audit(args, loaded, snapshot, report_dir)
    print(f"reports: {report_dir}/report.html (also report.md, report.json, junit.xml, cucumber.json, snapshot.json)")
    if not report.controls:
        print("no control was run (check --tags)", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.sarif is not None:
        from audit.sarif import write_sarif

        print(f"SARIF: {write_sarif(report, args.sarif, features_dir=args.features_dir or project.features_dir())}")
    if args.evidence is not None:
        return _evidence(args, loaded, snapshot, report, report_dir, created_at)
    return report.exit_code()


def add_parser(sub: Any) -> None:
    audit = sub.add_parser("audit", help="evaluate every control of features/ and write the reports")
    source_args(audit, allow_all=True)
    audit.add_argument("--report-dir", type=Path, default=None,
                       help="default: reports/<env>/<mode>/; with --env all the base of <env>/<mode>/")
    audit.add_argument("--evidence", type=Path, default=None, metavar="DIR",
                       help="also write an evidence pack DIR/<env>-<mode>-<UTC time>/"
                            " (a live pack holds the static audit and the drift too)")
    audit.add_argument("--sarif", type=Path, default=None, metavar="FILE",
                       help="static: also write the failures as SARIF 2.1.0 (with --env all: a folder of <env>.sarif)")
    audit.add_argument("--jobs", type=int, default=None, help="--env all: environments audited at once (default: all, at most 8)")
    audit.add_argument("--tags", default=None, help="pytest marker expression over the scenario tags, e.g. 'rpo or ISO-02'")
    audit.add_argument("--features-dir", type=Path, default=None,
                       help="folder of the feature files (default: the features shipped with the tool)")
    audit.add_argument("--verbose", action="store_true", help="show pytest's own output")
    audit.add_argument("--waivers", type=Path, default=None, metavar="FILE",
                       help="waivers to apply (default: waivers.yaml of the configuration folder, if present)")
    audit.set_defaults(func=cmd_audit)
