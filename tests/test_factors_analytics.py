"""Contributing factors and repeat incidents on a hand-written corpus with known answers
(tests/factors_corpus.py): rankings, trend, heat map, new categories, drill-down texts,
near misses, what-went-wrong themes, repeats and whether the earlier fix held."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from analytics import factors, repeats
from analytics.db import connect
from analytics.filters import Filters
from analytics.periods import parse_quarter
from tests import factors_corpus as fc

AS_OF = date(2025, 7, 15)
Q1, Q2 = parse_quarter("2025Q1"), parse_quarter("2025Q2")


@pytest.fixture(scope="module")
def db(tmp_path_factory, rules):
    return fc.build(tmp_path_factory.mktemp("factors"), rules)


@pytest.fixture(scope="module")
def con(db):
    c = connect(db)
    yield c
    c.close()


def period(**kw) -> Filters:
    return Filters(Q1, Q2, AS_OF, **kw)


def rows(df: pd.DataFrame, *cols) -> list[tuple]:
    return [tuple(r) for r in df[list(cols)].itertuples(index=False)]


# ------------------------------------------------------------------ ranking


def test_ranked_counts_incidents_not_mentions(con):
    r = factors.ranked(con, period())
    assert rows(r, "category", "incidents", "mentions") == [
        ("monitoring-gap", 4, 4),
        ("config-change", 2, 3),  # Q2-3 names it twice: one incident, two mentions
        ("capacity-limits", 2, 2),
        ("code-review-gap", 2, 2),
        ("deploy-safety", 2, 2),
        ("security", 1, 1),
        ("testing-gap", 1, 1),
    ]
    assert r["share"].tolist() == pytest.approx([4 / 7, 2 / 7, 2 / 7, 2 / 7, 2 / 7, 1 / 7, 1 / 7])
    assert r.loc[0, "label"] == "Monitoring or alerting gap"


def test_recurring_and_new_keep_their_shape(con):
    rec = factors.recurring(con, period())
    assert list(rec.columns) == ["category", "label", "incidents", "share", "mentions"]
    assert rec["category"].tolist() == [
        "monitoring-gap", "config-change", "capacity-limits", "code-review-gap", "deploy-safety",
    ]  # fmt: skip
    new = factors.new_categories(con, period())
    assert {"category", "label", "incidents", "share", "mentions", "first_quarter", "first_seen"} <= set(new.columns)
    assert rows(new, "category", "incidents", "first_quarter") == [
        ("code-review-gap", 2, "2025Q1"), ("config-change", 2, "2025Q1"), ("security", 1, "2025Q2"),
    ]  # fmt: skip


def test_overview_has_trend_status_and_first_incident(con):
    ov = factors.overview(con, period())
    assert rows(ov, "category", "trend", "recurring", "new", "first_quarter", "first_incident") == [
        ("monitoring-gap", [3, 1], True, False, "2024Q4", "H-1"),
        ("config-change", [1, 1], True, True, "2025Q1", "Q1-3"),
        ("capacity-limits", [2, 0], True, False, "2024Q4", "H-2"),
        ("code-review-gap", [1, 1], True, True, "2025Q1", "Q1-1"),
        ("deploy-safety", [1, 1], True, False, "2024Q4", "H-1"),
        ("security", [0, 1], False, True, "2025Q2", "Q2-2"),
        ("testing-gap", [0, 1], False, False, "2024Q4", "H-1"),
    ]
    # the trend sums to the incidents (each incident is in exactly one quarter)
    assert [sum(t) for t in ov["trend"]] == ov["incidents"].tolist()


def test_heatmap_is_category_by_quarter_with_zeros(con):
    h = factors.heatmap(con, period())
    assert len(h) == 7 * 2
    cell = h.set_index(["category", "quarter"])
    assert cell.loc[("capacity-limits", "2025Q1"), "incidents"] == 2
    assert cell.loc[("capacity-limits", "2025Q2"), "incidents"] == 0
    assert cell.loc[("monitoring-gap", "2025Q1"), "share"] == pytest.approx(1.0)  # 3 of Q1's 3 incidents
    assert cell.loc[("security", "2025Q2"), "quarter_incidents"] == 4
    totals = factors.quarter_totals(con, period())
    assert rows(totals, "quarter", "incidents") == [("2025Q1", 3), ("2025Q2", 4)]
    # one quarter earlier than any incident of the filter: a zero row, not a missing one
    t = factors.quarter_totals(con, Filters(parse_quarter("2024Q3"), Q1, AS_OF, teams=("search",)))
    assert rows(t, "quarter", "incidents") == [("2024Q3", 0), ("2024Q4", 1), ("2025Q1", 1)]


def test_summary_of_the_period(con):
    s = factors.summary(con, period())
    assert s == {
        "incidents": 7, "incidents_with_factors": 6, "incidents_categorized": 6, "incidents_uncategorized": 5,
        "factors": 21, "uncategorized": 6, "incidents_with_went_wrong": 5, "uncategorized_share": 6 / 21,
        "recurring": 5, "new": 3,
    }  # fmt: skip


def test_filters_apply_to_every_count(con):
    s = period(teams=("search",))
    assert rows(factors.ranked(con, s), "category", "incidents") == [
        ("monitoring-gap", 2), ("capacity-limits", 1), ("security", 1),
    ]  # fmt: skip
    # with the team filter, monitoring-gap was first seen in the period (H-1 belongs to payments)
    assert factors.new_categories(con, s)["category"].tolist() == ["monitoring-gap", "security"]
    sev = factors.ranked(con, period(severities=("SEV1",)))
    assert rows(sev, "category", "incidents") == [
        ("capacity-limits", 1), ("config-change", 1), ("monitoring-gap", 1),
    ]  # fmt: skip
    svc = factors.ranked(con, period(services=("ledger",)))
    assert rows(svc, "category", "incidents", "mentions") == [
        ("config-change", 2, 3), ("capacity-limits", 1, 1), ("monitoring-gap", 1, 1),
    ]  # fmt: skip


# ------------------------------------------------------------ drill-down


def test_factor_texts_are_the_sentences_behind_the_count(con):
    t = factors.factor_texts(con, period(), "config-change")
    assert t["incident_id"].nunique() == 2  # = the ranking's count
    assert rows(t, "incident_id", "quarter", "section", "text") == [
        ("Q1-3", "2025Q1", "proximate_cause", fc.TERRAFORM),
        ("Q2-3", "2025Q2", "contributing_factors", fc.TERRAFORM),
        ("Q2-3", "2025Q2", "contributing_factors", "The cron scheduler was misconfigured"),
    ]
    assert t["line"].iloc[0] == fc.line_of("Q1-3", "proximate_cause", fc.TERRAFORM) == 19
    assert t["line"].iloc[1:].isna().all()  # a YAML export has no lines
    assert t["source_path"].iloc[0].endswith("payments/Q1-3.md")


def test_factor_texts_of_one_quarter_match_the_heatmap_cell(con):
    h = factors.heatmap(con, period()).set_index(["category", "quarter"])
    for cat in ("monitoring-gap", "capacity-limits", "security"):
        for q in ("2025Q1", "2025Q2"):
            t = factors.factor_texts(con, period(), cat, q)
            assert t["incident_id"].nunique() == h.loc[(cat, q), "incidents"], (cat, q)
    t = factors.factor_texts(con, period(), "monitoring-gap", "2025Q1")
    assert rows(t, "incident_id", "section", "line", "text") == [
        ("Q1-1", "what_went_wrong", 31, "Nobody was paged for the disk usage warning"),
        ("Q1-2", "what_went_wrong", 31, "There was no monitoring on the replication lag"),
        ("Q1-3", "what_went_wrong", 31, "Alerting was routed to a channel nobody watches"),
    ]


def test_every_ranked_count_traces_to_its_sentences(con):
    f = period()
    for r in factors.ranked(con, f).itertuples():
        t = factors.factor_texts(con, f, r.category)
        assert (t["incident_id"].nunique(), len(t)) == (r.incidents, r.mentions), r.category


def test_uncategorized_drill_down(con):
    t = factors.factor_texts(con, period(), "uncategorized")
    assert rows(t, "incident_id", "text") == [
        ("Q1-1", "Flaky gizmo cache eviction"),
        ("Q1-2", "Gizmo cache eviction surprised the query tier"),
        ("Q1-2", "Still under investigation"),
        ("Q1-3", fc.WOMBAT),
        ("Q2-1", "Wombat scheduler retried the ledger batch twice"),
        ("Q2-2", fc.GIZMO),
    ]


# --------------------------------------------------- near misses and themes


def test_what_went_wrong_themes(con):
    th = factors.themes(con, period())
    assert rows(th, "category", "incidents", "mentions") == [
        ("monitoring-gap", 4, 4), ("code-review-gap", 1, 1), ("uncategorized", 1, 1),
    ]  # fmt: skip
    t = factors.factor_texts(con, period(), "code-review-gap", sections=("what_went_wrong",))
    assert rows(t, "incident_id", "text") == [("Q2-1", "Code review focused on style comments, not on failure modes")]


def test_near_misses_grouped(con):
    nm = factors.near_misses(con, period())
    g = nm["groups"]
    assert rows(g, "theme", "incidents", "items") == [
        (fc.WEEKLY_LOW, 3, 3),
        (fc.RESPONDER, 2, 2),
        ("Incident occurred during business hours with full team available", 1, 1),
        ("No other incidents occurred simultaneously", 1, 1),
    ]
    items = nm["items"]
    assert len(items) == 7 and items["incident_id"].nunique() == 6  # H-1's lucky item is before the period
    weekly = items[items["group"] == g["group"].iloc[0]]
    assert rows(weekly, "incident_id", "line") == [
        ("Q1-1", fc.line_of("Q1-1", "lucky", fc.WEEKLY_LOW)),
        ("Q1-3", fc.line_of("Q1-3", "lucky", fc.WEEKLY_LOW)),
        ("Q2-4", fc.line_of("Q2-4", "lucky", fc.WEEKLY_LOW)),
    ]


# ------------------------------------------------------------------ repeats


def test_repeats_pair_each_incident_with_the_latest_earlier_one(con):
    r = repeats.repeats(con, period())
    assert rows(r, "incident_id", "earlier_id", "categories", "services", "times_before", "days_between") == [
        ("Q1-1", "H-1", ["deploy-safety", "monitoring-gap"], ["checkout"], 1, 71),
        ("Q1-2", "H-2", ["capacity-limits"], ["index"], 1, 62),
        ("Q2-1", "Q1-1", ["code-review-gap", "deploy-safety"], ["checkout"], 2, 85),
        ("Q2-1", "H-1", ["testing-gap"], ["checkout"], 1, 156),
        ("Q2-2", "Q1-2", ["monitoring-gap"], ["index"], 1, 84),
        ("Q2-3", "Q1-3", ["config-change"], ["ledger"], 1, 73),
    ]


def test_did_the_fix_hold(con):
    r = repeats.repeats(con, period())
    assert rows(r, "incident_id", "earlier_id", "items", "dropped", "done_before", "not_done", "verdict") == [
        # H-1: PAY-10 done 2024-11-20 (before), PAY-11 done 2025-02-20 (after Q1-1 began), PAY-12 dropped
        ("Q1-1", "H-1", 3, 1, 1, 1, "not_finished"),
        ("Q1-2", "H-2", 1, 0, 0, 1, "not_finished"),  # SRCH-10 still open
        ("Q2-1", "Q1-1", 1, 0, 0, 1, "not_finished"),  # PAY-20 in progress
        ("Q2-1", "H-1", 3, 1, 2, 0, "did_not_hold"),  # both done by 2025-04-10, and it happened again
        ("Q2-2", "Q1-2", 0, 0, 0, 0, "no_items"),
        ("Q2-3", "Q1-3", 2, 0, 2, 0, "did_not_hold"),  # one done by ticket, one done in the document (no date)
    ]
    assert r["verdict_text"].tolist()[:4] == [
        "1 of 2 not done yet", "1 of 1 not done yet", "1 of 1 not done yet", "all done before: the fix did not hold",
    ]  # fmt: skip
    assert repeats.summary(con, period()) == {
        "repeat_incidents": 5, "pairs": 6, "did_not_hold": 2, "not_finished": 3, "no_items": 1, "all_dropped": 0,
    }  # fmt: skip


def test_earlier_items_at_the_time_of_the_repeat(con):
    at_q11 = repeats.earlier_items(con, period(), "Q1-1", "H-1")
    assert rows(at_q11, "action", "status", "at_repeat") == [
        ("Add canary stage", "done", "done before"),
        ("Add retry tests", "done", "done after"),
        ("Rewrite the deploy tool", "dropped", "dropped"),
    ]
    assert at_q11["line"].tolist() == [fc.line_of("H-1", "item", a) for a in at_q11["action"]]
    at_q21 = repeats.earlier_items(con, period(), "Q2-1", "H-1")
    assert at_q21["at_repeat"].tolist() == ["done before", "done before", "dropped"]
    # as of a date before the ticket was resolved, a 'done after' item is still open
    early = repeats.earlier_items(con, Filters(Q1, Q1, date(2025, 2, 1)), "Q1-1", "H-1")
    assert early["at_repeat"].tolist() == ["done before", "open", "dropped"]


def test_pair_factors_show_why_it_is_a_repeat(con):
    pf = repeats.pair_factors(con, ("Q2-1", "H-1"), ("testing-gap",))
    assert rows(pf, "incident_id", "section", "text") == [
        ("Q2-1", "contributing_factors", "Test coverage for the currency conversion module was below 20%"),
        ("H-1", "contributing_factors", "No integration tests covered the retry path"),
    ]


def test_repeats_follow_the_filters(con):
    search = repeats.repeats(con, period(teams=("search",)))
    assert rows(search, "incident_id", "earlier_id") == [("Q1-2", "H-2"), ("Q2-2", "Q1-2")]
    # with a service filter only that service counts as shared: Q1-2 names index and query
    q = repeats.repeats(con, period(services=("query",)))
    assert q.empty
    # one quarter: earlier incidents are still looked for before it
    only_q2 = repeats.repeats(con, Filters(Q2, Q2, AS_OF))
    assert rows(only_q2, "incident_id", "earlier_id") == [
        ("Q2-1", "Q1-1"), ("Q2-1", "H-1"), ("Q2-2", "Q1-2"), ("Q2-3", "Q1-3"),
    ]  # fmt: skip
    # the as-of date hides what had not happened yet
    assert repeats.repeats(con, Filters(Q2, Q2, date(2025, 4, 30)))["incident_id"].tolist() == ["Q2-1", "Q2-1"]


def _yaml(iid: str, when: str, services: str, factor: str, items: str = "") -> str:
    return (
        f"id: {iid}\ntitle: {iid}\nteam: ops\nseverity: SEV3\nservices: [{services}]\n"
        f"timeline:\n  - {{at: '{when}', kind: start, text: Began}}\n"
        f"contributing_factors:\n  - {{text: {factor}}}\n" + items
    )


def test_repeat_detection_edge_cases(build_db):
    """Same start time is not 'earlier'; the latest earlier one wins; other services do not count;
    a dropped-only history is 'all items dropped'."""
    dropped = "action_items:\n  - {action: Add canary, status: dropped}\n"
    built = build_db({
        "a.yaml": _yaml("A", "2025-01-10T10:00:00Z", "api", "No canary stage"),
        "b.yaml": _yaml("B", "2025-01-10T10:00:00Z", "api", "No canary stage", dropped),
        "c.yaml": _yaml("C", "2025-02-01T10:00:00Z", "api, web", "No canary stage"),
        "d.yaml": _yaml("D", "2025-03-01T10:00:00Z", "web", "No canary stage"),
        "e.yaml": _yaml("E", "2025-03-02T10:00:00Z", "db", "No canary stage"),
        "f.yaml": _yaml("F", "2025-03-03T10:00:00Z", "db", "Something vague happened"),
    }, as_of=date(2025, 7, 1))  # fmt: skip
    con = connect(built.db)
    try:
        r = repeats.repeats(con, Filters(Q1, Q1, date(2025, 7, 1)))
        # A and B began together: neither repeats the other. C: the latest earlier is A or B (same
        # time; the greater id is named), with 2 before it. D: shares 'web' with C only.
        assert rows(r, "incident_id", "earlier_id", "services", "times_before", "verdict") == [
            ("C", "B", ["api"], 2, "all_dropped"),
            ("D", "C", ["web"], 1, "no_items"),
        ]
    finally:
        con.close()


def test_factor_texts_head_counts_every_row(con):
    full = factors.factor_texts(con, period(), "monitoring-gap")
    head = factors.factor_texts_head(con, period(), "monitoring-gap", limit=2)
    pd.testing.assert_frame_equal(head["rows"], full.head(2))
    assert (head["incidents"], head["factors"]) == (full["incident_id"].nunique(), len(full)) == (4, 4)
    all_of_them = factors.factor_texts_head(con, period(), "config-change", "2025Q2")
    pd.testing.assert_frame_equal(all_of_them["rows"], factors.factor_texts(con, period(), "config-change", "2025Q2"))
    assert (all_of_them["incidents"], all_of_them["factors"]) == (1, 2)
