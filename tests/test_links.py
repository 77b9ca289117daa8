"""views/links.py: a link carries the filters the reader chose plus its own parameters, and a table
selection opens its target on the next run, keeping the sidebar's filters in the URL."""

from __future__ import annotations

import pytest

from tests import small_corpus
from tests.apptest import open_page

PINNED = {"quarter": "2025Q2", "since": "2025Q1", "as_of": "2025-07-15"}


@pytest.fixture(scope="module")
def db(tmp_path_factory, rules):
    return small_corpus.build(tmp_path_factory.mktemp("links"), rules)


def test_a_selection_on_the_page_on_screen_keeps_the_filters_and_drops_what_it_unsets(db):
    at = open_page(db, "views/incidents.py", line="7", **PINNED)
    at.session_state["_links_go"] = ("incidents", {"incident": "Q2-1", "line": None})
    at.run()
    assert not at.exception
    qp = {k: at.query_params[k] for k in at.query_params}
    assert qp["incident"] == "Q2-1"
    assert "line" not in qp
    assert {k: qp[k] for k in PINNED} == PINNED
    assert "_links_go" not in at.session_state


def test_a_selection_for_another_page_switches_to_it_with_its_parameters(db):
    at = open_page(db, "views/actions.py", **PINNED)
    at.session_state["_links_go"] = ("incidents", {"incident": "Q2-1", "line": None})
    at.run()
    assert not at.exception
    assert [t.value for t in at.title][-1] != "Action items"
    assert at.query_params["incident"] == "Q2-1"
    assert at.session_state["quarter"] == PINNED["quarter"]  # the sidebar's filters carried over
