"""No stored value breaks a page: a database holding dates before year 1000 or after 9999 and infinite
or huge figures (written into it directly, as an older build or another tool could have) draws every
page; and a page that fails anyway shows a short message, never a traceback, and logs the failure."""

from __future__ import annotations

import functools
import logging
import shutil
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

import analytics.durations
import analytics.impact
import analytics.incidents
from analytics import db as adb
from analytics.db import connect
from analytics.meta import options
from tests import impact_corpus, small_corpus
from tests.apptest import metric, open_page, texts
from tests.conftest import ROOT, build_corpus
from views import ui

HUGE = 1e300  # a 301-digit figure, as a DOUBLE holds it; a 400-digit one is infinite
EXTREME = [
    # P2-1 (2025Q2): infinite and huge impact figures and durations, times after 9999 and before 1000
    "UPDATE incident_impact SET value = 'inf', low = 'inf', high = 'inf' WHERE incident_id = 'P2-1' AND metric = 'customers_affected'",
    f"UPDATE incident_impact SET value = {HUGE}, low = {HUGE}, high = {HUGE} WHERE incident_id = 'P2-1' AND metric = 'revenue_loss'",
    "UPDATE incident_impact SET value = '-inf', low = '-inf', high = NULL WHERE incident_id = 'P2-1' AND metric = 'support_tickets'",
    f"UPDATE incidents SET ttr_minutes = 'inf', ttd_minutes = {HUGE}, reported_duration_minutes = 'inf', resolved_at = TIMESTAMP '12000-01-01 00:00' WHERE incident_id = 'P2-1'",
    "UPDATE incident_durations SET minutes = 'inf' WHERE incident_id = 'P2-1' AND duration_id IN ('ttr', 'ttm')",
    f"UPDATE incident_durations SET minutes = {HUGE} WHERE incident_id = 'P2-1' AND duration_id = 'ttd'",
    'UPDATE timeline_events SET "at" = TIMESTAMP \'12000-01-01 00:00\' WHERE incident_id = \'P2-1\' AND seq = 1',
    'UPDATE timeline_events SET "at" = TIMESTAMP \'0500-01-01 00:00\' WHERE incident_id = \'P2-1\' AND seq = 2',
    'UPDATE milestone_evidence SET "at" = TIMESTAMP \'12000-01-01 00:00\' WHERE incident_id = \'P2-1\' AND milestone = \'resolved\'',
    "UPDATE action_items SET due_date = DATE '0900-01-01' WHERE incident_id = 'P2-1'",
    # Q2-1: a huge time to resolve in the quarter under review
    f"UPDATE incidents SET ttr_minutes = {HUGE} WHERE incident_id = 'Q2-1'",
    f"UPDATE incident_durations SET minutes = {HUGE} WHERE incident_id = 'Q2-1' AND duration_id = 'ttr'",
    # Q1-2 happened in the year 500, Q2-6 in the year 12000
    "UPDATE incidents SET date = DATE '0500-02-03', occurred_at = TIMESTAMP '0500-02-03 09:00', started_at = TIMESTAMP '0500-02-03 09:00' WHERE incident_id = 'Q1-2'",
    "UPDATE incidents SET date = DATE '12000-06-25', occurred_at = TIMESTAMP '12000-06-25 15:00', started_at = TIMESTAMP '12000-06-25 15:00' WHERE incident_id = 'Q2-6'",
    "UPDATE documents SET date = DATE '0500-02-03' WHERE incident_id = 'Q1-2'",
    "UPDATE repeat_pairs SET occurred_at = TIMESTAMP '12000-06-25 15:00' WHERE incident_id = 'Q2-6'",
    # action items due, done and published far away
    "UPDATE action_items SET due_date = DATE '0001-01-01' WHERE incident_id = 'Q2-2'",
    "UPDATE action_items SET due_date = DATE '12000-01-01' WHERE incident_id = 'Q2-4'",
    "UPDATE action_items SET done_at = DATE '0002-01-01' WHERE incident_id = 'Q2-3'",
    "UPDATE incidents SET published_at = TIMESTAMP '12000-01-01 00:00' WHERE incident_id = 'Q2-3'",
]  # fmt: skip
REVIEW = {"quarter": "2025Q2", "since": "2025Q1", "as_of": "2025-07-15"}
PAGES = [None, "views/response_times.py", "views/factors.py", "views/actions.py", "views/impact.py",
         "views/incidents.py", "views/data_quality.py", "views/document.py", "views/team.py"]  # fmt: skip
# What a page that shows one thing is opened on: the postmortem of the incident holding the extreme values,
# the team whose incidents hold them (Q1-2 in the year 500, Q2-1's huge time to resolve, P2-1).
NAMED = {"views/document.py": {"incident": "P2-1"}, "views/team.py": {"team": "payments"}}


@pytest.fixture(scope="module")
def extreme(tmp_path_factory, rules):
    """The small and impact corpora in one database, then EXTREME written into it."""
    files = small_corpus.files() | {f"imp/{k}": v for k, v in impact_corpus.files().items()}
    tmp = tmp_path_factory.mktemp("extreme")
    db = build_corpus(tmp, files, rules, tickets=small_corpus.TICKETS, as_of=small_corpus.AS_OF)
    con = duckdb.connect(str(db))
    try:
        for sql in EXTREME:
            con.execute(sql)
    finally:
        con.close()
    return db


def drawn(at) -> None:
    """The page was drawn: no exception shown, and the guard did not have to step in."""
    assert not at.exception, [e.message for e in at.exception]
    assert not [e.value for e in at.error if str(e.value).startswith(ui.FAILED)]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("params", [{}, REVIEW], ids=["default-view", "2025Q2"])
def test_every_page_draws_a_database_with_extreme_values(extreme, page, params):
    """Before: every page failed (a date after 9999 is no Python date: the sidebar's options)."""
    drawn(open_page(extreme, page, **params, **NAMED.get(page, {})))


@pytest.mark.parametrize("page", ["views/incidents.py", "views/document.py"])
@pytest.mark.parametrize("incident", ["P2-1", "Q2-6", "Q1-2"])
def test_the_detail_of_an_incident_with_extreme_values_draws(extreme, incident, page):
    at = open_page(extreme, page, incident=incident, **REVIEW)
    drawn(at)
    assert not at.warning  # the incident was found (and, for the document, its file read)


@pytest.mark.parametrize("team", ["payments", "search"])
def test_the_quarters_of_a_team_with_extreme_values_draw(extreme, team):
    """payments holds Q1-2 (the year 500), Q2-1 and P2-1; search holds Q2-6 (the year 12000)."""
    at = open_page(extreme, "views/team.py", team=team, **REVIEW)
    drawn(at)
    assert [t.value for t in at.title] == [f"Team over time: {team}"]


def test_extreme_figures_of_an_incident_read_as_unknown(extreme):
    """Before: formatting the infinite figure failed (int of infinity)."""
    at = open_page(extreme, "views/incidents.py", incident="P2-1", **REVIEW)
    drawn(at)
    assert metric(at, "Time to detect") == "n/a"
    assert metric(at, "Time to resolve") == "n/a"
    assert metric(at, "Reported duration") == "n/a"
    figures = next(d.value for d in at.dataframe if "shown" in d.value.columns).set_index("label")["shown"]
    assert figures["Customers affected"] == "unknown"
    assert figures["Revenue loss"] == "unknown"
    assert figures["Support tickets"] == "unknown"
    evidence = next(d.value for d in at.dataframe if "milestone" in d.value.columns).set_index("milestone")
    assert pd.isna(evidence.loc["resolved", "at"])


def test_the_quarter_choices_leave_out_dates_no_quarter_can_hold(extreme):
    """Before: options() failed on the year 12000; the year 500 would have offered 6,000 quarters."""
    con = connect(extreme)
    try:
        o = options(con)
    finally:
        con.close()
    assert (o.first, o.last, o.incidents) == (date(2025, 1, 10), date(2025, 6, 18), 18)
    assert [q.label for q in o.quarters(1, through=date(2025, 7, 15))] == ["2025Q1", "2025Q2", "2025Q3"]


def test_readable_makes_dates_and_figures_out_of_range_missing():
    df = pd.DataFrame({
        "at": np.array(["0999-12-31", "1000-01-01", "9999-12-31", "12000-01-01", "NaT"], dtype="datetime64[us]"),
        "x": [float("inf"), -float("inf"), 1e15, -1e16, 3.5],
        "n": [1, 2, 3, 4, 5],
    })  # fmt: skip
    out = adb.readable(df)
    assert out["at"].isna().tolist() == [True, False, False, True, True]
    assert out["x"].tolist()[2:3] == [1e15] and out["x"].isna().tolist() == [True, True, False, True, False]
    assert out["n"].tolist() == [1, 2, 3, 4, 5]
    assert adb.readable(df.iloc[1:3]) is not df  # nothing to change: the frame itself
    plain = df.iloc[[1, 2]].assign(x=[1.0, 2.0])
    assert adb.readable(plain) is plain


def test_statistics_leave_out_figures_out_of_range():
    cols = {"k": np.array([0, 0, 1, 1]), "minutes": np.array([10.0, np.inf, 1e300, 30.0])}
    out = adb.finite_rows(cols)
    assert out["k"].tolist() == [0, 1] and out["minutes"].tolist() == [10.0, 30.0]


def test_a_huge_time_to_resolve_leaves_the_review_medians_alone(extreme):
    """Q2-1's 1e300 minutes and P2-1's infinity are unknown (and Q2-6 is in the year 12000): n and the
    median are over the others, 12, 30, 40, 50, 60, 70, 90 and 240 minutes."""
    con = connect(extreme)
    try:
        from analytics.filters import Filters
        from analytics.periods import parse_quarter

        q = parse_quarter("2025Q2")
        s = analytics.durations.summary(con, Filters(q, q, date(2025, 7, 15)), "ttr")
    finally:
        con.close()
    assert (s["n"], s["median"]) == (8, 55.0)


# ------------------------------------------------------------------ the guard


@pytest.fixture
def db(tmp_path_factory, rules):
    return small_corpus.build(tmp_path_factory.mktemp("guard"), rules)


def test_a_failing_page_shows_a_short_message_not_a_traceback(db, monkeypatch, caplog):
    @functools.wraps(analytics.durations.by_group)  # the page's cached call finds it by module and name
    def boom(*a, **k):
        raise RuntimeError("<script>secret internals</script>")

    monkeypatch.setattr(analytics.durations, "by_group", boom)
    with caplog.at_level(logging.ERROR, logger="views.ui"):
        at = open_page(db, "views/response_times.py", **REVIEW)
    assert not at.exception
    assert [e.value for e in at.error] == [
        "This page could not be drawn: an error occurred while drawing it. The details are in the dashboard's log."
    ]
    assert "secret" not in texts(at)
    assert [r.exc_info[0] for r in caplog.records if r.name == "views.ui"] == [RuntimeError]


def test_a_failing_incident_says_which_postmortem(db, monkeypatch, caplog):
    @functools.wraps(analytics.impact.incident_figures)
    def boom(*a, **k):
        raise OverflowError("cannot convert float infinity to integer")

    monkeypatch.setattr(analytics.impact, "incident_figures", boom)
    with caplog.at_level(logging.ERROR, logger="views.ui"):
        at = open_page(db, "views/incidents.py", incident="Q1-5", **REVIEW)
    assert not at.exception
    path = ui.md(str(db.parent / "corpus" / "payments" / "Q1-5.yaml"))
    assert [e.value for e in at.error] == [
        f"This page could not be drawn: an error occurred while drawing it. It was drawing the incident 'Q1\\-5', "
        f"from {path}: a value in that postmortem may be the cause. The details are in the dashboard's log."
    ]
    assert "Q1-5.yaml" in caplog.records[-1].getMessage()


def test_a_failing_incident_detail_names_the_incident_of_the_link(db, monkeypatch):
    @functools.wraps(analytics.incidents.detail)
    def boom(*a, **k):
        raise ValueError("year 12000 is out of range")

    monkeypatch.setattr(analytics.incidents, "detail", boom)
    at = open_page(db, "views/incidents.py", incident="Q1-5", **REVIEW)
    assert not at.exception
    assert [e.value for e in at.error] == [
        "This page could not be drawn: an error occurred while drawing it. It was drawing the incident 'Q1\\-5': a "
        "value in that postmortem may be the cause. The details are in the dashboard's log."
    ]


def test_a_database_an_older_version_built_gets_the_command_that_builds_it_again(db, tmp_path, caplog):
    old = tmp_path / "old.duckdb"
    shutil.copy(db, old)
    con = duckdb.connect(str(old))
    for (index,) in con.execute("SELECT index_name FROM duckdb_indexes() WHERE table_name = 'action_items'").fetchall():
        con.execute(f"DROP INDEX {index}")
    con.execute("ALTER TABLE action_items DROP COLUMN document")  # added to the schema after it was built
    con.close()
    with caplog.at_level(logging.ERROR, logger="views.ui"):
        at = open_page(old, "views/actions.py", **REVIEW)
    assert not at.exception
    assert [e.value for e in at.error] == [
        f"This page could not be drawn: the database {ui.md(str(old))} lacks a table or column this version reads, "
        f"so an older version built it. Build it again (`.venv/bin/python -m ingest build YOUR_FOLDER --db {old}`); "
        "the details are in the dashboard's log."
    ]
    assert [r.exc_info[0] for r in caplog.records if r.name == "views.ui"] == [duckdb.BinderException]


def test_an_older_sample_database_gets_the_command_that_builds_the_sample_again():
    assert ui.older_database_message(Path("incidents.duckdb"), sample=True) == (
        "This page could not be drawn: the database incidents\\.duckdb lacks a table or column this version reads, "
        "so an older version built it. Build it again (`.venv/bin/python -m ingest build data/sample --db "
        "incidents.duckdb --no-git --tickets data/tickets.csv --people data/people.yaml`); the details are in the "
        "dashboard's log."
    )


def test_the_sample_build_command_is_the_makefiles():
    makefile = (ROOT / "Makefile").read_text()
    assert " ".join(makefile.split("test -f incidents.duckdb || $(PY) ")[1].split("\n\t$(PY) -m streamlit")[0]
                    .replace("\\\n", " ").split()) == " ".join(
        ui.SAMPLE_BUILD.format(db="incidents.duckdb").removeprefix(".venv/bin/python ").split())  # fmt: skip


def test_the_failure_message_names_the_line_when_known():
    assert ui.failure_message(("a<b>", "x/y.md", 12)) == (
        "This page could not be drawn: an error occurred while drawing it. It was drawing the incident "
        "'a&lt;b&gt;', from x/y\\.md line 12: a value in that postmortem may be the cause. The details are in "
        "the dashboard's log."
    )


def test_the_project_config_hides_error_details(tmp_path, monkeypatch):
    """Uncaught errors show no message, type or traceback in the browser (the value 'none' of 1.67)."""
    from streamlit import config
    from streamlit.elements import exception

    shutil.copytree(ROOT / ".streamlit", tmp_path / ".streamlit")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))  # no user-wide config in the way
    try:
        config.get_config_options(force_reparse=True)
        assert config.get_option("client.showErrorDetails") == "none"
        v = exception._error_detail_visibility(True)
        assert (v.show_message, v.show_trace, v.show_type) == (False, False, False)
    finally:
        monkeypatch.undo()
        config.get_config_options(force_reparse=True)
