"""Impact and follow-through: what incidents cost, and what kind of fixes we make."""

import streamlit as st

from analytics import impact
from analytics.factors import quarters
from views import drill, impact_charts, links, ui

MAX_POINTS = 1000  # per figure strip, and in the duration x impact scatter: what a browser draws well
MAX_ROWS = ui.MAX_TABLE_ROWS

f = ui.filters()
period = f.end.label if f.start == f.end else f"{f.start.label}–{f.end.label}"

st.title("Impact and follow-through")
st.caption(ui.filter_caption(f) + f" · {period}")

# ------------------------------------------------------------------ what it cost
s = ui.call(impact.summary, f)
rows = impact.headline(s) if s["incidents"] else []  # no incident: no figure to call 'not reported'
st.subheader("What incidents cost")
st.caption(f"{s['definition']} Figures as the postmortems state them (Impact section, `Impact:` list, figure labels, "
           "front matter)" + (f" for the {s['incidents']} incidents of {period}." if s["incidents"]
                              else f". No incident of {period} is in these filters: nothing to sum."))  # fmt: skip
cols = st.columns(min(len(rows), 4) or 1)
for i, x in enumerate(rows):
    label = x["label"] + (f" ({x['currency']})" if x["currency"] else "")
    col = cols[i % len(cols)]
    col.metric(
        label,
        x.get("tile", x["total"]),
        help=f"{impact.DEFINITION} n = {x['n']} of {x['incidents']} incidents reported it.",
    )
    bits = [f"n = {x['n']} of {x['incidents']}"] + ([x["tile_note"]] if x.get("tile_note") else [])
    bits += [f"median {x['median']}"] if x["median"] else []
    col.caption(" · ".join(bits) + (f" · {x['note']}" if x["note"] else ""))
    if x["n"]:
        col.html(drill.small(links.anchor(drill.the(x["n"], "incident") + " that state it →", "incidents", figure=x["metric"],
                                          currency=x["currency"], **links.period_params(f))))  # fmt: skip

fp = ui.call(impact.figure_points, f, MAX_POINTS)
st.subheader("Every incident's figures")
if fp["figures"].empty:
    st.info("No incident of these filters states a numeric impact figure.")
else:
    st.caption("One point per incident that reports the figure (symlog scale: a few incidents dominate any total); "
               "the black tick is the median. Hover for the figure as written."
               + impact_charts.sample_note(fp["figures"]))  # fmt: skip
    st.altair_chart(impact_charts.figure_strips(fp["points"], fp["figures"]))

dim = st.segmented_control("Break down by", ["team", "quarter", "severity"], default="team", key="impact_dim") or "team"
tbl = ui.call(impact.group_table, f, dim)
st.caption(f"Per {dim}: each figure's sum over the {dim}'s incidents that report it, with n (how many did) and the "
           "median; money per currency; data loss and security as yes/no counts.")  # fmt: skip
if len(tbl):
    st.dataframe(
        tbl, hide_index=True, placeholder="", width="stretch", column_config=impact_charts.group_columns(tbl, dim)
    )

# ------------------------------------------------------------------ severity x duration x impact
st.subheader("Severity, duration and impact")
opts = ui.call(impact.figure_options, f)
if not opts:
    st.info("No incident of these filters states a numeric impact figure to set against its duration.")
else:
    labels = {f"{m}|{c or ''}": (m, c, lab, n) for m, c, lab, n in opts}
    pick = st.selectbox("Impact figure", list(labels), format_func=lambda k: f"{labels[k][2]} ({labels[k][3]} incidents)",
                        key="impact_figure")  # fmt: skip
    m, c, lab, _n = labels[pick or next(iter(labels))]
    d = ui.call(impact.duration_vs_impact, f, m, c, MAX_POINTS)
    rho = d["spearman"]
    verdict = (
        "too few incidents to say how closely they go together (n < 5)"
        if rho is None
        else f"rank correlation {rho:+.2f}: "
        + ("duration tells little about the cost" if abs(rho) < 0.5 else "longer incidents did tend to cost more")
    )
    st.caption(f"One point per incident with both a duration (time to resolve, else the header's reported "
               f"duration) and {lab.lower()}: n = {d['n']} of {d['incidents']} ({d['missing_figure']} do not report "
               f"the figure, {d['missing_duration']} have no duration). Spearman {verdict}."
               + (f" The chart draws a fixed sample of {d['drawn']:,} of the {d['n']:,} incidents; the correlation "
                  "and the medians count every one." if d["drawn"] < d["n"] else ""))  # fmt: skip
    if d["n"]:
        st.altair_chart(impact_charts.severity_duration_impact(d["points"], lab), width="stretch")
    st.dataframe(d["by_severity"], hide_index=True, placeholder="", width="stretch", column_config={
        "incidents": st.column_config.NumberColumn("incidents"),
        "n": st.column_config.NumberColumn("n with both", help="Incidents with a duration and the figure."),
        "median_duration": st.column_config.NumberColumn("median duration (min)", format="%.0f"),
        "median_figure": st.column_config.NumberColumn(f"median {lab.lower()}", format="localized"),
    })  # fmt: skip

# ------------------------------------------------------------------ what kind of fixes
st.subheader("What kind of fixes we make")
ts = ui.call(impact.type_summary, f)
st.caption(ts["definition"] + (f" {ts['items']} items; typed by a Type column {ts['typed_from']['column']}, by the "
           f"rules {ts['typed_from']['rule']}, untyped {ts['by_type']['untyped']['items']}." if ts["items"]
           else " No action items in these filters."))  # fmt: skip
types = list(ts["by_type"].items()) if ts["items"] else []  # no items: no share of nothing
for col, (t, v) in zip(st.columns(len(types) or 1), types, strict=False):
    col.metric(t.capitalize(), ui.pct(v["share"]), help=f"{v['items']} of {ts['items']} items; {v['done']} done.")
    col.caption(f"{v['items']} items, {v['done']} done")
left, right = st.columns(2)
for holder, group in ((left, "quarter"), (right, "team")):
    mix = ui.call(impact.type_mix, f, group)
    with holder:
        st.markdown(f"**Per {group}**")
        if mix.empty:
            st.info("No action items.")
            continue
        # every quarter of the period, an empty one as an empty row: it had no action items, not no quarter
        order = quarters(f) if group == "quarter" else sorted(mix[group].dropna().unique().tolist())
        st.altair_chart(impact_charts.type_bars(mix, group, order), width="stretch")
team_tbl = ui.call(impact.type_table, f, "team")
if len(team_tbl):
    st.caption("Are we only adding alerts, never preventing? Per team: share of each type (n = the team's items); "
               "the note flags more detection than prevention.")  # fmt: skip
    st.dataframe(team_tbl[["team", "items", *impact.TYPES, "note"]], hide_index=True, placeholder="", width="stretch", column_config={
        "items": st.column_config.NumberColumn("items (n)"),
        **{t: st.column_config.ProgressColumn(t, format="percent", min_value=0, max_value=1) for t in impact.TYPES},
    })  # fmt: skip

# ------------------------------------------------------------------ the incidents behind it
st.subheader("The incidents behind these numbers")
head = ui.call(impact.per_incident_head, f, MAX_ROWS)
per = head["rows"]
if len(per):
    shown_cols = ["incident_id", "title", "quarter", "team", "severity", "duration_minutes", *impact.NUMERIC,
                  "revenue_currency", "data_loss", "security_impact", "inexact"]  # fmt: skip
    view = per[
        [c for c in shown_cols if c in per.columns and (c in ("incident_id", "title") or head["filled"].get(c, 0))]
    ]
    st.caption(f"{head['total']} incidents; {head['with_figures']} state at least one figure. Empty = not "
               "reported. Select a row to open the incident, with each figure and the line it was read from."
               + ui.capped_note(len(per), head["total"], "incidents", "narrow the filters"))  # fmt: skip
    st.dataframe(view, hide_index=True, placeholder="", width="stretch", key="impact_incidents", selection_mode=drill.PICK,
                 on_select=drill.to_incident("impact_incidents", list(per["incident_id"])), column_config={
        "incident_id": st.column_config.TextColumn("incident"),
        "duration_minutes": st.column_config.NumberColumn("duration (min)", format="%.0f"),
        **{m: st.column_config.NumberColumn(impact.METRICS[m][0], format="localized") for m in impact.NUMERIC},
        "revenue_currency": "currency", "data_loss": "data loss", "security_impact": "security",
        "inexact": st.column_config.ListColumn("approximate / ranges"),
    })  # fmt: skip
else:
    st.info("No incident matches these filters.")
