"""One click from a table row to what it counts: the selection callbacks the pages share.

A row's checkbox or any cell of a table drawn with `PICK` is one click; the callback (st.dataframe
on_select) reads what was picked and hands the target to links.go, which opens it in the same tab on
the next run, with a URL that reopens the same view."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import streamlit as st

from views import links

# A row's checkbox, or any cell: either is one click.
PICK = ("single-row", "single-cell")


def picked(key: str) -> tuple[int, str | None] | None:
    """(row position, column name or None for a whole row) the reader picked in the table `key`, if any."""
    state = st.session_state.get(key)
    try:
        sel = state["selection"]
        rows, cells = list(sel.get("rows") or []), list(sel.get("cells") or [])
    except (KeyError, TypeError, AttributeError):
        return None
    if rows:
        return int(rows[0]), None
    if cells:
        row, col = cells[0][0], cells[0][1]
        return int(row), str(col)
    return None


def on_pick(key: str, handler: Callable[[int], None], skip: Sequence[str] = ()) -> Callable[[], None]:
    """An on_select callback for the table `key`: handler(row position) when a row or a cell is picked.
    A cell of a column in `skip` (a link of its own, such as a ticket) is left to that link."""

    def callback() -> None:
        p = picked(key)
        if p is not None and p[1] not in skip:
            handler(p[0])

    return callback


def line_of(v) -> int | None:
    """A line number as the URL carries it; None for none (a structured document has no lines)."""
    if v is None or v is pd.NA or np.ma.is_masked(v):
        return None
    try:
        n = float(v)
    except (TypeError, ValueError):
        return None
    return int(n) if math.isfinite(n) and n >= 1 else None


def to_incident(key: str, ids: Sequence, lines: Sequence | None = None, skip: Sequence[str] = ()) -> Callable[[], None]:
    """on_select callback: the picked row's incident opens (with the line of the item it came from)."""

    def go(i: int) -> None:
        if 0 <= i < len(ids) and isinstance(ids[i], str) and ids[i]:
            links.go("incidents", incident=ids[i], line=line_of(lines[i]) if lines is not None else None)

    return on_pick(key, go, skip)


def to_document(key: str, incident_id: str, main_path: str | None, lines: Sequence,
                paths: Sequence | None = None, skip: Sequence[str] = ()) -> Callable[[], None]:  # fmt: skip
    """on_select callback: the picked row's line opens in the rendered postmortem (`path` only when the line
    is in another of the incident's documents than its main one)."""

    def go(i: int) -> None:
        if 0 <= i < len(lines):
            path = paths[i] if paths is not None else None
            other = path if isinstance(path, str) and path and path != main_path else None
            links.go("document", incident=incident_id, path=other, line=line_of(lines[i]))

    return on_pick(key, go, skip)


def to_owner(key: str, owners: Sequence) -> Callable[[], None]:
    """on_select callback of the overdue owners: the picked owner's items, by the Action items page's own
    owner box (a row of items with no owner has no owner to pick, and is left as it is). The page stays on
    screen, so its URL keeps every parameter (filters, overdue=period) and gains the owner: links.go would
    switch pages, and a switch to the page on screen drops the sidebar's filters from the URL."""

    def go(i: int) -> None:
        if 0 <= i < len(owners) and isinstance(owners[i], str) and owners[i]:
            st.session_state["owner"] = owners[i]

    return on_pick(key, go)


def to_page(key: str, page: str, targets: Sequence[dict], state: dict | None = None) -> Callable[[], None]:
    """on_select callback: the picked row opens `page` with that row's URL parameters (targets[i]) and the
    widget values of `state` (e.g. the sidebar quarter the row was counted in)."""

    def go(i: int) -> None:
        if 0 <= i < len(targets):
            links.go(page, state=dict(state or {}), **targets[i])

    return on_pick(key, go)


def to_documents(
    key: str, incident_ids: Sequence, paths: Sequence, lines: Sequence, skip: Sequence[str] = ()
) -> Callable[[], None]:
    """on_select callback for a table of lines in many files (the data-quality problems): the picked row
    opens its file in the document view at its line, when the file belongs to an incident (a skipped or
    rejected file has no document view)."""

    def go(i: int) -> None:
        if 0 <= i < len(incident_ids) and isinstance(incident_ids[i], str) and incident_ids[i]:
            links.go("document", incident=incident_ids[i], path=paths[i], line=line_of(lines[i]))

    return on_pick(key, go, skip)


def the(n: int, noun: str) -> str:
    """'the 6 incidents', 'the 1 incident': the words of a link that opens what a number counts."""
    return f"the {n:,} {noun}" + ("" if n == 1 else "s")


def small(*parts: str, sep: str = " · ") -> str:
    """Links (links.anchor results, already escaped) on one line in small type, to draw with st.html
    under the figure they open."""
    return f'<div class="drill-links" style="font-size:0.875rem">{sep.join(p for p in parts if p)}</div>'


# ------------------------------------------------------------------ the incident's documents


def came_from(items: pd.DataFrame, line) -> dict | None:
    """The action item a link came from (URL `line=N`, the item's line): {"line", "action", "source_path"},
    or None when no item of the incident is on that line (a structured document has no lines)."""
    n = line_of(line)
    if n is None or not len(items):
        return None
    hit = items[[line_of(v) == n for v in items["line"]]]
    if not len(hit):
        return None
    r = hit.iloc[0]
    return {"line": n, "action": str(r["action"] or ""), "source_path": r["source_path"]}


def came_from_marks(items: pd.DataFrame, came: dict | None) -> list[str]:
    """A column marking the item the reader came from ('▶ from here'), empty elsewhere."""
    if came is None:
        return [""] * len(items)
    return ["▶ from here" if line_of(v) == came["line"] and p == came["source_path"] else ""
            for v, p in zip(items["line"], items["source_path"], strict=True)]  # fmt: skip


def external(text: str, url: str) -> str:
    """A link out of the dashboard (the repository's web view), text and address escaped; a new tab."""
    return (f'<a class="drill" href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">'
            f"{html.escape(text)} ↗</a>")  # fmt: skip


def document_links(incident_id: str, main: str | None, documents: pd.DataFrame, came: dict | None,
                   settings) -> list[str]:  # fmt: skip
    """'Read the postmortem' (the rendered document, at the line of the item the reader came from), and
    where data/dashboard.yaml has a document_url_template, the same document in the repository."""
    path = came["source_path"] if came else main
    line = came["line"] if came else None
    other = path if isinstance(path, str) and path != main else None
    text = f"Read the postmortem at line {line}" if line else "Read the postmortem"
    out = [links.anchor(text, "document", title="The document as written, rendered, with the lines read from it marked",
                        incident=incident_id, path=other, line=line)]  # fmt: skip
    rel = documents.loc[documents["path"] == path, "relpath"] if len(documents) else []
    url = settings.document_url(str(rel.iloc[0]), line) if len(rel) and isinstance(rel.iloc[0], str) else None
    if url:
        out.append(external("the source in the repository", url))
    return out
