"""Every incident has a date or a problem saying why not: dates written in
prose, documents with no date at all (a problem, and a count on the Data
quality page), and an empty '# Title:' heading that is not the title."""

from __future__ import annotations

import textwrap
from datetime import date

import pytest

from analytics import quality
from analytics.db import connect
from analytics.filters import Filters
from analytics.periods import parse_quarter
from ingest.understand.parser import parse_bytes
from tests.apptest import metric, open_page, texts
from tests.conftest import build_corpus


def parse(text: str, rules, relpath: str = "pm.md") -> dict:
    data = textwrap.dedent(text).lstrip("\n").encode("utf-8")
    return parse_bytes(data, relpath, rules).to_json()


def codes(view: dict) -> list[tuple[str, str, int | None]]:
    return [(p["level"], p["code"], p["line"]) for p in view["problems"]]


# A note that opens with who owned it and who was involved, as real postmortems
# do, then an overview whose first sentence dates the incident.
OPENING = """\
## Owner: @aronasorman
## Involved:
- @jamalex

# Overview

{sentence}

# What happened

A migration to a new DNS provider left one record behind.

# Root causes

- The migration missed a wildcard record.
"""


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("In the morning of Sept. 18th, 2017, a couple of our sites went down.", date(2017, 9, 18)),
        ("On the 5th of March 2024 the API failed.", date(2024, 3, 5)),
        ("March 5, 2024 was a bad day for the API.", date(2024, 3, 5)),
        ("Tuesday, 12 Feb 2019", date(2019, 2, 12)),
        ("We first saw the errors on 2019/02/12 in the logs.", date(2019, 2, 12)),
        ("Monday, Nov. 13, 2017", date(2017, 11, 13)),
        ("On Feb. 3rd 2021 the queue stalled.", date(2021, 2, 3)),
        ("On the 1st of Sept, 2020 the queue stalled.", date(2020, 9, 1)),
    ],
)
def test_a_date_in_the_overview_after_owner_and_involved_dates_the_incident(sentence, expected, rules):
    view = parse(OPENING.format(sentence=sentence), rules)
    assert view["date"] == expected.isoformat()
    assert codes(view) == [("warning", "date-from-text", 7)]


def test_a_date_wrapped_over_two_lines_is_read(rules):
    text = "# Postmortem: Sites down\n\n## Summary\n\nIn the morning of Sept.\n18th, 2017, our sites went down.\n"
    view = parse(text + "\n## Root Cause\n\nA bad migration.\n", rules)
    assert view["date"] == "2017-09-18"
    assert codes(view) == [("warning", "date-from-text", 5)]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Between September 18th and 19th, 2017 the sites were down.", "2017-09-18"),
        ("The outage of 12-Feb-2019 took the API down.", "2019-02-12"),
    ],
)
def test_day_pairs_and_hyphenated_month_names(sentence, expected, rules):
    view = parse(f"# Postmortem: Sites down\n\n## Summary\n\n{sentence}\n\n## Root Cause\n\nA bad migration.\n", rules)
    assert view["date"] == expected
    assert codes(view) == [("warning", "date-from-text", 5)]


def test_a_version_number_is_not_a_date(rules):
    text = (
        "# Postmortem: Builds failing\n\n## Summary\n\nPython 3.6.12 broke the build.\n\n## Root Cause\n\nAn upgrade.\n"
    )
    view = parse(text, rules)
    assert view["date"] is None
    assert [c[1] for c in codes(view)] == ["no-date"]


def test_a_date_in_the_root_cause_does_not_date_the_incident(rules):
    text = "# Postmortem: Cert expired\n\n## Summary\n\nThe certificate expired.\n\n## Root Cause\n\nIssued on 2015-03-01.\n"
    assert parse(text, rules)["date"] is None


# --- no date at all ------------------------------------------------------------------------------------------------


def test_a_document_nothing_dates_is_a_no_date_warning(rules):
    view = parse(
        "# Postmortem: Disk filled\n\n## Summary\n\nThe disk filled up.\n\n## Root Cause\n\nNo alert.\n", rules
    )
    assert view["date"] is None
    assert [(p["level"], p["code"], p["line"]) for p in view["problems"]] == [("warning", "no-date", None)]
    assert "counted in no quarter" in view["problems"][0]["message"]


def test_a_timeline_without_dates_says_no_date_once(rules):
    text = "# Postmortem: Cache fell over\n\n## Timeline\n\n- 10:00 Alert fired\n- 10:30 Resolved\n"
    assert [c[1] for c in codes(parse(text, rules))] == ["no-date"]


def test_a_dated_document_has_no_no_date_warning(rules):
    text = "# Postmortem: Disk filled\n\n**Date:** 2024-03-05\n\n## Summary\n\nThe disk filled up.\n"
    assert codes(parse(text, rules)) == []


# --- an empty '# Title:' heading -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "opening",
    [
        "# Title: \n### Buildkite builds failing after an image upgrade\n",
        "# Title:\n\nBuildkite builds failing after an image upgrade\n",
        "# Title\n## Buildkite builds failing after an image upgrade\n",
    ],
)
def test_an_empty_title_heading_is_not_the_title(opening, rules):
    view = parse(opening + "\n# Events/Timeline:\n\n- Builds failed.\n\n# Cause\n\n- A new image.\n", rules)
    assert view["title"] == "Buildkite builds failing after an image upgrade"


def test_a_title_heading_with_its_title_keeps_it(rules):
    view = parse("# Title: Builds failing\n\n## Timeline\n\n- Builds failed.\n\n## Cause\n\n- A new image.\n", rules)
    assert view["title"] == "Builds failing"


# --- the Data quality page counts the incidents without a date -----------------------------------------------------

DATED = """\
# Postmortem: Database failover

**Date:** 2025-05-07

## Timeline

- 10:00 Alert fired
- 10:30 Resolved

## Root Cause

A bad failover script.
"""
UNDATED_TIMELINE = """\
# Postmortem: Cache fell over

## Timeline

- 10:00 Alert fired
- 10:30 Resolved

## Root Cause

A memory leak.
"""
UNDATED_PLAIN = """\
# Postmortem: Disk filled

## Summary

The disk filled up.

## Root Cause

No alert on disk usage.
"""
AS_OF = "2025-07-15"


@pytest.fixture(scope="module")
def db(tmp_path_factory, rules):
    files = {
        "payments/2025-05-07-failover.md": DATED,
        "payments/cache.md": UNDATED_TIMELINE,
        "search/disk.md": UNDATED_PLAIN,
    }
    return build_corpus(tmp_path_factory.mktemp("undated"), files, rules, as_of=AS_OF)


def _f(**kw) -> Filters:
    return Filters(parse_quarter("2025Q1"), parse_quarter("2025Q2"), date(2025, 7, 15), **kw)


def _file(db, rel: str) -> str:
    """A corpus file's path as the database stores it (the pages show the same)."""
    return str(db.parent / "corpus" / rel)


def test_undated_incidents_are_counted_and_listed_with_their_files(db):
    con = connect(db)
    try:
        got = quality.undated_head(con, _f())
        assert got["total"] == 2
        assert got["rows"].to_dict("records") == [
            {"incident_id": "payments/cache", "title": "Cache fell over", "team": "payments",
             "path": _file(db, "payments/cache.md")},
            {"incident_id": "search/disk", "title": "Disk filled", "team": "search",
             "path": _file(db, "search/disk.md")},
        ]  # fmt: skip
        assert quality.undated_count(con, _f(teams=("search",))) == 1
        assert quality.undated_count(con, _f(teams=("ops",))) == 0
    finally:
        con.close()


def test_undated_note_says_how_many_are_in_no_quarter():
    assert quality.undated_note(0) == ""
    assert quality.undated_note(1) == (
        "1 incident without a date is in no quarter and not counted here (Data quality lists them)."
    )
    assert quality.undated_note(2).startswith("2 incidents without a date are in no quarter")


def test_data_quality_page_counts_and_lists_undated_incidents(db):
    at = open_page(db, "views/data_quality.py", quarter="2025Q2", since="2025Q1", as_of=AS_OF)
    assert metric(at, "No date") == "2"
    listed = next(d.value for d in at.dataframe if "path" in d.value.columns and "link" in d.value.columns)
    assert list(listed["path"]) == [_file(db, "payments/cache.md"), _file(db, "search/disk.md")]
    assert "2 incidents without a date are in no quarter and not counted here" in texts(at)


def test_data_quality_page_narrows_undated_incidents_by_team(db):
    at = open_page(db, "views/data_quality.py", quarter="2025Q2", since="2025Q1", as_of=AS_OF, team="search")
    assert metric(at, "No date") == "1"
    assert "1 incident without a date is in no quarter" in texts(at)


def test_a_structured_document_nothing_dates_is_a_no_date_warning(rules):
    doc = parse_bytes(b"title: Checkout errors\nseverity: SEV2\n", "checkout.yaml", rules)
    assert doc.outcome == "incident" and doc.date is None
    assert [(p.code, p.line) for p in doc.problems if p.code == "no-date"] == [("no-date", None)]
