"""drill.html (audit/drill/report.py, audit/report/templates/drill.html.j2): self-contained (no script, nothing
loaded from anywhere), a chart with one bar and one RTO mark per resource placed on the time axis, a bar over
its RTO drawn as such, values escaped; and, where the machine has Chromium, rendered offline without errors
(as tests/evidence/test_html_in_browser.py does for report.html)."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from html.parser import HTMLParser

from audit.drill import report

NOW = datetime(2026, 12, 3, 21, 0, tzinfo=timezone.utc)


def result(rid: str, seconds: float | None, rto: int, status: str = "passed", detail: str = "restored 3") -> dict:
    return {"id": rid, "kind": "dynamodb table", "category": "critical_data", "source": f"arn:aws:dynamodb:::table/{rid}",
            "recovery_point_arn": f"arn:aws:backup:us-east-1:111111111111:recovery-point:{rid}", "account": "111111111111",
            "restored_as": f"{rid}-drill-x", "restore_seconds": seconds, "rto_seconds": rto, "status": status,
            "checks": [{"name": "item count", "status": status, "detail": detail}], "reference": "exact", "cleanup": "deleted"}


class Elements(HTMLParser):
    """Every start tag with its attributes, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    def of(self, tag: str, css_class: str) -> list[dict[str, str]]:
        return [a for t, a in self.found if t == tag and css_class in (a.get("class") or "").split()]


def parse(text: str) -> Elements:
    parser = Elements()
    parser.feed(text)
    return parser


DOC = report.document("example", NOW, [result("provider", 2.5, 4 * 3600), result("docs", 20_000.0, 12 * 3600),
                                       result("slow", 5 * 3600.0, 4 * 3600, "failed"), result("broken", None, 8 * 3600, "failed")])


def test_the_chart_has_one_bar_and_one_rto_mark_per_resource():
    page = parse(report.html(DOC))
    bars, marks = page.of("rect", "bar"), page.of("line", "rto")
    assert [b["data-resource"] for b in bars] == ["provider", "docs", "slow", "broken"]
    assert [m["data-resource"] for m in marks] == ["provider", "docs", "slow", "broken"]
    left = float(bars[0]["x"])
    ends = {b["data-resource"]: left + float(b["width"]) for b in bars}
    rto = {m["data-resource"]: float(m["x1"]) for m in marks}
    assert ends["provider"] < rto["provider"] and ends["docs"] < rto["docs"]  # within the RTO
    assert ends["slow"] > rto["slow"]  # over it
    assert rto["provider"] < rto["broken"] < rto["docs"]  # 4 h < 8 h < 12 h on one axis
    assert float(bars[3]["width"]) == 0  # no restore: an empty bar


def test_bars_say_within_over_or_none():
    classes = {b["data-resource"]: b["class"].split() for b in parse(report.html(DOC)).of("rect", "bar")}
    assert "within" in classes["provider"] and "within" in classes["docs"]
    assert "over" in classes["slow"] and "none" in classes["broken"]


def test_the_axis_is_labelled_in_time_units():
    text = report.html(DOC)
    for label in ("1 s", "1 min", "1 h", "24 h"):
        assert f">{label}</text>" in text


def test_the_page_is_self_contained_and_escapes_values():
    doc = report.document("example", NOW, [result("provider", 1.0, 3600, detail='<script>alert("x")</script>')])
    text = report.html(doc)
    assert "<script" not in text.lower() and "&lt;script&gt;" in text
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    assert "default-src 'none'" in text
    page = parse(text)
    assert any(t == "svg" for t, _ in page.found)
    assert [a["data-resource"] for a in page.of("rect", "bar")] == ["provider"]


def test_write_puts_html_beside_json_and_md(tmp_path):
    report.write(tmp_path, DOC)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["drill.html", "drill.json", "drill.md"]
    assert "Restore drill of example" in (tmp_path / "drill.html").read_text()


def test_the_page_renders_offline_in_chromium(tmp_path):
    from tests.evidence.browser import chromium, chromium_or_skip, visit

    binary = chromium_or_skip()
    report.write(tmp_path, DOC)
    with chromium(binary) as browser:
        seen = visit(browser, tmp_path / "drill.html", selectors=["#summary", "#chart svg", "#resource-slow"])
    assert seen.requests == [] and seen.console == [] and seen.page_errors == []
    assert all(seen.visible.values()), seen.visible
