"""report.html in headless Chromium: it loads nothing from the network (every asset is inline), raises
no error, and shows the summary and every control, with what to fix for a failure.

Chromium is not a pip package: these tests use the machine's (tests/evidence/browser.py) and skip, saying
why, where there is none (in CI, CI=true, they fail instead). They never download a browser.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.evidence.browser import chromium, chromium_or_skip, visit
from tests.evidence.conftest import static_pack
from tests.support.violations import VIOLATIONS


@pytest.fixture(scope="module")
def browser():
    with chromium(chromium_or_skip()) as running:
        yield running


def card(control_id: str) -> str:
    return f'article.card:has(.cid:text-is("{control_id}"))'


@pytest.fixture(scope="module")
def failing_pack(tmp_path_factory) -> Path:
    """An evidence pack of the example environment with one seeded violation (rotation off)."""
    import shutil

    root = tmp_path_factory.mktemp("browser")
    repo = Path(__file__).resolve().parents[2]
    shutil.copytree(repo / "cloudformation", root / "cloudformation")
    shutil.copytree(repo / "config", root / "config")
    seed, _ = VIOLATIONS["rotation off"]
    seed(root / "cloudformation", root / "config")
    code, pack = static_pack(root, templates=root / "cloudformation", config=root / "config")
    assert code == 1
    return pack


def test_the_report_renders_offline_without_errors_and_shows_every_control(browser, failing_pack: Path):
    report = json.loads((failing_pack / "static" / "report.json").read_text())
    controls = [c["id"] for c in report["controls"]]
    failed = [c for c in report["controls"] if c["status"] == "failed"]
    assert failed, "the seeded violation must fail a control"
    seen = visit(browser, failing_pack / "static" / "report.html",
                 selectors=["#summary", *map(card, controls), *(f"{card(c['id'])} .fix" for c in failed)])
    assert seen.requests == [], "the report tried to load something from the network"
    assert seen.console == [] and seen.page_errors == []
    assert seen.visible["#summary"]
    summary = re.sub(r"\s+", " ", seen.texts["#summary"])
    assert f"Total {report['summary']['total']}" in summary and f"FAILED {report['summary']['failed']}" in summary
    assert [c for c in controls if not seen.visible[card(c)]] == []
    for control in failed:
        fix = seen.texts[f"{card(control['id'])} .fix"]
        assert control["fix"] and control["fix"] in re.sub(r"\s+", " ", fix)


@pytest.mark.parametrize("inject", ["external stylesheet under the CSP", "external image without the CSP"])
def test_the_check_catches_a_report_that_reaches_out(browser, failing_pack: Path, tmp_path: Path, inject):
    html = (failing_pack / "static" / "report.html").read_text()
    if inject.endswith("without the CSP"):
        html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
        html = html.replace("</body>", '<img src="http://127.0.0.1:9/logo.png" alt="">\n</body>')
    else:
        html = html.replace("</head>", '<link rel="stylesheet" href="http://127.0.0.1:9/style.css">\n</head>')
    page = tmp_path / "report.html"
    page.write_text(html)
    seen = visit(browser, page, selectors=["#summary"])
    if inject.endswith("without the CSP"):
        assert seen.requests == ["http://127.0.0.1:9/logo.png"]  # recorded and aborted, never sent
    else:  # refused by the page's own Content-Security-Policy before any request, and said so
        assert seen.requests == [] and any("127.0.0.1:9/style.css" in m for m in seen.console), seen.console
