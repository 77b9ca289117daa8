"""The rule files in data/: loaded once, validated, compiled.

Users edit these files; a mistake in one must give a message that names the
file, the entry and what is wrong, before any document is read.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from ingest.read.memo import remembered
from ingest.understand.categorize import Assignment, Categorizer, Rule
from ingest.understand.corrections import Corrections
from ingest.understand.prefilter import required_literals, rule_text
from ingest.understand.rulefiles import DATA_DIR, HEADLINE_DURATIONS, MILESTONES, RulesError
from ingest.understand.rulefiles import ID_RE as _ID
from ingest.understand.rulefiles import compile_patterns as _compile
from ingest.understand.rulefiles import load_yaml as _load_yaml
from ingest.understand.rulefiles import pattern_rules as _pattern_rules
from ingest.understand.signals import TimelineRules, load_timeline_rules


@dataclass
class Category:
    id: str
    label: str
    description: str
    patterns: list[re.Pattern]
    weights: list[float] = field(default_factory=list)  # one per pattern
    examples: list[str] = field(default_factory=list)


@dataclass
class Taxonomy:
    categories: list[Category]
    by_id: dict[str, Category] = field(default_factory=dict)
    categorizer: Categorizer | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.by_id = {c.id: c for c in self.categories}
        self.categorizer = Categorizer([
            (c.id, [Rule(p, w) for p, w in zip(c.patterns, c.weights or [1.0] * len(c.patterns), strict=True)],
             [c.description, *c.examples] if c.id != "uncategorized" else [])
            for c in self.categories
        ])  # fmt: skip

    def assign(self, text: str, stated: bool = True) -> tuple[Assignment, ...]:
        """The categories a statement of cause states, best first, each with why (categorize.py).
        `stated`: it stands in a cause section (a topic is enough); else its wording must say more."""
        return self.categorizer.assign(text, stated)

    def categorize(self, text: str) -> str:
        """The best category of a text, else 'uncategorized'."""
        found = self.categorizer.assign(text)
        return found[0].category if found else "uncategorized"


def load_taxonomy(path: Path) -> Taxonomy:
    doc = _load_yaml(path)
    raw = doc.get("categories")
    if not isinstance(raw, list) or not raw:
        raise RulesError(f"{path}: 'categories' must be a non-empty list")
    cats: list[Category] = []
    seen: set[str] = set()
    for n, c in enumerate(raw, 1):
        if not isinstance(c, dict) or not isinstance(c.get("id"), str) or not _ID.match(c["id"]):
            raise RulesError(f"{path}: category {n}: needs an 'id' of lower-case letters, digits and '-'")
        cid = c["id"]
        if cid in seen:
            raise RulesError(f"{path}: category {cid!r} is listed twice")
        seen.add(cid)
        pats, weights = _weighted_patterns(path, f"category {cid}", c.get("patterns"))
        examples = c.get("examples") or []
        if not isinstance(examples, list) or not all(isinstance(x, str) and x.strip() for x in examples):
            raise RulesError(f"{path}: category {cid}: 'examples' must be a list of sentences")
        if cid == "uncategorized" and (pats or examples):
            raise RulesError(f"{path}: 'uncategorized' must have no patterns and no examples")
        cats.append(Category(cid, str(c.get("label") or cid), str(c.get("description") or ""), pats,
                             weights, [x.strip() for x in examples]))  # fmt: skip
    if "uncategorized" not in seen:
        raise RulesError(f"{path}: the 'uncategorized' category must be listed")
    return Taxonomy(cats)


def _weighted_patterns(path: Path, where: str, raw) -> tuple[list[re.Pattern], list[float]]:
    """A category's patterns: each a regular expression, or {pattern: ..., weight: ...} (weight 1 when not
    given; a weak word weighs less than 1 and needs another to count)."""
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        raise RulesError(f"{path}: {where}: patterns must be a list")
    texts, weights = [], []
    for p in raw:
        if isinstance(p, dict):
            text, weight = p.get("pattern"), p.get("weight", 1)
            if not isinstance(text, str) or isinstance(weight, bool) or not isinstance(weight, (int, float)):
                raise RulesError(f"{path}: {where}: a weighted pattern needs 'pattern' (text) and 'weight' (a number)")
            if not 0 < weight <= 10:
                raise RulesError(f"{path}: {where}: weight {weight} of {text!r} must be above 0 and at most 10")
        else:
            text, weight = p, 1
        texts.append(text)
        weights.append(float(weight))
    return _compile(path, where, texts), weights


@dataclass(frozen=True)
class Duration:
    id: str
    label: str
    start: str
    end: str


def load_durations(path: Path) -> list[Duration]:
    doc = _load_yaml(path)
    raw = doc.get("durations")
    if not isinstance(raw, list):
        raise RulesError(f"{path}: 'durations' must be a list")
    out, seen = [], set()
    for n, d in enumerate(raw, 1):
        if not isinstance(d, dict) or not isinstance(d.get("id"), str) or not _ID.match(d["id"]):
            raise RulesError(f"{path}: duration {n}: needs an 'id' of lower-case letters, digits, '-' and '_'")
        if d["id"] in seen:
            raise RulesError(f"{path}: duration {d['id']!r} is listed twice")
        for end in ("from", "to"):
            if d.get(end) not in MILESTONES:
                raise RulesError(f"{path}: duration {d['id']}: '{end}' must be one of {', '.join(MILESTONES)}")
        seen.add(d["id"])
        out.append(Duration(d["id"], str(d.get("label") or d["id"]), d["from"], d["to"]))
    missing = [h for h in HEADLINE_DURATIONS if h not in seen]
    if missing:
        raise RulesError(f"{path}: the headline durations {', '.join(missing)} must stay defined")
    return out


@dataclass
class GuideRules:
    max_lag_hours: float
    min_whys: int
    duration_mismatch_minutes: float
    duration_mismatch_share: float
    blame: list[re.Pattern]
    blame_any: re.Pattern | None
    blame_words: tuple[str, ...] | None = None  # one of these is in every blame match; None: cannot tell


def load_guide_rules(path: Path) -> GuideRules:
    doc = _load_yaml(path)
    try:
        lag = float(doc.get("max_lag_hours", 48))
        whys = int(doc.get("min_whys", 3))
        mm = float(doc.get("duration_mismatch_minutes", 15))
        ms = float(doc.get("duration_mismatch_share", 0.25))
    except (TypeError, ValueError) as exc:
        raise RulesError(f"{path}: thresholds must be numbers ({exc})") from exc
    blame = []
    for p in doc.get("blame_patterns") or []:
        try:
            blame.append(re.compile(p))  # case matters: Name vs name
        except (re.error, TypeError) as exc:
            raise RulesError(f"{path}: blame pattern {p!r} is not a valid regular expression: {exc}") from exc
    any_re = re.compile("|".join(f"(?:{p.pattern})" for p in blame)) if blame else None
    lits = [required_literals(p.pattern) for p in blame]
    words = None if any(x is None for x in lits) else tuple(sorted({w for x in lits for w in x}))
    return GuideRules(lag, whys, mm, ms, blame, any_re, words)


@dataclass
class ActionType:
    id: str
    label: str
    description: str
    words: tuple[str, ...]


@dataclass
class ActionTypes:
    """data/action_types.yaml: the types of action items, the words a Type
    column may use for each, and the rules that type the rest."""

    types: list[ActionType]
    rules: list[tuple[str, re.Pattern, re.Pattern | None]]  # (type, any-pattern, unless)
    by_word: dict[str, str] = field(default_factory=dict)
    _cache: dict[str, str | None] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.by_word:
            for t in self.types:
                for w in (t.id, t.label, *t.words):
                    self.by_word.setdefault(_type_word(w), t.id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.types)

    def from_word(self, word: str) -> str | None:
        """The type a Type column's cell names ('Prevention', 'detect'), or None."""
        return self.by_word.get(_type_word(word))

    def classify(self, text: str) -> str | None:
        """The type the first matching rule gives the action's text, or None."""
        return remembered(self._cache, text, lambda: self._classify(text))

    def _classify(self, text: str) -> str | None:
        seen = rule_text(text)  # user-written patterns: a bounded text per search
        for typ, pat, unless in self.rules:
            if pat.search(seen) and not (unless is not None and unless.search(seen)):
                return typ
        return None


def _type_word(w: str) -> str:
    return " ".join(re.sub(r"[^\w ]+", " ", str(w).lower()).split())


def load_action_types(path: Path) -> ActionTypes:
    doc = _load_yaml(path)
    raw = doc.get("types")
    if not isinstance(raw, list) or not raw:
        raise RulesError(f"{path}: 'types' must be a non-empty list")
    types: list[ActionType] = []
    owner: dict[str, str] = {}
    for n, t in enumerate(raw, 1):
        if not isinstance(t, dict) or not isinstance(t.get("id"), str) or not _ID.match(t["id"]):
            raise RulesError(f"{path}: type {n}: needs an 'id' of lower-case letters, digits, '-' and '_'")
        tid = t["id"]
        if any(x.id == tid for x in types):
            raise RulesError(f"{path}: type {tid!r} is listed twice")
        words = t.get("words") or []
        if not isinstance(words, list) or not all(isinstance(w, str | int) for w in words):
            raise RulesError(f"{path}: type {tid}: 'words' must be a list of words")
        for w in (tid, *words):
            k = _type_word(w)
            if k in owner and owner[k] != tid:
                raise RulesError(f"{path}: the word {w!r} names two types ({owner[k]} and {tid})")
            owner[k] = tid
        types.append(ActionType(tid, str(t.get("label") or tid), str(t.get("description") or ""),
                                tuple(str(w) for w in words)))  # fmt: skip
    ids = {t.id for t in types}
    rules = []
    raw_rules = doc.get("rules") or []
    if not isinstance(raw_rules, list):
        raise RulesError(f"{path}: 'rules' must be a list")
    for tid, pats, unless in _pattern_rules(path, raw_rules, "type", sorted(ids)):
        rules.append((tid, _union(pats), _union(unless)))
    return ActionTypes(types, rules)


def _union(patterns: list[re.Pattern]) -> re.Pattern | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), re.IGNORECASE)


@dataclass
class Rules:
    """Everything the parser needs from data/, and a fingerprint of it."""

    timeline: TimelineRules
    taxonomy: Taxonomy
    durations: list[Duration]
    guide: GuideRules
    fingerprint: str
    paths: dict[str, str]
    action_types: ActionTypes | None = None
    corrections: Corrections = field(default_factory=Corrections)

    def with_corrections(self, corrections: Corrections) -> Rules:
        """These rules with a corrections file: part of the fingerprint, so a
        changed correction is applied to every incident at the next build."""
        fp = self.fingerprint if not corrections else f"{self.fingerprint[:8]}{corrections.fingerprint()[:8]}"
        paths = dict(self.paths, **({"corrections": corrections.path} if corrections.path else {}))
        return dataclasses.replace(self, corrections=corrections, fingerprint=fp, paths=paths)


def load_rules(
    taxonomy: Path | None = None,
    timeline: Path | None = None,
    durations: Path | None = None,
    guide: Path | None = None,
    action_types: Path | None = None,
) -> Rules:
    paths = {
        "taxonomy": Path(taxonomy or DATA_DIR / "taxonomy.yaml"),
        "timeline": Path(timeline or DATA_DIR / "timeline_rules.yaml"),
        "durations": Path(durations or DATA_DIR / "durations.yaml"),
        "guide": Path(guide or DATA_DIR / "guide_rules.yaml"),
        "action_types": Path(action_types or DATA_DIR / "action_types.yaml"),
    }
    h = hashlib.sha256()
    for name in sorted(paths):
        try:
            h.update(paths[name].read_bytes())
        except OSError as exc:
            raise RulesError(f"{paths[name]}: cannot read ({exc.strerror})") from exc
    return Rules(
        timeline=load_timeline_rules(paths["timeline"]),
        taxonomy=load_taxonomy(paths["taxonomy"]),
        durations=load_durations(paths["durations"]),
        guide=load_guide_rules(paths["guide"]),
        fingerprint=h.hexdigest()[:16],
        paths={k: str(v) for k, v in paths.items()},
        action_types=load_action_types(paths["action_types"]),
    )
