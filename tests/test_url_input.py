"""The URL is input too: junk and hostile filter values give a clear message,
never a stack trace, and never reach SQL as text."""

from __future__ import annotations

import pytest

from tests import small_corpus
from tests.apptest import metric, open_page, texts

HOSTILE = "'; DROP TABLE incidents; --<script>alert(1)</script>"


@pytest.fixture(scope="module")
def db(tmp_path_factory, rules):
    return small_corpus.build(tmp_path_factory.mktemp("url"), rules)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"team": HOSTILE}, "team '"),
        ({"team": "no-such-team"}, "team 'no\\-such\\-team' (no such team)"),
        ({"severity": "SEV9"}, "severity 'SEV9' (no such severity)"),
        ({"service": "x" * 500}, "service '" + "x" * 60 + "'"),
        ({"quarter": "2025Q9"}, "quarter '2025Q9' (not a quarter like 2025Q1)"),
        ({"since": HOSTILE}, "since '"),
        ({"as_of": "yesterday"}, "as_of 'yesterday' (not a date like 2025-07-15)"),
    ],
)
def test_junk_in_the_url_is_ignored_with_a_message(db, params, message):
    at = open_page(db, **params)
    warning = " ".join(w.value for w in at.sidebar.warning)
    assert "Ignored in the link:" in warning
    assert message in warning
    assert metric(at, "Incidents") == "6"  # the default view: 2025Q2 as of the database's date


def test_valid_and_junk_values_together(db):
    at = open_page(db, team=["search", HOSTILE], quarter="2025Q2")
    assert metric(at, "Incidents") == "3"
    assert "no such team" in " ".join(w.value for w in at.sidebar.warning)


def test_hostile_search_and_incident_ids_are_just_text(db):
    at = open_page(db, "views/incidents.py", incident=HOSTILE)
    assert "There is no incident with the id" in texts(at)
    at = open_page(db, "views/incidents.py", q=HOSTILE)
    assert "0 incident(s)" in texts(at) or "No incident matches" in texts(at)


def test_the_database_is_untouched_by_hostile_urls(db):
    open_page(db, team=HOSTILE, quarter=HOSTILE, as_of=HOSTILE)
    from analytics.db import connect

    con = connect(db)
    try:
        assert con.execute("SELECT count(*) FROM incidents").fetchone() == (11,)
    finally:
        con.close()


def test_incident_links_quote_what_needs_it_and_only_that():
    import pandas as pd

    from views import ui

    ids = pd.Series(["INC-1", "payments/2025-03-01-db", "a b&c=d", "ünï", None])
    assert list(ui.incident_urls(ids)) == [
        "incidents?incident=INC-1",
        "incidents?incident=payments/2025-03-01-db",
        "incidents?incident=a%20b%26c%3Dd",
        "incidents?incident=%C3%BCn%C3%AF",
        None,
    ]
    assert list(ui.incident_urls(ids[:4])) == [ui.incident_url(i) for i in ids[:4]]
    assert (
        ui.capped_note(1000, 57312, "incidents")
        == " Showing the first 1,000 of 57,312 incidents; search or filter to narrow."
    )
    assert ui.capped_note(12, 12, "incidents") == ""
