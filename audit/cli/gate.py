"""``retention gate manifest|verify``: the templates the pre-deploy gate checked (scripts/gate.sh writes the
manifest, scripts/deploy.sh deploys only what it lists; ``audit.gate_manifest`` does the work)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from audit.cli.common import EXIT_FAILED, EXIT_OK, UsageError, project_arg, subcommands


def cmd_gate_manifest(args: argparse.Namespace) -> int:
    """Write the manifest of the templates the gate checks; with --expect, fail (exit 1) when any of them
    changed since that earlier manifest (the gate's start) was written."""
    from audit import gate_manifest, project

    templates_dir = args.templates_dir or project.templates_dir()
    try:
        manifest = gate_manifest.build(project.project_dir(), templates_dir)
        changed = gate_manifest.compare(gate_manifest.load(args.expect), manifest) if args.expect else []
    except gate_manifest.ManifestError as exc:
        raise UsageError(str(exc)) from None
    if changed:
        print(f"retention: FAILED: changed while the gate ran: {', '.join(changed)} (run the gate again)", file=sys.stderr)
        return EXIT_FAILED
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(gate_manifest.render(manifest), encoding="utf-8")
    print(f"{args.out}: {len(manifest['templates'])} template(s), each within {gate_manifest.MAX_TEMPLATE_BYTES:,} bytes")
    return EXIT_OK


def cmd_gate_verify(args: argparse.Namespace) -> int:
    """Exit 0 only for a template the gate checked, byte for byte (and, packaged, but for its code location)."""
    from audit import gate_manifest

    try:
        print(gate_manifest.verify(args.manifest, args.template, args.file, packaged=args.packaged, bucket=args.bucket))
    except gate_manifest.ManifestError as exc:
        raise UsageError(str(exc)) from None
    except gate_manifest.Refused as exc:
        print(f"retention: REFUSED: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def add_parser(sub: Any) -> None:
    gate = sub.add_parser("gate", help="the templates the pre-deploy gate checked (scripts/gate.sh, scripts/deploy.sh)")
    gate_sub = subcommands(gate, "gate_command")
    manifest = gate_sub.add_parser("manifest", help="write the path, size and SHA-256 of every template the gate checks")
    manifest.add_argument("--out", type=Path, required=True, help="the manifest file to write (JSON)")
    manifest.add_argument("--expect", type=Path, default=None,
                          help="an earlier manifest: exit 1 when a template changed since (the gate's start)")
    manifest.add_argument("--templates-dir", type=Path, default=None, help="folder of the templates (default: cloudformation/)")
    project_arg(manifest)
    manifest.set_defaults(func=cmd_gate_manifest)
    verify_template = gate_sub.add_parser("verify", help="exit 1 unless a template is one the gate checked, by path and SHA-256")
    verify_template.add_argument("--manifest", type=Path, required=True, help="the manifest the gate wrote")
    verify_template.add_argument("--template", type=Path, required=True, help="the template's path, as the stack plan names it")
    verify_template.add_argument("--file", type=Path, default=None,
                                 help="the bytes to check (the deployer's private copy; default: the template)")
    verify_template.add_argument("--packaged", type=Path, default=None,
                                 help="the template 'aws cloudformation package' wrote from it: must differ only in code locations")
    verify_template.add_argument("--bucket", default=None, help="--packaged: the artifacts bucket the code went to")
    verify_template.set_defaults(func=cmd_gate_verify)
