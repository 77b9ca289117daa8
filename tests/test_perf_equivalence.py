"""The faster paths of the analytics give what the straightforward ones gave: the overdue CSV, written by
DuckDB line by line, is byte for byte the CSV of the overdue frame (csv_text(url_columns(overdue(...)))),
whatever the cells hold (formula starts behind look-alikes or invisible characters, commas, quotes, line
breaks, tabs, text that is not ASCII); text_frame reads the frame query() reads; stats._true counts flags as
bool() does."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics import actions, export, stats
from analytics.db import connect, query, text_frame
from analytics.filters import Filters
from analytics.periods import parse_quarter
from analytics.settings import Settings
from tests import actions_corpus
from tests.conftest import build_corpus

CELLS = ["=1+1", "＝HYPERLINK(\"http://x\")", "＋1", "＠SUM(A1)", "－1", " =1", "\t=1", "\r=1", "\n=1", "  \t @x",
         "\u200b=1", "\ufeff+1", "\u3000＝1", "\u00a0-1", "﹦1", "⁼1", "−1", "\u200e=1", "é=1", "(=1)", "a=1",
         "a, b", 'say "hi"', "two\nlines", "cr\rhere", "tab\there", "-", "@", "+", "'quoted'", "Ünïcode, ok",
         "\u00e9\u0301", "\u00ad=1", "x" * 300, "#1", "[link](http://x)", "a\u2028b", "PAY-\u0661\u0662", "https://t.example.com/A-1,2", "x-1", "A_b-7"]  # fmt: skip
DUES = ["2025-01-01", "2025-06-30", "2025-07-14", "2024-02-29"]
# Tickets a link is made of, or not: Python's \d is any digit, not only 0-9.
TICKETS = ["PAY-\u0661\u0662", "https://t.example.com/A-1,2", "x-1", "A_b-7", "ABC-12", "=HYPERLINK(1)", "-"]


def hostile_files() -> dict[str, str]:
    """Incidents whose titles, actions, owners and tickets hold every cell of CELLS (JSON strings are
    YAML flow scalars, so any character can be written), every item overdue as of AS_OF."""
    out = {}
    for n in range(0, len(CELLS), 6):
        chunk = CELLS[n : n + 6]
        items = [
            "  - " + json.dumps({"priority": "P1", "action": text, "owners": [chunk[(i + 1) % len(chunk)], "bob"],
                                 "due_date": DUES[i % len(DUES)], "ticket": f"PAY-{n + i}" if i % 2 else text})
            for i, text in enumerate(chunk)
        ]  # fmt: skip
        lines = [f"id: H-{n}", f"title: {json.dumps(chunk[0] + ' title')}", "team: payments", "severity: SEV2",
                 "status: final", "services: [payments-api]", f"started_at: 2025-03-0{1 + n % 9}T10:00:00Z",
                 "action_items:", *items]  # fmt: skip
        out[f"payments/H-{n}.yaml"] = "\n".join(lines) + "\n"
    items = [
        "  - " + json.dumps({"action": "Fix", "owners": ["bob"], "due_date": DUES[0], "ticket": t}) for t in TICKETS
    ]
    out["payments/T-1.yaml"] = "\n".join(["id: T-1", "title: Tickets", "team: payments", "severity: SEV2",
                                          "started_at: 2025-03-01T10:00:00Z", "action_items:", *items]) + "\n"  # fmt: skip
    return out


@pytest.fixture(scope="module")
def db(tmp_path_factory, rules):
    files = actions_corpus.files() | hostile_files()
    return build_corpus(tmp_path_factory.mktemp("perf_equivalence"), files, rules, tickets=actions_corpus.TICKETS,
                        people=actions_corpus.PEOPLE, as_of=actions_corpus.AS_OF)  # fmt: skip


SETTINGS = [
    None,
    Settings(),
    Settings(ticket_url_template="https://tracker.example.com/browse/{ticket}"),
    Settings(document_url_template="https://git.example.com/pm/blob/main/{path}#L{line}"),
    Settings(ticket_url_template="https://t.example.com/{ticket}?a=1,2",
             document_url_template="https://g.example.com/{path}?l={line}&x=\"y\""),
]  # fmt: skip
WHO = [{}, {"owner": "bob"}, {"owner_team": "search"}, {"manager": "maria"}]


def reference_csv(con, f, settings, bom, **who) -> str:
    """The overdue CSV as it was written before DuckDB wrote it: the overdue frame through csv_text."""
    return export.csv_text(export.url_columns(actions.overdue(con, f, **who), settings), bom=bom)


@pytest.mark.parametrize("settings", SETTINGS)
@pytest.mark.parametrize("who", WHO)
def test_overdue_csv_is_the_csv_of_the_overdue_frame(db, settings, who):
    q = parse_quarter("2025Q2")
    f = Filters(q, q, date.fromisoformat(actions_corpus.AS_OF))
    con = connect(db)
    try:
        for bom in (True, False):
            got = export.overdue_csv(con, f, bom=bom, settings=settings, **who)
            assert got == reference_csv(con, f, settings, bom, **who)
        if not who:
            assert len(got.split("\r\n")) > len(CELLS)  # every hostile item is in it
            assert "'＝hyperlink" in got and "'\u200b=1" in got and '"a, b' in got and '""hi""' in got
    finally:
        con.close()


def test_an_empty_overdue_csv_is_its_header(db):
    f = Filters(parse_quarter("2025Q2"), parse_quarter("2025Q2"), date(2020, 1, 1))
    con = connect(db)
    try:
        got = export.overdue_csv(con, f, settings=Settings(ticket_url_template="https://t.example.com/{ticket}"))
        assert got == reference_csv(con, f, Settings(ticket_url_template="https://t.example.com/{ticket}"), True)
        assert got == "\ufeff" + ",".join([*actions.OVERDUE_COLUMNS, "ticket_url"]) + "\r\n"
    finally:
        con.close()


FRAMES = [
    "SELECT incident_id, title, occurred_at, team, line, text FROM lessons l JOIN incidents USING (incident_id)",
    "SELECT 'a' AS s, CAST(NULL AS INTEGER) AS n, 1.5::DOUBLE AS x UNION ALL SELECT NULL, 3, NULL",  # a nullable integer
    "SELECT CAST(NULL AS VARCHAR) AS s, 1 AS n",  # a text column of no text
    "SELECT incident_id FROM incidents WHERE false",  # no rows
    "SELECT incident_id, services, occurred_at::DATE AS d, true AS b FROM incidents",  # types query() reads
]


@pytest.mark.parametrize("sql", FRAMES)
def test_text_frame_is_the_frame_query_gives(db, sql):
    con = connect(db)
    try:
        pd.testing.assert_frame_equal(text_frame(con, sql), query(con, sql))
    finally:
        con.close()


@pytest.mark.parametrize(
    ("flags", "n"), [([True, False, True], 2), ([], 0), ([None, True], 1), ([float("nan"), 0, 1.0], 2),
                     (np.array([True, False]), 1), ((b for b in (True, True)), 2), (["a", ""], 1)],
)  # fmt: skip
def test_true_counts_as_bool_does(flags, n):
    assert stats._true(flags) == n
