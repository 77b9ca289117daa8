"""Several browser sessions keep answering, without errors, while builds swap
new databases in under the running server."""

from __future__ import annotations

import threading
import time

import pytest

from ingest.build import BuildOptions, build
from tests import small_corpus
from tests.conftest import write_corpus
from tests.e2e.server import chromium, dashboard, need_chromium

pytestmark = pytest.mark.e2e
DOC = "# Postmortem: extra {n}\n\n**Date:** 2025-05-{d:02d}\n**Team:** search\n\n## Timeline\n\n- 10:00 - Alert fired\n- 10:20 - Resolved\n"


def test_sessions_keep_answering_while_builds_swap(tmp_path, rules):
    need_chromium()
    corpus = write_corpus(tmp_path / "corpus", small_corpus.files())
    db = tmp_path / "live.duckdb"

    def rebuild():
        build(BuildOptions(corpus=[corpus], db=db, git=False, jobs=1), rules)

    rebuild()
    errors: list[str] = []
    with dashboard(db) as url, chromium() as browser:
        pages = [browser.new_page() for _ in range(3)]
        stop = threading.Event()

        def builder():
            for n in range(1, 6):
                write_corpus(corpus, {f"search/extra-{n}.md": DOC.format(n=n, d=n)})
                rebuild()
                time.sleep(2.5)
            stop.set()

        t = threading.Thread(target=builder)
        t.start()
        counts = set()
        paths = ["?quarter=2025Q2&as_of=2025-07-15", "incidents?as_of=2025-07-15&since=2025Q1&quarter=2025Q2",
                 "data-quality?as_of=2025-07-15"]  # fmt: skip
        while not stop.is_set():
            for page, path in zip(pages, paths, strict=True):
                page.goto(f"{url}/{path}")
                page.wait_for_selector("[data-testid='stMain'] h1", timeout=60_000)
                page.wait_for_selector("[data-testid='stMetric'], [data-testid='stDataFrame']", timeout=60_000)
                if page.locator("[data-testid='stException']").count():
                    errors.append(page.locator("[data-testid='stException']").first.inner_text()[:500])
                if path.startswith("?"):
                    counts.add(page.locator("[data-testid='stMetric']").first.inner_text().split()[1])
        t.join()
        pages[0].goto(f"{url}/?quarter=2025Q2&as_of=2025-07-15")
        pages[0].wait_for_selector("[data-testid='stMetric']", timeout=60_000)
        final = pages[0].locator("[data-testid='stMetric']").first.inner_text().split()[1]
    assert errors == []
    assert final == "11"  # 6 incidents of 2025Q2 and the five added while the sessions ran
    assert len(counts) >= 2  # the sessions saw the data change under them
