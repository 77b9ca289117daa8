"""Timelines: tables, lists, one heading per event, plain lines and the text
of PDF exports; each event with its time (clock.py) and what it says
(signals.py). The milestones are decided from all of them together
(milestones.py)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, tzinfo

from ingest.read.mdblocks import BLANK, FENCE, HEADING, LIST, PARA, RULE, TABLE, Line, clean_inline
from ingest.read.problems import Problems
from ingest.read.tables import Table, tables
from ingest.understand.clock import (
    _ZONE_ALT,
    DATE_LED,
    DATE_ONLY,
    UNKNOWN_TIME,
    WHEN_RE,
    Clock,
    is_approximate,
    shift_overnight_runs,
)
from ingest.understand.document import Event
from ingest.understand.rulefiles import KINDS
from ingest.understand.signals import TimelineRules, primary_kind
from ingest.understand.timeparse import DATE_RE, BadValue, date_from_match
from ingest.understand.zones import find_zone, impossible_offset

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
_TIMES_PHRASE = re.compile(r"\b(?:all\s+)?times?\b|\btime ?zones?\b|\bclock\b", re.IGNORECASE)
# '- Outage begins 2021-03-02 11:45': the time after the text.
_TRAILING = re.compile(
    r"(?:^|[\s(\[,])(?P<when>(?:(?:" + DATE_RE.pattern + r")[\s,T]{0,3}(?:at\s+)?)?"
    r"\d{1,2}:\d{2}(?::\d{2})?(?:\s?[ap]\.?m\.?)?(?:\s?\(?" + _ZONE_ALT + r"\)?)?)[\s)\].]{0,3}$",
    re.IGNORECASE,
)
_COMPLETE = tuple('.!?)]"\u201d')
# Every time WHEN_RE and _TRAILING read holds a ':' (hours:minutes): a text without one is not searched.


def extract(
    sections: list,
    lines: list[Line],
    base: date | None,
    zone: tzinfo | None,
    rules: TimelineRules,
    problems: Problems,
    zone_fixed: bool = False,
) -> list[Event]:
    """Events of every timeline section, in document order. A zone named for
    the whole document (`zone_fixed`) or in the section's heading holds for
    every row: a time quoted inside an event never changes it."""
    events: list[Event] = []
    for sec in sections:
        sec_zone = find_zone(sec.title) if sec.title else None
        bad = impossible_offset(sec.title) if sec.title and sec_zone is None else None
        if bad:
            problems.warn("unknown-zone", lines[sec.head].no if sec.head >= 0 else None,
                          f"the timeline heading names an offset no zone has ({bad}); its times are read as the "
                          "rest of the document says")  # fmt: skip
        clock = Clock(base, sec_zone or zone, problems, zone_fixed=sec_zone is not None or zone_fixed)
        body = lines[sec.start : sec.end]
        found = _section_events(body, clock, rules, problems)
        shift_overnight_runs(found, base, problems)
        events.extend(found)
    return events


def extract_tables(body, base, zone, rules, problems, zone_fixed: bool = False) -> list[Event]:
    """Events from tables with a time and an event column anywhere in the
    document, for documents without a Timeline section."""
    out: list[Event] = []
    for t in tables(body):
        cols = t.column({"time": TIME_COLUMNS, "event": EVENT_COLUMNS})
        if "time" in cols and "event" in cols:
            out.extend(_table_events(t, Clock(base, zone, problems, zone_fixed=zone_fixed), rules, problems))
    return out


def timed_rows(body: list[Line]) -> int:
    """How many lines of a section look like timeline rows (a section not
    called Timeline may still be one: '**Events**' with timed bullets)."""
    n = 0
    for ln in body:
        if ln.kind in (LIST, PARA, HEADING):
            c = ln.content
            if ":" in c and (WHEN_RE.match(c) or (ln.kind == LIST and _TRAILING.search(c) and DATE_RE.search(c))):
                n += 1
    return n


# A kind named outright (a Milestone column, a [tag], a structured `kind:`) is what the event says.
EXPLICIT_SIGNALS = {
    "start": frozenset({"start"}), "detect": frozenset({"alert"}), "acknowledge": frozenset({"ack"}),
    "declare": frozenset({"declare"}), "mitigate": frozenset({"recover"}), "resolve": frozenset({"close", "recover"}),
    "other": frozenset(),
}  # fmt: skip
RESPONSE_SIGNALS = frozenset({"respond", "fix", "rollback", "change"})


def read_event(rules: TimelineRules, e: Event) -> None:
    """What the event's text says: its signals and, unless a column named
    it, the kind it shows."""
    r = rules.read(e.text) if e.text else None
    if r is not None:
        e.reading, e.signals, e.state = r, r.signals, r.state
        if not e.kind and r.tag:
            e.kind, e.kind_source = r.tag, "tag"
    if e.kind:
        if e.kind == "other":  # not a milestone, but its words may still show responders at work
            e.signals = e.signals & RESPONSE_SIGNALS
        else:
            e.signals = EXPLICIT_SIGNALS.get(e.kind, frozenset())
        e.state = "recovered" if e.kind in ("mitigate", "resolve") else None
        return
    e.kind = primary_kind(e.signals)
    e.kind_source = "rule" if e.kind != "other" else "none"


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


def _shape(m: re.Match) -> tuple:
    """How a row writes its time: with a date or not, 'at', a.m./p.m. apart or glued, a zone."""
    t = m.group(0).lower()
    ampm = m.group("ampm")
    style = "none" if not ampm else ("spaced" if t[m.end("m") - m.start(0) : m.start("ampm") - m.start(0)] else "glued")
    return bool(m.group("date")), " at " in t, style, bool(m.group("zone"))


def _para_shapes(body: list[Line]) -> tuple | None:
    """The way most plain-text rows of a timeline write their time, when most agree."""
    shapes = Counter()
    for ln in body:
        if ln.kind == PARA:
            m = WHEN_RE.match(ln.content) if ":" in ln.content else None
            if m is not None and (m.group("sep") or m.end() == len(ln.content)):
                shapes[_shape(m)] += 1
    if sum(shapes.values()) < 3:
        return None
    shape, n = shapes.most_common(1)[0]
    return shape if n >= 0.6 * sum(shapes.values()) else None


def _ends_thought(ln: Line | None) -> bool:
    """Is the line before a plain-text row complete (so the row is not the
    wrapped end of its sentence: '... | Violation started:' / 'Jan 29, 2026 at 8:21PM UTC')?"""
    if ln is None or ln.kind in (BLANK, HEADING, TABLE, FENCE, RULE):
        return True
    text = ln.content.rstrip(" *_`")
    return (
        not text
        or text.endswith(_COMPLETE)
        or bool(DATE_ONLY.match(text))
        or (":" in text and bool(WHEN_RE.fullmatch(text)))
    )


def _section_events(body: list[Line], clock: Clock, rules, problems) -> list[Event]:
    """Events from one timeline: list items, plain lines, one heading per
    event (its whole body is the event's text), tables; date lines and
    date headings set the day; intro lines set the zone."""
    events: list[Event] = []
    cur: _Pending | None = None
    dominant = _para_shapes(body)
    trailing: list[bool] = []  # do two list items end with their time? (worked out when first asked)

    def trailing_ok() -> bool:
        if not trailing:
            trailing.append(
                sum(1 for ln in body if ln.kind == LIST and ":" in ln.content and _TRAILING.search(ln.content)) >= 2
            )
        return trailing[0]

    def flush() -> None:
        nonlocal cur
        if cur is not None:
            paras = [clean_inline(" ".join(p)) for p in cur.paragraphs if p]
            full = " ".join(p for p in paras if p)[:MAX_EVENT_TEXT]
            e = cur.event
            if full or e.at is not None or e.time_text:
                e.text = full
                read_event(rules, e)
                if full or e.at is not None:
                    events.append(e)
        cur = None

    def start(ln: Line, at, when: str, rest: str, kind_heading: bool) -> None:
        nonlocal cur
        flush()
        e = Event(ln.no, at, "", "", "", when)
        e.explicit_date = clock.explicit and at is not None
        e.local_date = clock.date if at is not None else None
        e.approx = is_approximate(when, rest)
        cur = _Pending(e, rest, ln.indent, kind_heading, ln.level)

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
            if cur is not None and ln.text.lstrip().startswith(">") and kind != FENCE:
                cur.add(ln.text.lstrip().lstrip(">").strip())  # a quoted message belongs to its event
            i += 1
            continue
        if kind == BLANK:
            if cur is not None:
                cur.new_paragraph()
            i += 1
            continue
        content = ln.content
        m = WHEN_RE.match(content) if ":" in content else None
        if (
            m is not None
            and (m.group("sep") or m.end() == len(content))
            and (kind != PARA or dominant is None or _shape(m) == dominant or _ends_thought(body[i - 1] if i else None))
        ):
            at = clock.place(m, ln.no)
            start(ln, at, content[: m.start("sep")].strip(), content[m.end() :], kind == HEADING)
            i += 1
            continue
        um = UNKNOWN_TIME.match(content) if ("?" in content[:10] or "X" in content[:6].upper()) else None
        if um is not None:
            problems.warn(
                "unknown-time",
                ln.no,
                f"timeline: the time '{um.group(0).strip()[:20]}' is not known; the event is kept without a time",
            )
            start(ln, None, um.group(0).strip(), content[um.end() :], kind == HEADING)
            i += 1
            continue
        tm = _TRAILING.search(content) if kind == LIST and ":" in content[-14:] else None
        if tm is not None and tm.start("when") > 0 and (DATE_RE.search(tm.group("when")) or trailing_ok()):
            wm = WHEN_RE.match(tm.group("when"))
            if wm is not None:
                at = clock.place(wm, ln.no)
                start(ln, at, tm.group("when").strip(), content[: tm.start("when")].rstrip(" ,(-@"), False)
                i += 1
                continue
        dm = DATE_LED.match(content) if kind in (HEADING, PARA) else None
        if dm is not None and (kind == HEADING or DATE_ONLY.match(content)):
            flush()
            try:
                d = date_from_match(DATE_RE.search(content), clock.base.year if clock.base else None)
            except BadValue as exc:
                problems.warn("bad-date", ln.no, f"timeline: {exc}")
                d = None
            if d is not None:
                clock.set_date(d)
            if kind == HEADING and DATE_ONLY.match(content):
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
    elif bad := impossible_offset(t.header[ti]):
        problems.warn("unknown-zone", None, f"the timeline's time column names an offset no zone has ({bad}); "
                      "its times are read as the rest of the document says")  # fmt: skip
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
        m = WHEN_RE.match(when) if ":" in when else None
        if m is not None:
            at = clock.place(m, ln.no)
        elif when:
            if DATE_ONLY.match(when):
                try:
                    d = date_from_match(DATE_RE.search(when), clock.base.year if clock.base else None)
                    if d:
                        clock.set_date(d)
                except BadValue as exc:
                    problems.warn("bad-date", ln.no, f"timeline: {exc}")
                if not text:
                    continue
            elif UNKNOWN_TIME.match(when):
                problems.warn("unknown-time", ln.no, f"timeline: the time '{when[:20]}' is not known; "
                              "the event is kept without a time")  # fmt: skip
            else:
                problems.warn(
                    "bad-time", ln.no, f"timeline: '{when[:40]}' is not a time; the event is kept without a time"
                )
        elif not text:
            continue
        e = Event(ln.no, at, "", "", text, when)
        e.explicit_date = clock.explicit and at is not None
        e.local_date = clock.date if at is not None else None
        e.approx = is_approximate(when)
        kind_cell = cell(cols.get("kind")) if "kind" in cols else ""
        explicit = _kind_value(kind_cell) if kind_cell else None
        if explicit:
            e.kind, e.kind_source = explicit, "column"
        read_event(rules, e)
        out.append(e)
    return out


__all__ = ["WHEN_RE", "Clock", "extract", "extract_tables", "read_event", "timed_rows"]
