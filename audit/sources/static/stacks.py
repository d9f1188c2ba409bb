"""Resolve every stack of an environment as the deployer would deploy it, before anything is deployed.

Each template is resolved with the parameters ``audit.deployment`` computes from the configuration, in
deployment order; a parameter that the deployer would take from an earlier stack's output is taken from
that stack's resolved output here. The result is what the templates will create, with concrete names,
ARNs and policies, and ``Symbol`` placeholders only for ids AWS assigns (key ids, plan ids).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Mapping

from audit import deployment, project
from audit.templates import ResolvedTemplate, Symbol, TemplateError, load_template, resolve_template


@dataclass(frozen=True)
class ResolvedStack:
    spec: deployment.StackSpec
    template_path: Path
    template: ResolvedTemplate


@lru_cache(maxsize=64)
def _load(path: Path, mtime_ns: int) -> Any:  # mtime in the key: an edited template is read again
    return load_template(path)


def load_cached(path: Path) -> Any:
    try:
        return _load(path, path.stat().st_mtime_ns)
    except FileNotFoundError:
        raise TemplateError(f"{path}: no such template") from None


def template_path(spec: deployment.StackSpec, templates_dir: Path | None) -> Path:
    return project.template_path(spec.template, templates_dir)


def resolve_environment(cfg: Mapping[str, Any], *, templates_dir: Path | None = None,
                        include_demo: bool = True) -> dict[str, ResolvedStack]:
    """Every stack of the environment, keyed by stack key, in deployment order."""
    resolved: dict[str, ResolvedStack] = {}
    outputs: dict[str, Mapping[str, Any]] = {}
    for spec in deployment.stack_plan(cfg, include_demo=include_demo):
        path = template_path(spec, templates_dir)
        raw = load_cached(path)
        declared = list((raw.get("Parameters") or {}).keys())
        parameters = deployment.resolve_parameters(spec, outputs, declared=declared)
        template = resolve_template(raw, parameters=parameters, account_id=spec.account_id, region=spec.region,
                                    stack_name=spec.name, source=str(path))
        outputs[spec.key] = template.outputs
        resolved[spec.key] = ResolvedStack(spec, path, template)
    return resolved


def origin(stack: ResolvedStack, logical_id: str) -> dict[str, Any]:
    """Where a resource of a resolved stack is written (a finding's template origin)."""
    return {"stack": stack.spec.name, "file": str(stack.template_path), "logical_id": logical_id,
            "line": stack.template.line_of(logical_id)}


def resources_of(stacks: Mapping[str, ResolvedStack], type_name: str) -> Iterator[tuple[ResolvedStack, str, dict[str, Any]]]:
    """Every resource of one type across the resolved stacks, with its stack and logical id."""
    for stack in stacks.values():
        for logical_id, resource in stack.template.resources_of_type(type_name).items():
            yield stack, logical_id, resource


def scoped(stack: ResolvedStack, value: Any) -> str:
    """A reference to a resource of the same stack, unique across stacks (``stack:LogicalId``)."""
    refs = Symbol.find_all(str(value))
    return f"{stack.spec.name}:{refs[0][0]}" if refs else str(value)
