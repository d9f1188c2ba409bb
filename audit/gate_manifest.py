"""What the pre-deploy gate checked, and the deployer's proof that it deploys only that.

``scripts/gate.sh`` runs cfn-lint, checkov and the static audit over the templates of ``cloudformation/``.
Before its checks it records every template's path, size and SHA-256 (``build``); after them it records
them again and fails when anything changed meanwhile (``compare``), so the manifest it leaves names exactly
the bytes that were checked. ``scripts/deploy.sh`` then refuses (``verify``) a template that is not in the
manifest by path, whose bytes differ from the digest, or whose packaged form (``aws cloudformation
package``) differs from the checked bytes in anything but the Lambda code location packaging rewrites.
docs/deployer-threat-model.md says what this guards against and what it trusts.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from audit.templates.loader import MAX_TEMPLATE_BYTES, check_size

FORMAT = 1
# The properties 'aws cloudformation package' rewrites from a local path to an S3 location, by resource
# type (the templates use the first only: audit.deployment.has_local_code).
PACKAGED_PROPERTIES = {"AWS::Lambda::Function": ("Code", ("S3Bucket", "S3Key"))}


class ManifestError(Exception):
    """Bad input: a manifest or template that cannot be read (exit 2)."""


class Refused(Exception):
    """A template the gate did not check (exit 1)."""


def template_files(templates_dir: Path) -> list[Path]:
    """The templates the gate checks: the same glob as its cfn-lint step (cloudformation/*.yaml)."""
    return sorted(Path(templates_dir).glob("*.yaml"))


def file_digest(path: Path) -> tuple[int, str]:
    """(size, SHA-256) of a template, refused unread when it is over CloudFormation's size limit (and
    read no further than that limit, should it grow meanwhile)."""
    from audit.templates import TemplateError

    try:
        check_size(path)
        with open(path, "rb") as handle:
            data = handle.read(MAX_TEMPLATE_BYTES + 1)
    except TemplateError as exc:
        raise ManifestError(str(exc)) from None
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read: {exc.strerror}") from None
    if len(data) > MAX_TEMPLATE_BYTES:
        raise ManifestError(f"{path}: over CloudFormation's template size limit of {MAX_TEMPLATE_BYTES:,} bytes")
    return len(data), hashlib.sha256(data).hexdigest()


def build(root: Path, templates_dir: Path) -> dict[str, Any]:
    """The manifest of every template in ``templates_dir``, paths relative to ``root``."""
    root = Path(root).resolve()
    entries = []
    for path in template_files(templates_dir):
        size, digest = file_digest(path)
        resolved = path.resolve()
        shown = resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else str(resolved)
        entries.append({"path": shown, "bytes": size, "sha256": digest})
    if not entries:
        raise ManifestError(f"{templates_dir}: no templates (*.yaml)")
    return {"format": FORMAT, "root": str(root), "templates": entries}


def render(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, indent=2, sort_keys=True) + "\n"


def load(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ManifestError(f"--manifest {path}: cannot read: {exc.strerror}") from None
    except ValueError as exc:
        raise ManifestError(f"--manifest {path}: not a manifest of the gate ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("templates"), list):
        raise ManifestError(f"--manifest {path}: not a manifest of the gate (format {FORMAT})")
    return manifest


def compare(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The templates that were added, removed or changed between two manifests of the same folder."""
    old = {e["path"]: e["sha256"] for e in before["templates"]}
    new = {e["path"]: e["sha256"] for e in after["templates"]}
    return sorted(path for path in old.keys() | new.keys() if old.get(path) != new.get(path))


def _entry(manifest: dict[str, Any], template: Path) -> dict[str, Any]:
    wanted = Path(template).resolve()
    root = Path(manifest.get("root", "."))
    for entry in manifest["templates"]:
        if (root / entry["path"]).resolve() == wanted:
            return entry
    checked = ", ".join(e["path"] for e in manifest["templates"])
    raise Refused(f"{template} is not a template the gate checked (it checked {checked})")


def _plain(node: Any) -> Any:
    """A decoded template as plain JSON data (cfn-lint's nodes carry line marks)."""
    return json.loads(json.dumps(node))


def _unpackaged(packaged: dict[str, Any], checked: dict[str, Any], bucket: str) -> dict[str, Any]:
    """``packaged`` with every location packaging wrote put back to the checked template's local path,
    refusing a location outside ``bucket`` or a rewrite of anything packaging does not rewrite."""
    restored = json.loads(json.dumps(packaged))
    resources = checked.get("Resources") or {}
    for logical_id, resource in resources.items():
        rule = PACKAGED_PROPERTIES.get(str(resource.get("Type"))) if isinstance(resource, dict) else None
        if rule is None:
            continue
        local = (resource.get("Properties") or {}).get(rule[0])
        if not isinstance(local, str):
            continue
        target = ((restored.get("Resources") or {}).get(logical_id) or {}).get("Properties") or {}
        location = target.get(rule[0])
        if not isinstance(location, dict) or set(location) != set(rule[1]) or location.get(rule[1][0]) != bucket:
            raise Refused(f"Resources.{logical_id}.Properties.{rule[0]}: packaging wrote {location!r}, not an object "
                          f"of s3://{bucket}")
        target[rule[0]] = local
    return restored


def _first_difference(a: Any, b: Any, path: str = "") -> str | None:
    """The path of the first place where two plain JSON values differ, or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(a.keys() | b.keys()):
            if key not in a or key not in b:
                return f"{path}.{key}".lstrip(".")
            found = _first_difference(a[key], b[key], f"{path}.{key}")
            if found is not None:
                return found.lstrip(".")
        return None
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b)):
            found = _first_difference(x, y, f"{path}[{index}]")
            if found is not None:
                return found
        return None
    return None if a == b else path.lstrip(".")


def verify(manifest_path: Path, template: Path, data_file: Path | None = None, *, packaged: Path | None = None,
           bucket: str | None = None) -> str:
    """Refuse (``Refused``) unless ``template`` is in the manifest and ``data_file`` (the deployer's private
    copy of it; default the template itself) has the digest the gate checked; with ``packaged``, also
    unless the packaged template equals the checked one but for the code locations packaging wrote into
    ``bucket``. Returns a one-line confirmation."""
    from audit.templates import TemplateError, load_template

    manifest = load(manifest_path)
    entry = _entry(manifest, template)
    _, digest = file_digest(Path(data_file or template))
    if digest != entry["sha256"]:
        raise Refused(f"{template} changed since the gate checked it (SHA-256 {digest}, the gate checked {entry['sha256']})")
    if packaged is None:
        return f"{template}: checked by the gate (SHA-256 {digest})"
    if not bucket:
        raise ManifestError("--packaged needs --bucket (the artifacts bucket the code was uploaded to)")
    try:
        checked = _plain(load_template(data_file or template))
        deployed = _plain(load_template(packaged))
    except TemplateError as exc:
        raise ManifestError(f"template: {exc}") from None
    restored = _unpackaged(deployed, checked, bucket)
    where = _first_difference(checked, restored)
    if where is not None:
        raise Refused(f"{packaged} is not {template} as the gate checked it: {where or 'the template'} differs "
                      "(packaging rewrites only the Lambda code locations)")
    return f"{template}: checked by the gate (SHA-256 {digest}); {packaged} differs only in code uploaded to s3://{bucket}"
