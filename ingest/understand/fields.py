"""Front-matter and structured-document fields onto a ParsedDocument.

The same keys mean the same in YAML front matter, in a structured YAML/JSON
document, and (for the few that exist there) in the Markdown header. A value
of the wrong type is a problem and is ignored; unknown keys are kept as
custom fields."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, tzinfo

from ingest.read.problems import Problems
from ingest.understand.document import Evidence, ParsedDocument
from ingest.understand.header import normalise_severity, normalise_status, split_list
from ingest.understand.rules import MILESTONES
from ingest.understand.timeline import WHEN_RE, Clock
from ingest.understand.timeparse import BadValue, check_year, duration_problem, parse_date, parse_duration_minutes
from ingest.understand.zones import check_offset, to_utc, zone_from_name

KNOWN = {
    "id", "title", "date", "timezone", "severity", "status", "team", "services", "service", "tags",
    "incident", "authors", "author", "duration", "contributing_factors", "timeline", "action_items",
    "whys", "lessons", "what_went_well", "what_went_wrong", "where_we_got_lucky", "kind",
} | {f"{m}_at" for m in MILESTONES}  # fmt: skip
_ID_OK = re.compile(r"^[\w.\-:/#@ ]{1,200}$")


def parse_timestamp(value, zone: tzinfo | None, base: date | None = None) -> datetime:
    """A front-matter timestamp -> naive UTC. Accepts YAML datetimes, ISO 8601
    strings (Z or offset), and the timeline's written forms. Raises BadValue,
    also for an offset no zone has and a year outside MIN_YEAR..MAX_YEAR."""
    try:
        at = _timestamp(value, zone, base)
    except OverflowError as exc:
        raise BadValue(f"{str(value)[:40]!r} falls outside the calendar") from exc
    check_year(at, str(value))
    return at


def _aware(value: datetime) -> datetime:
    return check_offset(value).astimezone(UTC).replace(tzinfo=None)


def _timestamp(value, zone: tzinfo | None, base: date | None) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return _aware(value)
        return to_utc(value, zone)
    if isinstance(value, date):
        return to_utc(datetime(value.year, value.month, value.day), zone)
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise BadValue(f"expected a date and time, got a {type(value).__name__}")
    s = str(value).strip()
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00") if s.endswith("Z") else s)
    except ValueError:
        dt = None
    if dt is not None:
        return _aware(dt) if dt.tzinfo is not None else to_utc(dt, zone)
    m = WHEN_RE.match(s)
    if m and m.end() >= len(s.rstrip()) - 1:
        probs = Problems()
        at = Clock(base, zone, probs).place(m, None)
        if at is not None and not probs:
            return at
        # a problem placing one time (an offset no zone has) makes it doubtful: not used
        raise BadValue(probs[0].message if probs else f"'{s}' is not a date and time")
    raise BadValue(f"'{s[:60]}' is not a date and time")


def apply(doc: ParsedDocument, fm: dict, problems: Problems, line: int | None = 1) -> tzinfo | None:
    """Apply front matter / structured fields; returns the zone they name.
    A key present with an empty value (`date:`) counts as not given. A
    problem names the line of its key when the loader knew it (front matter,
    YAML), else `line`."""
    at = _Lines(getattr(fm, "lines", None) or {}, line)
    fm = {k: v for k, v in fm.items() if (v is not None and v != "") or k not in KNOWN}
    zone = _zone(doc, fm, problems, at)
    _names(doc, fm, problems, at)
    _date(doc, fm, problems, at)
    _labels(doc, fm, problems, at)
    _duration(doc, fm, problems, at)
    _milestones(doc, fm, zone, problems, at)
    for key, value in fm.items():
        if key not in KNOWN:
            doc.custom_fields[key] = _jsonable(value)
    return zone


class _Lines:
    """The line a problem about a key is reported on: the key's own when known."""

    def __init__(self, lines: dict[str, int], default: int | None) -> None:
        self.lines, self.default = lines, default

    def __getitem__(self, key: str) -> int | None:
        return self.lines.get(key, self.default)


def _zone(doc: ParsedDocument, fm: dict, problems: Problems, at: _Lines) -> tzinfo | None:
    if "timezone" not in fm:
        return None
    zone = zone_from_name(str(fm["timezone"])) if isinstance(fm["timezone"], str) else None
    if zone is None:
        problems.warn("bad-field", at["timezone"], f"timezone {fm['timezone']!r} is not a known time zone "
                      "(offsets run from UTC-12:00 to UTC+14:00); ignored")  # fmt: skip
    else:
        doc.timezone = str(fm["timezone"])
    return zone


def _names(doc: ParsedDocument, fm: dict, problems: Problems, at: _Lines) -> None:
    if "id" in fm:
        v = fm["id"]
        if isinstance(v, str | int) and not isinstance(v, bool) and _ID_OK.match(str(v).strip()):
            doc.incident_id, doc.id_explicit = str(v).strip(), True
        else:
            problems.warn("bad-field", at["id"], "id must be a short text (letters, digits, - _ . : /); ignored")
    if "title" in fm:
        if isinstance(fm["title"], str | int | float) and str(fm["title"]).strip():
            doc.title = str(fm["title"]).strip()[:300]
        else:
            problems.warn("bad-field", at["title"], "title must be text; ignored")


def _date(doc: ParsedDocument, fm: dict, problems: Problems, at: _Lines) -> None:
    if "date" not in fm:
        return
    try:
        d = parse_date(fm["date"]) if isinstance(fm["date"], str | date) else None
        if d is None:
            raise BadValue(f"{fm['date']!r} is not a date")
        doc.date = d
    except BadValue as exc:
        problems.warn("bad-date", at["date"], f"date: {exc}; ignored")


def _labels(doc: ParsedDocument, fm: dict, problems: Problems, at: _Lines) -> None:
    """Severity, status, team, services, tags, authors, the incident attached to."""
    if "severity" in fm:
        sev = normalise_severity(fm["severity"])
        if sev is None:
            problems.warn("bad-severity", at["severity"], f"severity {fm['severity']!r} is not SEV1..SEV5 "
                          "(or Sev-2, S2, P2, critical/major/minor); ignored")  # fmt: skip
        doc.severity = sev or doc.severity
    if "status" in fm:
        st = normalise_status(fm["status"])
        if st is None:
            problems.warn("bad-status", at["status"], f"status {fm['status']!r} is not draft, in review or final; "
                          "ignored")  # fmt: skip
        doc.status = st or doc.status
    if "team" in fm:
        if isinstance(fm["team"], str | int) and str(fm["team"]).strip():
            doc.team = str(fm["team"]).strip().lower()
        else:
            problems.warn("bad-field", at["team"], "team must be text; ignored")
    for key in ("services", "service"):
        if key in fm:
            if isinstance(fm[key], list | str):
                doc.services = split_list(fm[key])
            else:
                problems.warn("bad-field", at[key], f"{key} must be a list or a comma-separated text; ignored")
    if "tags" in fm:
        if isinstance(fm["tags"], list | str):
            doc.tags = [t.lower() for t in split_list(fm["tags"])]
        else:
            problems.warn("bad-field", at["tags"], "tags must be a list; ignored")
    for key in ("authors", "author"):
        if key in fm and isinstance(fm[key], list | str):
            doc.authors = [a.lstrip("@").lower() for a in split_list(fm[key])]
    if "incident" in fm:
        if isinstance(fm["incident"], str | int) and str(fm["incident"]).strip():
            doc.attach_to = str(fm["incident"]).strip()
        else:
            problems.warn("bad-field", at["incident"], "incident must be the id of the incident this document "
                          "belongs to; ignored")  # fmt: skip


def _duration(doc: ParsedDocument, fm: dict, problems: Problems, at: _Lines) -> None:
    """A stated duration: never negative, NaN, infinite or over ten years."""
    if "duration" not in fm:
        return
    value = fm["duration"]
    minutes = parse_duration_minutes(value) if not isinstance(value, bool) else None
    if minutes is not None:
        doc.reported_duration_minutes = minutes
        return
    why = duration_problem(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
    problems.warn("bad-duration", at["duration"], f"duration {str(value)[:40]!r} {why or 'is not a duration'}; "
                  "ignored")  # fmt: skip


def _milestones(doc: ParsedDocument, fm: dict, zone: tzinfo | None, problems: Problems, at: _Lines) -> None:
    for name in MILESTONES:
        key = f"{name}_at"
        if key not in fm or fm[key] in (None, ""):
            continue
        try:
            doc.milestones[name] = parse_timestamp(fm[key], zone, doc.date)
            doc.milestone_sources[name] = "front_matter"
            # its evidence is the key's own line, so the document view marks it and the incident page says where
            doc.evidence[name] = Evidence(doc.milestones[name], "front_matter", at.lines.get(key), f"stated as {key}",
                                          str(_jsonable(fm[key]))[:120], "clear")  # fmt: skip
        except BadValue as exc:
            problems.warn("bad-time", at[key], f"{key}: {exc}; ignored")


def _jsonable(v):
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple | set):
        return [_jsonable(x) for x in v]
    if isinstance(v, str | int | float | bool) or v is None:
        return v
    return str(v)


def warn_no_date(doc, problems) -> None:
    """A document nothing dates falls in no quarter: every count per quarter
    leaves it out, so it must be a problem a reader sees, never silent. One
    warning per document (the timeline may already have said it)."""
    if doc.date is not None or doc.milestones.get("started") or doc.milestones.get("detected"):
        return
    if any(p.code == "no-date" for p in problems):
        return
    problems.warn("no-date", None, "the document gives no date (no date field, and none in the title, the file "
                  "name, the opening text or the timeline); it is counted in no quarter until a date is added")  # fmt: skip
