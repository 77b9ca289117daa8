"""Curating the taxonomy: the uncategorized factors grouped by shared words,
each group with a suggested category and the patterns that would catch it.

No model and no randomness: texts are split into words (lower case, a plural
`s` removed, stopwords and words under three letters dropped) and grouped
greedily by the word that the most still-ungrouped factors share (ties: the
word fewer categorized factors use, then alphabetical). A text that shares no
word with another is a group of its own, named by its least used word. The group's distinctive words are
the ones in at least half of its factors (and in two of them, unless the group
is one factor), best first; the suggested patterns are the group's word plus
up to two distinctive words that no categorized factor uses, as `\\bword\\b`.
The suggested category is the taxonomy category whose label, description and
pattern words share the most of those pattern words, else a new one. Besides
patterns, a group can teach any category by example: example_snippet() is the
YAML that adds its wording to that category's `examples:`.

The taxonomy is shared by every quarter, so curation looks at the factors of
every quarter up to the as-of date (team, service and severity filters apply).
How many categorized factors use a word is read from the build's factor_words
(ingest/load/derived.py) when it has every word asked for, else counted from the
factors: the same numbers either way."""

from __future__ import annotations

import functools
import heapq
import json
import os
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from analytics import derived
from analytics import filters as flt
from analytics.db import query, text_frame
from analytics.filters import Filters
from analytics.periods import quarter_sql

DEFAULT_TAXONOMY = Path(__file__).resolve().parent.parent / "data" / "taxonomy.yaml"
MAX_TAXONOMY_BYTES = 1_000_000
MAX_PATTERNS = 3
_SPLIT = re.compile(r"[^a-z0-9]+")
_REGEX_ESCAPE = re.compile(r"\\[a-zA-Z]")
_ID_CHARS = re.compile(r"[^a-z0-9]+")

# English function words and words every postmortem uses: they say nothing about a failure mode.
_STOPWORDS = """
    a about above across after again against all almost along already also although always am among an and another
    any anyone anything are aren around as at away back be became because been before being below between both but
    by can cannot could couldn did didn do does doesn doing don done down during each either else enough etc even
    ever every few for from further get gets got had hadn has hasn have haven having he her here hers him his how
    however if in into is isn it its itself just least less like made make makes many may me might more most much
    must my near neither never no nobody none nor not nothing now of off often on once one only onto or other
    others our ours out over own per quite rather really same several shall she should shouldn since so some
    someone something still such than that the their theirs them then there these they this those though through
    thus to too toward towards under until up upon us very via was wasn way we were weren what when where whether
    which while who whom whose why will with within without won would wouldn yet you your yours
    ing ion ed es
    incident incidents issue issues problem problems outage outages cause caused causes causing due result resulted
    lead leading led happen happened happens occur occurred occurs occurring time times team teams system systems
    service services thing things lot lots new old first second third last next
    say says said went go goes going gone see seen saw wrong hard
"""
STOPWORDS = frozenset(_STOPWORDS.split())


def stem(word: str) -> str:
    """A plural `s` removed: 'caches' -> 'cache', 'policies' -> 'policy'; nothing else."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words(text: str) -> list[tuple[str, str]]:
    """(term, word as written, lower-cased) for every significant word, in order, each term once."""
    seen, out = set(), []
    for w in _SPLIT.split(str(text).lower()):
        if len(w) < 3 or not w[0].isalpha() or w in STOPWORDS:
            continue
        t = stem(w)
        if t in STOPWORDS or t in seen:
            continue
        seen.add(t)
        out.append((t, w))
    return out


def terms(text: str) -> list[str]:
    return [t for t, _ in words(text)]


@dataclass(frozen=True)
class Group:
    members: tuple[int, ...]  # positions in the input texts, ascending
    key: str  # the word that made the group ('' for a text without significant words)
    terms: tuple[str, ...]  # distinctive words, best first (the key among them)
    coverage: tuple[float, ...]  # share of the group's texts with each term


def group_texts(texts: Sequence[str], background: Mapping[str, int] | None = None) -> list[Group]:
    """Group texts by shared significant words (module docstring). `background`:
    how many already-categorized factors use each word (lower is more distinctive).
    Groups come largest first; every text is in exactly one group."""
    bg = background or {}
    if not len(texts):
        return []
    # Work on distinct normalised texts, weighted by how often each occurs: the distinct texts found in C
    # (factorize: first occurrence order), each normalised once, and each one's positions by one stable sort.
    codes, distinct = pd.factorize(np.asarray(texts, dtype=object), use_na_sentinel=False)
    keys: dict[str, int] = {}
    toks: list[set[str]] = []
    key_of = np.empty(len(distinct), dtype=np.int64)
    for u, text in enumerate(distinct):
        k = " ".join(_SPLIT.split(str(text).lower())).strip()
        j = keys.get(k)
        if j is None:
            j = keys[k] = len(toks)
            toks.append(set(terms(text)))
        key_of[u] = j
    of = key_of[codes]
    sizes = np.bincount(of, minlength=len(toks))
    members = np.split(np.argsort(of, kind="stable"), np.cumsum(sizes)[:-1])  # ascending positions per j
    weight = sizes.tolist()
    index: dict[str, set[int]] = defaultdict(set)
    for j, ts in enumerate(toks):
        for t in ts:
            index[t].add(j)

    unassigned = set(range(len(members)))

    def cover(t: str) -> int:
        return sum(weight[j] for j in index[t] if j in unassigned)

    heap = [(-cover(t), bg.get(t, 0), t) for t in index]
    heapq.heapify(heap)
    raw: list[tuple[str, list[int]]] = []
    while heap:
        neg, b, t = heapq.heappop(heap)
        c = cover(t)
        if c != -neg:  # stale: push back with its current cover
            if c >= 2:
                heapq.heappush(heap, (-c, b, t))
            continue
        if c < 2:
            break
        js = sorted(j for j in index[t] if j in unassigned)
        unassigned.difference_update(js)
        raw.append((t, js))
    for j in sorted(unassigned):
        raw.append((min(toks[j], key=lambda t: (bg.get(t, 0), t), default=""), [j]))

    groups = []
    for key, js in raw:
        n = sum(weight[j] for j in js)
        counts: Counter = Counter()
        for j in js:
            for t in toks[j]:
                counts[t] += weight[j]
        need = 1 if len(js) == 1 else 2
        cands = [t for t, c in counts.items() if c >= need and c / n >= 0.5]
        cands.sort(key=lambda t: (-counts[t], bg.get(t, 0), t))
        if key in cands:
            cands.remove(key)
        ordered = ([key] if key else []) + cands
        idx = tuple(np.sort(np.concatenate([members[j] for j in js])).tolist())
        groups.append(Group(idx, key, tuple(ordered), tuple(counts[t] / n for t in ordered)))
    groups.sort(key=lambda g: (-len(g.members), not g.key, g.key, g.members))
    return groups


def pattern_for(term: str, forms: set[str]) -> str:
    """A case-insensitive regex for a term, matching each way it was written: `\\bcaches?\\b`."""
    forms = set(forms) or {term}
    if forms <= {term, term + "s"} and len(forms) == 2:
        return rf"\b{re.escape(term)}s?\b"
    if len(forms) == 1:
        return rf"\b{re.escape(next(iter(forms)))}\b"
    return r"\b(?:" + "|".join(re.escape(w) for w in sorted(forms)) + r")\b"


# ----------------------------------------------------------------- database

# {quarter}: the quarter of f.occurred_at (periods.quarter_sql): labelled for the factors found, not for every
# incident of every quarter.
UNCATEGORIZED = """
WITH {cte}
SELECT c.incident_id, f.title, {quarter} AS quarter, f.occurred_at, f.team, c.section, c.line, c.source_path, c.text
FROM contributing_factors c JOIN f USING (incident_key)
WHERE c.category = 'uncategorized'
ORDER BY f.occurred_at, c.incident_id, c.source_path, c.seq
"""
COUNTS = """
WITH {cte}
SELECT count(*) AS factors,
       count(*) FILTER (WHERE c.category = 'uncategorized') AS uncategorized,
       count(DISTINCT c.incident_key) AS incidents,
       count(DISTINCT c.incident_key) FILTER (WHERE c.category = 'uncategorized') AS incidents_uncategorized
FROM contributing_factors c JOIN f USING (incident_key)
"""
# The same from incident_categories (ingest/load/derived.py), one row per incident and category.
COUNTS_DERIVED = """
WITH {cte}
SELECT coalesce(sum(c.mentions), 0) AS factors,
       coalesce(sum(c.mentions) FILTER (WHERE c.category = 'uncategorized'), 0) AS uncategorized,
       count(DISTINCT c.incident_key) AS incidents,
       count(*) FILTER (WHERE c.category = 'uncategorized') AS incidents_uncategorized
FROM incident_categories c JOIN f USING (incident_key)
"""
# How many categorized factors use each of the given words (as split by words()).
BACKGROUND = """
WITH {cte},
w AS (
    SELECT unnest(list_distinct(regexp_split_to_array(lower(c.text), '[^a-z0-9]+'))) AS word
    FROM contributing_factors c JOIN f USING (incident_key)
    WHERE c.category <> 'uncategorized'
)
SELECT word, count(*) AS n FROM w WHERE list_contains(CAST(? AS VARCHAR[]), word) GROUP BY word
"""
# The same from factor_words (ingest/load/derived.py), for words of uncategorized_words. The words are picked
# first (a semi-join the scan of factor_words, sorted by word, is filtered by), so only their rows are joined
# to the incidents.
BACKGROUND_DERIVED = """
WITH {cte},
w AS (SELECT * FROM factor_words WHERE word IN (SELECT unnest(CAST(? AS VARCHAR[]))))
SELECT w.word, CAST(sum(w.factors) AS BIGINT) AS n
FROM w JOIN f USING (incident_key)
GROUP BY w.word
"""
KNOWN_WORDS = "SELECT word FROM uncategorized_words WHERE list_contains(CAST(? AS VARCHAR[]), word)"
TAXONOMY = "SELECT category, label, description, position FROM taxonomy ORDER BY position"
RULE_FILES = "SELECT value FROM meta WHERE key = 'rule_files'"
# Factors a regex would match (RE2, case-insensitive), by current category.
MATCHES = """
WITH {cte}
SELECT c.category, coalesce(t.label, c.category) AS label, count(*) AS factors,
       count(DISTINCT c.incident_key) AS incidents
FROM contributing_factors c JOIN f USING (incident_key) LEFT JOIN taxonomy t USING (category)
WHERE regexp_matches(c.text, ?, 'i')
GROUP BY c.category, t.label, t.position
ORDER BY c.category <> 'uncategorized', factors DESC, c.category
"""


def coverage(con, f: Filters) -> dict:
    """Factors of the filtered incidents and how many are uncategorized (share = uncategorized / factors)."""
    sql = COUNTS_DERIVED if derived.ready(con, "incident_categories") else COUNTS
    row = query(con, sql.format(cte=flt.cte(f)), flt.params(f)).iloc[0]
    out = {k: int(row[k]) for k in ("factors", "uncategorized", "incidents", "incidents_uncategorized")}
    out["share"] = out["uncategorized"] / out["factors"] if out["factors"] else None
    return out


def taxonomy_file(con) -> Path:
    """The taxonomy file the database was built with, if it is still there; else data/taxonomy.yaml."""
    df = query(con, RULE_FILES)
    if len(df):
        try:
            p = json.loads(df.iloc[0, 0]).get("taxonomy")
        except (ValueError, AttributeError):
            p = None
        if p and os.path.isfile(p):
            return Path(p)
    return DEFAULT_TAXONOMY


def _file_patterns(path: Path) -> dict[str, list[str]]:
    """Each category's patterns as the file has them now (parsed again only when the file changes)."""
    try:
        st = os.stat(path)
    except OSError:
        return {}
    return {k: list(v) for k, v in _parse_patterns(str(path), st.st_mtime_ns, st.st_size).items()}


@functools.lru_cache(maxsize=8)
def _parse_patterns(path: str, mtime_ns: int, size: int) -> dict[str, tuple[str, ...]]:
    try:
        data = Path(path).read_bytes()[:MAX_TAXONOMY_BYTES]
        doc = yaml.safe_load(data) or {}
    except (OSError, yaml.YAMLError):
        return {}
    cats = doc.get("categories") if isinstance(doc, dict) else None
    out = {}
    for c in cats if isinstance(cats, list) else []:
        if isinstance(c, dict) and isinstance(c.get("id"), str):
            pats = [p.get("pattern") if isinstance(p, dict) else p for p in c.get("patterns") or []]
            out[c["id"]] = tuple(str(p) for p in pats if isinstance(p, str))
    return out


def taxonomy(con) -> pd.DataFrame:
    """The categories of the build with their patterns as the taxonomy file has them now."""
    df = query(con, TAXONOMY)
    pats = _file_patterns(taxonomy_file(con))
    df["patterns"] = [pats.get(c, []) for c in df["category"]]
    return df


def _profile(row) -> set[str]:
    text = f"{row.label} {row.description or ''} " + " ".join(_REGEX_ESCAPE.sub(" ", p) for p in row.patterns)
    return set(terms(text))


def profiles(tax: pd.DataFrame) -> dict[str, set[str]]:
    """The words of each category's label, description and patterns (in taxonomy order)."""
    return {row.category: _profile(row) for row in tax.itertuples() if row.category != "uncategorized"}


def suggest_category(words_: Mapping[str, float], profiles_: dict[str, set[str]]) -> tuple[str | None, float]:
    """(category, score) for the words that would become patterns (word -> share of the
    group's texts with it): the category whose label, description and patterns share the
    most of them, weighted by that share; ties go to the one listed first; (None, 0) when
    no category shares any: then the group is a new category."""
    best, best_score = None, 0.0
    for cat, profile in profiles_.items():
        score = sum(w for t, w in words_.items() if t in profile)
        if score > best_score + 1e-9:
            best, best_score = cat, score
    return best, best_score


def _new_id(ts: list[str], taken: set[str]) -> str:
    base = _ID_CHARS.sub("-", "-".join(ts[:2]).lower()).strip("-") or "new-category"
    cid, n = base, 2
    while cid in taken:
        cid, n = f"{base}-{n}", n + 1
    taken.add(cid)
    return cid


def _quote(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def snippet(suggested: str | None, new_id: str, label: str, patterns: list[str], n: int, words_: list[str],
            example: str | None = None) -> str:  # fmt: skip
    """Ready-to-paste YAML: a new category for the `categories:` list (with the group's most frequent wording
    as its first example), or patterns for an existing one."""
    pats = "\n".join(f"      - {_quote(p)}" for p in patterns)
    if suggested:
        return f"# add to the patterns of the category '{suggested}' in the taxonomy file:\n{pats}\n"
    desc = f"Suggested from {n} uncategorized factor{'s' if n != 1 else ''} ({', '.join(words_)}); describe it here."
    ex = f"    examples:\n      - {_quote(example)}\n" if example else ""
    return (
        "# add to the `categories:` list of the taxonomy file (before `uncategorized`), then rebuild:\n"
        f"  - id: {new_id}\n    label: {_quote(label)}\n    description: {_quote(desc)}\n    patterns:\n{pats}\n{ex}"
    )


def example_snippet(category: str, texts: Sequence[str]) -> str:
    """Ready-to-paste YAML that teaches `category` by example: sentences worded like these are filed under it
    (ingest/understand/categorize.py compares the words), with no pattern to write."""
    lines = "".join(f"      - {_quote(' '.join(t.split()))}\n" for t in dict.fromkeys(texts) if t.strip())
    return (
        f"# in the taxonomy file, under the category '{category}', add to its `examples:` "
        "(or add the key), then rebuild:\n"
        f"    examples:\n{lines}"
    )


def _background(con, f: Filters, forms: list[str]) -> pd.DataFrame:
    """(word, n): how many categorized factors of the filtered incidents use each of `forms`. From
    factor_words when every form is one of its words (uncategorized_words), else from the factors."""
    if forms and derived.ready(con, "factor_words", "uncategorized_words"):
        known = query(con, KNOWN_WORDS, [forms])
        if len(known) == len(forms):
            return query(con, BACKGROUND_DERIVED.format(cte=flt.cte(f)), [*flt.params(f), forms])
    return query(con, BACKGROUND.format(cte=flt.cte(f)), [*flt.params(f), forms])


def most_frequent(texts: list[str], members: Sequence[int]) -> str:
    """The most frequent of the members' texts, the first of them (by position) on a tie: what a frame's
    value_counts() ranks first (a stable sort of counts in order of first occurrence), without the frame."""
    counts = Counter(texts[i] for i in members)  # in order of first occurrence
    return max(counts, key=counts.__getitem__)


def curate(con, f: Filters) -> dict:
    """The uncategorized factors of every quarter up to the as-of date, grouped, with suggestions.

    -> {"coverage": coverage(), "groups": one row per group (group, factors, incidents, texts,
    key, terms, suggested, suggested_label, new_id, patterns, example, snippet), "items": the
    factors with their group, "taxonomy_file": where the patterns come from, "snippet": all
    groups of two or more factors in one YAML text}."""
    fa = f.all_time()
    with ThreadPoolExecutor(max_workers=1) as pool:  # the counts and the taxonomy beside the factors (own cursors)
        counted = pool.submit(coverage, con, fa)
        tax = pool.submit(taxonomy, con)
        sql = UNCATEGORIZED.format(cte=flt.cte(fa), quarter=quarter_sql("f.occurred_at", f.fiscal_start))
        items = text_frame(con, sql, flt.params(fa))
        cov, tax = counted.result(), tax.result()
    texts = items["text"].tolist()
    forms: dict[str, set[str]] = defaultdict(set)
    for text in set(texts):  # words() of each distinct text once
        for t, w in words(text):
            forms[t].add(w)
    all_forms = sorted({w for ws in forms.values() for w in ws})
    bg_words = dict(_background(con, fa, all_forms).itertuples(index=False))
    background = {t: max((bg_words.get(w, 0) for w in ws), default=0) for t, ws in forms.items()}
    groups = group_texts(texts, background)
    prof = profiles(tax)
    labels = dict(zip(tax["category"], tax["label"], strict=True))
    taken = set(tax["category"])
    rows, group_of = [], [0] * len(texts)
    incident_ids = items["incident_id"].tolist()
    for n, g in enumerate(groups, 1):
        for i in g.members:
            group_of[i] = n
        gtexts = {texts[i] for i in g.members}  # the group's texts, from the list rather than the frame
        gforms: dict[str, set[str]] = defaultdict(set)
        for text in gtexts:
            for t, w in words(text):
                gforms[t].add(w)
        chosen = [g.key] if g.key else []
        for t, c in zip(g.terms, g.coverage, strict=True):
            if len(chosen) >= MAX_PATTERNS:
                break
            if t not in chosen and background.get(t, 0) == 0 and c >= 0.5:
                chosen.append(t)
        patterns = [pattern_for(t, gforms[t]) for t in chosen]
        share = dict(zip(g.terms, g.coverage, strict=True))
        suggested, _ = suggest_category({t: share[t] for t in chosen}, prof)
        new_id = _new_id(chosen, taken) if not suggested else ""
        label = " ".join(chosen[:2]).capitalize() if chosen else "New category"
        example = most_frequent(texts, g.members)
        rows.append({
            "group": n, "factors": len(g.members), "incidents": len({incident_ids[i] for i in g.members}),
            "texts": len(gtexts), "key": g.key, "terms": list(g.terms),
            "suggested": suggested or "new", "suggested_label": labels[suggested] if suggested else f"new: {new_id}",
            "new_id": new_id, "patterns": patterns,
            "example": example,
            "snippet": snippet(suggested, new_id, label, patterns, len(g.members), chosen, example) if patterns else "",
        })  # fmt: skip
    items = items.assign(group=group_of)
    gdf = pd.DataFrame(rows, columns=["group", "factors", "incidents", "texts", "key", "terms", "suggested",
                                      "suggested_label", "new_id", "patterns", "example", "snippet"])  # fmt: skip
    return {
        "coverage": cov,
        "groups": gdf,
        "items": items,
        "taxonomy_file": str(taxonomy_file(con)),
        "snippet": all_snippet(gdf[gdf["factors"] >= 2]),
    }


def all_snippet(groups: pd.DataFrame) -> str:
    """Every suggestion in one text: new categories first, then patterns for existing ones."""
    new = [s for s, sug in zip(groups["snippet"], groups["suggested"], strict=True) if s and sug == "new"]
    old = [s for s, sug in zip(groups["snippet"], groups["suggested"], strict=True) if s and sug != "new"]
    parts = []
    if new:
        head = new[0].splitlines()[0]
        parts.append(head + "\n" + "".join("\n".join(s.splitlines()[1:]) + "\n" for s in new))
    parts += old
    return "\n".join(parts)


def check_patterns(con, f: Filters, patterns: tuple[str, ...]) -> pd.DataFrame:
    """Factors (every quarter up to the as-of date) that any of the patterns matches, by
    current category: uncategorized ones would move; categorized ones move only if they
    match more of the new patterns than of their own category's."""
    fa = f.all_time()
    if not patterns:
        return pd.DataFrame({"category": [], "label": [], "factors": [], "incidents": []})
    either = "|".join(f"(?:{p})" for p in patterns)
    return query(con, MATCHES.format(cte=flt.cte(fa)), [*flt.params(fa), either])
