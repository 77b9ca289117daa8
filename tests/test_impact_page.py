"""The Impact page, the review's Impact section, the incident detail's impact and related incidents,
and repeats by reference on the factors page: the numbers shown, on tests/impact_corpus.py."""

from __future__ import annotations

import pytest

from tests import impact_corpus
from tests.apptest import metric, open_page, texts


@pytest.fixture(scope="module")
def db(tmp_path_factory, rules):
    return impact_corpus.build(tmp_path_factory.mktemp("impact-page"), rules)


def test_impact_page_shows_totals_with_their_n(db):
    at = open_page(db, "views/impact.py", quarter="2025Q2", since="2025Q2", as_of="2025-07-15")
    assert at.title[0].value == "Impact and follow-through"
    assert metric(at, "Customers affected") == "15,900"
    assert metric(at, "Revenue loss (USD)") == "$45,000"
    assert metric(at, "Revenue loss (EUR)") == "€12,000"
    assert metric(at, "Revenue loss (GBP)") == "£2,500"
    assert metric(at, "Support tickets") == "967"
    assert metric(at, "Engineering time (person-hours)") == "8"
    assert metric(at, "Data loss") == "1 yes"
    assert "n = 3 of 5 · 2 no" in texts(at)
    assert metric(at, "Users affected") == "12,500"
    page = texts(at)
    assert "n = 3 of 5 · median 3,400 · 1 approximate or a range" in page
    assert "n = 1 of 5 · median 12,500 · 1 approximate or a range; bounds 10,000 to 15,000" in page
    # severity x duration x impact: 3 incidents have both, too few for a correlation
    assert "n = 3 of 5 (2 do not report the figure, 0 have no duration)" in page
    assert "too few incidents to say how closely they go together" in page
    # the type mix
    assert metric(at, "Detection") == "50%"
    assert metric(at, "Prevention") == "17%"
    assert "12 items; typed by a Type column 2, by the rules 8, untyped 2." in page
    team_types = at.dataframe[-2].value.set_index("team")
    assert team_types.loc["search", "note"] == "detection but no prevention"
    per_team = at.dataframe[0].value.set_index("team")
    assert (per_team.loc["payments", "customers_affected"], per_team.loc["payments", "customers_affected n"]) == (
        15400, 2)  # fmt: skip


def test_impact_page_with_a_team_filter(db):
    at = open_page(db, "views/impact.py", quarter="2025Q2", since="2025Q2", as_of="2025-07-15", team="search")
    assert metric(at, "Customers affected") == "500"
    assert metric(at, "Revenue loss (GBP)") == "£2,500"
    assert "n = 1 of 3" in texts(at)


def test_review_shows_impact_totals_with_their_n_and_the_type_mix(db):
    at = open_page(db, quarter="2025Q2", as_of="2025-07-15")
    assert metric(at, "Customers affected") == "15,900"
    assert metric(at, "Revenue loss (EUR)") == "€12,000"
    assert metric(at, "Support tickets") == "967"
    assert metric(at, "Security implications") == "0 yes"
    page = texts(at)
    assert "n = 3 of 5 · median 120 · 1 said unknown" in page  # support tickets: S2-1 said TBD
    assert "n = the quarter's incidents that state the figure, of 5" in page
    assert "12 items (dropped left out): prevention 17% (2), detection 50% (6), mitigation 8% (1)" in page


def test_incident_detail_shows_its_figures_and_related_incidents(db):
    at = open_page(db, "views/incidents.py", as_of="2025-07-15", incident="P2-1")
    tables = [d.value for d in at.dataframe]
    figs = next(t for t in tables if "shown" in t.columns)
    assert list(zip(figs["label"], figs["shown"], strict=True)) == [
        ("Customers affected", "12,000"), ("Revenue loss", "~$45,000"), ("Support tickets", "847"),
        ("Engineering time", "~8 person-hours"), ("Data loss", "no"), ("Security implications", "no"),
    ]  # fmt: skip
    items = next(t for t in tables if "item_type" in t.columns)
    assert list(items["item_type"]) == ["prevention", "detection", "mitigation", "prevention"]
    assert "No related incident is named by this postmortem or names it." in texts(at)

    at = open_page(db, "views/incidents.py", as_of="2025-07-15", incident="P1-1")
    rel = next(d.value for d in at.dataframe if "direction" in d.value.columns)
    assert list(zip(rel["direction"], rel["link"], strict=True)) == [("named by", "incidents?incident=P2-2")]
    assert "0 other incident(s) (0 found in this database, the rest kept as written); 1 postmortem(s) name this one" in (
        texts(at))  # fmt: skip


def test_related_incidents_are_counted_with_the_repeats(db):
    at = open_page(db, "views/factors.py", quarter="2025Q2", since="2025Q2", as_of="2025-07-15",
                   factors_section="Repeat incidents")  # fmt: skip
    assert metric(at, "Repeat incidents") == "2"
    assert "2 repeat incidents are named as related to their earlier incident" in texts(at)
