"""The tables and small helpers the Contributing factors page and its sections share."""

import pandas as pd
import streamlit as st

from views import drill, ui

ALL = "__all__"
SECTIONS = {
    "proximate_cause": "Proximate Cause",
    "contributing_factors": "Contributing Factors",
    "root_cause": "Root Cause",
    "root_causes_identified": "Root Causes Identified",
    "five_whys": "5 Whys (last answer)",
    "what_went_wrong": "What Went Wrong",
    "why_not_caught": "Why it wasn't caught",
    "front_matter": "front matter tags",
    "detection": "Detection (timeline)",
    "summary": "Summary",
    "what_happened": "What Happened",
    "problem_statement": "Problem Statement",
    "lessons": "Lessons",
    "text": "before any heading",
}
INCIDENT_LINK = r"incidents\?incident=(.+)"
_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()<>#!|~$"})


def md(text) -> str:
    """Document text made inert for st.markdown/st.caption (no links, no formatting)."""
    return str(text).translate(_MD_SPECIAL)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def link(df: pd.DataFrame, col: str = "incident_id", to: str = "incident") -> pd.DataFrame:
    return df.assign(**{to: df[col].map(ui.incident_url)})


def incident_col(title: str = "incident") -> st.column_config.LinkColumn:
    return st.column_config.LinkColumn(title, display_text=INCIDENT_LINK, help="Open the incident's detail.")


def selected_row(key: str, n: int) -> int | None:
    """The row picked in the single-row table `key`, if it is still a row."""
    state = st.session_state.get(key)
    try:
        rows = list(state["selection"]["rows"]) if state is not None else []
    except (KeyError, TypeError):
        rows = []
    return rows[0] if rows and 0 <= rows[0] < n else None


def changed(name: str, value) -> bool:
    """True once each time a table/chart selection takes a new value (so a pick
    moves the drill-down, and the drill-down's own boxes stay free to change)."""
    k = f"_fx_applied_{name}"
    old = st.session_state.get(k)
    st.session_state[k] = value
    return value is not None and value != old


def factor_table(df: pd.DataFrame, key: str) -> None:
    """The exact factor sentences: incident, quarter, section, line, text. Selecting a row opens the
    postmortem at the sentence's line (the document view); the incident column links to the incident."""
    view = link(df).assign(section=df["section"].map(lambda s: SECTIONS.get(s, s)))
    ids, lines = list(df["incident_id"]), list(df["line"]) if "line" in df.columns else [None] * len(df)
    paths = list(df["source_path"]) if "source_path" in df.columns else [None] * len(df)
    st.caption("Select a row to read the sentence in its postmortem, at its line.")
    cols = [
        "incident",
        "text",
        "label",
        "why",
        "section",
        "line",
        "quarter",
        "title",
        "team",
        "severity",
        "source_path",
    ]
    st.dataframe(view[[c for c in cols if c in view.columns]], hide_index=True, width="stretch", placeholder="",
                 key=key, selection_mode=drill.PICK, on_select=drill.to_documents(key, ids, paths, lines, skip=("incident",)),
                 column_config={
                     "incident": incident_col(), "label": "category",
                     "line": st.column_config.NumberColumn("line", format="%d", help="Line in the file (none in YAML/JSON)."),
                     "text": st.column_config.TextColumn("factor, as written", width="large"),
                     "why": st.column_config.TextColumn("filed because", help="The words that matched the category, "
                                                        "the example sentence it is like, or the document's own category."),
                     "source_path": st.column_config.TextColumn("file"),
                 })  # fmt: skip
