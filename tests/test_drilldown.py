"""Every number opens what it counts: the lists behind a number list exactly the incidents (and items) counted.

Exact values on the hand-written corpora: tests/small_corpus.py (durations, categories, action items),
tests/factors_corpus.py (factor sentences with their lines), tests/impact_corpus.py (impact figures)."""

from __future__ import annotations

from datetime import date

import pytest

from analytics import actions, durations, factors, impact, incidents
from analytics.db import connect
from analytics.filters import Filters
from analytics.periods import parse_quarter
from analytics.review import quarterly_review
from tests import factors_corpus as fc
from tests import impact_corpus, small_corpus
from tests.conftest import build_corpus

AS_OF = date(2025, 7, 15)
Q1, Q2 = parse_quarter("2025Q1"), parse_quarter("2025Q2")
FQ = Filters(Q2, Q2, AS_OF)  # the review quarter
FP = Filters(Q1, Q2, AS_OF)  # a period of two quarters


@pytest.fixture(scope="module")
def small(tmp_path_factory, rules):
    con = connect(small_corpus.build(tmp_path_factory.mktemp("drill_small"), rules))
    yield con
    con.close()


@pytest.fixture(scope="module")
def fcon(tmp_path_factory, rules):
    con = connect(fc.build(tmp_path_factory.mktemp("drill_factors"), rules))
    yield con
    con.close()


@pytest.fixture(scope="module")
def icon(tmp_path_factory, rules):
    db = build_corpus(tmp_path_factory.mktemp("drill_impact"), impact_corpus.files(), rules, as_of=impact_corpus.AS_OF)
    con = connect(db)
    yield con
    con.close()


# ------------------------------------------------------------------ durations


def test_the_incidents_behind_a_median_are_its_n_shortest_first(small):
    d = incidents.duration_list(small, FQ, "ttd")
    assert list(d["rows"]["incident_id"]) == ["Q2-1", "Q2-2", "Q2-3", "Q2-4", "Q2-5", "Q2-6"]
    assert list(d["rows"]["minutes"]) == [2.0, 4.0, 6.0, 8.0, 10.0, 12.0]
    assert (d["total"], d["median"], d["p90"], d["label"]) == (6, 7.0, 11.0, "Time to detect")


def test_ties_in_a_duration_go_by_time_and_the_missing_ones_are_left_out(small):
    d = incidents.duration_list(small, FQ, "tta")  # Q2-4 was never acknowledged
    assert list(zip(d["rows"]["incident_id"], d["rows"]["minutes"], strict=True)) == [
        ("Q2-1", 1.0), ("Q2-2", 1.0), ("Q2-3", 2.0), ("Q2-5", 2.0), ("Q2-6", 3.0),
    ]  # fmt: skip
    assert (d["total"], d["median"]) == (5, 2.0)


@pytest.mark.parametrize("metric", durations.HEADLINE)
def test_each_list_is_the_number_the_review_and_response_times_show(small, metric):
    r = quarterly_review(small, FQ)[metric]
    d = incidents.duration_list(small, FQ, metric)
    assert (d["total"], d["median"]) == (r["n"], r["median"])
    s = durations.summary(small, FP, metric)
    p = incidents.duration_list(small, FP, metric)
    assert (p["total"], p["median"], p["p90"], p["doubtful"]) == (s["n"], s["median"], s["p90"], s["doubtful"])


def test_a_duration_list_is_capped_but_counts_every_incident_and_takes_the_search(small):
    d = incidents.duration_list(small, FQ, "ttd", limit=2)
    assert (list(d["rows"]["incident_id"]), d["total"], d["median"]) == (["Q2-1", "Q2-2"], 6, 7.0)
    s = incidents.duration_list(small, FQ, "ttd", search="index")
    assert (list(s["rows"]["incident_id"]), s["total"]) == (["Q2-2", "Q2-3", "Q2-6"], 3)
    none = incidents.duration_list(small, FQ, "no-such-duration")
    assert (len(none["rows"]), none["total"], none["label"]) == (0, 0, None)
    with pytest.raises(ValueError):
        incidents.duration_list(small, FQ, "ttd", limit=0)


# ------------------------------------------------------------------ categories


def test_the_incidents_behind_a_category_count_with_their_sentences(small):
    c = incidents.category_list(small, FQ, "security")
    rows = c["rows"]
    assert (c["total"], c["factors"]) == (2, 2)
    assert list(rows["incident_id"]) == ["Q2-4", "Q2-2"]  # newest first
    assert list(rows["texts"]) == [["Factor security of Q2-4"], ["Factor security of Q2-2"]]
    assert list(rows["lines"]) == [[None], [None]]  # a structured document has no lines
    review = {x["category"]: x["incidents"] for x in quarterly_review(small, FQ)["recurring_factors"]}
    for category, n in review.items():
        assert incidents.category_list(small, FQ, category)["total"] == n, category


def test_category_sentences_carry_the_line_they_were_read_from(fcon):
    c = incidents.category_list(fcon, FP, "monitoring-gap")
    rows = c["rows"]
    assert list(rows["incident_id"]) == ["Q2-2", "Q1-3", "Q1-2", "Q1-1"]
    want = {"Q2-2": "Missing dashboard for queue consumer lag", "Q1-3": "Alerting was routed to a channel nobody watches",
            "Q1-2": "There was no monitoring on the replication lag", "Q1-1": "Nobody was paged for the disk usage warning"}  # fmt: skip
    for iid, texts, lines, sections in zip(
        rows["incident_id"], rows["texts"], rows["lines"], rows["sections"], strict=True
    ):
        assert (texts, sections) == ([want[iid]], ["what_went_wrong"])
        assert lines == [fc.line_of(iid, "what_went_wrong", want[iid])]
    ov = factors.overview(fcon, FP)
    for category, n in zip(ov["category"], ov["incidents"], strict=True):
        assert incidents.category_list(fcon, FP, category)["total"] == n, category
    capped = incidents.category_list(fcon, FP, "monitoring-gap", limit=1)
    assert (len(capped["rows"]), capped["total"], capped["factors"]) == (1, 4, 4)


# ------------------------------------------------------------------ impact figures


def test_the_incidents_behind_an_impact_total_largest_first(icon):
    x = incidents.figure_list(icon, FQ, "customers_affected")
    assert list(zip(x["rows"]["incident_id"], x["rows"]["shown"], strict=True)) == [
        ("P2-1", "12,000"), ("P2-2", "3,400"), ("S2-3", "~500"),
    ]  # fmt: skip
    assert (x["total"], x["sum"], x["label"]) == (3, 15900, "Customers affected")
    usd = incidents.figure_list(icon, FQ, "revenue_loss", "USD")
    assert (list(usd["rows"]["incident_id"]), usd["total"], usd["sum"]) == (["P2-1"], 1, 45000)
    money = incidents.figure_list(icon, FQ, "revenue_loss")  # every currency: no sum of them
    assert (list(money["rows"]["shown"]), money["sum"]) == (["~$45,000", "€12,000", "£2,000–£3,000"], None)
    flag = incidents.figure_list(icon, FQ, "data_loss")
    assert list(zip(flag["rows"]["incident_id"], flag["rows"]["shown"], strict=True)) == [
        ("S2-1", "yes"), ("P2-2", "no"), ("P2-1", "no"),
    ]  # fmt: skip
    with pytest.raises(ValueError):
        incidents.figure_list(icon, FQ, "cost_of_coffee")


def test_every_impact_tile_opens_exactly_its_n(icon):
    heads = impact.headline(impact.summary(icon, FQ))
    assert len(heads) == 9
    for h in heads:
        x = incidents.figure_list(icon, FQ, h["metric"], h["currency"])
        assert x["total"] == h["n"], (h["metric"], h["currency"])


# ------------------------------------------------------------------ overdue items of a period


def test_overdue_of_the_period_are_the_reviews_overdue_items(small):
    assert actions.summary(small, FQ)["overdue"] == 2
    ov = actions.overdue(small, FQ, period=True)
    assert list(zip(ov["incident_id"], ov["owner"].fillna("-"), ov["days_overdue"], strict=True)) == [
        ("Q2-2", "carol", 75), ("Q2-4", "-", 30),
    ]  # fmt: skip
    head = actions.overdue_head(small, FQ, 1, period=True)
    assert (list(head["rows"]["incident_id"]), head["total"]) == (["Q2-2"], 2)
    own = actions.overdue_owners(small, FQ, period=True)
    assert list(zip(own["owner"].fillna("-"), own["overdue"], strict=True)) == [("carol", 1), ("-", 1)]
    assert int(actions.aging(small, FQ, period=True)["items"].sum()) == 3  # Q2-2, Q2-4, Q2-6 are open
    assert list(actions.open_items(small, FQ, period=True)["incident_id"]) == ["Q2-2", "Q2-4", "Q2-6"]
    # without it: every incident up to the as-of date, Q1's overdue items too
    assert list(actions.overdue(small, FQ)["incident_id"]) == ["Q1-3", "Q1-5", "Q1-5", "Q2-2", "Q2-4"]
    assert list(actions.overdue_owners(small, FQ, owner="carol", period=True)["overdue"]) == [1]


def test_the_item_lists_carry_the_items_line(fcon):
    ov = actions.overdue(fcon, FP)
    row = ov[ov["incident_id"] == "Q1-1"].iloc[0]
    assert row["line"] == fc.line_of("Q1-1", "item", "Ramp checkout releases by percentage")
    oi = actions.open_items(fcon, FP)
    assert oi.set_index("incident_id").loc["Q1-1", "line"] == row["line"]
