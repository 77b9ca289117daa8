"""Contributing factors, the 5 whys, and the lessons (went well, went wrong, lucky)."""

from __future__ import annotations

import re

from ingest.read.mdblocks import HEADING, LIST, PARA, Line, Section, clean_inline, label_of, list_items, own_lines, walk
from ingest.understand.causes import statements
from ingest.understand.document import Factor, Lesson, Why
from ingest.understand.rules import Taxonomy

LESSON_SECTIONS = {
    "what_went_well": "went_well",
    "what_worked": "worked",
    "what_went_wrong": "went_wrong",
    "what_didnt_work": "didnt_work",
    "could_be_improved": "could_improve",
    "where_we_got_lucky": "lucky",
    "lessons": "lesson",
}
MAX_TEXT = 1000
_WHY_HEAD = re.compile(
    r"^(?:\*\*|__)?why\s*(?:#\s*)?(\d{1,2})\s*(?:(?:\*\*|__)\s*)?[:.)\-\u2013]\s*(?:(?:\*\*|__)\s*)?(.*)$",
    re.IGNORECASE,
)
_ARROW = re.compile(r"(?:(?<!\s)\s+)?(?:\u2192|->|=>|\u21d2|\u27f6|--?>)\s*")
_WHY_Q = re.compile(r"^(?:\d+[.)]\s*)?(why\b[^?]*\?)\s*(?:(?:because|answer)\s*[:\-]?\s*)?(.*)$", re.IGNORECASE)
_RANK = re.compile(
    r"^(?:primary|secondary|tertiary|root cause(?:\s*\d+)?|cause\s*\d+|\d+)\s*(?:root cause\s*)?:\s*",
    re.IGNORECASE,
)


_JUNK = re.compile(
    r"^(?:no comments? added|n/?a|none|nothing|tbd|tba|-+|\u2014|todo|to do|see (?:also )?(?:the )?\S+(?: for [\w ]+)?\.?|"
    r"\[?link[^\]]*\]?|bulleted|list)\.?$",
    re.IGNORECASE,
)


_JUNK_FIRST = frozenset("ntsl[b-")


def is_placeholder(text: str) -> bool:
    """Template filler and empty answers: 'No comments added', 'N/A', 'See <link>.'"""
    if not text:
        return True
    text = text.strip()
    # every filler starts with one of these letters or marks (an ASCII first letter tells it at once)
    if text[:1].isascii() and text[:1].lower() not in _JUNK_FIRST:
        return False
    return bool(_JUNK.match(text))


def _items(sec: Section, lines: list[Line]) -> list[tuple[int, str]]:
    out = []
    if sec.label and sec.rest:
        out.append((lines[sec.head].no, clean_inline(sec.rest)))
    for item in list_items(own_lines(sec, lines), paragraphs=True):
        text = clean_inline(item.text)
        if text and not is_placeholder(text):
            out.append((item.line.no, text))
    return out


def extract_lessons(root: Section, lines: list[Line]) -> tuple[list[Lesson], bool]:
    """Lessons by kind, and whether a 'What Went Well' section is present."""
    lessons: list[Lesson] = []
    has_went_well = False
    for sec in walk(root):
        kind = LESSON_SECTIONS.get(sec.key or "")
        if kind is None:
            continue
        if sec.key == "what_went_well":
            has_went_well = True
        for no, text in _items(sec, lines):
            if sec.key == "lessons" and label_of(text) is None and len(text) < 3:
                continue
            lessons.append(Lesson(kind, text[:MAX_TEXT], no))
    return lessons, has_went_well


def extract_whys(root: Section, lines: list[Line], whole_document: bool) -> list[Why]:
    """The 5 whys, from 'Why #N: question' headings with Answer/Evidence
    labels, or from 'Why ...? -> answer' list items under a 5 Whys section."""
    whys = _why_headings(lines if whole_document else _five_whys_lines(root, lines))
    if whys:
        return whys
    for sec in walk(root):
        if sec.key != "five_whys":
            continue
        for item in list_items(own_lines(sec, lines)):
            first, text = item.line, clean_inline(item.text)
            parts = _ARROW.split(text, maxsplit=1)
            if len(parts) == 2:
                q, a = parts
            else:
                m = _WHY_Q.match(text)
                if not m:
                    continue
                q, a = m.group(1), m.group(2)
            if q.strip() or a.strip():
                whys.append(Why(len(whys) + 1, q.strip()[:MAX_TEXT], a.strip()[:MAX_TEXT], None, first.no))
        if whys:
            break
    return whys


def _five_whys_lines(root: Section, lines: list[Line]) -> list[Line]:
    out: list[Line] = []
    for sec in walk(root):
        if sec.key == "five_whys":
            out.extend(lines[sec.head : sec.end])
    return out


def _why_headings(lines: list[Line]) -> list[Why]:
    whys: list[Why] = []
    cur: dict | None = None
    for ln in lines:
        if ln.kind not in (HEADING, PARA, LIST):
            continue
        m = _WHY_HEAD.match(ln.content)
        if m:
            if cur:
                whys.append(_why(cur, len(whys) + 1))
            cur = {"q": clean_inline(m.group(2)), "a": [], "e": [], "line": ln.no, "field": "a"}
            continue
        if cur is None:
            continue
        if ln.kind == HEADING:
            whys.append(_why(cur, len(whys) + 1))
            cur = None
            continue
        lab = label_of(ln.content)
        if lab and lab[0].lower() in ("answer", "because", "a"):
            cur["field"] = "a"
            cur["a"].append(lab[1])
        elif lab and lab[0].lower() in ("evidence", "proof", "data"):
            cur["field"] = "e"
            cur["e"].append(lab[1])
        else:
            cur[cur["field"]].append(ln.content)
    if cur:
        whys.append(_why(cur, len(whys) + 1))
    return whys


def _why(cur: dict, level: int) -> Why:
    answer = clean_inline(" ".join(cur["a"]))[:MAX_TEXT]
    evidence = clean_inline(" ".join(cur["e"]))[:MAX_TEXT] or None
    return Why(level, cur["q"][:MAX_TEXT], answer, evidence, cur["line"])


def extract_factors(root: Section, lines: list[Line], whys: list[Why], taxonomy: Taxonomy) -> list[Factor]:
    """Factors from the statements of cause (causes.py), plus the root the 5 whys reached. A statement
    from a cause section is a factor even when no category fits (`uncategorized`); a sentence found
    elsewhere by its wording is one only when a category fits it."""
    factors: list[Factor] = []
    for st in statements(root, lines):
        lab = label_of(st.text)
        if lab is not None and not lab[1]:
            continue  # a bare label like 'Contributing Factors:' with its items below
        text = _RANK.sub("", st.text).strip()
        if len(text) < 4 or is_placeholder(text):
            continue
        if st.how == "cue":  # found by its wording: a factor only when a category fits
            found = taxonomy.assign(text, stated=False)
            factors.extend(Factor(text[:MAX_TEXT], st.section, a.category, st.line, a.why) for a in found)
        else:
            factors.extend(filed(text[:MAX_TEXT], st.section, st.line, taxonomy))
    for sec in walk(root):
        if sec.key in ("root_cause", "root_cause_analysis") and not _items(sec, lines):
            # "### Primary issue: Postgres TOAST OID exhaustion" headings and nothing else.
            for c in sec.children:
                if (
                    c.key is None
                    and not c.label
                    and not _WHY_HEAD.match(c.title)
                    and not c.title.rstrip().endswith("?")
                ):
                    lab = label_of(c.title)
                    text = clean_inline(lab[1] if lab and lab[1] else c.title)
                    factors.extend(filed(text[:MAX_TEXT], "root_cause", lines[c.head].no, taxonomy))
    answered = [w for w in whys if w.answer]
    if answered:
        last = answered[-1]
        factors.extend(filed(last.answer, "five_whys", last.line, taxonomy))
    factors.sort(key=lambda f: f.line or 0)
    return factors


DETECTION_GAP = "monitoring-gap"
_WENT_RIGHT = frozenset({"went_well", "worked", "lucky"})  # lessons that say what held, not what to change


def detection_gap(doc, taxonomy: Taxonomy) -> None:
    """A monitoring gap the document states by its own timeline and answers: the incident was first known
    from a report or a person noticing, with no alert before it (the taxonomy: 'detection came late or
    from customers'), and an action item or lesson is about monitoring. A report first with nothing said
    of monitoring is how the team chose to learn of it, not a gap the document names."""
    ev = doc.evidence.get("detected")
    if DETECTION_GAP not in taxonomy.by_id or ev is None or ev.source != "timeline" or ev.line is None:
        return
    if any(f.category == DETECTION_GAP for f in doc.factors):
        return
    first = next((e for e in doc.timeline if e.line == ev.line), None)
    if first is None or "alert" in first.signals or not first.signals & {"report", "notice"}:
        return
    # An action item about monitoring answers it (its topic is enough); a lesson must say a gap in so many words.
    items = [(a.action, True) for a in doc.action_items]
    lessons = [(x.text, False) for x in doc.lessons if x.kind not in _WENT_RIGHT]
    answer = next((t for t, topic in [*items, *lessons]
                   if any(a.category == DETECTION_GAP for a in taxonomy.assign(t, stated=topic))), None)  # fmt: skip
    if answer is None:
        return
    how = "a report" if "report" in first.signals else "a person noticing"
    why = f'first known from {how}, not from an alert (the timeline); answered by "{_short(answer)}"'
    doc.factors.append(Factor(first.text[:MAX_TEXT], "detection", DETECTION_GAP, first.line, why))


def _short(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "\u2026"


def filed(text: str, section: str, line: int | None, taxonomy: Taxonomy) -> list[Factor]:
    """One factor per category the text states; one uncategorized factor when it states none."""
    found = taxonomy.assign(text)
    if not found:
        return [Factor(text, section, "uncategorized", line)]
    return [Factor(text, section, a.category, line, a.why) for a in found]


__all__ = ["PARA", "detection_gap", "extract_factors", "extract_lessons", "extract_whys", "filed"]
