"""``resolve_template``: a template plus parameter values -> plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from audit.templates.errors import Path, TemplateError, mark_line
from audit.templates.intrinsics import NO_VALUE, Resolver
from audit.templates.loader import SECTIONS, find_line, parse_path
from audit.templates.parameters import effective_parameters
from audit.templates.physical import URL_SUFFIXES, Env


@dataclass
class ResolvedTemplate:
    """A template resolved against concrete parameters; all plain JSON data.

    ``resources[id]`` has keys Type, Properties (resolved, ``{}`` if absent),
    DeletionPolicy / UpdateReplacePolicy (``None`` if not set: no default is
    assumed), DependsOn (always a list), Metadata (``None`` if absent) and
    Condition (its name or ``None``). Resources and outputs whose Condition is
    false are omitted. ``lines`` maps every resource id in the source
    (including omitted ones) and ``"Outputs.<Name>"``, ``"Parameters.<Name>"``,
    ``"Conditions.<Name>"`` to 1-based lines. ``exports`` maps export names of
    the (included) outputs to their values, usable as another stack's
    ``imports``.
    """

    source: str
    parameters: dict[str, Any]
    conditions: dict[str, bool]
    resources: dict[str, dict]
    outputs: dict[str, Any]
    lines: dict[str, int]
    exports: dict[str, Any] = field(default_factory=dict)

    def resources_of_type(self, type_name: str) -> dict[str, dict]:
        return {lid: res for lid, res in self.resources.items() if res["Type"] == type_name}

    def line_of(self, logical_id: str | Sequence[Any]) -> int | None:
        """Line of a resource (``"SSNKey"``), or of a path in the source
        (``"SSNKey.Properties.KeyPolicy.Statement[2]"``, ``"Outputs.VaultArn"``)."""
        if isinstance(logical_id, str) and logical_id in self.lines:
            return self.lines[logical_id]
        raw = getattr(self, "_raw", None)
        if raw is None:
            return None
        segments = parse_path(logical_id)
        if not segments:
            return None
        if segments[0] not in SECTIONS:
            segments = ["Resources", *segments]
        if len(segments) < 2:
            return None
        # the top two levels must exist, otherwise the answer would be meaningless
        section = raw.get(segments[0])
        if not isinstance(section, Mapping) or not any(str(k) == segments[1] for k in section):
            return None
        return find_line(raw, segments)


def _section_lines(template: Mapping, section: str, lines: dict[str, int]) -> None:
    entries = template.get(section)
    if isinstance(entries, Mapping):
        for name, node in entries.items():
            line = mark_line(name) or mark_line(node)
            if line is not None:
                lines[f"{section}.{name}"] = line


def _policy(r: Resolver, raw: Mapping, key: str, rpath: Path) -> Any:
    if key not in raw:
        return None
    return r.value(raw[key], (rpath, key, raw[key]), key, (str,))


def _depends_on(r: Resolver, raw: Mapping, rpath: Path) -> list[str]:
    node = raw.get("DependsOn")
    if node is None:
        return []
    dpath = (rpath, "DependsOn", node)
    names = [node] if isinstance(node, str) else node
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise r.error("DependsOn must be a resource name or a list of them", dpath, node)
    for name in names:
        if name not in r.resources:
            raise r.error(f"DependsOn {name!r}: no such resource", dpath, node)
    return [str(n) for n in names]


def _resource(r: Resolver, logical_id: str, raw: Any, rpath: Path) -> dict | None:
    if logical_id.startswith("Fn::ForEach"):
        raise r.error("Fn::ForEach (AWS::LanguageExtensions) is not supported", rpath, raw)
    if not isinstance(raw, Mapping) or not isinstance(raw.get("Type"), str):
        raise r.error("a resource must be a mapping with a Type", rpath, raw)
    if not r.resource_enabled(logical_id):
        return None
    node = raw.get("Properties")
    properties = {} if node is None else r.resolve(node, (rpath, "Properties", node))
    if properties is NO_VALUE:
        properties = {}
    if not isinstance(properties, dict):
        raise r.error("Properties must be a mapping", (rpath, "Properties", node), node)
    metadata = None
    if raw.get("Metadata") is not None:
        metadata = r.resolve(raw["Metadata"], (rpath, "Metadata", raw["Metadata"]))
    condition = raw.get("Condition")
    return {
        "Type": str(raw["Type"]),
        "Properties": properties,
        "DeletionPolicy": _policy(r, raw, "DeletionPolicy", rpath),
        "UpdateReplacePolicy": _policy(r, raw, "UpdateReplacePolicy", rpath),
        "DependsOn": _depends_on(r, raw, rpath),
        "Metadata": None if metadata is NO_VALUE else metadata,
        "Condition": None if condition is None else str(condition),
    }


def resolve_template(  # noqa: C901 - the template's sections resolved in CloudFormation's order
    template: Mapping,
    *,
    parameters: Mapping[str, str | list[str] | int],
    account_id: str,
    region: str,
    stack_name: str,
    partition: str = "aws",
    imports: Mapping[str, Any] | None = None,
    source: str = "<template>",
) -> ResolvedTemplate:
    """Resolve every parameter, condition, resource and output of ``template``.

    Raises :class:`ParameterError` for bad parameter values and
    :class:`TemplateError` (with template path and line) for anything the
    template gets wrong.
    """
    if not isinstance(template, Mapping):
        raise TemplateError("a template must be a mapping", source=source)
    raw_resources = template.get("Resources")
    if not isinstance(raw_resources, Mapping):
        raise TemplateError("the template has no Resources section", source=source, line=mark_line(template))
    values = effective_parameters(template.get("Parameters"), parameters, source)
    env = Env(partition, region, account_id, URL_SUFFIXES.get(partition, "amazonaws.com"))
    r = Resolver(template, values, env, stack_name, imports or {}, source)

    conditions = {str(name): r.condition(str(name)) for name in r.condition_defs}
    lines: dict[str, int] = {}
    _section_lines(template, "Parameters", lines)
    _section_lines(template, "Conditions", lines)

    resources: dict[str, dict] = {}
    for logical_id, raw in raw_resources.items():
        lid = str(logical_id)
        line = mark_line(logical_id) or mark_line(raw)
        if line is not None:
            lines[lid] = line
        resource = _resource(r, lid, raw, ((None, "Resources", raw_resources), logical_id, raw))
        if resource is not None:
            resources[lid] = resource

    outputs: dict[str, Any] = {}
    exports: dict[str, Any] = {}
    raw_outputs = template.get("Outputs")
    if isinstance(raw_outputs, Mapping):
        _section_lines(template, "Outputs", lines)
        for name, out in raw_outputs.items():
            opath = ((None, "Outputs", raw_outputs), name, out)
            if not isinstance(out, Mapping) or "Value" not in out:
                raise r.error("an output must be a mapping with a Value", opath, out)
            condition = out.get("Condition")
            if condition is not None:
                cpath = (opath, "Condition", condition)
                if not isinstance(condition, str):
                    raise r.error("Condition must be a condition name", cpath, condition)
                if not r.condition(str(condition), cpath, condition):
                    continue
            value = r.resolve(out["Value"], (opath, "Value", out["Value"]))
            if value is NO_VALUE:
                continue
            outputs[str(name)] = value
            export = out.get("Export")
            if isinstance(export, Mapping) and "Name" in export:
                epath = ((opath, "Export", export), "Name", export["Name"])
                exports[r.value(export["Name"], epath, "Export Name", (str,))] = value

    resolved = ResolvedTemplate(
        source=source,
        parameters=values,
        conditions=conditions,
        resources=resources,
        outputs=outputs,
        lines=lines,
        exports=exports,
    )
    # Not a dataclass field: kept only so line_of() can find deeper paths.
    object.__setattr__(resolved, "_raw", template)
    return resolved
