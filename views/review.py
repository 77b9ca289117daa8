"""Quarterly review: the quarter on one screen, and the same as a file."""

import os

import pandas as pd
import streamlit as st

from analytics import cli, durations, export, impact, report
from analytics.review import quarterly_review
from figures import charts
from figures import review as review_figures
from views import drill, impact_charts, links, ui

MAX_POINTS = 1000  # per figure strip, and per metric in the durations strip: what a browser draws well

f = ui.filters()
s = ui.settings()
r = ui.call(quarterly_review, f, s)
q = r["quarter"]
pin = links.period_params(f, only_end=True)  # every link opens what was counted: the review quarter

st.title(f"Quarterly review: {q}")
st.caption(ui.filter_caption(f) + f" · compared with {r['previous_quarter']}")
st.markdown(ui.md(report.what_changed(r)))

inc = r["incidents"]
c1, c2 = st.columns([1, 3])
c1.metric("Incidents", inc["total"], format="localized", delta=inc["total"] - inc["previous_quarter"], delta_color="inverse",
          help=f"Incidents whose impact started in {q} (else detected, else dated). Change against {r['previous_quarter']}.")  # fmt: skip
if inc["total"]:
    link = links.anchor(drill.the(inc["total"], "incident") + " →", "incidents", title=f"The incidents of {q}", **pin)
    c1.html(drill.small(link))
sev = pd.DataFrame([{"severity": k, "incidents": v} for k, v in inc["by_severity"].items() if v])
if len(sev):
    c2.altair_chart(
        charts.bars(sev, "incidents", "severity", sort=list(sev["severity"]), color="severity"), width="stretch"
    )

st.subheader("Response times")
st.caption("Median and p90 per metric, with the number of incidents it could be computed for. Durations are skewed, "
           "so the mean is shown only for reference. A change is the difference of medians with a bootstrap 90% interval.")  # fmt: skip
cols = st.columns(4)
for col, m in zip(cols, durations.HEADLINE, strict=True):
    x = r[m]
    ch = x["change_vs_previous"]
    delta = None
    if ch["verdict"] in ("shorter", "longer"):
        delta = f"{report.change(ch['difference'], x['median'])} vs {r['previous_quarter']}"
    col.metric(report.NAMES[m], ui.minutes(x["median"]), delta=delta, delta_color="inverse",
               help=durations.DEFINITIONS[m] + " Median over the quarter's incidents.")  # fmt: skip
    if not x["n"]:
        col.caption(f"No incident of {q} has this duration." if x["incidents"] else f"No incident in {q}.")
        continue
    col.html(drill.small(links.anchor(drill.the(x["n"], "incident") + ", shortest first →", "incidents", metric=m,
                                      title=f"The incidents of {q} with this duration", **pin)))  # fmt: skip
    col.caption(f"p90 {ui.minutes(x['p90'])} · mean {ui.minutes(x['mean'])} · n = {x['n']} of {x['incidents']} "
                f"({ui.pct(x['coverage'])})" + (f" · {x['doubtful']} doubtful {ui.DOUBT_MARK}" if x["doubtful"] else ""))  # fmt: skip
    col.caption(report.change_sentence(ch, x["median"]))

n_points = sum(r[m]["n"] for m in durations.HEADLINE)
if n_points:
    per = ui.call(durations.sample, f.only(f.end), durations.HEADLINE, "duration_id", MAX_POINTS)
    per = per.assign(metric=per["duration_id"].map(report.NAMES))
    meds = pd.DataFrame(
        [{"metric": report.NAMES[m], "median": r[m]["median"], "n": r[m]["n"]} for m in durations.HEADLINE]
    )
    st.altair_chart(charts.durations_strip(per, "metric", "Every incident of the quarter", medians=meds),
                    width="stretch")  # fmt: skip
    if charts.strip_note(len(per), n_points):
        st.caption(charts.strip_note(len(per), n_points).strip())

st.subheader("Impact")
imp = r["impact"]
st.caption(f"{imp['definition']} n = the quarter's incidents that state the figure, of {imp['incidents']}. "
           "More figures, per quarter and team, on the Impact page.")  # fmt: skip
heads = [x for x in impact.headline(imp) if x["n"]]  # a figure no incident states is not drawn as "n = 0 of 0"
if not heads:
    st.caption(f"No incident of {q} states an impact figure.")
icols = st.columns(4)
for i, x in enumerate(heads):
    col = icols[i % 4]
    col.metric(x["label"] + (f" ({x['currency']})" if x["currency"] else ""), x.get("tile", x["total"]),
               help=f"Sum over the {x['n']} of {x['incidents']} incidents that state it; the others are left out.")  # fmt: skip
    col.caption(f"n = {x['n']} of {x['incidents']}" + (f" · {x['tile_note']}" if x.get("tile_note") else "")
                + (f" · median {x['median']}" if x["median"] else "")
                + (f" · {x['note']}" if x["note"] else ""))  # fmt: skip
    col.html(drill.small(links.anchor(drill.the(x["n"], "incident") + " that state it →", "incidents", figure=x["metric"],
                                      currency=x["currency"], title=f"The incidents of {q} that state it", **pin)))  # fmt: skip
fq = f.only(f.end)
fp = ui.call(impact.figure_points, fq, MAX_POINTS)
if len(fp["figures"]):
    with st.expander(f"Every incident's figures ({fp['incidents']} incidents state one)"):
        note = impact_charts.sample_note(fp["figures"])
        if note:
            st.caption(note.strip())
        st.altair_chart(impact_charts.figure_strips(fp["points"], fp["figures"]))
team_tbl = ui.call(impact.group_table, fq, "team")
if len(team_tbl):
    with st.expander("Impact per team"):
        st.caption("Per team: each figure's sum over the team's incidents that state it, n (how many did), median.")
        st.dataframe(team_tbl, hide_index=True, placeholder="", width="stretch",
                     column_config=impact_charts.group_columns(team_tbl, "team"))  # fmt: skip

left, right = st.columns(2)
with left:
    st.subheader("Recurring contributing factors")
    st.caption("Categories in at least two of the quarter's incidents, ranked by incidents (not mentions). "
               "Select a row for its incidents and their factor sentences.")  # fmt: skip
    rec = pd.DataFrame(r["recurring_factors"])
    if len(rec):
        st.dataframe(rec[["label", "incidents", "share"]], hide_index=True, placeholder="", width="stretch",
                     key="review_factors", selection_mode=drill.PICK,
                     on_select=drill.to_page("review_factors", "incidents", [{"category": c} for c in rec["category"]],
                                             state=pin),
                     column_config={"label": "category", "share": st.column_config.ProgressColumn(
                         "share of incidents", format="percent", min_value=0, max_value=1)})  # fmt: skip
    else:
        st.info("No category appears in two or more incidents this quarter.")
    if r["new_factors"]:
        st.html(drill.small("<b>New this quarter:</b> " + ", ".join(
            links.anchor(f"{x['label']} ({x['incidents']})", "incidents", category=x["category"], **pin)
            for x in r["new_factors"]), sep=""))  # fmt: skip
with right:
    st.subheader("Action items")
    a = r["action_items"]
    st.caption(f"Items from the quarter's incidents, status as of {f.as_of.isoformat()}.")
    a1, a2, a3 = st.columns(3)
    a1.metric("Completion", ui.pct(a["completion_rate"]), help="done / (all - dropped)")
    a2.metric("Overdue", a["overdue"], format="localized", help="Not done, not dropped, due before the as-of date.")
    if a["overdue"]:
        a2.html(drill.small(links.anchor(drill.the(a["overdue"], "overdue item") + " →", "actions", overdue="period",
                                         title=f"The overdue items of {q}'s incidents, and their owners", **pin)))  # fmt: skip
    a3.metric("On time", ui.pct(a["on_time_rate"]), help="Done on or before the due date / done with both dates known.")
    st.caption(f"{a['total']} items: {a['done']} done, {a['open']} open, {a['dropped']} dropped." if a["total"]
               else f"No action item from {q}'s incidents.")  # fmt: skip
    if r["overdue_all_quarters"]:
        st.html(drill.small(links.anchor(f"{r['overdue_all_quarters']:,} overdue across all quarters →", "actions",
                                         title="Every overdue item up to the as-of date, by owner")))  # fmt: skip
    else:
        st.caption("None overdue across all quarters.")
    t = r["action_item_types"]
    st.markdown("**What kind of fixes**")
    if t["items"]:
        st.caption(f"{t['items']} items (dropped left out): "
                   + ", ".join(f"{k} {ui.pct(v['share'])} ({v['items']})" for k, v in t["by_type"].items() if v["items"])
                   + ". Typed by a Type column, else by the rules of data/action_types.yaml.")  # fmt: skip
    else:
        st.caption("No action item to type.")
    mix = ui.call(impact.type_mix, fq, "team")
    if len(mix):
        st.altair_chart(impact_charts.type_bars(mix, "team", sorted(mix["team"].dropna().unique().tolist())),
                        width="stretch")  # fmt: skip
    st.subheader("Postmortems still in draft")
    drafts = pd.DataFrame(r["drafts"]["incidents"])
    if len(drafts):
        st.caption("Select a row to open the incident.")
        st.dataframe(drafts, hide_index=True, placeholder="", width="stretch", key="review_drafts",
                     selection_mode=drill.PICK, on_select=drill.to_incident("review_drafts", list(drafts["incident_id"])),
                     column_config={"incident_id": "incident"})  # fmt: skip
    else:
        st.success("None: every postmortem of the quarter is past draft.")

st.divider()
st.subheader("Download this review")
d1, d2, d3, d4 = st.columns(4)
view = {"teams": f.teams, "services": f.services, "severities": f.severities}
con = ui.connection()
d1.download_button("HTML with charts", lambda: review_figures.html_report(con, f, s, r), mime="text/html",
                   file_name=export.download_name("incident-review", q, "html", **view), icon=":material/download:",
                   help="One self-contained file: the numbers and the charts (SVG), opens without a network, prints.")  # fmt: skip
d2.download_button("Markdown with charts (zip)", lambda: review_figures.markdown_zip(con, f, s, r),
                   mime="application/zip", file_name=export.download_name("incident-review", q, "zip", **view),
                   icon=":material/download:", help="The Markdown report and its charts as SVG files beside it.")  # fmt: skip
d3.download_button("Markdown", report.to_markdown(r), file_name=export.download_name("incident-review", q, "md", **view),
                   mime="text/markdown", icon=":material/download:", help="The report as text, without charts.")  # fmt: skip
d4.download_button("JSON", report.to_json(r), file_name=export.download_name("incident-review", q, "json", **view),
                   mime="application/json", icon=":material/download:")  # fmt: skip
st.caption("The same numbers from the command line, run in the project folder (`--format html` for the file with "
           "charts, `--format md --output FOLDER/` for Markdown with its charts, `--format json`):")  # fmt: skip
st.code(cli.command_for("report", f, db=ui.db_path(), settings_file=os.environ.get("INCIDENTS_SETTINGS")),
        language="bash", wrap_lines=True)  # fmt: skip
