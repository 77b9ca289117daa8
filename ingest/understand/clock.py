"""Placing a timeline's times on the calendar, in UTC.

A row with a date sets the date for the rows after it; a time earlier than
the row before it, with no date given, is the next day (an incident that
crosses midnight). The zone comes from the row, else the timeline's heading
or an "All times in ..." line (which fix it for the whole timeline: a time
quoted inside an event never moves it), else the front matter, else UTC.
Dates people get wrong are put right where the order of the rows shows
it, always with a problem saying so.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo

from ingest.read.folded import Folded
from ingest.read.mdblocks import clean_inline
from ingest.read.problems import Problems
from ingest.understand.timeparse import DATE_RE, BadValue, date_from_match, time_from_match
from ingest.understand.zones import ABBREVIATIONS, find_zone, impossible_offset, to_utc, zone_from_name

_ZONE_ALT = (
    r"(?-i:(?:UTC|GMT)\s?[+\-\u2212]\s?\d{1,2}(?::?\d{2})?|[+\-]\d{2}:?\d{2}|"
    + "|".join(sorted(ABBREVIATIONS, key=len, reverse=True))
    + r")(?![\w])"
)
_APPROX = r"(?:(?:ca\.?|circa|approx(?:imately|\.)?|about|around|~)\s*)"
WHEN_RE = re.compile(
    r"^[\s>*_`\[(]*"
    + _APPROX
    + r"?(?:(?P<date>"
    + DATE_RE.pattern
    + r"|(?P<mdm>\d{1,2})-(?P<mdd>\d{1,2}))(?:[\s,]*(?:at\s+|T|@\s*|-\s+)?|T))?"
    + _APPROX
    + r"?(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?(?:\.\d+)?(?:\s*(?P<ampm>[ap]\.?m\.?)(?![a-z]))?"
    r"(?:\s*[-\u2013]\s*\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?(?![a-z]))?)?"
    r"(?:\s*\(?(?P<zone>" + _ZONE_ALT + r")\)?)?"
    r"[*_`\])]*"
    r"(?P<sep>\s*[-\u2013\u2014:|,.]\s+|\s*[-\u2013\u2014|]\s*|\s+|$)",
    re.IGNORECASE,
)
DATE_ONLY = re.compile(r"^[\s>*_`\[(#]*(?:" + DATE_RE.pattern + r")[\s*_`\]):,.]*$", re.IGNORECASE)
DATE_LED = re.compile(r"^[\s>*_`\[(#]*(?:" + DATE_RE.pattern + r")", re.IGNORECASE)
UNKNOWN_TIME = re.compile(
    r"^[\s*_`\[]*(?:\?{2,}(?::\?+)?|\d?[X?]{1,2}:[0-9X?]{2}|\d{1,2}:[X?]{2})\]?[\s*_`\]:\-]*", re.IGNORECASE
)
# 'ca. 18:30', '~13:30' (on the time); '22:52 (maybe earlier?)' (just after it), not 'Cache node ...'
_APPROX_MARK = re.compile(r"^[\s>*_`\[(]*(?:ca\.|ca\b|circa\b|approx|about\b|around\b|~)", re.IGNORECASE)
_APPROX_AFTER = re.compile(r"^[\s>*_`\[(]*\((?:ca\.|circa\b|approx|about\b|around\b)|\bmaybe\b|\?\)", re.IGNORECASE)
_DOC_ZONE = re.compile(r"all\s+times\b[^.\n]*(?:\n[^.\n#]*)?", re.IGNORECASE)


_TIME_RANGE = re.compile(r"\d{1,2}:\d{2}\s*[-\u2013]\s*\d{1,2}:\d{2}")


_APPROX_CHARS = frozenset("~?cCaAmM-\u2013")


def is_approximate(when_text: str, rest: str = "") -> bool:
    """'ca. 18:30', '~13:30-13:45', '22:52 (maybe earlier?)'."""
    head = rest[:40]
    if not (_APPROX_CHARS.intersection(when_text) or "?" in head or "aybe" in head):
        return False  # most times are plain
    return bool(_APPROX_MARK.search(when_text) or _APPROX_AFTER.search(head) or _TIME_RANGE.search(when_text))


class Clock:
    """Places the times of one timeline on the calendar, in UTC.

    A row with a date sets the date for the rows after it. A time that would
    fall earlier than the row before it (compared as instants, so rows in
    different zones compare correctly), with no date given, is the next day
    when it goes back more than an hour (an incident that crosses midnight); a
    smaller step back is an out-of-order row, kept on its day and reported. A
    zone written on a row carries on to the rows after it, unless the
    timeline's heading or intro fixed the zone for the whole timeline; then it
    applies to that row alone. A row whose written date would send it more
    than a day back while its time of day carries the sequence on is a typo
    for the date the timeline is on ('2021-06-11 14:15' after
    '2021-06-28 14:09'): kept on that day, and reported."""

    def __init__(self, base: date | None, zone: tzinfo | None, problems: Problems, zone_fixed: bool = False) -> None:
        self.base = base
        self.date = base
        self.zone = zone
        self.zone_fixed = zone_fixed
        self.prev: datetime | None = None  # UTC instant of the previous timed row
        self.problems = problems
        self.warned_no_date = False
        self.explicit = False  # the last placed row wrote its date
        self._typos: dict[date, date] = {}

    def place(self, m: re.Match, line: int | None) -> datetime | None:
        """The UTC time of a WHEN_RE match; None (and a problem) when unreadable."""
        try:
            return self._place(m, line)
        except (BadValue, OverflowError, ValueError) as exc:
            self.problems.warn(
                "bad-time", line, f"timeline: {m.group(0).strip()[:40]}: {exc}; the event is kept without a time"
            )
            return None

    def _place(self, m: re.Match, line: int | None) -> datetime | None:
        self.explicit = False
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
        zone = self._row_zone(m.group("zone"), line)
        if explicit is not None:
            explicit = self._typos.get(explicit, explicit)
            at = to_utc(datetime.combine(explicit, time(*hms)), zone)
            if self.prev is not None and self.date is not None and at < self.prev - timedelta(days=1):
                same_day = to_utc(datetime.combine(self.date, time(*hms)), zone)
                if same_day >= self.prev - timedelta(hours=1):
                    self.problems.warn(
                        "date-typo",
                        line,
                        f"timeline: {m.group(0).strip()} would go back {(self.prev - at).days} days although its time "
                        f"carries the timeline on; read as {self.date.isoformat()}",
                    )
                    self._typos[explicit] = self.date
                    explicit, at = self.date, same_day
            self.date = explicit
            self.explicit = True
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

    def _row_zone(self, written: str | None, line: int | None) -> tzinfo | None:
        """The zone a row is in: the one it writes, which carries on unless the
        timeline fixed its zone. An offset no zone has ('UTC+15', '+25:00')
        is reported and the row read in the timeline's zone: before, it was
        read as UTC without a word, and so were the rows after it."""
        if not written:
            return self.zone
        zone = zone_from_name(written)
        if zone is None:
            self.problems.warn("unknown-zone", line, f"timeline: '{written}' is not an offset a time zone has "
                               "(UTC-12:00 to UTC+14:00); the row is read in the timeline's zone")  # fmt: skip
            return self.zone
        if not self.zone_fixed:
            self.zone = zone
        return zone

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


def shift_overnight_runs(events: list, base: date | None, problems: Problems) -> None:
    """Rows that all write the same date but cross midnight ('[03-26 23:04]
    outage starts' followed by '[03-26 02:50] reported'): the author kept one
    date for a night. When that date is the document's, the rows before
    midnight belong to the day before; otherwise the rows after it belong to
    the day after. Reported either way."""
    for i in range(1, len(events)):
        a, b = events[i - 1], events[i]
        if not (a.at and b.at and a.explicit_date and b.explicit_date) or a.local_date != b.local_date:
            continue
        if not (timedelta(hours=1) < a.at - b.at < timedelta(days=1)):
            continue
        day = a.local_date
        if base is not None and day == base:
            run = [e for e in events[:i] if e.explicit_date and e.local_date == day and e.at is not None]
            delta = timedelta(days=-1)
        else:
            run = [e for e in events[i:] if e.explicit_date and e.local_date == day and e.at is not None]
            delta = timedelta(days=1)
        for e in run:
            e.at += delta
            e.local_date = None
        problems.warn(
            "date-typo",
            b.line,
            f"timeline: rows dated {day.isoformat()} go from {a.time_text} to {b.time_text}; the night crosses "
            f"midnight, so {len(run)} of them are read as {(day + delta).isoformat()}",
        )
        return


_DOC_ZONE_F = Folded(_DOC_ZONE)  # the same, faster on ASCII text (read/folded.py)
_last_phrase: list[tuple[str | None, str | None]] = [(None, None)]  # (text, its phrase), replaced whole


def _doc_zone_text(text: str) -> str | None:
    """The text of _DOC_ZONE's first match in `text`, or None. Both functions below read the same
    document one after the other: its phrase is looked for once."""
    last = _last_phrase[0]
    if last[0] is text:
        return last[1]
    span = _DOC_ZONE_F.span(text)
    found = text[span[0] : span[1]] if span else None
    _last_phrase[0] = (text, found)
    return found


def doc_zone_phrase(text: str) -> tzinfo | None:
    """A document-wide 'All times listed in this report are in Pacific Time'
    ('_All times in EDT_' in emphasis reads the same)."""
    found = _doc_zone_text(text)
    return find_zone(clean_inline(found)) if found is not None else None


def doc_zone_unknown(text: str) -> bool:
    """The document has an 'All times ... in X' phrase whose X is no known
    zone, or an 'All times ...' phrase with an offset no zone has."""
    found = _doc_zone_text(text)
    if found is None:
        return False
    phrase = clean_inline(found)
    if impossible_offset(phrase) is not None:
        return True  # 'All times UTC+15': an offset no zone has is no zone the parser knows
    return find_zone(phrase) is None and bool(re.search(r"\bin\s+\S", phrase))
