"""One team over time: analytics.teams.team_quarters on a small corpus with known answers, its agreement
with the quarterly review, and the Team over time page (table, links, picker) under AppTest.

Two teams, three quarters (2025Q1-2025Q3), as of 2025-10-15:

  payments  Q1: P1 (ttd 10, ttr 60), P2 (ttd 20, ttr 90), P3 (no detection, ttr 600)
                ttd median 15 (n 2), ttr median 90 (n 3)
                items: done, open overdue, dropped, resolved after the as-of date (open, overdue)
                -> completion 1/3 (n 3), overdue 2
                factors: deploy-safety in P1 and P2, config-change, monitoring-gap, testing-gap once each
            Q2: no incident
            Q3: P4 (ttd 4, ttr 40): an overdue item and one done -> 1/2, overdue 1
  search <ops>  Q1: S1 (ttd 30, ttr 120), one item done -> 1/1
            Q2: S2 (ttd 6, ttr 50), S3 (ttd 8, ttr 70): ttd 7, ttr 60; S2's item overdue -> 0/1
            Q3: S4 has no impact start: dated by its detection (2025-09-30), no ttd or ttr
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from analytics.db import connect
from analytics.filters import Filters
from analytics.periods import parse_quarter
from analytics.review import quarterly_review
from analytics.teams import team_quarters
from tests.apptest import open_page, texts
from tests.conftest import build_corpus
from tests.small_corpus import item_yaml

PAGE = "views/team.py"
AS_OF = "2025-10-15"
SEARCH = "search <ops>"
VIEW = {"quarter": "2025Q3", "since": "2025Q1", "as_of": AS_OF}

# (id, team, start (None: no impact start), ttd (None: no detection), ttr, factor categories)
INCIDENTS = [
    ("P1", "payments", "2025-01-10T10:00", 10, 60, ["deploy-safety", "testing-gap"]),
    ("P2", "payments", "2025-02-03T09:00", 20, 90, ["deploy-safety"]),
    ("P3", "payments", "2025-03-28T13:00", None, 600, ["config-change", "monitoring-gap"]),
    ("P4", "payments", "2025-08-05T08:00", 4, 40, ["config-change"]),
    ("S1", SEARCH, "2025-02-20T22:00", 30, 120, ["monitoring-gap"]),
    ("S2", SEARCH, "2025-05-01T12:00", 6, 50, ["monitoring-gap", "capacity-limits"]),
    ("S3", SEARCH, "2025-06-10T14:00", 8, 70, ["monitoring-gap"]),
]
# S4: no impact start; detected 2025-09-30 23:50, resolved an hour later.
S4 = """\
id: S4
title: Incident S4
team: "search <ops>"
severity: SEV3
status: final
services: [index]
timeline:
  - {at: '2025-09-30T23:50:00Z', kind: detect, text: Alert fired}
  - {at: '2025-10-01T00:50:00Z', kind: resolve, text: Resolved}
"""
# (incident, priority, action, owners, due, ticket, status in the document)
ACTION_ITEMS = [
    ("P1", "P0", "Add canary stage", ["alice"], "2025-01-20", "PAY-1", None),
    ("P1", "P1", "Test rollback path", ["bob"], "2025-02-10", "PAY-2", None),
    ("P2", "P2", "Retry budget", ["bob"], "2025-03-01", "PAY-3", None),
    ("P3", "P0", "Validate config in CI", ["alice"], "2025-04-15", "PAY-4", None),
    ("P4", "P1", "Pin dependency versions", ["alice"], "2025-09-01", "PAY-5", None),
    ("P4", "P2", "Alert on config drift", ["bob"], "2025-12-01", None, "done"),
    ("S1", "P1", "Alert on index lag", ["carol"], "2025-03-01", "SRCH-1", None),
    ("S2", "P1", "Freshness alert", ["carol"], "2025-06-01", "SRCH-2", None),
]
TICKETS = """\
Issue key,Summary,Status,Assignee,Resolved,Due date
PAY-1,Add canary stage,Done,alice,2025-01-18,
PAY-2,Test rollback path,In Progress,bob,,
PAY-3,Retry budget,Won't Do,bob,,
PAY-4,Validate config in CI,Done,alice,2025-11-01,
PAY-5,Pin dependencies,To Do,alice,,
SRCH-1,Alert on index lag,Done,carol,2025-02-25,
SRCH-2,Freshness alert,Open,carol,,
"""


def _iso(start: datetime, minutes: int) -> str:
    return (start + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:00Z")


def files() -> dict[str, str]:
    out = {"search/S4.yaml": S4}
    for iid, team, start, ttd, ttr, cats in INCIDENTS:
        t0 = datetime.fromisoformat(start)
        lines = [f"id: {iid}", f"title: Incident {iid}", f'team: "{team}"', "severity: SEV3", "status: final",
                 "services: [api]", "timeline:", f"  - {{at: '{_iso(t0, 0)}', kind: start, text: Change deployed}}"]  # fmt: skip
        if ttd is not None:
            lines.append(f"  - {{at: '{_iso(t0, ttd)}', kind: detect, text: Alert fired}}")
        lines.append(f"  - {{at: '{_iso(t0, ttr)}', kind: resolve, text: Resolved}}")
        lines += ["contributing_factors:"] + [f"  - {{text: Factor {c} of {iid}, category: {c}}}" for c in cats]
        items = [a for a in ACTION_ITEMS if a[0] == iid]
        if items:
            lines += ["action_items:"] + [item_yaml(*a[1:]) for a in items]
        out[f"{iid[0]}/{iid}.yaml"] = "\n".join(lines) + "\n"
    return out


@pytest.fixture(scope="module")
def db(tmp_path_factory, rules):
    return build_corpus(tmp_path_factory.mktemp("team"), files(), rules, tickets=TICKETS, as_of=AS_OF)


def _filters(start="2025Q1", end="2025Q3", **kw) -> Filters:
    return Filters(parse_quarter(start), parse_quarter(end), date.fromisoformat(AS_OF), **kw)


def _quarters(db, team: str, f: Filters | None = None) -> dict:
    con = connect(db)
    try:
        return team_quarters(con, f or _filters(), team)
    finally:
        con.close()


def _summary(row: dict) -> tuple:
    """A quarter's figures in one tuple: incidents, (ttd median, n), (ttr median, n), (done, rated, rate),
    overdue, top factors as (category, incidents)."""
    a = row["actions"]
    return (row["quarter"], row["incidents"], (row["ttd"]["median"], row["ttd"]["n"]),
            (row["ttr"]["median"], row["ttr"]["n"]), (a["done"], a["rated"], a["completion_rate"]), row["overdue"],
            [(x["category"], x["incidents"]) for x in row["top_factors"]])  # fmt: skip


# ------------------------------------------------------------------ analytics


def test_payments_quarters_with_an_empty_one(db):
    r = _quarters(db, "payments")
    assert (r["team"], r["as_of"]) == ("payments", AS_OF)
    assert [_summary(q) for q in r["quarters"]] == [
        ("2025Q1", 3, (15.0, 2), (90.0, 3), (1, 3, pytest.approx(1 / 3)), 2,
         [("deploy-safety", 2), ("config-change", 1), ("monitoring-gap", 1)]),
        ("2025Q2", 0, (None, 0), (None, 0), (0, 0, None), 0, []),
        ("2025Q3", 1, (4.0, 1), (40.0, 1), (1, 2, 0.5), 1, [("config-change", 1)]),
    ]  # fmt: skip
    q1 = r["quarters"][0]
    assert q1["actions"] == {"items": 4, "dropped": 1, "rated": 3, "done": 1, "completion_rate": pytest.approx(1 / 3)}
    assert [x["label"] for x in q1["top_factors"]] == ["Deployment safety", "Configuration change",
                                                       "Monitoring or alerting gap"]  # fmt: skip


def test_search_quarters_count_an_incident_by_its_detection(db):
    r = _quarters(db, SEARCH)
    assert [_summary(q) for q in r["quarters"]] == [
        ("2025Q1", 1, (30.0, 1), (120.0, 1), (1, 1, 1.0), 0, [("monitoring-gap", 1)]),
        ("2025Q2", 2, (7.0, 2), (60.0, 2), (0, 1, 0.0), 1, [("monitoring-gap", 2), ("capacity-limits", 1)]),
        ("2025Q3", 1, (None, 0), (None, 0), (0, 0, None), 0, []),
    ]  # fmt: skip


def test_one_row_per_quarter_of_the_filters_even_before_the_data(db):
    r = _quarters(db, "payments", _filters(start="2024Q4", end="2025Q2"))
    assert [q["quarter"] for q in r["quarters"]] == ["2024Q4", "2025Q1", "2025Q2"]
    assert _summary(r["quarters"][0]) == ("2024Q4", 0, (None, 0), (None, 0), (0, 0, None), 0, [])


def test_other_filters_still_apply(db):
    none = _quarters(db, "payments", _filters(severities=("SEV1",)))
    assert [q["incidents"] for q in none["quarters"]] == [0, 0, 0]
    # the team given wins over the sidebar's team filter
    assert _quarters(db, "payments", _filters(teams=(SEARCH,)))["quarters"][0]["incidents"] == 3


@pytest.mark.parametrize("team", ["payments", SEARCH])
def test_every_quarter_equals_the_review_of_that_team_and_quarter(db, team):
    f = _filters()
    con = connect(db)
    try:
        rows = team_quarters(con, f, team)["quarters"]
        for row in rows:
            q = parse_quarter(row["quarter"])
            r = quarterly_review(con, replace(f, teams=(team,), start=q, end=q))
            a = r["action_items"]
            assert row["incidents"] == r["incidents"]["total"]
            for m in ("ttd", "ttr"):
                assert (row[m]["median"], row[m]["n"]) == (r[m]["median"], r[m]["n"])
            assert (row["actions"]["done"], row["actions"]["rated"]) == (a["done"], a["total"] - a["dropped"])
            assert row["actions"]["completion_rate"] == a["completion_rate"]
            assert row["overdue"] == a["overdue"]
    finally:
        con.close()


# ------------------------------------------------------------------ the page


class Cells(HTMLParser):
    """The page's table: its header cells, {row header: [cell text per quarter]}, every link's (text, href)."""

    def __init__(self, body: str):
        super().__init__()
        self.head: list[str] = []
        self.rows: dict[str, list[str]] = {}
        self.links: list[tuple[str, str]] = []
        self._section = self._cell = self._row = self._href = None
        self._text = self._link = ""
        self.feed(body)

    def handle_starttag(self, tag, attrs):
        if tag in ("thead", "tbody"):
            self._section = tag
        elif tag in ("th", "td"):
            self._cell, self._text = tag, ""
        elif tag in ("li", "br"):
            self._text += " "
        elif tag == "a":
            self._href, self._link = dict(attrs)["href"], ""

    def handle_endtag(self, tag):
        if tag == "a":
            self.links.append((self._link, self._href))
            self._href = None
        elif tag in ("th", "td"):
            text = " ".join(self._text.split())
            if self._section == "thead":
                self.head.append(text)
            elif tag == "th":
                self._row = text
                self.rows[text] = []
            else:
                self.rows[self._row].append(text)
            self._cell = None

    def handle_data(self, data):
        if self._cell:
            self._text += data
        if self._href is not None:
            self._link += data


def table(at) -> tuple[str, Cells]:
    """The body of the page's one quarters table, parsed."""
    bodies = [e.proto.body for e in at.get("html") if "team-quarters" in e.proto.body]
    assert len(bodies) == 1, f"{len(bodies)} quarters tables"
    return bodies[0], Cells(bodies[0])


def query(href: str) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(href)
    return parts.path, parse_qs(parts.query)


def test_page_shows_the_quarters_side_by_side(db):
    at = open_page(db, PAGE, team="payments", **VIEW)
    assert at.title[0].value == "Team over time: payments"
    _, t = table(at)
    assert t.head == ["payments", "2025Q1", "2025Q2", "2025Q3"]
    assert t.rows == {
        "Incidents": ["3", "0", "1"],
        "Median time to detect": ["15 min (n = 2)", "—", "4 min (n = 1)"],
        "Median time to resolve": ["1 h 30 min (n = 3)", "—", "40 min (n = 1)"],
        "Action-item completion": ["33% (n = 3)", "—", "50% (n = 2)"],
        f"Overdue items as of {AS_OF}": ["2", "0", "1"],
        "Top factors": ["Deployment safety (2) Configuration change (1) Monitoring or alerting gap (1)", "—",
                        "Configuration change (1)"],
    }  # fmt: skip
    assert "nan" not in " ".join(c for cells in t.rows.values() for c in cells).lower()
    page = texts(at)
    assert f"status as of {AS_OF}" in page and "From the start of impact" in page


def test_cells_link_to_what_they_count(db):
    at = open_page(db, PAGE, team="payments", **VIEW)
    _, t = table(at)

    def to(path: str, q: str, **extra) -> tuple[str, dict]:
        return path, {"as_of": [AS_OF], "quarter": [q], "since": [q], "team": ["payments"],
                      **{k: [v] for k, v in extra.items()}}  # fmt: skip

    # row by row, quarter by quarter; the empty quarter's medians, rate and factors are plain dashes
    assert [(text, *query(href)) for text, href in t.links] == [
        ("3", *to("incidents", "2025Q1")), ("0", *to("incidents", "2025Q2")), ("1", *to("incidents", "2025Q3")),
        ("15 min (n = 2)", *to("incidents", "2025Q1", metric="ttd")),
        ("4 min (n = 1)", *to("incidents", "2025Q3", metric="ttd")),
        ("1 h 30 min (n = 3)", *to("incidents", "2025Q1", metric="ttr")),
        ("40 min (n = 1)", *to("incidents", "2025Q3", metric="ttr")),
        ("33% (n = 3)", *to("action-items", "2025Q1")), ("50% (n = 2)", *to("action-items", "2025Q3")),
        ("2", *to("action-items", "2025Q1", overdue="period")), ("0", *to("action-items", "2025Q2", overdue="period")),
        ("1", *to("action-items", "2025Q3", overdue="period")),
        ("Deployment safety (2)", *to("incidents", "2025Q1", category="deploy-safety")),
        ("Configuration change (1)", *to("incidents", "2025Q1", category="config-change")),
        ("Monitoring or alerting gap (1)", *to("incidents", "2025Q1", category="monitoring-gap")),
        ("Configuration change (1)", *to("incidents", "2025Q3", category="config-change")),
    ]  # fmt: skip


def test_team_names_are_escaped_in_the_table_and_links(db):
    at = open_page(db, PAGE, team=SEARCH, **VIEW)
    body, t = table(at)
    assert "<ops>" not in body and "search &lt;ops&gt;" in body
    assert t.head[0] == SEARCH
    assert t.rows["Median time to detect"] == ["30 min (n = 1)", "7 min (n = 2)", "—"]
    assert t.rows["Incidents"] == ["1", "2", "1"]  # S4 counted in 2025Q3 by its detection
    path, params = query(dict((text, href) for text, href in t.links)["2"])
    assert path == "incidents" and params["team"] == [SEARCH] and params["quarter"] == ["2025Q2"]


@pytest.mark.parametrize("team", [None, ["payments", SEARCH]])
def test_picker_when_not_exactly_one_team(db, team):
    at = open_page(db, PAGE, **VIEW, **({"team": team} if team else {}))
    assert at.title[0].value == "Team over time"
    assert not [e for e in at.get("html") if "team-quarters" in e.proto.body]
    pick = at.selectbox(key="team_page_pick")
    assert list(pick.options) == ["payments", SEARCH]
    if team:
        assert "names 2 teams" in texts(at)
    pick.select("payments").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "Team over time: payments"
    assert at.multiselect(key="team").value == ["payments"]
    url_team = at.query_params["team"]  # the bound multiselect wrote the URL: ?team=payments
    assert (url_team if isinstance(url_team, list) else [url_team]) == ["payments"]
    _, t = table(at)
    assert t.rows["Incidents"] == ["3", "0", "1"]


def test_the_chart_draws_every_quarter(db):
    at = open_page(db, PAGE, team="payments", **VIEW)
    specs = [json.loads(e.proto.spec) for e in at.get("vega_lite_chart")]
    assert len(specs) == 2
    titles = sorted(s["title"] if isinstance(s["title"], str) else s["title"]["text"] for s in specs)
    assert titles == ["Incidents", "Median time to resolve"]
    incidents = next(s for s in specs if "Incidents" in json.dumps(s.get("title")))
    assert incidents["encoding"]["x"]["scale"]["domain"] == ["2025Q1", "2025Q2", "2025Q3"]
