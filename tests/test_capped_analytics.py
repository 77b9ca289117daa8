"""What a page shows of a long table: the first rows of the full list, with counts over all of it.

Each *_head function must give exactly the first `limit` rows of its full function and the
number of rows of the full function; strip() draws a sample but counts every incident; the
overdue CSV stays complete. Exact values on the hand-written corpora (tests/actions_corpus.py,
tests/small_corpus.py)."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics import actions, durations, export, incidents, quality, review
from analytics.db import connect, head
from analytics.filters import Filters
from analytics.periods import parse_quarter
from tests import actions_corpus, small_corpus

AS_OF = date(2025, 7, 15)
Q1, Q2 = parse_quarter("2025Q1"), parse_quarter("2025Q2")


@pytest.fixture(scope="module")
def acon(tmp_path_factory, rules):
    c = connect(actions_corpus.build(tmp_path_factory.mktemp("capped-actions"), rules))
    yield c
    c.close()


@pytest.fixture(scope="module")
def scon(tmp_path_factory, rules):
    c = connect(small_corpus.build(tmp_path_factory.mktemp("capped-small"), rules))
    yield c
    c.close()


def period(**kw) -> Filters:
    return Filters(Q1, Q2, AS_OF, **kw)


def values(df: pd.DataFrame) -> list[tuple]:
    """Rows as plain values, every missing one None (a head of few rows may type an all-empty column otherwise)."""

    def plain(v):
        if isinstance(v, np.ndarray | list):
            return [plain(x) for x in v]
        if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
            return None
        return v.item() if isinstance(v, np.generic) else v

    return [tuple(plain(v) for v in r) for r in df.itertuples(index=False, name=None)]


def same_head(full: pd.DataFrame, h: dict, limit: int) -> None:
    assert h["total"] == len(full)
    assert list(h["rows"].columns) == list(full.columns)
    assert values(h["rows"]) == values(full.head(limit))


@pytest.mark.parametrize("limit", [1, 3, 1000])
def test_action_lists_head_and_count_every_row(acon, limit):
    f = period()
    same_head(actions.overdue(acon, f), actions.overdue_head(acon, f, limit), limit)
    same_head(actions.open_items(acon, f), actions.open_items_head(acon, f, limit), limit)
    same_head(actions.incomplete(acon, f), actions.incomplete_head(acon, f, limit), limit)
    for who in ({"owner": "alice"}, {"owner_team": "search"}, {"manager": "nobody"}):
        same_head(actions.overdue(acon, f, **who), actions.overdue_head(acon, f, limit, **who), limit)
        same_head(actions.open_items(acon, f, **who), actions.open_items_head(acon, f, limit, **who), limit)
        same_head(actions.incomplete(acon, f, **who), actions.incomplete_head(acon, f, limit, **who), limit)


def test_overdue_head_counts_rows_not_items(acon):
    h = actions.overdue_head(acon, period(), 3)
    # 8 overdue items, 10 rows (an item with two owners has a row for each); the 3 most overdue shown
    assert (len(h["rows"]), h["total"]) == (3, 10)
    assert list(h["rows"]["days_overdue"]) == [165, 136, 91]
    assert actions.summary(acon, actions.through_as_of(period()))["overdue"] == 8
    assert actions.overdue_count(acon, actions.through_as_of(period())) == 8
    assert (
        actions.overdue_count(acon, period(), owner="alice")
        == actions.summary(acon, period(), owner="alice")["overdue"]
    )
    with pytest.raises(ValueError):
        actions.overdue_head(acon, period(), 0)


def test_the_overdue_csv_has_every_row(acon):
    f = period()
    text = export.overdue_csv(acon, f)
    assert text.startswith(export.BOM)
    assert text == export.csv_text(actions.overdue(acon, f), bom=True)
    assert len(text.strip().split("\r\n")) == 1 + 10
    assert export.overdue_csv(acon, f, owner="bob", bom=False) == export.csv_text(actions.overdue(acon, f, owner="bob"))


@pytest.mark.parametrize("limit", [1, 4, 1000])
def test_incident_listing_head(scon, limit):
    f = period()
    for search in ("", "index", "nothing-matches-this"):
        same_head(incidents.listing(scon, f, search), incidents.listing_head(scon, f, search, limit), limit)
    h = incidents.listing_head(scon, f, "", 4)
    assert (list(h["rows"]["incident_id"]), h["total"]) == (["Q2-6", "Q2-5", "Q2-4", "Q2-3"], 11)


def test_listing_counts_items_problems_and_failures_of_the_rows_shown(scon):
    full = incidents.listing(scon, period())
    h = incidents.listing_head(scon, period(), "", 2)
    cols = ["incident_id", "items", "open_items", "problems", "rule_failures"]
    assert values(h["rows"][cols]) == values(full[cols].head(2))


@pytest.mark.parametrize("limit", [1, 5, 1000])
def test_quality_heads(scon, limit):
    f = period()
    for rule in ("", "whys_depth"):
        same_head(quality.findings(scon, f, rule, "fail"), quality.findings_head(scon, f, rule, "fail", limit), limit)
    for outcome in ("", "incident", "rejected"):
        same_head(quality.sources(scon, outcome), quality.sources_head(scon, outcome, limit), limit)


def test_db_head(scon):
    sql = "SELECT incident_id FROM incidents ORDER BY incident_id"
    h = head(scon, sql, None, 2)
    assert (list(h["rows"]["incident_id"]), h["total"]) == (["Q1-1", "Q1-2"], 11)
    assert head(scon, sql, None, 0)["total"] == 11 and head(scon, sql, None, 50)["total"] == 11


def test_durations_head_and_sample(scon):
    f = period()
    full = durations.per_incident(scon, f, ("ttd",))
    same_head(full, durations.per_incident_head(scon, f, ("ttd",), 3), 3)
    pts = durations.sample(scon, f, ("ttd",), "quarter", 2)
    # two points per quarter, per_incident() rows in its order; the medians come from every incident
    assert sorted(pts["quarter"].value_counts().to_dict().items()) == [("2025Q1", 2), ("2025Q2", 2)]
    assert list(pts.columns) == list(full.columns)
    assert values(pts) == values(full[full["incident_id"].isin(pts["incident_id"])])
    assert values(durations.sample(scon, f, ("ttd",), "quarter", 2)) == values(pts)  # the same sample every time
    assert values(durations.sample(scon, f, ("ttd",), "quarter", 1000)) == values(full)
    assert durations.by_group(scon, f, "ttd", "quarter")["median"].tolist() == [30.0, 7.0]
    by_metric = durations.sample(scon, f.only(Q2), durations.HEADLINE, "duration_id", 3)
    assert by_metric["duration_id"].value_counts().to_dict() == {"tta": 3, "ttd": 3, "ttm": 3, "ttr": 3}
    assert len(durations.per_incident(scon, f.only(Q2))) == 23  # 6 ttd, 5 tta, 6 ttm, 6 ttr
    with pytest.raises(ValueError):
        durations.sample(scon, f, ("ttd",), "service")


def test_review_counts_match_the_incident_list(scon):
    f = Filters(Q2, Q2, AS_OF)
    r = review.quarterly_review(scon, f)
    inc = review.incidents(scon, f)
    assert r["incidents"]["total"] == len(inc) == 6
    assert r["incidents"]["previous_quarter"] == len(review.incidents(scon, f.only(Q1))) == 5
    assert r["drafts"]["incidents"] == [
        {"incident_id": x.incident_id, "title": x.title} for x in inc[inc["status"] == "draft"].itertuples()
    ]
    assert r["in_review"] == int((inc["status"] == "in review").sum())
    assert r["overdue_all_quarters"] == actions.summary(scon, f.all_time())["overdue"]


# ---------------------------------------------------------------- the pages, with a cap of 2 rows


@pytest.fixture
def cap2(monkeypatch):
    from views import ui

    monkeypatch.setattr(ui, "MAX_TABLE_ROWS", 2)


@pytest.fixture(scope="module")
def adb(tmp_path_factory, rules):
    return actions_corpus.build(tmp_path_factory.mktemp("capped-actions-page"), rules)


@pytest.fixture(scope="module")
def sdb(tmp_path_factory, rules):
    return small_corpus.build(tmp_path_factory.mktemp("capped-small-page"), rules)


VIEW = {"quarter": "2025Q2", "since": "2025Q1", "as_of": "2025-07-15"}


def tables_with(at, column: str) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe if column in d.value.columns]


def test_action_items_page_caps_its_lists_and_counts_every_row(adb, cap2):
    from tests.apptest import open_page, texts

    at = open_page(adb, "views/actions.py", **VIEW)
    page = texts(at)
    ov = [t for t in tables_with(at, "days_overdue") if "owner" in t.columns]
    assert len(ov) == 1 and list(ov[0]["days_overdue"]) == [165, 136]
    assert "n = 8 items, 10 rows" in page and "Showing the first 2 of 10 rows; the CSV has every row." in page
    assert "Showing the first 2 of 9 open items; narrow the view with the selectors above." in page
    assert "Showing the first 2 of 3 items; narrow the view with the selectors above." in page  # incomplete
    assert len(next(t for t in tables_with(at, "missing") if "due_text" in t.columns)) == 2
    assert [b.label for b in at.get("download_button")] == ["Download the overdue items (CSV)"]


def test_incidents_page_caps_the_list(sdb, cap2):
    from tests.apptest import open_page, texts

    at = open_page(sdb, "views/incidents.py", **VIEW)
    page = texts(at)
    assert "11 incident(s)." in page and "Showing the first 2 of 11 incidents, newest first" in page
    listed = tables_with(at, "rule_failures")
    assert len(listed) == 1 and len(listed[0]) == 2


def test_data_quality_page_caps_files_and_findings(sdb, cap2):
    from tests.apptest import open_page, texts

    at = open_page(sdb, "views/data_quality.py", **VIEW)
    page = texts(at)
    files = tables_with(at, "size_bytes")
    assert len(files) == 1 and len(files[0]) == 2
    assert "Showing the first 2 of" in page and "files; choose an outcome to narrow" in page


def test_response_times_page_caps_its_table(sdb, cap2):
    from tests.apptest import open_page, texts

    at = open_page(sdb, "views/response_times.py", **VIEW)
    assert "11 incidents with this duration, oldest first. Showing the first 2 of 11 incidents" in texts(at)
