"""Action-item figures on a hand-written corpus with known answers (tests/actions_corpus.py
lists every item and its status as of 2025-07-15). METRICS.md, "Action items", is the definition."""

from __future__ import annotations

import csv
import io
import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics import actions, export
from analytics.db import connect
from analytics.filters import Filters
from analytics.periods import Quarter, parse_quarter
from tests import actions_corpus

AS_OF = date(2025, 7, 15)
Q1, Q2 = parse_quarter("2025Q1"), parse_quarter("2025Q2")


@pytest.fixture(scope="module")
def db(tmp_path_factory, rules):
    return actions_corpus.build(tmp_path_factory.mktemp("actions"), rules)


@pytest.fixture(scope="module")
def con(db):
    c = connect(db)
    yield c
    c.close()


def period(as_of: date = AS_OF, **kw) -> Filters:
    """The rates population of most tests: incidents of 2025Q1-2025Q2 (A-1, A-2, B-1, B-2, B-3)."""
    return Filters(Q1, Q2, as_of, **kw)


def rows(df: pd.DataFrame, cols: list[str]) -> list[tuple]:
    out = []
    for r in df[cols].itertuples(index=False, name=None):
        out.append(tuple(None if (v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA) else v
                         for v in r))  # fmt: skip
    return out


def rates_of(df: pd.DataFrame, by: str) -> dict:
    """{group: (items, dropped, done, completion_rate, done_dated, done_on_time, on_time_rate)}"""
    out = {}
    for r in df.itertuples(index=False):
        g = getattr(r, by)
        key = None if g is None or (isinstance(g, float) and math.isnan(g)) else g
        ot = None if math.isnan(r.on_time_rate) else r.on_time_rate
        cr = None if math.isnan(r.completion_rate) else r.completion_rate
        out[key] = (r.items, r.dropped, r.done, cr, r.done_dated, r.done_on_time, ot)
    return out


# ---------------------------------------------------------------- rates


def test_summary_of_the_period(con):
    s = actions.summary(con, period())
    # 14 items; done a1 a2 a3 m1 m4 m5; dropped b1; open a4 a5 b2 b3 m2 m3 c1 (a5: resolved 08-01, after the date)
    assert (s["total"], s["done"], s["dropped"], s["open"]) == (14, 6, 1, 7)
    assert s["completion_rate"] == pytest.approx(6 / 13)
    # done with both dates: a1 (on time), a2 (late), a3 (on time), m1 (on time); m4/m5 have no resolution date
    assert (s["done_dated"], s["done_on_time"]) == (4, 3)
    assert s["on_time_rate"] == pytest.approx(3 / 4)
    # overdue in the period: a4, a5, b2, m2, m3, c1; P0 among them: a5
    assert (s["overdue"], s["overdue_p0"]) == (6, 1)
    assert (s["no_owner"], s["no_due_date"], s["no_priority"]) == (1, 2, 1)  # m3; b3, m4; m3
    assert (s["with_ticket_status"], s["no_status_recorded"]) == (10, 3)  # b3, m2 (SRCH-4 not exported), m3


def test_summary_keys_unchanged_for_the_review(con):
    assert set(actions.summary(con, period())) == {
        "total", "done", "dropped", "open", "overdue", "done_dated", "done_on_time", "no_owner", "no_due_date",
        "no_priority", "with_ticket_status", "no_status_recorded", "overdue_p0", "completion_rate", "on_time_rate",
    }  # fmt: skip


def test_rates_by_priority(con):
    r = rates_of(actions.rates(con, period(), "priority"), "priority")
    assert r == {
        "P0": (3, 0, 2, pytest.approx(2 / 3), 1, 1, 1.0),  # a1 done on time, a5 open, m4 done (no dates)
        "P1": (5, 1, 2, 0.5, 2, 1, 0.5),  # a2 late, a4 open, b1 dropped, m1 on time, c1 open
        "P2": (3, 0, 1, pytest.approx(1 / 3), 1, 1, 1.0),  # a3 on time, b2 open, m2 open
        "P3": (2, 0, 1, 0.5, 0, 0, None),  # b3 open, m5 done by the document (no date)
        None: (1, 0, 0, 0.0, 0, 0, None),  # m3
    }
    assert list(actions.rates(con, period(), "priority")["priority"].fillna("-")) == ["P0", "P1", "P2", "P3", "-"]


def test_rates_by_incident_team_and_quarter(con):
    team = rates_of(actions.rates(con, period(), "team"), "team")
    # payments: a1 a2 a3 b1 b2 b3 c1 -> done 3, dropped 1; on time a1 a3 of a1 a2 a3
    # search:   a4 a5 m1..m5        -> done m1 m4 m5; dated m1 only
    assert team == {
        "payments": (7, 1, 3, 0.5, 3, 2, pytest.approx(2 / 3)),
        "search": (7, 0, 3, pytest.approx(3 / 7), 1, 1, 1.0),
    }
    q = rates_of(actions.rates(con, period(), "quarter"), "quarter")
    assert q == {
        "2025Q1": (5, 0, 3, 0.6, 3, 2, pytest.approx(2 / 3)),  # a1..a5
        "2025Q2": (9, 1, 3, 0.375, 1, 1, 1.0),  # b1 b2 b3 m1..m5 c1
    }


def test_rates_by_owner_count_an_item_for_each_owner(con):
    r = actions.rates(con, period(), "owner")
    got = rates_of(r, "owner")
    assert got == {
        "alice": (5, 1, 2, 0.5, 1, 1, 1.0),  # a1 on time, a5 open, b1 dropped, m2 open, m4 done undated
        "bob": (3, 0, 1, pytest.approx(1 / 3), 1, 0, 0.0),  # a2 late, a5, m2
        "carol": (1, 0, 0, 0.0, 0, 0, None),  # a4 (OLD-1 and C-1 are outside the period)
        "dave": (3, 0, 2, pytest.approx(2 / 3), 1, 1, 1.0),  # b3, m1 on time, m5
        "erin": (1, 0, 0, 0.0, 0, 0, None),  # c1: the ticket's assignee, the document names nobody
        "zoë": (2, 0, 1, 0.5, 1, 1, 1.0),  # a3 on time, b2
    }
    # a5 and m2 have two owners: 16 owner rows for 13 owned items (m3 has no owner)
    assert int(r["items"].sum()) == 15
    assert rows(r, ["owner", "owner_name", "owner_team", "manager"])[0] == ("alice", "Alice Chen", "payments", "maria")
    assert rows(r, ["owner", "owner_name"])[4] == ("erin", None)


def test_rates_by_owner_team_and_manager_from_the_people_file(con):
    # payments people (alice, bob): a1 a2 a5 b1 m2 m4; search people (carol, dave, zoë): a3 a4 b2 b3 m1 m5
    expect = {
        "payments": (6, 1, 3, 0.6, 2, 1, 0.5),
        "search": (6, 0, 3, 0.5, 2, 2, 1.0),
        None: (1, 0, 0, 0.0, 0, 0, None),  # erin is not in the people file
    }
    assert rates_of(actions.rates(con, period(), "owner_team"), "owner_team") == expect
    by_manager = rates_of(actions.rates(con, period(), "manager"), "manager")
    assert by_manager == {"maria": expect["payments"], "sam": expect["search"], None: expect[None]}


def test_rates_reject_an_unknown_dimension(con):
    with pytest.raises(ValueError, match="rates by 'severity; DROP TABLE x'"):
        actions.rates(con, period(), "severity; DROP TABLE x")


def test_status_as_of_the_date(con):
    # On 2025-08-02 PAY-3 (a5, due 04-15) is resolved (08-01, late): done 7, on time 3 of 5.
    s = actions.summary(con, period(date(2025, 8, 2)))
    assert (s["done"], s["open"], s["done_dated"], s["done_on_time"]) == (7, 6, 5, 3)
    # On 2025-03-01 only exist: a1 (PAY-1, 01-18) and a2 (PAY-2, 02-20) are done; a3 (PAY-7, resolved
    # 03-10) is still open and due 03-15; a4 is due that very day, so not yet overdue; a5 is due 04-15.
    s = actions.summary(con, period(date(2025, 3, 1)))
    assert (s["total"], s["done"], s["open"], s["overdue"]) == (5, 2, 3, 0)
    assert rows(actions.overdue(con, period(date(2025, 3, 2))), ["action", "days_overdue"]) == [
        ("Retire legacy queue", 30), ("Alert on index lag", 1),
    ]  # fmt: skip


def test_dropped_items_are_left_out_of_the_rates(con):
    s = actions.summary(con, period(), owner="alice")
    # alice: a1 done, a5 open, b1 dropped, m2 open, m4 done -> 2 / (5 - 1)
    assert (s["total"], s["dropped"], s["done"], s["completion_rate"]) == (5, 1, 2, 0.5)


# ---------------------------------------------------------------- overdue

OVERDUE_0715 = [
    # incident, action, owner, days overdue (2025-07-15 - due), status as recorded
    ("OLD-1", "Retire legacy queue", "carol", 165, "In Progress"),  # 2024Q4: outside the period, still listed
    ("A-2", "Alert on index lag", "carol", 136, "In Progress"),
    ("A-2", "Validate config in CI", "alice", 91, "Done on 2025-08-01, after the as-of date"),
    ("A-2", "Validate config in CI", "bob", 91, "Done on 2025-08-01, after the as-of date"),
    ("B-1", "Rotate leaked token", "zoë", 75, "Open"),
    ("B-2", "+1 the alert threshold", "alice", 15, "no status recorded"),
    ("B-2", "+1 the alert threshold", "bob", 15, "no status recorded"),
    ("B-2", "Write the runbook", None, 14, "no status recorded"),  # no owner: one row, owner empty
    ("B-3", "Load test the db", "erin", 14, "To Do"),  # same days as B-2: incident id breaks the tie
    ("C-1", "Hotfix the index", "carol", 5, "In Review"),  # 2025Q3, after the review quarter, before the date
]


def test_overdue_list_as_of_a_fixed_date(con):
    ov = actions.overdue(con, period())
    assert list(ov.columns) == list(actions.OVERDUE_COLUMNS)
    assert rows(ov, ["incident_id", "action", "owner", "days_overdue", "status"]) == OVERDUE_0715
    assert rows(ov.head(1), ["team", "quarter", "priority", "owner_name", "owner_team", "manager", "ticket"]) == [
        ("payments", "2024Q4", "P1", "Carol Diaz", "search", "sam", "PAY-10")
    ]
    assert list(ov["due_date"].dt.date.astype(str))[:2] == ["2025-01-31", "2025-03-01"]
    assert rows(ov, ["document", "line"])[5] == ("search/B-2.md", 18)
    # D-1 (2025-08-10) happened after the as-of date: never listed, though its item's due date has passed
    assert "D-1" not in set(ov["incident_id"])


def test_overdue_covers_all_quarters_whatever_the_period(con):
    only_q2 = Filters(Q2, Q2, AS_OF)
    assert rows(actions.overdue(con, only_q2), ["incident_id", "action", "owner", "days_overdue", "status"]) == (
        OVERDUE_0715
    )
    assert actions.through_as_of(only_q2) == Filters(Quarter(1900, 1), parse_quarter("2025Q3"), AS_OF)


def test_overdue_list_as_of_an_earlier_date(con):
    ov = actions.overdue(con, period(date(2025, 5, 10)))
    # incidents up to 05-10: OLD-1, A-1, A-2, B-1, B-2; SRCH-3 (m1, done 05-28) was open but not yet due
    assert rows(ov, ["incident_id", "owner", "days_overdue", "status"]) == [
        ("OLD-1", "carol", 99, "In Progress"),
        ("A-2", "carol", 70, "In Progress"),
        ("A-2", "alice", 25, "Done on 2025-08-01, after the as-of date"),
        ("A-2", "bob", 25, "Done on 2025-08-01, after the as-of date"),
        ("B-1", "zoë", 9, "Open"),
    ]


def test_overdue_owners_ranked(con):
    own = actions.overdue_owners(con, period())
    assert rows(own, ["owner", "owner_name", "owner_team", "manager", "overdue", "oldest_days_overdue", "open_p0"]) == [
        ("carol", "Carol Diaz", "search", "sam", 3, 165, 1),  # o1, a4, c2 (C-1's P0)
        ("alice", "Alice Chen", "payments", "maria", 2, 91, 1),  # a5 (P0, open as of the date), m2
        ("bob", "Bob Stone", "payments", "maria", 2, 91, 1),
        ("zoë", "Zoë Brontë", "search", "sam", 1, 75, 0),
        ("erin", None, None, None, 1, 14, 0),
        (None, None, None, None, 1, 14, 0),  # m3, no owner; ranked after erin by the owner
    ]  # dave has open items (b3) but none overdue: not listed


def test_owner_normalisation(con):
    # B-2 is Markdown: '@Dave', 'Alice, @bob', 'TBD', 'ALICE' in its Owner column
    its = actions.items(con, period())
    b2 = its[its["incident_id"] == "B-2"].sort_values("seq")
    assert [list(o) for o in b2["owners"]] == [["dave"], ["alice", "bob"], [], ["alice"], ["dave"]]
    # the owner argument is normalised the same way, and a people-file name selects its handle
    expect = rows(actions.overdue(con, period(), owner="alice"), ["incident_id", "action", "owner"])
    assert expect == [("A-2", "Validate config in CI", "alice"), ("B-2", "+1 the alert threshold", "alice")]
    for spelling in ("@Alice", " ALICE ", "alice@example.org", "Alice Chen", "alice  chen"):
        assert rows(actions.overdue(con, period(), owner=spelling), ["incident_id", "action", "owner"]) == expect
    assert actions.normalise_owner("@Zoë") == "zoë"
    assert actions.normalise_owner("  ") is None


def test_several_owners_per_item(con):
    # a5 (alice, bob) is one item: once in the item counts, once for each owner in per-owner figures
    ov = actions.overdue(con, period(), owner="bob")
    assert rows(ov, ["incident_id", "action", "owner", "days_overdue"]) == [
        ("A-2", "Validate config in CI", "bob", 91),
        ("B-2", "+1 the alert threshold", "bob", 15),
    ]
    assert actions.summary(con, actions.through_as_of(period()))["overdue"] == 8  # 10 rows, 8 items
    assert len(actions.overdue(con, period())) == 10


def test_manager_sees_their_people_on_other_teams_incidents(con):
    ov = actions.overdue(con, period(), manager="sam")
    assert rows(ov, ["incident_id", "team", "owner", "days_overdue"]) == [
        ("OLD-1", "payments", "carol", 165),  # a payments incident, owned by sam's report
        ("A-2", "search", "carol", 136),
        ("B-1", "payments", "zoë", 75),
        ("C-1", "search", "carol", 5),
    ]
    assert rows(actions.overdue(con, period(), owner_team="search"), ["owner"]) == [
        ("carol",), ("carol",), ("zoë",), ("carol",)
    ]  # fmt: skip
    own = actions.overdue_owners(con, period(), manager="maria")
    assert rows(own, ["owner", "overdue"]) == [("alice", 2), ("bob", 2)]
    assert actions.summary(con, period(), manager="sam")["total"] == 6  # a3 a4 b2 b3 m1 m5


def test_incident_team_filter_narrows_the_overdue_list(con):
    ov = actions.overdue(con, period(teams=("search",)))
    assert rows(ov, ["incident_id", "owner"]) == [
        ("A-2", "carol"), ("A-2", "alice"), ("A-2", "bob"), ("B-2", "alice"), ("B-2", "bob"), ("B-2", None),
        ("C-1", "carol"),
    ]  # fmt: skip
    # an owner selection leaves out the items with no owner
    assert None not in set(actions.overdue(con, period(teams=("search",)), owner="alice")["owner"])


def test_nothing_selected_by_an_unknown_owner(con):
    assert len(actions.overdue(con, period(), owner="nobody-here")) == 0
    assert actions.summary(con, period(), owner="nobody-here")["total"] == 0
    r = actions.rates(con, period(), "priority", owner="nobody-here")
    assert len(r) == 0


# ---------------------------------------------------------------- aging, incomplete, status sources


def test_open_item_aging(con):
    oi = actions.open_items(con, period())
    # open on 07-15: o1 (incident 2024-11-05, 252 days), a4 a5 (02-20, 145), b2 b3 (04-02, 104),
    # m2 m3 (05-01, 75), c1 (06-10, 35), c2 (07-05, 10)
    assert rows(oi, ["incident_id", "age_days", "age", "due_state"]) == [
        ("OLD-1", 252, "181-365 days", "overdue"),
        ("A-2", 145, "91-180 days", "overdue"),
        ("A-2", 145, "91-180 days", "overdue"),
        ("B-1", 104, "91-180 days", "overdue"),
        ("B-1", 104, "91-180 days", "no due date"),
        ("B-2", 75, "31-90 days", "overdue"),
        ("B-2", 75, "31-90 days", "overdue"),
        ("B-3", 35, "31-90 days", "overdue"),
        ("C-1", 10, "0-30 days", "overdue"),
    ]
    ag = actions.aging(con, period())
    assert len(ag) == 15 and int(ag["items"].sum()) == 9
    got = {(a, s): n for a, s, n in ag[["age", "due_state", "items"]].itertuples(index=False) if n}
    assert got == {("0-30 days", "overdue"): 1, ("31-90 days", "overdue"): 3, ("91-180 days", "overdue"): 3,
                   ("91-180 days", "no due date"): 1, ("181-365 days", "overdue"): 1}  # fmt: skip
    # m5 (due 07-20, done by the document) is not open; on 07-01 nothing of C-1 exists and c1 is not yet due
    early = actions.aging(con, period(date(2025, 7, 1)))
    assert int(early[early["due_state"] == "not yet due"]["items"].sum()) == 2  # m3 (due 07-01), c1 (due 07-01)


def test_items_with_no_owner_due_date_or_priority(con):
    inc = actions.incomplete(con, period())
    assert rows(inc, ["incident_id", "action", "missing"]) == [
        ("B-1", "-1 replica in staging", "due date"),
        ("B-2", "Write the runbook", "owner, priority"),
        ("B-2", "@here announce the freeze", "due date"),
    ]


def test_status_sources_and_ticket_matches(con):
    s = actions.status_sources(con, period())
    assert {k: s[k] for k in ("items", "matched_ticket", "document_status", "no_status_recorded", "name_a_ticket",
                              "ticket_not_in_export", "resolved_after_as_of", "tickets", "tickets_unmatched")} == {
        "items": 14, "matched_ticket": 10, "document_status": 1, "no_status_recorded": 3, "name_a_ticket": 11,
        "ticket_not_in_export": 1, "resolved_after_as_of": 1, "tickets": 13, "tickets_unmatched": 1,
    }  # fmt: skip
    assert s["tickets_file"].endswith("tickets.csv") and s["people"] == 5


def test_ticket_export_junk_is_reported_not_fatal(con):
    p = actions.source_problems(con)
    assert rows(p, ["file", "line", "level", "code"]) == [
        ("tickets", 1, "warning", "tickets-columns"),  # Sprint Goal
        ("tickets", 11, "warning", "tickets-duplicate"),  # PAY-1 again: the first row is used
        ("tickets", 12, "warning", "tickets-row"),  # 'garbage'
        ("tickets", 13, "warning", "tickets-row"),  # no key
    ]
    assert "Sprint Goal" in p["message"][0] and "PAY-1" in p["message"][1]
    assert all(x.endswith("tickets.csv") for x in p["source_path"])
    # the first PAY-1 row (Done 01-18) is the one used
    assert rows(actions.overdue(con, period(date(2025, 1, 25)), owner="alice"), ["incident_id"]) == []


def test_a_tickets_file_without_a_status_column(tmp_path, rules):
    db = actions_corpus.build(tmp_path, rules, tickets="Key,Summary\nPAY-1,x\n")
    c = connect(db)
    try:
        p = actions.source_problems(c)
        assert rows(p, ["file", "line", "level", "code"]) == [("tickets", 1, "error", "tickets-columns")]
        s = actions.status_sources(c, period())
        assert (s["matched_ticket"], s["tickets"], s["document_status"], s["no_status_recorded"]) == (0, 0, 1, 13)
        # every item is open by the documents: m5 done, the rest open
        assert actions.summary(c, period())["done"] == 1
    finally:
        c.close()


def test_without_tickets_or_people(tmp_path, rules):
    db = actions_corpus.build(tmp_path, rules, tickets=None, people=None)
    c = connect(db)
    try:
        assert actions.owner_choices(c) == {
            "owners": ("alice", "bob", "carol", "dave", "zoë"), "owner_teams": (), "managers": (),
        }  # fmt: skip
        assert len(actions.source_problems(c)) == 0
        s = actions.status_sources(c, period())
        assert (s["tickets_file"], s["matched_ticket"], s["no_status_recorded"]) == ("", 0, 13)
        assert rates_of(actions.rates(c, period(), "owner_team"), "owner_team")[None][0] == 12
    finally:
        c.close()


def test_owner_choices(con):
    assert actions.owner_choices(con) == {
        "owners": ("alice", "bob", "carol", "dave", "erin", "zoë"),
        "owner_teams": ("payments", "search"),
        "managers": ("maria", "sam"),
    }


# ---------------------------------------------------------------- CSV


def test_csv_neutralises_formulas_and_keeps_unicode():
    df = pd.DataFrame(
        {
            "action": ["=cmd|' /C calc'!A0", "+1 threshold", "-1 replica", "@x", "\tleading tab", "\rleading cr",
                       "Zoë's naïve fix — 日本", "plain", "a = b", None],
            "owner": ["zoë", "=HYPERLINK(\"x\")", "ann", "bob", "c", "d", "Zoë Brontë", "", "e", "f"],
            "n": [1, -1, 0, 2, 3, 4, 5, 6, 7, 8],
        }
    )  # fmt: skip
    text = export.csv_text(df)
    assert not text.startswith("\ufeff")
    got = list(csv.reader(io.StringIO(text)))
    assert got[0] == ["action", "owner", "n"]
    assert [r[0] for r in got[1:]] == ["'=cmd|' /C calc'!A0", "'+1 threshold", "'-1 replica", "'@x", "'\tleading tab",
                                       "'\rleading cr", "Zoë's naïve fix — 日本", "plain", "a = b", ""]  # fmt: skip
    assert [r[1] for r in got[1:3]] == ["zoë", '\'=HYPERLINK("x")']
    assert got[7][1] == "Zoë Brontë"
    assert [r[2] for r in got[1:4]] == ["1", "-1", "0"]  # numbers stay numbers
    assert len(got) == 11  # a leading CR inside a cell does not split the row
    assert export.csv_text(df, bom=True).startswith("\ufeffaction,owner,n\r\n")
    assert export.csv_text(df).encode("utf-8").decode("utf-8") == text


def test_csv_cells():
    assert export.cell(pd.Timestamp("2025-01-31")) == "2025-01-31"
    assert export.cell(pd.Timestamp("2025-01-31 10:30")) == "2025-01-31T10:30:00"
    assert export.cell(date(2025, 1, 2)) == "2025-01-02"
    assert [export.cell(v) for v in (None, float("nan"), pd.NaT, pd.NA, np.int64(7), 2.0, 0.5, True)] == [
        "", "", "", "", "7", "2", "0.5", "true",
    ]  # fmt: skip
    assert export.cell(["=a", "b"]) == "'=a; b"


def test_overdue_csv_is_the_table(con):
    ov = actions.overdue(con, period())
    got = list(csv.reader(io.StringIO(export.csv_text(ov))))
    assert got[0] == list(actions.OVERDUE_COLUMNS)
    assert len(got) == 11
    assert got[1][:3] == ["OLD-1", "Incident OLD-1", "payments"] and got[1][10:13] == ["2025-01-31", "165", "PAY-10"]
    assert got[6][5] == "'+1 the alert threshold"  # neutralised
    assert got[5][6:8] == ["zoë", "Zoë Brontë"]
    assert got[8][6] == "" and got[8][4] == ""  # no owner, no priority


def test_fiscal_quarters(con):
    # with a fiscal year starting in October, October-December 2024 is FY2025Q1 and April-June 2025 FY2025Q3
    fy = Filters(parse_quarter("FY2025Q2", 10), parse_quarter("FY2025Q3", 10), AS_OF, fiscal_start=10)
    ov = actions.overdue(con, fy)
    assert rows(ov, ["incident_id", "owner", "days_overdue"]) == [(r[0], r[2], r[3]) for r in OVERDUE_0715]
    assert list(ov["quarter"].drop_duplicates()) == ["FY2025Q1", "FY2025Q2", "FY2025Q3", "FY2025Q4"]
    assert rates_of(actions.rates(con, fy, "quarter"), "quarter") == {
        "FY2025Q2": (5, 0, 3, 0.6, 3, 2, pytest.approx(2 / 3)),
        "FY2025Q3": (9, 1, 3, 0.375, 1, 1, 1.0),
    }
