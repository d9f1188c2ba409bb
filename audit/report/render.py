"""Render an ``AuditReport`` for people and machines: JSON, Markdown, HTML files and a terminal table.

- ``report.json``: ``AuditReport.to_json()``, indent 2, trailing newline.
- ``report.md``: GitHub-flavoured Markdown. Every value from the model is escaped by the template
  environment's ``finalize`` hook, so a template cannot forget it: Markdown punctuation is backslash-escaped
  (``|`` included, so table cells stay cells) and newlines become ``<br>``.
- ``report.html``: one self-contained page (inline CSS, no JavaScript, no external resources, a
  Content-Security-Policy that forbids loading anything) with jinja2 autoescaping on.

Both documents summarise the results per framework: NIST SP 800-53 by control family, AWS Backup Audit
Manager (and any other framework) by framework control, then every framework requirement on its own. A
control is counted once in each row it maps to. Waived controls are shown with the failures they accept
and the waivers' justification, owner, ticket and expiry; every waiver of the run is listed with its
state, expired ones first.

Nothing is rendered that is not in the model, apart from fixed explanatory text.
"""
from __future__ import annotations

import functools
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from audit.report.model import STATUSES, AuditReport

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
WIDTH = 100  # terminal table width, columns
EVIDENCE_FOLD = 8  # more evidence lines than this go into a <details> element

MODE_EXPLANATIONS = {
    "static": "before deploy, from the templates and the configuration",
    "live": "after deploy, from the AWS accounts",
}
STATUS_MEANINGS = {
    "passed": "the control holds",
    "failed": "the control does not hold; the card says what is wrong and what to fix",
    "waived": "the control does not hold, and every failure is accepted by an unexpired waiver (justification on the card)",
    "skipped": "the control was not evaluated in this run",
}
WAIVER_STATE_MEANINGS = {
    "expired": "past its expiry: it covers nothing and fails the run until renewed or removed",
    "applied": "covered at least one failure of this run",
    "unused": "covered no failure of this run (the control passed, or the resource is not one of its subjects)",
}


# --------------------------------------------------------------------------- shared view data


def natural_key(text: str) -> list[Any]:
    """Sort "nist:CP-9" before "nist:CP-10"."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part.lower()) for part in re.split(r"(\d+)", text)]


def framework_counts(report: AuditReport) -> dict[str, dict[str, int]]:
    """Framework tag -> {"passed", "failed", "waived", "skipped", "total"}; a control counts once per distinct tag."""
    counts: dict[str, dict[str, int]] = {}
    for control in report.controls:
        for tag in set(control.frameworks):
            row = counts.setdefault(tag, {**{s: 0 for s in STATUSES}, "total": 0})
            row[control.status] += 1
            row["total"] += 1
    return {tag: counts[tag] for tag in sorted(counts, key=natural_key)}


def framework_summary(report: AuditReport) -> list[dict[str, Any]]:
    """One summary per framework found in the controls' tags: NIST by control family, every other
    framework by framework control. Each row counts the controls mapped to it by status; a control
    mapped twice into one row (CP-9 and CP-6 are both family CP) counts once there."""
    from audit.catalogue.frameworks import FRAMEWORK_TITLES, NIST, group_label, split_tag

    rows: dict[str, dict[str, dict[str, Any]]] = {}
    for control in report.controls:
        keys: dict[tuple[str, str], str] = {}
        for tag in control.frameworks:
            parsed = split_tag(tag)
            if parsed:
                key, title = group_label(*parsed)
                keys[(parsed[0], key)] = title
        for (framework, key), title in keys.items():
            row = rows.setdefault(framework, {}).setdefault(key, {"key": key, "title": title, "total": 0,
                                                                  **{s: 0 for s in STATUSES}})
            row[control.status] += 1
            row["total"] += 1
    order = [f for f in FRAMEWORK_TITLES if f in rows] + sorted(f for f in rows if f not in FRAMEWORK_TITLES)
    return [{"framework": framework, "title": FRAMEWORK_TITLES.get(framework, framework),
             "by": "family" if framework == NIST else "control",
             "rows": [rows[framework][key] for key in sorted(rows[framework], key=natural_key)]}
            for framework in order]


def _anchors(report: AuditReport) -> dict[int, str]:
    """id(control) -> a unique HTML id made of safe characters."""
    seen: dict[str, int] = {}
    anchors: dict[int, str] = {}
    for control in report.controls:
        stem = f"{control.feature.removesuffix('.feature')}-{control.id}"
        base = "control-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-").lower() or "x")
        seen[base] = seen.get(base, 0) + 1
        anchors[id(control)] = base if seen[base] == 1 else f"{base}-{seen[base]}"
    return anchors


def _line_count(lines: list[str]) -> int:
    return sum(len(item.splitlines()) or 1 for item in lines)


def _context(report: AuditReport) -> dict[str, Any]:
    anchors = _anchors(report)
    features: list[dict[str, Any]] = []
    for name, title, controls in report.features():
        cards = [
            {
                "c": c,
                "anchor": anchors[id(c)],
                "fold_evidence": _line_count(c.evidence) > EVIDENCE_FOLD,
            }
            for c in controls
        ]
        counts = {s: sum(1 for c in controls if c.status == s) for s in STATUSES}
        features.append({"name": name, "title": title, "cards": cards, "counts": counts,
                         "anchor": "feature-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-").lower() or "x")})
    failed = [card for feature in features for card in feature["cards"] if card["c"].status == "failed"]
    waived = [card for feature in features for card in feature["cards"] if card["c"].status == "waived"]
    return {
        "r": report,
        "summary": report.summary(),
        "statuses": STATUSES,
        "status_meanings": STATUS_MEANINGS,
        "mode_explanation": MODE_EXPLANATIONS.get(report.mode, report.mode),
        "frameworks": framework_counts(report),
        "framework_summary": framework_summary(report),
        "features": features,
        "failed": failed,
        "waived": waived,
        "waivers": _waivers_in_order(report),
        "waiver_state_meanings": WAIVER_STATE_MEANINGS,
    }


def _waivers_in_order(report: AuditReport) -> list[Any]:
    """Expired first (they fail the run), then applied, then unused; in file order within each."""
    rank = {state: index for index, state in enumerate(WAIVER_STATE_MEANINGS)}
    return sorted(report.waivers, key=lambda w: rank.get(w.state, len(rank)))


# --------------------------------------------------------------------------- Markdown escaping

_MD_ALWAYS = re.compile(r"([\\`*_\[\]<>|~&])")
_MD_LINE_START = re.compile(r"^(\s*)([#+\-=]|\d{1,9}(?=[.)](?:\s|$)))")


def md_escape(value: Any) -> str:
    """One Markdown-safe inline string: punctuation that could start markup is backslash-escaped (CommonMark
    allows escaping any ASCII punctuation), a leading block marker is neutralised, newlines become <br>."""
    if isinstance(value, Markup):  # template-produced, already Markdown
        return str(value)
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for line in text.split("\n"):
        line = _MD_ALWAYS.sub(r"\\\1", line)
        match = _MD_LINE_START.match(line)
        if match:
            marker_end = match.end()
            if match.group(2).isdigit():  # "1. x" / "1) x": escape the dot or parenthesis
                line = line[:marker_end] + "\\" + line[marker_end:]
            else:
                line = line[: match.start(2)] + "\\" + line[match.start(2):]
        lines.append(line)
    return "<br>".join(lines)


def _md_raw(value: Any) -> Markup:
    """Mark a template-computed string as already Markdown (never use on model values)."""
    return Markup(str(value))


# --------------------------------------------------------------------------- environments


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates are kept beside the decoded-template cache: compiling them is a fifth of an
    audit's run time. Without a writable cache folder the templates are simply compiled each time. Jinja keys
    each entry by the template's source checksum and its bytecode format; the folder is per Jinja version, so
    code another version compiled is never loaded."""
    from audit.cache_paths import cache_root

    folder = cache_root() / "jinja" / jinja2.__version__
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder))


def _environment(**options: Any) -> jinja2.Environment:
    """A strict environment over the report templates, with the compiled-template cache."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), bytecode_cache=_bytecode_cache(),
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True, **options)


@functools.lru_cache(maxsize=None)
def html_env() -> jinja2.Environment:
    return _environment(autoescape=True)


@functools.lru_cache(maxsize=None)
def _md_env() -> jinja2.Environment:
    env = _environment(autoescape=False, finalize=md_escape)  # every {{ value }} is Markdown-escaped unless |raw
    env.filters["raw"] = _md_raw
    return env


def render_html(report: AuditReport) -> str:
    return html_env().get_template("report.html.j2").render(**_context(report))


def render_markdown(report: AuditReport) -> str:
    return _md_env().get_template("report.md.j2").render(**_context(report))


def render_json(report: AuditReport) -> str:
    return json.dumps(report.to_json(), indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def write_reports(report: AuditReport, out_dir: Path) -> dict[str, Path]:
    """Write report.json, report.md and report.html into out_dir (created with its parents).

    All three are rendered before anything is written, so a rendering error leaves no partial set."""
    out_dir = Path(out_dir)
    texts = {
        "json": ("report.json", render_json(report)),
        "md": ("report.md", render_markdown(report)),
        "html": ("report.html", render_html(report)),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for kind, (name, text) in texts.items():
        path = out_dir / name
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        paths[kind] = path
    return paths


# --------------------------------------------------------------------------- terminal

_ANSI = {"passed": "\x1b[32m", "failed": "\x1b[31m", "waived": "\x1b[36m", "skipped": "\x1b[33m"}
_RESET = "\x1b[0m"
_ID_MAX = 24
_STATUS_WIDTH = max(len(s) for s in STATUSES)


def _one_line(text: str) -> str:
    """Control characters (including ESC, so no terminal escape sequences) and newlines become spaces."""
    cleaned = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return " ".join(cleaned.split())


def _fit(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    return text[: max(width - 3, 0)] + "..." if width >= 3 else text[:width]


def _waiver_line(waiver: Any) -> str:
    who = ", ".join(part for part in (waiver.owner, waiver.ticket) if part)
    return (f"waived until {waiver.expires}{' (' + who + ')' if who else ''} [{waiver.source}]: "
            f"{waiver.resource}: {waiver.justification}")


def terminal_table(report: AuditReport, *, color: bool = False) -> str:
    """``ID  STATUS  CONTROL`` one line per control, an indented message line under each failure, an
    indented waiver line (expiry, owner, ticket, file line, resource, justification) under each waived
    control, then one line per expired waiver and "N passed, N failed[, N waived], N skipped". Lines fit
    in 100 columns; with color=True only the status is coloured."""
    id_width = min(max([len("ID")] + [len(_one_line(c.id)) for c in report.controls]), _ID_MAX)
    title_width = WIDTH - id_width - 2 - _STATUS_WIDTH - 2
    indent = " " * (id_width + 2)

    def status_cell(status: str) -> str:
        word = status.upper()
        padding = " " * (_STATUS_WIDTH - len(word))
        return f"{_ANSI[status]}{word}{_RESET}{padding}" if color else word + padding

    lines = [f"{'ID':<{id_width}}  {'STATUS':<{_STATUS_WIDTH}}  CONTROL".rstrip()]
    for control in report.controls:
        cid = _fit(_one_line(control.id), id_width)
        title = _fit(_one_line(control.title), title_width)
        lines.append(f"{cid:<{id_width}}  {status_cell(control.status)}  {title}".rstrip())
        if control.status == "failed":
            message = _one_line(control.message) or "(no message recorded)"
            lines.append(indent + _fit(message, WIDTH - len(indent)))
        if control.status in ("failed", "waived"):
            lines += [indent + _fit(_one_line(_waiver_line(w)), WIDTH - len(indent)) for w in control.waivers]
    for waiver in report.expired_waivers():
        lines.append(_fit(_one_line(f"EXPIRED WAIVER {waiver.control} {waiver.resource} expired on {waiver.expires} "
                                    f"({waiver.source}): renew it (new justification and expiry) or remove it"), WIDTH))
    counts = report.summary()
    waived = f", {counts['waived']} waived" if counts["waived"] else ""
    expired = f"; {len(report.expired_waivers())} expired waiver(s)" if report.expired_waivers() else ""
    lines.append(f"{counts['passed']} passed, {counts['failed']} failed{waived}, {counts['skipped']} skipped{expired}")
    return "\n".join(lines) + "\n"


__all__ = [
    "framework_counts",
    "framework_summary",
    "md_escape",
    "render_html",
    "render_json",
    "render_markdown",
    "terminal_table",
    "write_reports",
]
