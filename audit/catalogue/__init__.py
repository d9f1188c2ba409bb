"""The control catalogue (``audit/catalogue/catalogue.yaml``): every control id with its title, rationale, framework
mappings and whether a waiver may cover it.

The catalogue is the source of truth for framework mappings. The scenario tags of ``features/`` carry
the same mappings (pytest selects on them with ``--tags nist:CP-9``, and they travel into junit and
cucumber output), and ``audit.catalogue.check`` fails when tags and catalogue differ. The catalogue was
chosen as the source because it is the document a compliance owner reviews: one reviewed file, with the
reason for each mapping next to it, whose every framework control name is validated against the
framework's list (``audit.catalogue.frameworks``).

Loading is strict: every problem of the file is reported at once, each as ``file:line: problem``.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit.catalogue.frameworks import FRAMEWORK_CONTROLS, FRAMEWORK_TITLES

if TYPE_CHECKING:  # for annotations only: the parsing functions import audit.yaml_lines where they run, as before
    from audit.yaml_lines import LineDict

CATALOGUE_FILE = Path(__file__).resolve().with_name("catalogue.yaml")
CONTROL_ID = re.compile(r"^[A-Z]+-\d+$")
# Controls no waiver may ever cover, whatever the catalogue says: the SSN break-glass controls.
NEVER_WAIVABLE_PREFIXES = ("BG-",)
ENTRY_FIELDS = ("id", "title", "rationale", "mappings", "waivable", "not_waivable_because")
REQUIRED_FIELDS = ("id", "title", "rationale", "mappings")


class CatalogueError(Exception):
    """The catalogue file is unreadable or invalid; ``problems`` are ``file:line: message`` strings."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    rationale: str
    mappings: dict[str, tuple[str, ...]]  # framework -> framework controls, in the order written
    waivable: bool
    not_waivable_because: str
    line: int  # where the entry starts in the catalogue file

    def tags(self) -> set[str]:
        """The framework tags its scenario must carry: ``{"nist:CP-9", "backup-audit-manager:NAME"}``."""
        return {f"{framework}:{control}" for framework, controls in self.mappings.items() for control in controls}

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "rationale": self.rationale,
                "mappings": {framework: list(controls) for framework, controls in self.mappings.items()},
                "waivable": self.waivable, "not_waivable_because": self.not_waivable_because}


@dataclass(frozen=True)
class Catalogue:
    entries: tuple[Entry, ...]
    source: Path

    def get(self, control_id: str) -> Entry | None:
        return next((entry for entry in self.entries if entry.id == control_id), None)

    def ids(self) -> list[str]:
        return [entry.id for entry in self.entries]

    def why_not_waivable(self, control_id: str) -> str:
        """"" when a waiver may cover the control, else the reason it may not."""
        if control_id.startswith(NEVER_WAIVABLE_PREFIXES):
            return "SSN break-glass controls (BG-*) are never waived"
        entry = self.get(control_id)
        if entry is not None and not entry.waivable:
            return entry.not_waivable_because
        return ""


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _framework_problems(framework: Any, controls: Any, cid: Any) -> list[str]:
    """What is wrong with one framework's list of controls in an entry's mappings (without ``file:line:``)."""
    known = FRAMEWORK_CONTROLS.get(framework)
    if known is None:
        return [f"{cid}: unknown framework {framework!r} (known: {', '.join(FRAMEWORK_TITLES)})"]
    if not isinstance(controls, list) or not controls or not all(isinstance(c, str) for c in controls):
        return [f"{cid}: {framework} must list at least one control name"]
    found = [f"{cid}: {framework} has no control {control!r}; if it exists in {FRAMEWORK_TITLES[framework]}, add it with "
             "its title to audit/catalogue/frameworks.py" for control in controls if control not in known]
    if len(set(controls)) != len(controls):
        found.append(f"{cid}: {framework} lists a control twice")
    return found


def _mappings(raw: LineDict, cid: Any, where: str, problems: list[str]) -> dict[str, tuple[str, ...]]:
    """An entry's framework -> controls, in the order written; each problem appended to ``problems``."""
    mappings: dict[str, tuple[str, ...]] = {}
    for framework, controls in raw.items():
        found = _framework_problems(framework, controls, cid)
        problems += [f"{where}:{raw.line_of(framework)}: {problem}" for problem in found]
        if not found:
            mappings[framework] = tuple(controls)
    return mappings


def _entry(item: Any, line: int, where: str, problems: list[str]) -> Entry | None:
    from audit.yaml_lines import LineDict, field_problems

    if not isinstance(item, LineDict):
        problems.append(f"{where}:{line}: a control entry must be a mapping with {', '.join(REQUIRED_FIELDS)}")
        return None
    before = len(problems)

    def problem(key: str, message: str) -> None:
        problems.append(f"{where}:{item.line_of(key)}: {item.get('id') or 'entry'}: {message}")

    problems += field_problems(item, where, ENTRY_FIELDS, REQUIRED_FIELDS, prefix=f"{item.get('id') or 'entry'}: ")
    cid = item.get("id")
    if "id" in item and not (isinstance(cid, str) and CONTROL_ID.match(cid)):
        problem("id", f"id {cid!r} is not a control id like RPO-01 (capital letters, a hyphen, digits)")
    for key in ("title", "rationale"):
        if item.get(key) is not None and not isinstance(item[key], str):
            problem(key, f"{key} must be a text")
    mappings: dict[str, tuple[str, ...]] = {}
    raw = item.get("mappings")
    if "mappings" in item and (not isinstance(raw, dict) or not raw):
        problem("mappings", "mappings must map at least one framework "
                f"({', '.join(FRAMEWORK_TITLES)}) to a list of its controls")
    elif isinstance(raw, LineDict):  # every mapping the catalogue's loader reads is one
        mappings = _mappings(raw, cid, where, problems)
    waivable = item.get("waivable", True)
    if not isinstance(waivable, bool):
        problem("waivable", f"waivable must be true or false, not {waivable!r}")
    reason = item.get("not_waivable_because", "")
    if waivable is False and not _text(reason):
        problem("waivable", "a control that is not waivable needs not_waivable_because (the reason)")
    if isinstance(cid, str) and cid.startswith(NEVER_WAIVABLE_PREFIXES) and waivable is not False:
        problem("id", f"{cid} is a break-glass control: set waivable: false (BG-* controls are never waived)")
    if len(problems) > before or not isinstance(cid, str):  # a missing or non-text id is a problem above
        return None
    return Entry(id=cid, title=item["title"].strip(), rationale=" ".join(item["rationale"].split()), mappings=mappings,
                 waivable=waivable, not_waivable_because=" ".join(str(reason).split()), line=item.line)


def parse_catalogue(data: Any, where: str) -> tuple[Entry, ...]:
    """Validate the parsed YAML of a catalogue; raise ``CatalogueError`` listing every problem."""
    from audit.yaml_lines import LineDict

    if not isinstance(data, LineDict) or not isinstance(data.get("controls"), list):
        raise CatalogueError([f"{where}:1: the catalogue must be a mapping with a 'controls' list"])
    problems: list[str] = []
    unknown = [key for key in data if key != "controls"]
    problems += [f"{where}:{data.line_of(key)}: unknown top-level key {key!r} (only 'controls')" for key in unknown]
    entries: list[Entry] = []
    first_line: dict[str, int] = {}
    controls = data["controls"]
    for item, line in zip(controls, controls.item_lines):
        entry = _entry(item, line, where, problems)
        if entry is None:
            continue
        if entry.id in first_line:
            problems.append(f"{where}:{line}: {entry.id} is already in the catalogue (line {first_line[entry.id]})")
            continue
        first_line[entry.id] = line
        entries.append(entry)
    if problems:
        raise CatalogueError(problems)
    return tuple(entries)


def _cache_file(source: bytes) -> Path:
    """Where the validated catalogue of these bytes is kept: keyed by the file and by the code that validates
    it (this module, the frameworks' lists, the YAML reader), so a change of either is a miss."""
    import hashlib

    from audit.cache_paths import cache_root
    from audit.code_fingerprint import files_digest

    here = Path(__file__).resolve().parent
    code = files_digest([here / "__init__.py", here / "frameworks.py", here.parent / "yaml_lines.py"], ["PyYAML"])
    return cache_root() / "catalogue" / f"{hashlib.sha256(source + code.encode()).hexdigest()}.json"


def _entries_from_json(items: list[dict[str, Any]]) -> tuple[Entry, ...]:
    return tuple(Entry(id=i["id"], title=i["title"], rationale=i["rationale"],
                       mappings={f: tuple(c) for f, c in i["mappings"].items()}, waivable=i["waivable"],
                       not_waivable_because=i["not_waivable_because"], line=i["line"]) for i in items)


@functools.lru_cache(maxsize=8)
def _load(path: Path, mtime_ns: int) -> Catalogue:
    """The validated catalogue; a valid one is also kept on disk (``_cache_file``): reading and validating the
    YAML costs every audit run about 40 ms, a JSON read 1 ms."""
    import json
    import os
    import tempfile

    try:
        cached = _cache_file(path.read_bytes())
        return Catalogue(entries=_entries_from_json(json.loads(cached.read_text(encoding="utf-8"))), source=path)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    from audit.yaml_lines import YamlError, load_file, shown  # only when the cache misses: PyYAML costs 35 ms

    try:
        data = load_file(path)
    except YamlError as exc:
        raise CatalogueError([str(exc)]) from None
    catalogue = Catalogue(entries=parse_catalogue(data, shown(path)), source=path)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=cached.parent, delete=False, suffix=".tmp", encoding="utf-8") as handle:
            json.dump([{**entry.to_json(), "line": entry.line} for entry in catalogue.entries], handle)
        os.replace(handle.name, cached)
    except (OSError, NameError):
        pass
    return catalogue


def load_catalogue(path: Path | None = None) -> Catalogue:
    """The catalogue at ``path`` (default ``audit/catalogue/catalogue.yaml``), validated; ``CatalogueError`` if not."""
    path = Path(path or CATALOGUE_FILE)
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as exc:
        raise CatalogueError([f"{path}: cannot read: {exc.strerror}"]) from None
    return _load(path, mtime)
