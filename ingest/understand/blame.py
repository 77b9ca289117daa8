"""The guide's blameless rule, as a scan of a document's sentences."""

from __future__ import annotations

import re
from functools import lru_cache

from ingest.read.mdblocks import FENCE, LIST, PARA, TABLE, Line, clean_inline
from ingest.understand.document import BlameHit
from ingest.understand.prefilter import rule_text
from ingest.understand.rules import GuideRules

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z@\"'(])")
MAX_QUOTE = 300
MAX_LINE = 20_000  # a longer line is read up to here: prose sentences are shorter


@lru_cache(maxsize=8)
def _fewest(words: tuple[str, ...]) -> tuple[str, ...]:
    """The words without those that hold another of them: a text holds one of these exactly when it holds
    one of all the words, with fewer passes over it."""
    return tuple(w for w in words if not any(o != w and o in w for o in words))


def scan(lines: list[Line], guide: GuideRules) -> list[BlameHit]:
    """Blame phrasing about people, one hit per sentence, quoting it. The
    blame patterns are user-written: each search sees one sentence, at most
    RULE_TEXT_LIMIT characters of it, never a whole line or document."""
    if guide.blame_any is None:
        return []
    text = "\n".join(ln.text[:MAX_LINE] for ln in lines if ln.kind in (PARA, LIST, TABLE))
    if guide.blame_words is not None:
        lower = text.lower()  # once: not once per word
        if not any(w in lower for w in _fewest(tuple(guide.blame_words))):
            return []
    hits: list[BlameHit] = []
    for ln in lines:
        if ln.kind not in (PARA, LIST, TABLE) or ln.kind == FENCE:
            continue
        raw = ln.content[:MAX_LINE]
        text = clean_inline(raw) if ln.kind != TABLE else clean_inline(raw.replace("|", " "))
        for sentence in _SENTENCE.split(text):
            m = guide.blame_any.search(rule_text(sentence))
            if m:
                hits.append(BlameHit(ln.no, m.group(0), sentence.strip()[:MAX_QUOTE]))
    return hits
