"""One Markdown (or plain-text) document -> ParsedDocument."""

from __future__ import annotations

import re
from datetime import date
from pathlib import PurePosixPath

from ingest.read.frontmatter import split_front_matter
from ingest.read.mdblocks import LIST, PARA, build_sections, classify, clean_inline, label_of, walk
from ingest.understand import actions, blame, clock, factors, fields, impact, incidents, links, titles
from ingest.understand.document import Factor, ParsedDocument
from ingest.understand.header import normalise_severity, normalise_status, scan_header, split_list
from ingest.understand.rules import Rules
from ingest.understand.timeparse import (
    TEXT_DATE_RE,
    BadValue,
    duration_minutes_unchecked,
    duration_problem,
    parse_date,
    parse_duration_minutes,
    text_date,
)
from ingest.understand.zones import impossible_offset, zone_from_name

_FILENAME_DATE = re.compile(r"(\d{4})[-_.]?(\d{2})[-_.]?(\d{2})")


def parse_markdown(doc: ParsedDocument, text: str, rules: Rules, stem: str, folder_team: str | None) -> None:
    """Fill `doc` from Markdown text. Sets doc.outcome to 'skipped' (with a
    reason) when the text is not a postmortem."""
    problems = doc.problems
    fm, body, _ = split_front_matter(text, problems)
    lines = classify(body)
    incidents.drop_page_footers(lines, problems)
    root = build_sections(lines)
    secs = list(walk(root))

    # Header fields: before the first content section.
    stop = next((s.head for s in secs if s.key and s.key not in ("metadata", "summary") and not s.label), len(lines))
    stop = min(stop, 80)
    head, consumed = scan_header(lines, max(stop, min(len(lines), 12)))

    # Kind and title.
    title_kind, title = titles.kind_and_title(lines, secs, fm, consumed)
    fm_says = bool(titles.FM_POSTMORTEM_KEYS & set(fm))
    if title and titles.PLACEHOLDER.search(title) and not fm_says:
        doc.outcome, doc.reason = "skipped", f"a template, not a postmortem (title '{title[:60]}')"
        return
    if title_kind is None:
        doc.outcome = "skipped"
        doc.reason = (
            "not a postmortem: no title such as 'Postmortem: ...' and fewer than two of the "
            "postmortem sections (Timeline, Root Cause, Action Items, Lessons, ...)"
        )
        return
    if "template" in stem.lower() and not fm_says:
        doc.outcome, doc.reason = "skipped", "a template, not a postmortem (file name says template)"
        return
    doc.kind = title_kind
    _apply_header(doc, head, problems)
    if doc.severity is None and "severity" not in head:
        _severity_anywhere(doc, lines)
    title_date = None
    if title:
        title, title_date = titles.clean_title(title)
        if doc.date is None and title_date is not None:
            doc.date = title_date
    doc.title = title or doc.title or _title_from_stem(stem)
    zone_fm = fields.apply(doc, fm, problems)
    if doc.date is None:
        doc.date = _date_from_stem(stem)
    if doc.date is None:
        doc.date = _date_from_text(lines, secs, problems)
    if not doc.team and folder_team:
        doc.team = folder_team

    # Timeline and milestones.
    zone = timeline_zone = clock.doc_zone_phrase(body)
    zone_fixed = zone is not None
    if zone is None:
        zone = zone_fm or (zone_from_name(doc.timezone) if doc.timezone else None)
    if timeline_zone is None and clock.doc_zone_unknown(body):
        problems.warn("unknown-zone", None, "the document says which time zone its times are in, but not one "
                      "the parser knows (see docs/TIMEZONES.md); times are read as UTC")  # fmt: skip
    others = incidents.read_timelines(doc, lines, root, secs, head, zone, zone_fixed, rules, problems, title_date)
    _check_date(doc, stem, problems)
    fields.warn_no_date(doc, problems)

    # Whys, factors, lessons, action items.
    doc.whys = factors.extract_whys(root, lines, whole_document=doc.kind == "five_whys")
    doc.factors = factors.extract_factors(root, lines, doc.whys, rules.taxonomy)
    _factors_from_front_matter(doc, fm, rules)
    doc.lessons, doc.has_went_well_section = factors.extract_lessons(root, lines)
    doc.action_items = actions.extract(root, lines, problems, doc.date)
    factors.detection_gap(doc, rules.taxonomy)
    actions.assign_types(doc.action_items, rules.action_types, problems)
    doc.blame = blame.scan(lines, rules.guide)

    # Impact figures and references to other incidents.
    doc.impact = impact.extract(root, lines, fm, problems)
    own = {doc.incident_id or "", _without_suffix(doc.path), doc.attach_to or ""}
    doc.related = links.extract(root, lines, fm, doc.path, own)
    if others:
        doc.others = [_other_incident(doc, part, lines, head, zone, zone_fixed, rules) for part in others]


def _without_suffix(path: str) -> str:
    """PurePosixPath(path).with_suffix("").as_posix(), without building a path object for the plain relative
    paths a corpus gives (pathlib's rules for the others: '//', '.', a leading or trailing '/')."""
    if (
        not path
        or path == "."
        or "//" in path
        or "/./" in path
        or path.startswith(("/", "./"))
        or path.endswith(("/", "/."))
    ):
        return PurePosixPath(path).with_suffix("").as_posix()
    name = path[path.rfind("/") + 1 :]
    dot = name.rfind(".")
    return path[: len(path) - len(name) + dot] if 0 < dot < len(name) - 1 else path


def _other_incident(doc: ParsedDocument, part, lines, head, zone, zone_fixed, rules: Rules) -> ParsedDocument:
    """Another incident of a document that holds several: the document's
    header fields, its own title, date, timeline and milestones."""
    other = ParsedDocument(path=doc.path, kind=doc.kind, outcome="incident")
    for name in ("severity", "status", "team", "services", "tags", "authors", "timezone"):
        setattr(other, name, getattr(doc, name))
    other.title, other.date = part.title, part.date or doc.date
    incidents.read_part(other, lines, part.sections, part.scope, {}, other.date, zone, zone_fixed, rules,
                        other.problems)  # fmt: skip
    return other


def _severity_anywhere(doc: ParsedDocument, lines) -> None:
    """A 'Severity:' label outside the header (in an Impact section, say)."""
    for ln in lines:
        if ln.kind in (PARA, LIST) and "everity" in ln.content:
            lab = label_of(clean_inline(ln.content))
            if lab and lab[0].lower() in ("severity", "incident severity") and normalise_severity(lab[1]):
                doc.severity = normalise_severity(lab[1])
                return


# Sections that open a postmortem, before its timeline and causes: a date
# written in them is the incident's. 'Owner' / 'Involved' often come first.
_OPENING_KEYS = frozenset({"summary", "metadata", "responders", "what_happened", "impact", "problem_statement"})
_TEXT_DATE_LINES = 60


def _date_from_text(lines, secs, problems):
    """The first full date in the opening sections, when nothing else dates
    the document ('In the morning of Sept. 18th, 2017, ...'). Read per
    paragraph, so a date wrapped over two lines is still found."""
    stop = next((s.head for s in secs if s.key and s.key not in _OPENING_KEYS), len(lines))
    for text, starts in _paragraphs(lines[: min(stop, _TEXT_DATE_LINES)]):
        for m in TEXT_DATE_RE.finditer(text):
            try:
                d = text_date(m)
            except BadValue:
                continue
            if d is not None:
                no = next(n for offset, n in reversed(starts) if offset <= m.start())
                problems.warn("date-from-text", no, f"no Date field; the incident date is taken from the text ({d})")
                return d
    return None


def _paragraphs(lines) -> list[tuple[str, list[tuple[int, int]]]]:
    """Paragraphs and list items as one text each, with where each of their
    lines starts in it: (text, [(offset, line number), ...])."""
    out: list[tuple[str, list[tuple[int, int]]]] = []
    prev = None
    for ln in lines:
        if ln.kind not in (PARA, LIST):
            prev = None
            continue
        if prev == PARA and ln.kind == PARA:
            text, starts = out[-1]
            starts.append((len(text) + 1, ln.no))
            out[-1] = (f"{text} {ln.content}", starts)
        else:
            out.append((ln.content, [(0, ln.no)]))
        prev = ln.kind
    return out


def _apply_header(doc: ParsedDocument, head: dict, problems) -> None:
    if "date" in head:
        value, no = head["date"]
        try:
            d = parse_date(value)
            if d is None:
                problems.warn("bad-date", no, f"Date '{value[:40]}' is not a date; ignored")
            doc.date = d
        except BadValue as exc:
            problems.warn("bad-date", no, f"Date: {exc}; ignored")
    if "severity" in head:
        value, no = head["severity"]
        doc.severity = normalise_severity(value)
        if doc.severity is None:
            problems.warn(
                "bad-severity",
                no,
                f"severity '{value[:40]}' is not SEV1..SEV5 (or Sev-2, S2, P2, critical/major/minor); ignored",
            )
    if "status" in head:
        value, no = head["status"]
        doc.status = normalise_status(value)
        if doc.status is None:
            problems.warn("bad-status", no, f"status '{value[:40]}' is not draft, in review or final; ignored")
    if "duration" in head:
        value, no = head["duration"]
        doc.reported_duration_minutes = parse_duration_minutes(value)
        if doc.reported_duration_minutes is None:
            raw = duration_minutes_unchecked(value)
            why = duration_problem(raw) if raw is not None else None
            problems.warn("bad-duration", no, f"duration '{value[:40]}' {why or 'is not a duration'}; ignored")
    if "published" in head:
        value, no = head["published"]
        try:
            doc.milestones["published"] = fields.parse_timestamp(value, None, doc.date)
            doc.milestone_sources["published"] = "header"
        except BadValue as exc:
            problems.warn("bad-time", no, f"Published: {exc}; ignored")
    if "team" in head:
        doc.team = clean_inline(head["team"][0]).lower() or None
    if "services" in head:
        doc.services = split_list(head["services"][0])
    if "authors" in head:
        doc.authors = [a.lstrip("@").lower() for a in split_list(head["authors"][0])]
    if "id" in head:
        doc.incident_id, doc.id_explicit = clean_inline(head["id"][0])[:200], True
    if "id_ref" in head and doc.kind == "five_whys":
        doc.attach_to = clean_inline(head["id_ref"][0])[:200]
    if "timezone" in head:
        value, no = head["timezone"]
        if zone_from_name(value) is not None:
            doc.timezone = value
        else:
            bad = impossible_offset(value)
            problems.warn("unknown-zone", no, f"time zone '{clean_inline(value)[:40]}' "
                          + (f"holds an offset no zone has ({bad})" if bad else "is not one the parser knows (see "
                             "docs/TIMEZONES.md)") + "; times are read as the rest of the document says")  # fmt: skip


def _factors_from_front_matter(doc: ParsedDocument, fm: dict, rules: Rules) -> None:
    named = []
    for key in ("tags", "contributing_factors"):
        value = fm.get(key)
        if isinstance(value, str):
            value = split_list(value)
        if isinstance(value, list):
            named.extend(str(v).strip().lower() for v in value if isinstance(v, str | int))
    for cat in dict.fromkeys(named):
        if cat in rules.taxonomy.by_id and cat != "uncategorized":
            label = rules.taxonomy.by_id[cat].label
            doc.factors.append(Factor(label, "front_matter", cat, 1))


def _title_from_stem(stem: str) -> str:
    s = re.sub(r"^\d{4}[-_.]?\d{2}[-_.]?\d{2}[-_ ]*", "", stem)
    s = re.sub(r"^\d+[-_ ]+", "", s)
    s = s.replace("--", " - ").replace("_", " ").replace("-", " ").strip()
    return (s[:1].upper() + s[1:]) if s else stem


DATE_CONFLICT_DAYS = 7  # a file name often carries the day the postmortem was written, a few days later


def _check_date(doc: ParsedDocument, stem: str, problems) -> None:
    """A file name's date weeks away from the date the document states is
    a conflict a reader should settle: said, not guessed. When the
    timeline's own dates side with the file name, they win."""
    named = _date_from_stem(stem)
    if named is None or doc.date is None or abs((named - doc.date).days) <= DATE_CONFLICT_DAYS:
        return
    dated = next((e.local_date for e in doc.timeline if e.explicit_date and e.local_date and e.episode == 0), None)
    if dated is not None and abs((dated - named).days) <= 1 and abs((dated - doc.date).days) > DATE_CONFLICT_DAYS:
        problems.warn("date-conflict", None, f"the document is dated {doc.date}, but its file name and its "
                      f"timeline say {dated}; the timeline's date is used")  # fmt: skip
        doc.date = dated
        return
    problems.warn("date-conflict", None, f"the document is dated {doc.date}, its file name {named}; the "
                  "document's date is used (its timeline gives no date to settle it)")  # fmt: skip


def _date_from_stem(stem: str) -> date | None:
    m = _FILENAME_DATE.search(stem.rsplit("/", 1)[-1])
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
