"""Open a report in headless Chromium and record what a person's browser would do with it.

Playwright drives a Chromium that is already on the machine (``executable_path``): it never downloads a
browser (that would come from a host that is not a package registry). The machine's Chromium comes from
the OS packages (Debian: ``apt-get install chromium``; ``scripts/test.sh`` installs it when it is missing and
it may). Where there is none, the tests that need it skip and say so, except in CI (``CI=true``), where they
fail: a fresh CI machine must check the reports in a browser, not skip silently. ``RETENTION_CHROMIUM``
names another binary.

What is recorded: every request the page makes (the report itself is the only one allowed; anything else
is recorded and aborted, never sent), console errors and warnings (a Content-Security-Policy refusal of an
external asset is one), and uncaught page errors.
"""
from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Chromium's own background traffic (updates, sync, field trials) is off: it is not the page's.
QUIET_FLAGS = ["--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-default-apps", "--no-first-run", "--disable-quic", "--disable-gpu"]

TEXT_OF = "e => e instanceof HTMLElement ? e.innerText : (e.textContent || '')"


def chromium_binary() -> str | None:
    named = os.environ.get("RETENTION_CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    return next((found for found in map(shutil.which, CANDIDATES) if found), None)


def chromium_or_skip() -> str:
    """The Chromium to drive; without one the calling test skips, or fails when ``CI=true``."""
    binary = chromium_binary()
    if binary is None:
        reason = "no Chromium on this machine (apt-get install chromium, or set RETENTION_CHROMIUM)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: CI must check the reports in a browser (scripts/test.sh installs it)",
                        pytrace=False)
        pytest.skip(f"{reason}; the report is not checked in a browser here")
    return binary


@dataclass
class PageVisit:
    url: str
    requests: list[str] = field(default_factory=list)  # every request but the page itself
    console: list[str] = field(default_factory=list)  # console errors and warnings
    page_errors: list[str] = field(default_factory=list)
    visible: dict[str, bool] = field(default_factory=dict)  # selector -> visible
    texts: dict[str, str] = field(default_factory=dict)  # selector -> inner text


@contextlib.contextmanager
def chromium(binary: str) -> Iterator[Any]:
    """A headless Chromium (a Playwright ``Browser``) for several visits."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=binary, args=QUIET_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def visit(browser: Any, html: Path, *, selectors: list[str]) -> PageVisit:
    """Load ``html`` from disk in a fresh context and report, for each CSS selector, whether its first
    match is visible and its text."""
    result = PageVisit(url=html.resolve().as_uri())
    context = browser.new_context()
    try:
        def route(handle) -> None:
            if handle.request.url == result.url:
                handle.continue_()
            else:
                result.requests.append(handle.request.url)
                handle.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda m: result.console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: result.page_errors.append(str(e)))
        page.goto(result.url, wait_until="load")
        page.wait_for_timeout(200)  # late console messages
        for selector in selectors:
            first = page.locator(selector).first
            result.visible[selector] = first.count() > 0 and first.is_visible()
            # innerText exists on HTML elements only; an SVG element (a chart) has its textContent
            result.texts[selector] = first.evaluate(TEXT_OF) if result.visible[selector] else ""
    finally:
        context.close()
    return result
