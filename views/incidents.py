"""Incidents: a searchable list (or the incidents behind another page's number); one incident's whole record,
from its documents, each line a click away from the postmortem it was read from."""

import streamlit as st

from analytics import factors, impact, incidents
from figures import charts
from views import drill, incident_list, ui
from views.factor_tables import SECTIONS

f = ui.filters()
selected = st.query_params.get("incident")
READ = "Select a row to read its line in the postmortem."


def back_to_list() -> None:
    """Leave the incident for the list it was opened from (its metric/category/figure stay in the URL)."""
    for k in ("incident", "line"):
        if k in st.query_params:
            del st.query_params[k]


if selected:
    ui.drawing(selected[:200])
    d = ui.call(incidents.detail, selected)
    if d is None:
        st.warning(f"There is no incident with the id '{ui.md(selected)}' in this database. It may have been renamed "
                   "or removed since the link was made.")  # fmt: skip
        st.button("Back to the list", on_click=back_to_list)
        st.stop()
    inc = d["incident"]
    ui.drawing(inc["incident_id"], inc["source_path"])
    st.button("← All incidents", on_click=back_to_list)
    st.title(ui.md(inc["title"] or inc["incident_id"]))
    sev = inc["severity"] or "severity unknown"
    services = ", ".join(inc["services"]) if inc["services"] is not None and len(inc["services"]) else "none named"
    st.caption(ui.md(f"{inc['incident_id']} · {sev} · {inc['status'] or 'status unknown'} · team "
                     f"{inc['team'] or 'unknown'} · services: {services}"))  # fmt: skip
    main = inc["source_path"]
    came = drill.came_from(d["action_items"], st.query_params.get("line"))
    st.html(drill.small(*drill.document_links(inc["incident_id"], main, d["documents"], came, ui.settings())))
    if came is not None:
        st.info(f"You came from the action item on line {came['line']}: {ui.md(came['action'])}",
                icon=":material/subdirectory_arrow_right:")  # fmt: skip
    st.caption("Link to this view: the page URL (it ends in `?incident=...`).")

    st.subheader("Milestones")
    ms = d["milestones"]
    tl = d["timeline"]
    if len(ms) or len(tl.dropna(subset=["at"])):
        st.altair_chart(charts.incident_timeline(tl, ms), width="stretch")
    else:
        st.info("The timeline gives no times, so nothing can be placed on a time axis.")
    dur = d["durations"]
    rep = inc.get("reported_duration_minutes")
    per_row = 4  # seven figures side by side would cut '3 h 40 min' to '3 h 4…'
    cols = [c for _ in range(-(-(len(dur) + 1) // per_row)) for c in st.columns(per_row)]
    for col, r in zip(cols, dur.itertuples(), strict=False):
        note = ui.figure_note(r.doubt, r.corrected)
        col.metric(ui.marked(r.label, r.doubt, r.corrected), ui.minutes(r.minutes),
                   help=f"From {r.start_milestone} to {r.end_milestone}." + (f" {note}." if note else ""))  # fmt: skip
    cols[len(dur)].metric("Reported duration", ui.minutes(rep), help="The header's Incident Duration, as written.")
    doubts = [f"{r.label}: {r.doubt}" for r in dur.itertuples() if ui.figure_note(r.doubt)]
    if doubts:
        st.warning(ui.md(f"Doubtful figures (marked {ui.DOUBT_MARK} wherever they appear, and left out when the "
                         "review weighs a change): " + "; ".join(doubts) + "."))  # fmt: skip
    fixed = ms[ms["source"] == "correction"] if len(ms) else ms
    if len(fixed):
        why = "; ".join(f"{', '.join(g['milestone'])}: {reason}" for reason, g in fixed.groupby("reason", sort=False))
        st.info(ui.md(f"Corrected by hand (durations resting on it are marked {ui.CORRECTED_MARK}): {why}"))
    if len(ms):
        st.caption(
            "Why each milestone is what it is: the line it was read from, the rule that decided it, the "
            "words it rests on, and how sure: clear (the document says it), judgment (a reader had to "
            "choose), weak (an approximate time or a contradiction). A correction says why it was made."
        )
        shown = ms.assign(
            rule=[ui.decided_by(r, s, why) for r, s, why in zip(ms["rule"], ms["source"], ms["reason"], strict=True)],
            confidence=[ui.confidence(c, s) for c, s in zip(ms["confidence"], ms["source"], strict=True)],
        )
        st.caption(READ)
        st.dataframe(shown, hide_index=True, placeholder="", width="stretch", key="detail_milestones",
                     selection_mode=drill.PICK, on_select=drill.to_document("detail_milestones", selected, main,
                                                                            list(shown["line"])),
                     column_config={
            "at": st.column_config.DatetimeColumn("UTC", format="YYYY-MM-DD HH:mm"),
            "source": st.column_config.TextColumn("read from"),
            "line": st.column_config.NumberColumn("line", format="%d"),
            "rule": st.column_config.TextColumn("decided by", width="large"),
            "phrase": st.column_config.TextColumn("the words", width="medium"),
            "confidence": st.column_config.TextColumn("how sure"),
            "reason": None,
        })  # fmt: skip

    st.subheader("Timeline")
    if len(tl):
        st.dataframe(tl[["at", "kind", "text", "signals", "time_text", "line"]], hide_index=True, placeholder="", width="stretch",
                     key="detail_timeline", selection_mode=drill.PICK,
                     on_select=drill.to_document("detail_timeline", selected, main, list(tl["line"]), list(tl["source_path"])),
                     column_config={
                         "at": st.column_config.DatetimeColumn("UTC", format="YYYY-MM-DD HH:mm"),
                         "time_text": "as written",
                         "signals": st.column_config.TextColumn("what it says", help="The signals the timeline "
                                                                "rules read in the text (docs/MILESTONES.md)"),
                     })  # fmt: skip
        if (tl["episode"].fillna(0) != 0).any():
            st.caption(
                "Some events are another episode (days apart, after the incident had recovered): they are "
                "listed but not used for the milestones."
            )
    else:
        st.info("No timeline was found in the document.")

    st.subheader("Impact")
    figs = ui.call(impact.incident_figures, selected)
    counted = figs[figs["counted"]] if len(figs) else figs
    if len(counted):
        st.caption("As the postmortem states it (front matter, Impact section, `Impact:` list or a figure label); "
                   "a figure not listed was not reported. Money keeps the currency it was written in. " + READ)  # fmt: skip
        st.dataframe(counted[["label", "shown", "qualifier", "text", "line", "source"]], hide_index=True, placeholder="",
                     width="stretch", key="detail_impact", selection_mode=drill.PICK,
                     on_select=drill.to_document("detail_impact", selected, main, list(counted["line"]),
                                                 list(counted["source_path"])),
                     column_config={
                         "label": "figure", "shown": st.column_config.TextColumn("value"),
                         "qualifier": st.column_config.TextColumn("as a figure", help="exact, range, at_least, "
                                                                  "at_most, or unknown ('TBD': no figure)"),
                         "text": st.column_config.TextColumn("as written", width="large"),
                         "line": st.column_config.NumberColumn("line", format="%d"),
                         "source": st.column_config.TextColumn("read from"),
                     })  # fmt: skip
    else:
        st.info("The postmortem states no impact figure (customers affected, revenue loss, support tickets, ...).")

    st.subheader("Related incidents")
    rel = ui.call(impact.related, selected)
    if len(rel):
        names, named_by = rel[rel["direction"] == "names"], rel[rel["direction"] == "named by"]
        st.caption(f"This postmortem names {len(names)} other incident(s) ({int(names['resolved'].sum())} found in this "
                   f"database, the rest kept as written); {len(named_by)} postmortem(s) name this one. A named "
                   "earlier incident makes this one a repeat on the Contributing factors page.")  # fmt: skip
        view = rel.assign(link=[ui.incident_url(i) if isinstance(i, str) and i else None for i in rel["other_id"]])
        st.caption("Select a row to open the other incident (when it is in this database).")
        st.dataframe(view[["direction", "link", "other_title", "other_occurred_at", "ref", "text", "ref_date", "line"]],
                     hide_index=True, placeholder="", width="stretch", key="detail_related", selection_mode=drill.PICK,
                     on_select=drill.to_incident("detail_related", list(rel["other_id"]), skip=("link",)), column_config={
                         "link": st.column_config.LinkColumn("incident", display_text=ui.LINK_TEXT,
                                                             help="Empty when the incident is not in this database."),
                         "other_title": "title",
                         "other_occurred_at": st.column_config.DatetimeColumn("began", format="YYYY-MM-DD"),
                         "ref": st.column_config.TextColumn("as written"),
                         "text": st.column_config.TextColumn("in", width="large"),
                         "ref_date": st.column_config.DateColumn("date given"),
                         "line": st.column_config.NumberColumn("line", format="%d"),
                     })  # fmt: skip
    else:
        st.info("No related incident is named by this postmortem or names it.")

    left, right = st.columns(2)
    with left:
        st.subheader("Contributing factors")
        if len(d["factors"]):
            names = ui.call(factors.category_labels)
            shown_f = d["factors"].assign(category=d["factors"]["category"].map(lambda c: names.get(c, c)),
                                          section=d["factors"]["section"].map(lambda x: SECTIONS.get(x, x)))  # fmt: skip
            st.caption(READ)
            st.dataframe(shown_f[["category", "text", "why", "section", "line"]], hide_index=True, placeholder="", width="stretch",
                         key="detail_factors", selection_mode=drill.PICK,
                         on_select=drill.to_document("detail_factors", selected, main, list(shown_f["line"]),
                                                     list(shown_f["source_path"])),
                         column_config={"why": st.column_config.TextColumn(
                             "filed because", help="The words that matched the category, the example sentence it is "
                             "like, or the document's own category.")})  # fmt: skip
        else:
            st.info("No contributing factors recorded.")
        st.subheader("5 whys")
        if len(d["whys"]):
            st.dataframe(d["whys"][["level", "question", "answer"]], hide_index=True, placeholder="", width="stretch")
        else:
            st.info("No whys recorded.")
    with right:
        st.subheader("Lessons")
        if len(d["lessons"]):
            st.dataframe(d["lessons"][["kind", "text"]], hide_index=True, placeholder="", width="stretch")
        else:
            st.info("No lessons recorded.")
        st.subheader("Guide rules")
        fnd = d["findings"]
        if len(fnd):
            st.dataframe(fnd[["rule", "outcome", "detail", "quote"]], hide_index=True, placeholder="", width="stretch")

    st.subheader("Action items")
    items = d["action_items"]
    if len(items):
        s = ui.settings()
        items = items.assign(ticket_link=[s.ticket_url(t) if isinstance(t, str) else None for t in items["ticket"]],
                             came_from=drill.came_from_marks(items, came))  # fmt: skip
        st.caption(READ + " The ticket link opens the tracker.")
        st.dataframe(items[(["came_from"] if came is not None else []) + [
            "priority", "action", "item_type", "owners", "due_date", "status", "status_source", "ticket", "ticket_link",
            "done_at", "line"]], hide_index=True, placeholder="", width="stretch", key="detail_items",
                     selection_mode=drill.PICK, on_select=drill.to_document(
                         "detail_items", selected, main, list(items["line"]), list(items["source_path"]),
                         skip=("ticket_link",)), column_config={
            "came_from": st.column_config.TextColumn("", help="The item you came from."),
            "line": st.column_config.NumberColumn("line", format="%d"),
            "item_type": st.column_config.TextColumn("type", help="prevention, detection, mitigation, process: from "
                                                     "a Type column, else the rules of data/action_types.yaml"),
            "due_date": st.column_config.DateColumn("due"), "done_at": st.column_config.DateColumn("done"),
            "status_source": st.column_config.TextColumn("status from", help="ticket tracker, the document, or none (no status recorded)"),
            "ticket_link": st.column_config.LinkColumn("link", display_text="open"),
        })  # fmt: skip
    else:
        st.info("No action items.")
    with st.expander(f"Documents and problems ({len(d['documents'])} file(s), {len(d['problems'])} problem(s))"):
        st.dataframe(d["documents"], hide_index=True, placeholder="", width="stretch")
        if len(d["problems"]):
            st.dataframe(d["problems"], hide_index=True, placeholder="", width="stretch")
    st.stop()

incident_list.show(f)
