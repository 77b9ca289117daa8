"""Data quality: every file the ingest saw, what it could not read, and the guide's rules."""

import altair as alt
import streamlit as st

from analytics import quality
from views import ui

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
st.dataframe(files, hide_index=True, width="stretch", column_config={
    "size_bytes": st.column_config.NumberColumn("bytes"), "reused": st.column_config.CheckboxColumn("unchanged"),
})  # fmt: skip

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
    st.dataframe(ui.call(quality.problems, code), hide_index=True, width="stretch")

st.subheader("The guide's rules, per postmortem")
st.caption(ui.filter_caption(f) + f" · incidents of {f.start.label} to {f.end.label}. "
           "Unknown means the documents do not say enough to check the rule (e.g. no publication date).")  # fmt: skip
comp = ui.call(quality.compliance, f)
if comp.empty:
    st.info("No incidents in these filters.")
    st.stop()
st.dataframe(comp, hide_index=True, width="stretch", column_config={
    "rule": None, "label": "rule",
    "pass_share": st.column_config.ProgressColumn("pass share", format="percent", min_value=0, max_value=1,
                                                  help="pass / (pass + fail)"),
})  # fmt: skip
rule = st.selectbox("Failures of", ["", *comp["rule"]], key="dq_rule",
                    format_func=lambda r: quality.RULE_LABELS.get(r, r) if r else "every rule")  # fmt: skip
fh = ui.call(quality.findings_head, f, rule, "fail", ui.MAX_TABLE_ROWS)
fails = fh["rows"]
st.caption(f"{fh['total']} failing finding(s)." + ui.capped_note(len(fails), fh["total"], "findings",
                                                                 "choose a rule or filter to narrow"))  # fmt: skip
if len(fails):
    fails = fails.assign(link=fails["incident_id"].map(ui.incident_url))
    st.dataframe(fails[["link", "title", "team", "rule", "detail", "quote", "line"]], hide_index=True, width="stretch",
                 column_config={"link": st.column_config.LinkColumn("incident", display_text=ui.LINK_TEXT)})  # fmt: skip
