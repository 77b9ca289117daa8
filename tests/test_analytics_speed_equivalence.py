"""The faster ways the analytics read their figures give exactly what the straightforward queries gave:

- a change between two quarters is the same from numpy arrays as from lists (the review passes arrays);
- the headline durations' minutes from the incidents' own columns (durations._minutes, _group_stats) are the
  rows of incident_durations, with the same doubt, in the same order (the bootstrap of a small quarter
  depends on it), after a full build and after an in-place rebuild;
- one query for several figures (impact.summary_by_group, the review's action items, factors.ranked_and_first_seen,
  the team page's rankings per quarter, the figure strips' statistics) gives what their own queries give;
- the first quarter of a category is the quarter of the first time it was seen;
- curation's background counts, read from factor_words for the chosen words picked first, are those counted
  from the factors themselves."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics import actions, curation, durations, factors, impact, review, stats, teams
from analytics import filters as flt
from analytics.db import arrays, connect, query
from analytics.filters import Filters
from analytics.periods import parse_quarter, quarter_of, quarters_between
from analytics.stats import compare_medians_with_doubt
from ingest.build import BuildOptions, build
from tests.conftest import ROOT, build_corpus, write_corpus

# --- durations: a corpus with doubtful figures, missing milestones, and files not in time order ---------------------


def doc(day: str, ttd: int | None, ttr: int, stated: str = "", approx: bool = False) -> str:
    """A postmortem starting at 10:00 on `day`: an alert `ttd` minutes in, acknowledged two minutes later (none:
    no detection, so no ttd or tta; `approx`: written 'ca.', a doubtful detection), resolved `ttr` minutes in;
    `stated`: a header line."""

    def at(minutes: int) -> str:
        t = 600 + minutes
        return f"{t // 60:02d}:{t % 60:02d}"

    lead = "ca. " if approx else ""
    alert = (
        "" if ttd is None else f"| {lead}{at(ttd)} | Alert fires |\n| {at(ttd + 2)} | On-call acknowledged the page |\n"
    )
    return (f"# Postmortem: outage of {day}\n\n**Date:** {day}\n**Team:** core\n{stated}\n## Timeline (UTC)\n\n"
            f"| Time | Event |\n|---|---|\n| {at(0)} | Checkout errors begin |\n{alert}"
            f"| {at(ttr)} | Incident resolved |\n")  # fmt: skip


STATED = "**Duration:** 1 hour\n"  # disagrees with every ttr below but 60: ttm and ttr doubtful
DAYS = [  # (day, ttd, ttr, stated, approx); the file names run against time (z_ first)
    ("2025-02-03", 5, 61, "", False), ("2025-02-11", None, 40, "", False), ("2025-03-02", 7, 90, STATED, False),
    ("2025-03-02", 3, 33, "", True), ("2025-03-30", 9, 15, "", False), ("2025-04-01", 2, 10, STATED, False),
    ("2025-04-20", None, 25, STATED, False), ("2025-05-05", 4, 60, STATED, True), ("2025-05-17", 6, 45, "", False),
    ("2025-06-09", 2, 70, "", True), ("2025-06-30", 1, 12, STATED, False), ("2025-06-30", 8, 80, "", False),
]  # fmt: skip
DURATION_FILES = {
    f"core/{chr(ord('z') - i)}_{day}.md": doc(day, ttd, ttr, stated, approx)
    for i, (day, ttd, ttr, stated, approx) in enumerate(DAYS)
}
AS_OF = date(2025, 7, 15)
Q2 = Filters(parse_quarter("2025Q2"), parse_quarter("2025Q2"), AS_OF)
DURATION_FILTERS = [
    Q2, replace(Q2, start=parse_quarter("2025Q1")), Filters.default(AS_OF), Q2.all_time(),
    Filters.default(AS_OF, fiscal_start=3), replace(Q2, teams=("core",)), replace(Q2, teams=("nobody",)),
]  # fmt: skip


@pytest.mark.parametrize("n", [3, 40, 600, 2500])  # too few; resampled outright; order statistics
def test_a_change_from_arrays_is_the_change_from_lists(n):
    rng = np.random.default_rng(n)
    cur, prev = rng.gamma(2.0, 20.0, n), rng.gamma(2.0, 40.0, n + 7)
    cur_doubt, prev_doubt = rng.random(n) < 0.4, rng.random(n + 7) < 0.2
    a = compare_medians_with_doubt(cur, prev, cur_doubt, prev_doubt)
    b = compare_medians_with_doubt(cur.tolist(), prev.tolist(), cur_doubt.tolist(), prev_doubt.tolist())
    assert a == b
    assert n == 3 or a.verdict in ("shorter", "doubtful")  # the figures without the doubtful ones were compared
    assert list(stats._sure(cur, cur_doubt)) == [
        v for v, d in zip(cur.tolist(), cur_doubt.tolist(), strict=True) if not d
    ]


def joined_minutes(con, f: Filters, metrics) -> dict:
    """MINUTES as it was read before: incident_durations joined to the incidents."""
    m = list(metrics)
    return arrays(con, durations.MINUTES.format(cte=flt.cte(f)), [*flt.params(f), f.end.start, m, m])


def assert_same_minutes(con):
    doubtful = 0
    for f in DURATION_FILTERS:
        for metrics in (durations.HEADLINE, ("ttr",), ("ttm", "ttd")):
            new, old = durations._minutes(con, f, metrics), joined_minutes(con, f, metrics)
            assert len(new["k"]) == len(old["k"])
            for i in range(len(metrics)):
                for focus in (True, False):
                    a = (new["k"] == i) & (new["focus"] == focus)
                    b = (old["k"] == i) & (old["focus"] == focus)
                    np.testing.assert_array_equal(new["minutes"][a], old["minutes"][b])  # in the same order
                    np.testing.assert_array_equal(new["doubtful"][a], old["doubtful"][b])
                    doubtful += int(new["doubtful"][a].sum())
            for group in ("quarter", "team", "severity"):
                if len(metrics) == 1:
                    old_groups = durations._summaries(
                        query(con, durations.BY_GROUP.format(cte=flt.cte(f), col=durations.GROUPS[group],
                                                             name=group), [*flt.params(f), list(metrics)]), group
                    )  # fmt: skip
                    pd.testing.assert_frame_equal(durations._group_stats(con, f, metrics, group), old_groups)
    assert doubtful > 0  # the corpus has doubtful figures where the comparison looks


def test_headline_minutes_are_the_duration_rows_after_a_build_and_a_rebuild(tmp_path, rules):
    db = build_corpus(tmp_path, DURATION_FILES, rules, as_of=AS_OF.isoformat())
    con = connect(db)
    r = durations._minutes(con, Filters.default(AS_OF), durations.HEADLINE)
    assert sorted(set(r["k"].tolist())) == [0, 1, 2, 3] and len(r["k"]) < 4 * len(DAYS)  # some have no ttd, tta
    assert_same_minutes(con)
    con.close()
    # an in-place rebuild reads one changed file again: its incident's rows are written anew
    first = next(iter(DURATION_FILES))
    write_corpus(tmp_path / "corpus", {first: doc("2025-05-20", 3, 44, STATED, True)})
    build(BuildOptions(corpus=[tmp_path / "corpus"], db=db, git=False, jobs=1, as_of=AS_OF), rules)
    con = connect(db)
    assert_same_minutes(con)
    con.close()


# --- several figures from one query: on the bundled sample ---------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory, rules):
    db = tmp_path_factory.mktemp("speed_sample") / "sample.duckdb"
    build(BuildOptions(corpus=[ROOT / "data" / "sample"], db=db, tickets=ROOT / "data" / "tickets.csv",
                       people=ROOT / "data" / "people.yaml", git=False, jobs=1, as_of=date(2026, 10, 1)),
          rules)  # fmt: skip
    con = connect(db)
    yield con
    con.close()


BASE = Filters.default(date(2026, 10, 1))
SAMPLE_FILTERS = {
    "default": BASE,
    "one quarter": BASE.only(BASE.end),
    "a quarter before": BASE.only(parse_quarter("2026Q1")),
    "one team": replace(BASE, teams=("payments",)),
    "severity": replace(BASE, severities=("SEV2",)),
    "fiscal year": Filters.default(date(2026, 10, 1), fiscal_start=10),
    "no incident": replace(BASE, teams=("nobody",)),
}


@pytest.mark.parametrize("name", SAMPLE_FILTERS)
def test_one_pass_over_the_figures_gives_both(sample, name):
    f = SAMPLE_FILTERS[name]
    for dim in impact.GROUPS:
        s, groups = impact.summary_by_group(sample, f, dim)
        assert s == impact.summary(sample, f)
        pd.testing.assert_frame_equal(groups, impact.by_group(sample, f, dim))
    summary, types = review.items_of(sample, f)
    assert summary == actions.summary(sample, f)
    mix = impact.type_mix(sample, f, "team")
    assert types == review._with_mix(impact.type_summary(sample, f), mix)
    points = impact.figure_points(sample, f, 3)["figures"]
    figure_stats = impact._figure_stats(sample, f)
    pd.testing.assert_frame_equal(points.drop(columns="points"), figure_stats)
    assert points.attrs == figure_stats.attrs
    if name != "no incident":
        assert len(groups) and len(mix) and len(points)


@pytest.mark.parametrize("name", SAMPLE_FILTERS)
def test_ranking_and_first_times_in_one_pass(sample, name):
    f = SAMPLE_FILTERS[name]
    r, first = factors.ranked_and_first_seen(sample, f)
    pd.testing.assert_frame_equal(r, factors.ranked(sample, f))
    by_category = factors.first_seen_at(sample, f).sort_values("category").reset_index(drop=True)
    pd.testing.assert_frame_equal(first.sort_values("category").reset_index(drop=True), by_category)
    # the first quarter is the quarter of the first time
    assert list(by_category["first_quarter"]) == [
        quarter_of(t.date(), f.fiscal_start).label for t in by_category["first_seen"]
    ]
    if name != "no incident":
        assert len(r) and len(first) > len(r) // 2


@pytest.mark.parametrize("name", SAMPLE_FILTERS)
def test_the_team_page_ranks_every_quarter_at_once(sample, name):
    f = SAMPLE_FILTERS[name]
    tops = teams._top_by_quarter(sample, f)
    for q in quarters_between(f.start, f.end):
        assert tops.get(q.label, []) == teams.top_factors(sample, f.only(q))
    assert name == "no incident" or any(tops.values())


def test_background_counts_of_the_chosen_words(sample):
    fa = BASE.all_time()
    words = sorted(query(sample, "SELECT word FROM uncategorized_words")["word"])[:40]
    assert len(words) >= 10
    chosen = dict(curation._background(sample, fa, words).itertuples(index=False))
    every = dict(query(sample, curation.BACKGROUND.format(cte=flt.cte(fa)), [*flt.params(fa), words])
                 .itertuples(index=False))  # fmt: skip
    assert chosen == every and len(chosen)
