"""Doubtful durations: marked on every page that shows them, counted on the
data-quality page, and never the ground for calling a change real (METRICS.md,
docs/MILESTONES.md)."""

from __future__ import annotations

from datetime import date

import pytest

from analytics import durations, quality, report
from analytics.db import connect
from analytics.filters import Filters
from analytics.periods import parse_quarter
from analytics.review import quarterly_review
from analytics.settings import Settings
from analytics.stats import compare_medians, compare_medians_with_doubt
from figures import charts
from tests.apptest import metric, open_page, texts
from tests.conftest import build_corpus

# --- the statistic ---------------------------------------------------------------------------------------------------

PREV = [60, 62, 64, 66, 68]


def test_without_doubtful_figures_the_comparison_is_the_plain_one():
    cur = [10, 12, 14, 16, 18]
    plain = compare_medians(cur, PREV)
    ch = compare_medians_with_doubt(cur, PREV, [False] * 5, [False] * 5)
    assert (ch.verdict, ch.doubtful, ch.without_doubtful) == ("shorter", 0, None)
    assert (ch.low, ch.high, ch.difference) == (plain.low, plain.high, -50.0)


def test_a_change_that_rests_on_doubtful_figures_is_not_called_real():
    cur = [10, 12, 14, 16, 18, 20, 58, 70, 66]
    ch = compare_medians_with_doubt(cur, PREV, [True] * 6 + [False] * 3, [False] * 5)
    assert compare_medians(cur, PREV).verdict == "shorter"
    assert (ch.verdict, ch.doubtful, ch.without_doubtful) == ("doubtful", 6, "too_few")
    assert ch.sentence.endswith("but 6 of the figures are doubtful (weak evidence, or a document's own stated "
                                "duration disagrees); without them too few figures are left: not called a real change.")  # fmt: skip


def test_a_change_that_holds_without_the_doubtful_figures_stays_real():
    cur = [10, 12, 14, 16, 18, 11]
    ch = compare_medians_with_doubt(cur, PREV, [False] * 5 + [True], [False] * 5)
    assert (ch.verdict, ch.doubtful) == ("shorter", 1)
    assert ch.sentence.endswith("a real change, not noise.")


def test_noise_stays_noise_whatever_the_doubt():
    cur = [58, 62, 66, 70, 61]
    ch = compare_medians_with_doubt(cur, PREV, [True] * 5, [False] * 5)
    assert (ch.verdict, ch.doubtful, ch.without_doubtful) == ("noise", 5, None)


# --- a corpus with doubtful figures ----------------------------------------------------------------------------------


def doc(day: str, start: str, ttd: int, ttr: int, stated: str = "", approx: bool = False) -> str:
    h, m = map(int, start.split(":"))

    def at(minutes: int) -> str:
        t = h * 60 + m + minutes
        return f"{t // 60:02d}:{t % 60:02d}"

    lead = "ca. " if approx else ""
    return (f"# Postmortem: outage of {day}\n\n**Date:** {day}\n**Team:** core\n{stated}\n## Timeline (UTC)\n\n"
            f"| Time | Event |\n|---|---|\n| {at(0)} | Checkout errors begin |\n| {lead}{at(ttd)} | Alert fires |\n"
            f"| {at(ttr)} | Incident resolved |\n")  # fmt: skip


FILES = {
    # 2025Q1: ttr 60..68, all as read
    **{f"core/2025-02-0{i + 1}.md": doc(f"2025-02-0{i + 1}", "10:00", 5, ttr) for i, ttr in enumerate(PREV)},
    # 2025Q2: six short figures the documents themselves contradict, five as read
    **{
        f"core/2025-05-0{i + 1}.md": doc(f"2025-05-0{i + 1}", "10:00", 2, ttr, "**Duration:** 1 hour\n")
        for i, ttr in enumerate((10, 12, 14, 16, 18, 20))
    },
    "core/2025-06-01.md": doc("2025-06-01", "10:00", 2, 58),
    "core/2025-06-02.md": doc("2025-06-02", "10:00", 2, 70),
    "core/2025-06-03.md": doc("2025-06-03", "10:00", 2, 66, approx=True),  # detected 'ca.': ttd doubtful, ttr not
    "core/2025-06-04.md": doc("2025-06-04", "10:00", 2, 61),
    "core/2025-06-05.md": doc("2025-06-05", "10:00", 2, 59),
}
AS_OF = "2025-07-15"


@pytest.fixture(scope="module")
def db(tmp_path_factory, rules):
    return build_corpus(tmp_path_factory.mktemp("doubt"), FILES, rules, as_of=AS_OF)


def q2() -> Filters:
    return Filters(parse_quarter("2025Q2"), parse_quarter("2025Q2"), date(2025, 7, 15))


def test_each_figure_keeps_why_it_is_doubtful(db):
    con = connect(db)
    try:
        per = durations.per_incident(con, q2(), ("ttr", "ttd"))
        got = {(r.incident_id, r.duration_id): (r.minutes, r.doubt if isinstance(r.doubt, str) else None)
               for r in per.itertuples()}  # fmt: skip
        assert got[("core/2025-05-01", "ttr")] == (
            10.0,
            "the document says it lasted 60 min; its milestones give 10 min",
        )
        assert got[("core/2025-06-01", "ttr")] == (58.0, None)
        assert got[("core/2025-06-03", "ttr")] == (66.0, None)
        assert got[("core/2025-06-03", "ttd")][1].startswith("detected rests on weak evidence")
        s = durations.summary(con, q2(), "ttr")
        assert (s["n"], s["doubtful"], s["median"]) == (11, 6, 20.0)
        assert durations.doubtful(con, q2(), ("ttd", "ttr")) == {"ttd": 1, "ttr": 6}
    finally:
        con.close()


def test_the_review_does_not_call_a_change_on_doubtful_figures_real(db):
    con = connect(db)
    try:
        f = Filters(parse_quarter("2025Q1"), parse_quarter("2025Q2"), date(2025, 7, 15))
        ch = durations.change_vs_previous(con, f, "ttr")
        assert (ch.verdict, ch.doubtful, ch.without_doubtful, ch.n_current, ch.n_previous) == ("doubtful", 6, "noise",
                                                                                               11, 5)  # fmt: skip
        r = quarterly_review(con, f, Settings())
        assert r["ttr"]["change_vs_previous"]["verdict"] == "doubtful"
        md = report.to_markdown(r)
        assert "| Time to resolve | 20 min | " in md and "| 11 | 100% | 6 | Median 44 min shorter" in md
        assert "not called a real change" in md
        assert "<th>doubtful</th>" in report.to_html(r)
    finally:
        con.close()


def test_the_data_quality_numbers_count_and_list_them(db):
    con = connect(db)
    try:
        checks = quality.duration_checks(con, q2())
        assert checks.set_index("duration_id").loc[["ttd", "ttr"], ["figures", "doubtful", "corrected"]].values.tolist() == [
            [11, 1, 0], [11, 6, 0]]  # fmt: skip
        th = quality.durations_to_check_head(con, q2(), "ttr", 2)
        assert th["total"] == 6 and th["rows"]["incident_id"].tolist() == ["core/2025-05-06", "core/2025-05-05"]
    finally:
        con.close()


def test_the_strip_chart_draws_doubtful_figures_as_triangles(db):
    con = connect(db)
    try:
        pts = durations.sample(con, q2(), ("ttr",), "quarter", 100)
    finally:
        con.close()
    assert charts.figure_kinds(pts).count("doubtful") == 6
    spec = charts.durations_strip(pts, "quarter").to_dict()
    shape = spec["layer"][0]["encoding"]["shape"]
    assert shape["scale"] == {
        "domain": ["as read", "doubtful", "corrected"],
        "range": ["circle", "triangle-up", "square"],
    }


def test_pages_mark_and_count_doubtful_figures(db):
    at = open_page(db, "views/response_times.py", quarter="2025Q2", since="2025Q2", as_of=AS_OF)
    assert "6 of the 11 figures are doubtful" in texts(at)
    table = at.dataframe[-1].value
    notes = dict(zip(table["title"], table["note"], strict=True))
    assert notes["outage of 2025-05-01"] == "⚠ the document says it lasted 60 min; its milestones give 10 min"
    assert notes["outage of 2025-06-01"] == ""

    at = open_page(db, "views/data_quality.py", quarter="2025Q2", since="2025Q2", as_of=AS_OF)
    assert metric(at, "Doubtful figures ⚠") == "14"  # ttr 6, ttm 6; the approximate detection: ttd, ttr_from_detect
    assert metric(at, "Corrected figures ✎") == "0"

    at = open_page(db, "views/review.py", quarter="2025Q2", as_of=AS_OF)
    assert "6 doubtful ⚠" in texts(at)
    assert "not called a real change" in texts(at)
