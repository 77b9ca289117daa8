"""Markdown postmortems: the guide's Template 1 (standard, with a table or a
list timeline), Template 2 (a separate 5 whys analysis) and Template 3 (quick).

`standard` takes a `Style` so that the front-matter and messy shapes reuse the
same writer with different knobs; every knob is something real documents do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import tzinfo

from benchmarks.corpusgen import phrases as P
from benchmarks.corpusgen import vocab as V
from benchmarks.corpusgen.model import Action, ImpactWords, Incident
from benchmarks.corpusgen.rendered import MILESTONE_OF, Rendered, local_first_date, truth
from benchmarks.corpusgen.text import h12, hhmm, iso_z, local, long_date, minutes_text

EXPLICIT_KIND = {"start": "Start", "detect": "Detected", "acknowledge": "Acknowledged", "declare": "Declared",
                 "mitigate": "Mitigated", "resolve": "Resolved", "respond": "", "other": ""}  # fmt: skip
STATUS_TEXT = {"final": "Final", "draft": "Draft", "in review": "In Review"}
CURRENCY_SIGN = {"USD": "$", "EUR": "€", "GBP": "£"}
OPEN_WORDS = ("In Progress", "Open", "To Do")


@dataclass(slots=True)
class Style:
    """How a standard postmortem is written down."""

    front_matter: list[tuple[str, str]] | None = None  # (key, YAML literal)
    h1: str = "Postmortem: {title}"
    header: str = "bold"  # bold | table | plain_pipes | plain_lines
    date_text: str | None = None  # None: the ISO date
    severity_label: str = "Incident Severity"
    severity_text: str | None = None  # None: the incident's SEVn
    status_text: str | None = None
    team_text: str | None = None  # None: no Team field
    duration: tuple[str, float | None] | None = None  # (text, minutes it reads as)
    timeline: str = "table"  # table | table_kind | list_bold | list_utc | headings | bracket
    clock: str = "24h"  # 24h | 12h
    zone: tuple[str, tzinfo] | None = None
    zone_where: str = "heading"  # heading | line | column | fm
    day_dates: bool = False  # write the date on rows where the day changes
    whys_inline: bool = True
    went_well: bool = True
    lucky: bool = True
    detection: bool = False
    actions: str = "table"  # table | table_status | checkbox
    bad_time_at: int | None = None  # this event's time is written as 25:61
    short_row_at: int | None = None  # this action row loses its last cells
    due_text_at: int | None = None  # this action's due date is written in words
    blame: str | None = None  # a sentence that blames a person
    blame_states: str | None = None  # the factor category that sentence states ('human error')
    exact_customers: bool = False  # the front matter states the customers: the body words them exactly too


def owners_cell(owners: list[str]) -> str:
    """'@alice, @bob'; a display name stays as written; nobody is 'TBD'."""
    if not owners:
        return "TBD"
    return ", ".join(o if " " in o else f"@{o}" for o in owners)


def duration_for(inc: Incident, r: random.Random) -> tuple[str, float]:
    """The header's Incident Duration: usually the time to resolve, sometimes
    the impact until mitigation, sometimes a round number of hours."""
    ttr = int((inc.resolved - inc.started).total_seconds() // 60)
    mit = inc.milestone("mitigate")
    x = r.random()
    if x < 0.15 and mit is not None:
        m = int((mit - inc.started).total_seconds() // 60)
        return minutes_text(m, r.randrange(3)), m
    if x < 0.25 and ttr >= 90:
        h = round(ttr / 60)
        return f"about {h} hours", h * 60
    return minutes_text(ttr, r.randrange(3)), ttr


def timeline_rows(inc: Incident, st: Style) -> list[tuple[str, str, str]]:
    """(time as written, kind, text) per event, in the document's zone."""
    tz = st.zone[1] if st.zone else None
    rows = []
    prev_day = None
    for i, e in enumerate(inc.events):
        loc = local(e.at, tz)
        t = h12(loc) if st.clock == "12h" else hhmm(loc)
        if st.day_dates and prev_day is not None and loc.date() != prev_day:
            t = f"{loc.date().isoformat()} {t}"
        prev_day = loc.date()
        if i == st.bad_time_at:
            t = "25:61"
        rows.append((t, e.kind, e.text))
    return rows


def _timeline(inc: Incident, st: Style, out: list[str]) -> None:
    label = st.zone[0] if st.zone else "UTC"
    if st.zone_where == "heading":
        out.append(f"## Timeline (All times {label})\n")
    else:
        out.append("## Timeline\n")
    if st.zone_where == "line":
        out.append(f"All times in {label}.\n")
    rows = timeline_rows(inc, st)
    if st.timeline in ("table", "table_kind"):
        time_head = f"Time ({label})" if st.zone_where == "column" else "Time"
        if st.timeline == "table_kind":
            out.append(f"| {time_head} | Event | Milestone |\n|------|-------|-----------|")
            out.extend(f"| {t} | {text} | {EXPLICIT_KIND[k]} |" for t, k, text in rows)
        else:
            out.append(f"| {time_head} | Event |\n|------|-------|")
            out.extend(f"| {t} | {text} |" for t, _, text in rows)
    elif st.timeline == "list_bold":
        out.extend(f"- **{t}** {text}" for t, _, text in rows)
    elif st.timeline == "list_utc":
        out.extend(f"* {t} {label}: {text}" for t, _, text in rows)
    elif st.timeline == "bracket":
        out.extend(f"* [{t}] {text}" for t, _, text in rows)
    else:  # headings
        for t, _, text in rows:
            out.append(f"### {t}\n\n{text}\n")
        out[-1] = out[-1].rstrip("\n")
    out.append("")


def _actions_table(inc: Incident, st: Style, out: list[str], doc: Rendered, w: ImpactWords) -> None:
    status_col = st.actions == "table_status"
    out.append("## Action Items\n")
    head = "| Priority | Action |" + (" Type |" if w.types else "") + " Owner | Due Date | Ticket |"
    out.append(head + (" Status |" if status_col else ""))
    out.append("|----------|--------|" + ("------|" if w.types else "") + "-------|----------|--------|"
               + ("--------|" if status_col else ""))  # fmt: skip
    for i, a in enumerate(inc.actions):
        due = "next sprint" if i == st.due_text_at else a.due.isoformat()
        kind = P.ACTION_TYPE.get(a.category or "", "")
        cells = [a.priority, a.text, *([kind] if w.types else []), owners_cell(a.owners), due, a.ticket or "-"]
        if status_col:
            cells.append(_status_word(a, i))
        if i == st.short_row_at:
            cells = cells[:2]
        elif w.types and kind:
            doc.typed_actions += 1
        out.append("| " + " | ".join(cells) + " |")
        doc.n_actions += 1
    out.append("")


def _status_word(a: Action, i: int) -> str:
    if a.doc_status == "done":
        return "Done"
    if a.doc_status == "open":
        return OPEN_WORDS[i % len(OPEN_WORDS)]
    return ""


def _actions_checkbox(inc: Incident, st: Style, out: list[str], doc: Rendered) -> None:
    out.append("## Action Items\n")
    for i, a in enumerate(inc.actions):
        mark = "x" if a.doc_status == "done" else " "
        if a.owners and all(" " not in o for o in a.owners):
            who = owners_cell(a.owners)
        else:
            who = f"owner: {owners_cell(a.owners)}"
        due = "next sprint" if i == st.due_text_at else a.due.isoformat()
        meta = ", ".join(x for x in (who, f"due {due}", a.ticket) if x)
        prio = f"{a.priority} " if i % 2 == 0 else ""
        out.append(f"- [{mark}] {prio}{a.text} ({meta})")
        doc.n_actions += 1
    out.append("")


def _header(inc: Incident, st: Style, out: list[str], r: random.Random) -> None:
    d = local_first_date(inc, st.zone[1] if st.zone else None)
    authors = ", ".join(f"@{a}" for a in r.sample(V.TEAM_BY_NAME[inc.team].people, 2))
    fields = [("Date", st.date_text or d.isoformat()), ("Authors", authors)]
    fields.append(("Status", st.status_text or STATUS_TEXT[inc.status]))
    fields.append((st.severity_label, st.severity_text or inc.severity))
    if st.duration:
        fields.append(("Incident Duration", st.duration[0]))
    if st.team_text:
        fields.append(("Team", st.team_text))
    fields.append(("Services", ", ".join(inc.services)))
    if st.header == "bold":
        out.extend(f"**{k}:** {v}" for k, v in fields)
    elif st.header == "table":
        out.append(f"| {fields[0][0]} | {fields[0][1]} |\n|---|---|")
        out.extend(f"| {k} | {v} |" for k, v in fields[1:])
    elif st.header == "plain_pipes":
        out.append(" | ".join(f"{k}: {v}" for k, v in fields if k != "Authors"))
        out.append(f"\nAuthors: {authors}")
    else:  # plain_lines
        out.extend(f"{k}: {v}" for k, v in fields)
    out.append("")


def _customers(inc: Incident, w: ImpactWords, doc: Rendered, unique: bool = False) -> str:
    """The customers-affected item as this document words it; records the truth."""
    n = inc.customers
    if w.customers == "approx":
        doc.figure("customers_affected", n)
        return f"Approximately {n:,} customers affected"
    if w.customers == "range":
        doc.figure("customers_affected", (w.low + w.high) / 2, "range")
        return f"{w.low:,}\u2013{w.high:,} customers affected"
    if w.customers == "unknown":
        doc.figure("customers_affected", None, "unknown")
        return "Customers affected: unknown (still being assessed)"
    doc.figure("customers_affected", n)
    return f"{n:,} {'unique ' if unique else ''}customers affected"


def _summary(inc: Incident, zone: tzinfo | None, out: list[str], r: random.Random, duration: str, doc: Rendered,
             w: ImpactWords) -> bool:  # fmt: skip
    """The Executive Summary with its Impact list; True when it states a revenue loss."""
    team = V.TEAM_BY_NAME[inc.team]
    svc = inc.services[0]
    d = local_first_date(inc, zone)
    fix = P.MITIGATIONS[inc.group].format(svc=svc)
    kind = "outage" if inc.severity in ("SEV1", "SEV2") else "degradation"
    affected = "an unknown number of" if w.customers == "unknown" else f"about {inc.customers:,}"
    out.append("## Executive Summary\n")
    out.append(
        f"On {long_date(d)}, {svc} had a {kind} lasting {duration} that affected {affected} "
        f"customers ({team.symptom}). The incident was resolved by {fix}.\n"
    )
    out.append("**Impact:**")
    out.append(f"- {_customers(inc, w, doc)}")
    revenue = inc.team == "payments" or r.random() < 0.3
    if revenue:
        out.append(f"- Estimated revenue loss: {CURRENCY_SIGN[w.currency]}{inc.revenue:,}")
        doc.figure("revenue_loss", inc.revenue, currency=w.currency)
    out.append(f"- {inc.support_tickets:,} support tickets created")
    doc.figure("support_tickets", inc.support_tickets)
    if w.eng_hours:
        out.append(f"- Engineering time: ~{w.eng_hours} person-hours")
        doc.figure("engineering_hours", w.eng_hours)
    out.append("- No data loss")
    doc.flag("data_loss", False)
    if inc.primary.category == "security":
        out.append(
            f"- Security implications: {P.SECURITY_IMPACT[w.technical % len(P.SECURITY_IMPACT)].format(svc=svc)}"
        )
        doc.flag("security_impact", True)
    out.append("")
    return revenue


def _impact_section(inc: Incident, out: list[str], doc: Rendered, w: ImpactWords, revenue: bool) -> None:
    """Template 1's Impact section: the same figures again, grouped."""
    out.append("## Impact\n\n### Customer Impact")
    out.append(f"- {_customers(inc, w, doc, unique=True)}")
    share = round(100 * inc.support_tickets / max(inc.customers, 1))
    out.append(f"- {inc.support_tickets:,} support tickets ({share}% of affected customers)")
    if revenue or w.eng_hours:
        out.append("\n### Business Impact")
        if revenue:
            out.append(f"- Estimated revenue loss: {CURRENCY_SIGN[w.currency]}{inc.revenue:,}")
        if w.eng_hours:
            out.append(f"- Engineering time: ~{w.eng_hours} person-hours")
    out.append("\n### Technical Impact")
    out.append(f"- {P.TECHNICAL_IMPACT[w.technical].format(svc=inc.services[0])}\n")


def _causes(inc: Incident, st: Style, out: list[str], doc: Rendered) -> None:
    out.append("## Root Cause Analysis\n")
    out.append("### What Happened\n")
    what = f"{inc.events[0].text}. {P.SYMPTOMS[inc.slot.order % len(P.SYMPTOMS)].format(svc=inc.services[0])}."
    if st.blame:
        what += " " + st.blame
        doc.blame = True
        if st.blame_states:
            doc.factor(st.blame_states, "")
    if inc.events[0].states:
        doc.factor(inc.events[0].states, "")  # What Happened tells the change that started it
    out.append(what + "\n")
    out.append("### Why It Happened\n")
    out.append(f"1. **Proximate Cause:** {doc.factor(inc.primary.category, inc.primary.text, inc.primary.also)}\n")
    out.append("2. **Contributing Factors:**")
    contributing = list(inc.contributing)
    if not (st.whys_inline and inc.whys):
        contributing.append(inc.root)
    for f in contributing:
        out.append(f"   - {doc.factor(f.category, f.text, f.also)}")
    if st.whys_inline and inc.whys:
        out.append("\n3. **5 Whys Analysis:**")
        for qn, ans in inc.whys:
            out.append(f"   - {qn} \u2192 {ans}")
        doc.n_whys = len(inc.whys)
        doc.factor(inc.root.category, "", inc.root.also)  # the last answer: the root the chain reached
    out.append("")


def _lessons(inc: Incident, st: Style, out: list[str], doc: Rendered, r: random.Random) -> None:
    if st.detection:
        out.append("## Detection\n\n### What Worked")
        out.extend(f"- {x}" for x in r.sample(P.DETECTION_WORKED, 2))
        out.append("\n### What Didn't Work")
        out.extend(f"- {doc.factor(cat, x)}" for x, cat in r.sample(P.DETECTION_MISSED, 1))
        out.append("")
    out.append("## Lessons Learned\n")
    if st.went_well:
        out.append("### What Went Well")
        out.extend(f"- {x}" for x in r.sample(P.WENT_WELL, r.randint(2, 3)))
        out.append("")
    out.append("### What Went Wrong")
    out.extend(f"- {doc.factor(f.category, f.text, f.also)}" for f in inc.wrong)
    out.append("")
    if st.lucky:
        out.append("### Where We Got Lucky")
        out.extend(f"- {x}" for x in r.sample(P.LUCKY, r.randint(1, 2)))
        out.append("")


def standard(inc: Incident, st: Style, r: random.Random) -> Rendered:
    """Template 1, written as `st` says."""
    doc = truth(inc)
    out: list[str] = []
    if st.front_matter:
        out.append("---")
        out.extend(f"{k}: {v}" for k, v in st.front_matter)
        out.append("---")
        if any(k == "published_at" for k, _ in st.front_matter):
            doc.published = inc.published
    out.append(f"# {st.h1.format(title=inc.title)}\n")
    if st.duration is None:
        st.duration = duration_for(inc, r)
    doc.reported_minutes = st.duration[1]
    w = inc.words
    if st.front_matter and any(k == "customers_affected" for k, _ in st.front_matter):
        doc.figure("customers_affected", inc.customers)  # front matter wins over the body
        w.customers = "exact"
    _header(inc, st, out, r)
    revenue = _summary(inc, st.zone[1] if st.zone else None, out, r, st.duration[0], doc, w)
    _timeline(inc, st, out)
    if st.bad_time_at is not None:
        kind = inc.events[st.bad_time_at].kind
        if kind in MILESTONE_OF:
            doc.unreliable.append(f"{MILESTONE_OF[kind]}_at")
    _causes(inc, st, out, doc)
    if w.section and w.customers != "unknown":
        _impact_section(inc, out, doc, w, revenue)
    _lessons(inc, st, out, doc, r)
    if st.actions == "checkbox":
        _actions_checkbox(inc, st, out, doc)
    else:
        _actions_table(inc, st, out, doc, w)
    if inc.slot.related:
        out.append("## Appendix\n\n### Related Incidents")
        out.append(f"- Same failure mode on {inc.services[0]} before: {inc.slot.related}\n")
        doc.related = inc.slot.related
    doc.text = "\n".join(out).rstrip("\n") + "\n"
    return doc


def published_fm(inc: Incident, r: random.Random, p: float) -> list[tuple[str, str]] | None:
    """Light front matter carrying only when the postmortem was published."""
    if inc.published is None or r.random() >= p:
        return None
    fm = [("published_at", iso_z(inc.published))]
    if r.random() < 0.4:
        fm.insert(0, ("layout", "postmortem"))
    return fm


def quick(inc: Incident, r: random.Random) -> Rendered:
    """Template 3: one header line, a list timeline, Root Cause, Fix, Lessons."""
    doc = truth(inc)
    doc.kind = "quick"
    out: list[str] = []
    fm = published_fm(inc, r, 0.7)
    if fm:
        out.append("---")
        out.extend(f"{k}: {v}" for k, v in fm)
        out.append("---")
        doc.published = inc.published
    ttr = int((inc.resolved - inc.started).total_seconds() // 60)
    dur = minutes_text(ttr, 2)
    doc.reported_minutes = ttr
    out.append(f"# Quick Postmortem: {inc.title}\n")
    line = f"**Date:** {inc.events[0].at.date().isoformat()} | **Duration:** {dur} | **Severity:** {inc.severity}"
    if r.random() < 0.7:  # Template 3 has no Status; many authors add one
        line += f" | **Status:** {STATUS_TEXT[inc.status]}"
    else:
        doc.status = None
    out.append(line + "\n")
    out.append("## What Happened\n")
    symptom = P.SYMPTOMS[inc.slot.order % len(P.SYMPTOMS)].format(svc=inc.services[0])
    first = inc.events[0].text
    out.append(f"{symptom} for {dur}. It started when {first[0].lower()}{first[1:]}.\n")
    if inc.events[0].states:
        doc.factor(inc.events[0].states, "")
    out.append("## Timeline\n")
    prev = None
    for e in inc.events:
        t = hhmm(e.at)
        if prev is not None and e.at.date() != prev:
            t = f"{e.at.date().isoformat()} {t}"
        prev = e.at.date()
        out.append(f"- {t} - {e.text}")
    out.append("\n## Root Cause\n")
    out.append(doc.factor(inc.primary.category, inc.primary.text, inc.primary.also) + ".\n")
    out.append("## Fix\n")
    for i, a in enumerate(inc.actions):
        if i == 0:
            out.append(f"- Immediate: {a.text}" + (" (done)" if a.doc_status == "done" else ""))
            continue
        owner = [f"@{a.owners[0]}"] if a.owners and " " not in a.owners[0] else []
        meta = ", ".join(owner + ([a.ticket] if a.ticket else []))
        out.append(f"- Long-term: {a.text}" + (f" ({meta})" if meta else ""))
    doc.n_actions = len(inc.actions)
    out.append("\n## Lessons\n")
    out.append(r.choice(P.QUICK_LESSONS))
    doc.text = "\n".join(out) + "\n"
    return doc


def five_whys(inc: Incident, r: random.Random) -> Rendered:
    """Template 2, attached to its postmortem by `incident:` in front matter."""
    incident_id = inc.slot.incident_id
    doc = Rendered(kind="five_whys", attach_to=incident_id, team=inc.team, severity=None, status=None)
    doc.milestones = dict.fromkeys(MILESTONE_OF.values())
    svc = inc.services[0]
    ttr = int((inc.resolved - inc.started).total_seconds() // 60)
    out = ["---", f"incident: {incident_id}", "---", f"# 5 Whys Analysis: {inc.title}\n", "## Problem Statement\n"]
    out.append(f"{svc} had a {ttr}-minute incident: {V.TEAM_BY_NAME[inc.team].symptom}.\n")
    out.append("## Analysis\n")
    chain = inc.whys if len(inc.whys) >= 3 else _chain(inc)
    for n, (qn, ans) in enumerate(chain, 1):
        out.append(f"### Why #{n}: {qn}")
        out.append(f"**Answer:** {ans}.")
        out.append(f"**Evidence:** {r.choice(P.EVIDENCE)}\n")
    doc.n_whys = len(chain)
    doc.factor(inc.root.category, "", inc.root.also)  # the root the chain reached is a factor too
    out.append("## Root Causes Identified\n")
    ranks = ("Primary", "Secondary", "Tertiary")
    roots = [inc.root, *[f for f in inc.contributing if f.category != "uncategorized"][:2]]
    for rank, f in zip(ranks, roots, strict=False):
        out.append(f"- **{rank}:** {doc.factor(f.category, f.text, f.also)}")
    out.append("\n## Systemic Improvements\n")
    out.append("| Root Cause | Improvement | Type |\n|---|---|---|")
    kinds = ("Prevention", "Detection", "Mitigation")
    # Improvements of the system, not the postmortem's own action items again.
    taken = {a.text for a in inc.actions}
    for f in roots:
        bank = [t.format(svc=svc) for t in P.ACTIONS.get(f.category, P.ACTIONS["process-gap"])]
        text = next((t for t in bank if t not in taken), None)
        if text is not None:
            taken.add(text)
            out.append(f"| {f.text} | {text} | {kinds[doc.n_actions % 3]} |")
            doc.n_actions += 1
            doc.typed_actions += 1
    doc.text = "\n".join(out) + "\n"
    return doc


def _chain(inc: Incident) -> list[tuple[str, str]]:
    svc = inc.services[0]
    answers = [f"Requests to {svc} failed", inc.primary.text] + [f.text for f in inc.contributing[:2]] + [inc.root.text]
    return [(P.WHY_QUESTIONS[i].format(svc=svc), a) for i, a in enumerate(answers[:5])]
