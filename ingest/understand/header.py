"""Header fields (Date, Severity, Status, Team, ...) in every shape they are written."""

from __future__ import annotations

import re

from ingest.read.mdblocks import HEADING, LIST, PARA, TABLE, Line, clean_inline, split_row
from ingest.read.sections import normalise_title

# normalised field name -> the field it fills
FIELD_NAMES: dict[str, str] = {
    "date": "date", "incident date": "date", "date of incident": "date", "day": "date",
    "incident id": "id", "id": "id", "incident": "id_ref", "incident number": "id",
    "title": "title", "incident title": "title",
    "severity": "severity", "incident severity": "severity", "sev": "severity", "severity level": "severity",
    "impact level": "severity", "priority level": "severity",
    "status": "status", "document status": "status", "postmortem status": "status", "report status": "status",
    "duration": "duration", "incident duration": "duration", "outage duration": "duration",
    "total duration": "duration", "impact duration": "duration", "length": "duration",
    "team": "team", "owning team": "team", "responsible team": "team", "teams": "team", "owner team": "team",
    "service": "services", "services": "services", "affected services": "services",
    "services affected": "services", "systems affected": "services", "affected systems": "services",
    "components": "services", "affected components": "services",
    "authors": "authors", "author": "authors", "owner": "authors", "owners": "authors", "created by": "authors",
    "written by": "authors", "owner of review process": "authors", "incident commander": "commander",
    "published": "published", "published at": "published", "date published": "published",
    "written": "published", "postmortem date": "published",
    "timezone": "timezone", "time zone": "timezone", "all times": "timezone",
    "start time": "started", "started": "started", "impact start": "started", "start": "started",
    "detected": "detected", "detection time": "detected", "time detected": "detected",
    "end time": "resolved", "resolved": "resolved", "impact end": "resolved", "end": "resolved",
    "impact time": "impact_time",
}  # fmt: skip

_SPLIT_PIPES = re.compile(r"(?<!\s)\s+\|\s+|(?<!\s)\s*\|\s*(?=\*\*|__)")  # a match starts where a space run does
_KV = re.compile(r"^(?:\*\*|__)?([A-Za-z][A-Za-z /\-]{0,30}?)(?::(?:\*\*|__)|(?:\*\*|__)?:)[ \t]*(.*)$")
_KV_PLAIN_CAPS = re.compile(r"^[A-Z][A-Z /]{1,30}$")


def _field(name: str) -> str | None:
    return FIELD_NAMES.get(normalise_title(name))


def scan_header(lines: list[Line], stop: int) -> tuple[dict[str, tuple[str, int]], set[int]]:
    """Header fields from lines[:stop]: 'Key: value', '**Key:** value',
    '**Key**: value', '| Key | value |', several per line split by '|',
    '## Key: value' headings and 'KEY' on one line with its value on the next
    (text extracted from PDF exports). First occurrence wins.
    Returns {field: (raw value, line number)} and the line numbers read as fields."""
    found: dict[str, tuple[str, int]] = {}
    consumed: set[int] = set()

    def put(name: str, value: str, no: int) -> None:
        f = _field(name)
        value = clean_inline(value).strip()
        if f and value and f not in found:
            found[f] = (value, no)
        consumed.add(no)

    i = 0
    while i < stop:
        ln = lines[i]
        if ln.kind == TABLE:
            cells = split_row(ln.content)
            if len(cells) >= 2 and _field(clean_inline(cells[0])):
                put(clean_inline(cells[0]), cells[1], ln.no)
        elif ln.kind in (PARA, HEADING, LIST):
            text = ln.content
            parts = _SPLIT_PIPES.split(text) if "|" in text else [text]
            matched = False
            for part in parts:
                part = part.strip()
                m = _KV.match(part) if ":" in part else None  # every field has its ':'
                if m and _field(m.group(1)):
                    put(m.group(1), m.group(2), ln.no)
                    matched = True
            if not matched and ln.kind == PARA and _KV_PLAIN_CAPS.match(text) and _field(text):
                nxt = lines[i + 1] if i + 1 < len(lines) else None
                if nxt is not None and nxt.kind == PARA:
                    consumed.add(ln.no)
                    put(text, nxt.content, nxt.no)
                    i += 1
        i += 1
    return found, consumed


SEVERITY_WORDS = {
    "critical": "SEV1", "crit": "SEV1", "sev1": "SEV1", "blocker": "SEV1", "emergency": "SEV1",
    "major": "SEV2", "high": "SEV2",
    "medium": "SEV3", "moderate": "SEV3", "normal": "SEV3",
    "minor": "SEV4", "low": "SEV4",
    "trivial": "SEV5", "informational": "SEV5", "info": "SEV5", "cosmetic": "SEV5",
}  # fmt: skip
_SEV = re.compile(r"^(?:sev(?:erity)?|s|p|priority|level)?[\s\-_:]*([0-5])$", re.IGNORECASE)


def normalise_severity(value) -> str | None:
    """SEV1..SEV5 from SEV2, Sev-2, S2, P2, 'severity 2', 2, critical/major/minor/...
    P0/SEV0 count as SEV1 (the top of the scale). None when unrecognised."""
    if value is None or isinstance(value, bool):
        return None
    s = str(value).strip()
    s = clean_inline(s).split("(")[0].strip().rstrip(".")
    m = _SEV.match(s)
    if m:
        n = int(m.group(1))
        return f"SEV{max(n, 1)}"
    word = s.lower().split()[0] if s else ""
    if word in SEVERITY_WORDS:
        return SEVERITY_WORDS[word]
    m = re.match(r"^(?:sev(?:erity)?|p)[\s\-_]*([0-5])\b", s, re.IGNORECASE)
    if m:
        return f"SEV{max(int(m.group(1)), 1)}"
    return None


STATUS_WORDS = {
    "draft": "draft", "wip": "draft", "work in progress": "draft", "in progress": "draft",
    "incomplete": "draft", "todo": "draft", "open": "draft", "new": "draft",
    "in review": "in review", "review": "in review", "under review": "in review",
    "in-review": "in review", "ready for review": "in review", "pending review": "in review",
    "reviewing": "in review",
    "final": "final", "finalized": "final", "finalised": "final", "complete": "final",
    "completed": "final", "done": "final", "published": "final", "reviewed": "final",
    "closed": "final", "approved": "final", "resolved": "final",
}  # fmt: skip


def normalise_status(value) -> str | None:
    if value is None:
        return None
    s = " ".join(clean_inline(str(value)).lower().replace("_", " ").split()).strip(" .")
    if s in STATUS_WORDS:
        return STATUS_WORDS[s]
    first = s.split("(")[0].strip()
    return STATUS_WORDS.get(first) or STATUS_WORDS.get(first.split(" ")[0] if first else "")


_SERVICE_SPLIT = re.compile(r"(?:(?<!\s)\s+)?(?:,|;|\band\b|&|\|)\s*")  # linear on long runs of spaces


def split_list(value) -> list[str]:
    """A list field written as a YAML list or as 'a, b and c'."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        items = [str(v) for v in value if v is not None and not isinstance(v, dict | list)]
    else:
        items = _SERVICE_SPLIT.split(clean_inline(str(value)))
    return [" ".join(i.strip().strip("`").split()) for i in items if i and i.strip().strip("`")]
