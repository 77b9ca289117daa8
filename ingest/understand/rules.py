"""The rule files in data/: loaded once, validated, compiled.

Users edit these files; a mistake in one must give a message that names the
file, the entry and what is wrong, before any document is read.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ingest.understand.prefilter import LiteralIndex, Matcher, required_literals

DATA_DIR = Path(__file__).resolve().parent.parent.parent / "data"
KINDS = ("start", "detect", "acknowledge", "declare", "mitigate", "resolve")
MILESTONES = ("started", "detected", "acknowledged", "declared", "mitigated", "resolved", "published")
KIND_TO_MILESTONE = dict(zip(KINDS, MILESTONES[:6], strict=True))
HEADLINE_DURATIONS = ("ttd", "tta", "ttm", "ttr")
MAX_RULE_FILE_BYTES = 1_000_000
_ID = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")


class RulesError(Exception):
    """A rule file is missing, unreadable or invalid; the message says where."""


def _load_yaml(path: Path) -> dict:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RulesError(f"{path}: cannot read ({exc.strerror})") from exc
    if len(data) > MAX_RULE_FILE_BYTES:
        raise RulesError(f"{path}: larger than {MAX_RULE_FILE_BYTES} bytes")
    try:
        doc = yaml.load(data, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise RulesError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise RulesError(f"{path}: expected a mapping at the top level")
    return doc


def _pattern_rules(path: Path, raw_rules: list, key: str, allowed: list[str]) -> list[tuple[str, list, list]]:
    """(value of `key`, patterns, unless patterns) per rule of a rule file's `rules` list, each checked: `key`
    one of `allowed`, at least one pattern, every pattern a valid regex."""
    out = []
    for n, r in enumerate(raw_rules, 1):
        if not isinstance(r, dict) or r.get(key) not in allowed:
            raise RulesError(f"{path}: rule {n}: needs '{key}', one of {', '.join(allowed)}")
        pats = _compile(path, f"rule {n} ({r[key]})", r.get("patterns"))
        if not pats:
            raise RulesError(f"{path}: rule {n} ({r[key]}): needs at least one pattern")
        out.append((r[key], pats, _compile(path, f"rule {n} ({r[key]}) unless", r.get("unless"))))
    return out


def _compile(path: Path, where: str, patterns) -> list[re.Pattern]:
    if patterns is None:
        return []
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise RulesError(f"{path}: {where}: patterns must be a list of strings")
    out = []
    for p in patterns:
        try:
            out.append(re.compile(p, re.IGNORECASE))
        except re.error as exc:
            raise RulesError(f"{path}: {where}: pattern {p!r} is not a valid regular expression: {exc}") from exc
    return out


def _any(patterns: list[re.Pattern]) -> re.Pattern | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), re.IGNORECASE)


_CACHE_LIMIT = 100_000


@dataclass
class TimelineRules:
    tags: dict[str, str]  # tag word -> kind
    rules: list[tuple[str, Matcher, Matcher]]  # (kind, patterns, unless)
    tag_re: re.Pattern
    _cache: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)
    _index: LiteralIndex | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._index = LiteralIndex([m for _, pats, unless in self.rules for m in (pats, unless)])

    def classify(self, text: str) -> tuple[str, str]:
        """(kind, 'tag' | 'rule' | 'none') for an event text. Memoised: the
        same sentences recur across a corpus."""
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        result = ("other", "none")
        m = self.tag_re.search(text) if ("[" in text or "(" in text) else None
        if m:
            result = (self.tags[m.group(1).lower()], "tag")
        else:
            present = self._index.present(text)
            for kind, pats, unless in self.rules:
                if pats.search(text, present) and not (unless and unless.search(text, present)):
                    result = (kind, "rule")
                    break
        if len(self._cache) < _CACHE_LIMIT:
            self._cache[text] = result
        return result


def load_timeline_rules(path: Path) -> TimelineRules:
    doc = _load_yaml(path)
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
    rules = []
    raw_rules = doc.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RulesError(f"{path}: 'rules' must be a non-empty list")
    for kind, pats, unless in _pattern_rules(path, raw_rules, "kind", list(KINDS)):
        rules.append((kind, Matcher(pats), Matcher(unless)))
    words = sorted(tags, key=len, reverse=True)
    tag_re = re.compile(r"[\[(]\s*(" + "|".join(re.escape(w) for w in words) + r")\s*[\])]", re.IGNORECASE)
    if not words:
        tag_re = re.compile(r"(?!x)x")
    return TimelineRules(tags, rules, tag_re)


@dataclass
class Category:
    id: str
    label: str
    description: str
    patterns: list[re.Pattern]
    matcher: Matcher


@dataclass
class Taxonomy:
    categories: list[Category]
    by_id: dict[str, Category] = field(default_factory=dict)
    _cache: dict[str, str] = field(default_factory=dict, repr=False)
    _index: LiteralIndex | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.by_id = {c.id: c for c in self.categories}
        self._index = LiteralIndex([c.matcher for c in self.categories])

    def categorize(self, text: str) -> str:
        """The category with the most matching patterns (ties: listed first)."""
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        best, best_score = "uncategorized", 0
        present = self._index.present(text)
        for c in self.categories:
            score = c.matcher.count(text, present)
            if score > best_score:
                best, best_score = c.id, score
        if len(self._cache) < _CACHE_LIMIT:
            self._cache[text] = best
        return best


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
        pats = _compile(path, f"category {cid}", c.get("patterns"))
        if cid == "uncategorized" and pats:
            raise RulesError(f"{path}: 'uncategorized' must have no patterns")
        cats.append(Category(cid, str(c.get("label") or cid), str(c.get("description") or ""), pats, Matcher(pats)))
    if "uncategorized" not in seen:
        raise RulesError(f"{path}: the 'uncategorized' category must be listed")
    return Taxonomy(cats)


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
        if text in self._cache:
            return self._cache[text]
        result = None
        for typ, pat, unless in self.rules:
            if pat.search(text) and not (unless is not None and unless.search(text)):
                result = typ
                break
        if len(self._cache) < _CACHE_LIMIT:
            self._cache[text] = result
        return result


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
