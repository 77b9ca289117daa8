"""Filing a statement of cause under the taxonomy's categories, by what it
says (data/taxonomy.yaml, docs/FACTORS.md).

A statement is read clause by clause. Clauses that say what was *not* the
cause ('the rate limiter worked as intended', 'ruled out the network') and
names of the incident itself ('the rate-limiting incident') are set aside.
What is left is compared with each category in two ways:

- its **patterns**: phrases that state that kind of cause, each with a
  weight (1 by default; a weak word such as 'manual' weighs less, and needs
  another to count);
- its **examples**: sentences users and the taxonomy give, compared word by
  word (stemmed, rare words weighing more); a statement close enough to an
  example is that category even when no pattern names it.

A statement may carry more than one category when it states more than one
cause. A labelled item ('Customer comms: never made a status page update')
is about its label: when the label names a category, the rest of the item
only explains it. Every assignment says why: the words that matched, or the
example it is like.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

from ingest.read.folded import Folded
from ingest.read.mdblocks import label_of
from ingest.read.memo import remembered
from ingest.understand.prefilter import LiteralIndex, Matcher, folded, rule_text

MIN_PATTERN_SCORE = 1.0  # patterns' weights a category needs in a sentence found by its wording
MIN_IN_SECTION = 0.5  # ... in a statement from a cause section, which says it is a cause: its topic is enough
MIN_SIMILARITY = 0.5  # cosine with an example a category needs without a pattern
MIN_SHARED = 2  # words a statement shares with the example it is like
KEEP_SHARE = 0.5  # a second category needs this share of the best one's score
MAX_CATEGORIES = 3

# A clause that says what was not the cause, or that something behaved as it should.
_NOT_A_CAUSE = re.compile(
    r"\b(?:not|n't|never)\s+(?:\w+\s+){0,2}(?:the\s+)?(?:cause|culprit|reason|root cause|related|a factor|"
    r"responsible|the problem|the issue)\b|\bruled out\b|\bunrelated\b|"
    r"\b(?:worked|behaved|performed|functioned|acted)\s+(?:as|like)\s+(?:expected|intended|designed)\b|"
    r"\bas (?:intended|designed)\b",
    re.IGNORECASE,
)
# This incident named by what it was about: 'for the rate-limiting incident', 'during this DNS outage'.
_INCIDENT_NAME = re.compile(
    r"\b(?:for|during|after|before|since|in|of|from|about)\s+(?:the|this|that|our)\s+(?:[\w\-/]+\s+){0,3}?"
    r"(?:incident|outage|post-?mortem)s?\b",
    re.IGNORECASE,
)
# White space is taken from where its run begins: a long run of spaces is
# not rescanned from each of its characters (quadratic).
_CLAUSE = re.compile(
    r"(?:(?<!\s)\s+)?[;,]\s+|(?<!\s)\s+(?:but|however|although|though|whereas)\s+|\.\s+", re.IGNORECASE
)
_DASH_HEAD = re.compile(r"^(.{3,60}?)\s+[\u2013\u2014-]\s+(\S.*)$")
_WORD = re.compile(r"[a-z][a-z0-9']+")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "by",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "we",
        "our",
        "us",
        "they",
        "their",
        "them",
        "he",
        "she",
        "his",
        "her",
        "i",
        "you",
        "your",
        "which",
        "who",
        "whom",
        "what",
        "when",
        "where",
        "how",
        "than",
        "then",
        "there",
        "here",
        "so",
        "such",
        "into",
        "onto",
        "over",
        "under",
        "about",
        "after",
        "before",
        "during",
        "while",
        "also",
        "just",
        "only",
        "very",
        "more",
        "most",
        "some",
        "any",
        "all",
        "each",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "do",
        "does",
        "did",
        "done",
        "has",
        "have",
        "had",
        "having",
        "not",
        "no",
        "nor",
        "but",
        "if",
        "because",
        "due",
        "s",
        "t",
    ]
)
_STEM = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return _STEM.stemWord(word)


def terms(text: str) -> list[str]:
    """The stemmed words of a text that carry meaning."""
    return [_stem(w.strip("'")) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


@dataclass(frozen=True, slots=True)
class Assignment:
    category: str
    why: str  # the words that matched, or the example it is like
    score: float


@dataclass(frozen=True, slots=True)
class Rule:
    pattern: re.Pattern
    weight: float


class Categorizer:
    """The categories' patterns and examples, ready to file statements."""

    def __init__(self, categories: list[tuple[str, list[Rule], list[str]]]) -> None:
        # every rule in one list, with a pre-check of the literals a match needs (prefilter.py): most statements
        # hold the words of few patterns, and only those are searched
        self.rules = [(cid, r) for cid, rules, _ in categories for r in rules]
        self.matcher = Matcher([r.pattern for _, r in self.rules])
        self.literals = LiteralIndex([self.matcher])
        docs = [(cid, ex) for cid, _, examples in categories for ex in examples]
        df: Counter[str] = Counter()
        bags = []
        for _, ex in docs:
            bag = Counter(terms(ex))
            bags.append(bag)
            df.update(bag.keys())
        n = max(len(docs), 1)
        self.idf = {t: math.log((n + 1) / (c + 1)) + 1.0 for t, c in df.items()}
        self.default_idf = math.log(n + 1) + 1.0
        self.examples = [(cid, ex, self._vector(bag)) for (cid, ex), bag in zip(docs, bags, strict=True)]
        self.by_term: dict[str, list[tuple[int, float]]] = {}  # term -> (example, its weight there)
        for i, (_, _, vec) in enumerate(self.examples):
            for t, w in vec.items():
                self.by_term.setdefault(t, []).append((i, w))
        self._cache: dict[tuple[str, bool], tuple[Assignment, ...]] = {}
        self._head_hits: dict[str, list[tuple[str, float, str]]] = {}

    def _vector(self, bag: Counter) -> dict[str, float]:
        idf, default, log = self.idf.get, self.default_idf, math.log
        vec = {t: (1 + log(c)) * idf(t, default) for t, c in bag.items()}
        norm = math.sqrt(sum([v * v for v in vec.values()])) or 1.0  # the same sum, in the same order
        return {t: v / norm for t, v in vec.items()}

    def assign(self, text: str, stated: bool = True) -> tuple[Assignment, ...]:
        """The categories a statement states, best first; () when none fits. `stated`: the statement
        stands where the document lists causes (a cause section), so naming a topic is enough; else
        (a sentence found by its wording elsewhere) the patterns must say more."""
        needed = MIN_IN_SECTION if stated else MIN_PATTERN_SCORE
        return remembered(self._cache, (text, stated), lambda: self._assign(text, needed))

    def _assign(self, text: str, needed: float) -> tuple[Assignment, ...]:
        head, body = _split_head(text)
        scores: dict[str, float] = {}
        strong: set[str] = set()
        heaviest: dict[str, float] = {}
        why: dict[str, str] = {}
        head_hits: set[str] = set()
        whole = _kept(text)
        for part, is_head in ((head, True), (body, False)):
            if not part:
                continue
            if is_head:  # labels recur ('Date', 'Long-term'): what their rules find is remembered
                hits = remembered(self._head_hits, part, lambda p=part: self._hits(_kept(p)))
            else:
                hits = self._hits(whole if part is text else _kept(part))
            for cid, weight, matched in hits:
                scores[cid] = scores.get(cid, 0.0) + weight
                if weight > heaviest.get(cid, 0.0):  # why: the words of the weightiest match
                    heaviest[cid] = weight
                    why[cid] = matched
                if weight >= 1:
                    strong.add(cid)
                if is_head:
                    head_hits.add(cid)
        # Outside a cause section, weak words (a topic: 'alert', 'rollback') count only beside a phrase that
        # states the cause: a summary mentioning an alert is not blaming monitoring.
        found = {c: s for c, s in scores.items() if s >= needed and (needed <= MIN_IN_SECTION or c in strong)}
        sim_cat, sim, example = self._closest(whole)
        if sim_cat is not None and sim >= MIN_SIMILARITY:
            found[sim_cat] = found.get(sim_cat, 0.0) + 2 * sim
            if sim_cat not in why or scores.get(sim_cat, 0.0) < needed:
                why[sim_cat] = f'like "{example}"'
        if head_hits & found.keys():
            found = {c: s for c, s in found.items() if c in head_hits}  # the item is about what its label says
        if not found:
            return ()
        best = max(found.values())
        ranked = sorted(found.items(), key=lambda kv: -kv[1])
        return tuple(Assignment(c, why[c], round(s, 3)) for c, s in ranked[:MAX_CATEGORIES] if s >= KEEP_SHARE * best)

    def _hits(self, kept: str) -> list[tuple[str, float, str]]:
        """(category, weight, the words matched) of each rule whose pattern occurs in `kept`, in rule order.
        Only the rules whose literals the text holds are searched (prefilter.py), each by its case-sensitive
        twin on the lower-cased text when the text is ASCII."""
        bounded = rule_text(kept)  # a user-written pattern searches a bounded text
        lower = kept.lower()
        ascii_text = bounded.isascii()
        twins = self.matcher.twins
        out = []
        for i in self.matcher.candidates(self.literals.present(kept, lower)):
            cid, r = self.rules[i]
            if ascii_text and twins[i] is not None:
                m = twins[i].search(lower, 0, len(bounded))
                m = m and r.pattern.match(bounded, m.start())
            else:
                m = r.pattern.search(bounded)
            if m:
                out.append((cid, r.weight, m.group(0).strip()))
        return out

    def _closest(self, text: str) -> tuple[str | None, float, str]:
        """The category of the example most like the text, the cosine, the example."""
        bag = Counter(terms(text))
        if not bag or not self.examples:
            return None, 0.0, ""
        vec = self._vector(bag)
        dots: dict[int, float] = {}
        by_term, get = self.by_term.get, dots.get
        for t, w in vec.items():
            for i, x in by_term(t, ()):
                dots[i] = get(i, 0.0) + w * x
        if not dots:
            return None, 0.0, ""
        i = max(dots, key=dots.__getitem__)
        if len(vec.keys() & self.examples[i][2].keys()) < MIN_SHARED:
            return None, 0.0, ""  # one word in common is not a likeness
        return self.examples[i][0], dots[i], self.examples[i][1]


def _split_head(text: str) -> tuple[str, str]:
    """('label', 'rest') for a labelled item ('Label: rest', 'Label - rest'), else ('', text)."""
    lab = label_of(text)
    if lab is not None and lab[1] and len(lab[0]) <= 60:
        return lab[0], lab[1]
    m = _DASH_HEAD.match(text)
    if m:
        return m.group(1), m.group(2)
    return "", text


# The second form starts only where a run of non-space begins: from inside
# the run it would rescan it to its end at each character (quadratic).
_URL = re.compile(r"\b(?:https?://|www\.)\S+|(?<!\S)\S+\.(?:com|org|net|io|cloud)/\S*", re.IGNORECASE)


def _kept(text: str) -> str:
    """The text without links, without the clauses that say what was not the cause, and without names of
    the incident."""
    text = _URL_F.sub(" ", text)
    clauses = _CLAUSE_F.split(text)
    # A clause is cut at white space or a mark, where a word ends: a clause saying what was not the cause is
    # a match in the whole text too, so a text without one has no such clause.
    if _NOT_A_CAUSE_F.test(text):
        kept = " ; ".join(c for c in clauses if c and not _NOT_A_CAUSE_F.test(c))
    else:
        kept = " ; ".join(c for c in clauses if c)
    return _INCIDENT_NAME_F.sub(" ", kept)


# The same patterns, searched faster on ASCII text (read/folded.py, prefilter.folded).
_URL_F = folded(_URL)
# _CLAUSE for lower-case ASCII text, written so that the search skips to the characters a cut starts with:
# each of _CLAUSE's forms starts with white space, ';', ',' or '.'. The forms led by '(?<!\s)\s+' start at
# the first space of a run (checked after it: the two characters before the next one are not both white
# space), then take the rest of the run and the mark or word; '[;,]\s+' and '\.\s+' are as written. The
# same cuts at the same places, several times faster.
_CLAUSE_F = Folded(
    _CLAUSE,
    twin=re.compile(
        r"[\s;,.](?:(?<=\s)(?<!\s\s)\s*(?:[;,]|but|however|although|though|whereas)\s+|(?<=[;,])\s+|(?<=\.)\s+)"
    ),
)
_NOT_A_CAUSE_F = Folded(_NOT_A_CAUSE)  # its literals are common words: searching is cheaper
_INCIDENT_NAME_F = folded(_INCIDENT_NAME)


__all__ = ["Assignment", "Categorizer", "Rule", "terms"]
