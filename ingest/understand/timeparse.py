"""Dates, times of day and durations as people write them in postmortems."""

from __future__ import annotations

import math
import re
from datetime import date, datetime

from ingest.read.folded import Folded

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MON = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|rsday|urday)?\.?,?\s+)"
_ORD = r"(?:st|nd|rd|th)?"

# A date written in any of the usual ways. Groups: iso y/m/d, mdy month/day/year,
# dmy day/month/year, num a/b/year (numeric with slashes or dots).
DATE_RE = re.compile(
    rf"{_WEEKDAY}?(?:"
    r"(?P<iy>\d{4})[-/.](?P<im>\d{1,2})[-/.](?P<id>\d{1,2})(?!\d|:\d)"
    rf"|(?P<mm>{_MON})\s+(?P<md>\d{{1,2}}){_ORD}(?:\s*[-\u2013]\s*\d{{1,2}}{_ORD})?(?:,?\s+(?P<my>\d{{4}}))?(?!\d|:\d)"
    rf"|(?P<dd>\d{{1,2}}){_ORD}\.?\s+(?:of\s+)?(?P<dm>{_MON}),?(?:\s+(?P<dy>\d{{4}}))?(?!\d|:\d)"
    r"|(?P<na>\d{1,2})[/.](?P<nb>\d{1,2})[/.](?P<ny>\d{4}|\d{2})(?!\d|:\d)"
    r")",
    re.IGNORECASE,
)
DATE_F = Folded(DATE_RE)  # DATE_RE's very matches, found faster on ASCII text (read/folded.py)
# A date as running text writes it, for dating a document from its prose:
# DATE_RE's shapes plus 'September 18th and 19th, 2017' (the first day counts)
# and '12-Feb-2019'. Never a piece of a longer token: a version ('Python
# 3.6.12'), a path or a file name holds no date of the incident.
TEXT_DATE_RE = re.compile(
    r"(?<![\w.\-/])(?:"
    rf"(?P<pm>{_MON})\s+(?P<pd>\d{{1,2}}){_ORD}\s+(?:and|&|to|through)\s+\d{{1,2}}{_ORD},?\s+(?P<py>\d{{4}})"
    rf"|(?P<hd>\d{{1,2}})-(?P<hm>{_MON})-(?P<hy>\d{{4}})"
    rf"|{DATE_RE.pattern})(?![.\-/]\d)",
    re.IGNORECASE,
)
TIME_RE = re.compile(
    r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?(?:\.\d+)?"
    r"(?:\s*(?P<ampm>[ap]\.?m\.?)(?![a-z]))?",
    re.IGNORECASE,
)
_DURATION_PART = re.compile(
    r"(?<!\d)(\d+(?:[.,]\d+)?)\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b", re.IGNORECASE
)
_CLOCK_DURATION = re.compile(r"^\s*(?:~\s*)?(\d{1,3}):(\d{2})(?::(\d{2}))?\s*$")


class BadValue(ValueError):
    """A value has a recognisable shape but no valid meaning (2024-02-30, 25:61)."""


# The years a postmortem's dates may fall in. Outside them a date is a typo or
# a placeholder (0001-01-01, 9999-12-31), and the calendar arithmetic of the
# pages (a week before, a quarter after, a zone shift) runs off its ends.
MIN_YEAR, MAX_YEAR = 1970, 2100
# A stated duration longer than ten years is no incident's: a typo, or a
# number that would overflow the arithmetic that adds it to a date.
MAX_DURATION_MINUTES = 10 * 366 * 1440


def check_year(value: date, written: str = "") -> date:
    """`value` when its year is within MIN_YEAR..MAX_YEAR; else BadValue."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        shown = written.strip() or value.isoformat()
        raise BadValue(f"'{shown[:40]}' is outside the years {MIN_YEAR}..{MAX_YEAR} a postmortem's dates fall in")
    return value


def month_number(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")[:4] if name.lower().startswith("sept") else name.lower()[:3]]


def date_from_match(m: re.Match, default_year: int | None = None) -> date | None:
    """The date of a DATE_RE match; None when it gives no year and no default
    exists. Raises BadValue for a date that does not exist or falls outside
    MIN_YEAR..MAX_YEAR."""
    d = _date_from_match(m, default_year)
    return None if d is None else check_year(d, m.group(0))


def text_date(m: re.Match) -> date | None:
    """The date of a TEXT_DATE_RE match when it writes its year; None
    otherwise ('Sept. 18th' alone dates nothing), and for '3.6.12': a dotted
    date with a two-digit year is a version number in prose far more often
    than a date. Raises BadValue as date_from_match does."""
    for d, mon, y in (("pd", "pm", "py"), ("hd", "hm", "hy")):
        if m.group(y):
            try:
                found = date(int(m.group(y)), month_number(m.group(mon)), int(m.group(d)))
            except ValueError as exc:
                raise BadValue(f"'{m.group(0).strip()}' is not a date that exists") from exc
            return check_year(found, m.group(0))
    if not (m.group("iy") or m.group("my") or m.group("dy") or m.group("ny")):
        return None
    if m.group("ny") and len(m.group("ny")) == 2 and "." in m.group(0):
        return None
    return date_from_match(m)


def _date_from_match(m: re.Match, default_year: int | None) -> date | None:
    try:
        if m.group("iy"):
            return date(int(m.group("iy")), int(m.group("im")), int(m.group("id")))
        if m.group("mm"):
            year = m.group("my")
            year = int(year) if year else default_year
            return None if year is None else date(year, month_number(m.group("mm")), int(m.group("md")))
        if m.group("dd"):
            year = m.group("dy")
            year = int(year) if year else default_year
            return None if year is None else date(year, month_number(m.group("dm")), int(m.group("dd")))
        a, b, y = int(m.group("na")), int(m.group("nb")), int(m.group("ny"))
        y = y + 2000 if y < 100 else y
        sep = m.group(0)[len(m.group("na"))]
        if sep == ".":  # 15.01.2024 is day.month.year
            return date(y, b, a)
        if a > 12:  # 15/01/2024 can only be day/month
            return date(y, b, a)
        return date(y, a, b)  # month/day, the common US form
    except ValueError as exc:
        raise BadValue(f"'{m.group(0).strip()}' is not a date that exists") from exc


def parse_date(text: str, default_year: int | None = None) -> date | None:
    """The first date in `text`, or None when there is none. Raises BadValue
    when a date-shaped value cannot exist (2024-02-30) or falls outside
    MIN_YEAR..MAX_YEAR."""
    if isinstance(text, datetime):
        return check_year(text.date())
    if isinstance(text, date):
        return check_year(text)
    m = DATE_F.search(str(text))
    if not m:
        return None
    return date_from_match(m, default_year)


def time_from_match(m: re.Match) -> tuple[int, int, int]:
    """(hour, minute, second) of a TIME_RE match, in 24-hour form.
    Raises BadValue for 25:61 and the like."""
    h, mi, s = int(m.group("h")), int(m.group("m")), int(m.group("s") or 0)
    ampm = (m.group("ampm") or "").lower().replace(".", "")
    if ampm and 1 <= h <= 12:
        if ampm == "pm" and h != 12:
            h += 12
        elif ampm == "am" and h == 12:
            h = 0
    # "17:14pm" keeps its 24-hour reading: the pm adds nothing.
    if h > 23 or mi > 59 or s > 59:
        raise BadValue(f"'{m.group(0).strip()}' is not a time of day")
    return h, mi, s


def parse_duration_minutes(text: str) -> float | None:
    """'47 minutes', '12 min', '58m', '1h 30m', '1 hour and 48 minutes', '2 days',
    '1:30' (h:mm) -> minutes; None when nothing readable is there, or when
    what is there is no duration (negative, NaN, infinite, over ten years:
    see duration_problem)."""
    minutes = _duration_minutes(text)
    return None if minutes is None or duration_problem(minutes) else minutes


def duration_minutes_unchecked(text: str) -> float | None:
    """The minutes `text` writes, even when they are no incident's duration (to say why not)."""
    return _duration_minutes(text)


def duration_problem(minutes: float) -> str | None:
    """Why a number of minutes is no incident's duration, or None."""
    if isinstance(minutes, float) and not math.isfinite(minutes):
        return "is not a finite number"
    if minutes < 0:
        return "is negative"
    if minutes > MAX_DURATION_MINUTES:
        return "is longer than ten years"
    return None


def _duration_minutes(text) -> float | None:
    if text is None:
        return None
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text) if abs(text) < 1e300 else math.inf
    s = str(text)
    m = _CLOCK_DURATION.match(s)
    if m:
        return int(m.group(1)) * 60 + int(m.group(2)) + int(m.group(3) or 0) / 60
    total = 0.0
    found = False
    for num, unit in _DURATION_PART.findall(s):
        value = float(num.replace(",", "."))
        u = unit.lower()
        if u.startswith("d"):
            total += value * 1440
        elif u.startswith("h"):
            total += value * 60
        elif u.startswith("s"):
            total += value / 60
        else:
            total += value
        found = True
    return total if found else None


def iso_z(value: datetime | None) -> str | None:
    """Naive UTC datetime -> '2024-01-15T14:23:00Z'."""
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")
