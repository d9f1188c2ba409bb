"""``retention``: the command line of compact-retention.

Exit codes are the product's contract with CI: 0 all good, 1 a control failed (audit), 2 bad input
(configuration, templates, arguments) with a message naming what is wrong.

One module per command group registers its parser and runs its commands (``audit.cli.config``,
``.stacks``, ``.gate``, ``.snapshot``, ``.audit``, ``.controls``, ``.drift``, ``.evidence``,
``.smoke_target``, ``.break_glass``; the drill's is ``audit.drill.cli``); what they share is
``audit.cli.common``. Other packages add command groups through an entry-point group (``audit.cli.plugins``:
the sandbox's ``retention sandbox``). The project's folders come from the arguments and ``audit.project``,
never from where this code is installed.
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from audit import deployment
from audit.cli.common import EXIT_BAD_INPUT, Parser, UsageError, env_args, live_args, refuse
from audit.config import ConfigError

__all__ = ["build_parser", "main", "run"]


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``retention`` parser. The command groups of other packages (``audit.cli.plugins``) are added only
    when ``argv`` does not name a built-in command: reading the installed distributions' entry points costs
    about 0.1 s, which ``retention audit`` has no reason to pay."""
    from audit.cli import audit, break_glass, config, controls, drift, evidence, gate, plugins, smoke_target, snapshot, stacks
    from audit.drill.cli import add_parser as add_drill

    parser = Parser(prog="retention", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    config.add_parser(sub)
    stacks.add_parsers(sub)
    gate.add_parser(sub)
    snapshot.add_parser(sub)
    audit.add_parser(sub)
    controls.add_parser(sub)
    drift.add_parser(sub)
    evidence.add_parser(sub)
    smoke_target.add_parser(sub)
    break_glass.add_parser(sub)
    add_drill(sub, env_args, live_args)
    if not argv or argv[0] not in sub.choices:
        plugins.register_all(sub)
    return parser


def _missing_group(argv: Sequence[str]) -> str | None:
    """The message for a command group asked for by name that no installed package registered."""
    from audit.cli import plugins

    name = argv[0] if argv else None
    if name in plugins.KNOWN and name not in plugins.registered():
        return plugins.missing_message(name)
    return None


def _project_dir(args: argparse.Namespace):
    """``--project-dir`` of the command; ``$RETENTION_PROJECT_DIR`` must name a folder too."""
    import os
    from pathlib import Path

    from audit.project import ENV_VAR

    configured = os.environ.get(ENV_VAR)
    if getattr(args, "project_dir", None) is None and configured and not Path(configured).is_dir():
        raise UsageError(f"{ENV_VAR}: no such folder {configured}")
    return getattr(args, "project_dir", None)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from audit.arguments import BadArgument, check
    from audit.terminal import printable

    if argv[:1] == ["export"]:  # the Cognito exporter has its own argument parser
        from exporter.cli import build_parser as export_parser, main as export_main

        parser = export_parser()
        # its errors as ours: the same format, escaped (they repeat the arguments). The exporter builds a plain
        # argparse parser of its own (it also runs alone), so its error method is replaced on this one instance,
        # deliberately (mypy flags every assignment to a method).
        parser.error = refuse  # type: ignore[method-assign]
        try:
            parser.parse_args(argv[1:])
        except UsageError as exc:
            print(printable(f"retention export: error: {exc}"), file=sys.stderr)
            return EXIT_BAD_INPUT
        return export_main(argv[1:])

    # every message below may repeat an argument or a file name: printable() escapes what a terminal would obey
    try:
        missing = _missing_group(argv)
        if missing:
            raise UsageError(missing)
        args = build_parser(argv).parse_args(argv)
        args.raw_argv = argv  # --env all passes them on to one process per environment
        check(args, argv)
        from audit.project import chosen

        with chosen(_project_dir(args)):
            return args.func(args)
    except (UsageError, BadArgument, deployment.PendingOutput) as exc:
        print(printable(f"retention: error: {exc}"), file=sys.stderr)
        return EXIT_BAD_INPUT
    except ConfigError as exc:
        print(printable(exc.render()), file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:
        # a template is bad input too, whichever command read it (break-glass statements did not say so);
        # its module is looked up, not imported: importing audit.templates costs 0.2 s, and it is loaded
        # whenever one of its errors can have been raised
        errors = sys.modules.get("audit.templates.errors")
        if errors is None or not isinstance(exc, errors.TemplateError):
            raise
        print(printable(f"retention: error: template: {exc}"), file=sys.stderr)
        return EXIT_BAD_INPUT


def run() -> None:
    """The console script ``retention``: ``main`` as a short-lived process.

    Cyclic garbage collection is off for the run (a command allocates a few tens of MB and ends; collection
    passes over pytest's and pytest-bdd's object graphs cost about 15 % of a static audit), and the process
    ends with ``os._exit`` once every stream is flushed and every report file closed, skipping the
    interpreter's teardown of modules it will never use again (as mypy's fast exit does). ``main`` itself,
    which the tests call in-process, changes neither.
    """
    import gc
    import logging
    import os

    gc.disable()
    try:
        code = main()
    except SystemExit as exc:  # argparse --help / usage errors
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
    except KeyboardInterrupt:
        code = 130
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            pass
    os._exit(code)


if __name__ == "__main__":
    run()
