"""Timelines: tables, lists, one heading per event, plain lines; times to UTC;
every event given a kind; the first event of each kind sets its milestone."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo

from ingest.document import Event
from ingest.mdblocks import BLANK, FENCE, HEADING, LIST, PARA, RULE, TABLE, Line, clean_inline, own_lines
from ingest.problems import Problems
from ingest.rules import KIND_TO_MILESTONE, KINDS, TimelineRules
from ingest.tables import Table, tables
from ingest.timeparse import DATE_RE, BadValue, date_from_match, time_from_match
from ingest.zones import ABBREVIATIONS, find_zone, to_utc, zone_from_name

_ZONE_ALT = (
    r"(?-i:(?:UTC|GMT)\s?[+\-\u2212]\s?\d{1,2}(?::?\d{2})?|"
    + "|".join(sorted(ABBREVIATIONS, key=len, reverse=True))
    + r")(?![\w])"
)
WHEN_RE = re.compile(
    r"^[\s>*_`\[(]*"
    r"(?:(?:ca\.?|circa|approx(?:imately|\.)?|about|around|~)\s*)?"
    r"(?:(?P<date>" + DATE_RE.pattern + r"|(?P<mdm>\d{1,2})-(?P<mdd>\d{1,2}))(?:[\s,]*(?:at\s+|T|@\s*|-\s+)?|T))?"
    r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?(?:\.\d+)?(?:\s*(?P<ampm>[ap]\.?m\.?)(?![a-z]))?"
    r"(?:\s*[-\u2013]\s*\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?(?![a-z]))?)?"
    r"(?:\s*\(?(?P<zone>" + _ZONE_ALT + r")\)?)?"
    r"[*_`\])]*"
    r"(?P<sep>\s*[-\u2013\u2014:|,.]\s+|\s*[-\u2013\u2014|]\s*|\s+|$)",
    re.IGNORECASE,
)
_DATE_ONLY = re.compile(r"^[\s>*_`\[(#]*(?:" + DATE_RE.pattern + r")[\s*_`\]):,.]*$", re.IGNORECASE)
_UNKNOWN_TIME = re.compile(r"^[\s*_`]*\[?\?{2,}(?::\?+)?\]?[\s*_`\]:\-]*")
_TIMES_PHRASE = re.compile(r"\b(?:all\s+)?times?\b|\btime ?zones?\b|\bclock\b", re.IGNORECASE)
_DOC_ZONE = re.compile(r"all\s+times\b[^.\n]*(?:\n[^.\n#]*)?", re.IGNORECASE)

TIME_COLUMNS = ("time", "timestamp", "when", "date time", "datetime", "time utc", "date and time", "at", "hour")
DATE_COLUMNS = ("date", "day")
EVENT_COLUMNS = ("event", "events", "description", "what happened", "details", "detail", "action", "activity",
                 "update", "notes", "note", "summary", "what", "message", "entry", "status")  # fmt: skip
KIND_COLUMNS = ("milestone", "type", "kind", "phase", "stage", "category")
EXPLICIT_KINDS = {
    "start": "start", "started": "start", "begin": "start", "began": "start", "impact start": "start",
    "impact started": "start", "trigger": "start", "outage start": "start", "onset": "start",
    "detect": "detect", "detected": "detect", "detection": "detect", "alert": "detect", "alerted": "detect",
    "ack": "acknowledge", "acknowledge": "acknowledge", "acknowledged": "acknowledge",
    "acknowledgement": "acknowledge", "acknowledgment": "acknowledge", "response": "acknowledge",
    "declare": "declare", "declared": "declare", "declaration": "declare", "incident declared": "declare",
    "mitigate": "mitigate", "mitigated": "mitigate", "mitigation": "mitigate",
    "resolve": "resolve", "resolved": "resolve", "resolution": "resolve", "recovered": "resolve",
    "recovery": "resolve", "end": "resolve", "impact end": "resolve", "all clear": "resolve",
}  # fmt: skip
MAX_EVENT_TEXT = 2000


class Clock:
    """Places the times of one timeline on the calendar, in UTC.

    A row with a date sets the date for the rows after it; a time earlier than
    the row before it, with no date given, is the next day when it goes back
    more than an hour (an incident that crosses midnight); a smaller step back
    is an out-of-order row, kept on the same day and reported."""

    def __init__(self, base: date | None, zone: tzinfo | None, problems: Problems) -> None:
        self.base = base
        self.date = base
        self.zone = zone
        self.prev: datetime | None = None
        self.problems = problems
        self.warned_no_date = False

    def place(self, m: re.Match, line: int | None) -> datetime | None:
        """The UTC time of a WHEN_RE match; None (and a problem) when unreadable."""
        try:
            hms = time_from_match(m)
        except BadValue as exc:
            self.problems.warn("bad-time", line, f"timeline: {exc}; the event is kept without a time")
            return None
        explicit: date | None = None
        if m.group("date"):
            try:
                explicit = self._date(m)
            except BadValue as exc:
                self.problems.warn("bad-date", line, f"timeline: {exc}")
        if explicit is not None:
            self.date = explicit
            local = datetime.combine(explicit, time(*hms))
        else:
            if self.date is None:
                if not self.warned_no_date:
                    self.problems.warn(
                        "no-date",
                        line,
                        "timeline times have no date and the document gives no incident date; "
                        "add 'Date: YYYY-MM-DD' to the header or dates to the timeline",
                    )
                    self.warned_no_date = True
                return None
            local = datetime.combine(self.date, time(*hms))
            if self.prev is not None and local < self.prev:
                if self.prev - local > timedelta(hours=1):
                    while local < self.prev:
                        local += timedelta(days=1)
                    self.date = local.date()
                else:
                    self.problems.warn(
                        "out-of-order",
                        line,
                        f"timeline: {m.group(0).strip()} is earlier than the row before it; kept on the same day",
                    )
        self.prev = local
        zone = zone_from_name(m.group("zone")) if m.group("zone") else self.zone
        return to_utc(local, zone)

    def _date(self, m: re.Match) -> date | None:
        year = self.base.year if self.base else None
        if m.group("mdm"):
            if year is None:
                return None
            try:
                d = date(year, int(m.group("mdm")), int(m.group("mdd")))
            except ValueError as exc:
                raise BadValue(f"'{m.group('date')}' is not a date that exists") from exc
        else:
            d = date_from_match(m, year)
        if d is not None and self.base is not None and not (m.group("iy") or m.group("my") or m.group("dy")):
            if d > self.base + timedelta(days=180):
                d = d.replace(year=d.year - 1)
            elif d < self.base - timedelta(days=180):
                d = d.replace(year=d.year + 1)
        return d

    def set_date(self, d: date) -> None:
        self.date = d
        if self.base is None:
            self.base = d


def doc_zone_phrase(text: str) -> tzinfo | None:
    """A document-wide 'All times listed in this report are in Pacific Time'."""
    m = _DOC_ZONE.search(text)
    return find_zone(m.group(0)) if m else None


def extract(
    sections: list,
    lines: list[Line],
    base: date | None,
    zone: tzinfo | None,
    rules: TimelineRules,
    problems: Problems,
) -> list[Event]:
    """Events of every timeline section, in document order."""
    events: list[Event] = []
    for sec in sections:
        sec_zone = find_zone(sec.title) if sec.title else None
        clock = Clock(base, sec_zone or zone, problems)
        body = lines[sec.start : sec.end]
        events.extend(_section_events(body, clock, sec_zone is not None, rules, problems))
    return events


def extract_tables(body: list[Line], base, zone, rules, problems) -> list[Event]:
    """Events from tables with a time and an event column anywhere in the
    document, for documents without a Timeline section."""
    out: list[Event] = []
    for t in tables(body):
        cols = t.column({"time": TIME_COLUMNS, "event": EVENT_COLUMNS})
        if "time" in cols and "event" in cols:
            out.extend(_table_events(t, Clock(base, zone, problems), rules, problems))
    return out


def _section_events(body: list[Line], clock: Clock, zone_fixed: bool, rules, problems) -> list[Event]:
    events: list[Event] = []
    current: Event | None = None
    parts: list[str] = []
    cur_indent = 0
    from_heading = False
    blank_after_text = False
    i = 0

    def flush() -> None:
        nonlocal current, parts
        if current is not None:
            text = clean_inline(" ".join(parts))[:MAX_EVENT_TEXT]
            current.text = text
            if current.kind == "":
                current.kind, current.kind_source = rules.classify(text) if text else ("other", "none")
            events.append(current)
        current, parts = None, []

    n = len(body)
    while i < n:
        ln = body[i]
        kind = ln.kind
        if kind == TABLE:
            flush()
            j = i
            while j < n and body[j].kind == TABLE:
                j += 1
            for t in tables(body[i:j]):
                cols = t.column({"time": TIME_COLUMNS, "event": EVENT_COLUMNS})
                if "time" in cols:
                    events.extend(_table_events(t, clock, rules, problems))
            i = j
            continue
        if kind in (FENCE, RULE):
            i += 1
            continue
        if kind == BLANK:
            if current is not None and parts and len(parts) > 1 and from_heading:
                blank_after_text = True
            i += 1
            continue
        content = ln.content
        m = WHEN_RE.match(content)
        if m is not None and (m.group("sep") or m.end() == len(content)):
            flush()
            at = clock.place(m, ln.no)
            current = Event(ln.no, at, "", "", "", m.group(0).strip())
            parts = [content[m.end() :]]
            cur_indent = ln.indent
            from_heading = kind == HEADING
            blank_after_text = False
            i += 1
            continue
        um = _UNKNOWN_TIME.match(content) if "??" in content[:8] else None
        if um is not None:
            flush()
            problems.warn(
                "unknown-time", ln.no, "timeline: the time of this event is not known ('??'); kept without a time"
            )
            current = Event(ln.no, None, "", "", "", "??")
            parts = [content[um.end() :]]
            cur_indent, from_heading, blank_after_text = ln.indent, kind == HEADING, False
            i += 1
            continue
        if _DATE_ONLY.match(content):
            flush()
            dm = DATE_RE.search(content)
            try:
                d = date_from_match(dm, clock.base.year if clock.base else None)
            except BadValue as exc:
                problems.warn("bad-date", ln.no, f"timeline: {exc}")
                d = None
            if d is not None:
                clock.set_date(d)
            i += 1
            continue
        if current is None:
            # Intro lines: "All times in PST, on February 5th 2019".
            if _TIMES_PHRASE.search(content):
                if not zone_fixed:
                    z = find_zone(content)
                    if z is not None:
                        clock.zone = z
                        zone_fixed = True
                    elif re.search(r"\ball\s+times\b", content, re.IGNORECASE):
                        problems.warn(
                            "unknown-zone",
                            ln.no,
                            f"timeline: no known time zone in '{clean_inline(content)[:80]}'; times read as UTC",
                        )
                dm = DATE_RE.search(content)
                if dm:
                    try:
                        d = date_from_match(dm, clock.base.year if clock.base else None)
                        if d:
                            clock.set_date(d)
                    except BadValue:
                        pass
            i += 1
            continue
        # Continuation of the current event.
        if kind == HEADING:
            flush()
        elif from_heading:
            if not blank_after_text and len(" ".join(parts)) < MAX_EVENT_TEXT:
                parts.append(content)
        elif kind == LIST and ln.indent <= cur_indent:
            flush()  # a list item without a time ends the event
        elif kind in (LIST, PARA) and len(" ".join(parts)) < MAX_EVENT_TEXT:
            parts.append(content)
        i += 1
    flush()
    return events


def _kind_value(value: str) -> str | None:
    v = " ".join(clean_inline(value).lower().strip(" []().").split())
    if v in EXPLICIT_KINDS:
        return EXPLICIT_KINDS[v]
    return v if v in KINDS else None


def _table_events(t: Table, clock: Clock, rules: TimelineRules, problems: Problems) -> list[Event]:
    cols = t.column({"time": TIME_COLUMNS, "event": EVENT_COLUMNS, "kind": KIND_COLUMNS, "date": DATE_COLUMNS})
    ti = cols["time"]
    ei = cols.get("event")
    if ei is None:
        ei = next((i for i in range(len(t.header)) if i != ti and i != cols.get("kind")), None)
    header_zone = find_zone(t.header[ti])
    if header_zone is not None:
        clock.zone = header_zone
    out = []
    width = len(t.header)
    for ln, cells in t.rows:
        if len(cells) < width and not (len(cells) == 1 and not cells[0]):
            problems.warn(
                "short-row",
                ln.no,
                f"timeline table row has {len(cells)} of {width} cells; the missing cells are left empty",
            )

        def cell(i: int | None, cells: list[str] = cells) -> str:
            return cells[i] if i is not None and i < len(cells) else ""

        time_cell = clean_inline(cell(ti))
        date_cell = clean_inline(cell(cols.get("date"))) if "date" in cols and cols["date"] != ti else ""
        when = f"{date_cell} {time_cell}".strip()
        text = clean_inline(cell(ei))[:MAX_EVENT_TEXT]
        at = None
        m = WHEN_RE.match(when) if when else None
        if m is not None:
            at = clock.place(m, ln.no)
        elif when:
            dm = _DATE_ONLY.match(when)
            if dm:
                try:
                    d = date_from_match(DATE_RE.search(when), clock.base.year if clock.base else None)
                    if d:
                        clock.set_date(d)
                except BadValue as exc:
                    problems.warn("bad-date", ln.no, f"timeline: {exc}")
                if not text:
                    continue
            else:
                problems.warn(
                    "bad-time", ln.no, f"timeline: '{when[:40]}' is not a time; the event is kept without a time"
                )
        elif not text:
            continue
        kind_cell = cell(cols.get("kind")) if "kind" in cols else ""
        explicit = _kind_value(kind_cell) if kind_cell else None
        if explicit:
            kind, source = explicit, "column"
        else:
            kind, source = rules.classify(text) if text else ("other", "none")
        out.append(Event(ln.no, at, kind, source, text, when))
    return out


def milestones_from(events: list[Event]) -> dict[str, tuple[datetime, int | None]]:
    """{milestone: (earliest time, line)} for each kind present with a time."""
    out: dict[str, tuple[datetime, int | None]] = {}
    for e in events:
        if e.at is None or e.kind not in KIND_TO_MILESTONE:
            continue
        name = KIND_TO_MILESTONE[e.kind]
        if name not in out or e.at < out[name][0]:
            out[name] = (e.at, e.line)
    return out


def first_event_start(events: list[Event], detected: datetime | None) -> Event | None:
    """The opening event taken as the start when no event says when impact
    began: the earliest timed event, when it is not itself another milestone
    and comes before detection."""
    timed = [e for e in events if e.at is not None]
    if not timed:
        return None
    first = min(timed, key=lambda e: e.at)
    if first.kind not in ("other", "start"):
        return None
    if detected is not None and not first.at < detected:
        return None
    return first


__all__ = ["PARA", "WHEN_RE", "Clock", "extract", "extract_tables", "first_event_start", "milestones_from", "own_lines"]
