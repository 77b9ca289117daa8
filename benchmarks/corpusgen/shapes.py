"""Which knobs each document shape turns.

The messy shape bends the standard template the ways real documents do; it
records every quirk it applies, and the fields a quirk garbles on purpose are
listed as `unreliable` in the manifest."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

from benchmarks.corpusgen import phrases as P
from benchmarks.corpusgen import render_md as md
from benchmarks.corpusgen import render_structured as st
from benchmarks.corpusgen import vocab as V
from benchmarks.corpusgen.model import Incident
from benchmarks.corpusgen.rendered import Rendered, local_first_date
from benchmarks.corpusgen.text import iso_z, long_date, q

SEVERITY_FORMS = {
    "SEV1": ("Sev-1", "P1", "critical", "S1", "SEV-1"),
    "SEV2": ("Sev-2", "P2", "major", "S2", "SEV-2"),
    "SEV3": ("Sev-3", "P3", "medium", "S3", "sev3"),
    "SEV4": ("Sev-4", "P4", "minor", "S4", "low"),
    "SEV5": ("Sev-5", "P5", "trivial", "S5", "sev 5"),
}
STATUS_FORMS = {"final": ("final", "Done", "Published", "Complete"), "draft": ("WIP", "draft", "Draft"),
                "in review": ("under review", "Review", "in-review")}  # fmt: skip
UNKNOWN_SEVERITY = ("purple", "TBD", "unknown", "high-ish")
MESSY_TITLES = ("Postmortem: {title}", "Incident Report: {title}", "Post-incident review: {title}",
                "Incident review: {title}", "Postmortem - {title}", "RCA: {title}")  # fmt: skip


def render(inc: Incident, r: random.Random) -> list[tuple[str, Rendered]]:
    """[(file name suffix, document)]: the postmortem, and for the five_whys
    shape its separate analysis."""
    shape = inc.slot.shape
    if shape == "yaml":
        return [("", st.render_yaml(inc, r))]
    if shape == "json":
        return [("", st.render_json(inc, r))]
    if shape == "quick":
        return [("", _detection_gap(inc, md.quick(inc, r)))]
    if shape == "messy":
        return [("", _detection_gap(inc, messy(inc, r)))]
    style = md.Style(zone=inc.zone)
    cross_team = inc.slot.folder != inc.team
    style.team_text = inc.team if cross_team or r.random() < 0.6 else None
    style.detection = r.random() < 0.4
    style.day_dates = r.random() < 0.3
    style.lucky = r.random() < 0.8
    if shape == "standard_list":
        style.timeline = "list_bold" if r.random() < 0.6 else "list_utc"
        style.actions = "checkbox"
    else:
        style.timeline = "table_kind" if r.random() < 0.1 else "table"
        style.actions = "table_status" if r.random() < 0.3 else "table"
    if shape == "frontmatter":
        style.front_matter = front_matter(inc, r)
        style.zone_where = "fm" if inc.zone else "heading"
        style.team_text = None
        if r.random() < 0.3:  # the body was not updated when the front matter was
            style.severity_text = r.choice([s for s in SEVERITY_FORMS if s != inc.severity])
        if r.random() < 0.2:
            style.status_text = r.choice([s for s in ("Draft", "In Review", "Final") if s.lower() != inc.status])
    else:
        fm = md.published_fm(inc, r, 0.8)
        if shape == "five_whys":
            fm = [("id", inc.slot.incident_id), *(fm or [])]
            style.whys_inline = False
        style.front_matter = fm
    doc = md.standard(inc, style, r)
    if shape == "frontmatter":
        doc.factors.extend(_tag_categories(style.front_matter))
    docs = [("", _detection_gap(inc, doc))]
    if shape == "five_whys":
        docs.append(("-5-whys", md.five_whys(inc, r)))
    return docs


_ABOUT_MONITORING = re.compile(r"\b(alert\w*|monitor\w*|dashboards?|probes?|paging)\b", re.IGNORECASE)


def _detection_gap(inc: Incident, doc: Rendered) -> Rendered:
    """A Markdown timeline whose detection is a report, with an action item about monitoring, states a
    monitoring gap (the parser reads it so: docs/FACTORS.md)."""
    svc = inc.services[0]
    reported = any(e.kind == "detect" and e.text in {t.format(svc=svc) for t in P.REPORTED} for e in inc.events)
    if reported and any(a.category == "monitoring-gap" or _ABOUT_MONITORING.search(a.text) for a in inc.actions):
        doc.factors.append("monitoring-gap")
    return doc


def _tag_categories(fm: list[tuple[str, str]]) -> list[str]:
    tags = next((v for k, v in fm if k == "tags"), "[]")
    return [t for t in tags.strip("[]").split(", ") if t in P.FACTORS]


def front_matter(inc: Incident, r: random.Random) -> list[tuple[str, str]]:
    """Template front matter: id, severity, status, team, services, times, tags."""
    sev = inc.severity if r.random() < 0.6 else r.choice(SEVERITY_FORMS[inc.severity][:4])
    fm = [("id", inc.slot.incident_id), ("title", q(inc.title))]
    if r.random() < 0.7:
        fm.append(("date", local_first_date(inc, inc.tz).isoformat()))
    fm += [("severity", sev), ("status", inc.status), ("team", inc.team)]
    fm.append(("services", "[" + ", ".join(inc.services) + "]"))
    if inc.zone:
        fm.append(("timezone", inc.zone[0]))
    if inc.started != inc.events[0].at or r.random() < 0.3:
        fm.append(("started_at", iso_z(inc.started)))
    if inc.published is not None:
        fm.append(("published_at", iso_z(inc.published)))
    fm.append(("customers_affected", str(inc.customers)))
    tags = [inc.primary.category] if inc.primary.category in P.FACTORS else []
    tags += [f.category for f in inc.contributing[:1] if f.category in P.FACTORS and f.category not in tags]
    tags.append(r.choice(("database", "deploy", "customer-facing", "latency", "batch")))
    fm.append(("tags", "[" + ", ".join(tags) + "]"))
    return fm


def impossible_date(d: date) -> str:
    """The incident's month with a day it does not have: a typo a reader would make."""
    last = (date(d.year + d.month // 12, d.month % 12 + 1, 1) - timedelta(days=1)).day
    return f"{d.year}-{d.month:02d}-{last + 1}"


def messy(inc: Incident, r: random.Random) -> Rendered:
    """The standard template bent the ways real documents bend it."""
    quirks: list[str] = []
    style = md.Style(zone=inc.zone, h1=r.choice(MESSY_TITLES))
    style.header = r.choice(("table", "plain_pipes", "plain_lines", "bold"))
    quirks.append(f"header-{style.header}")
    if r.random() < 0.7:
        style.severity_text = r.choice(SEVERITY_FORMS[inc.severity])
        style.severity_label = "Severity"
        quirks.append("severity-form")
    if r.random() < 0.5:
        style.status_text = r.choice(STATUS_FORMS[inc.status])
    if r.random() < 0.2:
        style.date_text = long_date(local_first_date(inc, inc.tz))
        quirks.append("date-words")
    style.timeline = r.choice(("table", "table", "headings", "bracket", "list_bold", "table_kind"))
    quirks.append(f"timeline-{style.timeline}")
    if r.random() < 0.4:
        style.clock = "12h"
        quirks.append("12h-clock")
    if inc.zone:
        places = ("heading", "line", "column") if style.timeline.startswith("table") else ("heading", "line")
        style.zone_where = r.choice(places)
        quirks.append(f"zone-{inc.zone[0]}-{style.zone_where}")
    style.day_dates = r.random() < 0.3
    style.detection = r.random() < 0.3
    style.actions = r.choice(("table", "table_status", "checkbox"))
    style.front_matter = md.published_fm(inc, r, 0.6)
    unreliable: list[str] = []
    if r.random() < 0.15:
        style.date_text = impossible_date(local_first_date(inc, inc.tz))
        quirks.append("impossible-date")
        unreliable.append("date")
    if r.random() < 0.12:
        style.severity_text = r.choice(UNKNOWN_SEVERITY)
        quirks.append("unknown-severity")
        unreliable.append("severity")
    if r.random() < 0.15:
        style.bad_time_at = r.randrange(1, len(inc.events))
        quirks.append("bad-time")
    if r.random() < 0.15 and style.actions != "checkbox":
        style.short_row_at = r.randrange(len(inc.actions))
        quirks.append("short-row")
    if r.random() < 0.15:
        style.due_text_at = r.randrange(len(inc.actions))
        quirks.append("due-in-words")
    if r.random() < 0.25:
        style.went_well = False
        quirks.append("no-went-well")
    if r.random() < 0.1:
        name = V.NAMES[r.choice(V.TEAM_BY_NAME[inc.team].people)].split()[0]
        blame = r.choice(P.BLAME)
        style.blame = blame.format(Name=name, svc=inc.services[0])
        style.blame_states = P.BLAME_STATES.get(blame)
        quirks.append("blame")
    style.lucky = r.random() < 0.5
    doc = md.standard(inc, style, r)
    doc.unreliable = unreliable + doc.unreliable
    doc.quirks = quirks
    return doc
