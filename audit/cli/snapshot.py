"""``retention snapshot``, and the posture snapshot every auditing command reads: static (the templates
resolved with the configuration, cached by ``audit.sources.static.cache``) or live (the accounts)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from audit.cli.common import EXIT_OK, UsageError, credentials, env_args, live_args


def static_snapshot(args: argparse.Namespace):
    from audit.config import load_config
    from audit.project import templates_dir as default_templates_dir
    from audit.sources.static.cache import cached_snapshot

    loaded = load_config(args.env, args.config_dir, for_audit=True)
    if args.templates_dir is not None and not args.templates_dir.is_dir():
        raise UsageError(f"--templates-dir: no such folder {args.templates_dir}")

    def build() -> dict:
        from audit.sources.static.build import build_snapshot
        from audit.templates import TemplateError

        try:
            return build_snapshot(loaded.data, templates_dir=args.templates_dir)
        except TemplateError as exc:
            raise UsageError(f"template: {exc}") from None

    from audit.evidence.origins import portable_origins

    templates_dir = args.templates_dir or default_templates_dir()
    return loaded, portable_origins(cached_snapshot(loaded.data, templates_dir, build), templates_dir)


def live_snapshot(args: argparse.Namespace):
    from audit.config import load_config
    from audit.sources.live.build import build_live_snapshot

    loaded = load_config(args.env, args.config_dir, for_audit=True)
    creds = credentials(args, loaded.data)

    def progress(line: str) -> None:
        print(f"  {line}", file=sys.stderr)

    try:
        return loaded, build_live_snapshot(loaded.data, environment=creds["environment"], backup=creds["backup"],
                                           progress=progress)
    except Exception as exc:  # credentials, endpoint or network: a one-line message, exit 2
        raise UsageError(f"live read of {args.env} failed: {type(exc).__name__}: {exc}") from None


def snapshot_of(args: argparse.Namespace):
    return live_snapshot(args) if args.mode == "live" else static_snapshot(args)


def cmd_snapshot(args: argparse.Namespace) -> int:
    _, snapshot = snapshot_of(args)
    print(json.dumps(snapshot, indent=2, sort_keys=True))
    return EXIT_OK


def source_args(p: argparse.ArgumentParser, allow_all: bool = False) -> None:
    """The arguments of a command that reads a snapshot: environment, mode, templates, live credentials."""
    env_args(p, allow_all=allow_all)
    p.add_argument("--mode", choices=["static", "live"], required=True,
                   help="static: the templates resolved with the configuration; live: the accounts")
    p.add_argument("--templates-dir", type=Path, default=None, help="folder of the templates (default: cloudformation/)")
    live_args(p)


def add_parser(sub: Any) -> None:
    snapshot = sub.add_parser("snapshot", help="print the posture snapshot the controls are evaluated on")
    source_args(snapshot)
    snapshot.set_defaults(func=cmd_snapshot)
