"""The HTML review opened in headless Chromium with every request but the file itself blocked: each chart
is there and drawn, nothing was asked of a network, and its numbers are the review page's.

Run with `pytest --e2e` (make e2e); needs Debian's chromium, driven by Playwright (no browser download)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from analytics import report
from analytics.durations import HEADLINE
from tests import small_corpus
from tests.apptest import metric, open_page
from tests.conftest import ROOT

pytestmark = pytest.mark.e2e
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--quarter", "2025Q2", "--as-of", "2025-07-15"]
# Per chart: how many marks of each kind it draws in the small corpus's 2025Q2 (bars, points, text...).
DRAWN = """
Array.from(document.querySelectorAll('figure svg')).map(svg => ({
  marks: Array.from(svg.querySelectorAll('g.role-mark > *')).filter(el => {
    const box = el.getBBox();
    return box.width > 0 || box.height > 0;
  }).length,
  width: svg.getBoundingClientRect().width,
  texts: Array.from(svg.querySelectorAll('g.mark-text.role-mark text')).map(t => t.textContent),
}))
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory, rules):
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install -y chromium); the browser tests need it")
    tmp = tmp_path_factory.mktemp("offline")
    db = small_corpus.build(tmp, rules)
    path = tmp / "review.html"
    out = subprocess.run([sys.executable, "-m", "analytics", "report", *ARGS, "--db", str(db), "--format", "html",
                          "--output", str(path)], cwd=ROOT, capture_output=True, text=True, timeout=180)  # fmt: skip
    assert out.returncode == 0, out.stderr
    return db, path


@pytest.fixture(scope="module")
def opened(built):
    """The report as the browser shows it, offline: (what the charts draw, the body text, every request
    the page made, the requests blocked)."""
    from playwright.sync_api import sync_playwright

    _, path = built
    url = path.as_uri()
    requests, blocked = [], []

    def only_the_file(route):
        if route.request.url == url:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                                          "--disable-background-networking", "--disable-component-update"])  # fmt: skip
        try:
            context = browser.new_context(viewport={"width": 1100, "height": 900})
            context.set_offline(True)
            page = context.new_page()
            page.on("request", lambda req: requests.append(req.url))
            page.route("**/*", only_the_file)
            page.goto(url)
            page.wait_for_load_state("load")
            charts = page.evaluate(DRAWN)
            text = page.inner_text("body")
            page.emulate_media(media="print")
            printed = page.evaluate(DRAWN)
        finally:
            browser.close()
    return charts, text, requests, blocked, printed, url


def test_every_chart_is_drawn_without_a_network(opened):
    charts, _, requests, blocked, printed, url = opened
    assert len(charts) == len(report.FIGURES) == 5
    for name, chart in zip(report.FIGURES, charts, strict=True):
        assert chart["marks"] >= 4 and chart["width"] > 300, (name, chart)
    assert requests == [url] and blocked == []  # nothing but the file was ever asked for
    assert all(c["marks"] > 0 and c["width"] > 300 for c in printed)


def test_the_reports_numbers_are_the_pages(opened, built):
    charts, text, *_ = opened
    db, _ = built
    at = open_page(db, quarter="2025Q2", as_of="2025-07-15")
    by_name = dict(zip(report.FIGURES, charts, strict=True))
    medians = [metric(at, report.NAMES[m]) for m in HEADLINE]
    assert medians == ["7 min", "2 min", "45 min", "55 min"]
    assert [t.split(" (n")[0] for t in by_name["durations"]["texts"]] == [f"median {m}" for m in medians]
    incidents = metric(at, "Incidents")
    assert f"{incidents} incidents (5 in 2025Q1)" in text and incidents == "6"
    assert sum(int(t) for t in by_name["severity"]["texts"]) == int(incidents)
    assert by_name["actions"]["texts"][2] == metric(at, "Overdue") == "2"
    assert f"completion {metric(at, 'Completion')}" in text
    assert "What changed in 2025Q2 against 2025Q1: time to detect was shorter" in text
