"""Every template test says what it is for: the controls it backs, or the template fact no control checks.

The controls check most facts of any template; a test of our bundled templates is worth keeping when it pins
such a fact more precisely (``backs``) or pins one no control checks (``template_fact``, with the reason it
matters, so that it is reviewed as such). This test collects the tests of tests/templates and names each one
that has neither marker or both, backs a control that is not declared, or gives an empty reason.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType
from typing import Any, Iterator

import pytest

import tests.templates
from audit.controls.registry import controls, discover

MARKERS = ("backs", "template_fact")
THIS = __name__.rsplit(".", 1)[1]  # the tests of this module check the markers; they back nothing themselves


def template_test_modules() -> Iterator[ModuleType]:
    for info in pkgutil.iter_modules(tests.templates.__path__):
        if info.name.startswith("test_"):
            yield importlib.import_module(f"tests.templates.{info.name}")


def marks_of(module: ModuleType, function: Any) -> list[pytest.Mark]:
    """The marks pytest would apply to ``function``: its own (``pytestmark`` set by decorators) and the module's."""
    module_marks = getattr(module, "pytestmark", [])
    return [*getattr(function, "pytestmark", []), *(module_marks if isinstance(module_marks, list) else [module_marks])]


def template_tests() -> Iterator[tuple[str, list[pytest.Mark]]]:
    for module in template_test_modules():
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("test_") and function.__module__ == module.__name__:
                yield f"{module.__name__.rsplit('.', 1)[1]}.py::{name}", marks_of(module, function)


def problems(test: str, marks: list[pytest.Mark], declared: set[str]) -> list[str]:
    """Why ``test`` does not say what it backs (empty when it does)."""
    found = [m for m in marks if m.name in MARKERS]
    if len(found) != 1:
        names = ", ".join(m.name for m in found) or "neither"
        return [f"{test}: has {names}; give it exactly one of @pytest.mark.backs(...) or @pytest.mark.template_fact(...)"]
    mark = found[0]
    if mark.name == "template_fact":
        reason = mark.args[0] if mark.args else mark.kwargs.get("reason", "")
        return [] if isinstance(reason, str) and reason.strip() else [f"{test}: template_fact without a reason"]
    if not mark.args:
        return [f"{test}: backs() names no control"]
    unknown = [c for c in mark.args if c not in declared]
    return [f"{test}: backs {', '.join(map(str, unknown))}, not a declared control"] if unknown else []


def declared_controls() -> set[str]:
    discover()
    return set(controls())


def test_every_template_test_has_exactly_one_marker_naming_declared_controls_or_a_reason():
    declared = declared_controls()
    found = [(test, marks) for test, marks in template_tests() if not test.startswith(f"{THIS}.py::")]
    assert len(found) > 50, f"only {len(found)} template tests found: is the collection broken?"
    wrong = [p for test, marks in found for p in problems(test, marks, declared)]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(("marks", "expected"), [
    ([], "has neither"),
    ([pytest.mark.backs("ENC-01").mark, pytest.mark.template_fact("why").mark], "has backs, template_fact"),
    ([pytest.mark.backs("ENC-99").mark], "backs ENC-99, not a declared control"),
    ([pytest.mark.backs().mark], "backs() names no control"),
    ([pytest.mark.template_fact(" ").mark], "template_fact without a reason"),
])
def test_a_test_that_does_not_say_what_it_backs_is_named(marks, expected):
    (problem,) = problems("test_x.py::test_y", marks, declared_controls())
    assert problem.startswith("test_x.py::test_y: ") and expected in problem


def test_a_test_that_says_what_it_backs_passes():
    declared = declared_controls()
    assert problems("t", [pytest.mark.backs("ENC-01", "ISO-02").mark], declared) == []
    assert problems("t", [pytest.mark.template_fact("a trust policy no control reads").mark], declared) == []
