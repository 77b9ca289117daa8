"""Data quality: every file the ingest saw, what it could not read, and the guide's rules."""

import altair as alt
import streamlit as st

from analytics import quality
from views import drill, ui

f = ui.filters()
st.title("Data quality")

o = ui.call(quality.outcomes)
c = st.columns(5)
c[0].metric("Files seen", sum(o.values()), format="localized")
c[1].metric("Incidents", o["incident"], format="localized", help="Files that became an incident.")
c[2].metric("Attached", o["attached"], format="localized", help="5-whys documents joined to the incident they name.")
c[3].metric(
    "Skipped", o["skipped"], format="localized", help="Not postmortems: READMEs, templates, images, data files."
)
c[4].metric("Rejected", o["rejected"], format="localized", help="Could not be read; the reason is listed below.")

st.subheader("Files")
outcome = st.selectbox("Show", ["", "incident", "attached", "skipped", "rejected"], key="dq_outcome",
                       format_func=lambda x: x or "all files")  # fmt: skip
fh = ui.call(quality.sources_head, outcome, ui.MAX_TABLE_ROWS)
files = fh["rows"]
if len(files) < fh["total"]:
    st.caption(ui.capped_note(len(files), fh["total"], "files", "choose an outcome to narrow").strip())
st.dataframe(files, hide_index=True, placeholder="", width="stretch", column_config={
    "size_bytes": st.column_config.NumberColumn("bytes"), "reused": st.column_config.CheckboxColumn("unchanged"),
})  # fmt: skip

st.subheader("Incidents without a date")
uh = ui.call(quality.undated_head, f, ui.MAX_TABLE_ROWS)
undated, n_undated = uh["rows"], uh["total"]
undated_note = f"{quality.undated_note(n_undated)} " if n_undated else ""  # said by every per-quarter section
st.caption(ui.filter_caption(f) + " · every quarter. No Date field, and no date in the title, the file name, the "
           "opening text or the timeline: such an incident is in no quarter, so no count per quarter includes it. "
           "Add 'Date: YYYY-MM-DD' to its header.")  # fmt: skip
st.metric("No date", n_undated, format="localized", help="Incidents that no quarter holds, for want of a date.")
if n_undated:
    st.caption(f"{n_undated:,} incident(s) without a date." + ui.capped_note(len(undated), n_undated, "incidents",
                                                                            "filter to narrow"))  # fmt: skip
    undated = undated.assign(link=ui.incident_urls(undated["incident_id"]))
    st.dataframe(undated[["link", "title", "team", "path"]], hide_index=True, placeholder="", width="stretch",
                 column_config={"link": st.column_config.LinkColumn("incident", display_text=ui.LINK_TEXT),
                                "path": "file"})  # fmt: skip
else:
    st.success("Every incident has a date.")

st.subheader("Problems found while reading")
st.caption(
    "Everything the parser could not read as written, with file and line. The rest of each document is still used."
)
by_code = ui.call(quality.problems_by_code)
if by_code.empty:
    st.success("No problems: every document was read as written.")
else:
    chart = alt.Chart(by_code).mark_bar().encode(
        x=alt.X("problems:Q", title="problems"), y=alt.Y("code:N", sort="-x", title=None),
        color=alt.Color("level:N", scale=alt.Scale(domain=["error", "warning"], range=["#d62728", "#ff9f1c"])),
        tooltip=["code", "level", "problems", "files"],
    ).properties(height=alt.Step(20))  # fmt: skip
    st.altair_chart(chart, width="stretch")
    code = st.selectbox("Problems with code", ["", *by_code["code"]], key="dq_code",
                        format_func=lambda x: x or "all codes")  # fmt: skip
    probs = ui.call(quality.problems, code)
    s = ui.settings()
    lines = [drill.line_of(n) for n in probs["line"]]
    probs = probs.assign(source=[s.document_url(r, n) if isinstance(r, str) else None
                                 for r, n in zip(probs["relpath"], lines, strict=True)])  # fmt: skip
    st.caption("Select a problem of an incident's document to read that document at its line."
               + (" 'source' opens the file in the repository." if s.document_url_template else ""))  # fmt: skip
    st.dataframe(probs[["path", "line", "level", "code", "message", "incident_id", "source"]], hide_index=True,
                 placeholder="", width="stretch", key="dq_problems", selection_mode=drill.PICK,
                 on_select=drill.to_documents("dq_problems", list(probs["incident_id"]), list(probs["path"]),
                                              lines, skip=("source",)),
                 column_config={"line": st.column_config.NumberColumn("line", format="%d"),
                                "source": st.column_config.LinkColumn("source", display_text="open")
                                if s.document_url_template else None})  # fmt: skip

st.subheader("Durations to check")
st.caption(ui.filter_caption(f) + f" · incidents of {ui.period(f)}. {undated_note}"
           f"{ui.DOUBT_MARK} Doubtful: a milestone rests on weak evidence (an approximate time, a contradiction) or "
           f"the document's own stated duration disagrees; the review does not call a change real on them. "
           f"{ui.CORRECTED_MARK} Corrected: a milestone was set or cleared in the corrections file.")  # fmt: skip
checks = ui.call(quality.duration_checks, f)
n_doubt, n_fixed = int(checks["doubtful"].sum()), int(checks["corrected"].sum())
d1, d2 = st.columns(2)
d1.metric(f"Doubtful figures {ui.DOUBT_MARK}", n_doubt, format="localized",
          help="Duration figures, over every duration, that should not be trusted as they stand.")  # fmt: skip
d2.metric(f"Corrected figures {ui.CORRECTED_MARK}", n_fixed, format="localized",
          help="Duration figures resting on a milestone set or cleared by hand.")  # fmt: skip
if n_doubt or n_fixed:
    st.dataframe(checks[checks["doubtful"] + checks["corrected"] > 0], hide_index=True, placeholder="", width="stretch",
                 column_config={"duration_id": None, "label": "duration", "figures": "figures",
                                "doubtful": f"doubtful {ui.DOUBT_MARK}",
                                "corrected": f"corrected {ui.CORRECTED_MARK}"})  # fmt: skip
    labels = dict(zip(checks["duration_id"], checks["label"], strict=True))
    which = st.selectbox("Figures of", ["", *checks["duration_id"]], key="dq_duration",
                         format_func=lambda d: labels.get(d, d) if d else "every duration")  # fmt: skip
    th = ui.call(quality.durations_to_check_head, f, which, ui.MAX_TABLE_ROWS)
    rows = th["rows"]
    st.caption((f"{th['total']} figure(s) to check." if th["total"] else "No figure of this duration to check.")
               + ui.capped_note(len(rows), th["total"], "figures", "choose a duration or filter to narrow"))  # fmt: skip
    if len(rows):
        rows = rows.assign(link=ui.incident_urls(rows["incident_id"]), note=ui.figure_notes(rows["doubt"],
                                                                                            rows["corrected"]))  # fmt: skip
        rows["duration"] = rows["duration_id"].map(labels)
        st.dataframe(rows[["link", "title", "team", "quarter", "duration", "minutes", "note"]], hide_index=True, placeholder="",
                     width="stretch", column_config={
                         "link": st.column_config.LinkColumn("incident", display_text=ui.LINK_TEXT),
                         "minutes": st.column_config.NumberColumn("minutes", format="%.0f"),
                         "note": st.column_config.TextColumn("why", width="large"),
                     })  # fmt: skip
else:
    st.success("No doubtful or corrected figure in these filters.")

st.subheader("The guide's rules, per postmortem")
st.caption(ui.filter_caption(f) + f" · incidents of {ui.period(f)}. {undated_note}"
           "Unknown means the documents do not say enough to check the rule (e.g. no publication date).")  # fmt: skip
comp = ui.call(quality.compliance, f)
if comp.empty:
    st.info("No incidents in these filters.")
    st.stop()
st.dataframe(comp, hide_index=True, placeholder="", width="stretch", column_config={
    "rule": None, "label": "rule",
    "pass_share": st.column_config.ProgressColumn("pass share", format="percent", min_value=0, max_value=1,
                                                  help="pass / (pass + fail)"),
})  # fmt: skip
rule = st.selectbox("Failures of", ["", *comp["rule"]], key="dq_rule",
                    format_func=lambda r: quality.RULE_LABELS.get(r, r) if r else "every rule")  # fmt: skip
fh = ui.call(quality.findings_head, f, rule, "fail", ui.MAX_TABLE_ROWS)
fails = fh["rows"]
st.caption((f"{fh['total']} failing finding(s)." if fh["total"] else "No failing finding.")
           + ui.capped_note(len(fails), fh["total"], "findings", "choose a rule or filter to narrow"))  # fmt: skip
if len(fails):
    fails = fails.assign(link=fails["incident_id"].map(ui.incident_url))
    st.dataframe(fails[["link", "title", "team", "rule", "detail", "quote", "line"]], hide_index=True, placeholder="", width="stretch",
                 column_config={"link": st.column_config.LinkColumn("incident", display_text=ui.LINK_TEXT)})  # fmt: skip
