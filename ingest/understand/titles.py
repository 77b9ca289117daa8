"""What a Markdown document is (standard, quick, 5 whys, not a postmortem) and its title."""

from __future__ import annotations

import contextlib
import re
from datetime import date

from ingest.read.mdblocks import BLANK, HEADING, PARA, Line, Section, clean_inline, label_of
from ingest.read.sections import section_key
from ingest.understand.timeparse import DATE_RE, TIME_RE, BadValue, date_from_match

_SEP = r"\s*[:\-\u2013\u2014]\s*"
TITLE_KINDS = [
    (re.compile(rf"^quick\s+post[- ]?mortem{_SEP}(.*)$", re.I), "quick"),
    (re.compile(rf"^(?:5|five)\s+whys?(?:\s+analysis)?{_SEP}(.*)$", re.I), "five_whys"),
    (re.compile(rf"^(?:incident\s+)?post[- ]?mortem(?:\s+report)?(?:{_SEP}|\s+(?:of|for|on)\s+)(.*)$", re.I), "standard"),
    (re.compile(rf"^(?:incident\s+(?:report|review|retrospective|analysis)|post[- ]incident\s+(?:review|report)|pir|retrospective|rca)(?:{_SEP}|\s+)(.*)$", re.I), "standard"),
]  # fmt: skip
# A title that says what the document is about, anywhere in it.
TITLE_SAYS_INCIDENT = re.compile(r"\bpost[- ]?mortem\b|\bincident\b|\boutage\b|\bdowntime\b|\bdegradation\b", re.I)
QUICK_HEADER = re.compile(r"date\s*(?:\*\*|__)?\s*:.*\|.*duration.*\|.*severity", re.I)
PLACEHOLDER = re.compile(
    r"\[(?:incident|brief|title|date|service|name)[^\]]*\]|\{\{|<[a-z ]*(?:title|name|date)[a-z ]*>|\bYYYY-MM-DD\b",
    re.I,
)
_LEADING_DATE = re.compile(r"^\s*(?:" + DATE_RE.pattern + r")\s*[:,\-\u2013\u2014|]?\s*", re.I)
_LEADING_TIME = re.compile(r"^\s*" + TIME_RE.pattern + r"\s*(?:[A-Z]{2,5}\b)?\s*[:,\-\u2013\u2014|]?\s*", re.I)
_LEADING_LABEL = re.compile(r"^\s*(?:incident\s+date|date|incident)\s*:\s*", re.I)
POSTMORTEM_KEYS = frozenset({
    "timeline", "root_cause", "root_cause_analysis", "why_it_happened", "contributing_factors",
    "proximate_cause", "five_whys", "root_causes_identified", "action_items", "fix", "what_went_well",
    "what_went_wrong", "where_we_got_lucky", "lessons", "impact", "detection", "resolution",
    "systemic_improvements", "what_happened",
})  # fmt: skip
FM_POSTMORTEM_KEYS = frozenset({"id", "severity", "incident", "started_at", "detected_at", "resolved_at", "title"})


def clean_title(raw: str) -> tuple[str, date | None]:
    """'2021-06-03: Database Full' -> ('Database Full', 2021-06-03); also drops a
    leading time ('4:23PM PST, OOM Proxy') and labels ('incident date: ...')."""
    title, found = raw.strip(), None
    for _ in range(3):
        before = title
        title = _LEADING_LABEL.sub("", title)
        m = _LEADING_DATE.match(title)
        if m and m.end() < len(title):
            if found is None:
                with contextlib.suppress(BadValue):
                    found = date_from_match(m)
            title = title[m.end() :]
        m = _LEADING_TIME.match(title)
        if m and m.end() < len(title):
            title = title[m.end() :]
        title = title.strip(" :-,|\u2013\u2014")
        if title == before:
            break
    return title or raw.strip(), found


def kind_and_title(
    lines: list[Line], secs: list[Section], fm: dict, consumed: set[int]
) -> tuple[str | None, str | None]:
    """(kind, title) of a Markdown document; kind None when it is not a postmortem."""
    h1 = next((ln for ln in lines[:60] if ln.kind == HEADING and ln.level == 1 and ln.content), None)
    title_kind, title = None, None
    if h1 is not None:
        raw_title = _h1_title(lines, h1)
        for pattern, kind in TITLE_KINDS:
            m = pattern.match(raw_title)
            if m:
                title_kind, title = kind, m.group(1).strip() or None
                break
        else:
            if section_key(raw_title) is None:
                title = raw_title
    if title is None:
        title = _standalone_title(lines, secs, consumed)
    keys = {s.key for s in secs if s.key}
    pm_keys = keys & POSTMORTEM_KEYS
    if title_kind is None:
        if any(QUICK_HEADER.search(ln.content) for ln in lines[:30] if ln.kind == PARA):
            title_kind = "quick"
        elif (
            FM_POSTMORTEM_KEYS & set(fm)
            or len(pm_keys) >= 2
            or "timeline" in pm_keys
            or (title and TITLE_SAYS_INCIDENT.search(title) and keys)
            or _opening_tells_an_outage(lines, secs)
        ):
            title_kind = "standard"
    return title_kind, title


_EMPTY_TITLE_LABEL = re.compile(r"^\s*title\s*:?\s*$", re.I)


def _h1_title(lines: list[Line], h1: Line) -> str:
    """The title an H1 carries: '# Title: X' is X. An empty '# Title:' is a
    template's label the author wrote under, not the title: the title is the
    next line's (a heading of any level, or a line of text)."""
    raw = clean_inline(h1.content)
    lab = label_of(raw)
    if lab and lab[0].lower() == "title" and lab[1]:
        return lab[1]
    if not _EMPTY_TITLE_LABEL.match(raw):
        return raw
    nxt = next((ln for ln in lines if ln.no > h1.no and ln.kind != BLANK), None)
    if nxt is not None and nxt.kind in (HEADING, PARA) and clean_inline(nxt.content).strip():
        return clean_inline(nxt.content).strip()
    return raw


_OUTAGE_WORDS = re.compile(r"\bpost[- ]?mortem\b|\boutage\b|\bincident\b|\bwent down\b|\bwas down\b|\bdowntime\b", re.I)
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}\b")


def _opening_tells_an_outage(lines: list[Line], secs: list[Section]) -> bool:
    """A note without a title or the usual sections whose opening says there
    was an outage, and when ('On 28th February, flags went down for about 3
    hours, from 15:30 to 18:10 UTC'): a postmortem all the same."""
    stop = min((s.head for s in secs), default=len(lines))
    paras = [ln.content for ln in lines[: min(stop, 40)] if ln.kind == PARA][:15]
    return any(_OUTAGE_WORDS.search(p) for p in paras) and any(
        _CLOCK.search(p) and (_OUTAGE_WORDS.search(p) or re.search(r"\b(from|between)\b", p, re.I)) for p in paras
    )


def _standalone_title(lines: list[Line], secs: list[Section], consumed: set[int]) -> str | None:
    """Text without a H1 (exported from PDF): the first short line of its own
    before the first section that is not a header field or a zone note."""
    stop = min((s.head for s in secs if s.key), default=len(lines))
    for ln in lines[: min(stop, 40)]:
        if ln.kind != PARA or ln.no in consumed:
            continue
        t = clean_inline(ln.content)
        if not (6 <= len(t) <= 120) or t.endswith((".", ":", ",")) or t.startswith(("*", "(")):
            continue
        if re.search(r"\ball times\b|\btime zone\b", t, re.I) or label_of(t):
            continue
        if t.upper() == t:  # PDF export field names: IMPACT TIME, DURATION
            continue
        return t
    return None
