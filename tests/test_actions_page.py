"""The Action items page under AppTest: the numbers it shows are the analytics'
numbers (tests/actions_corpus.py gives them by hand), the owner selectors
narrow every table, and the ticket export's problems are shown."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest
from streamlit.proto.Dataframe_pb2 import Dataframe as DataframeProto

from analytics import actions, export
from analytics.db import connect
from analytics.filters import Filters
from analytics.periods import parse_quarter
from tests import actions_corpus
from tests.apptest import metric, open_page, texts

PAGE = "views/actions.py"
VIEW = {"quarter": "2025Q2", "since": "2025Q1", "as_of": "2025-07-15"}


@pytest.fixture(scope="module")
def db(tmp_path_factory, rules):
    return actions_corpus.build(tmp_path_factory.mktemp("actions_page"), rules)


def table(at, *columns: str) -> pd.DataFrame:
    """The one dataframe on the page that has all these columns."""
    found = [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]
    assert len(found) == 1, f"{len(found)} tables with {columns}: {[list(d.value.columns) for d in at.dataframe]}"
    return found[0]


BREAKDOWNS = {"priority": "By priority", "team": "By incident team", "owner": "By owner",
              "owner_team": "By owner's team", "manager": "By manager", "quarter": "By incident quarter"}  # fmt: skip


def rate_table(at, by: str) -> pd.DataFrame:
    """The rates table grouped by `by` (its first column), once that breakdown is picked."""
    at.segmented_control(key="actions_by").set_value(BREAKDOWNS[by]).run()
    assert not at.exception, [e.message for e in at.exception]
    others = [d for d in at.dataframe if "completion_rate" in d.value.columns and d.value.columns[0] != by]
    assert others == [], "only the picked breakdown is computed"
    found = [d.value for d in at.dataframe if d.value.columns[0] == by and "completion_rate" in d.value.columns]
    assert len(found) == 1, f"{len(found)} rate tables by {by}"
    return found[0]


def clean(v):
    return None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v


def rows(df: pd.DataFrame, cols) -> list[tuple]:
    return [tuple(clean(v) for v in r) for r in df[list(cols)].itertuples(index=False, name=None)]


def analytics_overdue(db, as_of: date, **who) -> pd.DataFrame:
    con = connect(db)
    try:
        f = Filters(parse_quarter("2025Q1"), parse_quarter("2025Q2"), as_of)
        return actions.overdue(con, f, **who)
    finally:
        con.close()


def test_page_shows_the_numbers(db):
    at = open_page(db, PAGE, **VIEW)
    assert at.title[0].value == "Action items"
    # period 2025Q1-2025Q2: 14 items, done 6, dropped 1 -> 6/13 = 46%; on time 3 of 4 = 75%
    assert metric(at, "Items") == "14"
    assert metric(at, "Completion") == "46%"
    assert metric(at, "On time") == "75%"
    # every incident up to 2025-07-15: 8 overdue items (10 rows), P0: a5 and C-1's hotfix
    assert metric(at, "Overdue (all quarters)") == "8"
    assert metric(at, "Overdue P0 (all quarters)") == "2"
    assert (metric(at, "No owner"), metric(at, "No due date"), metric(at, "No priority")) == ("1", "2", "1")
    page = texts(at)
    assert "6 of 13 (n excludes 1 dropped)" in page
    assert "3 of 4 done with both dates known" in page
    assert "of 9 open items; 6 from incidents in 2025Q1 to 2025Q2" in page
    assert "incidents in **2025Q1 to 2025Q2**" in page and "**every incident up to 2025-07-15**" in page
    assert "n = 8 items, 10 rows" in page
    assert "n = 6 owners" in page and "n = 9 open items" in page


def test_status_note_counts_ticket_matches(db):
    at = open_page(db, PAGE, **VIEW)
    page = texts(at)
    assert "**10 of 14 items matched a ticket**" in page
    assert "**3 items carry 'no status recorded'** (counted as open)" in page
    assert "1 item takes the status from the document" in page
    assert "1 item names a ticket the export does not list" in page
    assert "The export has 13 tickets, 1 of them named by no item." in page
    assert "1 item resolved in the tracker after 2025-07-15 counts as open here." in page


def test_ticket_export_problems_in_an_expander(db):
    at = open_page(db, PAGE, **VIEW)
    exp = [e for e in at.expander if e.label.startswith("Problems in the ticket export")]
    assert len(exp) == 1
    assert exp[0].label == "Problems in the ticket export and people file: 4 (0 errors)"
    probs = exp[0].dataframe[0].value
    assert rows(probs, ["file", "line", "code"]) == [
        ("tickets", 1, "tickets-columns"), ("tickets", 11, "tickets-duplicate"), ("tickets", 12, "tickets-row"),
        ("tickets", 13, "tickets-row"),
    ]  # fmt: skip
    assert "Sprint Goal" in probs["message"].iloc[0]


def test_rate_tables(db):
    at = open_page(db, PAGE, **VIEW)
    pr = rate_table(at, "priority")
    assert rows(pr, ["priority", "items", "dropped", "done", "rated", "done_dated"]) == [
        ("P0", 3, 0, 2, 3, 1), ("P1", 5, 1, 2, 4, 2), ("P2", 3, 0, 1, 3, 1), ("P3", 2, 0, 1, 2, 0),
        ("no priority", 1, 0, 0, 1, 0),
    ]  # fmt: skip
    assert list(pr["completion_rate"].round(4)) == [round(2 / 3, 4), 0.5, round(1 / 3, 4), 0.5, 0.0]
    assert [clean(v) for v in pr["on_time_rate"]] == [1.0, 0.5, 1.0, None, None]
    team = rate_table(at, "team")
    assert rows(team, ["team", "items", "done", "rated"]) == [("payments", 7, 3, 6), ("search", 7, 3, 7)]
    q = rate_table(at, "quarter")
    assert rows(q, ["quarter", "items", "done", "rated", "completion_rate"]) == [
        ("2025Q1", 5, 3, 5, 0.6), ("2025Q2", 9, 3, 8, 0.375),
    ]  # fmt: skip
    own = rate_table(at, "owner")
    assert rows(own, ["owner", "owner_name", "items", "done", "rated"]) == [
        ("alice", "Alice Chen", 5, 2, 4), ("bob", "Bob Stone", 3, 1, 3), ("carol", "Carol Diaz", 1, 0, 1),
        ("dave", "Dave Eke", 3, 2, 3), ("erin", "", 1, 0, 1), ("zoë", "Zoë Brontë", 2, 1, 2),
    ]  # fmt: skip
    ot = rate_table(at, "owner_team")
    assert rows(ot, ["owner_team", "items", "done", "rated"]) == [
        ("payments", 6, 3, 5), ("search", 6, 3, 6), ("not in people file", 1, 0, 1),
    ]  # fmt: skip
    mg = rate_table(at, "manager")
    assert rows(mg, ["manager", "items"]) == [("maria", 6), ("sam", 6), ("not in people file", 1)]


def test_overdue_owners_and_aging(db):
    at = open_page(db, PAGE, **VIEW)
    own = table(at, "oldest_days_overdue")
    assert rows(own, ["owner", "manager", "overdue", "oldest_days_overdue", "open_p0"]) == [
        ("carol", "sam", 3, 165, 1), ("alice", "maria", 2, 91, 1), ("bob", "maria", 2, 91, 1), ("zoë", "sam", 1, 75, 0),
        ("erin", "", 1, 14, 0), ("(no owner)", "", 1, 14, 0),  # not in the people file: blank, not 'None'
    ]  # fmt: skip
    grid = table(at, "overdue", "not yet due", "no due date")
    assert grid.loc["91-180 days"].tolist() == [3, 0, 1]
    assert int(grid.to_numpy().sum()) == 9
    oi = table(at, "age_days")
    assert list(oi["age_days"]) == [252, 145, 145, 104, 104, 75, 75, 35, 10]


def test_overdue_table_is_the_analytics_list(db):
    at = open_page(db, PAGE, **VIEW)
    ov = table(at, "days_overdue", "owner")
    want = analytics_overdue(db, date(2025, 7, 15))
    cols = list(actions.OVERDUE_COLUMNS)
    # the page shows a missing value as an empty cell, as the CSV does
    assert export.csv_text(ov[cols]) == export.csv_text(want[cols])
    assert len(ov) == 10 and list(ov["days_overdue"]) == [165, 136, 91, 91, 75, 15, 15, 14, 14, 5]
    assert [b.label for b in at.get("download_button")] == ["Download the overdue items (CSV)"]
    assert [c.value for c in at.code] == [
        f".venv/bin/python -m analytics overdue --as-of 2025-07-15 --db {db.resolve()}"
    ]


def test_every_table_opens_the_incident(db):
    """A row (its checkbox, or any cell but the ticket link) opens the incident at the item: one click, the
    same tab (tests/test_drilldown_pages.py runs the callbacks)."""
    at = open_page(db, PAGE, **VIEW)
    with_incidents = [d for d in at.dataframe if "incident_id" in d.value.columns]
    assert sorted(d.key for d in with_incidents) == ["incomplete_items", "open_items", "overdue_items"]
    for d in with_incidents:
        assert "line" in d.value.columns
        assert set(d.proto.selection_mode) == {DataframeProto.SelectionMode.SINGLE_ROW,
                                               DataframeProto.SelectionMode.SINGLE_CELL}  # fmt: skip
    ov = table(at, "days_overdue", "owner")
    assert ov["ticket_link"].iloc[0] == "https://tracker.example.com/browse/PAY-10"  # data/dashboard.yaml's template


def test_selecting_an_owner_narrows_every_table(db):
    at = open_page(db, PAGE, **VIEW)
    at.selectbox(key="owner").set_value("alice").run()
    assert not at.exception
    # alice, period: a1 done, a5 open, b1 dropped, m2 open, m4 done -> 2 / 4
    assert metric(at, "Items") == "5"
    assert metric(at, "Completion") == "50%"
    assert metric(at, "Overdue (all quarters)") == "2"
    assert (metric(at, "No owner"), metric(at, "No due date"), metric(at, "No priority")) == ("0", "1", "0")
    ov = table(at, "days_overdue", "owner")
    assert rows(ov, ["incident_id", "owner", "days_overdue"]) == [("A-2", "alice", 91), ("B-2", "alice", 15)]
    assert rows(ov, ["incident_id", "owner"]) == rows(analytics_overdue(db, date(2025, 7, 15), owner="alice"),
                                                      ["incident_id", "owner"])  # fmt: skip
    assert rows(table(at, "oldest_days_overdue"), ["owner", "overdue"]) == [("alice", 2)]
    assert rows(rate_table(at, "priority"), ["priority", "items"]) == [("P0", 3), ("P1", 1), ("P2", 1)]
    assert rows(rate_table(at, "owner"), ["owner", "items"]) == [("alice", 5)]
    assert list(table(at, "age_days")["incident_id"]) == ["A-2", "B-2"]
    assert rows(table(at, "missing"), ["incident_id", "missing"]) == [("B-2", "due date")]
    assert "**10 of 14 items matched a ticket**" not in texts(at)
    assert "Only items owned by **owner alice**" in texts(at)
    assert [c.value for c in at.code] == [
        f".venv/bin/python -m analytics overdue --as-of 2025-07-15 --owner alice --db {db.resolve()}"
    ]


def test_a_manager_sees_their_people_on_other_teams_incidents(db):
    at = open_page(db, PAGE, **VIEW, manager="sam")
    ov = table(at, "days_overdue", "owner")
    assert rows(ov, ["incident_id", "team", "owner", "days_overdue"]) == [
        ("OLD-1", "payments", "carol", 165), ("A-2", "search", "carol", 136), ("B-1", "payments", "zoë", 75),
        ("C-1", "search", "carol", 5),
    ]  # fmt: skip
    assert rows(table(at, "oldest_days_overdue"), ["owner", "overdue"]) == [("carol", 3), ("zoë", 1)]
    assert metric(at, "Items") == "6"
    assert " --manager sam " in at.code[0].value  # the command line has the manager selection too
    at.selectbox(key="manager").set_value(None).run()
    at.selectbox(key="owner_team").set_value("payments").run()
    assert rows(table(at, "oldest_days_overdue"), ["owner", "overdue"]) == [("alice", 2), ("bob", 2)]


def test_sidebar_team_selects_incidents_by_their_team(db):
    at = open_page(db, PAGE, **VIEW, team="search")
    ov = table(at, "days_overdue", "owner")
    assert sorted(set(ov["incident_id"])) == ["A-2", "B-2", "C-1"]
    assert metric(at, "Items") == "7"  # A-2 and B-2
    assert [c.value for c in at.code] == [
        f".venv/bin/python -m analytics overdue --as-of 2025-07-15 --team search --db {db.resolve()}"
    ]


def test_an_earlier_as_of_date(db):
    at = open_page(db, PAGE, quarter="2025Q1", since="2025Q1", as_of="2025-05-10")
    ov = table(at, "days_overdue", "owner")
    assert rows(ov, ["incident_id", "owner", "days_overdue"]) == [
        ("OLD-1", "carol", 99), ("A-2", "carol", 70), ("A-2", "alice", 25), ("A-2", "bob", 25), ("B-1", "zoë", 9),
    ]  # fmt: skip
    # Q1 as of 05-10: a1 a2 a3 done (PAY-7 resolved 03-10), a4 a5 open -> 3/5
    assert metric(at, "Completion") == "60%"
    assert metric(at, "Overdue (all quarters)") == "4"


def test_a_broken_tickets_file_is_shown_and_the_page_still_works(tmp_path, rules):
    db = actions_corpus.build(tmp_path, rules, tickets="Key,Summary\nPAY-1,x\n")
    at = open_page(db, PAGE, **VIEW)
    exp = [e for e in at.expander if e.label.startswith("Problems in the ticket export")]
    assert [e.label for e in exp] == ["Problems in the ticket export and people file: 1 (1 errors)"]
    assert "needs a key column" in exp[0].dataframe[0].value["message"].iloc[0]
    assert "**0 of 14 items matched a ticket**" in texts(at)
    assert metric(at, "Completion") == "7%"  # only m5 is done by its document: 1 / 14


def test_without_tickets_or_people(tmp_path, rules):
    db = actions_corpus.build(tmp_path, rules, tickets=None, people=None)
    at = open_page(db, PAGE, **VIEW)
    page = texts(at)
    assert "No ticket tracker export was loaded" in page
    assert "**13 of 14 items carry 'no status recorded'**" in page
    assert "No people file was loaded" in page
    assert not [e for e in at.expander if e.label.startswith("Problems")]
    assert at.selectbox(key="owner_team").disabled


def test_a_corpus_without_action_items(build_db):
    built = build_db({"t/a.yaml": "id: X-1\ntitle: Quiet\nteam: t\nseverity: SEV3\nservices: [s]\n"
                                  "started_at: 2025-05-01T10:00:00Z\nresolved_at: 2025-05-01T11:00:00Z\n"},
                     as_of=date(2025, 7, 15))  # fmt: skip
    built.con.close()
    at = open_page(built.db, PAGE, **VIEW)
    assert metric(at, "Items") == "0"
    assert metric(at, "Completion") == "n/a"
    assert metric(at, "Overdue (all quarters)") == "0"
    page = texts(at)
    assert "No overdue items as of 2025-07-15." in page and "Nobody has an overdue item" in page
    assert "No ticket tracker export was loaded" in page
