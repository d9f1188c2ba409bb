"""The project's mutation run (bench/mutation) measures what it claims to (docs/testing.md, issue 15).

- Its operators make the mutants their docstring lists, each one edit that compiles and changes the
  source, keyed without line numbers so a justification in equivalent.toml outlives an edit above it;
  docstrings, annotations, ``if TYPE_CHECKING:`` blocks and f-strings are never mutated (they do not run,
  or are messages).
- A run on a toy project (a git repository of one module and one test file) kills the mutants its test
  pins, reports the others as survivors (reached by a test but not pinned) or uncovered (reached by none),
  puts the mutated file back, and refuses a red baseline naming the area.
"""
from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from bench.mutation.areas import Area
from bench.mutation.operators import Mutant, mutants_of
from bench.mutation.report import load_justified, render, score
from bench.mutation.run import Result, baseline, make_copies, run_all

SOURCE = textwrap.dedent('''\
    """A module docstring: 1 < 2 and True."""
    from __future__ import annotations

    from typing import TYPE_CHECKING, Annotated

    if TYPE_CHECKING:
        HIDDEN = 11 + 12

    LIMIT = 480
    WIDTH: Annotated[int, 13] = 70


    def decide(x: Annotated[int, 14], items: tuple = (), flag=True) -> Annotated[bool, 15]:
        """A function docstring: x > 16 or not items."""
        if x > LIMIT and not items:
            return True
        for item in items:
            if item in (1, 2):
                continue
            if item is None:
                break
            print(item)
        if any(i < 0 for i in items):
            raise ValueError(f"negative: {x + 17}")
        return "x" + str(x) == "x" and x * 2 != 3
    ''')


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def mutants(tmp_path: Path) -> list[Mutant]:
    return mutants_of(write(tmp_path, "pkg/decide.py", SOURCE), tmp_path)


def test_each_mutant_is_one_edit_that_compiles_and_changes_the_source(mutants):
    assert mutants
    for mutant in mutants:
        mutated = mutant.apply(SOURCE)
        assert mutated != SOURCE and mutated[: mutant.start] == SOURCE[: mutant.start]
        assert SOURCE[mutant.start:mutant.end] == mutant.original
        compile(mutated, "decide.py", "exec")


def test_the_operators_make_the_mutants_their_docstring_lists(mutants):
    made = {(m.operator, m.original, m.replacement) for m in mutants}
    expected = {
        ("compare", "x > LIMIT", "(x >= LIMIT)"), ("compare", "x > LIMIT", "(x <= LIMIT)"),
        ("compare", "item in (1, 2)", "(item not in (1, 2))"), ("compare", "item is None", "(item is not None)"),
        ("compare", "i < 0", "(i <= 0)"), ("compare", "i < 0", "(i >= 0)"),
        ("boolop", "x > LIMIT and not items", "(x > LIMIT or not items)"),
        ("not", "not items", "(items)"),
        ("number", "480", "481"), ("number", "70", "71"), ("number", "True", "False"), ("number", "0", "1"),
        ("return", "return True", "return None"),
        ("call", "print(item)", "pass"),
        ("raise", 'raise ValueError(f"negative: {x + 17}")', "pass"),
        ("loop", "continue", "break"), ("loop", "break", "continue"),
        ("anyall", "any", "all"),
        ("arith", "x * 2", "(x / 2)"),
    }
    assert expected <= made, sorted(expected - made)
    assert {m.operator for m in mutants} == {"compare", "boolop", "not", "number", "return", "call", "raise", "loop",
                                             "anyall", "arith"}


def test_docstrings_annotations_type_checking_blocks_and_messages_are_never_mutated(mutants):
    """Each of these spans holds what an operator would mutate (a number, a comparison, +), but never runs
    or is a message: no mutant edits inside it."""
    spans = []
    for text in ['"""A module docstring: 1 < 2 and True."""', "HIDDEN = 11 + 12", "Annotated[int, 13]",
                 "Annotated[int, 14]", "Annotated[bool, 15]", '"""A function docstring: x > 16 or not items."""',
                 'f"negative: {x + 17}"']:
        start = SOURCE.index(text)
        spans.append((start, start + len(text)))
    for mutant in mutants:
        assert not any(start <= mutant.start and mutant.end <= end for start, end in spans), mutant.describe()
    # a string put together with + is a message too: its + is not swapped (x * 2 beside it is)
    assert [m.original for m in mutants if m.operator == "arith"] == ["x * 2"]


def test_keys_name_the_file_function_and_edit_but_no_line_so_they_survive_an_edit_above(tmp_path, mutants):
    keys = [m.key for m in mutants]
    assert len(set(keys)) == len(keys)
    first = next(m for m in mutants if m.original == "480")
    assert first.key == "pkg/decide.py::<module>::number: 480 -> 481 #1"
    assert next(m for m in mutants if m.operator == "loop" and m.original == "continue").key == \
        "pkg/decide.py::decide::loop: continue -> break #1"
    future = "from __future__ import annotations\n"
    moved = mutants_of(write(tmp_path, "pkg/decide.py", SOURCE.replace(future, future + "# a comment\nEXTRA = 'x'\n\n")), tmp_path)
    assert [m.key for m in moved] == keys
    assert {m.line for m in moved} == {m.line + 3 for m in mutants}


def test_the_same_edit_twice_in_one_function_gets_two_keys(tmp_path):
    source = "def f(a, b):\n    return a + 1, b + 1\n"
    keys = [m.key for m in mutants_of(write(tmp_path, "twice.py", source), tmp_path) if m.operator == "number"]
    assert keys == ["twice.py::f::number: 1 -> 2 #1", "twice.py::f::number: 1 -> 2 #2"]


def test_what_runs_at_import_is_marked_so_every_test_of_the_area_runs_for_it(mutants):
    """Module constants and a function's defaults run when the module is imported: per-test coverage cannot
    say which test needs them, so they are marked and get every test of the area (run.Coverage.tests_for)."""
    at_import = {(m.function, m.original) for m in mutants if m.at_import}
    assert at_import == {("<module>", "480"), ("<module>", "70"), ("<module>", "True")}  # True: the default flag=True
    assert all(m.function == "decide" for m in mutants if not m.at_import)


# --- a run on a toy project --------------------------------------------------------------------------------

TOY = textwrap.dedent('''\
    def pinned(x):
        return x + 1


    def weak(x):
        return x * 2


    def untested(x):
        return x - 1
    ''')
TOY_TESTS = textwrap.dedent('''\
    from toycalc import pinned, weak


    def test_pinned():
        assert pinned(1) == 2


    def test_weak_only_at_zero():
        assert weak(0) == 0
    ''')
AREA = Area("toy", sources=("toycalc.py",), tests=("checks/test_*.py",))


def toy_project(root: Path, tests: str = TOY_TESTS) -> Path:
    root.mkdir()
    write(root, "toycalc.py", TOY)
    write(root, "checks/test_toycalc.py", tests)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


@pytest.mark.slow
def test_a_run_kills_what_the_tests_pin_and_reports_the_rest(tmp_path):
    root = toy_project(tmp_path / "toy")
    mutants = mutants_of(root / "toycalc.py", root)
    holder, copies = make_copies(root, 1)
    with holder:
        covered = baseline(copies[0], AREA, ["toycalc.py"])
        assert set(covered.tests) == {"checks/test_toycalc.py::test_pinned", "checks/test_toycalc.py::test_weak_only_at_zero"}
        assert set(covered.seconds) >= set(covered.tests)  # each test's traced time, for its mutants' timeouts
        results = run_all(copies, [(m, AREA.name, covered.tests_for(m)) for m in mutants], 60.0, lambda *_: None)
        assert (copies[0] / "toycalc.py").read_text() == TOY  # every mutant is put back
    assert (root / "toycalc.py").read_text() == TOY  # the working tree is never touched
    status = {(r.mutant.function, r.mutant.original, r.mutant.replacement): r.status for r in results}
    assert status == {
        ("pinned", "x + 1", "(x - 1)"): "killed",
        ("pinned", "1", "2"): "killed",
        ("pinned", "return x + 1", "return None"): "killed",
        ("weak", "x * 2", "(x / 2)"): "survived",       # 0 / 2 == 0: reached, not pinned
        ("weak", "2", "3"): "survived",
        ("weak", "return x * 2", "return None"): "killed",
        ("untested", "x - 1", "(x + 1)"): "uncovered",  # no test reaches it: never run
        ("untested", "1", "2"): "uncovered",
        ("untested", "return x - 1", "return None"): "uncovered",
    }
    killer = next(r for r in results if r.mutant.function == "pinned" and r.mutant.operator == "arith")
    assert killer.detail == "checks/test_toycalc.py::test_pinned"

    weak_key = next(r.mutant.key for r in results if r.mutant.function == "weak" and r.mutant.operator == "arith")
    justified = load_justified(write(tmp_path, "equivalent.toml",
                                     f'[[equivalent]]\nmutant = "{weak_key}"\nreason = "zero is all the toy pins"\n'))
    [area] = score(results, justified, {"toy": 90.0})
    assert (area.mutants, area.killed, area.justified, len(area.survivors)) == (9, 4, 1, 4)
    assert area.score == pytest.approx(100 * 4 / 8)
    shown = render([area], results, justified, {m.key for m in mutants})
    assert "BELOW" in shown and "toycalc.py::weak::number: 2 -> 3 #1" in shown and weak_key not in shown


@pytest.mark.slow
def test_a_red_baseline_is_refused_naming_the_area(tmp_path):
    root = toy_project(tmp_path / "toy", TOY_TESTS.replace("pinned(1) == 2", "pinned(1) == 3"))
    holder, copies = make_copies(root, 1)
    with holder, pytest.raises(SystemExit) as refused:
        baseline(copies[0], AREA, ["toycalc.py"])
    message = str(refused.value)
    assert message.startswith("mutation: area 'toy': the tests fail before any mutation") and "test_pinned" in message


def test_an_area_without_test_files_is_refused_naming_it(tmp_path):
    root = toy_project(tmp_path / "toy")
    holder, copies = make_copies(root, 1)
    with holder, pytest.raises(SystemExit, match=r"area 'empty': no test file matches \['nothing/\*\.py'\]"):
        baseline(copies[0], Area("empty", sources=("toycalc.py",), tests=("nothing/*.py",)), ["toycalc.py"])


def test_a_result_of_a_mutant_no_test_reaches_is_uncovered_without_a_run():
    """The decision of Worker.run: no tests, no pytest (so an unreached mutant costs nothing and is never
    counted as killed)."""
    from bench.mutation.run import Worker

    mutant = Mutant(path="m.py", line=1, end_line=1, operator="number", function="f", at_import=False,
                    original="1", replacement="2", start=0, end=1)
    result = Worker.run(object.__new__(Worker), mutant, "toy", [], 1.0)  # no server needed: nothing runs
    assert isinstance(result, Result) and result.status == "uncovered"


def test_a_mutant_needs_the_tests_that_reach_its_lines_or_all_of_them_when_it_runs_at_import():
    from bench.mutation.run import Coverage

    covered = Coverage(tests=["t::a", "t::b", "t::c"], by_line={("m.py", 2): {"t::a"}, ("m.py", 3): {"t::b"}, ("o.py", 2): {"t::c"}})

    def mutant(line: int, end_line: int, at_import: bool = False) -> Mutant:
        return Mutant(path="m.py", line=line, end_line=end_line, operator="number", function="f", at_import=at_import,
                      original="1", replacement="2", start=0, end=1)

    assert covered.tests_for(mutant(2, 2)) == ["t::a"]
    assert covered.tests_for(mutant(2, 3)) == ["t::a", "t::b"]  # a node over two lines: the tests of both
    assert covered.tests_for(mutant(5, 5)) == []
    assert covered.tests_for(mutant(5, 5, at_import=True)) == ["t::a", "t::b", "t::c"]


def test_a_mutants_timeout_is_counted_from_the_tests_it_runs_and_capped():
    """A mutant that loops forever is stopped after its own tests' time (three times over, plus start-up),
    not after the whole area's: one such mutant cost 186 s before."""
    from bench.mutation.run import Coverage

    covered = Coverage(tests=["t::a", "t::b"], seconds={"t::a": 0.5, "t::b": 10.0})
    assert covered.timeout_for(["t::a"], cap=600) == 21.5
    assert covered.timeout_for(["t::a", "t::b"], cap=600) == 51.5
    assert covered.timeout_for(["t::a", "t::b"], cap=40) == 40
    assert covered.timeout_for(["t::unknown"], cap=600) == 23.0  # a test without a traced time counts 1 s


def test_an_entry_that_names_no_mutant_is_reported_only_for_the_files_the_run_covered():
    from bench.mutation.report import Justified, render

    justified = {k: Justified(k, "why") for k in ("a.py::f::number: 1 -> 2 #1", "b.py::g::number: 1 -> 2 #1")}
    shown = render([], [], justified, all_keys=set(), sources={"a.py"})
    assert "a.py::f::number" in shown and "b.py::g::number" not in shown
    assert "b.py::g::number" in render([], [], justified, all_keys=set())
