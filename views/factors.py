"""Contributing factors: what keeps happening to us.

Every count on this page drills down, in the page, to the factor sentences and
incidents behind it; each incident links to its postmortem's detail."""

import altair as alt
import pandas as pd
import streamlit as st

from analytics import factors, repeats
from figures import charts
from views import curation as curation_section
from views import drill, links, ui
from views.factor_tables import ALL, changed, factor_table, incident_col, link, md, plural, selected_row

f = ui.filters()
totals = ui.call(factors.quarter_totals, f)
qs = totals["quarter"].tolist()
period = f.end.label if f.start == f.end else f"{f.start.label}–{f.end.label}"
fkey = f"{abs(hash(f)) % 10**8}"  # table keys change with the filters, so an old pick never points at a new row

st.title("Contributing factors")
st.caption(f"What keeps happening to us: {period} · {ui.filter_caption(f)}")

s = ui.call(factors.summary, f)
rep_report = ui.call(repeats.report, f)
rs = rep_report["summary"]
rl = rep_report["links"]
m1, m2, m3, m4, m5 = st.columns(5)
m1.metric("Incidents", s["incidents"], format="localized",
          help=f"Incidents whose impact started in {period} (else detected, else dated), with the sidebar filters. "
          f"{s['incidents_with_factors']} of them name at least one contributing factor.")  # fmt: skip
if s["incidents"]:
    m1.html(
        drill.small(links.anchor(drill.the(s["incidents"], "incident") + " →", "incidents", **links.period_params(f)))
    )
m2.metric("Recurring categories", s["recurring"],
          help="Taxonomy categories found in at least two of the period's incidents.")  # fmt: skip
m3.metric("New categories", s["new"],
          help="Categories first seen in this period (same team/service/severity filters, over all time "
          "up to the as-of date).")  # fmt: skip
m4.metric("Repeat incidents", rs["repeat_incidents"], format="localized",
          help=f"Incidents of the period sharing a category and a service with an earlier incident, or whose postmortem "
          f"and an earlier one's name each other (Related Incidents), of {s['incidents']}. {rl['linked']} are named "
          f"as related, {rl['link_only']} of them only by that reference.")  # fmt: skip
m5.metric("Uncategorized factors", ui.pct(s["uncategorized_share"]),
          help=f"{s['uncategorized']} of the period's {s['factors']} factor sentences matched no taxonomy category "
          f"(in {s['incidents_uncategorized']} incidents). Curate the taxonomy in its section below.")  # fmt: skip

ov = ui.call(factors.overview, f)
labels = dict(zip(ov["category"], ov["label"], strict=True))
labels["uncategorized"] = "Uncategorized"

PARTS = ["Recurring categories", "Repeat incidents", "Near misses and what went wrong", "Curate the taxonomy"]
# One section at a time, named in the URL: only the shown section's figures are computed.
section = (
    st.segmented_control("Section", PARTS, default=PARTS[0], key="factors_section", bind="query-params",
                         label_visibility="collapsed")
    or PARTS[0]
)  # fmt: skip

# ------------------------------------------------------------------ ranking
if section == "Recurring categories":
    st.subheader("Categories ranked by incidents")
    st.caption(f"Incidents of {period} with at least one factor of the category (an incident counts once however "
               f"often its postmortem names it; mentions = factor sentences)."
               + (f" Share = incidents / all {plural(s['incidents'], 'incident')} of the period." if s["incidents"] else "")
               + (f" Trend = incidents per quarter, {qs[0]} to {qs[-1]}." if len(qs) > 1 else "")
               + (" Click a row to see the sentences behind it." if len(ov) else ""))  # fmt: skip
    if not len(ov):
        st.info("No categorized contributing factor in this period.")
    else:
        table = ov.assign(status=[
            "new" if n else ("recurring" if r else "") for n, r in zip(ov["new"], ov["recurring"], strict=True)
        ])  # fmt: skip
        rank_key = f"fx_rank_{fkey}"
        top_q = max(1, max(max(t) for t in ov["trend"]))
        st.dataframe(
            table[["label", "incidents", "share", "mentions", "trend", "status", "first_quarter"]],
            hide_index=True, placeholder="", width="stretch", key=rank_key, on_select="rerun", selection_mode="single-row",
            height=35 * (len(table) + 1) + 3,
            column_config={
                "label": "category",
                "incidents": st.column_config.NumberColumn("incidents", help="Incidents of the period with this category."),
                "share": st.column_config.ProgressColumn("share of incidents", format="percent", min_value=0, max_value=1,
                                                         help=f"incidents / {s['incidents']}"),
                "mentions": st.column_config.NumberColumn("mentions", help="Factor sentences of this category."),
                "trend": st.column_config.BarChartColumn("per quarter", y_min=0, y_max=top_q,
                                                         help=f"Incidents per quarter, {qs[0]} to {qs[-1]}."),
                "status": st.column_config.TextColumn("status", help="recurring: 2+ incidents; new: first seen in the period."),
                "first_quarter": st.column_config.TextColumn("first seen", help="Quarter of the first incident ever "
                                                             "with this category (same filters)."),
            },
        )  # fmt: skip
        row = selected_row(rank_key, len(ov))
        if changed(rank_key, row):
            st.session_state["fx_category"], st.session_state["fx_quarter"] = ov["category"].iloc[row], ALL

        st.subheader("Category by quarter")
        heat = ui.call(factors.heatmap, f)
        st.caption("Incidents with each category in each quarter (n per quarter: "
                   + ", ".join(f"{q} {n}" for q, n in zip(totals["quarter"], totals["incidents"], strict=True))
                   + "). Click a cell to see its sentences.")  # fmt: skip
        cell = alt.selection_point(name="cell", fields=["category", "quarter"])
        base = alt.Chart(heat).encode(
            x=alt.X("quarter:O", sort=qs, title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("label:N", sort=list(ov["label"]), title=None, axis=alt.Axis(labelLimit=320)),
        )
        rect = base.mark_rect().encode(
            color=alt.Color("incidents:Q", scale=alt.Scale(scheme="blues"),
                            legend=alt.Legend(title="incidents", format=charts.COUNT, tickMinStep=1)),
            opacity=alt.when(cell).then(alt.value(1.0)).otherwise(alt.value(0.6)),
            tooltip=[
                alt.Tooltip("label:N", title="category"), alt.Tooltip("quarter:O"),
                alt.Tooltip("incidents:Q", title="incidents with it", format=charts.COUNT),
                alt.Tooltip("quarter_incidents:Q", title="incidents in the quarter", format=charts.COUNT),
                alt.Tooltip("share:Q", title="share of the quarter", format=".0%"),
            ],
        ).add_params(cell)  # fmt: skip
        top = max(1, int(heat["incidents"].max()))
        text = base.mark_text(baseline="middle").encode(
            text=alt.Text("incidents:Q", format=charts.COUNT),
            color=alt.when(alt.datum.incidents > top / 2).then(alt.value("white")).otherwise(alt.value("black")),
        )
        heat_key = f"fx_heat_{fkey}"
        st.altair_chart((rect + text).properties(height=alt.Step(26)), width="stretch", key=heat_key,
                        on_select="rerun", selection_mode="cell")  # fmt: skip
        picked = None
        try:
            pts = st.session_state[heat_key]["selection"]["cell"]
            if pts:
                picked = (pts[0]["category"], pts[0]["quarter"])
        except (KeyError, TypeError, IndexError):
            picked = None
        if changed(heat_key, picked) and picked[0] in labels and picked[1] in qs:
            st.session_state["fx_category"], st.session_state["fx_quarter"] = picked

        st.subheader("New in this period")
        new = ov[ov["new"]]
        st.caption("Categories whose first incident ever (same team/service/severity filters, up to the as-of "
                   f"date) falls in {period}: {len(new)} of the period's {len(ov)} categories.")  # fmt: skip
        if len(new):
            st.caption("Select a row to open its first incident.")
            st.dataframe(link(new, "first_incident", "first")[["label", "incidents", "first_seen", "first"]],
                         hide_index=True, placeholder="", width="stretch", key=f"fx_new_{fkey}",
                         selection_mode=drill.PICK, on_select=drill.to_incident(
                             f"fx_new_{fkey}", list(new["first_incident"]), skip=("first",)), column_config={
                             "label": "category", "incidents": "incidents in the period",
                             "first_seen": st.column_config.DatetimeColumn("first seen", format="YYYY-MM-DD"),
                             "first": incident_col("first incident")})  # fmt: skip
        else:
            st.info("No new failure mode: every category of the period was seen before it.")

    st.subheader("Behind a count")
    options = [*ov["category"], "uncategorized"]
    if st.session_state.get("fx_category") not in options:
        st.session_state["fx_category"] = options[0]
    if st.session_state.get("fx_quarter") not in [ALL, *qs]:
        st.session_state["fx_quarter"] = ALL
    c1, c2 = st.columns(2)
    cat = c1.selectbox("Category", options, key="fx_category", format_func=lambda c: labels.get(c, c),
                       help="Pick a category, or click a row of the ranking or a cell of the heat map.")  # fmt: skip
    q = c2.selectbox("Quarter", [ALL, *qs], key="fx_quarter",
                     format_func=lambda x: f"the whole period ({period})" if x == ALL else x)  # fmt: skip
    head = ui.call(factors.factor_texts_head, f, cat, None if q == ALL else q, limit=ui.MAX_TABLE_ROWS)
    texts = head["rows"]
    scope = period if q == ALL else q
    if not head["factors"]:
        st.caption(f"{labels.get(cat, cat)} in {scope}: no factor sentence.")
    else:
        st.caption(f"{labels.get(cat, cat)} in {scope}: {plural(head['incidents'], 'incident')}, "
                   f"{plural(head['factors'], 'factor sentence')}, each with the section and line of the postmortem it "
                   "was read from" + (f" (the first {len(texts)} listed)." if head["factors"] > len(texts) else "."))  # fmt: skip
    if head["incidents"]:
        pin = {"quarter": q, "since": q} if q != ALL else links.period_params(f)
        st.html(drill.small(links.anchor(drill.the(head["incidents"], "incident") + ", each with its sentences →", "incidents",
                                         category=cat, title="The incidents behind this count", **pin)))  # fmt: skip
    if len(texts):
        factor_table(texts, "fx_category_sentences")

# ------------------------------------------------------------------ repeats
if section == "Repeat incidents":
    rep = rep_report["rows"]
    st.subheader("Repeat incidents")
    st.caption(f"Incidents of {period} that share a category and a service with an earlier incident (all time up "
               f"to the as-of date, same filters), paired with the latest such incident: {rs['repeat_incidents']} of "
               f"{s['incidents']} incidents, {rs['pairs']} pairs. Did the fix hold? The earlier incident's action items "
               "when the repeat began: done = resolved on an earlier day, or done with no date; dropped items left out. "
               f"The fix did not hold for {rs['did_not_hold']}, was not done yet for {rs['not_finished']}, "
               f"and {rs['no_items']} had no action items. Postmortems that name each other (Related Incidents, "
               f"incident ids, links) count too: {rl['linked']} repeat incidents are named as related to their earlier "
               f"incident ({rl['both_pairs']} of those pairs also share a category and a service, "
               f"{rl['link_only']} incidents are repeats only by that reference).")  # fmt: skip
    if not len(rep):
        st.info("No repeat in this period: no incident shares a category and a service with an earlier one.")
    else:
        if rs["pairs"] > len(rep):
            st.caption(f"The table lists the first {len(rep)} of the {rs['pairs']} pairs (oldest repeat first); "
                       "every count above covers all of them.")  # fmt: skip
        view = link(rep)
        view = link(view, "earlier_id", "earlier")
        view["shared"] = [", ".join(labels.get(c, c) for c in cs) for cs in rep["categories"]]
        view["done"] = [
            f"{d} of {n - dr}" if n - dr else "-"
            for d, n, dr in zip(rep["done_before"], rep["items"], rep["dropped"], strict=True)
        ]
        rep_key = f"fx_repeats_{fkey}"
        st.dataframe(
            view[["incident", "occurred_at", "shared", "services", "earlier", "days_between", "basis", "done",
                  "verdict_text", "times_before"]],
            hide_index=True, placeholder="", width="stretch", key=rep_key, on_select="rerun", selection_mode="single-row",
            selection_default={"selection": {"rows": [0]}},
            column_config={
                "incident": incident_col("incident"),
                "occurred_at": st.column_config.DatetimeColumn("began", format="YYYY-MM-DD"),
                "earlier": incident_col("earlier incident"),
                "days_between": st.column_config.NumberColumn("days later"),
                "basis": st.column_config.TextColumn("found by", help="factors: a shared category and service; link: "
                                                     "one postmortem names the other; both."),
                "shared": st.column_config.TextColumn("shared categories"),
                "services": st.column_config.ListColumn("shared services"),
                "times_before": st.column_config.NumberColumn("times before", help="Earlier incidents with one of "
                                                              "these categories on one of these services (the most of any pair)."),
                "done": st.column_config.TextColumn("earlier items done", help="Action items of the earlier incident "
                                                    "done before this one began, of those not dropped."),
                "verdict_text": st.column_config.TextColumn("did the fix hold?"),
            },
        )  # fmt: skip
        i = selected_row(rep_key, len(rep))
        i = 0 if i is None else i
        r = rep.iloc[i]
        why = (f"{md(', '.join(labels.get(c, c) for c in r['categories']))} on {md(', '.join(r['services']))}"
               if r["categories"] else "")  # fmt: skip
        if r["basis"] != "factors":
            why = (why + "; " if why else "") + "their postmortems name each other"
        st.markdown(f"**{md(r['incident_id'])}** repeats **{md(r['earlier_id'])}** ({why}), "
                    f"{int(r['days_between'])} days later: {md(r['verdict_text'])}.")  # fmt: skip
        items = ui.call(repeats.earlier_items, f, r["incident_id"], r["earlier_id"])
        st.caption(f"Action items of {md(r['earlier_id'])} and their state when {md(r['incident_id'])} began "
                   f"({pd.Timestamp(r['occurred_at']).date()}): {len(items)} items.")  # fmt: skip
        if len(items):
            st.dataframe(items[["priority", "action", "owners", "due_date", "ticket", "status", "done_at", "at_repeat",
                                "line"]], hide_index=True, width="stretch", placeholder="", column_config={
                "owners": st.column_config.ListColumn("owners"),
                "due_date": st.column_config.DateColumn("due"),
                "done_at": st.column_config.DateColumn("resolved"),
                "status": st.column_config.TextColumn("status now"),
                "at_repeat": st.column_config.TextColumn("when it recurred"),
                "line": st.column_config.NumberColumn("line", format="%d")})  # fmt: skip
        pf = ui.call(repeats.pair_factors, (r["incident_id"], r["earlier_id"]), tuple(r["categories"]))
        st.caption(f"The factor sentences of both incidents in the shared categories: {len(pf)}.")
        factor_table(pf, "fx_repeat_sentences")

# ------------------------------------------------------- near misses, themes
if section == "Near misses and what went wrong":
    nm = ui.call(factors.near_misses, f)
    g, it = nm["groups"], nm["items"]
    st.subheader("Where we got lucky")
    st.caption(f"Items of the postmortems' 'Where We Got Lucky' sections in {period}, grouped by shared words: "
               f"{len(it)} items from {it['incident_id'].nunique()} incidents, {len(g)} themes. Near misses are what "
               "a review should talk about before they become incidents. Click a theme for its incidents.")  # fmt: skip
    if not len(g):
        st.info("No 'Where We Got Lucky' items in this period.")
    else:
        lucky_key = f"fx_lucky_{fkey}"
        st.dataframe(g[["theme", "incidents", "items", "terms"]], hide_index=True, placeholder="", width="stretch", key=lucky_key,
                     on_select="rerun", selection_mode="single-row", selection_default={"selection": {"rows": [0]}},
                     column_config={"theme": st.column_config.TextColumn("theme (its most frequent wording)", width="large"),
                                    "terms": st.column_config.ListColumn("shared words")})  # fmt: skip
        i = selected_row(lucky_key, len(g))
        grp = g.iloc[0 if i is None else i]
        sub = link(it[it["group"] == grp["group"]])
        st.caption(
            f"{plural(len(sub), 'item')} from {plural(sub['incident_id'].nunique(), 'incident')} in this theme. "
            "Select a row to read the item in its postmortem."
        )
        items_key = f"fx_lucky_items_{fkey}"
        st.dataframe(sub[["incident", "quarter", "text", "line", "title", "team", "severity"]], hide_index=True, placeholder="",
                     width="stretch", key=items_key, selection_mode=drill.PICK,
                     on_select=drill.to_documents(items_key, list(sub["incident_id"]), list(sub["source_path"]),
                                                  list(sub["line"]), skip=("incident",)),
                     column_config={"incident": incident_col(),
                                                     "text": st.column_config.TextColumn("where we got lucky", width="large"),
                                                     "line": st.column_config.NumberColumn("line", format="%d")})  # fmt: skip

    th = ui.call(factors.themes, f)
    st.subheader("What went wrong, across incidents")
    st.caption(f"The 'What Went Wrong' items of {period} by taxonomy category: incidents with at least one such item "
               f"in the category ({s['incidents_with_went_wrong']} of {s['incidents']} incidents have a What Went Wrong "
               "item). Click a theme for its sentences.")  # fmt: skip
    if not len(th):
        st.info("No 'What Went Wrong' items in this period.")
    else:
        th_key = f"fx_themes_{fkey}"
        st.dataframe(th[["label", "incidents", "share", "mentions"]], hide_index=True, placeholder="", width="stretch", key=th_key,
                     on_select="rerun", height=35 * (len(th) + 1) + 3, selection_mode="single-row", selection_default={"selection": {"rows": [0]}},
                     column_config={"label": "theme",
                                    "share": st.column_config.ProgressColumn("share of incidents", format="percent",
                                                                             min_value=0, max_value=1,
                                                                             help=f"incidents / {s['incidents']}"),
                                    "mentions": "items"})  # fmt: skip
        i = selected_row(th_key, len(th))
        t = th.iloc[0 if i is None else i]
        wh = ui.call(factors.factor_texts_head, f, t["category"], None, ("what_went_wrong",), limit=ui.MAX_TABLE_ROWS)
        ww = wh["rows"]
        st.caption(f"{t['label']}: {plural(wh['incidents'], 'incident')}, "
                   f"{plural(wh['factors'], 'What Went Wrong item')}"
                   + (f" (the first {len(ww)} listed)." if wh["factors"] > len(ww) else "."))  # fmt: skip
        factor_table(ww, "fx_theme_sentences")

# ------------------------------------------------------------------ curation
if section == "Curate the taxonomy":
    curation_section.show(f, fkey)
