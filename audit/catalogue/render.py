"""``retention controls``: the control catalogue as a terminal table, JSON or Markdown, either one row per
control or, with a framework, one row per framework requirement with the controls that map to it.

Each control's JSON joins its catalogue entry (title, rationale, mappings, waivability) and its declaration
on the function that decides it (modes, history, severity, fix, steps: ``audit.controls.registry``).
``docs_table`` is the control table of ``docs/audit.md``, generated (``python -m audit.docs_tables
--write``) and checked by the tests, so no count or list of controls is typed by hand.

For a framework whose whole control list is known (AWS Backup Audit Manager) the requirements no control
covers are listed too, with no control: a gap is shown, never hidden.
"""
from __future__ import annotations

import json
from typing import Any

from audit.catalogue import Catalogue
from audit.catalogue.frameworks import COMPLETE_FRAMEWORKS, FRAMEWORK_CONTROLS, FRAMEWORK_TITLES

FORMATS = ("table", "json", "md")
WIDTH = 100


def _natural(text: str) -> list[Any]:
    from audit.report.render import natural_key

    return natural_key(text)


def requirements(catalogue: Catalogue, framework: str) -> list[dict[str, Any]]:
    """[{"id", "title", "controls": [control ids]}] for one framework, in natural order."""
    mapped: dict[str, list[str]] = {}
    for entry in catalogue.entries:
        for control in entry.mappings.get(framework, ()):
            mapped.setdefault(control, []).append(entry.id)
    ids = set(mapped) | (set(FRAMEWORK_CONTROLS[framework]) if framework in COMPLETE_FRAMEWORKS else set())
    return [{"id": rid, "title": FRAMEWORK_CONTROLS[framework].get(rid, ""), "controls": mapped.get(rid, [])}
            for rid in sorted(ids, key=_natural)]


def _declared() -> dict[str, Any]:
    from audit.controls import registry

    return registry.controls()


def _declaration(control: Any) -> dict[str, Any]:
    """The declared fields of a control; an entry whose control is not declared says so (``--check`` fails)."""
    if control is None:
        return {"modes": [], "needs_history": False, "severity": "", "fix": "", "steps": [], "function": [],
                "module": "", "declared": False}
    return {**control.to_json(), "declared": True}


def docs_table(catalogue: Catalogue) -> str:
    """The control table of ``docs/audit.md``: one row per catalogue entry with where it runs, its severity
    and mappings, from the catalogue and the declarations; a count line under it."""
    from audit.report.render import md_escape as e

    declared = _declared()
    titles = list(FRAMEWORK_TITLES.items())
    lines = ["| ID | Control | Runs in | Needs history | Severity | " + " | ".join(e(t) for _, t in titles) + " |",
             "|---|---|---|---|---|" + "---|" * len(titles)]
    for entry in catalogue.entries:
        control = declared.get(entry.id)
        modes = ", ".join(control.modes) if control else "not declared"
        history = "yes" if control and control.needs_history else "no"
        cells = [e(", ".join(entry.mappings.get(name, ()))) for name, _ in titles]
        lines.append(f"| {e(entry.id)} | {e(entry.title)} | {modes} | {history} | {control.severity if control else ''} | "
                     + " | ".join(cells) + " |")
    static = sum(1 for c in declared.values() if c.runs_in("static"))
    live = sum(1 for c in declared.values() if c.runs_in("live"))
    lines += ["", f"{len(catalogue.entries)} controls: {static} run in the static audit, {live} in the live audit, "
              f"{sum(1 for c in declared.values() if c.needs_history)} of them need a day of history."]
    return "\n".join(lines) + "\n"


def as_json(catalogue: Catalogue, framework: str | None = None) -> str:
    if framework:
        data: dict[str, Any] = {"framework": framework, "title": FRAMEWORK_TITLES[framework],
                                "requirements": requirements(catalogue, framework)}
    else:
        declared = _declared()
        data = {"frameworks": dict(FRAMEWORK_TITLES),
                "controls": [{**entry.to_json(), **_declaration(declared.get(entry.id))} for entry in catalogue.entries]}
    return json.dumps(data, indent=2) + "\n"


def as_markdown(catalogue: Catalogue, framework: str | None = None) -> str:
    from audit.report.render import md_escape as e

    if framework:
        lines = [f"# {e(FRAMEWORK_TITLES[framework])}: controls of compact-retention", "",
                 "| Requirement | Title | Controls |", "|---|---|---|"]
        lines += [f"| {e(r['id'])} | {e(r['title'])} | {e(', '.join(r['controls']) or 'none')} |"
                  for r in requirements(catalogue, framework)]
        return "\n".join(lines) + "\n"
    titles = list(FRAMEWORK_TITLES.items())
    lines = ["# Control catalogue", "",
             "| ID | Title | " + " | ".join(e(title) for _, title in titles) + " | Waivable | Rationale |",
             "|---|---|" + "---|" * len(titles) + "---|---|"]
    for entry in catalogue.entries:
        cells = [e(", ".join(entry.mappings.get(name, ()))) for name, _ in titles]
        waivable = "yes" if entry.waivable and not catalogue.why_not_waivable(entry.id) else \
            "no: " + e(catalogue.why_not_waivable(entry.id))
        lines.append(f"| {e(entry.id)} | {e(entry.title)} | " + " | ".join(cells) + f" | {waivable} | {e(entry.rationale)} |")
    return "\n".join(lines) + "\n"


def _wrapped(first: str, rest: str, indent: str) -> list[str]:
    """``first`` (cut to the width) and then ``rest`` wrapped under it, nothing lost."""
    import textwrap

    head = first if len(first) <= WIDTH else first[: WIDTH - 3] + "..."
    return [head] + (textwrap.wrap(rest, WIDTH, initial_indent=indent, subsequent_indent=indent,
                                   break_on_hyphens=False) if rest else [])


def as_table(catalogue: Catalogue, framework: str | None = None) -> str:
    if framework:
        rows = requirements(catalogue, framework)
        width = max([len("REQUIREMENT")] + [len(r["id"]) for r in rows])
        lines = [FRAMEWORK_TITLES[framework], f"{'REQUIREMENT':<{width}}  TITLE / CONTROLS"]
        for r in rows:
            lines += _wrapped(f"{r['id']:<{width}}  {r['title']}", "controls: " + (", ".join(r["controls"]) or "none"),
                              " " * (width + 2))
        return "\n".join(lines) + "\n"
    width = max([len("ID")] + [len(entry.id) for entry in catalogue.entries])
    indent = " " * (width + 2)
    lines = [f"{'ID':<{width}}  TITLE"]
    for entry in catalogue.entries:
        mapped = "; ".join(f"{name}: {', '.join(controls)}" for name, controls in entry.mappings.items())
        lines += _wrapped(f"{entry.id:<{width}}  {entry.title}", mapped, indent)
        reason = catalogue.why_not_waivable(entry.id)
        if reason:
            lines += _wrapped("", f"not waivable: {reason}", indent)[1:]
    lines.append(f"{len(catalogue.entries)} controls")
    return "\n".join(lines) + "\n"


def render(catalogue: Catalogue, fmt: str = "table", framework: str | None = None) -> str:
    return {"table": as_table, "json": as_json, "md": as_markdown}[fmt](catalogue, framework)
