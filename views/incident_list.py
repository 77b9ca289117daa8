"""The Incidents page's list, and the lists behind another page's numbers (URL `metric=`, `category=`,
`figure=`): each lists exactly the incidents the number counted, says which, and opens one in a click."""

from __future__ import annotations

import html
from collections.abc import Callable

import pandas as pd
import streamlit as st

from analytics import factors, impact, incidents
from analytics.filters import Filters
from views import drill, links, ui

TABLE_KEY = "incident_table"
INCIDENT = st.column_config.TextColumn("incident", help="Select the row to open the incident.")


def _open(key: str, ids: list) -> Callable[[], None]:
    """on_select callback: the picked incident opens on this page; the list's own parameters stay in the URL,
    so '← All incidents' comes back to this list."""

    def go(i: int) -> None:
        if 0 <= i < len(ids) and isinstance(ids[i], str):
            st.query_params["incident"] = ids[i]

    return drill.on_pick(key, go)


def _table(df: pd.DataFrame, columns: list[str], config: dict) -> None:
    """The list, one click on a row (or a cell) opening its incident."""
    st.dataframe(df[columns], hide_index=True, placeholder="", width="stretch", key=TABLE_KEY,
                 selection_mode=drill.PICK, on_select=_open(TABLE_KEY, list(df["incident_id"])),
                 column_config={"incident_id": INCIDENT, **config})  # fmt: skip


def _header(text: str, f: Filters, search: str) -> None:
    """What the list is, and a link back to every incident of the same filters."""
    st.subheader(ui.md(text))
    note = f" Matching the search '{search.strip()[:200]}' only." if search.strip() else ""
    st.html(drill.small(links.anchor(f"Show every incident of {ui.period(f)}", "incidents",
                                     title="The whole list, with these filters") + html.escape(note)))  # fmt: skip


def _lower(label: str) -> str:
    return label[:1].lower() + label[1:] if label else label


def by_duration(f: Filters, metric: str, search: str) -> None:
    """The incidents behind a duration's median, shortest first."""
    d = ui.call(incidents.duration_list, f, metric, search, ui.MAX_TABLE_ROWS)
    if d["label"] is None:
        st.warning(f"There is no duration '{ui.md(metric[:60])}' in this database (ttd, tta, ttm, ttr, ...).")
        _header(f"Incidents of {ui.period(f)}", f, search)
        return
    if not d["total"]:
        _header(f"Incidents of {ui.period(f)} with a {_lower(d['label'])}: none", f, search)
        st.info(f"No incident of these filters has a {_lower(d['label'])} (both of its milestones known).")
        return
    _header(f"Incidents of {ui.period(f)} with a {_lower(d['label'])}, shortest first: n = {d['total']:,}, "
            f"median {ui.minutes(d['median'])}", f, search)  # fmt: skip
    rows = d["rows"]
    st.caption(f"p90 {ui.minutes(d['p90'])}" + (f" · {d['doubtful']} doubtful {ui.DOUBT_MARK}" if d["doubtful"] else "")
               + ". Select a row to open the incident." + ui.capped_note(len(rows), d["total"], "incidents"))  # fmt: skip
    view = rows.assign(note=ui.figure_notes(rows["doubt"], rows["corrected"]))
    _table(view, ["incident_id", "minutes", "title", "quarter", "team", "severity", "status", "note"], {
        "minutes": st.column_config.NumberColumn(f"{d['label']} (min)", format="%.0f"),
        "note": st.column_config.TextColumn("figure", width="medium", help=f"{ui.DOUBT_MARK} doubtful, with why; "
                                            f"{ui.CORRECTED_MARK} corrected by hand, with the reason"),
    })  # fmt: skip


def sentences(texts, lines) -> str:
    """A row's factor sentences, each with its line: '"Config typo" (line 12); "No canary" (line 14)'."""
    out = []
    for t, n in zip(texts, lines, strict=True):
        line = drill.line_of(n)
        out.append(f"“{t}”" + (f" (line {line})" if line else ""))
    return "; ".join(out)


def by_category(f: Filters, category: str, search: str) -> None:
    """The incidents behind a category's count, newest first, with their factor sentences of it."""
    labels = ui.call(factors.category_labels)
    c = ui.call(incidents.category_list, f, category, search, ui.MAX_TABLE_ROWS)
    label = labels.get(category)
    if label is None and not c["total"]:
        st.warning(f"There is no factor category '{ui.md(category[:60])}' in this database's taxonomy.")
        _header(f"Incidents of {ui.period(f)}", f, search)
        return
    label = label or category
    if not c["total"]:
        _header(f"Incidents of {ui.period(f)} with a factor of {label}: none", f, search)
        st.info("No incident of these filters has a contributing factor of this category.")
        return
    _header(f"Incidents of {ui.period(f)} with a factor of {label}, newest first: n = {c['total']:,} "
            f"({c['factors']:,} factor sentences)", f, search)  # fmt: skip
    rows = c["rows"]
    st.caption("Each incident with the factor sentences filed under the category, as written, and the line of "
               "the postmortem they were read from. Select a row to open the incident."
               + ui.capped_note(len(rows), c["total"], "incidents"))  # fmt: skip
    view = rows.assign(sentences=[sentences(t, n) for t, n in zip(rows["texts"], rows["lines"], strict=True)])
    _table(view, ["incident_id", "sentences", "factors", "title", "quarter", "team", "severity"], {
        "sentences": st.column_config.TextColumn("factor sentences (line)", width="large"),
        "factors": st.column_config.NumberColumn("sentences"),
    })  # fmt: skip


def by_figure(f: Filters, metric: str, currency: str | None, search: str) -> None:
    """The incidents behind an impact total, largest first, with the figure as stated."""
    if metric not in impact.METRICS:
        st.warning(f"There is no impact figure '{ui.md(metric[:60])}' (customers_affected, revenue_loss, ...).")
        _header(f"Incidents of {ui.period(f)}", f, search)
        return
    x = ui.call(incidents.figure_list, f, metric, currency, search, ui.MAX_TABLE_ROWS)
    label = _lower(x["label"])
    if not x["total"]:
        _header(f"Incidents of {ui.period(f)} that state {label}: none", f, search)
        st.info("No incident of these filters states this figure.")
        return
    kind = impact.METRICS[metric][1]
    total = "" if x["sum"] is None else f", total {impact.amount(x['sum'], metric, currency)}"
    order = "yes first" if kind == "flag" else "largest first"
    _header(f"Incidents of {ui.period(f)} that state {label}, {order}: n = {x['total']:,}{total}", f, search)
    rows = x["rows"]
    st.caption("The figure as the postmortem states it (a range counts at its midpoint in a total), the words it was "
               "read from and their line. Select a row to open the incident."
               + ui.capped_note(len(rows), x["total"], "incidents"))  # fmt: skip
    _table(rows, ["incident_id", "shown", "text", "line", "title", "quarter", "team", "severity"], {
        "shown": st.column_config.TextColumn(x["label"]),
        "text": st.column_config.TextColumn("as written", width="large"),
        "line": st.column_config.NumberColumn("line", format="%d"),
    })  # fmt: skip


def everything(f: Filters, search: str) -> None:
    """Every incident of the filters (and the search), newest first."""
    head = ui.call(incidents.listing_head, f, search, ui.MAX_TABLE_ROWS)
    df = head["rows"]
    if df.empty:
        st.info("No incident matches these filters and this search.")
        return
    st.caption(f"{head['total']} incident(s). Select a row to open it."
               + ui.capped_note(len(df), head["total"], "incidents, newest first"))  # fmt: skip
    _table(df, ["incident_id", "title", "quarter", "team", "severity", "status", "ttd_minutes", "ttr_minutes", "items",
                "open_items", "problems", "rule_failures"], {
        "ttd_minutes": st.column_config.NumberColumn("TTD (min)", format="%.0f"),
        "ttr_minutes": st.column_config.NumberColumn("TTR (min)", format="%.0f"),
        "open_items": "open items", "rule_failures": st.column_config.NumberColumn("guide rules failed"),
    })  # fmt: skip


def show(f: Filters) -> None:
    """The list the URL asks for: behind a duration (metric=), a category (category=), an impact figure
    (figure=, with currency= for money), or every incident; each with the search box."""
    qp = st.query_params
    st.title("Incidents")
    st.caption(ui.filter_caption(f) + f" · {ui.period(f)}")
    search = st.text_input("Search", key="q", bind="query-params", max_chars=200,
                           placeholder="id, title, service, or words from factors and timelines") or ""  # fmt: skip
    if qp.get("metric"):
        by_duration(f, qp.get("metric")[:60], search)
    elif qp.get("category"):
        by_category(f, qp.get("category")[:200], search)
    elif qp.get("figure"):
        by_figure(f, qp.get("figure")[:60], (qp.get("currency") or "")[:12] or None, search)
    else:
        everything(f, search)
