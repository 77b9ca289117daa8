"""The real server in headless Chromium: every page renders with numbers and
no error, a filtered URL reopens the same view, corpus text stays text.

Run with `pytest --e2e` (make e2e). Needs Debian's chromium (`apt-get install
-y chromium`); Playwright drives it, no browser is downloaded. Screenshots go
to tests/e2e/screenshots/."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests import small_corpus
from tests.conftest import ROOT, build_corpus

pytestmark = pytest.mark.e2e
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = Path(__file__).parent / "screenshots"
PAGES = ["action-items", "", "response-times", "factors", "impact", "incidents", "data-quality"]  # a deep link first
HOSTILE = """\
# Postmortem: <script>alert('x')</script> in the title

**Date:** 2025-05-02
**Severity:** SEV3

## Timeline

| Time | Event |
|---|---|
| 10:00 | Config pushed <img src=x onerror=alert(1)> |
| 10:05 | Alert fired |
| 10:30 | Resolved |

## Action Items

| Priority | Action | Owner | Due Date |
|---|---|---|---|
| P1 | =HYPERLINK("http://evil") <b>bold</b> | @mallory | 2025-05-20 |
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, rules):
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install -y chromium); the browser tests need it")
    files = small_corpus.files() | {"search/hostile.md": HOSTILE}
    db = build_corpus(tmp_path_factory.mktemp("e2e"), files, rules, tickets=small_corpus.TICKETS,
                      people=small_corpus.PEOPLE, as_of=small_corpus.AS_OF)  # fmt: skip
    port = _free_port()
    env = {**os.environ, "INCIDENTS_DB": str(db)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("the dashboard did not start: " + proc.stdout.read().decode(errors="replace")[-2000:])
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        yield b
        b.close()


def _open(browser, url: str, name: str):
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=60_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("[data-testid='stMain'] [data-testid='stMetric'], [data-testid='stMain'] [data-testid='stDataFrame']",
                           timeout=60_000)  # fmt: skip
    time.sleep(1.5)  # charts finish drawing
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    return page, dialogs


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_with_numbers_and_no_error(browser, server, path):
    page, dialogs = _open(browser, f"{server}/{path}?quarter=2025Q2&as_of=2025-07-15", path or "review")
    try:
        assert page.locator("[data-testid='stException']").count() == 0
        assert "Page not found" not in page.inner_text("body")
        assert page.locator("[data-testid='stMain'] h1").count() >= 1
        assert page.locator("[data-testid='stMetric'], [data-testid='stDataFrame']").count() >= 1
        assert dialogs == []
    finally:
        page.close()


def test_a_filtered_url_reopens_the_same_view(browser, server):
    page, _ = _open(browser, f"{server}/?quarter=2025Q2&as_of=2025-07-15&team=search", "review-filtered")
    try:
        incidents = page.locator("[data-testid='stMetric']").filter(has_text="Incidents").first
        assert incidents.inner_text().split()[1] == "4"  # three in the small corpus and the hostile one
        assert "search" in page.locator("[data-testid='stSidebar']").inner_text()
        assert "team=search" in page.url and "quarter=2025Q2" in page.url and "as_of=2025-07-15" in page.url
    finally:
        page.close()


def test_corpus_html_and_script_show_as_text(browser, server):
    page, dialogs = _open(browser, f"{server}/incidents?incident=search/hostile&as_of=2025-07-15", "hostile")
    try:
        assert dialogs == []
        assert "<script>alert('x')</script>" in page.locator("h1").first.inner_text()
        assert page.locator("[data-testid='stMain'] script:not([src])").count() == 0
        assert page.locator("img[src='x']").count() == 0
    finally:
        page.close()
