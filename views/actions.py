"""Action items: completion and on-time rates, overdue owners, aging, the
overdue list as CSV. Every number comes from analytics.actions (METRICS.md)."""

import os
from functools import partial

import streamlit as st

from analytics import actions, cli, export
from figures import action_charts
from views import action_tables, drill, links, ui
from views.action_tables import OPENS, TICKET_LINK, blank, capped_caption, md, n_items

f = ui.filters()
s = ui.settings()
items_table = partial(action_tables.items_table, settings=s)  # a row opens the incident at the item
# overdue=period (a review quarter's overdue count, opened): the overdue figures cover the period's incidents only
in_period = st.query_params.get("overdue") == "period"
back = actions.backlog(f, in_period)
as_of = f.as_of.isoformat()
period = f.end.label if f.start == f.end else f"{f.start.label} to {f.end.label}"
scope = f"the incidents of {period}" if in_period else f"every incident up to {as_of}"

DEF_COMPLETION = "Completion rate = done / (all items - dropped). Dropped = won't do, duplicate, cancelled."
DEF_ON_TIME = "On-time rate = items done on or before their due date / done items with both dates known."
DEF_OVERDUE = "Overdue = not done, not dropped, due date before the as-of date; days overdue = as-of date - due date."
DEF_STATUS = (f"Status as of {as_of}: from the ticket tracker export, else the document, else open ('no status "
              "recorded'); a ticket resolved after the as-of date was still open then.")  # fmt: skip
NONE_LABELS = {"priority": "no priority", "team": "no team", "owner_team": "not in people file",
               "manager": "not in people file", "quarter": "no quarter", "owner": "(no owner)"}  # fmt: skip


PCT = {"format": "percent", "min_value": 0, "max_value": 1}
MAX_ROWS = ui.MAX_TABLE_ROWS  # per list; the counts above each list cover every row
MAX_CHART_GROUPS = 40  # more bars than this are unreadable: the table has them all
TOP_OWNERS = 25


st.title("Action items")
st.caption(ui.filter_caption(f))

# ------------------------------------------------------------------ who
choices = ui.call(actions.owner_choices)
w1, w2, w3 = st.columns(3)
owner = w1.selectbox("Owner", choices["owners"], index=None, key="owner", bind="query-params", placeholder="All owners",
                     help="Only items this person owns; per-owner tables keep only their rows.")  # fmt: skip
owner_team = w2.selectbox("Owner's team", choices["owner_teams"], index=None, key="owner_team", bind="query-params",
                          placeholder="All owners' teams", disabled=not choices["owner_teams"],
                          help="The owner's own team from the people file, whatever team the incident belongs to "
                          "(the sidebar's Team filter selects incidents by their team).")  # fmt: skip
manager = w3.selectbox("Manager", choices["managers"], index=None, key="manager", bind="query-params",
                       placeholder="All managers", disabled=not choices["managers"],
                       help="Only items owned by people this manager manages (people file), on any team's incident.")  # fmt: skip
who = {"owner": owner, "owner_team": owner_team, "manager": manager}
chosen = [f"owner {md(owner)}" if owner else "", f"owner's team {md(owner_team)}" if owner_team else "",
          f"manager {md(manager)}" if manager else ""]  # fmt: skip
chosen = [c for c in chosen if c]
if not choices["owner_teams"]:
    st.caption("No people file was loaded (build with `--people`): owners have no team or manager to select by.")

only = f" Only items owned by **{', '.join(chosen)}** (per-owner rows: only the matching owners)." if chosen else ""
if in_period:
    st.markdown(f"**Every figure on this page**, overdue items, overdue owners and aging included, covers the items of "
                f"**the incidents of {period}** only, status as of {as_of}." + only)  # fmt: skip
    st.html(drill.small(links.anchor(f"Overdue items of every incident up to {as_of} →", "actions", owner=owner,
                                     owner_team=owner_team, manager=manager,
                                     title="Overdue work from older incidents too")))  # fmt: skip
else:
    st.markdown(
        f"**Rates** and the list of incomplete items cover the items of incidents in **{period}**. "
        f"**Overdue items, overdue owners and aging** cover **every incident up to {as_of}**, whatever the quarter: "
        "overdue work from older incidents still matters." + only
    )

p = ui.call(actions.summary, f, **who)
b = ui.call(actions.summary, back, **who)
m = st.columns(5)
m[0].metric("Items", p["total"], format="localized", help=f"Action items of incidents in {period}: {p['done']} done, {p['open']} open, "
            f"{p['dropped']} dropped, as of {as_of}.")  # fmt: skip
m[1].metric("Completion", ui.pct(p["completion_rate"]), help=DEF_COMPLETION + f" Incidents in {period}.")
m[1].caption(f"{p['done']} of {p['total'] - p['dropped']}" + (f" (n excludes {p['dropped']} dropped)" if p["dropped"] else "")
             if p["total"] else f"No item from incidents in {period}")  # fmt: skip
m[2].metric("On time", ui.pct(p["on_time_rate"]), help=DEF_ON_TIME + f" Incidents in {period}.")
m[2].caption(f"{p['done_on_time']} of {p['done_dated']} done with both dates known" if p["done_dated"]
             else "No done item with both dates known")  # fmt: skip
OVERDUE_IN = f"in {period}" if in_period else "all quarters"
m[3].metric(f"Overdue ({OVERDUE_IN})", b["overdue"], format="localized", help=f"{DEF_OVERDUE} Items of {scope}.")
m[3].caption(f"of {b['open']} open items" + (f"; {p['overdue']} from incidents in {period}" if p["total"] and not
                                              in_period else ""))  # fmt: skip
m[4].metric(f"Overdue P0 ({OVERDUE_IN})", b["overdue_p0"], format="localized", help=f"Overdue items of priority P0, items of "
            f"{scope}.")  # fmt: skip

# ------------------------------------------------------------------ status sources
src = ui.call(actions.status_sources, f, **who)
if not src["items"]:
    note = ("The ticket tracker export is loaded" if src["tickets_file"] else
            "No ticket tracker export was loaded (build with `--tickets`): statuses come from the documents") \
        + "; no action item to take a status for."  # fmt: skip
elif src["tickets_file"]:
    note = (f"Status from the ticket tracker export: **{src['matched_ticket']} of {n_items(src['items'])} matched "
            f"a ticket**; **{n_items(src['no_status_recorded'], verb='carry')} 'no status recorded'** (counted as "
            f"open); {n_items(src['document_status'], verb='take')} the status from the document; "
            f"{n_items(src['ticket_not_in_export'], verb='name')} a ticket the export does not list. The export has "
            f"{n_items(src['tickets'], 'ticket')}, {src['tickets_unmatched']} of them named by no item.")  # fmt: skip
    if src["resolved_after_as_of"]:
        note += (f" {n_items(src['resolved_after_as_of'])} resolved in the tracker after {as_of} "
                 f"{'counts' if src['resolved_after_as_of'] == 1 else 'count'} as open here.")  # fmt: skip
else:
    note = (f"No ticket tracker export was loaded (build with `--tickets`): statuses come from the documents. "
            f"**{src['no_status_recorded']} of {n_items(src['items'])} carry 'no status recorded'** (counted as open).")  # fmt: skip
st.info(note + f" Items of incidents in {period}.", icon=":material/confirmation_number:")
probs = ui.call(actions.source_problems)
if len(probs):
    errors = int((probs["level"] == "error").sum())
    with st.expander(f"Problems in the ticket export and people file: {len(probs)} ({errors} errors)",
                     icon=":material/warning:"):  # fmt: skip
        st.caption("The build went on without what these lines say it could not use; fix the file and rebuild.")
        st.dataframe(probs, hide_index=True, placeholder="", width="stretch", column_config={
            "file": "file", "source_path": "path", "line": st.column_config.NumberColumn("line", format="%d")})  # fmt: skip

# ------------------------------------------------------------------ rates
st.subheader("Completion and on-time rates")
st.caption(f"{DEF_COMPLETION} {DEF_ON_TIME} {DEF_STATUS} Items of incidents in {period}; an item with several "
           "owners counts once for each of its owners (and their teams and managers). n is the denominator.")  # fmt: skip
DIMS = [("priority", "By priority"), ("team", "By incident team"), ("owner", "By owner"),
        ("owner_team", "By owner's team"), ("manager", "By manager"), ("quarter", "By incident quarter")]  # fmt: skip
# One breakdown at a time, named in the URL: only the shown one is computed.
shown = st.segmented_control("Break down by", [label for _, label in DIMS], default=DIMS[0][1], key="actions_by",
                             bind="query-params") or DIMS[0][1]  # fmt: skip
by, label = next(d for d in DIMS if d[1] == shown)
r = ui.call(actions.rates, f, by, **who)
if not len(r):
    st.info(f"No action items of incidents in {period} for this selection.")
else:
    r[by] = r[by].fillna(NONE_LABELS[by])
    order = list(r[by])
    if len(r) <= MAX_CHART_GROUPS:
        st.altair_chart(action_charts.rate_bars(r, by, order), width="stretch")
    else:
        st.caption(f"{len(r)} groups: too many to chart; the table has them all.")
    cols = [by] + (["owner_name", "owner_team", "manager"] if by == "owner" else [])
    cols += ["items", "dropped", "done", "open", "completion_rate", "rated", "on_time_rate", "done_dated"]
    st.dataframe(blank(r[cols]), hide_index=True, placeholder="", width="stretch", column_config={
        by: label.removeprefix("By "), "owner_name": "name", "owner_team": "owner's team",
        "completion_rate": st.column_config.ProgressColumn("completion", help=DEF_COMPLETION, **PCT),
        "rated": st.column_config.NumberColumn("n (completion)", help="items - dropped"),
        "on_time_rate": st.column_config.ProgressColumn("on time", help=DEF_ON_TIME, **PCT),
        "done_dated": st.column_config.NumberColumn("n (on time)", help="done items with a due date and a "
                                                    "resolution date")})  # fmt: skip
    if by in ("owner", "owner_team", "manager") and p["no_owner"]:
        st.caption(f"{n_items(p['no_owner'])} with no owner: in no row here (listed below).")

# ------------------------------------------------------------------ overdue owners
st.subheader("Overdue owners")
own = ui.call(actions.overdue_owners, f, **who, period=in_period)
st.caption(f"Items of {scope}. Per owner: overdue items, the oldest in days overdue, and open P0 items "
           "(overdue or not). An item with several owners counts for each. Name, team and manager from the people "
           f"file where it lists the owner. Ranked by overdue items, then oldest. n = {len(own)} owners."
           + (" Select an owner's row for their items." if len(own) and not owner else ""))  # fmt: skip
if len(own):
    handles = list(own["owner"])  # None: the items with no owner, which no owner box selects
    own["owner"] = own["owner"].fillna(NONE_LABELS["owner"])
    left, right = st.columns([2, 3])
    top = own.head(TOP_OWNERS)
    left.altair_chart(action_charts.owner_bars(top, list(top["owner"])), width="stretch")
    if len(own) > TOP_OWNERS:
        left.caption(f"The {TOP_OWNERS} owners ranked first; the table has all {len(own)}.")
    right.dataframe(blank(own), hide_index=True, width="stretch", key="overdue_owners", selection_mode=drill.PICK,
                    on_select=drill.to_owner("overdue_owners", handles), column_config={
        "owner_name": "name", "owner_team": "owner's team",
        "overdue": st.column_config.NumberColumn("overdue", help=DEF_OVERDUE),
        "oldest_days_overdue": st.column_config.NumberColumn("oldest (days overdue)"),
        "open_p0": st.column_config.NumberColumn("open P0", help="Open P0 items as of the date, overdue or not.")})  # fmt: skip
else:
    st.success(f"Nobody has an overdue item as of {as_of}.")

# ------------------------------------------------------------------ aging
st.subheader("Open-item aging")
ag = ui.call(actions.aging, f, **who, period=in_period)
n_open = int(ag["items"].sum())
st.caption(f"Items open on {as_of}, of {scope}, by age = as-of date - incident date, and whether "
           f"they are overdue, not yet due or have no due date. n = {n_open} open items.")  # fmt: skip
if n_open:
    a1, a2 = st.columns([3, 2])
    a1.altair_chart(action_charts.aging_bars(ag, list(actions.AGE_BUCKETS), list(actions.DUE_STATES)), width="stretch")
    grid = ag.pivot(index="age", columns="due_state", values="items").reindex(
        index=list(actions.AGE_BUCKETS), columns=list(actions.DUE_STATES)
    )
    a2.dataframe(grid, width="stretch")
    with st.expander(f"The {n_open} open items, oldest first"):
        oh = ui.call(actions.open_items_head, f, MAX_ROWS, **who, period=in_period)
        capped_caption(oh, "open items")
        st.caption(OPENS.strip())
        items_table(oh["rows"], "open_items", ["incident_title", "priority", "action", "owners", "incident_date",
                                               "age_days", "due_date", "days_overdue", "ticket", "ticket_link",
                                               "status", "team"],
                    {"incident_title": "title", "incident_date": st.column_config.DateColumn("incident date"),
                     "age_days": st.column_config.NumberColumn("age (days)"),
                     "due_date": st.column_config.DateColumn("due"),
                     "days_overdue": "days overdue", "ticket_link": TICKET_LINK})  # fmt: skip
else:
    st.success(f"No open items as of {as_of}.")

# ------------------------------------------------------------------ overdue list
st.subheader("Overdue items")
oh = ui.call(actions.overdue_head, f, MAX_ROWS, **who, period=in_period)
ov = oh["rows"]
st.caption(f"{DEF_OVERDUE} Items of {scope}; one row per item and owner, most overdue first. "
           f"n = {b['overdue']} items, {oh['total']} rows. 'status' is the status as recorded."
           + ui.capped_note(len(ov), oh["total"], "rows", "the CSV has every row") + (OPENS if len(ov) else ""))  # fmt: skip
if len(ov):
    items_table(ov, "overdue_items", ["incident_title", "priority", "action", "owner", "due_date", "days_overdue",
                                      "ticket", "ticket_link", "status", "owner_name", "owner_team", "manager", "team",
                                      "quarter", "document", "line"],
                {"incident_title": "title", "team": "incident team", "owner_name": "name",
                 "owner_team": "owner's team", "due_date": st.column_config.DateColumn("due"),
                 "days_overdue": st.column_config.NumberColumn("days overdue", help=DEF_OVERDUE),
                 "ticket_link": TICKET_LINK, "quarter": "incident quarter",
                 "line": st.column_config.NumberColumn("line", format="%d")})  # fmt: skip
else:
    st.success(f"No overdue items as of {as_of}.")
view = {"teams": f.teams, "services": f.services, "severities": f.severities, **who}
st.download_button("Download the overdue items (CSV)",
                   lambda con=ui.connection(), f=f, who=who, s=s, p=in_period: export.overdue_csv(
                       con, f, **who, settings=s, period=p),
                   mime="text/csv", icon=":material/download:",
                   file_name=export.download_name("overdue", as_of + (f"-{ui.period(f, '-')}" if in_period else ""),
                                                  "csv", **view),
                   help=f"Every overdue item of {scope} ({oh['total']} rows) as CSV (UTF-8 with the byte order mark "
                   "Excel needs), made when you click, with a link to each ticket and postmortem where "
                   "data/dashboard.yaml has a template for it. Cells a spreadsheet would run as formulas are "
                   "neutralised.")  # fmt: skip
st.caption("The same CSV, byte for byte, from the command line, run in the project folder; for a weekly job, "
           "put `today` in place of the date:")  # fmt: skip
st.code(cli.command_for("overdue", f, db=ui.db_path(), settings_file=os.environ.get("INCIDENTS_SETTINGS"), **who,
                        period=in_period),
        language="bash", wrap_lines=True)  # fmt: skip

# ------------------------------------------------------------------ incomplete items
st.subheader("Items with no owner, due date or priority")
st.caption(f"The guide: every action item has an owner, a priority and a due date. Items of incidents in {period}; "
           "a due date that could not be read counts as none (its text is shown).")  # fmt: skip
i1, i2, i3 = st.columns(3)
i1.metric(
    "No owner", p["no_owner"], format="localized", help=f"Items naming no owner (TBD, -, empty), of {p['total']}."
)
i2.metric(
    "No due date", p["no_due_date"], format="localized", help=f"Items with no readable due date, of {p['total']}."
)
i3.metric("No priority", p["no_priority"], format="localized", help=f"Items with no priority P0..P3, of {p['total']}.")
ih = ui.call(actions.incomplete_head, f, MAX_ROWS, **who)
inc = ih["rows"]
if len(inc):
    capped_caption(ih, "items")
    st.caption(OPENS.strip())
    items_table(inc, "incomplete_items", ["incident_title", "missing", "priority", "action", "owners", "due_date",
                                          "due_text", "status", "team", "quarter"],
                {"incident_title": "title", "due_date": st.column_config.DateColumn("due"),
                 "due_text": "due as written", "status": "status (as of)", "quarter": "incident quarter"})  # fmt: skip
else:
    st.success("Every item has an owner, a due date and a priority.")
