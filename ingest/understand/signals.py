"""What a timeline event says: its signals (data/timeline_rules.yaml), read
sentence by sentence.

An event is rarely one thing. "Binder outage is reported on Gitter,
investigation is started. ... The hub pod is restarted, and launches quickly
return back to 100%" is a report, a response, a fix and a recovery at once;
the milestones are decided later from the signals of the whole timeline
(ingest/understand/milestones.py). What only Python knows is kept here: how
text is cut into sentences, who the subject of a report or a noticing is,
and in what state an event leaves the service (recovered, or still failing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ingest.read.memo import remembered
from ingest.understand.prefilter import LiteralIndex, Matcher
from ingest.understand.rulefiles import KINDS, RulesError, load_yaml, pattern_rules

SIGNALS = (
    "start", "onset", "change", "alert", "report", "notice", "ack", "declare", "respond",
    "fix", "rollback", "mitigate", "recover", "end", "close", "relapse",
)  # fmt: skip
# Rules written for the earlier, one-kind-per-event file keep working: a kind names a signal.
KIND_SIGNAL = {"start": "start", "detect": "notice", "acknowledge": "ack", "declare": "declare",
               "mitigate": "recover", "resolve": "close"}  # fmt: skip
DEFAULT_SETTINGS = {"change_start_minutes": 30.0, "episode_gap_hours": 24.0}

# Each form starts where a run of white space begins: from inside the run it
# would rescan it at each character (quadratic on a long run of spaces).
_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=[^\s.])|(?<!\s)\s+\|\s+|(?<!\s)\s+[\u2013\u2014]\s+|(?<!\s)\s+-\s+(?=[A-Z@])")
# Who the sentence is about, for reports and noticings: people outside the
# responders report; responders notice. Words are matched in the part of the
# sentence before the verb.
_OUTSIDER = re.compile(
    r"\b(users?|customers?|clients?|community|communities|members?|people|someone|somebody|students?|"
    r"researchers?|partners?|others|support|admins?|contact|representatives?|rep|tenants?|reporters?|"
    r"visitors?|the public)\b",
    re.IGNORECASE,
)
_RESPONDER = re.compile(
    r"^\W*(we|i|our|us|the team|team|engineers?|the engineer|on-?call(er)?s?|oncall|sres?|ops|operators?|"
    r"responders?|tech lead|maintainers?|staff|developers?|devs?)\b",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"\u201c[^\u201d]{15,}\u201d|\"[^\"]{40,}\"")
MAX_SENTENCES = 40


@dataclass(frozen=True, slots=True)
class Reading:
    """What one event's text says."""

    signals: frozenset[str]
    phrases: tuple[tuple[str, str], ...] = ()  # (signal, the words that gave it), first per signal
    state: str | None = None  # 'recovered' or 'failing': the last word of the text on the service's state
    tag: str | None = None  # a kind named outright: [detected], (mitigated)

    def phrase(self, signal: str) -> str:
        return next((p for s, p in self.phrases if s == signal), "")


EMPTY = Reading(frozenset())


def sentences(text: str) -> list[str]:
    """Sentences of an event's text (also cut at ' | ' and ' - Capital')."""
    parts = [p.strip() for p in _SENTENCE.split(text)]
    return [p for p in parts if p][:MAX_SENTENCES]


@dataclass
class TimelineRules:
    tags: dict[str, str]  # tag word -> kind
    rules: list[tuple[str, Matcher, Matcher]]  # (signal, patterns, unless)
    tag_re: re.Pattern
    settings: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SETTINGS))
    _cache: dict[str, Reading] = field(default_factory=dict, repr=False)
    _index: LiteralIndex | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._index = LiteralIndex([m for _, pats, unless in self.rules for m in (pats, unless)])

    def read(self, text: str) -> Reading:
        """The signals of an event's text. Memoised: the same sentences recur
        across a corpus. Long quotations (an advisory pasted into the
        timeline) are not read."""
        return remembered(self._cache, text, lambda: self._read(text))

    def _read(self, text: str) -> Reading:
        tag = None
        if "[" in text or "(" in text:
            m = self.tag_re.search(text)
            if m:
                tag = self.tags[m.group(1).lower()]
        found: dict[str, str] = {}
        state = None
        for sentence in sentences(_QUOTED.sub(" ", text)):
            got = self._sentence(sentence)
            for sig, phrase in got.items():
                found.setdefault(sig, phrase)
            # The service's state after the event is what its last state-bearing sentence says.
            ok = [got[k] for k in ("recover", "end", "mitigate", "close") if k in got]
            if "relapse" in got and not ok:
                state = "failing"
            elif ok and "relapse" not in got:
                state = "recovered"
            elif "relapse" in got:
                state = "failing" if _later(sentence, got["relapse"], ok[0]) else "recovered"
        return Reading(frozenset(found), tuple(found.items()), state, tag)

    def _sentence(self, sentence: str) -> dict[str, str]:
        present = self._index.present(sentence)
        got: dict[str, str] = {}
        for sig, pats, unless in self.rules:
            if sig in got:
                continue
            m = pats.search(sentence, present)
            if m is None:
                continue
            # 'unless' is read around the match: 'back to normal, though no actual fixes were applied'
            # is a recovery; the negation belongs to the fixes.
            if unless:
                lo, hi = _context(sentence, m)
                if unless.search(sentence[lo:hi]):
                    continue
            got[sig] = m.group(0).strip() or sig
        if "notice" in got and _outsider_subject(sentence, got["notice"]):
            got.setdefault("report", got.pop("notice"))
        if "respond" in got and _outsider_subject(sentence, got["respond"]):
            del got["respond"]  # 'User tries to spawn a server', 'Community responds via the ticket'
        if "report" in got and _RESPONDER.match(sentence):
            got.setdefault("notice", got.pop("report"))
        return got

    def classify(self, text: str) -> tuple[str, str]:
        """(kind, 'tag' | 'rule' | 'none'): the one kind an event shows before
        the whole timeline is weighed (milestones.py may still change it)."""
        r = self.read(text)
        if r.tag:
            return r.tag, "tag"
        kind = primary_kind(r.signals)
        return kind, ("rule" if kind != "other" else "none")


def primary_kind(signals: frozenset[str]) -> str:
    """The kind an event shows on its own, strongest meaning first."""
    s = signals
    if "close" in s:
        return "resolve"
    if "recover" in s and "relapse" not in s:
        return "mitigate"
    if "start" in s or "onset" in s:
        return "start"
    if s & {"alert", "report", "notice"}:
        return "detect"
    if "ack" in s:
        return "acknowledge"
    if "declare" in s:
        return "declare"
    return "other"


def _context(sentence: str, m: re.Match) -> tuple[int, int]:
    """Where a match's 'unless' patterns are tried: from the start of its clause
    (at most 80 characters back) to 40 characters after it."""
    lo = max(0, m.start() - 80)
    cut = max(sentence.rfind(", though", lo, m.start()), sentence.rfind(", but", lo, m.start()))
    hi = min(len(sentence), m.end() + 40)
    after = [i for i in (sentence.find(", though", m.end(), hi), sentence.find(", but", m.end(), hi)) if i >= 0]
    return (cut + 1 if cut >= 0 else lo), (min(after) if after else hi)


def _later(sentence: str, a: str, b: str) -> bool:
    """Does phrase `a` come after phrase `b` in the sentence?"""
    return sentence.find(a) > sentence.find(b)


def _outsider_subject(sentence: str, phrase: str) -> bool:
    """'Federation members notice a drop', 'Support engineer notices two
    customer reports': the noticing was done outside the responders."""
    at = sentence.find(phrase)
    before = sentence[: at if at >= 0 else 0]
    if _RESPONDER.match(sentence):
        return False
    return bool(_OUTSIDER.search(before[-200:]))


def load_timeline_rules(path: Path) -> TimelineRules:
    doc = load_yaml(path)
    tags: dict[str, str] = {}
    raw_tags = doc.get("tags") or {}
    if not isinstance(raw_tags, dict):
        raise RulesError(f"{path}: 'tags' must map a kind to a list of words")
    for kind, words in raw_tags.items():
        if kind not in KINDS:
            raise RulesError(f"{path}: tags: unknown kind {kind!r} (kinds: {', '.join(KINDS)})")
        if not isinstance(words, list):
            raise RulesError(f"{path}: tags.{kind}: expected a list of words")
        for w in words:
            tags[str(w).lower()] = kind
    raw_rules = doc.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RulesError(f"{path}: 'rules' must be a non-empty list")
    raw_rules = [_signal_rule(r) for r in raw_rules]
    rules = [(sig, Matcher(p), Matcher(u)) for sig, p, u in pattern_rules(path, raw_rules, "signal", list(SIGNALS))]
    settings = dict(DEFAULT_SETTINGS)
    raw_settings = doc.get("settings") or {}
    if not isinstance(raw_settings, dict):
        raise RulesError(f"{path}: 'settings' must be a mapping")
    for key, value in raw_settings.items():
        if key not in DEFAULT_SETTINGS:
            raise RulesError(f"{path}: settings: unknown setting {key!r} (known: {', '.join(DEFAULT_SETTINGS)})")
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise RulesError(f"{path}: settings.{key}: expected a number of zero or more")
        settings[key] = float(value)
    words = sorted(tags, key=len, reverse=True)
    tag_re = re.compile(r"[\[(]\s*(" + "|".join(re.escape(w) for w in words) + r")\s*[\])]", re.IGNORECASE)
    if not words:
        tag_re = re.compile(r"(?!x)x")
    return TimelineRules(tags, rules, tag_re, settings)


def _signal_rule(rule):
    """A rule of the earlier format (`kind: detect`) reads as the signal that kind means."""
    if isinstance(rule, dict) and "signal" not in rule and rule.get("kind") in KIND_SIGNAL:
        return {**rule, "signal": KIND_SIGNAL[rule["kind"]]}
    return rule
