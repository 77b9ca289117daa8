"""Every number opens what it counts, in the pages: the links under the numbers carry the right parameters,
the Incidents page lists exactly what was counted, and a selected row (owner, item, line) opens its view.

Table selections cannot be clicked under AppTest: the selection callbacks run here as Streamlit runs them
(with the table's selection in session state), and what they hand to links.go is then run in the app."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import streamlit as st

from tests import factors_corpus as fc
from tests import impact_corpus, small_corpus
from tests.apptest import metric, open_page, texts
from tests.conftest import build_corpus
from views import drill, incident_list, links

REVIEW = {"quarter": "2025Q2", "since": "2025Q2", "as_of": "2025-07-15"}
PERIOD = {"quarter": "2025Q2", "since": "2025Q1", "as_of": "2025-07-15"}
_A = re.compile(r'<a class="drill" href="([^"]*)"[^>]*>([^<]*)</a>')


@pytest.fixture(scope="module")
def small(tmp_path_factory, rules):
    return small_corpus.build(tmp_path_factory.mktemp("drill_pages_small"), rules)


@pytest.fixture(scope="module")
def fdb(tmp_path_factory, rules):
    return fc.build(tmp_path_factory.mktemp("drill_pages_factors"), rules)


@pytest.fixture(scope="module")
def idb(tmp_path_factory, rules):
    return build_corpus(tmp_path_factory.mktemp("drill_pages_impact"), impact_corpus.files(), rules,
                        as_of=impact_corpus.AS_OF)  # fmt: skip


@pytest.fixture
def state():
    """Streamlit's session state as a callback sees it (bare mode), emptied after the test."""
    st.session_state.clear()
    yield st.session_state
    st.session_state.clear()


def drawn(at) -> list[tuple[str, str, dict]]:
    """(link text, page path, {parameter: value}) of every drill link the page drew with st.html, in order."""
    out = []
    for h in at.get("html"):
        for href, text in _A.findall(h.proto.body):
            u = urlsplit(html.unescape(href))
            params = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(u.query).items()}
            out.append((html.unescape(text), u.path, params))
    return out


def anchors(at) -> dict[str, tuple[str, dict]]:
    """{link text: (page path, {parameter: value})} of the drill links (the last of links with the same text)."""
    return {text: (page, params) for text, page, params in drawn(at)}


def table(at, key: str):
    found = [d.value for d in at.dataframe if d.key == key]
    assert found, f"no table {key!r}; have {[d.key for d in at.dataframe]}"
    return found[0]


def pick(state, key: str, row: int, column: str | None = None) -> None:
    """The selection the browser reports for a click on a row's checkbox, or on a cell."""
    cells = [(row, column)] if column else []
    state[key] = {"selection": {"rows": [] if column else [row], "columns": [], "cells": cells}}


def follow(at, state):
    """Run the app with what a selection callback left in session state (links.go), as the next run would."""
    for k in list(state.keys()):
        if k in ("owner", "quarter", "since", "_links_go"):
            at.session_state[k] = state[k]
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


# ------------------------------------------------------------------ the review


def test_the_reviews_numbers_link_to_what_they_count(small):
    at = open_page(small, "views/review.py", **REVIEW)
    a = anchors(at)
    pin = {"as_of": "2025-07-15", "quarter": "2025Q2", "since": "2025Q2"}
    assert a["the 6 incidents →"] == ("incidents", pin)
    assert a["the 6 incidents, shortest first →"] == ("incidents", pin | {"metric": "ttr"})  # the last of four
    assert a["the 5 incidents, shortest first →"] == ("incidents", pin | {"metric": "tta"})
    assert a["Security (2)"] == ("incidents", pin | {"category": "security"})  # new this quarter
    assert a["the 2 overdue items →"] == ("action-items", pin | {"overdue": "period"})
    assert a["4 overdue across all quarters →"] == ("action-items", pin)
    medians = [(text, p["metric"]) for text, _page, p in drawn(at) if "metric" in p]
    assert medians == [("the 6 incidents, shortest first →", "ttd"), ("the 5 incidents, shortest first →", "tta"),
                       ("the 6 incidents, shortest first →", "ttm"), ("the 6 incidents, shortest first →", "ttr")]  # fmt: skip


def test_the_reviews_impact_totals_link_to_the_incidents_that_state_them(idb):
    at = open_page(idb, "views/review.py", **REVIEW)
    figures = [
        (text, page, p["figure"], p.get("currency"), p["quarter"]) for text, page, p in drawn(at) if "figure" in p
    ]
    assert sorted(figures, key=str) == sorted([  # the tiles stand in four columns, drawn column by column
        ("the 3 incidents that state it →", "incidents", "customers_affected", None, "2025Q2"),
        ("the 1 incident that state it →", "incidents", "users_affected", None, "2025Q2"),
        ("the 1 incident that state it →", "incidents", "revenue_loss", "EUR", "2025Q2"),
        ("the 1 incident that state it →", "incidents", "revenue_loss", "GBP", "2025Q2"),
        ("the 1 incident that state it →", "incidents", "revenue_loss", "USD", "2025Q2"),
        ("the 3 incidents that state it →", "incidents", "support_tickets", None, "2025Q2"),
        ("the 1 incident that state it →", "incidents", "engineering_hours", None, "2025Q2"),
        ("the 3 incidents that state it →", "incidents", "data_loss", None, "2025Q2"),
        ("the 2 incidents that state it →", "incidents", "security_impact", None, "2025Q2"),
    ], key=str)  # fmt: skip


def test_a_recurring_factor_row_and_a_draft_open_their_incidents(small, state):
    at = open_page(small, "views/review.py", **REVIEW)
    rec = table(at, "review_factors")
    assert list(rec["label"]) == ["Deployment safety", "Monitoring or alerting gap", "Security"]
    pick(state, "review_factors", 0, "incidents")
    drill.to_page(
        "review_factors", "incidents", [{"category": "deploy-safety"}], state={"quarter": "2025Q2", "since": "2025Q2"}
    )()
    assert state["_links_go"] == ("incidents", {"category": "deploy-safety"})
    at = follow(open_page(small, "views/review.py", as_of="2025-07-15"), state)
    assert "Incidents of 2025Q2 with a factor of Deployment safety, newest first: n = 2" in texts(at).replace("\\", "")
    assert list(table(at, "incident_table")["incident_id"]) == ["Q2-5", "Q2-1"]
    state.clear()
    pick(state, "review_drafts", 1)
    drill.to_incident("review_drafts", list(table(open_page(small, "views/review.py", **REVIEW), "review_drafts")
                                            ["incident_id"]))()  # fmt: skip
    assert state["_links_go"] == ("incidents", {"incident": "Q2-6", "line": None})


# ------------------------------------------------------------------ the incidents behind a number


def test_the_incidents_behind_a_median(small):
    at = open_page(small, "views/incidents.py", metric="ttd", **REVIEW)
    assert "Incidents of 2025Q2 with a time to detect, shortest first: n = 6, median 7 min" in texts(at)
    df = table(at, "incident_table")
    assert list(zip(df["incident_id"], df["minutes"], strict=True)) == [
        ("Q2-1", 2.0), ("Q2-2", 4.0), ("Q2-3", 6.0), ("Q2-4", 8.0), ("Q2-5", 10.0), ("Q2-6", 12.0),
    ]  # fmt: skip
    assert anchors(at)["Show every incident of 2025Q2"] == ("incidents", {"as_of": "2025-07-15", "quarter": "2025Q2",
                                                                          "since": "2025Q2"})  # fmt: skip


def test_the_incidents_behind_a_category_with_the_exact_sentences(fdb):
    at = open_page(fdb, "views/incidents.py", category="monitoring-gap", **PERIOD)
    page = texts(at).replace("\\", "")
    assert "Incidents of 2025Q1 to 2025Q2 with a factor of Monitoring or alerting gap, newest first: n = 4" in page
    df = table(at, "incident_table")
    assert list(df["incident_id"]) == ["Q2-2", "Q1-3", "Q1-2", "Q1-1"]
    line = fc.line_of("Q2-2", "what_went_wrong", "Missing dashboard for queue consumer lag")
    assert df["sentences"].iloc[0] == f"“Missing dashboard for queue consumer lag” (line {line})"


def test_the_incidents_behind_an_impact_total(idb):
    at = open_page(idb, "views/incidents.py", figure="customers_affected", **REVIEW)
    assert "Incidents of 2025Q2 that state customers affected, largest first: n = 3, total 15,900" in texts(at)
    df = table(at, "incident_table")
    assert list(zip(df["incident_id"], df["shown"], strict=True)) == [("P2-1", "12,000"), ("P2-2", "3,400"),
                                                                      ("S2-3", "~500")]  # fmt: skip
    usd = open_page(idb, "views/incidents.py", figure="revenue_loss", currency="USD", **REVIEW)
    assert list(table(usd, "incident_table")["incident_id"]) == ["P2-1"]
    bad = open_page(idb, "views/incidents.py", figure="nope", **REVIEW)
    assert "There is no impact figure 'nope'" in texts(bad)


def test_a_list_row_opens_its_incident_and_keeps_the_list_in_the_url(small, state):
    at = open_page(small, "views/incidents.py", metric="ttd", **REVIEW)
    ids = list(table(at, "incident_table")["incident_id"])
    st.query_params.clear()
    st.query_params["metric"] = "ttd"
    pick(state, "incident_table", 2, "minutes")
    incident_list._open("incident_table", ids)()
    assert st.query_params.to_dict() == {"metric": "ttd", "incident": "Q2-3"}
    st.query_params.clear()
    at.query_params["incident"] = "Q2-3"  # the URL the callback left, run in the app
    at.run()
    assert at.title[0].value == "Incident Q2\\-3"
    at.button[0].click().run()  # '← All incidents': back to the list it came from
    assert "Incidents of 2025Q2 with a time to detect, shortest first: n = 6, median 7 min" in texts(at)


# ------------------------------------------------------------------ action items


def test_the_overdue_of_the_review_quarter(small):
    at = open_page(small, "views/actions.py", overdue="period", **REVIEW)
    assert metric(at, "Overdue (in 2025Q2)") == "2"
    assert list(table(at, "overdue_items")["incident_id"]) == ["Q2-2", "Q2-4"]
    assert list(table(at, "overdue_owners")["owner"]) == ["carol", "(no owner)"]
    assert "covers the items of **the incidents of 2025Q2** only" in texts(at)
    back = anchors(at)["Overdue items of every incident up to 2025-07-15 →"]
    assert back == ("action-items", {"as_of": "2025-07-15", "quarter": "2025Q2", "since": "2025Q2"})
    every = open_page(small, "views/actions.py", **REVIEW)
    assert metric(every, "Overdue (all quarters)") == "4"


def test_an_overdue_owners_row_shows_that_owners_items(small, state):
    at = open_page(small, "views/actions.py", overdue="period", **REVIEW)
    owners = list(table(at, "overdue_owners")["owner"])
    handles = [o if o != "(no owner)" else None for o in owners]
    pick(state, "overdue_owners", 1)  # the items with no owner: no owner to select
    drill.to_owner("overdue_owners", handles)()
    assert "owner" not in state
    pick(state, "overdue_owners", 0, "overdue")
    drill.to_owner("overdue_owners", handles)()
    assert state["owner"] == "carol" and "_links_go" not in state  # the page stays: its URL keeps overdue=period
    at = follow(at, state)
    assert at.selectbox(key="owner").value == "carol"
    assert list(table(at, "overdue_items")["incident_id"]) == ["Q2-2"]
    assert metric(at, "Overdue (in 2025Q2)") == "1"


def test_an_item_opens_its_incident_at_the_item_then_the_document_at_its_line(fdb, state):
    at = open_page(fdb, "views/actions.py", **PERIOD)
    ov = table(at, "overdue_items")
    i = list(ov["incident_id"]).index("Q1-1")
    line = fc.line_of("Q1-1", "item", "Ramp checkout releases by percentage")
    pick(state, "overdue_items", i, "action")
    drill.to_incident("overdue_items", list(ov["incident_id"]), list(ov["line"]), skip=("ticket_link",))()
    assert state["_links_go"] == ("incidents", {"incident": "Q1-1", "line": line})
    state.clear()
    pick(state, "overdue_items", i, "ticket_link")  # the ticket's own link: left to it
    drill.to_incident("overdue_items", list(ov["incident_id"]), list(ov["line"]), skip=("ticket_link",))()
    assert "_links_go" not in state

    at = open_page(fdb, "views/incidents.py", incident="Q1-1", line=str(line), **PERIOD)
    assert f"You came from the action item on line {line}: Ramp checkout releases by percentage" in texts(at)
    items = table(at, "detail_items")
    assert list(items["came_from"]) == ["▶ from here"]
    read = anchors(at)[f"Read the postmortem at line {line}"]
    assert read == ("document", {**PERIOD, "incident": "Q1-1", "line": str(line)})
    assert "source in the repository" not in " ".join(anchors(at))  # no document_url_template


def test_a_line_of_the_incident_opens_the_document_there(fdb, state):
    at = open_page(fdb, "views/incidents.py", incident="Q1-1", **PERIOD)
    assert anchors(at)["Read the postmortem"] == ("document", {**PERIOD, "incident": "Q1-1"})
    fx = table(at, "detail_factors")
    row = list(fx["text"]).index("Nobody was paged for the disk usage warning")
    main = str(fdb.parent / "corpus" / "payments" / "Q1-1.md")
    pick(state, "detail_factors", row, "text")
    drill.to_document("detail_factors", "Q1-1", main, list(fx["line"]), [main] * len(fx))()
    line = fc.line_of("Q1-1", "what_went_wrong", "Nobody was paged for the disk usage warning")
    assert state["_links_go"] == ("document", {"incident": "Q1-1", "path": None, "line": line})
    drill.to_document("detail_factors", "Q1-1", main, list(fx["line"]), ["other.md"] * len(fx))()
    assert state["_links_go"] == ("document", {"incident": "Q1-1", "path": "other.md", "line": line})


def test_the_source_link_follows_the_document_url_template(fdb, tmp_path, monkeypatch):
    cfg = tmp_path / "dashboard.yaml"
    cfg.write_text('document_url_template: "https://git.example.com/pm/blob/main/{path}#L{line}"\n', encoding="utf-8")
    monkeypatch.setenv("INCIDENTS_SETTINGS", str(cfg))
    line = fc.line_of("Q1-1", "item", "Ramp checkout releases by percentage")
    at = open_page(fdb, "views/incidents.py", incident="Q1-1", line=str(line), **PERIOD)
    out = [h.proto.body for h in at.get("html") if "source in the repository" in h.proto.body]
    assert len(out) == 1
    assert f'href="https://git.example.com/pm/blob/main/payments/Q1-1.md#L{line}"' in out[0]


# ------------------------------------------------------------------ the other pages


def test_response_times_factors_and_impact_link_their_numbers(small, fdb, idb):
    rt = anchors(open_page(small, "views/response_times.py", **PERIOD))
    assert rt["the 11 incidents, shortest first →"] == ("incidents", {**PERIOD, "metric": "ttr"})
    fx = anchors(open_page(fdb, "views/factors.py", **PERIOD))
    assert fx["the 4 incidents, each with its sentences →"] == ("incidents", {**PERIOD, "category": "monitoring-gap"})
    assert fx["the 7 incidents →"] == ("incidents", PERIOD)
    im = [
        (t, page, p["figure"], p.get("currency")) for t, page, p in drawn(open_page(idb, "views/impact.py", **REVIEW))
    ]
    assert ("the 3 incidents that state it →", "incidents", "customers_affected", None) in im
    assert ("the 1 incident that state it →", "incidents", "revenue_loss", "USD") in im
    assert links.URL_PATHS["actions"] == "action-items"
