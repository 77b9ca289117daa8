"""One Markdown (or plain-text) document -> ParsedDocument."""

from __future__ import annotations

import contextlib
import re
from datetime import date
from pathlib import PurePosixPath

from ingest import actions, blame, factors, fields, timeline
from ingest.document import Factor, ParsedDocument
from ingest.frontmatter import split_front_matter
from ingest.header import normalise_severity, normalise_status, scan_header, split_list
from ingest.mdblocks import HEADING, PARA, build_sections, classify, clean_inline, walk
from ingest.rules import KIND_TO_MILESTONE, Rules
from ingest.timeparse import DATE_RE, BadValue, date_from_match, parse_date, parse_duration_minutes
from ingest.zones import zone_from_name

_TITLE_KINDS = [
    (re.compile(r"^quick\s+post[- ]?mortem\s*[:\-\u2013\u2014]\s*(.*)$", re.I), "quick"),
    (re.compile(r"^(?:5|five)\s+whys?(?:\s+analysis)?\s*[:\-\u2013\u2014]\s*(.*)$", re.I), "five_whys"),
    (re.compile(r"^(?:incident\s+)?post[- ]?mortem(?:\s+report)?\s*[:\-\u2013\u2014]\s*(.*)$", re.I), "standard"),
    (re.compile(r"^(?:incident\s+(?:report|review|retrospective|analysis)|post[- ]incident\s+(?:review|report)|pir|retrospective|rca)\s*[:\-\u2013\u2014]\s*(.*)$", re.I), "standard"),
]  # fmt: skip
_QUICK_HEADER = re.compile(r"date\s*(?:\*\*|__)?\s*:.*\|.*duration.*\|.*severity", re.I)
_PLACEHOLDER = re.compile(
    r"\[(?:incident|brief|title|date|service|name)[^\]]*\]|\{\{|<[a-z ]*(?:title|name|date)[a-z ]*>|\bYYYY-MM-DD\b",
    re.I,
)
_LEADING_DATE = re.compile(r"^\s*(?:" + DATE_RE.pattern + r")\s*[:,\-\u2013\u2014|]?\s*", re.I)
_FILENAME_DATE = re.compile(r"(\d{4})[-_.]?(\d{2})[-_.]?(\d{2})")
POSTMORTEM_KEYS = frozenset({
    "timeline", "root_cause", "root_cause_analysis", "why_it_happened", "contributing_factors",
    "proximate_cause", "five_whys", "root_causes_identified", "action_items", "fix", "what_went_well",
    "what_went_wrong", "where_we_got_lucky", "lessons", "impact", "detection", "resolution",
    "systemic_improvements", "what_happened",
})  # fmt: skip
FM_POSTMORTEM_KEYS = frozenset({"id", "severity", "incident", "started_at", "detected_at", "resolved_at", "title"})


def parse_markdown(doc: ParsedDocument, text: str, rules: Rules, stem: str, folder_team: str | None) -> None:
    """Fill `doc` from Markdown text. Sets doc.outcome to 'skipped' (with a
    reason) when the text is not a postmortem."""
    problems = doc.problems
    fm, body, _ = split_front_matter(text, problems)
    lines = classify(body)
    root = build_sections(lines)
    secs = list(walk(root))

    # Title and kind.
    h1 = next((ln for ln in lines if ln.kind == HEADING and ln.level == 1 and ln.content), None)
    if h1 is not None and h1.level == 1 and lines.index(h1) > 40:
        h1 = None
    title_kind, title = None, None
    if h1 is not None:
        raw_title = clean_inline(h1.content)
        for pattern, kind in _TITLE_KINDS:
            m = pattern.match(raw_title)
            if m:
                title_kind, title = kind, m.group(1).strip()
                break
        else:
            from ingest.sections import section_key

            if section_key(raw_title) is None:
                title = raw_title
    keys = {s.key for s in secs if s.key}
    quick_header = any(_QUICK_HEADER.search(ln.content) for ln in lines[:30] if ln.kind == PARA)
    fm_says = bool(FM_POSTMORTEM_KEYS & set(fm))
    pm_keys = keys & POSTMORTEM_KEYS
    if title_kind is None:
        if quick_header:
            title_kind = "quick"
        elif fm_says or len(pm_keys) >= 2 or ("timeline" in pm_keys and len(pm_keys) >= 1):
            title_kind = "standard"
    if title and _PLACEHOLDER.search(title) and not fm_says:
        doc.outcome, doc.reason = "skipped", f"a template, not a postmortem (title '{title[:60]}')"
        return
    if title_kind is None:
        doc.outcome = "skipped"
        doc.reason = (
            "not a postmortem: no title such as 'Postmortem: ...' and fewer than two of the "
            "postmortem sections (Timeline, Root Cause, Action Items, Lessons, ...)"
        )
        return
    if "template" in stem.lower() and not fm_says:
        doc.outcome, doc.reason = "skipped", "a template, not a postmortem (file name says template)"
        return
    doc.kind = title_kind

    # Header fields: before the first content section.
    stop = next((s.head for s in secs if s.key and s.key not in ("metadata", "summary") and not s.label), len(lines))
    stop = min(stop, 80) if stop > 80 else stop
    head = scan_header(lines, max(stop, min(len(lines), 12)))
    _apply_header(doc, head, problems)
    if title:
        lead = _LEADING_DATE.match(title)
        if lead and doc.date is None:
            with contextlib.suppress(BadValue):
                doc.date = date_from_match(lead)
        if lead and lead.end() < len(title):
            title = title[lead.end() :].strip(" :-")
    doc.title = title or doc.title or _title_from_stem(stem)
    zone_fm = fields.apply(doc, fm, problems)
    if doc.date is None:
        doc.date = _date_from_stem(stem)
    if not doc.team and folder_team:
        doc.team = folder_team

    # Timeline.
    zone = timeline.doc_zone_phrase(body) or zone_fm or (zone_from_name(doc.timezone) if doc.timezone else None)
    tl_secs = [s for s in secs if s.key == "timeline"]
    tl_secs = [s for s in tl_secs if not any(o is not s and o.head < s.head < o.end for o in tl_secs)]
    if tl_secs:
        events = timeline.extract(tl_secs, lines, doc.date, zone, rules.timeline, problems)
    else:
        events = timeline.extract_tables(lines, doc.date, zone, rules.timeline, problems)
    doc.timeline = events
    if doc.date is None:
        first = next((e.at for e in events if e.at is not None), None)
        doc.date = first.date() if first else None
    _milestones(doc, events)

    # Whys, factors, lessons, action items.
    doc.whys = factors.extract_whys(root, lines, whole_document=doc.kind == "five_whys")
    doc.factors = factors.extract_factors(root, lines, doc.whys, rules.taxonomy)
    _factors_from_front_matter(doc, fm, rules)
    doc.lessons, doc.has_went_well_section = factors.extract_lessons(root, lines)
    doc.action_items = actions.extract(root, lines, problems)
    doc.blame = blame.scan(lines, rules.guide)


def _apply_header(doc: ParsedDocument, head: dict, problems) -> None:
    if "date" in head:
        value, no = head["date"]
        try:
            d = parse_date(value)
            if d is None:
                problems.warn("bad-date", no, f"Date '{value[:40]}' is not a date; ignored")
            doc.date = d
        except BadValue as exc:
            problems.warn("bad-date", no, f"Date: {exc}; ignored")
    if "severity" in head:
        value, no = head["severity"]
        doc.severity = normalise_severity(value)
        if doc.severity is None:
            problems.warn(
                "bad-severity",
                no,
                f"severity '{value[:40]}' is not SEV1..SEV5 (or Sev-2, S2, P2, critical/major/minor); ignored",
            )
    if "status" in head:
        value, no = head["status"]
        doc.status = normalise_status(value)
        if doc.status is None:
            problems.warn("bad-status", no, f"status '{value[:40]}' is not draft, in review or final; ignored")
    if "duration" in head:
        value, no = head["duration"]
        doc.reported_duration_minutes = parse_duration_minutes(value)
        if doc.reported_duration_minutes is None:
            problems.warn("bad-duration", no, f"duration '{value[:40]}' is not a duration; ignored")
    if "team" in head:
        doc.team = clean_inline(head["team"][0]).lower() or None
    if "services" in head:
        doc.services = split_list(head["services"][0])
    if "authors" in head:
        doc.authors = [a.lstrip("@").lower() for a in split_list(head["authors"][0])]
    if "id" in head:
        doc.incident_id, doc.id_explicit = clean_inline(head["id"][0])[:200], True
    if "id_ref" in head and doc.kind == "five_whys":
        doc.attach_to = clean_inline(head["id_ref"][0])[:200]
    if "timezone" in head:
        z = zone_from_name(head["timezone"][0])
        if z is not None:
            doc.timezone = head["timezone"][0]


def _milestones(doc: ParsedDocument, events) -> None:
    found = timeline.milestones_from(events)
    for _kind, name in KIND_TO_MILESTONE.items():
        if doc.milestones.get(name) is None and name in found:
            doc.milestones[name] = found[name][0]
            doc.milestone_sources[name] = "timeline"
    if doc.milestones.get("started") is None:
        first = timeline.first_event_start(events, doc.milestones.get("detected"))
        if first is not None:
            doc.milestones["started"] = first.at
            doc.milestone_sources["started"] = "first_event"


def _factors_from_front_matter(doc: ParsedDocument, fm: dict, rules: Rules) -> None:
    named = []
    for key in ("tags", "contributing_factors"):
        value = fm.get(key)
        if isinstance(value, str):
            value = split_list(value)
        if isinstance(value, list):
            named.extend(str(v).strip().lower() for v in value if isinstance(v, str | int))
    for cat in dict.fromkeys(named):
        if cat in rules.taxonomy.by_id and cat != "uncategorized":
            label = rules.taxonomy.by_id[cat].label
            doc.factors.append(Factor(label, "front_matter", cat, 1))


def _title_from_stem(stem: str) -> str:
    s = re.sub(r"^\d{4}[-_.]?\d{2}[-_.]?\d{2}[-_ ]*", "", stem)
    s = re.sub(r"^\d+[-_ ]+", "", s)
    s = s.replace("--", " - ").replace("_", " ").replace("-", " ").strip()
    return (s[:1].upper() + s[1:]) if s else stem


def _date_from_stem(stem: str) -> date | None:
    m = _FILENAME_DATE.search(PurePosixPath(stem).name)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
