"""What every ``retention`` command module shares: exit codes, the usage error, the parser class, the
arguments most commands take (environment, project folders, live credentials) and the credentials of the two
sides. The command modules import these from here, never from ``audit.cli`` which imports them (no import
cycle)."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, NoReturn

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


class UsageError(Exception):
    """Bad command-line input; the message names the argument."""


def refuse(message: str) -> NoReturn:
    raise UsageError(message)


class Parser(argparse.ArgumentParser):
    """argparse with the product's error format (``retention: error: ...``, exit 2) and checked paths."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from audit.arguments import path_argument

        self.register("type", Path, path_argument)  # every type=Path argument: refuses "" and unusable paths

    def error(self, message: str) -> NoReturn:  # argparse exits 2 too, but with its own format
        refuse(message)


def project_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--project-dir", type=Path, default=None,
                   help="the project: default of --config-dir (config/), --templates-dir (cloudformation/) and "
                        "--report-dir (reports/) (default: $RETENTION_PROJECT_DIR, else the current folder)")


def env_args(p: argparse.ArgumentParser, allow_all: bool = False) -> None:
    p.add_argument("--env", required=True, help="environment name (config/<env>.json)" + (" or 'all'" if allow_all else ""))
    p.add_argument("--config-dir", type=Path, default=None, help="folder of the configuration (default: config/)")
    project_arg(p)


def live_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--endpoint-url", default=None, help="live: a local AWS (the sandbox) instead of AWS")
    p.add_argument("--assume-role", action="append", metavar="SIDE=ARN",
                   help="live: assume this role in the environment or backup account (repeatable)")


def subcommands(parser: argparse.ArgumentParser, dest: str) -> Any:
    """The required subcommands of a command group (``retention config validate|show``)."""
    return parser.add_subparsers(dest=dest, required=True, parser_class=Parser)


def tsv_line(values: dict[str, str], what: str) -> str:
    """One TSV line for a reader, or UsageError: a tab or line break inside a value would forge fields or
    lines (the configuration's patterns already refuse them; this is the last guard of the format)."""
    for name, value in values.items():
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise UsageError(f"{what}: {name} {value!r} holds a control character; it cannot be written as TSV")
    return "\t".join(values.values())


def credentials(args: argparse.Namespace, cfg: dict) -> dict:
    """The environment and backup sides' credentials: profiles of the configuration, ``--assume-role
    SIDE=ARN``, ``--endpoint-url``."""
    from audit.sources.live.build import Credentials

    roles: dict[str, str] = {}
    for item in args.assume_role or []:
        side, _, arn = item.partition("=")
        if side not in ("environment", "backup") or not arn.startswith("arn:"):
            raise UsageError(f"--assume-role {item!r}: expected environment=ARN or backup=ARN")
        roles[side] = arn
    profiles = cfg.get("profiles") or {}
    return {side: Credentials(profile=profiles.get(side), role_arn=roles.get(side), endpoint_url=args.endpoint_url)
            for side in ("environment", "backup")}


def environments(args: argparse.Namespace) -> list[str]:
    """``--env``: one name, or with ``all`` every environment of the configuration folder."""
    from audit.config import list_environments

    if args.env == "all":
        names = list_environments(args.config_dir)
        if not names:
            raise UsageError(f"--env all: no environment files in {args.config_dir or 'config/'}")
        return names
    return [args.env]
