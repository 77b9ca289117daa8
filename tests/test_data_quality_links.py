"""Data quality: a problem found in an incident's document opens that document at its line, and with a
document link template the problem's file links to the repository at the line."""

from __future__ import annotations

import pytest
import streamlit as st

from tests.apptest import open_page
from tests.conftest import build_corpus
from views import drill

DOC = """\
# Postmortem: Slow search

**Date:** 2025-05-02
**Severity:** SEV9

## Summary

Search was slow.
"""
TEMPLATE = 'document_url_template: "https://git.example.com/pm/blob/main/{path}#L{line}"\n'


@pytest.fixture(scope="module")
def db(tmp_path_factory, rules):
    return build_corpus(tmp_path_factory.mktemp("dq_links"), {"search/slow.md": DOC}, rules)


def _problems(at):
    return next(d.value for d in at.dataframe if "code" in d.value.columns and "message" in d.value.columns)


def test_a_problem_links_to_the_repository_at_its_line(db, tmp_path, monkeypatch):
    settings = tmp_path / "dashboard.yaml"
    settings.write_text(TEMPLATE, encoding="utf-8")
    monkeypatch.setenv("INCIDENTS_SETTINGS", str(settings))
    at = open_page(db, "views/data_quality.py")
    probs = _problems(at)
    row = probs[probs["path"].str.endswith("search/slow.md")].iloc[0]
    assert row["source"] == f"https://git.example.com/pm/blob/main/search/slow.md#L{int(row['line'])}"


def test_selecting_a_problem_opens_its_document_at_the_line(db, monkeypatch):
    monkeypatch.delenv("INCIDENTS_SETTINGS", raising=False)
    at = open_page(db, "views/data_quality.py")
    probs = _problems(at)
    assert probs["source"].isna().all()  # no template: no repository link (the column is hidden)
    i = next(n for n, p in enumerate(probs["path"]) if p.endswith("search/slow.md"))
    st.session_state.clear()
    st.session_state["dq_problems"] = {"selection": {"rows": [i], "columns": [], "cells": []}}
    drill.to_documents("dq_problems", list(probs["incident_id"]), list(probs["path"]), list(probs["line"]))()
    assert st.session_state["_links_go"] == (
        "document",
        {"incident": "search/slow", "path": probs["path"][i], "line": int(probs["line"][i])},
    )
    st.session_state.clear()
    st.session_state["dq_problems"] = {"selection": {"rows": [i], "columns": [], "cells": []}}
    drill.to_documents("dq_problems", [None] * len(probs), list(probs["path"]), list(probs["line"]))()
    assert "_links_go" not in st.session_state  # a file that is no incident's has no document view
    st.session_state.clear()
