"""The incidents of a Markdown document: its timeline sections, what it
states about impact outside them, and the milestones decided from both.

A document may hold several incidents ('## Incident Timeline' with a
'### October 21, 2025 - Redis overload' section per incident, each with its
own timeline, or one 'Timeline' under each incident's own section). Each is
read on its own: events of one are never mixed into another. The incident
the title or file name names (else the first) is the document's main one.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo

from ingest.read.mdblocks import BLANK, HEADING, PARA, Line, Section
from ingest.read.problems import Problems
from ingest.understand import timeline, windows
from ingest.understand.clock import DATE_LED
from ingest.understand.document import ParsedDocument
from ingest.understand.milestones import apply, decide, infer_start_from_duration
from ingest.understand.timeparse import DATE_RE, BadValue, date_from_match

# Sections whose prose may state the incident's times.
PROSE_KEYS = frozenset({"summary", "impact", "metadata"})
_PAGE_NUMBER = re.compile(r"^\s*\d{1,3}\s+of\s+\d{1,3}\b.{0,40}\d{1,2}:\d{2}\s*$")
_NAMED_DATE = re.compile(r"^\W*[-\u2013\u2014:|,]\s*\w|\b(incident|outage)\b", re.IGNORECASE)


@dataclass
class Part:
    """One incident of a document: its title, date and where it is written."""

    title: str | None
    date: date | None
    sections: list[Section]  # its timeline sections
    scope: list[tuple[int, int]]  # line ranges whose prose may state its times
    head: int | None = None  # the line index of its heading


def drop_page_footers(lines: list[Line], problems: Problems) -> None:
    """Text extracted from a PDF export repeats a footer on every page ('1 of 3
    20.02.2026, 14:50', often after the report's title and address): those
    lines are not events. They become blank."""
    del problems  # footers are not content: nothing of the document is lost
    pages = [i for i, ln in enumerate(lines) if ln.kind == PARA and " of " in ln.content[:12]
             and _PAGE_NUMBER.match(ln.content)]  # fmt: skip
    if not pages:
        return
    counts: dict[str, int] = {}
    for ln in lines:
        if ln.kind == PARA:
            counts[ln.content] = counts.get(ln.content, 0) + 1
    for i in pages:
        lines[i].kind = BLANK
        j = i - 1
        while j >= 0 and lines[j].kind == BLANK:
            j -= 1
        if j >= 0 and lines[j].kind == PARA and counts.get(lines[j].content, 0) >= 2:
            lines[j].kind = BLANK


def timeline_sections(secs: list[Section], lines: list[Line]) -> list[Section]:
    """The document's timeline sections (a dated heading of the same level
    right after one continues it); else sections such as '**Events**' that
    hold timed rows."""
    tl = [s for s in secs if s.key == "timeline"]
    tl = [s for s in tl if not any(o is not s and o.head < s.head < o.end for o in tl)]
    if not tl:
        tl = [s for s in secs if s.key == "what_happened" and timeline.timed_rows(lines[s.start : s.end]) >= 2]
    return [_with_dated_headings(s, lines) for s in tl]


def _with_dated_headings(sec: Section, lines: list[Line]) -> Section:
    """A Timeline whose days are headings of the same level ('## Timeline',
    '## May 12', '## May 13'): the dated headings after it continue it."""
    end = sec.end
    while end < len(lines) and lines[end].kind == HEADING and DATE_LED.match(lines[end].content):
        level = lines[end].level
        j = end + 1
        while j < len(lines) and not (lines[j].kind == HEADING and lines[j].level <= level):
            j += 1
        end = j
    if end == sec.end:
        return sec
    return dataclasses.replace(sec, end=end)


def _title_date(title: str, year: int | None) -> date | None:
    m = DATE_RE.search(title)
    if not m:
        return None
    try:
        return date_from_match(m, year)
    except BadValue:
        return None


def split_parts(root: Section, secs: list[Section], lines: list[Line], tl: list[Section], year) -> list[Part] | None:
    """The incidents of a document that holds several, or None."""
    # A timeline whose sections are incidents: a date and a name, each with timed rows.
    for sec in tl:
        kids = [
            c
            for c in sec.children
            if not c.label
            and DATE_RE.search(c.title)
            and _NAMED_DATE.search(c.title[DATE_RE.search(c.title).end() :] or "")
            and timeline.timed_rows(lines[c.start : c.end]) >= 2
        ]
        if len(kids) >= 2:
            return [
                Part(
                    c.title,
                    _title_date(c.title, year),
                    [dataclasses.replace(c, children=[])],
                    [(c.start, c.end)],
                    c.head,
                )
                for c in kids
            ]
    # One timeline under each incident's own section.
    if len(tl) >= 2:
        owners = []
        for sec in tl:
            owner = None
            for s in secs:
                if s is not sec and s.head < sec.head < s.end and not s.label and s.key != "timeline":
                    owner = s  # the innermost section holding it
            owners.append(owner)
        named = [o for o in owners if o is not None and (DATE_RE.search(o.title) or _NAMED_DATE.search(o.title))]
        if len(named) == len(tl) and len({id(o) for o in named}) == len(tl):
            return [
                Part(
                    o.title,
                    _title_date(o.title, year),
                    [dataclasses.replace(t, end=min(t.end, o.end))],
                    [(o.start, o.end)],
                    o.head,
                )  # a timeline read on over day headings stops at its incident's end
                for o, t in zip(named, tl, strict=True)
            ]
    return None


def prose_scope(root: Section, secs: list[Section], lines: list[Line]) -> list[tuple[int, int]]:
    """Line ranges whose prose may state the incident's times: the opening
    before the first section, the summary, impact and metadata sections."""
    first = min((s.head for s in root.children if not s.label), default=len(lines))
    out = [(0, first)]
    for s in root.children:  # the title heading's own lines, before its first section
        if not s.label and s.level == 1 and s.key is None:
            out.append((s.start, min((c.head for c in s.children if not c.label), default=s.end)))
    return out + [(s.start, s.end) for s in secs if not s.label and s.key in PROSE_KEYS]


def read_timelines(
    doc: ParsedDocument,
    lines: list[Line],
    root: Section,
    secs: list[Section],
    head: dict,
    zone: tzinfo | None,
    zone_fixed: bool,
    rules,
    problems: Problems,
    title_date: date | None,
) -> list[Part] | None:
    """Fill the document's timeline and milestones; returns the other
    incidents' parts when the document holds several (the caller makes
    documents of them)."""
    tl = timeline_sections(secs, lines)
    year = doc.date.year if doc.date else None
    parts = split_parts(root, secs, lines, tl, year)
    main_scope = prose_scope(root, secs, lines)
    if parts:
        idx = next((i for i, p in enumerate(parts) if p.date and p.date in (title_date, doc.date)), 0)
        main = parts[idx]
        others = parts[:idx] + parts[idx + 1 :]
        read_part(doc, lines, main.sections, main.scope, head, main.date or doc.date, zone, zone_fixed, rules,
                  problems)  # fmt: skip
        return others
    read_part(doc, lines, tl, main_scope, head, doc.date, zone, zone_fixed, rules, problems, whole=not tl)
    return None


def read_part(
    doc: ParsedDocument,
    lines: list[Line],
    sections: list[Section],
    scope: list[tuple[int, int]],
    head: dict,
    base: date | None,
    zone: tzinfo | None,
    zone_fixed: bool,
    rules,
    problems: Problems,
    whole: bool = False,
) -> None:
    """One incident's timeline, stated times and milestones into `doc`."""
    if sections:
        events = timeline.extract(sections, lines, base, zone, rules.timeline, problems, zone_fixed)
    elif whole:
        events = timeline.extract_tables(lines, base, zone, rules.timeline, problems, zone_fixed)
    else:
        events = []
    doc.timeline = events
    if doc.date is None:
        first = next((e.at for e in events if e.at is not None), None)
        doc.date = first.date() if first else None
        base = base or doc.date
    # a duration the header states is enough; else one the text states
    prose_durations = doc.reported_duration_minutes is None
    found_windows, statements, durations = windows.scan(lines, scope, base, zone, rules.timeline,
                                                        durations_too=prose_durations)  # fmt: skip
    in_timeline = [(sec.start, sec.end) for sec in sections]  # '**Duration:** 21:45 to 23:28 UTC' beside the rows
    more, _, more_durations = windows.scan(lines, in_timeline, base, zone, rules.timeline, statements=False,
                                           rows=True, durations_too=prose_durations)  # fmt: skip
    found_windows += more
    durations += more_durations
    if "impact_time" in head:
        value, no = head["impact_time"]
        w = windows.header_window(value, no, base, zone)
        if w is None:
            problems.warn("bad-time", no, f"impact time '{value[:60]}' is not 'START to END'; ignored")
        else:
            found_windows.insert(0, w)
    for key in ("started", "resolved"):
        if key in head:
            value, no = head[key]
            w = _header_point(value, no, base, zone, key)
            if w is not None:
                found_windows.append(w)
    tool = [(w.start, w.end) for w in found_windows if w.source == "tool"]
    found_windows[:] = [w for w in found_windows if w.source == "tool" or (w.start, w.end) not in tool]
    _sane_windows(found_windows, events, problems)
    try:
        decided = decide(events, found_windows, statements, durations, rules.timeline.settings, problems,
                         doc.milestones, anchor=doc.date)  # fmt: skip
        infer_start_from_duration(decided, events, durations, doc.reported_duration_minutes)
    except OverflowError:  # times at the very ends of the calendar (0001-01-01): nothing to decide from
        problems.warn("bad-time", None, "timeline times at the ends of the calendar; no milestone is read from them")
        decided = {}
    apply(doc, decided)
    if doc.reported_duration_minutes is None and durations:
        doc.custom_fields.setdefault("stated_duration_minutes", durations[0].minutes)


def _header_point(value: str, no: int, base, zone, key: str) -> windows.Window | None:
    """'Start: 2024-01-15 14:23 UTC' / 'End: ...' (a time, not only a date)."""
    tx = windows._timexes(value, base.year if base else None)
    if len(tx) != 1:
        return None
    day = tx[0].day or base
    at = windows._instant(tx[0], day, zone)
    if at is None:
        return None
    if key == "started":
        return windows.Window(at, None, no, value[:120], "author")
    return windows.Window(None, at, no, value[:120], "author")


def _sane_windows(found: list[windows.Window], events, problems: Problems) -> None:
    """A stated window far from every timed event of the timeline (a month
    off, a copied header) is not evidence for it."""
    timed = [e.at for e in events if e.at is not None]
    if not timed:
        return
    try:
        lo, hi = min(timed) - timedelta(days=2), max(timed) + timedelta(days=2)
    except OverflowError:
        return
    keep = []
    for w in found:
        points = [x for x in (w.start, w.end) if x is not None]
        if points and all(p < lo or p > hi for p in points):
            problems.warn("window-conflict", w.line, f"the stated time '{w.text[:60]}' is days away from every "
                          "event of the timeline; it is not used")  # fmt: skip
            continue
        keep.append(w)
    found[:] = keep


__all__ = ["Part", "drop_page_footers", "read_part", "read_timelines", "timeline_sections"]
