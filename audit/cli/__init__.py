"""``retention``: the command line of compact-retention.

Exit codes are the product's contract with CI: 0 all good, 1 a control failed (audit), 2 bad input
(configuration, templates, arguments) with a message naming what is wrong.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, NoReturn, Sequence

from audit import deployment
from audit.config import ConfigError, list_environments, load_config

from audit.cli_common import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, REPO_ROOT, UsageError, credentials


def _refuse(message: str) -> NoReturn:
    raise UsageError(message)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from audit.arguments import path_argument

        self.register("type", Path, path_argument)  # every type=Path argument: refuses "" and unusable paths

    def error(self, message: str) -> NoReturn:  # argparse exits 2 too, but with its own format
        _refuse(message)


def _environments(args: argparse.Namespace) -> list[str]:
    if args.env == "all":
        names = list_environments(args.config_dir)
        if not names:
            raise UsageError(f"--env all: no environment files in {args.config_dir or 'config/'}")
        return names
    return [args.env]


def cmd_config_validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for env in _environments(args):
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
    print(json.dumps(load_config(args.env, args.config_dir).data, indent=2, sort_keys=True))
    return EXIT_OK


def _tsv_line(values: dict[str, str], what: str) -> str:
    """One TSV line for a reader, or UsageError: a tab or line break inside a value would forge fields or
    lines (the configuration's patterns already refuse them; this is the last guard of the format)."""
    for name, value in values.items():
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise UsageError(f"{what}: {name} {value!r} holds a control character; it cannot be written as TSV")
    return "\t".join(values.values())


def cmd_stacks(args: argparse.Namespace) -> int:
    """The stacks in deployment order: TSV for people, JSON (--format json) for scripts/deploy.sh."""
    cfg = load_config(args.env, args.config_dir).data
    records = [{"key": spec.key, "name": spec.name, "side": spec.side, "account_id": spec.account_id,
                "region": spec.region, "profile": spec.profile, "template": spec.template}
               for spec in deployment.stack_plan(cfg, include_demo=args.with_sample_app)]
    if args.format == "json":
        print(json.dumps(records, indent=2))
        return EXIT_OK
    for record in records:
        print(_tsv_line({**record, "profile": record["profile"] or "-"}, f"stack {record['key']}"))
    return EXIT_OK


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
    cfg = load_config(args.env, args.config_dir).data
    try:
        spec = deployment.find_stack(deployment.stack_plan(cfg, include_demo=True), args.stack)
    except KeyError as exc:
        raise UsageError(f"--stack: {exc.args[0]}") from None
    declared = declared_parameters(REPO_ROOT / spec.template)
    values = deployment.resolve_parameters(spec, _read_outputs(args.outputs_dir), declared=declared,
                                           allow_pending=args.allow_pending)
    rendered = {name: deployment.render_value(value) for name, value in values.items()}
    if args.format == "json":
        print(json.dumps([{"ParameterKey": k, "ParameterValue": v} for k, v in rendered.items()], indent=2))
    else:
        for name, value in rendered.items():
            print(_tsv_line({name: f"{name}={value}"}, f"stack {spec.key}: parameter"))
    return EXIT_OK


def cmd_gate_manifest(args: argparse.Namespace) -> int:
    """Write the manifest of the templates the gate checks; with --expect, fail (exit 1) when any of them
    changed since that earlier manifest (the gate's start) was written."""
    from audit import gate_manifest

    templates_dir = args.templates_dir or REPO_ROOT / "cloudformation"
    try:
        manifest = gate_manifest.build(REPO_ROOT, templates_dir)
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


def _static_snapshot(args: argparse.Namespace):
    from audit.sources.static_cache import cached_snapshot

    loaded = load_config(args.env, args.config_dir, for_audit=True)
    if args.templates_dir is not None and not args.templates_dir.is_dir():
        raise UsageError(f"--templates-dir: no such folder {args.templates_dir}")

    def build() -> dict:
        from audit.sources.static import build_snapshot
        from audit.templates import TemplateError

        try:
            return build_snapshot(loaded.data, templates_dir=args.templates_dir)
        except TemplateError as exc:
            raise UsageError(f"template: {exc}") from None

    from audit.evidence_origins import portable_origins

    templates_dir = args.templates_dir or REPO_ROOT / "cloudformation"
    return loaded, portable_origins(cached_snapshot(loaded.data, templates_dir, build), templates_dir)


_credentials = credentials  # the name the subcommands of this module use


def _live_snapshot(args: argparse.Namespace):
    from audit.sources.live import build_live_snapshot

    loaded = load_config(args.env, args.config_dir, for_audit=True)
    creds = _credentials(args, loaded.data)

    def progress(line: str) -> None:
        print(f"  {line}", file=sys.stderr)

    try:
        return loaded, build_live_snapshot(loaded.data, environment=creds["environment"], backup=creds["backup"],
                                           progress=progress)
    except Exception as exc:  # credentials, endpoint or network: a one-line message, exit 2
        raise UsageError(f"live read of {args.env} failed: {type(exc).__name__}: {exc}") from None


def _snapshot(args: argparse.Namespace):
    return _live_snapshot(args) if args.mode == "live" else _static_snapshot(args)


def cmd_snapshot(args: argparse.Namespace) -> int:
    _, snapshot = _snapshot(args)
    print(json.dumps(snapshot, indent=2, sort_keys=True))
    return EXIT_OK


def _load_waivers(args: argparse.Namespace) -> list:
    """The waivers of --waivers FILE, else of <config dir>/waivers.yaml when it exists; bad input: exit 2."""
    from datetime import datetime, timezone

    from audit.waivers import WaiverError, default_waivers_path, load_waivers

    path = args.waivers or default_waivers_path(args.config_dir)
    if not path.is_file():
        if args.waivers is not None:
            raise UsageError(f"--waivers: no such file {path}")
        return []
    try:
        return load_waivers(path, today=datetime.now(timezone.utc).date())
    except WaiverError as exc:
        raise UsageError("invalid waivers (nothing was audited):\n  " + "\n  ".join(exc.problems)) from None


def _run_audit(args: argparse.Namespace, loaded, snapshot: dict, report_dir: Path):
    from audit.report import terminal_table
    from audit.runner import AuditError, run_audit
    from audit.waivers import WaiverSet

    try:
        report = run_audit(snapshot, report_dir=report_dir, features_dir=args.features_dir, tags=args.tags,
                           config=loaded.data, verbose=args.verbose, waivers=WaiverSet(getattr(args, "waiver_list", None)))
    except AuditError as exc:
        raise UsageError(str(exc)) from None
    print(f"{snapshot['mode']} audit of {args.env}")
    print(terminal_table(report, color=sys.stdout.isatty()))
    return report


def _worst(codes: Sequence[int]) -> int:
    """Bad input outranks a failure, which outranks success."""
    return EXIT_BAD_INPUT if EXIT_BAD_INPUT in codes else max(codes, default=EXIT_OK)


def _audit_all(args: argparse.Namespace) -> int:
    from audit.multi_env import account_regions, audit_all, default_jobs

    if args.assume_role:
        raise UsageError("--assume-role names the role of one account; with --env all every environment is read "
                         "with the profiles of its configuration")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs {args.jobs}: at least 1")
    environments = _environments(args)
    sarif_dir = args.sarif
    reads: dict[str, list[tuple[str, str]]] = {}
    for env in environments if args.mode == "live" else []:
        try:
            reads[env] = account_regions(load_config(env, args.config_dir).data)
        except ConfigError:
            reads[env] = []  # its own process reports the bad configuration (exit 2)
    return audit_all(args.raw_argv, environments, mode=args.mode, report_base=args.report_dir or REPO_ROOT / "reports",
                     jobs=args.jobs or default_jobs(len(environments)), shared=lambda env: reads.get(env, []),
                     extra=(lambda env: ["--sarif", str(sarif_dir / f"{env}.sarif")]) if sarif_dir else (lambda env: ()))


def _evidence(args: argparse.Namespace, loaded, snapshot: dict, report, report_dir: Path, created_at) -> int:
    """Write the evidence pack of this audit; a live pack also holds the static audit and the drift.
    Returns the run's exit code over every part."""
    import contextlib
    import tempfile

    from audit.config.loader import default_config_dir
    from audit.evidence import Part, write_pack
    from audit.evidence_manifest import MANIFEST
    from audit.evidence_origins import template_files
    from audit.evidence_provenance import file_sha256
    from audit.sarif import build_sarif

    parts = [Part(args.mode, report_dir, report.summary(), report.exit_code())]
    files: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        if args.mode == "live":
            from audit.drift import compare, render

            _, static = _static_snapshot(args)
            static_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="retention-static-")))
            static_report = _run_audit(args, loaded, static, static_dir)
            parts.insert(0, Part("static", static_dir, static_report.summary(), static_report.exit_code()))
            differences = compare(static, snapshot)
            files["drift/drift.json"] = drift_json(args.env, differences)
            files["drift/drift.txt"] = render(differences) + "\n"
            print(f"drift: {len(differences)} difference(s) between the templates and the accounts")
        else:
            static, static_report, differences = snapshot, report, None
        waivers = getattr(args, "waivers", None) or Path(args.config_dir or default_config_dir()) / "waivers.yaml"
        if waivers.is_file():  # the exceptions the run accepted are evidence too
            files["waivers.yaml"] = waivers.read_text(encoding="utf-8")
        features_dir = args.features_dir or REPO_ROOT / "features"
        files["static/report.sarif"] = json.dumps(build_sarif(static_report, features_dir=features_dir),
                                                  indent=2, sort_keys=True) + "\n"
        codes = [part.exit_code for part in parts] + ([EXIT_FAILED if differences else EXIT_OK] if differences is not None else [])
        outcomes = {"drift": {"differences": len(differences), "exit_code": codes[-1]}} if differences is not None else {}
        pack = write_pack(args.evidence, environment=args.env, mode=args.mode, created_at=created_at, parts=parts,
                          outcomes=outcomes, features_dir=features_dir, config=loaded.data,
                          templates=template_files(static, args.templates_dir or REPO_ROOT / "cloudformation"),
                          files=files, tags=args.tags, exit_code=_worst(codes))
    print(f"evidence: {pack}")
    print(f"evidence manifest SHA-256: {file_sha256(pack / MANIFEST)} (record it to prove later the pack is unchanged)")
    return _worst(codes)


def cmd_audit(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    if args.sarif is not None and args.mode != "static":
        raise UsageError("--sarif: SARIF maps failures to template lines and is written by the static audit (--mode static)")
    if args.env == "all":
        return _audit_all(args)
    args.waiver_list = _load_waivers(args)
    created_at = datetime.now(timezone.utc)
    loaded, snapshot = _snapshot(args)
    report_dir = args.report_dir or REPO_ROOT / "reports" / args.env / args.mode
    report = _run_audit(args, loaded, snapshot, report_dir)
    print(f"reports: {report_dir}/report.html (also report.md, report.json, junit.xml, cucumber.json, snapshot.json)")
    if not report.controls:
        print("no control was run (check --tags)", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.sarif is not None:
        from audit.sarif import write_sarif

        print(f"SARIF: {write_sarif(report, args.sarif, features_dir=args.features_dir or REPO_ROOT / 'features')}")
    if args.evidence is not None:
        return _evidence(args, loaded, snapshot, report, report_dir, created_at)
    return report.exit_code()


def cmd_controls(args: argparse.Namespace) -> int:
    """Print the control catalogue; with --check, compare it with the feature files (exit 1 on any difference)."""
    from audit.catalogue import CatalogueError, load_catalogue
    from audit.catalogue_render import render

    if args.catalogue is not None and not args.catalogue.is_file():
        raise UsageError(f"--catalogue: no such file {args.catalogue}")
    try:
        catalogue = load_catalogue(args.catalogue)
    except CatalogueError as exc:
        raise UsageError("invalid control catalogue:\n  " + "\n  ".join(exc.problems)) from None
    if args.check:
        from audit.catalogue_check import check

        features_dir = args.features_dir or REPO_ROOT / "features"
        if not features_dir.is_dir():
            raise UsageError(f"--features-dir: no such folder {features_dir}")
        problems = check(catalogue, features_dir)
        for problem in problems:
            print(problem)
        print(f"catalogue and features: {len(problems)} difference(s)" if problems else
              f"catalogue and features agree: {len(catalogue.entries)} controls")
        return EXIT_FAILED if problems else EXIT_OK
    sys.stdout.write(render(catalogue, args.format, args.framework))
    return EXIT_OK


def cmd_evidence_verify(args: argparse.Namespace) -> int:
    from audit.evidence import verify_pack
    from audit.evidence_manifest import MANIFEST, NotAPack
    from audit.evidence_provenance import file_sha256

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


def drift_json(environment: str, differences: Sequence) -> str:
    return json.dumps({"environment": environment, "differences": [d.to_json() for d in differences]},
                      indent=2, sort_keys=True, default=str) + "\n"


def cmd_drift(args: argparse.Namespace) -> int:
    from audit.drift import compare, render

    args.mode = "static"
    _, static = _static_snapshot(args)
    _, live = _live_snapshot(args)
    differences = compare(static, live)
    report_dir = args.report_dir or REPO_ROOT / "reports" / args.env / "drift"
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "drift.json").write_text(drift_json(args.env, differences), encoding="utf-8")
    print(render(differences))
    print(f"{len(differences)} difference(s); {report_dir / 'drift.json'}")
    return EXIT_FAILED if differences else EXIT_OK


def cmd_sandbox_run_backups(args: argparse.Namespace) -> int:
    """Ask the sandbox to run every deployed plan once, as AWS would at --at (default: now)."""
    import urllib.error
    import urllib.request
    from datetime import datetime, timezone

    cfg = load_config(args.env, args.config_dir).data
    at = args.at or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--at {at!r}: not an ISO 8601 time (e.g. 2026-11-27T02:00:00Z)") from None
    body = json.dumps({"at": at, "organization_id": cfg["organization_id"]}).encode()
    request = urllib.request.Request(args.endpoint_url.rstrip("/") + "/_sandbox/run-backups", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            result = json.loads(response.read())
    except (urllib.error.URLError, OSError) as exc:
        raise UsageError(f"--endpoint-url {args.endpoint_url}: the sandbox did not answer ({exc})") from None
    for job in result["jobs"]:
        if job["state"] != "COMPLETED":
            print(f"  {job['type']} job of {job['resource']} into {job['vault']}: {job['state']}: {job['message']}")
    backups, copies = result["backup_jobs"], result["copy_jobs"]
    print(f"sandbox run at {result['at']}: backup jobs {backups['completed']} completed, {backups['failed']} failed; "
          f"copy jobs {copies['completed']} completed, {copies['failed']} failed")
    return EXIT_OK


def cmd_sandbox_run_exports(args: argparse.Namespace) -> int:
    """Run the night's Cognito exports in the sandbox: each scheduled exporter rule, to completion."""
    from botocore.exceptions import BotoCoreError, ClientError

    from exporter.handler import ExportFailed
    from sandbox.exports import run_exports

    cfg = load_config(args.env, args.config_dir).data
    try:
        results = run_exports(args.endpoint_url, cfg["environment_account_id"], cfg["primary_region"], day=args.day)
    except ExportFailed as exc:
        print(f"export FAILED: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except (ClientError, BotoCoreError) as exc:
        raise UsageError(f"--endpoint-url {args.endpoint_url}: the sandbox did not answer as expected ({exc})") from None
    if not results:
        print("no enabled schedule targets an exporter function (is the cognito-exporter stack deployed?)", file=sys.stderr)
        return EXIT_FAILED
    for result in results:
        counts = result.get("counts") or {}
        print(f"  {result['rule']}: {result['status']} after {result['invocations']} invocation(s); pool {result.get('pool_id')}, "
              f"{counts.get('users', 0)} users, {counts.get('groups', 0)} groups, {counts.get('memberships', 0)} memberships")
    complete = all(r["status"] in ("complete", "already_complete") for r in results)
    return EXIT_OK if complete else EXIT_FAILED


def cmd_smoke_target(args: argparse.Namespace) -> int:
    """What the smoke test backs up: the first protected table of a general category (SSN vaults accept
    on-demand jobs from nobody), its local vault, role, destination vault and retention (TSV)."""
    from audit.arns import dynamodb_table_arn, iam_role_arn

    cfg = load_config(args.env, args.config_dir).data
    for table in cfg["inventory"]["dynamodb_tables"]:
        policy = cfg["backup_policies"][table["category"]]
        if policy["dedicated_vault"]:
            continue
        print(_tsv_line({"table": dynamodb_table_arn(cfg["primary_region"], cfg["environment_account_id"], table["table_name"]),
                         "vault": cfg["vault_names"]["general"],
                         "role": iam_role_arn(cfg["environment_account_id"], cfg["roles"]["general_backup_role_name"]),
                         "destination": policy["cross_account_vault_arn"],
                         "days": str(policy["lifecycle"]["delete_after_days"])}, "smoke target"))
        return EXIT_OK
    raise UsageError(f"--env {args.env}: no DynamoDB table of a general category to back up")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="retention", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def env_args(p: argparse.ArgumentParser, allow_all: bool = False) -> None:
        p.add_argument("--env", required=True, help="environment name (config/<env>.json)" + (" or 'all'" if allow_all else ""))
        p.add_argument("--config-dir", type=Path, default=None, help="folder of the configuration (default: config/)")

    config = sub.add_parser("config", help="environment configuration").add_subparsers(dest="config_command", required=True, parser_class=_Parser)
    validate = config.add_parser("validate", help="validate config/<env>.json (merged with defaults.json)")
    env_args(validate, allow_all=True)
    validate.set_defaults(func=cmd_config_validate)
    show = config.add_parser("show", help="print the merged, validated configuration")
    env_args(show)
    show.set_defaults(func=cmd_config_show)

    stacks = sub.add_parser("stacks", help="the stacks of an environment in deployment order (TSV, or JSON)")
    env_args(stacks)
    stacks.add_argument("--with-sample-app", action="store_true", help="include the demo application stack")
    stacks.add_argument("--format", choices=["tsv", "json"], default="tsv",
                        help="tsv: key, name, side, account, region, profile (- for none), template; json: for scripts")
    stacks.set_defaults(func=cmd_stacks)

    params = sub.add_parser("params", help="Key=Value parameter overrides of one stack, from the configuration")
    env_args(params)
    params.add_argument("--stack", required=True, help="stack key or name (see 'retention stacks')")
    params.add_argument("--outputs-dir", type=Path, default=None, help="folder of <stack key>.json outputs of deployed stacks")
    params.add_argument("--allow-pending", action="store_true", help="dry run: placeholders for outputs not known yet")
    params.add_argument("--format", choices=["lines", "json"], default="lines",
                        help="lines: Key=Value for 'deploy --parameter-overrides'; json: for 'create-change-set --parameters'")
    params.set_defaults(func=cmd_params)

    gate = sub.add_parser("gate", help="the templates the pre-deploy gate checked (scripts/gate.sh, scripts/deploy.sh)")
    gate_sub = gate.add_subparsers(dest="gate_command", required=True, parser_class=_Parser)
    manifest = gate_sub.add_parser("manifest", help="write the path, size and SHA-256 of every template the gate checks")
    manifest.add_argument("--out", type=Path, required=True, help="the manifest file to write (JSON)")
    manifest.add_argument("--expect", type=Path, default=None,
                          help="an earlier manifest: exit 1 when a template changed since (the gate's start)")
    manifest.add_argument("--templates-dir", type=Path, default=None, help="folder of the templates (default: cloudformation/)")
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

    def source_args(p: argparse.ArgumentParser, allow_all: bool = False) -> None:
        env_args(p, allow_all=allow_all)
        p.add_argument("--mode", choices=["static", "live"], required=True,
                       help="static: the templates resolved with the configuration; live: the accounts")
        p.add_argument("--templates-dir", type=Path, default=None, help="folder of the templates (default: cloudformation/)")
        live_args(p)

    def live_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--endpoint-url", default=None, help="live: a local AWS (the sandbox) instead of AWS")
        p.add_argument("--assume-role", action="append", metavar="SIDE=ARN",
                       help="live: assume this role in the environment or backup account (repeatable)")

    snapshot = sub.add_parser("snapshot", help="print the posture snapshot the controls are evaluated on")
    source_args(snapshot)
    snapshot.set_defaults(func=cmd_snapshot)

    audit = sub.add_parser("audit", help="evaluate every control of features/ and write the reports")
    source_args(audit, allow_all=True)
    audit.add_argument("--report-dir", type=Path, default=None,
                       help="default: reports/<env>/<mode>/; with --env all the base of <env>/<mode>/")
    audit.add_argument("--evidence", type=Path, default=None, metavar="DIR",
                       help="also write an evidence pack DIR/<env>-<mode>-<UTC time>/ (a live pack holds the static audit and the drift too)")
    audit.add_argument("--sarif", type=Path, default=None, metavar="FILE",
                       help="static: also write the failures as SARIF 2.1.0 (with --env all: a folder of <env>.sarif)")
    audit.add_argument("--jobs", type=int, default=None, help="--env all: environments audited at once (default: all, at most 8)")
    audit.add_argument("--tags", default=None, help="pytest marker expression over the scenario tags, e.g. 'rpo or ISO-02'")
    audit.add_argument("--features-dir", type=Path, default=None, help="folder of the feature files (default: features/)")
    audit.add_argument("--verbose", action="store_true", help="show pytest's own output")
    audit.add_argument("--waivers", type=Path, default=None, metavar="FILE",
                       help="waivers to apply (default: waivers.yaml of the configuration folder, if present)")
    audit.set_defaults(func=cmd_audit)

    controls = sub.add_parser("controls", help="the control catalogue: titles, rationale, framework mappings")
    controls.add_argument("--format", choices=["table", "json", "md"], default="table")
    controls.add_argument("--framework", choices=["nist", "backup-audit-manager"], default=None,
                          help="one row per requirement of this framework, with the controls mapped to it")
    controls.add_argument("--check", action="store_true",
                          help="compare the catalogue with the feature files' control ids and framework tags; exit 1 on any difference")
    controls.add_argument("--features-dir", type=Path, default=None, help="--check: folder of the feature files (default: features/)")
    controls.add_argument("--catalogue", type=Path, default=None, help="catalogue file (default: audit/catalogue.yaml)")
    controls.set_defaults(func=cmd_controls)

    drift = sub.add_parser("drift", help="differences between the templates (static) and the accounts (live)")
    env_args(drift)
    drift.add_argument("--templates-dir", type=Path, default=None)
    drift.add_argument("--report-dir", type=Path, default=None, help="default: reports/<env>/drift/")
    live_args(drift)
    drift.set_defaults(func=cmd_drift)

    sandbox = sub.add_parser("sandbox", help="the local sandbox (moto)").add_subparsers(dest="sandbox_command", required=True, parser_class=_Parser)
    run = sandbox.add_parser("run-backups", help="run every deployed backup plan once, as AWS would at a point in time")
    env_args(run)
    run.add_argument("--endpoint-url", default="http://127.0.0.1:5000", help="the sandbox (default: http://127.0.0.1:5000)")
    run.add_argument("--at", default=None, help="ISO 8601 time of the run (default: now)")
    run.set_defaults(func=cmd_sandbox_run_backups)
    exports = sandbox.add_parser("run-exports", help="run the scheduled Cognito exports once, as EventBridge and Lambda would")
    env_args(exports)
    exports.add_argument("--endpoint-url", default="http://127.0.0.1:5000", help="the sandbox (default: http://127.0.0.1:5000)")
    exports.add_argument("--day", default=None, help="the export day YYYY-MM-DD (default: today, UTC)")
    exports.set_defaults(func=cmd_sandbox_run_exports)
    from audit.restore_tests_cli import add_parser as add_restore_tests

    add_restore_tests(sandbox, env_args)

    evidence = sub.add_parser("evidence", help="evidence packs").add_subparsers(dest="evidence_command", required=True, parser_class=_Parser)
    verify = evidence.add_parser("verify", help="re-check a pack against its MANIFEST.sha256: exit 1 on any changed, missing or extra file")
    verify.add_argument("folder", type=Path, help="the pack folder (<env>-<mode>-<UTC time>)")
    verify.set_defaults(func=cmd_evidence_verify)

    smoke = sub.add_parser("smoke-target", help="the table, vaults, role and retention scripts/smoke.sh uses (TSV)")
    env_args(smoke)
    smoke.set_defaults(func=cmd_smoke_target)

    from audit.break_glass_cli import add_parser as add_break_glass

    add_break_glass(sub, env_args, live_args)
    from audit.drill.cli import add_parser as add_drill

    add_drill(sub, env_args, live_args)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from audit.arguments import BadArgument, check
    from audit.terminal import printable

    if argv[:1] == ["export"]:  # the Cognito exporter has its own argument parser
        from exporter.cli import build_parser as export_parser
        from exporter.cli import main as export_main

        parser = export_parser()
        parser.error = _refuse  # its errors as ours: the same format, escaped (they repeat the arguments)
        try:
            parser.parse_args(argv[1:])
        except UsageError as exc:
            print(printable(f"retention export: error: {exc}"), file=sys.stderr)
            return EXIT_BAD_INPUT
        return export_main(argv[1:])

    # every message below may repeat an argument or a file name: printable() escapes what a terminal would obey
    try:
        args = build_parser().parse_args(argv)
        args.raw_argv = argv  # --env all passes them on to one process per environment
        check(args, argv)
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
