"""What every ``retention`` subcommand module shares: exit codes, the repository root, the usage error and
the credentials of the two sides. Kept below ``audit.cli`` so the subcommand modules it registers
(``audit.break_glass_cli``, ``audit.drill.cli``, ``audit.restore_tests_cli``) import these from here, never
from the module that imports them (no import cycle)."""
from __future__ import annotations

import argparse
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
REPO_ROOT = Path(__file__).resolve().parents[1]


class UsageError(Exception):
    """Bad command-line input; the message names the argument."""


def credentials(args: argparse.Namespace, cfg: dict) -> dict:
    """The environment and backup sides' credentials: profiles of the configuration, ``--assume-role
    SIDE=ARN``, ``--endpoint-url``."""
    from audit.sources.live import Credentials

    roles: dict[str, str] = {}
    for item in args.assume_role or []:
        side, _, arn = item.partition("=")
        if side not in ("environment", "backup") or not arn.startswith("arn:"):
            raise UsageError(f"--assume-role {item!r}: expected environment=ARN or backup=ARN")
        roles[side] = arn
    profiles = cfg.get("profiles") or {}
    return {side: Credentials(profile=profiles.get(side), role_arn=roles.get(side), endpoint_url=args.endpoint_url)
            for side in ("environment", "backup")}
