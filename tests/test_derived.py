"""The tables the build derives (ingest/load/derived.py) give exactly what the analytics compute
from the final tables: every function that reads them returns the same frame with them
and without them (analytics.derived.ENABLED off), for the filters they cover and for
those they do not."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import pytest

from analytics import curation, derived, factors, repeats
from analytics.db import connect
from analytics.filters import Filters
from analytics.periods import parse_quarter
from ingest.build import BuildOptions, build
from tests.conftest import ROOT

AS_OF = date(2026, 11, 27)
DEFAULT = Filters.default(AS_OF)
FILTERS = {
    "all teams": DEFAULT,
    "one team": replace(DEFAULT, teams=("search",)),
    "another team": replace(DEFAULT, teams=("payments",)),
    "one quarter": DEFAULT.only(parse_quarter("2026Q2")),
    "as of mid-quarter": Filters(parse_quarter("2025Q3"), parse_quarter("2026Q3"), date(2026, 8, 20)),
    "fiscal year": Filters.default(AS_OF, fiscal_start=10),
    "service": replace(DEFAULT, services=("indexer",)),
    "severity": replace(DEFAULT, severities=("SEV2",)),
    "two teams": replace(DEFAULT, teams=("search", "data")),
}
SCOPES = {"all teams": "", "one team": "search", "another team": "payments", "one quarter": "",
          "as of mid-quarter": "", "fiscal year": ""}  # fmt: skip


@pytest.fixture(scope="module")
def con(tmp_path_factory, rules):
    db = tmp_path_factory.mktemp("derived") / "sample.duckdb"
    build(BuildOptions(corpus=[ROOT / "data" / "sample"], db=db, tickets=ROOT / "data" / "tickets.csv",
                       people=ROOT / "data" / "people.yaml", git=False, jobs=1), rules)  # fmt: skip
    c = connect(db)
    yield c
    c.close()


def both(monkeypatch, fn, *args, **kw):
    """fn(*args) read from the derived tables, and computed from the final tables."""
    with_tables = fn(*args, **kw)
    monkeypatch.setattr(derived, "ENABLED", False)
    try:
        return with_tables, fn(*args, **kw)
    finally:
        monkeypatch.setattr(derived, "ENABLED", True)


def same(a, b):
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            same(a[k], b[k])
    else:
        assert a == b


def test_the_sample_has_what_the_comparison_needs(con):
    r = repeats.repeats(con, DEFAULT)
    assert set(r["basis"]) == {"factors", "link", "both"}
    assert len(r) > 50 and r["incident_id"].nunique() < len(r)  # incidents with several earlier ones
    # every team's pairs are those among all incidents (no category and service is shared across teams)
    assert con.execute("SELECT DISTINCT scope, in_team FROM repeat_pairs").fetchall() == [("", True)]


@pytest.mark.parametrize("name", FILTERS)
def test_repeats_from_the_table_equal_the_computed_ones(con, monkeypatch, name):
    f = FILTERS[name]
    assert repeats.scope(con, f) == SCOPES.get(name)  # None: a filter the table does not cover
    a, b = both(monkeypatch, repeats.repeats, con, f)
    same(a, b)
    assert len(a)
    same(*both(monkeypatch, repeats.report, con, f, limit=None))
    same(*both(monkeypatch, repeats.summary, con, f))
    head = repeats.report(con, f, limit=7)
    # (a column's dtype follows its values: times_before is nullable in the whole frame, not in its head)
    pd.testing.assert_frame_equal(head["rows"], a.head(7), check_dtype=False)
    same(head["summary"], repeats.summarize(a))
    same(head["links"], repeats.link_counts(a))


@pytest.mark.parametrize("name", FILTERS)
def test_factors_from_the_table_equal_the_computed_ones(con, monkeypatch, name):
    f = FILTERS[name]
    for fn, args in [
        (factors.ranked, ()), (factors.ranked, (("what_went_wrong",), True)), (factors.ranked, ((), True)),
        (factors.ranked, (("root_cause",),)), (factors.summary, ()), (factors.overview, ()),
        (factors.heatmap, ()), (factors.new_categories, ()), (factors.recurring, ()), (factors.themes, ()),
        (factors.first_seen, ()),
    ]:  # fmt: skip
        a, b = both(monkeypatch, fn, con, f, *args)
        if fn is factors.first_seen:
            a, b = (x.sort_values("category").reset_index(drop=True) for x in (a, b))
        same(a, b)
    assert len(factors.overview(con, f))


@pytest.mark.parametrize("name", ["all teams", "one team", "service", "fiscal year"])
def test_curation_from_the_tables_equals_the_computed_one(con, monkeypatch, name):
    same(*both(monkeypatch, curation.curate, con, FILTERS[name]))
    same(*both(monkeypatch, curation.coverage, con, FILTERS[name]))


def _yaml(iid: str, when: str, team: str | None, services: str, factors_: list[str], extra: str = "") -> str:
    head = f"id: {iid}\ntitle: {iid}\n" + (f"team: {team}\n" if team else "")
    fs = "".join(f"  - {{text: {t}}}\n" for t in factors_)
    return (f"{head}severity: SEV3\nservices: [{services}]\ntimeline:\n  - {{at: '{when}', kind: start, text: Began}}\n"
            f"contributing_factors:\n{fs}{extra}")  # fmt: skip


EDGE = {
    # A and B began together; C repeats the greater id of the two, within its team only A counts
    "ops/a.yaml": _yaml("A", "2025-01-10T10:00:00Z", "ops", "api", ["No canary stage"]),
    "web/b.yaml": _yaml(
        "B",
        "2025-01-10T10:00:00Z",
        "web",
        "api",
        ["No canary stage"],
        "action_items:\n  - {action: Add canary, status: dropped}\n",
    ),
    "ops/c.yaml": _yaml(
        "C",
        "2025-02-01T10:00:00Z",
        "ops",
        "api, db",
        ["No canary stage", "The alert never fired"],
        "action_items:\n  - {action: Page on it, status: done}\n  - {action: Add runbook}\n",
    ),
    # no team (front matter names none, the file is at the corpus root): only in the all-teams scope
    "d.yaml": _yaml("D", "2025-03-01T10:00:00Z", None, "db", ["No canary stage", "The alert never fired"]),
    # names C as related, from another team and an earlier quarter's service
    "web/e.yaml": _yaml(
        "E", "2025-04-02T10:00:00Z", "web", "web", ["Something vague happened"], "related_incidents: [C]\n"
    ),
    "ops/f.yaml": _yaml("F", "2025-05-03T10:00:00Z", "ops", "db", ["No canary stage"]),
}


def test_edge_cases_from_the_table_equal_the_computed_ones(build_db, monkeypatch):
    built = build_db(EDGE, as_of=date(2025, 7, 1))
    con = connect(built.db)
    try:
        year = Filters(parse_quarter("2025Q1"), parse_quarter("2025Q2"), date(2025, 7, 1))
        for f in (year, replace(year, teams=("ops",)), replace(year, teams=("web",)), year.only(year.end)):
            assert repeats.scope(con, f) is not None
            same(*both(monkeypatch, repeats.repeats, con, f))
            same(*both(monkeypatch, repeats.report, con, f))
            same(*both(monkeypatch, factors.overview, con, f))
            same(*both(monkeypatch, factors.summary, con, f))
        # A, B, C and D share a category and service across teams (D has none): theirs are kept per team
        stored = con.execute("SELECT scope, incident_id, earlier_id, in_team FROM repeat_pairs ORDER BY ALL").fetchall()
        assert stored == [
            ("", "C", "B", False), ("", "D", "C", False), ("", "E", "C", True), ("", "F", "D", False),
            ("ops", "C", "A", False), ("ops", "F", "C", False),
        ]  # fmt: skip
        r = repeats.repeats(con, year)
        assert [tuple(x) for x in r[["incident_id", "earlier_id", "basis"]].itertuples(index=False)] == [
            ("C", "B", "factors"), ("D", "C", "factors"), ("E", "C", "link"), ("F", "D", "factors"),
        ]  # fmt: skip
        ops = repeats.repeats(con, replace(year, teams=("ops",)))
        assert [tuple(x) for x in ops[["incident_id", "earlier_id", "times_before"]].itertuples(index=False)] == [
            ("C", "A", 1), ("F", "C", 1),  # F: on db, C is the only earlier one of ops
        ]  # fmt: skip
        assert repeats.repeats(con, replace(year, teams=("web",)))["earlier_id"].tolist() == ["C"]
    finally:
        con.close()


def test_an_incident_dated_before_any_postmortem_is_no_earlier_incident(build_db, monkeypatch):
    """Filters.all_time() starts in 1900; a time before the years postmortems fall in (1970..2100) is refused
    at build time (a bad-time problem), so no incident is ever before every quarter the filters look at."""
    built = build_db({
        "ops/old.yaml": _yaml("OLD", "1899-06-01T10:00:00Z", "ops", "api", ["No canary stage"]),
        "ops/a.yaml": _yaml("A", "2025-01-10T10:00:00Z", "ops", "api", ["No canary stage"]),
        "ops/b.yaml": _yaml("B", "2025-02-10T10:00:00Z", "ops", "api", ["No canary stage"]),
    }, as_of=date(2025, 7, 1))  # fmt: skip
    con = connect(built.db)
    try:
        assert con.execute("SELECT occurred_at FROM incidents WHERE incident_id = 'OLD'").fetchone() == (None,)
        assert con.execute("SELECT count(*) FROM problems WHERE code = 'bad-time' AND source_path LIKE '%old.yaml'"
                           ).fetchone() == (1,)  # fmt: skip
        f = Filters(parse_quarter("2025Q1"), parse_quarter("2025Q1"), date(2025, 7, 1))
        assert repeats.scope(con, f) == ""  # the build's tables serve it
        pairs = con.execute("SELECT incident_id, earlier_id FROM repeat_pairs WHERE scope = '' ORDER BY ALL").fetchall()
        assert pairs == [("B", "A")]
        assert repeats.repeats(con, f)[["incident_id", "earlier_id"]].values.tolist() == [["B", "A"]]
        same(*both(monkeypatch, repeats.report, con, f))
    finally:
        con.close()


def test_a_database_without_the_tables_is_computed(con, monkeypatch):
    monkeypatch.setattr(derived, "ENABLED", False)
    assert repeats.scope(con, DEFAULT) is None
    assert not derived.ready(con, "incident_categories")
    monkeypatch.setattr(derived, "ENABLED", True)
    assert derived.ready(con, "incident_categories", "repeat_pairs")
    assert not derived.ready(con, "incident_categories", "no_such_table")
