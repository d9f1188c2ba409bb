"""The drill's evidence: ``drill.json`` for tools and the quarterly audit, ``drill.md`` and ``drill.html``
for people, and with ``--evidence`` all three in an evidence pack.

Why several: an auditor reads the table and the chart of restore times against the RTO; a script reads the
JSON. All are written from the same results and hold only ids, ARNs, counts, digests and check details
(which never carry an item's or an object's value: ``audit.drill.compare``).

``drill.html`` is rendered like the audit's report.html (``audit.report.render``: jinja2 with autoescape,
inline CSS, no JavaScript, nothing loaded from anywhere); its chart is inline SVG computed here: one bar
per resource for its restore time and one mark for its RTO, on a logarithmic time axis (a restore of
seconds and an RTO of hours must both be visible).

The evidence pack follows the audit's rules (``audit.evidence``, ``docs/evidence.md``): assembled in a
hidden ``.<name>.partial`` folder and renamed when complete, ``pack.json`` naming what it is (tool, git
commit, configuration hash), ``MANIFEST.sha256`` over every other file, so ``retention evidence verify``
and ``sha256sum -c`` check it unchanged.
"""
from __future__ import annotations

import json
import math
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping, Sequence

from audit.drill.compare import FAILED, PASSED


def document(environment: str, generated_at: datetime, results: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {"environment": environment, "generated_at": generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "status": FAILED if any(r["status"] != PASSED for r in results) else PASSED, "results": list(results)}


def markdown(doc: dict[str, Any]) -> str:
    lines = [f"# Restore drill of {doc['environment']}", "",
             f"Generated {doc['generated_at']}: **{doc['status']}** ({len(doc['results'])} resource(s)).", "",
             "| resource | kind | category | status | restore s | RTO s | restored as |",
             "|---|---|---|---|---|---|---|"]
    for r in doc["results"]:
        seconds = "-" if r["restore_seconds"] is None else f"{r['restore_seconds']:.1f}"
        lines.append(f"| {r['id']} | {r['kind']} | {r['category']} | {r['status']} | {seconds} | {r['rto_seconds']} "
                     f"| {r['restored_as']} |")
    for r in doc["results"]:
        lines += ["", f"## {r['id']} ({r['status']})", "",
                  f"- source: `{r['source']}`", f"- recovery point: `{r['recovery_point_arn']}` (account {r['account']})"]
        if r.get("copy_back"):
            cb = r["copy_back"]
            lines.append(f"- copied back from account {cb['from_account']} (`{cb['from_vault']}`): copy job "
                         f"{cb['copy_job_id'] or '-'}, {cb['copy_seconds'] if cb['copy_seconds'] is not None else '-'} s")
        if r.get("reference"):
            lines.append(f"- compared with: {r['reference']}")
        if r.get("cleanup"):
            lines.append(f"- scratch resource: {r['cleanup']}")
        lines += ["", "| check | status | detail |", "|---|---|---|"]
        lines += [f"| {c['name']} | {c['status']} | {c['detail'].replace('|', '/')} |" for c in r["checks"]]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------ drill.html

CHART_LEFT, CHART_WIDTH, ROW_HEIGHT, CHART_TOP = 190, 560, 34, 30
TICKS = ((1, "1 s"), (10, "10 s"), (60, "1 min"), (600, "10 min"), (3600, "1 h"), (6 * 3600, "6 h"), (86400, "24 h"),
         (7 * 86400, "7 d"))


def chart(results: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The SVG geometry of the chart: per resource a bar (restore seconds) and an RTO mark, log scale from
    the smallest second shown to above the largest RTO or restore time."""
    values = [float(v) for r in results for v in (r.get("restore_seconds"), r.get("rto_seconds")) if v]
    low = 10 ** math.floor(math.log10(min([v for v in values if v > 0] + [1.0])))
    high = 10 ** math.ceil(math.log10(max(values + [10.0]) * 1.5))
    span = math.log10(high) - math.log10(low)

    def x(seconds: float) -> float:
        clamped = min(max(seconds, low), high)
        return round(CHART_LEFT + CHART_WIDTH * (math.log10(clamped) - math.log10(low)) / span, 1)

    rows = []
    for n, r in enumerate(results):
        top = CHART_TOP + n * ROW_HEIGHT
        seconds, rto = r.get("restore_seconds"), r.get("rto_seconds") or 0
        over = seconds is not None and seconds > rto
        rows.append({"id": r["id"], "y": top, "text_y": top + ROW_HEIGHT / 2 + 4, "bar_y": top + 7,
                     "bar_height": ROW_HEIGHT - 14, "bar_width": round(x(seconds) - CHART_LEFT, 1) if seconds else 0,
                     "rto_x": x(rto) if rto else CHART_LEFT, "seconds": seconds, "rto": rto,
                     "label": "no restore" if seconds is None else f"{seconds:.3g} s",
                     "state": "none" if seconds is None else ("over" if over else "within")})
    ticks = [{"x": x(v), "label": label} for v, label in TICKS if low <= v <= high]
    bottom = CHART_TOP + len(rows) * ROW_HEIGHT
    return {"rows": rows, "ticks": ticks, "width": CHART_LEFT + CHART_WIDTH + 20, "height": bottom + 30,
            "axis_y": bottom, "left": CHART_LEFT, "right": CHART_LEFT + CHART_WIDTH}


def html(doc: dict[str, Any]) -> str:
    from audit.report.render import html_env  # the audit report's environment: autoescape, strict, cached

    return html_env().get_template("drill.html.j2").render(doc=doc, chart=chart(doc["results"]))


def write(report_dir: Path, doc: dict[str, Any]) -> Path:
    """drill.json, drill.md and drill.html, all rendered before any is written."""
    texts = {"drill.json": json.dumps(doc, indent=2, sort_keys=True, default=str) + "\n",
             "drill.md": markdown(doc), "drill.html": html(doc)}
    report_dir.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (report_dir / name).write_text(text, encoding="utf-8", newline="\n")
    return report_dir / "drill.json"


# ------------------------------------------------------------------------------------ evidence pack

PACK_KIND = "compact-retention drill evidence pack"


def write_pack(root: Path, cfg: Mapping[str, Any], doc: dict[str, Any], created_at: datetime) -> Path:
    """``root/<env>-drill-<UTC time>/``: pack.json, config.json, drill/drill.{json,md,html}, MANIFEST.sha256."""
    from audit.evidence import METADATA, PACK_FORMAT, free_folder, pack_json, pack_name, write_text_file
    from audit.evidence.manifest import write_manifest
    from audit.evidence.provenance import canonical_sha256, tool_identity

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    final = free_folder(root, pack_name(doc["environment"], "drill", created_at))
    staging = root / f".{final.name}.partial"
    staging.mkdir()
    try:
        write(staging / "drill", doc)
        write_text_file(staging / "config.json", pack_json(dict(cfg)))
        write_text_file(staging / METADATA, pack_json({
            "format": PACK_FORMAT, "kind": PACK_KIND, "environment": doc["environment"], "mode": "drill",
            "created_at": created_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "tool": tool_identity(),
            "config_sha256": canonical_sha256(dict(cfg)), "status": doc["status"],
            "resources": {r["id"]: r["status"] for r in doc["results"]},
            "exit_code": 0 if doc["status"] == PASSED else 1}))
        write_manifest(staging)
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final
