"""The Contributing factors page under AppTest, on the hand-written corpus of
tests/factors_corpus.py: the numbers it shows, and the drill-downs behind them."""

from __future__ import annotations

import pytest

from tests import factors_corpus as fc
from tests.apptest import metric, open_page, texts
from tests.conftest import ROOT

PAGE = "views/factors.py"
PERIOD = {"quarter": "2025Q2", "since": "2025Q1", "as_of": "2025-07-15"}


@pytest.fixture(scope="module")
def db(tmp_path_factory, rules):
    return fc.build(tmp_path_factory.mktemp("factors_page"), rules)


@pytest.fixture
def at(db):
    return open_page(db, PAGE, **PERIOD)


def tab(at, label: str):
    """Show one of the page's sections (only the shown section's content runs)."""
    at.segmented_control(key="factors_section").set_value(label).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def table(at, prefix: str):
    """The dataframe whose key starts with `prefix`."""
    found = [d for d in at.dataframe if d.key and d.key.startswith(prefix)]
    assert found, f"no table {prefix!r}; have {[d.key for d in at.dataframe]}"
    return found[0]


def tables_with(at, column: str):
    return [d.value for d in at.dataframe if column in d.value.columns]


def drill(at):
    """The first table of factor sentences: the 'Behind a count' drill-down."""
    return tables_with(at, "section")[0]


def pick(at, prefix: str, row: int):
    """Click row `row` of a selectable table, as the browser would report it."""
    at.session_state[table(at, prefix).key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_headline_numbers(at):
    assert at.title[0].value == "Contributing factors"
    assert metric(at, "Incidents") == "7"
    assert metric(at, "Recurring categories") == "5"
    assert metric(at, "New categories") == "3"
    assert metric(at, "Repeat incidents") == "5"
    assert metric(at, "Uncategorized factors") == "29%"  # 6 of the period's 21 factor sentences
    assert "2025Q1–2025Q2" in texts(at)


def test_ranking_with_share_trend_and_status(at):
    df = table(at, "fx_rank").value
    assert df["label"].tolist() == [
        "Monitoring or alerting gap", "Configuration change", "Capacity and limits", "Code review gap",
        "Deployment safety", "Security", "Testing gap",
    ]  # fmt: skip
    assert df["incidents"].tolist() == [4, 2, 2, 2, 2, 1, 1]
    assert df["mentions"].tolist() == [4, 3, 2, 2, 2, 1, 1]
    assert df["share"].iloc[0] == pytest.approx(4 / 7)
    assert [list(t) for t in df["trend"]] == [[3, 1], [1, 1], [2, 0], [1, 1], [1, 1], [0, 1], [0, 1]]
    assert df["status"].tolist() == ["recurring", "new", "recurring", "new", "recurring", "new", ""]
    page = texts(at)
    assert "Share = incidents / all 7 incidents of the period" in page
    assert "n per quarter: 2025Q1 3, 2025Q2 4" in page
    assert "3 of the period's 7 categories" in page


def test_new_categories_link_to_their_first_incident(at):
    [new] = tables_with(at, "first")
    assert new["label"].tolist() == ["Configuration change", "Code review gap", "Security"]
    assert new["first"].tolist() == ["incidents?incident=Q1-3", "incidents?incident=Q1-1", "incidents?incident=Q2-2"]


def test_drill_down_defaults_to_the_top_category(at):
    assert at.selectbox(key="fx_category").value == "monitoring-gap"
    assert "Monitoring or alerting gap in 2025Q1–2025Q2: 4 incidents, 4 factor sentences" in texts(at)
    df = drill(at)
    assert df["incident"].tolist() == [f"incidents?incident={i}" for i in ("Q1-1", "Q1-2", "Q1-3", "Q2-2")]
    assert df["section"].tolist() == ["What Went Wrong"] * 4
    assert df["line"].tolist() == [31, 31, 31, 30]


def test_drill_down_to_one_category_and_quarter(at):
    at.selectbox(key="fx_category").set_value("config-change").run()
    assert "Configuration change in 2025Q1–2025Q2: 2 incidents, 3 factor sentences" in texts(at)
    at.selectbox(key="fx_quarter").set_value("2025Q2").run()
    assert "Configuration change in 2025Q2: 1 incident, 2 factor sentences" in texts(at)
    df = drill(at)
    assert df["text"].tolist() == [fc.TERRAFORM, "The cron scheduler was misconfigured"]
    at.selectbox(key="fx_category").set_value("uncategorized").run()
    assert "Uncategorized in 2025Q2: 2 incidents, 2 factor sentences" in texts(at)


def test_clicking_a_ranking_row_opens_its_sentences(at):
    pick(at, "fx_rank", 5)  # Security
    assert at.selectbox(key="fx_category").value == "security"
    assert "Security in 2025Q1–2025Q2: 1 incident, 1 factor sentence" in texts(at)
    assert drill(at)["text"].tolist() == ["Credential stuffing attack against the login endpoint"]
    # the drill-down's own box still works after a pick
    at.selectbox(key="fx_category").set_value("testing-gap").run()
    assert "Testing gap in 2025Q1–2025Q2: 1 incident" in texts(at)


def test_repeats_table_and_did_the_fix_hold(at):
    tab(at, "Repeat incidents")
    df = table(at, "fx_repeats").value
    assert df["incident"].tolist() == [
        f"incidents?incident={i}" for i in ("Q1-1", "Q1-2", "Q2-1", "Q2-1", "Q2-2", "Q2-3")
    ]
    assert df["earlier"].tolist() == [f"incidents?incident={i}" for i in ("H-1", "H-2", "Q1-1", "H-1", "Q1-2", "Q1-3")]
    assert df["done"].tolist() == ["1 of 2", "0 of 1", "0 of 1", "2 of 2", "-", "2 of 2"]
    assert df["verdict_text"].iloc[3] == "all done before: the fix did not hold"
    page = texts(at)
    assert "5 of 7 incidents, 6 pairs" in page
    assert "The fix did not hold for 2, was not done yet for 3, and 1 had no action items." in page
    # the first row is open below the table: H-1's items as they stood when Q1-1 began
    items = tables_with(at, "at_repeat")[0]
    assert items["at_repeat"].tolist() == ["done before", "done after", "dropped"]


def test_picking_a_repeat_shows_the_earlier_items_and_sentences(at):
    tab(at, "Repeat incidents")
    pick(at, "fx_repeats", 3)  # Q2-1 <- H-1, testing-gap
    assert "Action items of H-1 and their state when Q2-1 began (2025-04-10): 3 items." in texts(at)
    items = tables_with(at, "at_repeat")[0]
    assert items["at_repeat"].tolist() == ["done before", "done before", "dropped"]
    sentences = next(d for d in tables_with(at, "text") if "label" in d.columns and "quarter" not in d.columns)
    assert sentences["text"].tolist() == [
        "Test coverage for the currency conversion module was below 20%",
        "No integration tests covered the retry path",
    ]


def test_near_misses_and_what_went_wrong(at):
    tab(at, "Near misses and what went wrong")
    lucky = table(at, "fx_lucky").value
    assert lucky["theme"].tolist()[:2] == [fc.WEEKLY_LOW, fc.RESPONDER]
    assert lucky["incidents"].tolist() == [3, 2, 1, 1]
    assert "7 items from 6 incidents, 4 themes" in texts(at)
    assert "3 items from 3 incidents in this theme." in texts(at)
    themes = table(at, "fx_themes").value
    assert themes["label"].tolist() == ["Monitoring or alerting gap", "Code review gap", "Uncategorized"]
    assert themes["incidents"].tolist() == [4, 1, 1]
    assert "5 of 7 incidents have a What Went Wrong item" in texts(at)
    pick(at, "fx_themes", 2)
    assert "Uncategorized: 1 incident, 1 What Went Wrong item." in texts(at)
    pick(at, "fx_lucky", 1)
    assert "2 items from 2 incidents in this theme." in texts(at)


def test_curation_tab(at):
    tab(at, "Curate the taxonomy")
    assert metric(at, "Uncategorized, all quarters") == "27%"
    assert metric(at, "Groups") == "3"
    assert metric(at, "In groups of 2+") == "6"
    groups = table(at, "fx_groups").value
    assert groups["factors"].tolist() == [4, 2, 1]
    assert groups["suggested_label"].tolist() == ["new: cache-eviction", "new: wombat", "new: investigation"]
    assert "These patterns match 4 of the 7 uncategorized factors (they would move)." in texts(at)
    assert "- id: cache-eviction" in at.code[0].value
    assert at.code[1].value.startswith("# in the taxonomy file, under the category 'testing-gap', add to its")
    assert "      - 'Gizmo cache eviction stalled the indexer'\n" in at.code[1].value
    pick(at, "fx_groups", 1)
    assert "Group 2: 2 factor sentences from 2 incidents." in texts(at)
    assert "- id: wombat" in at.code[0].value
    [box] = [s for s in at.selectbox if s.key.startswith("fx_example_")]
    box.set_value("process-gap").run()
    assert "under the category 'process-gap'" in at.code[1].value
    assert "      - 'The wombat scheduler skipped the ledger batch'\n" in at.code[1].value


def test_team_filter_changes_every_number(db):
    at = open_page(db, PAGE, team="search", **PERIOD)
    assert metric(at, "Incidents") == "3"
    assert metric(at, "Repeat incidents") == "2"
    assert table(at, "fx_rank").value["incidents"].tolist() == [2, 1, 1]
    assert "all 3 incidents of the period" in texts(at)


def test_an_empty_period_reads_well(db):
    at = open_page(db, PAGE, quarter="2025Q3", since="2025Q3", as_of="2025-07-15")
    assert metric(at, "Incidents") == "0"
    assert "No categorized contributing factor in this period." in texts(at)
    assert "No repeat in this period" in texts(tab(at, "Repeat incidents"))
    assert "No 'Where We Got Lucky' items in this period." in texts(tab(at, "Near misses and what went wrong"))


def test_one_section_at_a_time_named_in_the_url(db):
    at = open_page(db, PAGE, **PERIOD)
    keys = [d.key.split("_")[1] for d in at.dataframe if d.key]
    assert keys == ["rank", "new", "category"]  # this section's tables (ranking, new categories, sentences) only
    tab(at, "Repeat incidents")
    assert not [d for d in at.dataframe if d.key and d.key.startswith("fx_rank")]
    linked = open_page(db, PAGE, factors_section="Curate the taxonomy", **PERIOD)
    assert metric(linked, "Groups") == "3"


@pytest.mark.slow
@pytest.mark.skipif(not (ROOT / "data" / "sample").is_dir(), reason="data/sample does not exist yet")
def test_page_on_the_sample_corpus(tmp_path, rules):
    from ingest.build import BuildOptions, build

    db = tmp_path / "sample.duckdb"
    tickets, people = ROOT / "data" / "tickets.csv", ROOT / "data" / "people.yaml"
    build(BuildOptions(corpus=[ROOT / "data" / "sample"], db=db, tickets=tickets if tickets.exists() else None,
                       people=people if people.exists() else None, git=False, progress=False), rules)  # fmt: skip
    at = open_page(db, PAGE)
    ranking = table(at, "fx_rank").value
    assert len(ranking) >= 5
    # the top category's count is the number of incidents in its drill-down
    top = int(ranking["incidents"].iloc[0])
    assert f"{ranking['label'].iloc[0]} in " in texts(at)
    assert drill(at)["incident"].nunique() == top
