"""The Action items page's tables: items whose row opens the incident at the item, in one click."""

import re

import pandas as pd
import streamlit as st

from analytics.settings import Settings
from views import drill, ui

INCIDENT = st.column_config.TextColumn("incident", help="Select the row to open the incident at this item.")
TICKET_LINK = st.column_config.LinkColumn("ticket link", display_text="open", help="The ticket in the tracker.")
OPENS = " Select a row to open its incident at the item; the ticket link opens the tracker."


def with_tickets(df: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """The ticket of each item as a link (a row itself opens the incident: items_table)."""
    out = df.copy()
    if "ticket" in out.columns:
        out["ticket_link"] = [settings.ticket_url(t) if isinstance(t, str) else None for t in out["ticket"]]
    return out


def items_table(df: pd.DataFrame, key: str, columns: list[str], config: dict, settings: Settings) -> None:
    """A list of items, one click on a row (or a cell but the ticket link) opening its incident with the item
    marked (its line)."""
    view = blank(with_tickets(df, settings))
    lines = list(df["line"]) if "line" in df.columns else None
    st.dataframe(view, hide_index=True, placeholder="", width="stretch", key=key, column_order=["incident_id", *columns],
                 selection_mode=drill.PICK, on_select=drill.to_incident(key, list(df["incident_id"]), lines,
                                                                        skip=("ticket_link",)),
                 column_config={"incident_id": INCIDENT, **config})  # fmt: skip


def n_items(n: int, what: str = "item", verb: str = "") -> str:
    """'1 item carries' / '3 items carry' (verb given in the plural)."""
    singular = {"carry": "carries", "take": "takes", "name": "names", "count": "counts"}.get(verb, verb)
    return f"{n} {what}{'' if n == 1 else 's'}" + (f" {singular if n == 1 else verb}" if verb else "")


def blank(df: pd.DataFrame) -> pd.DataFrame:
    """Missing text shown as an empty cell rather than 'None' (a name could be None)."""
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_string_dtype(out[c]) or out[c].dtype == object:
            out[c] = out[c].where(out[c].notna(), "")
    return out


def md(text: str) -> str:
    """Corpus text (a handle, a team) inside Markdown: shown as written, never as markup."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~])", r"\\\1", text)


def capped_caption(head: dict, what: str) -> None:
    """Says so when a list shows only its first rows."""
    note = ui.capped_note(len(head["rows"]), head["total"], what, "narrow the view with the selectors above")
    if note:
        st.caption(note.strip())
