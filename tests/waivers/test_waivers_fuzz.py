"""Fuzz the waivers file: whatever it holds, reading it gives valid waivers fit for a report, or refuses it
with ``file:line: problem`` naming the field (exit 2 through the command line), never anything else
(issue 11, section 5).

Files are a valid waiver mutated the way they go wrong by hand or on purpose: one field given a value of
another type (a list, a mapping, a number, true, null, nesting 200 deep), a date that does not exist,
text that is huge, Unicode, full of control characters or holding an e-mail address or a phone number;
a field added (its name hostile too) or a required one removed; and, on the bytes, bytes that are not
UTF-8, raw control characters, a list or a mapping as a field name, brackets by the thousand, a line
repeated, the file cut short.

Properties: (1) ``load_waivers`` returns waivers or raises ``WaiverError``, nothing else; (2) every
problem starts with the file and a line; (3) a refused field mutation is refused at that field's lines,
naming the field (or repeating its value: ``ISO-05 cannot be waived``) unless the YAML itself is
refused; (4) an accepted waiver holds no personal data and no control character in any field the
reports copy; (5) personal data a file held is never repeated in a message. A small sample goes
through ``retention audit --waivers`` too: refused there with exit 2 and the same problems on stderr.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from audit.catalogue import load_catalogue
from audit.cli import main
from audit.personal_data import find as personal
from audit.waivers import FIELDS, WaiverError, load_waivers

TODAY = date.today()
BASE = {"control": "RPO-02", "resource": "all", "justification": "the copy rule lands with OPS-1",
        "owner": "platform-team", "ticket": "OPS-1", "expires": (TODAY + timedelta(days=30)).isoformat()}
PERSONAL = ["jane.doe@example.com", "j.doe+audit@corp.example.org", "+1 555 123 4567", "(555) 123-4567",
            "020 7946 0958", "jane (at) example (dot) com", "tel:+15551234567"]
CATALOGUE = load_catalogue()
SETTINGS = dict(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)

texts = st.one_of(
    st.text(max_size=50),
    st.text(st.sampled_from("\x00\x07\x1b[31m\r\n\t\x7f\x85\u202e\u2028\u200b\ufeff \"':#&*!|>%@`{}"), max_size=20),
    st.sampled_from(["x" * 100_000, "é" * 5000, "\U0001f600" * 1000, "<script>alert(1)</script>", "| a | b |", "${HOME}"]),
)
with_personal_data = st.tuples(st.text(max_size=10), st.sampled_from(PERSONAL), st.text(max_size=10)).map(lambda t: " ".join(t))
dates = st.one_of(st.sampled_from(["2026-13-45", "2026-02-30", "0000-01-01", "9999-12-31", "2026-1-1", "2026-12-31T10:00:00",
                                   "2026-01-01T00:00:00+99:00", "20261231", "next spring", "", "1:2:3:4"]),
                  st.dates().map(lambda d: d.isoformat()), st.dates())


def nested(depth: int):
    value: object = "x"
    for _ in range(depth):
        value = [value]
    return value


values = st.one_of(
    texts, with_personal_data, dates,
    st.integers(), st.integers(min_value=10**30), st.floats(allow_nan=True), st.booleans(), st.none(),
    st.lists(st.text(max_size=5), max_size=3), st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
    st.integers(1, 200).map(nested), st.sampled_from(list(CATALOGUE.ids())),
)
keys = st.one_of(st.text(max_size=20), with_personal_data, st.integers(), st.booleans(), st.sampled_from(FIELDS))


@st.composite
def mutated_waivers(draw) -> tuple[str, str | None, object, str | None]:
    """(YAML text, the known field whose value was replaced or None, its new value, the personal data put in
    or None)."""
    waiver = dict(BASE)
    kind = draw(st.sampled_from(["value", "value", "value", "add", "remove"]))
    mutated = None
    if kind == "value":
        mutated = draw(st.sampled_from(FIELDS))
        waiver[mutated] = draw(values)
    elif kind == "add":
        mutated = draw(keys)
        waiver[mutated] = draw(values)
    else:
        del waiver[draw(st.sampled_from(FIELDS))]
    # a second waiver, valid: never a duplicate of the first, never of a control no waiver may cover
    others = [i for i in CATALOGUE.ids() if i != BASE["control"] and not CATALOGUE.why_not_waivable(i)]
    items = [waiver] + ([dict(BASE, control=draw(st.sampled_from(others)))] if draw(st.booleans()) else [])
    text = yaml.safe_dump(items, sort_keys=False, allow_unicode=draw(st.booleans()), width=draw(st.sampled_from([80, 10**6])))
    planted = next((p for p in PERSONAL if p in text), None)
    return text, mutated if kind == "value" else None, waiver.get(mutated), planted


@st.composite
def damaged_files(draw) -> bytes:
    """A valid file damaged on the bytes."""
    data = yaml.safe_dump([BASE], sort_keys=False).encode()
    at = draw(st.integers(0, len(data)))
    damage = draw(st.one_of(
        st.binary(min_size=1, max_size=8),
        st.sampled_from([b"\xff\xfe", b"\xc3", b"\x1b[2J", b"\x00", b"\x85", b"\t", b"  [a, b]: x\n", b"  {a: b}: x\n",
                         b"  ? [x]\n  : y\n", b"[" * 100_000, b"{a: " * 5000, b"&a [*a]", b"!!python/object:os.system", b"\n- "]),
    ))
    data = data[:at] + damage + data[at:]
    if draw(st.booleans()):
        data = data[:draw(st.integers(0, len(data)))]
    return data


def read(path: Path) -> list:
    """load_waivers, with properties (1) and (2) checked on a refusal."""
    try:
        return load_waivers(path, today=TODAY, catalogue=CATALOGUE)
    except WaiverError as exc:
        for problem in exc.problems:
            assert re.match(rf"{re.escape(str(path))}:\d+: \S", problem), problem
        raise


def assert_fit_for_reports(waivers: list) -> None:
    """Property (4): what the reports will copy holds no personal data and only printable characters."""
    for waiver in waivers:
        for key in ("control", "resource", "justification", "owner", "ticket"):
            text = getattr(waiver, key)
            assert personal(text) is None, (key, text)
            assert not [c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")], (key, text)
        assert date.fromisoformat(waiver.expires)


def field_lines(text: str, field: str) -> range:
    """The lines of the first waiver's ``field``: from its key to the line before the next key."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines, 1) if re.match(rf"(- |  ){re.escape(field)}:", line))
    end = next((i for i, line in enumerate(lines[start:], start + 1) if re.match(r"(- |  )[a-z]+:", line)), len(lines) + 1)
    return range(start, end)


@settings(max_examples=300, **SETTINGS)
@given(mutated_waivers())
def test_a_mutated_waiver_is_read_or_refused_naming_its_field(tmp_path_factory, case):
    text, field, value, planted = case
    path = tmp_path_factory.mktemp("w") / "waivers.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        assert_fit_for_reports(read(path))
        return
    except WaiverError as exc:
        problems = exc.problems
    if planted is not None:  # (5)
        assert not any(planted in p or planted.split()[-1] in p for p in problems), problems
    if field is not None:  # (3)
        lines = field_lines(text, field)
        at_field = [p for p in problems if int(re.match(rf"{re.escape(str(path))}:(\d+):", p)[1]) in lines]
        assert at_field, (field, problems)
        named = (field, "not valid YAML", "nested deeper", "a field name", *([value] if isinstance(value, str) and value else []))
        assert any(name in p for p in at_field for name in named), (field, at_field)


@settings(max_examples=300, **SETTINGS)
@given(damaged_files())
def test_a_damaged_file_is_read_or_refused_naming_a_line(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("w") / "waivers.yaml"
    path.write_bytes(data)
    try:
        assert_fit_for_reports(read(path))
    except WaiverError:
        pass


@settings(max_examples=15, **SETTINGS)
@given(st.one_of(mutated_waivers().map(lambda case: case[0].encode()), damaged_files()))
def test_the_audit_refuses_what_the_reader_refuses_with_exit_2(tmp_path_factory, capsys, data):
    """Through the command line: exit 2 and the same problems on stderr (escaped), nothing audited."""
    folder = tmp_path_factory.mktemp("cli")
    path = folder / "waivers.yaml"
    path.write_bytes(data)
    try:
        load_waivers(path, today=TODAY, catalogue=CATALOGUE)
    except WaiverError as exc:
        problems = exc.problems
    else:
        return  # valid waivers: the audit would run (a second each); the reader's properties hold above
    capsys.readouterr()
    code = main(["audit", "--mode", "static", "--env", "example", "--waivers", str(path), "--report-dir", str(folder / "r")])
    err = capsys.readouterr().err
    assert code == 2 and "invalid waivers (nothing was audited)" in err, err
    assert all(re.match(r"\S+:\d+: ", p) and p.split(": ", 1)[0] in err for p in problems), err
    assert not (folder / "r" / "report.json").exists()


def test_the_fuzz_reaches_both_outcomes(tmp_path):
    """The fuzz is not blind: its base waiver is accepted, and one mutation of each kind is refused."""
    path = tmp_path / "waivers.yaml"
    path.write_text(yaml.safe_dump([BASE], sort_keys=False))
    assert len(read(path)) == 1
    path.write_text(yaml.safe_dump([dict(BASE, expires="2026-13-45")], sort_keys=False))
    with pytest.raises(WaiverError, match=r"expires '2026-13-45' is not a date"):
        read(path)
