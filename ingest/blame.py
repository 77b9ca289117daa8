"""The guide's blameless rule, as a scan of a document's sentences."""

from __future__ import annotations

import re

from ingest.document import BlameHit
from ingest.mdblocks import FENCE, LIST, PARA, TABLE, Line, clean_inline
from ingest.rules import GuideRules

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z@\"'(])")
MAX_QUOTE = 300
MAX_LINE = 20_000  # a longer line is read up to here: prose sentences are shorter


def _any_word(lines: list[Line], words: tuple[str, ...]) -> bool:
    """Could any blame pattern match anywhere in the document? (A literal every
    match needs: see ingest/prefilter.py.) Most postmortems: no."""
    text = "\n".join(ln.text for ln in lines if ln.kind in (PARA, LIST, TABLE)).lower()
    return any(w in text for w in words)


def scan(lines: list[Line], guide: GuideRules) -> list[BlameHit]:
    """Blame phrasing about people, one hit per sentence, quoting it."""
    if guide.blame_any is None:
        return []
    if guide.blame_words is not None and not _any_word(lines, guide.blame_words):
        return []
    hits: list[BlameHit] = []
    for ln in lines:
        if ln.kind not in (PARA, LIST, TABLE) or ln.kind == FENCE:
            continue
        raw = ln.content[:MAX_LINE]
        text = clean_inline(raw) if ln.kind != TABLE else clean_inline(raw.replace("|", " "))
        if not guide.blame_any.search(text):
            continue
        for sentence in _SENTENCE.split(text):
            m = guide.blame_any.search(sentence)
            if m:
                hits.append(BlameHit(ln.no, m.group(0), sentence.strip()[:MAX_QUOTE]))
    return hits
