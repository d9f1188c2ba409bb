"""Audit results for auditors: the result model and its JSON, Markdown, HTML and terminal renderings.

Public API: ``StepResult``, ``ControlResult``, ``Waiver``, ``AuditReport`` (model, JSON round trip, summary, exit code),
``write_reports`` (report.json, report.md, report.html), ``terminal_table``, and the string renderers
``render_json``, ``render_markdown``, ``render_html``.
"""
from __future__ import annotations

from audit.report.model import AuditReport, ControlResult, StepResult, Waiver
from audit.report.render import render_html, render_json, render_markdown, terminal_table, write_reports

__all__ = [
    "AuditReport",
    "ControlResult",
    "StepResult",
    "render_html",
    "render_json",
    "render_markdown",
    "terminal_table",
    "Waiver",
    "write_reports",
]
