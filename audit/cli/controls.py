"""``retention controls``: the control catalogue (``audit/catalogue/catalogue.yaml``, shipped with the tool) as a table,
JSON or Markdown, per control or per framework requirement (what it prints is ``audit.catalogue.render``'s);
with ``--check``, compared with the feature files' control ids and framework tags."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from audit.cli.common import EXIT_FAILED, EXIT_OK, UsageError


def cmd_controls(args: argparse.Namespace) -> int:
    """Print the control catalogue; with --check, compare it with the feature files (exit 1 on any difference)."""
    from audit.catalogue import CatalogueError, load_catalogue
    from audit.catalogue.render import render
    from audit.project import features_dir

    if args.catalogue is not None and not args.catalogue.is_file():
        raise UsageError(f"--catalogue: no such file {args.catalogue}")
    try:
        catalogue = load_catalogue(args.catalogue)
    except CatalogueError as exc:
        raise UsageError("invalid control catalogue:\n  " + "\n  ".join(exc.problems)) from None
    if args.check:
        from audit.catalogue.check import check

        folder = args.features_dir or features_dir()
        if not folder.is_dir():
            raise UsageError(f"--features-dir: no such folder {folder}")
        problems = check(catalogue, folder)
        for problem in problems:
            print(problem)
        print(f"catalogue and features: {len(problems)} difference(s)" if problems else
              f"catalogue and features agree: {len(catalogue.entries)} controls")
        return EXIT_FAILED if problems else EXIT_OK
    sys.stdout.write(render(catalogue, args.format, args.framework))
    return EXIT_OK


def add_parser(sub: Any) -> None:
    controls = sub.add_parser("controls", help="the control catalogue: titles, rationale, framework mappings")
    controls.add_argument("--format", choices=["table", "json", "md"], default="table")
    controls.add_argument("--framework", choices=["nist", "backup-audit-manager"], default=None,
                          help="one row per requirement of this framework, with the controls mapped to it")
    controls.add_argument("--check", action="store_true",
                          help="compare the catalogue with the feature files' control ids and framework tags; exit 1 on any difference")
    controls.add_argument("--features-dir", type=Path, default=None,
                          help="--check: folder of the feature files (default: the features shipped with the tool)")
    controls.add_argument("--catalogue", type=Path, default=None, help="catalogue file (default: audit/catalogue/catalogue.yaml)")
    controls.set_defaults(func=cmd_controls)
