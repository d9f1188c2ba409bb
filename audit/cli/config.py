"""``retention config validate|show``: the environments' configuration, merged with defaults.json and
validated (``audit.config``)."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from audit.cli.common import EXIT_BAD_INPUT, EXIT_OK, env_args, environments, subcommands


def cmd_config_validate(args: argparse.Namespace) -> int:
    from audit.config import ConfigError, load_config

    status = EXIT_OK
    for env in environments(args):
        try:
            loaded = load_config(env, args.config_dir)
        except ConfigError as exc:
            from audit.terminal import printable

            print(printable(exc.render()), file=sys.stderr)
            status = EXIT_BAD_INPUT
        else:
            print(f"{loaded.source}: valid")
    return status


def cmd_config_show(args: argparse.Namespace) -> int:
    from audit.config import load_config

    print(json.dumps(load_config(args.env, args.config_dir).data, indent=2, sort_keys=True))
    return EXIT_OK


def add_parser(sub: Any) -> None:
    config = subcommands(sub.add_parser("config", help="environment configuration"), "config_command")
    validate = config.add_parser("validate", help="validate config/<env>.json (merged with defaults.json)")
    env_args(validate, allow_all=True)
    validate.set_defaults(func=cmd_config_validate)
    show = config.add_parser("show", help="print the merged, validated configuration")
    env_args(show)
    show.set_defaults(func=cmd_config_show)
