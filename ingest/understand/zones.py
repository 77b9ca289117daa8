"""Time zones as postmortems write them: IANA names, abbreviations, offsets, places.

An abbreviation that belongs to a region with daylight saving time means
that region's local time: "PST" written in July is the Pacific summer time
(UTC-7), "CET" in June is UTC+2. Authors keep the abbreviation they know all
year, and the logs and alerts quoted in such documents confirm the local
reading. Abbreviations of zones without daylight saving (UTC, IST, JST) are
fixed offsets. An explicit offset in the same phrase wins ("PST (UTC-7)").
Region names (Pacific Time, PT, US/Pacific, "Edinburgh, London") follow the
region's rules too. `docs/TIMEZONES.md` lists every abbreviation below; a
test keeps the two equal.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from ingest.understand.timeparse import BadValue

# Abbreviation -> offset in minutes east of UTC. Ambiguous ones are resolved to
# the meaning most common in engineering writing; the comment says which.
ABBREVIATIONS: dict[str, int] = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "WET": 0,
    "WEST": 60,
    "BST": 60,  # British Summer Time (not Bangladesh)
    "IST": 330,  # India Standard Time (not Irish or Israel)
    "CET": 60,
    "CEST": 120,
    "MET": 60,
    "MEST": 120,
    "EET": 120,
    "EEST": 180,
    "MSK": 180,
    "GST": 240,  # Gulf Standard Time
    "PKT": 300,
    "NPT": 345,
    "ICT": 420,
    "WIB": 420,
    "HKT": 480,
    "SGT": 480,
    "AWST": 480,
    "PHT": 480,
    "KST": 540,
    "JST": 540,
    "ACST": 570,
    "ACDT": 630,
    "AEST": 600,
    "AEDT": 660,
    "NZST": 720,
    "NZDT": 780,
    "HST": -600,
    "AKST": -540,
    "AKDT": -480,
    "PST": -480,
    "PDT": -420,
    "MST": -420,
    "MDT": -360,
    "CST": -360,  # US Central Standard Time (not China)
    "CDT": -300,
    "EST": -300,
    "EDT": -240,
    "AST": -240,  # Atlantic Standard Time
    "ADT": -180,
    "NST": -210,
    "NDT": -150,
    "BRT": -180,
    "ART": -180,
}

# Abbreviations of a region with daylight saving time: either abbreviation
# of the pair means the region's local time on the date in question.
SEASONAL: dict[str, str] = {
    "WET": "Europe/Lisbon", "WEST": "Europe/Lisbon",
    "BST": "Europe/London",
    "CET": "Europe/Berlin", "CEST": "Europe/Berlin", "MET": "Europe/Berlin", "MEST": "Europe/Berlin",
    "EET": "Europe/Helsinki", "EEST": "Europe/Helsinki",
    "ACST": "Australia/Adelaide", "ACDT": "Australia/Adelaide",
    "AEST": "Australia/Sydney", "AEDT": "Australia/Sydney",
    "NZST": "Pacific/Auckland", "NZDT": "Pacific/Auckland",
    "AKST": "America/Anchorage", "AKDT": "America/Anchorage",
    "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles",
    "MST": "America/Denver", "MDT": "America/Denver",
    "CST": "America/Chicago", "CDT": "America/Chicago",
    "EST": "America/New_York", "EDT": "America/New_York",
    "AST": "America/Halifax", "ADT": "America/Halifax",
    "NST": "America/St_Johns", "NDT": "America/St_Johns",
}  # fmt: skip

# Region names that follow daylight saving (matched case-insensitively as words).
REGIONS: dict[str, str] = {
    "pacific time": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
    "pt": "America/Los_Angeles",
    "mountain time": "America/Denver",
    "mt": "America/Denver",
    "central time": "America/Chicago",
    "ct": "America/Chicago",
    "eastern time": "America/New_York",
    "eastern": "America/New_York",
    "et": "America/New_York",
    "central european time": "Europe/Berlin",
    "london": "Europe/London",
    "edinburgh": "Europe/London",
    "dublin": "Europe/Dublin",
    "lisbon": "Europe/Lisbon",
    "paris": "Europe/Paris",
    "berlin": "Europe/Berlin",
    "amsterdam": "Europe/Amsterdam",
    "zurich": "Europe/Zurich",
    "madrid": "Europe/Madrid",
    "rome": "Europe/Rome",
    "stockholm": "Europe/Stockholm",
    "warsaw": "Europe/Warsaw",
    "helsinki": "Europe/Helsinki",
    "athens": "Europe/Athens",
    "istanbul": "Europe/Istanbul",
    "moscow": "Europe/Moscow",
    "new york": "America/New_York",
    "toronto": "America/Toronto",
    "chicago": "America/Chicago",
    "denver": "America/Denver",
    "san francisco": "America/Los_Angeles",
    "los angeles": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "vancouver": "America/Vancouver",
    "sao paulo": "America/Sao_Paulo",
    "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata",
    "kolkata": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "singapore": "Asia/Singapore",
    "tokyo": "Asia/Tokyo",
    "seoul": "Asia/Seoul",
    "sydney": "Australia/Sydney",
    "melbourne": "Australia/Melbourne",
    "auckland": "Pacific/Auckland",
}

_OFFSET = r"(?:UTC|GMT)\s?[+\-\u2212]\s?\d{1,2}(?::?\d{2})?"
_IANA = r"\b(?:[A-Z][a-z]+(?:_[A-Z][a-z]+)*/[A-Z][A-Za-z_]+(?:/[A-Z][A-Za-z_]+)?|UTC|Etc/UTC)\b"
_ABBR = r"\b(?:" + "|".join(sorted((a for a in ABBREVIATIONS if len(a) > 1), key=len, reverse=True)) + r")\b"
_REGION = r"\b(?:" + "|".join(re.escape(r) for r in sorted(REGIONS, key=len, reverse=True)) + r")\b"

ZONE_TOKEN = re.compile(f"(?:{_OFFSET}|{_ABBR}|Z\\b)")
_ANY_ZONE = re.compile(f"({_OFFSET})|({_IANA})|({_ABBR})|({_REGION})", re.IGNORECASE)
_ANY_ZONE_CASED = re.compile(f"({_OFFSET})|({_IANA})|({_ABBR})")
_LONE_UNDERSCORE = re.compile(r"(?<![A-Za-z])_|_(?![A-Za-z])")
_OFFSET_PARTS = re.compile(r"([+\-\u2212])\s?(\d{1,2})(?::?(\d{2}))?")
_OFFSET_ANY = re.compile(
    r"(?:\b(?:UTC|GMT)\s?|(?<![\w:])(?=[+\-\u2212]\d{2}:?\d{2}\b))[+\-\u2212]\s?\d{1,2}(?::?\d{2})?\b"
)

# The offsets zones have: from UTC-12:00 (Baker Island) to UTC+14:00 (Line
# Islands). 'UTC+15' or '+25:00' is a typo; it must not be read as some zone.
MIN_OFFSET_MINUTES, MAX_OFFSET_MINUTES = -12 * 60, 14 * 60


def offset_minutes(text: str) -> int | None:
    """'+05:30', 'UTC-7', 'GMT+1' -> minutes east of UTC, when such an offset
    exists (MIN_OFFSET_MINUTES..MAX_OFFSET_MINUTES, minutes below 60); else None."""
    m = _OFFSET_PARTS.search(text)
    if m is None:
        return None
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    value = (-1 if m.group(1) in "-\u2212" else 1) * (hours * 60 + minutes)
    return value if minutes < 60 and MIN_OFFSET_MINUTES <= value <= MAX_OFFSET_MINUTES else None


def impossible_offset(text: str) -> str | None:
    """The first zone offset written in `text` that no zone has ('UTC+15',
    '+25:00'), or None."""
    for m in _OFFSET_ANY.finditer(text):
        if offset_minutes(m.group(0)) is None:
            return m.group(0)
    return None


def check_offset(value: datetime) -> datetime:
    """An aware datetime whose offset a zone can have; else BadValue."""
    off = value.utcoffset()
    if off is not None and not MIN_OFFSET_MINUTES <= off.total_seconds() / 60 <= MAX_OFFSET_MINUTES:
        raise BadValue(f"the offset {off} is not one a time zone has (UTC-12:00 to UTC+14:00)")
    return value


@lru_cache(maxsize=512)
def zone_from_name(name: str) -> tzinfo | None:
    """One zone token or name -> tzinfo, or None when it is not a zone."""
    raw = name.strip().strip("()[]")
    if not raw:
        return None
    up = raw.upper()
    if up[:1] in "+-\u2212" and _OFFSET_PARTS.fullmatch(raw.replace(" ", "")):
        up = "UTC" + raw.replace(" ", "")
    if up in SEASONAL:
        return ZoneInfo(SEASONAL[up])
    if up in ABBREVIATIONS:
        return timezone(timedelta(minutes=ABBREVIATIONS[up]), up)
    if up.startswith(("UTC", "GMT")) and len(up) > 3:
        minutes = offset_minutes(up)
        return None if minutes is None else timezone(timedelta(minutes=minutes))
    low = raw.lower()
    if low in REGIONS:
        return ZoneInfo(REGIONS[low])
    if "/" in raw or raw in ("UTC", "Etc/UTC"):
        try:
            return ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError):
            # A misspelt area ("UC/Pacific"): try the place after the slash.
            tail = raw.rsplit("/", 1)[-1].replace("_", " ").lower()
            return zone_from_name(tail) if tail and tail != low else None
    city = _cities().get(low.replace(" ", "_"))
    return ZoneInfo(city) if city else None


@lru_cache(maxsize=1)
def _cities() -> dict[str, str]:
    """'bucharest' -> 'Europe/Bucharest': every IANA zone by its last component."""
    out: dict[str, str] = {}
    for name in sorted(available_timezones()):
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix/", "right/")):
            out.setdefault(name.rsplit("/", 1)[-1].lower(), name)
    return out


def find_zone(text: str, regions: bool = True) -> tzinfo | None:
    """The zone named in a free-text phrase such as "All times in PST, on
    February 5th 2019" or "UTC+1 (Zurich time)". An explicit offset wins over a
    name in the same phrase ("PST (UTC-7)" is UTC-7: the author said so)."""
    if len(text) <= 200:  # headings and column names, the same in document after document: remembered
        return _find_zone_short(text, regions)
    return _find_zone(text, regions)


@lru_cache(maxsize=4096)
def _find_zone_short(text: str, regions: bool) -> tzinfo | None:
    return _find_zone(text, regions)


def _find_zone(text: str, regions: bool) -> tzinfo | None:
    pattern = _ANY_ZONE if regions else _ANY_ZONE_CASED
    if "_" in text:  # emphasis marks ('_All times in EDT_'), not the underscores of 'Los_Angeles'
        text = _LONE_UNDERSCORE.sub(" ", text)
    first = None
    for m in pattern.finditer(text):
        token = m.group(0)
        # Case-insensitive matching must not take ordinary words for zones
        # ("at", "et al"); abbreviations must be written in capitals.
        if (m.lastindex == 3 or (m.lastindex == 4 and len(token) <= 2)) and token != token.upper():
            continue
        zone = zone_from_name(token)
        if zone is None:
            continue
        if m.lastindex == 1:
            return zone
        if first is None:
            first = zone
    if first is None and regions:
        # "All times listed in this report are in Bucharest."
        for word in re.findall(r"\b(?:in|are)\s+([A-Z][a-z]+(?:[ _][A-Z][a-z]+)?)", text):
            zone = zone_from_name(word)
            if zone is not None:
                return zone
    return first


class OutOfRange(BadValue):
    """A local time at the very ends of the calendar has no UTC instant."""


def to_utc(local: datetime, zone: tzinfo | None) -> datetime:
    """A naive local datetime in `zone` (UTC when None) -> naive UTC datetime.
    Raises OutOfRange (a BadValue) at the ends of the calendar (0001-01-01)."""
    if zone is None:
        return local
    try:
        if type(zone) is timezone and local.tzinfo is None and not local.fold:  # a fixed offset: as astimezone
            return local - zone.utcoffset(None)
        return local.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
    except OverflowError as exc:
        raise OutOfRange(f"{local.isoformat()} is out of range") from exc
