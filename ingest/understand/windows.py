"""What a document states about its incident's times outside the timeline:
impact windows ("from 16:58 to 18:46 UTC", "Between 1:46pm - 5:30pm",
`IMPACT TIME: Aug 30 at 11:15 to Aug 30 at 12:13`), single statements ("At
4:11 AM UTC on November 24th, our packages were compromised", "By 15:02 UTC
ingestion was healthy again") and stated durations ("lasted 47 minutes").
They are evidence for the milestones beside the timeline (milestones.py).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from ingest.read.mdblocks import LIST, PARA, Line, clean_inline
from ingest.understand.clock import _ZONE_ALT, WHEN_RE
from ingest.understand.signals import TimelineRules, sentences
from ingest.understand.timeparse import DATE_RE, BadValue, date_from_match, parse_duration_minutes
from ingest.understand.zones import to_utc, zone_from_name

_DATE_PLAIN = re.sub(r"\(\?P<\w+>", "(?:", DATE_RE.pattern)
_TIMEX = re.compile(
    r"(?<![\w:.])(?:(?P<d1>" + _DATE_PLAIN + r")\s*(?:,\s*)?(?:at\s+|@\s*)?)?"
    r"(?P<h>\d{1,2})(?::(?P<m>\d{2}))?(?::(?P<s>\d{2}))?(?:\.\d+)?\s?(?P<ampm>[ap]\.?m\.?(?![a-z]))?"
    r"(?:\s?\(?(?P<zone>" + _ZONE_ALT + r")\)?)?"
    r"(?:\s*(?:,\s*)?(?:on\s+)?(?:the\s+)?(?P<d2>" + _DATE_PLAIN + r"))?",
    re.IGNORECASE,
)
# Possessive white space: none of what follows a gap starts with white space,
# so giving spaces back cannot help, and each gap is read once (the plain
# `\s*,?\s*...\s*` chains were polynomial on a long run of spaces).
_JOIN = re.compile(
    r"^\s*+(?:,\s*+)?(?:(?P<w>to|and|until|till|through|thru|--?|\u2013|\u2014|->)\s*+)?"
    r"(?P<v>(?:it\s+|was\s+|were\s+|had\s+)?(?:ended|ending|resolved|recovered|mitigated|finished|stopped|restored)"
    r"\s++(?:at|on|by)?)?\s*+$",
    re.IGNORECASE,
)
_PAREN = re.compile(r"\([^()]{0,60}\)")
_WINDOW_CUE = re.compile(
    r"\b(from|between|duration|impact|outage|downtime|window|lasted|lasting|degraded|down|affected|disruption|"
    r"incident|began|started|ended|went down|period)\b",
    re.IGNORECASE,
)
_DUR = r"\d+(?:[.,]\d+)?\s*(?:h|hrs?|hours?|m|mins?|minutes?|d|days?)\b(?:,?\s*(?:and\s+)?\d+\s*(?:m|mins?|minutes?|s|secs?|seconds?)\b)?"
_STATED_DURATION = re.compile(
    r"\b(?:lasted|lasting|lasts|for|of|period of|duration|downtime of|outage of|total(?: impact)? duration)\s*(?::\s*)?"
    r"(?:(?:about|approximately|approx\.?|around|roughly|~|nearly|almost|just over|over|some)\s*)?(?P<a>" + _DUR + r")"
    r"|(?<!\d)(?P<b>" + _DUR + r")\s+(?:of\s+(?:total\s+)?)?(?:outage|downtime|period|of impact|disruption)\b"
    r"|\((?P<c>" + _DUR + r")\)",
    re.IGNORECASE,
)
MAX_SCAN_LINES = 400
_LABELLED = re.compile(r"^[A-Za-z][\w ()/-]{0,40}:")
# Cheap first looks: most paragraphs state no clock time, duration or date.
_CLOCK_HINT = re.compile(r"\d:\d\d|\d\s?[ap]\.?m\b", re.IGNORECASE)
_DURATION_HINT = re.compile(r"\d\s*(?:h|hrs?|hours?|m|mins?|minutes?|d|days?)\b", re.IGNORECASE)
_DATE_HINT = re.compile(
    r"\d{4}-\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d|\d\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Window:
    """A stated span of impact: `start` to `end` (either may be missing)."""

    start: datetime | None
    end: datetime | None
    line: int | None
    text: str
    source: str  # 'tool' (an incident tool's generated IMPACT TIME header) | 'author' (the writer's own words)


@dataclass(slots=True)
class Statement:
    """A single time the document states with what happened at it."""

    at: datetime
    line: int | None
    text: str
    reading: object  # signals.Reading


@dataclass(slots=True)
class Duration:
    minutes: float
    line: int | None
    text: str


@dataclass(slots=True)
class _Timex:
    start: int
    end: int
    day: date | None
    hms: tuple[int, int, int]
    zone: tzinfo | None
    has_zone: bool


def _timexes(text: str, default_year: int | None) -> list[_Timex]:
    out = []
    for m in _TIMEX.finditer(text):
        if m.group("m") is None and m.group("ampm") is None:
            continue  # '3 nodes', '1.327.0': not a time
        h, mi, s = int(m.group("h")), int(m.group("m") or 0), int(m.group("s") or 0)
        ampm = (m.group("ampm") or "").lower().replace(".", "")
        if ampm and 1 <= h <= 12:
            h = (h % 12) + (12 if ampm == "pm" else 0)
        if h > 23 or mi > 59 or s > 59:
            continue
        day = None
        for g in ("d1", "d2"):
            if m.group(g):
                try:
                    day = date_from_match(DATE_RE.search(m.group(g)), default_year)
                except BadValue:
                    day = None
                if day is not None:
                    break
        zone = zone_from_name(m.group("zone")) if m.group("zone") else None
        out.append(_Timex(m.start(), m.end(), day, (h, mi, s), zone, bool(m.group("zone"))))
    return out


def _instant(t: _Timex, day: date | None, zone: tzinfo | None) -> datetime | None:
    if day is None:
        return None
    try:
        return to_utc(datetime.combine(day, time(*t.hms)), t.zone if t.has_zone else zone)
    except ValueError:  # the ends of the calendar
        return None


def _sentence_date(text: str, default_year: int | None) -> date | None:
    for m in DATE_RE.finditer(text):
        try:
            d = date_from_match(m, default_year)
        except BadValue:
            continue
        if d is not None:
            return d
    return None


def header_window(value: str, line: int | None, base: date | None, zone: tzinfo | None) -> Window | None:
    """'Aug 30 at 11:15 to Aug 30 at 12:13' (an incident tool's IMPACT TIME)."""
    w = _window_in(clean_inline(value), line, base, zone, "tool", cue=False)
    return w[0] if w else None


def _window_in(text: str, line: int | None, base: date | None, zone: tzinfo | None, source: str, cue: bool = True):
    """Windows in one sentence: two times joined by 'to', 'and', '-'."""
    year = base.year if base else None
    tx = _timexes(text, year)
    out = []
    if cue and not _WINDOW_CUE.search(text):
        return out
    for a, b in itertools.pairwise(tx):
        j = _JOIN.match(_PAREN.sub(" ", text[a.end : b.start]))
        if j is None or not (j.group("w") or j.group("v")):
            continue
        shared_zone = a.zone if a.has_zone else b.zone if b.has_zone else zone
        day_a = a.day or (b.day if b.day and not a.day else None) or _sentence_date(text[: a.start], year) or base
        day_b = b.day or day_a
        start = _instant(a, day_a, a.zone if a.has_zone else shared_zone)
        end = _instant(b, day_b, b.zone if b.has_zone else shared_zone)
        if start is not None and end is not None and end < start and not b.day:
            end += timedelta(days=1)  # 'from 22:30 to 05:39': over midnight
        if start is not None or end is not None:
            out.append(Window(start, end, line, text[a.start : b.end][:200], source))
    return out


def scan(
    lines: list[Line],
    scope: list[tuple[int, int]],
    base: date | None,
    zone: tzinfo | None,
    rules: TimelineRules,
    statements: bool = True,
    rows: bool = False,
    durations_too: bool = True,
) -> tuple[list[Window], list[Statement], list[Duration]]:
    """Windows, statements and stated durations in the given line ranges
    (the opening, summary and impact sections of an incident). With `rows`
    (a timeline's own lines), list items and lines that open with a time are
    events, not statements about the incident: only the other paragraphs
    ('**Duration:** 21:45 to 23:28 UTC') are read."""
    windows: list[Window] = []
    stmts: list[Statement] = []
    durations: list[Duration] = []
    year = base.year if base else None
    last_day = None  # a time without a date falls on the day the text last named
    paragraphs = _paragraphs(lines, scope, lists=not rows)[:MAX_SCAN_LINES]
    if rows:  # beside the rows only labelled lines count ('**Duration:** ...'), not an event's aside
        paragraphs = [
            p for p in paragraphs if not (":" in p[1] and WHEN_RE.match(p[1])) and _LABELLED.match(clean_inline(p[1]))
        ]
    times = any(_CLOCK_HINT.search(raw) for _, _, raw in paragraphs)  # most openings state no time at all
    for no, _first, raw in paragraphs:
        if not times or not _CLOCK_HINT.search(raw):  # no clock time: at most a stated duration and a day
            if durations_too and _DURATION_HINT.search(raw):
                _stated_duration(clean_inline(raw), no, durations)
            if times and _DATE_HINT.search(raw):  # 'On 28th February, ...': the day later times fall on
                last_day = _sentence_date(clean_inline(raw), year) or last_day
            continue
        text = clean_inline(raw)
        for sent in sentences(text) if len(text) > 120 else [text]:
            if durations_too:
                _stated_duration(sent, no, durations)
            if not _CLOCK_HINT.search(sent):
                if _DATE_HINT.search(sent):
                    last_day = _sentence_date(sent, year) or last_day
                continue
            found = _window_in(sent, no, last_day or base, zone, "author")
            windows.extend(found)
            tx = _timexes(sent, year)
            named = next((t.day for t in tx if t.day), None) or _sentence_date(sent, year)
            if found or not statements or len(tx) != 1:
                last_day = named or last_day
                continue
            r = rules.read(sent)
            day = tx[0].day or named or last_day or base
            last_day = named or last_day
            if not r.signals:
                continue
            at = _instant(tx[0], day, zone)
            if at is not None:
                stmts.append(Statement(at, no, sent[:300], r))
    return windows, stmts, durations


def _stated_duration(text: str, no: int, out: list[Duration]) -> None:
    dm = _STATED_DURATION.search(text)
    if dm:
        v = parse_duration_minutes(dm.group("a") or dm.group("b") or dm.group("c"))
        if v and 0 < v < 60 * 24 * 60:
            out.append(Duration(v, no, dm.group(0).strip()))


def _paragraphs(lines: list[Line], scope: list[tuple[int, int]], lists: bool = True) -> list[tuple[int, str, str]]:
    """(first line number, first line's text, the paragraph's text) of the
    paragraphs and list items in the ranges: a sentence wrapped over lines
    ('... (Between' / '1:46pm - 5:30pm)') is read whole."""
    out: list[tuple[int, str, str]] = []
    for lo, hi in scope:
        cur: list[str] = []
        head: Line | None = None
        for ln in lines[lo:hi]:
            starts = ln.kind == LIST or ln.kind != PARA or ln.text.lstrip().startswith(">")
            if starts or head is None:
                if head is not None and cur:
                    out.append((head.no, head.content, " ".join(cur)))
                cur, head = [], None
                if (ln.kind == PARA or (lists and ln.kind == LIST)) and not ln.text.lstrip().startswith(">"):
                    head, cur = ln, [ln.content]
                continue
            cur.append(ln.content)
        if head is not None and cur:
            out.append((head.no, head.content, " ".join(cur)))
    return out
