"""The drill's evidence: ``drill.json`` for tools and the quarterly audit, ``drill.md`` for people.

Why both: an auditor reads the table of restore times against the RTO; a script reads the JSON. Both are
written from the same results and hold only ids, ARNs, counts, digests and check details (which never
carry an item's or an object's value: ``audit.drill.compare``).
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

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
        if r.get("reference"):
            lines.append(f"- compared with: {r['reference']}")
        if r.get("cleanup"):
            lines.append(f"- scratch resource: {r['cleanup']}")
        lines += ["", "| check | status | detail |", "|---|---|---|"]
        lines += [f"| {c['name']} | {c['status']} | {c['detail'].replace('|', '/')} |" for c in r["checks"]]
    return "\n".join(lines) + "\n"


def write(report_dir: Path, doc: dict[str, Any]) -> Path:
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "drill.json").write_text(json.dumps(doc, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    (report_dir / "drill.md").write_text(markdown(doc), encoding="utf-8")
    return report_dir / "drill.json"
