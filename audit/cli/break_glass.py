"""The ``retention break-glass`` subcommand: argument parsing only (the work is ``audit.break_glass_ops``;
the statements are ``audit.break_glass``). ``audit.cli`` registers it.

    retention break-glass open   --env ENV --role-arn ARN --ticket ID [--dry-run]
    retention break-glass close  --env ENV [--ticket ID] [--dry-run]
    retention break-glass status --env ENV
    retention break-glass statements --env ENV     the JSON the change applies (the runbook's blocks)

Credentials per side as for the live audit: the profiles of the configuration, ``--assume-role SIDE=ARN``
(the break-glass role of each account), ``--endpoint-url`` for the sandbox.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from audit.cli.common import env_args, live_args

ACTIONS = ("open", "close", "status", "statements")


def add_parser(sub: Any) -> None:
    parser = sub.add_parser("break-glass", help="open, close or report the SSN break-glass (docs/runbooks/break-glass.md)",
                            description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=ACTIONS)
    env_args(parser)
    live_args(parser)
    parser.add_argument("--role-arn", default=None, help="open: the break-glass role of the environment account")
    parser.add_argument("--ticket", default=None, help="open: the approved ticket (required); close: must match the open one")
    parser.add_argument("--dry-run", action="store_true", help="print the JSON diff of every policy and the tags; change nothing")
    parser.add_argument("--templates-dir", type=Path, default=None, help="the deployed templates (default: cloudformation/)")
    parser.set_defaults(func=cmd_break_glass)


def cmd_break_glass(args: argparse.Namespace) -> int:
    from audit import break_glass_doc, break_glass_ops
    from audit.cli.common import UsageError, credentials as _credentials
    from audit.config import load_config

    cfg = load_config(args.env, args.config_dir).data
    static_policies = break_glass_ops.static_policies_of(cfg, args.templates_dir)
    if args.action == "statements":
        print(json.dumps(break_glass_doc.statement_sets(cfg, static_policies), indent=2))
        return break_glass_ops.EXIT_OK
    try:
        return break_glass_ops.run(args.action, cfg, _credentials(args, cfg), ticket=args.ticket, role_arn=args.role_arn,
                                   dry_run=args.dry_run, static_policies=static_policies)
    except break_glass_ops.BadInput as exc:
        raise UsageError(str(exc)) from None
