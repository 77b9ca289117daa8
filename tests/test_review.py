"""The quarterly review: analytics numbers, the page, and the report CLI agree."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

from analytics.db import connect
from analytics.filters import Filters
from analytics.periods import parse_quarter
from analytics.review import quarterly_review
from tests import small_corpus
from tests.apptest import metric, open_page, texts
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def db(tmp_path_factory, rules):
    return small_corpus.build(tmp_path_factory.mktemp("review"), rules)


def _review(db, **kw):
    con = connect(db)
    try:
        q = parse_quarter("2025Q2")
        return quarterly_review(con, Filters(q, q, date(2025, 7, 15), **kw))
    finally:
        con.close()


def test_review_numbers(db):
    r = _review(db)
    assert r["quarter"] == "2025Q2" and r["previous_quarter"] == "2025Q1"
    assert r["incidents"] == {
        "total": 6, "previous_quarter": 5,
        "by_severity": {"SEV1": 0, "SEV2": 2, "SEV3": 2, "SEV4": 1, "SEV5": 1, "unknown": 0},
    }  # fmt: skip
    assert (r["ttd"]["median"], r["ttd"]["p90"], r["ttd"]["n"], r["ttd"]["coverage"]) == (7.0, 11.0, 6, 1.0)
    assert (r["ttr"]["median"], r["ttr"]["mean"]) == (55.0, 55.0)
    assert (r["tta"]["n"], r["tta"]["coverage"]) == (5, 5 / 6)
    assert r["ttm"]["median"] == 45.0  # Q2-4's single resolution is its mitigation too
    ch = r["ttd"]["change_vs_previous"]
    assert (ch["median_current"], ch["median_previous"], ch["difference"]) == (7.0, 30.0, -23.0)
    assert ch["verdict"] == "shorter" and ch["high"] < 0
    assert r["tta"]["change_vs_previous"]["verdict"] == "too_few"  # Q1 has 4 acknowledged incidents


def test_review_factors_items_and_drafts(db):
    r = _review(db)
    assert [(x["category"], x["incidents"]) for x in r["recurring_factors"]] == [
        ("deploy-safety", 2), ("monitoring-gap", 2), ("security", 2),
    ]  # fmt: skip
    assert [x["category"] for x in r["new_factors"]] == ["security"]
    a = r["action_items"]
    assert (a["total"], a["done"], a["dropped"], a["open"], a["overdue"]) == (6, 2, 1, 3, 2)
    assert a["completion_rate"] == pytest.approx(2 / 5)
    assert r["drafts"]["count"] == 2
    assert [d["incident_id"] for d in r["drafts"]["incidents"]] == ["Q2-2", "Q2-6"]


def test_team_filter_narrows_the_review(db):
    r = _review(db, teams=("search",))
    assert r["incidents"]["total"] == 3
    assert r["ttr"]["median"] == 50.0


def test_review_page_shows_the_numbers(db):
    at = open_page(db, quarter="2025Q2", as_of="2025-07-15")
    assert at.title[0].value == "Quarterly review: 2025Q2"
    assert metric(at, "Incidents") == "6"
    assert metric(at, "Time to detect") == "7 min"
    assert metric(at, "Time to resolve") == "55 min"
    assert metric(at, "Overdue") == "2"
    assert metric(at, "Completion") == "40%"
    page = texts(at)
    assert "p90 11 min · mean 7 min · n = 6 of 6 (100%)" in page
    assert "Median 23 min shorter" in page


def test_report_cli_json_matches_the_page(db):
    out = subprocess.run([sys.executable, "-m", "analytics", "report", "--quarter", "2025Q2", "--db", str(db),
                          "--as-of", "2025-07-15", "--format", "json"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data == json.loads(json.dumps(_review(db), default=str))
    assert {"quarter", "incidents", "ttd", "tta", "ttm", "ttr", "action_items", "recurring_factors", "drafts"} <= set(
        data
    )
    for m in ("ttd", "tta", "ttm", "ttr"):
        assert {"median", "p90", "mean", "n", "coverage", "change_vs_previous"} <= set(data[m])


def test_report_cli_rejects_a_bad_quarter(db):
    out = subprocess.run([sys.executable, "-m", "analytics", "report", "--quarter", "2025Q7", "--db", str(db)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert out.returncode == 2
    assert "is not a quarter like 2024Q1" in out.stderr
