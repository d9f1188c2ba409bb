"""Governed waivers: an accepted failure, per control and resource, with a justification and an expiry.

``config/waivers.yaml`` (or ``--waivers FILE``) is a YAML list; each item:

    - control: RPO-02                 # a control id of the catalogue
      resource: dynamodb table compact-connect-prod-history   # one subject of the control, or "all"
      justification: the history table is rebuilt from the provider table until the copy rule lands
      owner: platform-team            # a team or role, never a person's e-mail (reports carry no PII)
      ticket: OPS-1234
      expires: 2026-12-31             # required, at most 180 days after the day of the run

What a waiver covers. A failure is a finding of a control (``audit.findings.Finding``): one failed check
with the subjects it is about (what the control looked at, listed under "subjects" in report.json, e.g.
``dynamodb table compact-connect-prod-history``), decided when the check was recorded: the subject the
control named, else each subject its message names as a whole name (``audit.findings.named_subjects``).
A waiver for a resource covers a finding only if every resource the finding is about is waived for that
control, so a waiver for one table never hides a failure on another, nor a failure that names that table
together with another one. A waiver with resource
``all`` covers every failure of its control. A finding about no subject can only be covered by
``all``. A control that found nothing to check ("no subject found") is never covered: absence is never
accepted. Passing checks are never touched.

Governance. Bad input stops the run with exit 2 and ``file:line: problem`` for every problem: not a
list, unknown or missing fields, a field of the wrong type, an empty justification, an expiry that is not
a date (``2026-13-45`` included) or is more than 180 days ahead, a control id that is not in the
catalogue, a control no waiver may cover (any ``BG-*`` control, and those the catalogue marks
``waivable: false``), the same control and resource twice, a file that is not UTF-8 or not YAML, a list
or mapping used as a field name, nesting past ``audit.yaml_lines.MAX_DEPTH``. Every field the reports
copy is text fit for them: no e-mail address or phone number anywhere (``audit.personal_data``: reports
carry no personal data, so the message names the field and line but never repeats the value), and no
control character (they would reach the terminal table and the XML reports; the justification's line
breaks and tabs are folded into spaces first). A waiver whose expiry has passed is not bad input: it
covers nothing and fails the run (exit 1), saying which waiver expired, until it is renewed or removed.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from audit.controls import Outcome
from audit.findings import Finding
from audit.report.model import Waiver

WAIVERS_FILE = "waivers.yaml"
MAX_DAYS_AHEAD = 180
ALL = "all"
FIELDS = ("control", "resource", "justification", "owner", "ticket", "expires")
REQUIRED = ("control", "resource", "justification", "expires")
_UNPRINTABLE = {"Cc", "Cf", "Cs", "Zl", "Zp"}  # control, format (bidi overrides), surrogates, line breaks
_KIND = {"LineList": "a list", "LineDict": "a mapping", "bool": "true/false", "float": "a decimal number (quote it)",
         "int": "a number this long (quote it)", "date": "a date (quote it)", "datetime": "a time (quote it)"}
_NOTHING = re.compile(r"\A\s*(?:\[\s*\]\s*)?\Z")


class WaiverError(Exception):
    """The waivers file is bad input (exit 2); ``problems`` are ``file:line: message`` strings."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def _strip_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def _unfit(value: str, fold: bool) -> str | None:
    """Why a text may not reach a report (nor be repeated in a message), or None."""
    from audit.personal_data import find as personal

    found = personal(value)
    if found is not None:
        what, position = found
        return (f"holds what looks like {what} (at character {position + 1}; not repeated here): reports carry "
                f"no personal data, name a team, role or ticket instead")
    text = " ".join(value.split()) if fold else value.strip()
    if not text.isprintable():  # fast path: a str method in C; the loop below only finds which character
        import unicodedata

        for position, char in enumerate(text):
            if unicodedata.category(char) in _UNPRINTABLE:
                return f"holds the control character U+{ord(char):04X} (at character {position + 1}): write plain text"
    return None


def _text(value: Any) -> str | None:
    """A field's value as the text the reports will show: a string, or a plain integer (``ticket: 1234``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() <= 64:
        return str(value)
    return None


def _check_item(item: Any, line: int, source: str, today: date, catalogue) -> tuple[Waiver | None, list[str]]:  # noqa: C901 - every rule of one waiver, each naming its field
    from audit.yaml_lines import LineDict, brief, field_problems

    if not isinstance(item, LineDict):
        return None, [f"{source}:{line}: a waiver must be a mapping with {', '.join(REQUIRED)}"]
    # first what may not be repeated in any message (nor reach a report): such a field is checked no further
    unfit: dict[Any, str] = {}  # field -> message
    hidden = LineDict()  # the mapping without the fields whose very name is unfit, for field_problems
    hidden.line, hidden.key_lines = item.line, item.key_lines
    for key, value in item.items():
        if isinstance(key, str) and key not in FIELDS and (why := _unfit(key, fold=False)):
            unfit[key] = f"a field name {why}"
            continue
        hidden[key] = value
        if isinstance(value, str) and (why := _unfit(value, fold=key == "justification")):
            unfit[key] = f"{key if isinstance(key, str) else brief(key)} {why}"
    problems = field_problems(hidden, source, FIELDS, REQUIRED, hints={"justification": "why the failure is accepted"})
    problems += [f"{source}:{item.line_of(key)}: {message}" for key, message in unfit.items()]

    def problem(key: str, message: str) -> None:
        problems.append(f"{source}:{item.line_of(key)}: {message}")

    text = {key: "" for key in FIELDS}
    for key in ("control", "resource", "justification", "owner", "ticket"):
        if item.get(key) is None or key in unfit:
            continue
        value = _text(item[key])
        if value is None:
            problem(key, f"{key} must be a text, not {_KIND.get(type(item[key]).__name__, type(item[key]).__name__)}")
        else:
            text[key] = value.strip()
    control = text["control"]
    if control:
        if catalogue.get(control) is None:
            problem("control", f"unknown control {brief(control)}: not in the catalogue ({', '.join(catalogue.ids())})")
        else:
            reason = catalogue.why_not_waivable(control)
            if reason:
                problem("control", f"{control} cannot be waived: {reason}")
    expires = item.get("expires")
    if isinstance(expires, str):
        try:
            expires = date.fromisoformat(expires.strip())
        except ValueError:
            pass
    if "expires" in item and expires is not None and "expires" not in unfit:
        if not isinstance(expires, date) or hasattr(expires, "hour"):
            problem("expires", f"expires {brief(item['expires'])} is not a date (write YYYY-MM-DD)")
        elif expires > today + timedelta(days=MAX_DAYS_AHEAD):
            problem("expires", f"expires {expires.isoformat()} is more than {MAX_DAYS_AHEAD} days after today "
                    f"({today.isoformat()}); the latest allowed is {(today + timedelta(days=MAX_DAYS_AHEAD)).isoformat()}")
    if problems:
        return None, problems
    assert isinstance(expires, date)  # checked above: a missing or malformed expiry is a problem
    return Waiver(control=control, resource=text["resource"], justification=" ".join(text["justification"].split()),
                  owner=text["owner"], ticket=text["ticket"], expires=expires.isoformat(),
                  # reports name the file, not where this machine keeps it: packs from two folders compare equal
                  source=f"{Path(source).name}:{item.line}",
                  state="expired" if expires < today else "unused"), []


def load_waivers(path: Path, *, today: date, catalogue=None) -> list[Waiver]:
    """The waivers of ``path``, checked; ``WaiverError`` lists every problem. A file holding nothing but
    comments (or ``[]``) is read without importing a YAML parser: that is the bundled file of every audit."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise WaiverError([f"{path}: cannot read: {exc.strerror}"]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise WaiverError([f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}): save the file as UTF-8"]) from None
    if _NOTHING.match(_strip_comments(text)):
        return []
    from audit.catalogue import CatalogueError, load_catalogue
    from audit.yaml_lines import LineList, YamlError, brief, load, shown

    source = shown(path)

    try:
        data = load(text, source)
    except YamlError as exc:
        raise WaiverError([str(exc)]) from None
    if data is None:
        return []
    if not isinstance(data, LineList):
        raise WaiverError([f"{source}:{getattr(data, 'line', 1)}: the waivers file must be a YAML list of waivers"])
    try:
        catalogue = catalogue or load_catalogue()
    except CatalogueError as exc:
        raise WaiverError(exc.problems) from None
    waivers: list[Waiver] = []
    problems: list[str] = []
    seen: dict[tuple[str, str], int] = {}  # (control, resource) -> line
    for item, line in zip(data, data.item_lines):
        waiver, found = _check_item(item, line, source, today, catalogue)
        problems += found
        if waiver is None:
            continue
        key = (waiver.control, waiver.resource)
        if key in seen:  # named like every other problem: the file as given, then the line
            problems.append(f"{source}:{item.line}: {waiver.control} {brief(waiver.resource)} is already waived "
                            f"at line {seen[key]}")
            continue
        seen[key] = item.line
        waivers.append(waiver)
    if problems:
        raise WaiverError(problems)
    return waivers


@dataclass
class Split:
    """What is left of an outcome once the waivers have covered what they may."""

    kept: Outcome  # the outcome with only the findings no waiver covers
    waived: list[Finding] = field(default_factory=list)  # the findings covered
    waivers: list[Waiver] = field(default_factory=list)  # the waivers that covered them


class WaiverSet:
    """The waivers of one audit run; ``split`` applies them, ``report`` tells how each was used."""

    def __init__(self, waivers: list[Waiver] | None = None):
        self._waivers = list(waivers or [])
        self._applied: set[str] = set()

    def __bool__(self) -> bool:
        return bool(self._waivers)

    def _covering(self, finding: Finding, mine: list[Waiver]) -> list[Waiver]:
        every = [w for w in mine if w.resource == ALL]
        if every:
            return every
        by_resource = {w.resource: w for w in mine}
        if finding.subjects and all(name in by_resource for name in finding.subjects):
            return [by_resource[name] for name in finding.subjects]
        return []

    def split(self, control_id: str, outcome: Outcome) -> Split:
        mine = [w for w in self._waivers if w.control == control_id and w.state != "expired"]
        if outcome.passed or not mine or not outcome.subjects:
            return Split(kept=outcome)
        kept: list[Finding] = []
        split = Split(kept=outcome)
        for finding in outcome.findings:
            covering = self._covering(finding, mine)
            if not covering:
                kept.append(finding)
                continue
            split.waived.append(finding)
            for waiver in covering:
                self._applied.add(waiver.source)
                if waiver not in split.waivers:
                    split.waivers.append(waiver)
        if split.waived:
            split.kept = dataclasses.replace(outcome, findings=kept)
        return split

    def report(self) -> list[Waiver]:
        """Every waiver of the file with its state: applied, unused (covered no failure of this run) or expired."""
        return [dataclasses.replace(w, state="applied" if w.source in self._applied else w.state) for w in self._waivers]


def default_waivers_path(config_dir: Path | None) -> Path:
    from audit.config.loader import default_config_dir

    return Path(config_dir or default_config_dir()) / WAIVERS_FILE
