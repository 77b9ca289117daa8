"""One team over time: its quarters side by side, each cell a link to what it counts.

The team is the sidebar's Team filter when it names exactly one team, so the URL (?team=X) reopens
this view; otherwise a picker sets that filter. The numbers come from analytics.teams.team_quarters."""

from __future__ import annotations

import html

import altair as alt
import pandas as pd
import streamlit as st

from analytics import durations
from analytics.filters import Filters
from analytics.teams import team_quarters
from figures import charts
from views import links, ui

PICKER = "team_page_pick"  # the picker's widget key
DASH = "—"  # a figure with no data: never 'nan', never 'n/a' in a table cell
QUARTER_AXIS = alt.Axis(labelAngle=0)

TABLE_CSS = """<style>
div.team-quarters { overflow-x: auto; }
table.team-quarters { border-collapse: collapse; width: 100%; font-size: 0.92rem; table-layout: fixed; }
table.team-quarters th:first-child { width: 10rem; }
table.team-quarters th, table.team-quarters td { padding: 0.35rem 0.6rem; text-align: left; vertical-align: top;
  overflow-wrap: break-word;
  border-bottom: 1px solid rgba(128,128,128,.3); }
table.team-quarters thead th { border-bottom: 2px solid rgba(128,128,128,.5); }
table.team-quarters tbody th { font-weight: 600; }
table.team-quarters tbody th small { font-weight: 400; opacity: .75; }
table.team-quarters ol { margin: 0; padding-left: 1.1rem; }
table.team-quarters .none { opacity: .6; }
</style>"""


def pick_team() -> None:
    """The picker's on_change: the sidebar's Team filter (a multiselect bound to the URL) becomes the team
    picked, so the URL reads ?team=X and reopens this view."""
    choice = st.session_state.get(PICKER)
    if choice:
        st.session_state["team"] = [choice]


def picker(f: Filters) -> None:
    """No single team in the sidebar: say why, and offer every team."""
    teams = ui.db_options().teams
    if f.teams:
        st.info(f"The sidebar's Team filter names {len(f.teams)} teams ({ui.md(', '.join(f.teams))}). "
                "This page shows one team: pick it here or keep one in the sidebar.")  # fmt: skip
    else:
        st.info("This page shows one team's quarters side by side. Pick a team, here or in the sidebar.")
    if not teams:
        st.warning("No incident of this database names a team.")
        return
    st.selectbox("Team", teams, index=None, key=PICKER, on_change=pick_team, placeholder="Choose a team")


def none(title: str = "no data") -> str:
    """The dash of a cell with no figure, with why in its tooltip."""
    return f'<span class="none" title="{html.escape(title, quote=True)}">{DASH}</span>'


def cell_incidents(team: str, row: dict) -> str:
    q = row["quarter"]
    return links.anchor(f"{row['incidents']:,}", "incidents", title=f"The team's incidents of {q}",
                        team=[team], quarter=q, since=q)  # fmt: skip


def cell_median(team: str, row: dict, metric: str) -> str:
    q, x = row["quarter"], row[metric]
    if not x["n"]:
        return none(f"No incident of {q} has this duration." if row["incidents"] else f"No incident in {q}.")
    return links.anchor(f"{ui.minutes(x['median'])} (n = {x['n']:,})", "incidents",
                        title=f"The {x['n']} incidents of {q} with this duration, shortest first",
                        team=[team], quarter=q, since=q, metric=metric)  # fmt: skip


def cell_completion(team: str, row: dict) -> str:
    q, a = row["quarter"], row["actions"]
    if a["completion_rate"] is None:
        return none(f"No action item of {q}'s incidents" + (" (all dropped)." if a["items"] else "."))
    return links.anchor(f"{ui.pct(a['completion_rate'])} (n = {a['rated']:,})", "actions",
                        title=f"{a['done']} done of {a['rated']} items (dropped left out)",
                        team=[team], quarter=q, since=q)  # fmt: skip


def cell_overdue(team: str, row: dict, as_of: str) -> str:
    q = row["quarter"]
    return links.anchor(f"{row['overdue']:,}", "actions", title=f"Items of {q}'s incidents overdue as of {as_of}",
                        team=[team], quarter=q, since=q, overdue="period")  # fmt: skip


def cell_factors(team: str, row: dict) -> str:
    q = row["quarter"]
    if not row["top_factors"]:
        return none(f"No categorized factor in {q}'s incidents." if row["incidents"] else f"No incident in {q}.")
    items = [links.anchor(f"{x['label']} ({x['incidents']})", "incidents",
                          title=f"The {x['incidents']} incidents of {q} with this factor, and its sentences",
                          team=[team], quarter=q, since=q, category=x["category"])
             for x in row["top_factors"]]  # fmt: skip
    return "<ol>" + "".join(f"<li>{a}</li>" for a in items) + "</ol>"


def row_header(name: str | tuple[str, str]) -> str:
    """A measure's name, with a note under it when it has one (name, note)."""
    if isinstance(name, tuple):
        return f"{html.escape(name[0])}<br><small>{html.escape(name[1])}</small>"
    return html.escape(name)


def table_html(data: dict) -> str:
    """Quarters as columns, measures as rows; every cell links to what it counts. Corpus text (the team,
    factor labels) is escaped by links.anchor and here."""
    team, rows, as_of = data["team"], data["quarters"], data["as_of"]
    measures = [
        ("Incidents", lambda r: cell_incidents(team, r)),
        ("Median time to detect", lambda r: cell_median(team, r, "ttd")),
        ("Median time to resolve", lambda r: cell_median(team, r, "ttr")),
        ("Action-item completion", lambda r: cell_completion(team, r)),
        (("Overdue items", f"as of {as_of}"), lambda r: cell_overdue(team, r, as_of)),
        ("Top factors", lambda r: cell_factors(team, r)),
    ]
    head = '<th scope="col">' + html.escape(team) + "</th>"
    head += "".join(f'<th scope="col">{html.escape(r["quarter"])}</th>' for r in rows)
    body = "".join(
        f'<tr><th scope="row">{row_header(name)}</th>' + "".join(f"<td>{cell(r)}</td>" for r in rows) + "</tr>"
        for name, cell in measures
    )
    wide = f"min-width: {10 + 9 * len(rows)}rem"  # narrow screens and long periods scroll, never clip a label
    table = f'<table class="team-quarters" style="{wide}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    return f'{TABLE_CSS}<div class="team-quarters">{table}</div>'


def trend_frame(data: dict) -> pd.DataFrame:
    """Per quarter: incidents, median TTR (None without data) and its n, for the charts."""
    rows = [{"quarter": r["quarter"], "incidents": r["incidents"], "median": r["ttr"]["median"], "n": r["ttr"]["n"]}
            for r in data["quarters"]]  # fmt: skip
    df = pd.DataFrame(rows, columns=["quarter", "incidents", "median", "n"])
    df["median"] = df["median"].astype("float64")
    df["median_text"] = [ui.minutes(v) if v == v else DASH for v in df["median"]]
    return df


def incidents_chart(df: pd.DataFrame) -> alt.Chart:
    """Incidents per quarter, every quarter on the axis (zeros drawn as zeros)."""
    quarters = list(df["quarter"])
    return (
        alt.Chart(df)
        .mark_line(point=True)
        .encode(
            x=alt.X("quarter:O", title=None, sort=quarters, scale=alt.Scale(domain=quarters), axis=QUARTER_AXIS),
            y=alt.Y("incidents:Q", title="incidents", axis=charts.count_axis(), scale=alt.Scale(domainMin=0)),
            tooltip=[alt.Tooltip("quarter:O"), alt.Tooltip("incidents:Q", format=charts.COUNT)],
        )
        .properties(title="Incidents", height=200)
    )


def ttr_chart(df: pd.DataFrame) -> alt.Chart:
    """Median time to resolve per quarter; a quarter without the duration is a gap in the line (a median of
    nothing is no number), never a line joined across it."""
    quarters = list(df["quarter"])
    return (
        alt.Chart(df)
        .mark_line(point=True, invalid="break-paths-show-domains")
        .encode(
            x=alt.X("quarter:O", title=None, sort=quarters, scale=alt.Scale(domain=quarters), axis=QUARTER_AXIS),
            y=alt.Y("median:Q", title="median", axis=charts.duration_axis()),
            tooltip=[
                alt.Tooltip("quarter:O"),
                alt.Tooltip("median_text:N", title="median"),
                alt.Tooltip("n:Q", format=charts.COUNT),
            ],
        )
        .properties(title="Median time to resolve", height=200)
    )


def definitions(as_of: str) -> str:
    """What each row counts (METRICS.md), in one caption."""
    return (
        "**Incidents**: counted in the quarter their impact started (else detected, else the document's date). "
        f"**Time to detect**: {durations.DEFINITIONS['ttd']} **Time to resolve**: {durations.DEFINITIONS['ttr']} "
        "Medians over the quarter's incidents that have the duration; n = how many. "
        f"**Completion** = done / (all − dropped), items of the quarter's incidents, status as of {as_of}; "
        "n = the items counted. **Overdue** = not done, not dropped, due date before the as-of date; here only "
        "items of that quarter's incidents. **Top factors**: the categories in most of the quarter's incidents "
        "(counted by incidents, not mentions), with how many."
    )


def show(f: Filters, team: str) -> None:
    data = ui.call(team_quarters, f, team)
    st.title(f"Team over time: {ui.md(team)}")
    st.caption(ui.filter_caption(f) + f" · {ui.period(f)}, one column per quarter · every figure links to "
               "what it counts")  # fmt: skip
    st.html(table_html(data))
    st.caption(definitions(data["as_of"]))
    df = trend_frame(data)
    left, right = st.columns(2)
    left.altair_chart(incidents_chart(df), width="stretch")
    if df["n"].sum():
        right.altair_chart(ttr_chart(df), width="stretch")
    else:
        right.caption(f"No incident of {ui.md(team)} in {ui.period(f)} has a time to resolve.")


f = ui.filters()
if len(f.teams) == 1:
    show(f, f.teams[0])
else:
    st.title("Team over time")
    st.caption(ui.filter_caption(f))
    picker(f)
