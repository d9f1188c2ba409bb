"""The one step library of the features: every phrase declared in ``audit.controls`` (``@control``,
``@check``) becomes a pytest-bdd ``Then`` step here, so adding a control needs no step code.

Each bound step hands the control function the snapshot, the fields its phrase captured and the step's data
table (one dict per row), and records the outcome through the plugin's ``record`` fixture (which applies
waivers and fails the step when the outcome fails). The one ``Given`` every feature opens with checks that
there is a posture at all.
"""
from __future__ import annotations

from inspect import Parameter, Signature
from typing import Any, Callable

from pytest_bdd import given, parsers, then

from audit.controls import registry


@given("the posture of the environment")
def the_posture(posture):
    assert posture.data["vaults"] or posture.data["plans"] or posture.data["inventory"], "empty posture snapshot"


def rows(datatable: list[list[str]] | None) -> list[dict[str, str]] | None:
    """A Gherkin data table as one dict per row, keyed by the header row."""
    if not datatable:
        return None
    header, *body = datatable
    return [dict(zip(header, row)) for row in body]


def _parser(check: registry.Check) -> Any:
    return {"re": parsers.re, "parse": parsers.parse}.get(check.kind, lambda phrase: phrase)(check.phrase)


def _step(check: registry.Check) -> Callable[..., None]:
    """A step function whose signature names what pytest-bdd must pass: the fixtures, the captured fields
    and, when the control takes one, the data table."""

    def step(posture, record, datatable=None, **fields: Any) -> None:
        record(check.run(posture, fields, rows(datatable)))

    names = ["posture", "record"] + (["datatable"] if check.table else []) + check.fields()
    step.__signature__ = Signature([Parameter(name, Parameter.POSITIONAL_OR_KEYWORD) for name in names])  # type: ignore[attr-defined]
    step.__name__ = step.__qualname__ = check.function.__name__
    step.__doc__ = f"{check.phrase} -> {check.where}"
    return step


def _bind(check: registry.Check) -> None:
    then(_parser(check), stacklevel=2)(_step(check))  # the fixture pytest-bdd makes lands in this module


for _check in registry.checks():
    _bind(_check)
