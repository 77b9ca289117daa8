"""Where a postmortem states what contributed: the statements the factor
categories are read from (FORMAT.md Contributing factors, docs/FACTORS.md).

- Cause sections (Contributing Factors, Root Cause(s), Proximate Cause,
  Why did it happen, What went wrong / poorly, Where we got unlucky, Why it
  wasn't caught, ...): every item and paragraph.
- Everywhere else but the timeline, the action items and what went well (the
  summary, what happened, lessons, conclusions, detection, sections of no
  known kind, the text of a PDF export before its first heading): the
  sentences that state a cause ('caused by', 'due to', 'because', 'the root
  cause') or a gap ('no alert', 'was not tested', 'took an hour to notice').
- Lists marked ❌ (what went wrong), wherever they stand.

Each statement keeps its line and the section it came from. Action items
alone are not causes: an item answers a cause the document states elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.read.folded import Folded
from ingest.read.mdblocks import BLANK, FENCE, HEADING, LIST, PARA, RULE, TABLE, Line, Section, clean_inline
from ingest.read.memo import remembered
from ingest.understand.clock import DATE_LED

# section key -> the `section` its statements are recorded with; every item there is a cause
CAUSE_SECTIONS = {
    "proximate_cause": "proximate_cause",
    "contributing_factors": "contributing_factors",
    "root_cause": "root_cause",
    "root_cause_analysis": "root_cause",
    "why_it_happened": "root_cause",
    "root_causes_identified": "root_causes_identified",
    "what_went_wrong": "what_went_wrong",
    "what_didnt_work": "what_went_wrong",
    "where_we_got_unlucky": "what_went_wrong",
    "why_not_caught": "why_not_caught",
}
# Sections whose statements are never causes: what happened when (the timeline), what will be done, what went well.
NOT_CAUSES = frozenset({
    "timeline", "action_items", "fix", "systemic_improvements", "what_went_well", "what_worked", "related_incidents",
    "responders", "metadata", "supporting_data", "five_whys",
})  # fmt: skip

# Sections that tell what happened and why: every sentence may state a cause (it counts only when a category
# fits it); elsewhere only sentences with a cue do.
TELLING = frozenset({"summary", "what_happened", "problem_statement", None})

# A sentence stating a cause, or a gap that let the incident happen or last.
CAUSE_CUE = re.compile(
    r"\b(?:caus(?:e|es|ed|ing)|because|due to|owing to|as a result|result(?:s|ed|ing)? (?:of|from|in)|"
    r"led to|leading to|leads to|lead to|trigger(?:s|ed|ing)?|stem(?:s|med)? from|the reason|reason (?:was|is)|"
    r"responsible for|contribut\w+|the culprit|was the problem|root)\b",
    re.IGNORECASE,
)
GAP_CUE = re.compile(
    r"\b(?:no|not|never|nobody|no one|none|without|lack(?:s|ed|ing)?|missing|insufficient|inadequate|"
    r"didn'?t|did not|wasn'?t|weren'?t|isn'?t|aren'?t|hadn'?t|couldn'?t|don'?t|doesn'?t|unaware|unnoticed|"
    r"slow to|too (?:late|slow|long|small|low|high|many|much|simplistic)|took (?:a while|some time|quite|\d+|an? )|"
    r"should have|could have|would have|failed to|fail(?:s|ed)? to|only one|single|happened to|"
    r"hard to|difficult|unclear|poor(?:ly)?|outdated|stale|expired|misconfigur\w*|mistake|wrong|incorrect(?:ly)?)\b"
    r"|n't\b",
    re.IGNORECASE,
)
# A sentence telling how it ended ('The incident was resolved by reverting the configuration change') names
# the fix, not the cause.
FIX_SENTENCE = re.compile(
    r"\b(?:was|were|is|are|got|been)\s+(?:\w+\s+)?(?:resolved|fixed|mitigated|restored|recovered|remediated|"
    r"addressed|solved|rolled back|reverted)\s+(?:by|with|through|after)\b",
    re.IGNORECASE,
)
_WHY_TITLE = re.compile(r"^\W*why\s*(?:#\s*)?\d{1,2}\b", re.IGNORECASE)  # one \s* per gap: linear
_CROSS = re.compile(r"^\s*(?:\u274c|\u2716|\u2717|\u2718|\u26d4|\U0001f534|:x:)\s*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9*_\"'(\[`])")
MAX_STATEMENT = 1000


@dataclass(frozen=True, slots=True)
class Statement:
    text: str
    line: int
    section: str  # the section it is recorded with: a CAUSE_SECTIONS value, or the section key it stood in
    how: str  # 'section' (a cause section), 'cue' (a sentence stating a cause or gap), 'marked' (a ❌ item)


def statements(root: Section, lines: list[Line]) -> list[Statement]:
    """The cause statements of a document, in document order."""
    out: list[Statement] = []
    for sec, key in _sections(root):
        where = CAUSE_SECTIONS.get(key or "")
        if key == "root_cause_analysis" and any(c.key in CAUSE_SECTIONS for c in sec.children):
            where = None  # the template's container: its labelled parts carry the causes, its intro may state one
        for block in _blocks(sec, lines):
            first = block[0][1]
            marked = _cross(first)
            if where is not None:
                text = _join(block)
                if text:
                    out.append(Statement(text[:MAX_STATEMENT], block[0][0], where, "section"))
            elif marked:
                text = _join(block)
                if text:
                    out.append(Statement(text[:MAX_STATEMENT], block[0][0], "what_went_wrong", "marked"))
            elif key not in NOT_CAUSES:
                every = key in TELLING
                for no, sentence in _sentences(block):
                    if _cued(sentence, every):
                        out.append(Statement(sentence[:MAX_STATEMENT], no, key or "text", "cue"))
    return out


# The cues, searched faster on ASCII text (read/folded.py): the same answers.
_CAUSE_F = Folded(CAUSE_CUE)
_GAP_F = Folded(GAP_CUE)
_FIX_F = Folded(FIX_SENTENCE)


def _cued(sentence: str, every: bool) -> bool:
    """Is the sentence a statement of cause: not one telling how it was fixed (unless it names a cause too),
    and, unless `every` sentence counts, one with a cue of a cause or a gap. The answer for a sentence met
    before is remembered (the same sentences recur across a corpus)."""
    return remembered(_CUED, (sentence, every), lambda: _cued_now(sentence, every))


_CUED: dict[tuple[str, bool], bool] = {}


def _cued_now(sentence: str, every: bool) -> bool:
    """_cued's answer, each cue searched at most once."""
    lower = sentence.lower()
    cause = None
    if _FIX_F.test(sentence, lower):
        cause = _CAUSE_F.test(sentence, lower)
        if not cause:
            return False
    if every:
        return True
    if cause is None:
        cause = _CAUSE_F.test(sentence, lower)
    return cause or _GAP_F.test(sentence, lower)


def _cross(text: str) -> re.Match | None:
    """_CROSS.match(text): its marks are not ASCII but for ':x:', so most texts are told without it."""
    if text.isascii() and ":x:" not in text:
        return None
    return _CROSS.match(text)


def _why_title(title: str) -> bool:
    """Is it a 'Why #2: ...' title (_WHY_TITLE)? An ASCII title without 'why' is not."""
    if title.isascii() and "why" not in title.lower():
        return False
    return _WHY_TITLE.match(title) is not None


def _sections(root: Section):
    """(section, key) for the root and every section below; a section of no
    known kind inherits the key of the nearest known one above it, and a
    dated heading right after a timeline ('## July 22') goes on with it."""
    yield root, root.key
    stack = [(root, root.key)]
    while stack:
        parent, inherited = stack.pop()
        prev = None
        found = []
        for sec in parent.children:
            key = sec.key if sec.key is not None else inherited
            if sec.key is None and prev == "timeline" and DATE_LED.match(sec.title):
                key = "timeline"
            elif _why_title(sec.title):
                key = "five_whys"  # 'Why #2: ...': a step of the chain, a symptom; its last answer is the root
            prev = key
            found.append((sec, key))
        for sec, key in found:
            yield sec, key
        stack.extend(reversed(found))


def _blocks(sec: Section, lines: list[Line]) -> list[list[tuple[int, str]]]:
    """The section's own items and paragraphs (not its children's), each as
    its lines: (line number, text). A label heading's text after the label
    is a block of its own."""
    out: list[list[tuple[int, str]]] = []
    if sec.label and sec.rest:
        out.append([(lines[sec.head].no, sec.rest)])
    cur: list[tuple[int, str]] = []
    fence = False
    i = sec.start
    for head, end in [*((c.head, c.end) for c in sec.children), (sec.end, sec.end)]:
        for ln in lines[i:head]:
            k = ln.kind
            if k == FENCE:
                if cur:
                    out.append(cur)
                    cur = []
                fence = not fence
            elif fence or k in _BREAKS or (k == PARA and ln.content.startswith(">")):
                # a plain line's content is its text without the indent; a list item's text starts with its mark
                if cur:
                    out.append(cur)
                    cur = []
            elif k == LIST:
                if cur:
                    out.append(cur)
                cur = [(ln.no, ln.content)]
            elif k == PARA:
                cur.append((ln.no, ln.content))
        if cur:
            out.append(cur)
            cur = []
        i = max(i, end)
    return out


_BREAKS = frozenset({BLANK, RULE, TABLE, HEADING})  # lines that end a block


def _join(block: list[tuple[int, str]]) -> str:
    text = " ".join(t for _, t in block)
    return clean_inline(_CROSS.sub("", text) if _cross(text) else text)


def _sentences(block: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The block's sentences, each with the line it starts on."""
    text, starts = "", []
    for no, t in block:
        if text:
            text += " "
        starts.append((len(text), no))
        text += t
    out = []
    one = starts[0][1] if len(starts) == 1 else None  # one line: every sentence starts on it
    for at, part in _sentence_parts(text):
        no = one if one is not None else next((n for off, n in reversed(starts) if off <= at), block[0][0])
        s = clean_inline(part)
        if len(s) >= 12:
            out.append((no, s))
    return out


# _SENTENCE's cuts, found from the mark that ends a sentence (the search skips to the next '.', '!' or '?'
# instead of trying the look-behind at every character): the white space after the mark is the cut.
_SENTENCE_END = re.compile(r"[.!?](\s+)(?=[A-Z0-9*_\"'(\[`])")


def _sentence_parts(text: str) -> list[tuple[int, str]]:
    """_SENTENCE.split(text), each part with where it starts."""
    out = []
    at = 0
    for m in _SENTENCE_END.finditer(text):
        cut, end = m.span(1)
        out.append((at, text[at:cut]))
        at = end
    out.append((at, text[at:]))
    return out


__all__ = ["CAUSE_SECTIONS", "Statement", "statements"]
