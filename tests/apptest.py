"""Running the real app under AppTest against a database built for the test."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

TIMEOUT = 60


def open_page(db: Path, page: str | None = None, **query_params) -> AppTest:
    """The app on `db`, with the given URL query parameters, switched to `page`
    (a file under views/, e.g. 'views/incidents.py'), run once."""
    os.environ["INCIDENTS_DB"] = str(db)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for k, v in query_params.items():
        at.query_params[k] = v
    at.run()
    if page is not None:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    """The displayed value of the st.metric with this label."""
    found = [m.value for m in at.metric if m.label == label]
    assert found, f"no metric {label!r}; have {[m.label for m in at.metric]}"
    return found[0]


def texts(at: AppTest) -> str:
    """All markdown, caption, info and warning text on the page, one string."""
    parts = []
    for kind in ("markdown", "caption", "info", "warning", "success", "error", "subheader", "title", "header"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)
