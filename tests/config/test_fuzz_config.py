"""Fuzzing the configuration (issue 11, "Done when"): any mutation of a valid configuration either still
validates or is refused by `retention config validate` with exit 2 and a message naming the mutated field
(or a field checked against it), never a traceback. A configuration that validates holds no control character and gives the
deployer its stack list intact.

Mutations are drawn with hypothesis over every place of the example environment (merged, with its
profiles set): a value replaced by any JSON value, a key or item removed, an unknown key
added, or a value perturbed the way a hand edit or an attacker would (a control character added, an
integer written as a float, a number as a string, a list emptied or repeated). The example count is
bounded so the test stays under about 20 s on one core."""
from __future__ import annotations

import contextlib
import io
import json
import re

from hypothesis import HealthCheck, given, settings, strategies as st

from audit.cli import main
from audit.config.loader import field_path
from tests.config.schema_fields import get, valid_example

BASE = valid_example()
EXAMPLES = 300

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(st.characters(codec=None), max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


def places(value, at=()):
    """Every path below the root (containers and leaves)."""
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        yield (*at, key)
        yield from places(child, (*at, key))


def perturbations(value) -> st.SearchStrategy:
    if isinstance(value, bool) or value is None:
        return st.sampled_from([0, 1, "true", "", [], {}, None if value is not None else False])
    if isinstance(value, int):
        return st.sampled_from([float(value), value + 0.5, -value, 0, 1, value + 1, value // 2, value * 10**6, str(value),
                                True, 2**63])
    if isinstance(value, str):
        suffix = st.text(st.characters(codec=None), min_size=1, max_size=3)
        return st.one_of(suffix.map(lambda s: value + s), suffix.map(lambda s: s + value),
                         st.sampled_from([value + "\n", value[:1] + "\t" + value[1:], "", value * 40, value.upper(),
                                          value + "=x", " " + value]))
    if isinstance(value, list):
        return st.sampled_from([[], value * 4, [value], value[::-1]])
    return st.sampled_from([{}, [value], {**value, **{"extra": 1}}])


@st.composite
def mutations(draw):
    data = json.loads(json.dumps(BASE))
    path = draw(st.sampled_from(list(places(data))))
    parent, key = get(data, path[:-1]), path[-1]
    operation = draw(st.sampled_from(["replace", "remove", "perturb", "perturb", "add key"]))
    if operation == "replace":
        parent[key] = draw(JSON_VALUES)
    elif operation == "remove":
        del parent[key]
    elif operation == "perturb":
        parent[key] = draw(perturbations(parent[key]))
    elif isinstance(parent[key], dict):
        parent[key][draw(st.text(min_size=1, max_size=8))] = draw(JSON_VALUES)
    else:
        parent[key] = {"unexpected": parent[key]}
    return data, path


def reported(err: str) -> list[tuple[str, str]]:
    """(field, message) of every problem line of a ConfigError's rendering."""
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^  (.+?): (.*)$", err, re.MULTILINE)]


def names_the_mutation(problems: list[tuple[str, str]], path: tuple) -> bool:
    """A problem names the mutated field, a field inside it or around it, or a field checked against it
    (its path or its key appears in the message: 'account 999... is not backup_account_id')."""
    target, key = field_path(path), str(path[-1])
    for field, message in problems:
        if field == target or field.startswith((target + ".", target + "[")) or target.startswith((field + ".", field + "[")):
            return True
        if target in message or (not isinstance(path[-1], int) and re.search(rf"\b{re.escape(key)}\b", message)):
            return True
    return False


def test_the_configuration_the_fuzzing_starts_from_is_valid():
    from audit.config import problems

    assert problems(BASE, "example") == []


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, (dict, list)):
        for child in (value.values() if isinstance(value, dict) else value):
            yield from strings(child)


def assert_reaches_the_deployer_intact(data, folder) -> None:
    """A configuration that validates holds no control character (each would reach a shell line or a
    stack parameter), and its stack list reads back as the same stacks, in JSON as in TSV."""
    assert not [s for s in strings(data) if re.search(r"[\x00-\x1f\x7f]", s)]
    listed = {}
    for form in ("json", "tsv"):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(["stacks", "--env", "example", "--config-dir", str(folder), "--format", form]) == 0
        listed[form] = out.getvalue()
    records = json.loads(listed["json"])
    rows = [line.split("\t") for line in listed["tsv"].splitlines()]
    assert [row[0] for row in rows] == [r["key"] for r in records] and {len(row) for row in rows} == {7}


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(mutation=mutations())
def test_a_mutated_configuration_validates_or_is_refused_naming_the_field(tmp_path_factory, mutation):
    data, path = mutation
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "example.json").write_text(json.dumps(data), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["config", "validate", "--env", "example", "--config-dir", str(folder)])
    assert code in (0, 2), err.getvalue()
    if code == 0:
        assert_reaches_the_deployer_intact(data, folder)
        return
    problems = reported(err.getvalue())
    assert problems, err.getvalue()
    assert names_the_mutation(problems, path), (field_path(path), err.getvalue())
