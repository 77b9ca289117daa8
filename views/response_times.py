"""Response times: distributions and trends of TTD, TTA, TTM, TTR."""

import streamlit as st

from analytics import durations, report
from figures import charts
from views import drill, links, ui

MAX_POINTS = 1000  # per quarter in the strip chart: what a browser draws well

f = ui.filters()
st.title("Response times")
st.caption(ui.filter_caption(f) + f" · {ui.period(f)}")

defs = ui.call(durations.definitions)
labels = dict(zip(defs["duration_id"], defs["label"], strict=True))
metric = (
    st.segmented_control(
        "Metric", list(defs["duration_id"]), format_func=lambda m: labels.get(m, m), default="ttr", key="metric"
    )
    or "ttr"
)
row = defs[defs["duration_id"] == metric].iloc[0]
st.caption(f"**{row['label']}** ({row['start_milestone']} → {row['end_milestone']}): {row['definition']}")

s = ui.call(durations.summary, f, metric)
c = st.columns(5)
c[0].metric("Median", ui.minutes(s["median"]), help="Half the incidents took less, half took longer.")
if s["n"]:
    c[0].html(drill.small(links.anchor(drill.the(s["n"], "incident") + ", shortest first →", "incidents", metric=metric,
                                       title="The incidents behind the median, with their durations",
                                       **links.period_params(f))))  # fmt: skip
c[1].metric("p90", ui.minutes(s["p90"]), help="90% of the incidents took less (linear interpolation).")
c[2].metric("Mean", ui.minutes(s["mean"]), help="Shown for reference: a few long incidents dominate it.")
c[3].metric(
    "n", s["n"], help="Incidents this duration could be computed for (both milestones known, end not before start)."
)
c[4].metric("Coverage", ui.pct(s["coverage"]), help=f"{s['n']} of {s['incidents']} incidents in the filters; "
            f"{s['missing']} lack one of the two milestones.")  # fmt: skip

if s["doubtful"]:
    st.warning(f"{s['doubtful']} of the {s['n']} figures are doubtful ({ui.DOUBT_MARK}: a milestone rests on weak "
               "evidence, or the document's own stated duration disagrees). They are drawn as triangles below, "
               "and the Data quality page lists them with why.")  # fmt: skip

if not s["n"]:
    st.info(
        "No incident in these filters has both milestones of this duration. The Data quality page shows what the timelines lack."
    )
    st.stop()

points = ui.call(durations.sample, f, (metric,), "quarter", MAX_POINTS)
trend = ui.call(durations.by_quarter, f, metric)  # every incident and every quarter: the strip's medians, the trend
st.subheader("Every incident, by quarter")
st.caption("One point per incident (symlog scale: durations are skewed); the black tick is the quarter's median; "
           "triangles are doubtful figures, squares corrected ones."
           + charts.strip_note(len(points), s["n"]))  # fmt: skip
st.altair_chart(charts.durations_strip(points, "quarter", medians=trend), width="stretch")

st.subheader("Trend")
st.caption(
    "Median per quarter (line) up to the p90 (band); hover for n. Whether a change is real is on the Quarterly review."
)
st.altair_chart(charts.trend(trend, quarters=list(trend["quarter"])), width="stretch")

ch = ui.call(durations.change_vs_previous, f, metric, ui.settings().min_n_for_change, ui.settings().bootstrap_samples)
if ch.n_current:
    st.info(
        f"{f.end.label} against {f.end.previous().label}: {report.change_sentence(ch.as_dict(), ch.median_current)}"
    )
else:
    st.info(f"No incident of {f.end.label} has this duration: nothing to compare with {f.end.previous().label}.")

st.subheader("Breakdowns")
tabs = st.tabs(["By severity", "By team", "By service"])
for tab, group in zip(tabs, ("severity", "team", "service"), strict=True):
    with tab:
        g = ui.call(durations.by_group, f, metric, group)
        st.dataframe(g, hide_index=True, width="stretch", placeholder="", column_config={
            group: group, "n": st.column_config.NumberColumn("n", help="incidents with this duration"),
            "median": st.column_config.NumberColumn("median (min)", format="%.0f"),
            "p90": st.column_config.NumberColumn("p90 (min)", format="%.0f"),
            "mean": st.column_config.NumberColumn("mean (min)", format="%.0f"),
        })  # fmt: skip

st.subheader("Coverage")
st.caption("How many of the filtered incidents each duration could be computed for. Low coverage means the timelines "
           "do not say when something happened; the medians above speak only for the incidents that do.")  # fmt: skip
cov = ui.call(durations.coverage, f)
st.dataframe(cov, hide_index=True, width="stretch", placeholder="", column_config={
    "duration_id": None, "label": "duration", "computable": "incidents with it", "incidents": "incidents",
    "share": st.column_config.ProgressColumn("coverage", format="percent", min_value=0, max_value=1),
})  # fmt: skip

with st.expander("The incidents behind these numbers"):
    ph = ui.call(durations.per_incident_head, f, (metric,), ui.MAX_TABLE_ROWS)
    per = ph["rows"]
    st.caption(f"{ph['total']} incidents with this duration, oldest first."
               + ui.capped_note(len(per), ph["total"], "incidents", "narrow the filters") + " Select a row to open one.")  # fmt: skip
    table = per.assign(note=ui.figure_notes(per["doubt"], per["corrected"]))
    st.dataframe(table[["incident_id", "title", "quarter", "team", "severity", "minutes", "note"]], hide_index=True,
                 width="stretch", placeholder="", key="rt_incidents", selection_mode=drill.PICK,
                 on_select=drill.to_incident("rt_incidents", list(per["incident_id"])), column_config={
                     "incident_id": st.column_config.TextColumn("incident", help="Select the row to open it."),
                     "minutes": st.column_config.NumberColumn("minutes", format="%.0f"),
                     "note": st.column_config.TextColumn("figure", width="large", help=f"{ui.DOUBT_MARK} doubtful, "
                                                         f"with why; {ui.CORRECTED_MARK} corrected by hand, with the reason"),
                 })  # fmt: skip
