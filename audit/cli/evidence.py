"""``retention evidence verify``: re-check an evidence pack against its MANIFEST.sha256 (``audit.evidence``);
exit 1 on any changed, missing or extra file."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from audit.cli.common import EXIT_FAILED, EXIT_OK, UsageError, subcommands


def cmd_evidence_verify(args: argparse.Namespace) -> int:
    from audit.evidence import verify_pack
    from audit.evidence.manifest import MANIFEST, NotAPack
    from audit.evidence.provenance import file_sha256

    try:
        result = verify_pack(args.folder)
    except NotAPack as exc:
        raise UsageError(str(exc)) from None
    if not result.ok:
        for problem in result.problems():
            print(f"  {problem}")
        print(f"{args.folder}: FAILED: {len(result.problems())} problem(s); the pack is not as it was written")
        return EXIT_FAILED
    print(f"{args.folder}: {result.checked} files match {MANIFEST} (SHA-256 {file_sha256(args.folder / MANIFEST)})")
    return EXIT_OK


def add_parser(sub: Any) -> None:
    evidence = subcommands(sub.add_parser("evidence", help="evidence packs"), "evidence_command")
    verify = evidence.add_parser("verify", help="re-check a pack against its MANIFEST.sha256: exit 1 on any changed, missing or extra file")
    verify.add_argument("folder", type=Path, help="the pack folder (<env>-<mode>-<UTC time>)")
    verify.set_defaults(func=cmd_evidence_verify)
