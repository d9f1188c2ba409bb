"""``retention stacks`` and ``retention params``: the deployment plan of an environment and the parameter
overrides of one stack, computed from the configuration (``audit.deployment``) for scripts/deploy.sh."""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from audit import deployment
from audit.cli.common import EXIT_OK, UsageError, env_args, tsv_line


def cmd_stacks(args: argparse.Namespace) -> int:
    """The stacks in deployment order: TSV for people, JSON (--format json) for scripts/deploy.sh."""
    from audit.config import load_config

    cfg = load_config(args.env, args.config_dir).data
    specs = deployment.stack_plan(cfg, include_demo=args.with_sample_app)
    if args.format == "json":  # a stack without a profile: null
        print(json.dumps([{**_fields(spec, ""), "profile": spec.profile} for spec in specs], indent=2))
        return EXIT_OK
    for spec in specs:  # a stack without a profile: "-"
        print(tsv_line(_fields(spec, spec.profile or "-"), f"stack {spec.key}"))
    return EXIT_OK


def _fields(spec: deployment.StackSpec, profile: str) -> dict[str, str]:
    """A stack's fields in the order scripts/deploy.sh reads them, with ``profile`` as its profile."""
    return {"key": spec.key, "name": spec.name, "side": spec.side, "account_id": spec.account_id,
            "region": spec.region, "profile": profile, "template": spec.template}


def _read_outputs(folder: Path | None) -> dict[str, dict[str, Any]]:
    """Outputs saved by the deployer: ``<stack key>.json`` holding describe-stacks' Outputs list (or a map)."""
    outputs: dict[str, dict[str, Any]] = {}
    if folder is None or not folder.is_dir():
        return outputs
    for path in sorted(folder.glob("*.json")):
        try:
            value = json.loads(path.read_text(encoding="utf-8") or "null")
        except json.JSONDecodeError as exc:
            raise UsageError(f"--outputs-dir: {path} is not JSON ({exc.msg})") from None
        if isinstance(value, list):
            value = {item["OutputKey"]: item.get("OutputValue") for item in value}
        outputs[path.stem] = value or {}
    return outputs


def declared_parameters(template: Path) -> list[str]:
    from audit.templates import TemplateError, load_template

    try:
        return list((load_template(template).get("Parameters") or {}).keys())
    except TemplateError as exc:
        raise UsageError(f"template: {exc}") from None


def cmd_params(args: argparse.Namespace) -> int:
    from audit.config import load_config
    from audit.project import template_path

    cfg = load_config(args.env, args.config_dir).data
    try:
        spec = deployment.find_stack(deployment.stack_plan(cfg, include_demo=True), args.stack)
    except KeyError as exc:
        raise UsageError(f"--stack: {exc.args[0]}") from None
    declared = declared_parameters(template_path(spec.template, args.templates_dir))
    values = deployment.resolve_parameters(spec, _read_outputs(args.outputs_dir), declared=declared,
                                           allow_pending=args.allow_pending)
    rendered = {name: deployment.render_value(value) for name, value in values.items()}
    if args.format == "json":
        print(json.dumps([{"ParameterKey": k, "ParameterValue": v} for k, v in rendered.items()], indent=2))
    else:
        for name, value in rendered.items():
            print(tsv_line({name: f"{name}={value}"}, f"stack {spec.key}: parameter"))
    return EXIT_OK


def add_parsers(sub: Any) -> None:
    stacks = sub.add_parser("stacks", help="the stacks of an environment in deployment order (TSV, or JSON)")
    env_args(stacks)
    stacks.add_argument("--with-sample-app", action="store_true", help="include the demo application stack")
    stacks.add_argument("--format", choices=["tsv", "json"], default="tsv",
                        help="tsv: key, name, side, account, region, profile (- for none), template; json: for scripts")
    stacks.set_defaults(func=cmd_stacks)

    params = sub.add_parser("params", help="Key=Value parameter overrides of one stack, from the configuration")
    env_args(params)
    params.add_argument("--stack", required=True, help="stack key or name (see 'retention stacks')")
    params.add_argument("--templates-dir", type=Path, default=None,
                        help="folder of the templates, whose parameters are declared (default: cloudformation/)")
    params.add_argument("--outputs-dir", type=Path, default=None, help="folder of <stack key>.json outputs of deployed stacks")
    params.add_argument("--allow-pending", action="store_true", help="dry run: placeholders for outputs not known yet")
    params.add_argument("--format", choices=["lines", "json"], default="lines",
                        help="lines: Key=Value for 'deploy --parameter-overrides'; json: for 'create-change-set --parameters'")
    params.set_defaults(func=cmd_params)
