"""The control registry: every control is declared once, on the function that decides it.

A control of this project was spread over six places (scenario, step binding, function, catalogue entry,
seeded violation, docs row), with its metadata split between feature tags, the catalogue and code. Here a
control function carries its own declaration::

    @control("RPO-01", "the newest recovery point of every protected resource is at most {rpo_hours:d} hours "
             "old plus {grace_hours:d} hours of grace", severity="high", fix="schedule a rule at least daily ...")
    def local_recovery_point_age(posture, rpo_hours, grace_hours): ...

- the **id** ties it to its scenario (tagged ``@RPO-01``) and to its catalogue entry (title, rationale,
  framework mappings: ``audit/catalogue/catalogue.yaml``, the reviewed source of those);
- the **phrase** is the step its scenario uses, as written in the feature file; ``{name:d}`` fields (the
  ``parse`` library's format, as in pytest-bdd's ``parsers.parse``) or ``(?P<name>...)`` groups (a regular
  expression) are passed to the function under that name; a parameter named by ``table`` (default
  ``"table"``) receives the step's data table as one dict per row (``column``: one column as a list);
  any other keyword given to the decorator is passed as it is (one function can decide two controls);
- the **modes** it runs in (``static``, ``live``), whether it **needs history** (a day of recovery points or
  runs, which a new environment does not have), its **severity** and its **fix** (what to change when it
  fails; a function that knows a more specific fix sets ``Outcome.fix`` and that one wins).

``check(phrase, ...)`` declares a reusable step that is not a control of its own (a table of access
decisions that several break-glass scenarios use); ``declare(id, ...)`` declares a control whose scenario is
made of such reusable steps only. ``steps/`` registers every phrase with pytest-bdd from here, the plugin
derives a scenario's mode, history and framework markers from here and the catalogue, and ``retention
controls --format json`` prints these declarations: nothing about a control is typed twice.

Discovery imports every module of this package (``discover``), so a new module of controls needs no list.
Written by hand: checkov and cfn-lint register checks by class, terraform-compliance binds steps by regex,
none binds one function to a Gherkin phrase, an id and metadata read by a pytest-bdd run.
"""
from __future__ import annotations

import functools
import importlib
import pkgutil
import re
from dataclasses import dataclass, field
from inspect import Parameter, signature
from typing import Any, Callable, Iterable

import parse as parse_library

from audit.catalogue import CONTROL_ID

MODES = ("static", "live")
SEVERITIES = ("critical", "high", "medium", "low")
BOTH = MODES
STATIC = ("static",)
LIVE = ("live",)


@functools.lru_cache(maxsize=None)
def _parse_pattern(phrase: str) -> Any:
    """A ``parse`` pattern, compiled once (compiling one costs about a millisecond, and every audit binds
    and runs every phrase)."""
    return parse_library.compile(phrase)


class RegistryError(Exception):
    """A declaration is inconsistent (unknown mode, a phrase field the function does not take, an id
    declared twice): raised when the module is imported, naming the function and what to change."""


@dataclass(frozen=True)
class Check:
    """One step phrase bound to one pure function over the posture."""

    phrase: str
    function: Callable[..., Any]
    table: str | None  # the parameter receiving the data table, when the step has one
    column: str | None  # pass only this column of the table, as a list
    fixed: tuple[tuple[str, Any], ...]  # keywords passed as they are
    fix: str
    control_id: str | None  # the control this is the own step of; None for a reusable step

    @property
    def kind(self) -> str:
        """How pytest-bdd parses the phrase: ``re`` (named groups), ``parse`` ({fields}) or ``string``."""
        if "(?P<" in self.phrase:
            return "re"
        return "parse" if "{" in self.phrase else "string"

    def fields(self) -> list[str]:
        """The names the phrase captures from the step text."""
        if self.kind == "re":
            return list(re.compile(self.phrase).groupindex)
        if self.kind == "parse":
            return list(_parse_pattern(self.phrase).named_fields)
        return []

    def matches(self, text: str) -> bool:
        """Whether a step text of a feature file is this step (as pytest-bdd would match it)."""
        if self.kind == "re":
            return re.fullmatch(self.phrase, text) is not None
        if self.kind == "parse":
            return _parse_pattern(self.phrase).parse(text) is not None
        return text == self.phrase

    @property
    def where(self) -> str:
        return f"{self.function.__module__}.{self.function.__qualname__}"

    def run(self, posture: Any, arguments: dict[str, Any], table: list[dict[str, str]] | None = None) -> Any:
        """The function's outcome for a step: captured ``arguments``, the step's ``table`` rows, the fixed
        keywords; the declared fix when the function gave none."""
        kwargs = dict(self.fixed)
        kwargs.update({name: arguments[name] for name in self.fields()})
        if self.table is not None:
            rows = table if table is not None else []
            kwargs[self.table] = [row[self.column] for row in rows] if self.column else rows
        outcome = self.function(posture, **kwargs)
        if self.fix and not outcome.fix:
            outcome.fix = self.fix
        return outcome


@dataclass(frozen=True)
class Control:
    """What a control is, apart from its catalogue entry: where it runs, how much it matters, its fix."""

    id: str
    modes: tuple[str, ...]
    needs_history: bool
    severity: str
    fix: str
    checks: tuple[Check, ...] = field(default=())  # its own steps (none when made of reusable ones)
    module: str = ""

    def runs_in(self, mode: str) -> bool:
        return mode in self.modes

    def markers(self) -> list[str]:
        """The scenario markers derived from the declaration (``--tags live``, ``--tags "not needs-history"``):
        ``live`` or ``static`` for a control of one mode only, ``needs-history``."""
        markers = [self.modes[0]] if len(self.modes) == 1 else []
        return markers + (["needs-history"] if self.needs_history else [])

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "modes": list(self.modes), "needs_history": self.needs_history,
                "severity": self.severity, "fix": self.fix, "steps": [c.phrase for c in self.checks],
                "function": [c.where for c in self.checks], "module": self.module}


_CONTROLS: dict[str, Control] = {}
_CHECKS: list[Check] = []


def _validated(control_id: str, modes: Iterable[str], severity: str, fix: str, where: str) -> tuple[str, ...]:
    if not CONTROL_ID.match(control_id):
        raise RegistryError(f"{where}: {control_id!r} is not a control id like RPO-01")
    modes = tuple(modes)
    if not modes or any(m not in MODES for m in modes) or len(set(modes)) != len(modes):
        raise RegistryError(f"{where}: {control_id}: modes must be some of {', '.join(MODES)}, not {modes!r}")
    if severity not in SEVERITIES:
        raise RegistryError(f"{where}: {control_id}: severity must be one of {', '.join(SEVERITIES)}, not {severity!r}")
    if not fix.strip():
        raise RegistryError(f"{where}: {control_id}: declare the fix (what to change when the control fails)")
    if control_id in _CONTROLS and _CONTROLS[control_id].module != where.rsplit(".", 1)[0]:
        raise RegistryError(f"{where}: {control_id} is already declared in {_CONTROLS[control_id].module}")
    return tuple(m for m in MODES if m in modes)


def _check(function: Callable[..., Any], phrase: str, table: str | None, column: str | None, fixed: dict[str, Any],
           fix: str, control_id: str | None) -> Check:
    params = signature(function).parameters
    accepted = [name for name, p in params.items() if p.kind in (Parameter.POSITIONAL_OR_KEYWORD, Parameter.KEYWORD_ONLY)]
    where = f"{function.__module__}.{function.__qualname__}"
    table_param = table if table is not None else ("table" if "table" in accepted else None)
    check = Check(phrase=" ".join(phrase.split()), function=function, table=table_param, column=column,
                  fixed=tuple(sorted(fixed.items())), fix=" ".join(fix.split()), control_id=control_id)
    try:
        names = check.fields()
    except (re.error, ValueError) as exc:
        raise RegistryError(f"{where}: phrase {phrase!r} is not a valid pattern: {exc}") from None
    given = set(names) | set(fixed) | ({table_param} if table_param else set())
    unknown = sorted(given - set(accepted))
    if unknown:
        raise RegistryError(f"{where}: takes no parameter {', '.join(unknown)} (named by its phrase, table or keywords)")
    required = [name for name, p in list(params.items())[1:] if p.default is Parameter.empty
                and p.kind in (Parameter.POSITIONAL_OR_KEYWORD, Parameter.KEYWORD_ONLY)]
    missing = [name for name in required if name not in given]
    if missing:
        raise RegistryError(f"{where}: phrase {phrase!r} gives no value for {', '.join(missing)}: name it as a field "
                            "({" + missing[0] + "} or (?P<" + missing[0] + ">...)) or pass it to the decorator")
    duplicate = next((c for c in _CHECKS if c.phrase == check.phrase and c.where != where), None)
    if duplicate is not None:
        raise RegistryError(f"{where}: the phrase {check.phrase!r} is already bound to {duplicate.where}")
    _CHECKS[:] = [c for c in _CHECKS if not (c.phrase == check.phrase and c.where == where)] + [check]
    return check


def control(control_id: str, phrase: str, *, severity: str, fix: str, modes: Iterable[str] = BOTH,
            history: bool = False, table: str | None = None, column: str | None = None,
            **fixed: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the function as the control ``control_id`` whose scenario uses ``phrase`` (see the module's
    docstring). The function is returned unchanged: tests call it directly."""

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        where = f"{function.__module__}.{function.__qualname__}"
        kept = _validated(control_id, modes, severity, fix, where)
        check = _check(function, phrase, table, column, fixed, fix, control_id)
        previous = _CONTROLS.get(control_id)
        checks = tuple(c for c in (previous.checks if previous else ()) if c.phrase != check.phrase) + (check,)
        _CONTROLS[control_id] = Control(id=control_id, modes=kept, needs_history=history, severity=severity,
                                        fix=" ".join(fix.split()), checks=checks, module=function.__module__)
        return function

    return register


def check(phrase: str, *, fix: str = "", table: str | None = None, column: str | None = None,
          **fixed: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the function as a reusable step (not a control of its own) bound to ``phrase``."""

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        _check(function, phrase, table, column, fixed, fix, None)
        return function

    return register


def declare(control_id: str, *, severity: str, fix: str, modes: Iterable[str] = BOTH, history: bool = False,
            module: str) -> Control:
    """Declare a control whose scenario is made only of reusable steps (``check``). ``module``: the
    declaring module's ``__name__``."""
    kept = _validated(control_id, modes, severity, fix, f"{module}.{control_id}")
    _CONTROLS[control_id] = Control(id=control_id, modes=kept, needs_history=history, severity=severity,
                                    fix=" ".join(fix.split()), module=module)
    return _CONTROLS[control_id]


@functools.lru_cache(maxsize=1)
def discover() -> tuple[str, ...]:
    """Import every module of ``audit.controls`` (each declares its controls when imported); the names."""
    import audit.controls as package

    names = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        importlib.import_module(f"{package.__name__}.{info.name}")
        names.append(info.name)
    return tuple(names)


def controls() -> dict[str, Control]:
    """Every declared control, by id (after discovery)."""
    discover()
    return dict(_CONTROLS)


def checks() -> list[Check]:
    """Every step phrase bound to a function (after discovery)."""
    discover()
    return list(_CHECKS)


def get(control_id: str) -> Control | None:
    return controls().get(control_id)
