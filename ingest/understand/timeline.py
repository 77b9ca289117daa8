"""Timelines: tables, lists, one heading per event, plain lines; times to UTC;
every event given a kind; the first event of each kind sets its milestone."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo

from ingest.read.mdblocks import BLANK, FENCE, HEADING, LIST, PARA, RULE, TABLE, Line, clean_inline
from ingest.read.problems import Problems
from ingest.read.tables import Table, tables
from ingest.understand.document import Event
from ingest.understand.rules import KINDS, TimelineRules
from ingest.understand.timeparse import DATE_RE, BadValue, date_from_match, time_from_match
from ingest.understand.zones import ABBREVIATIONS, find_zone, to_utc, zone_from_name

_ZONE_ALT = (
    r"(?-i:(?:UTC|GMT)\s?[+\-\u2212]\s?\d{1,2}(?::?\d{2})?|[+\-]\d{2}:?\d{2}|"
    + "|".join(sorted(ABBREVIATIONS, key=len, reverse=True))
    + r")(?![\w])"
)
WHEN_RE = re.compile(
    r"^[\s>*_`\[(]*"
    r"(?:(?:ca\.?|circa|approx(?:imately|\.)?|about|around|~)\s*)?"
    r"(?:(?P<date>" + DATE_RE.pattern + r"|(?P<mdm>\d{1,2})-(?P<mdd>\d{1,2}))(?:[\s,]*(?:at\s+|T|@\s*|-\s+)?|T))?"
    r"(?:(?:ca\.?|circa|approx(?:imately|\.)?|about|around|~)\s*)?"
    r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?(?:\.\d+)?(?:\s*(?P<ampm>[ap]\.?m\.?)(?![a-z]))?"
    r"(?:\s*[-\u2013]\s*\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?(?![a-z]))?)?"
    r"(?:\s*\(?(?P<zone>" + _ZONE_ALT + r")\)?)?"
    r"[*_`\])]*"
    r"(?P<sep>\s*[-\u2013\u2014:|,.]\s+|\s*[-\u2013\u2014|]\s*|\s+|$)",
    re.IGNORECASE,
)
_DATE_ONLY = re.compile(r"^[\s>*_`\[(#]*(?:" + DATE_RE.pattern + r")[\s*_`\]):,.]*$", re.IGNORECASE)
_UNKNOWN_TIME = re.compile(
    r"^[\s*_`\[]*(?:\?{2,}(?::\?+)?|\d?[X?]{1,2}:[0-9X?]{2}|\d{1,2}:[X?]{2})\]?[\s*_`\]:\-]*", re.IGNORECASE
)
DATE_LED = re.compile(r"^[\s>*_`\[(#]*(?:" + DATE_RE.pattern + r")", re.IGNORECASE)
_QUOTED = re.compile(r"\u201c[^\u201d]{15,}\u201d|\"[^\"]{40,}\"")
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
    "other": "other", "note": "other", "investigation": "other", "update": "other", "info": "other",
}  # fmt: skip
MAX_EVENT_TEXT = 2000


class Clock:
    """Places the times of one timeline on the calendar, in UTC.

    A row with a date sets the date for the rows after it. A time that would
    fall earlier than the row before it (compared as instants, so rows in
    different zones compare correctly), with no date given, is the next day
    when it goes back more than an hour (an incident that crosses midnight); a
    smaller step back is an out-of-order row, kept on its day and reported. A
    zone written on a row carries on to the rows after it, unless the
    timeline's heading or intro fixed the zone for the whole timeline."""

    def __init__(self, base: date | None, zone: tzinfo | None, problems: Problems, zone_fixed: bool = False) -> None:
        self.base = base
        self.date = base
        self.zone = zone
        self.zone_fixed = zone_fixed
        self.prev: datetime | None = None  # UTC instant of the previous timed row
        self.problems = problems
        self.warned_no_date = False

    def place(self, m: re.Match, line: int | None) -> datetime | None:
        """The UTC time of a WHEN_RE match; None (and a problem) when unreadable."""
        try:
            return self._place(m, line)
        except (BadValue, OverflowError) as exc:
            self.problems.warn(
                "bad-time", line, f"timeline: {m.group(0).strip()[:40]}: {exc}; the event is kept without a time"
            )
            return None

    def _place(self, m: re.Match, line: int | None) -> datetime | None:
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
        zone = self.zone
        if m.group("zone"):
            zone = zone_from_name(m.group("zone"))
            if not self.zone_fixed:
                self.zone = zone
        if explicit is not None:
            self.date = explicit
            at = to_utc(datetime.combine(explicit, time(*hms)), zone)
            if self.prev is not None and at < self.prev - timedelta(hours=1):
                self.problems.warn(
                    "out-of-order",
                    line,
                    f"timeline: {m.group(0).strip()} is earlier than the row before it although both give dates; "
                    "one of the dates may be wrong",
                )
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
            at = to_utc(local, zone)
            if self.prev is not None and at < self.prev:
                if self.prev - at > timedelta(hours=1):
                    for _ in range(3):  # a timeline crosses midnight a day at a time
                        local += timedelta(days=1)
                        at = to_utc(local, zone)
                        if at >= self.prev - timedelta(hours=1):
                            break
                    self.date = local.date()
                else:
                    self.problems.warn(
                        "out-of-order",
                        line,
                        f"timeline: {m.group(0).strip()} is earlier than the row before it; kept on the same day",
                    )
        self.prev = at
        return at

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


def doc_zone_unknown(text: str) -> bool:
    """The document has an 'All times ... in X' phrase whose X is no known zone."""
    m = _DOC_ZONE.search(text)
    return bool(m) and find_zone(m.group(0)) is None and bool(re.search(r"\bin\s+\S", m.group(0)))


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
        clock = Clock(base, sec_zone or zone, problems, zone_fixed=sec_zone is not None)
        body = lines[sec.start : sec.end]
        events.extend(_section_events(body, clock, rules, problems))
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


def classify_text(rules: TimelineRules, first: str, full: str) -> tuple[str, str]:
    """Kind of an event from its first paragraph, else from all of its text.
    Long quotations (an advisory pasted into the timeline) are not read."""
    kind, source = rules.classify(_QUOTED.sub(" ", first)) if first else ("other", "none")
    if kind == "other" and full and full != first:
        kind, source = rules.classify(_QUOTED.sub(" ", full))
    return kind, source


class _Pending:
    __slots__ = ("event", "heading", "indent", "level", "paragraphs")

    def __init__(self, event: Event, first: str, indent: int, heading: bool, level: int) -> None:
        self.event = event
        self.paragraphs: list[list[str]] = [[first[:MAX_EVENT_TEXT]] if first else []]
        self.indent = indent
        self.heading = heading
        self.level = level

    def add(self, text: str) -> None:
        if sum(len(t) for p in self.paragraphs for t in p) < MAX_EVENT_TEXT:
            self.paragraphs[-1].append(text[:MAX_EVENT_TEXT])

    def new_paragraph(self) -> None:
        if self.paragraphs[-1]:
            self.paragraphs.append([])


def _section_events(body: list[Line], clock: Clock, rules, problems) -> list[Event]:
    """Events from one timeline: list items, plain lines, one heading per
    event (its whole body is the event's text), tables; date lines and
    date headings set the day; intro lines set the zone."""
    events: list[Event] = []
    cur: _Pending | None = None

    def flush() -> None:
        nonlocal cur
        if cur is not None:
            paras = [clean_inline(" ".join(p)) for p in cur.paragraphs if p]
            full = " ".join(p for p in paras if p)[:MAX_EVENT_TEXT]
            e = cur.event
            if full or e.at is not None or e.time_text:
                e.text = full
                if e.kind == "":
                    e.kind, e.kind_source = classify_text(rules, paras[0] if paras else "", full)
                if full or e.at is not None:
                    events.append(e)
        cur = None

    n = len(body)
    i = 0
    while i < n:
        ln = body[i]
        kind = ln.kind
        if kind == TABLE:
            flush()
            j = i
            while j < n and body[j].kind == TABLE:
                j += 1
            for t in tables(body[i:j]):
                if "time" in t.column({"time": TIME_COLUMNS, "event": EVENT_COLUMNS}):
                    events.extend(_table_events(t, clock, rules, problems))
            i = j
            continue
        if kind in (FENCE, RULE) or ln.text.lstrip().startswith(">"):
            i += 1
            continue
        if kind == BLANK:
            if cur is not None:
                cur.new_paragraph()
            i += 1
            continue
        content = ln.content
        m = WHEN_RE.match(content)
        if m is not None and (m.group("sep") or m.end() == len(content)):
            flush()
            at = clock.place(m, ln.no)
            cur = _Pending(Event(ln.no, at, "", "", "", m.group(0).strip()), content[m.end() :], ln.indent,
                           kind == HEADING, ln.level)  # fmt: skip
            i += 1
            continue
        um = _UNKNOWN_TIME.match(content) if ("?" in content[:10] or "X" in content[:6].upper()) else None
        if um is not None:
            flush()
            problems.warn(
                "unknown-time",
                ln.no,
                f"timeline: the time '{um.group(0).strip()[:20]}' is not known; the event is kept without a time",
            )
            cur = _Pending(Event(ln.no, None, "", "", "", um.group(0).strip()), content[um.end() :], ln.indent,
                           kind == HEADING, ln.level)  # fmt: skip
            i += 1
            continue
        dm = DATE_LED.match(content) if kind in (HEADING, PARA) else None
        if dm is not None and (kind == HEADING or _DATE_ONLY.match(content)):
            flush()
            try:
                d = date_from_match(DATE_RE.search(content), clock.base.year if clock.base else None)
            except BadValue as exc:
                problems.warn("bad-date", ln.no, f"timeline: {exc}")
                d = None
            if d is not None:
                clock.set_date(d)
            if kind == HEADING and _DATE_ONLY.match(content):
                # "### 2018-01-11" with what happened that day below it: an event with a date, no time.
                cur = _Pending(
                    Event(ln.no, None, "", "", "", d.isoformat() if d else ""), "", ln.indent, True, ln.level
                )
            i += 1
            continue
        if cur is None:
            # Intro lines: "All times in PST, on February 5th 2019".
            if _TIMES_PHRASE.search(content):
                if not clock.zone_fixed:
                    z = find_zone(content)
                    if z is not None:
                        clock.zone, clock.zone_fixed = z, True
                    elif re.search(r"\ball\s+times\b", content, re.IGNORECASE):
                        problems.warn(
                            "unknown-zone",
                            ln.no,
                            f"timeline: no known time zone in '{clean_inline(content)[:80]}'; times read as UTC",
                        )
                dm2 = DATE_RE.search(content)
                if dm2:
                    try:
                        d = date_from_match(dm2, clock.base.year if clock.base else None)
                        if d:
                            clock.set_date(d)
                    except BadValue:
                        pass
            i += 1
            continue
        # Continuation of the current event.
        if kind == HEADING:
            flush()
        elif cur.heading:
            cur.add(content)
        elif kind == LIST and ln.indent <= cur.indent:
            flush()  # a list item without a time ends the event
        elif kind in (LIST, PARA):
            cur.add(content)
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
        text = clean_inline(cell(ei)[: MAX_EVENT_TEXT * 2])[:MAX_EVENT_TEXT]
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
            kind, source = classify_text(rules, text, text)
        out.append(Event(ln.no, at, kind, source, text, when))
    return out


RESPONSE_KINDS = ("detect", "acknowledge", "declare", "mitigate", "resolve")


def derive_milestones(
    events: list[Event], problems: Problems, known: dict[str, datetime | None] | None = None
) -> dict[str, tuple[datetime, int | None, str]]:
    """{milestone: (time, line, source)} from the timeline, with the sanity a
    reader applies:

    - detected is the first detection; when an acknowledgement or declaration
      comes before it, detection was no later than that (source 'earlier_response');
    - a start inferred by a keyword rule after the response began is a fix
      being deployed, not the start: it is demoted to 'other';
    - mitigated and resolved are the first such events at or after the start
      (earlier ones are reported, not used);
    - with no start event, the first timed event of the timeline in document
      order is the start when it comes before detection and is not itself
      another milestone (source 'first_event'); an untimed start event
      ('[???] outage began') means the start is unknown: no fallback.
    """
    timed = [e for e in events if e.at is not None]
    out: dict[str, tuple[datetime, int | None, str]] = {}

    def first(kind: str, after: datetime | None = None) -> Event | None:
        cands = [e for e in timed if e.kind == kind and (after is None or e.at >= after)]
        return min(cands, key=lambda e: e.at) if cands else None

    det = first("detect")
    if det is not None:
        out["detected"] = (det.at, det.line, "timeline")
        earlier = [e for e in timed if e.kind in ("acknowledge", "declare") and e.at < det.at]
        if earlier:
            e = min(earlier, key=lambda e: e.at)
            out["detected"] = (e.at, e.line, "earlier_response")
    response_times = [e.at for e in timed if e.kind in RESPONSE_KINDS]
    response_start = min(response_times) if response_times else None
    for e in timed:
        if e.kind == "start" and e.kind_source == "rule" and response_start is not None and e.at > response_start:
            e.kind, e.kind_source = "other", "rule_after_response"
    st = first("start")
    if st is not None:
        out["started"] = (st.at, st.line, "timeline")
    elif not any(e.kind == "start" and e.at is None for e in events) and timed:
        opening = timed[0]
        detected = (known or {}).get("detected") or out.get("detected", (None,))[0]
        if opening.kind in ("other", "start") and (detected is None or opening.at < detected):
            out["started"] = (opening.at, opening.line, "first_event")
            if opening.at != min(e.at for e in timed):
                problems.warn("out-of-order", opening.line, "the first row of the timeline is not its earliest time; "
                              "it is still taken as the start of the incident")  # fmt: skip
    started = (known or {}).get("started") or out.get("started", (None,))[0]
    for kind, name in (
        ("acknowledge", "acknowledged"),
        ("declare", "declared"),
        ("mitigate", "mitigated"),
        ("resolve", "resolved"),
    ):
        ev = first(kind, after=started)
        if ev is not None:
            out[name] = (ev.at, ev.line, "timeline")
        before = [e for e in timed if e.kind == kind and started is not None and e.at < started]
        if before and kind in ("mitigate", "resolve"):
            problems.warn("before-start", before[0].line, f"timeline: a {kind} event comes before the start of the "
                          "incident; it is not used for the milestone")  # fmt: skip
    return out


__all__ = ["WHEN_RE", "Clock", "derive_milestones", "extract", "extract_tables"]
