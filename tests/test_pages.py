"""Response times, Incidents and Data quality pages on the small corpus: the numbers they show."""

from __future__ import annotations

from datetime import date

import pytest

from analytics import durations, incidents, quality
from analytics.db import connect
from analytics.filters import Filters
from analytics.periods import parse_quarter
from tests import small_corpus
from tests.apptest import metric, open_page, texts
from tests.conftest import build_corpus
from views import ui

BROKEN = """\
# Postmortem: A broken one

**Date:** 2025-05-07
**Severity:** purple

## Timeline

| Time | Event |
|---|---|
| 25:61 | Alert fired |
| 10:30 | Resolved |
"""


@pytest.fixture(scope="module")
def db(tmp_path_factory, rules):
    files = small_corpus.files() | {"search/broken.md": BROKEN, "README.md": "# Index\n", "search/empty.md": ""}
    return build_corpus(tmp_path_factory.mktemp("pages"), files, rules, tickets=small_corpus.TICKETS,
                        as_of=small_corpus.AS_OF)  # fmt: skip


def _f(**kw) -> Filters:
    return Filters(parse_quarter("2025Q1"), parse_quarter("2025Q2"), date(2025, 7, 15), **kw)


def test_duration_summary_and_groups(db):
    con = connect(db)
    try:
        s = durations.summary(con, _f(), "ttr")
        assert (s["n"], s["incidents"], s["median"], s["missing"]) == (11, 12, 70.0, 1)
        g = durations.by_group(con, _f(), "ttd", "quarter")
        assert g.to_dict("records") == [
            {"quarter": "2025Q1", "n": 5, "median": 30.0, "p90": 46.0, "mean": 30.0},
            {"quarter": "2025Q2", "n": 6, "median": 7.0, "p90": 11.0, "mean": 7.0},
        ]
        svc = durations.by_group(con, _f(), "ttr", "service")
        assert dict(zip(svc["service"], svc["n"], strict=True)) == {"api": 5, "db": 3, "index": 5}
        cov = durations.coverage(con, _f())
        assert dict(zip(cov["duration_id"], cov["computable"], strict=True))["tta"] == 9
    finally:
        con.close()


def test_response_times_page(db):
    at = open_page(db, "views/response_times.py", quarter="2025Q2", since="2025Q1", as_of="2025-07-15")
    assert at.title[0].value == "Response times"
    assert metric(at, "Median") == "1 h 10 min"
    assert metric(at, "n") == "11"
    assert metric(at, "Coverage") == "92%"
    assert "Median 65 min shorter" in texts(at)


def test_incident_listing_and_search(db):
    con = connect(db)
    try:
        all_ = incidents.listing(con, _f())
        assert len(all_) == 12
        assert list(incidents.listing(con, _f(), "index")["incident_id"]) == ["Q2-6", "Q2-3", "Q2-2", "Q1-4", "Q1-3"]
        assert list(incidents.listing(con, _f(), "broken")["incident_id"]) == ["search/broken"]
        row = all_.set_index("incident_id").loc["Q1-1"]
        assert (row["items"], row["open_items"]) == (2, 0)
    finally:
        con.close()


def test_incident_detail_page(db):
    at = open_page(db, "views/incidents.py", as_of="2025-07-15", incident="Q1-5")
    assert at.title[0].value == ui.md("Incident Q1-5")
    assert metric(at, "Time to detect") == "50 min"
    assert metric(at, "Time to resolve") == "10 h"
    evidence, timeline = at.dataframe[0].value, at.dataframe[1].value
    assert list(timeline["kind"]) == ["start", "detect", "acknowledge", "mitigate", "resolve"]
    # every milestone says what it rests on: here the structured timeline's own kinds
    assert list(evidence["milestone"]) == ["started", "detected", "acknowledged", "mitigated", "resolved"]
    assert set(evidence["source"]) == {"timeline"} and set(evidence["confidence"]) == {"clear"}
    assert list(evidence["phrase"]) == ["Change deployed", "Alert fired", "On-call acknowledged", "Rolled back",
                                        "Resolved"]  # fmt: skip


def test_unknown_incident_in_the_url_is_a_clear_message(db):
    at = open_page(db, "views/incidents.py", incident="no-such<script>")
    assert f"There is no incident with the id '{ui.md('no-such<script>')}'" in texts(at)


def test_incidents_page_lists_and_filters(db):
    at = open_page(db, "views/incidents.py", quarter="2025Q2", since="2025Q1", as_of="2025-07-15", team="search")
    assert "6 incident(s)" in texts(at)


def test_data_quality_numbers(db):
    con = connect(db)
    try:
        assert quality.outcomes(con) == {"incident": 12, "attached": 0, "skipped": 1, "rejected": 1}
        codes = dict(zip(quality.problems_by_code(con)["code"], quality.problems_by_code(con)["problems"], strict=True))
        assert codes["bad-severity"] == 1 and codes["bad-time"] == 1 and codes["rejected"] == 1
        comp = quality.compliance(con, _f()).set_index("rule")
        assert (comp.loc["measurable", "pass"], comp.loc["measurable", "fail"]) == (11, 1)
        assert comp.loc["has_action_items", "pass"] == 9
    finally:
        con.close()


def test_data_quality_page(db):
    at = open_page(db, "views/data_quality.py", quarter="2025Q2", since="2025Q1", as_of="2025-07-15")
    assert metric(at, "Files seen") == "14"
    assert metric(at, "Rejected") == "1"
    assert metric(at, "Skipped") == "1"
