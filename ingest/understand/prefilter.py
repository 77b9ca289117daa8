"""Cheap pre-checks for the rule regexes: which literal words a match must contain.

The rule files hold a few hundred user-written regular expressions, tried
against every timeline event and factor. Most texts match none of them, and
a regex search walks the whole text trying every alternative at every
position. For each pattern we work out (from its parse tree) a set of
lower-case literals such that every possible match contains at least one of
them; a text containing none of them cannot match, and the search is
skipped. When no such set can be proven (a branch without a literal of three
characters or more), the pattern is always searched: the pre-check never
changes a result, it only avoids work.
"""

from __future__ import annotations

import re

from ingest.read.folded import Folded, twin_of

try:  # the regex parser of the standard library (re._parser since 3.11)
    from re import _constants as C  # type: ignore[attr-defined]
    from re import _parser as P  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older or other Pythons: no pre-check
    P = C = None

MIN_LITERAL = 3

# The rule files' patterns are written by users, and a pattern can take time
# super-linear in the text it searches ('(a|a)*b', '.*x.*y'). So each search
# by a user pattern sees at most this many characters of its text (a
# sentence, an action, a factor): its cost is then bounded whatever the
# pattern, and no sentence a rule is meant for is this long.
RULE_TEXT_LIMIT = 2000


def rule_text(text: str) -> str:
    """The part of `text` a user-written pattern searches (see RULE_TEXT_LIMIT)."""
    return text[:RULE_TEXT_LIMIT]


def required_literals(pattern: str) -> frozenset[str] | None:
    """Literals (lower case) one of which every match of `pattern` contains,
    or None when that cannot be shown."""
    if P is None:
        return None
    try:
        tree = P.parse(pattern, re.IGNORECASE)
    except Exception:
        return None
    return _seq(list(tree))


def folded(pattern: re.Pattern) -> Folded:
    """The pattern with its case-sensitive twin (read/folded.py) and the literals one of which its every match
    holds, so that an ASCII text holding none of them is not searched."""
    return Folded(pattern, needs=tuple(sorted(required_literals(pattern.pattern) or ())))


def _seq(items: list) -> frozenset[str] | None:
    """A sequence: the best of its parts, or of its literal runs."""
    best: frozenset[str] | None = None
    run: list[str] = []

    def consider(s: frozenset[str] | None) -> None:
        nonlocal best
        if s is None:
            return
        if best is None or _better(s, best):
            best = s

    for op, av in items:
        if op is C.LITERAL:
            run.append(chr(av).lower())
            continue
        if run:
            prefix = "".join(run)
            consider(_lit(prefix))
            run = []
            # "'s (?:mistake|error)": every match holds "'s mistake" or "'s error", sharper than "error"
            words = _alternatives(op, av)
            if words:
                consider(frozenset(prefix + w for w in words))
        if op is C.SUBPATTERN:
            consider(_seq(list(av[-1])))
        elif op is C.BRANCH:
            consider(_branch(av[1]))
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)) and av[0] >= 1:
            consider(_seq(list(av[2])))
        elif op is C.ATOMIC_GROUP if hasattr(C, "ATOMIC_GROUP") else False:
            consider(_seq(list(av)))
    if run:
        consider(_lit("".join(run)))
    return best


def _alternatives(op, av) -> list[str] | None:
    """The strings of a group that is only a choice of literal words ('(?:a|bc)'), else None."""
    if op is C.SUBPATTERN:
        inner = list(av[-1])
        if len(inner) != 1:
            return None
        op, av = inner[0]
    if op is not C.BRANCH:
        return None
    out = []
    for alt in av[1]:
        alt = list(alt)
        if not alt or any(o is not C.LITERAL for o, _ in alt):
            return None
        out.append("".join(chr(a).lower() for _, a in alt))
    return out


def _branch(branches) -> frozenset[str] | None:
    out: set[str] = set()
    for b in branches:
        s = _seq(list(b))
        if s is None:
            return None
        out |= s
    return frozenset(out)


def _lit(text: str) -> frozenset[str] | None:
    return frozenset({text}) if len(text) >= MIN_LITERAL else None


def _better(a: frozenset[str], b: frozenset[str]) -> bool:
    """A sharper filter: literals of four characters or more (short ones like
    "'s " occur everywhere), then fewer alternatives, then longer literals."""

    def key(s: frozenset[str]) -> tuple:
        shortest = min(map(len, s))
        return (shortest < 4, len(s), -shortest)

    return key(a) < key(b)


class Matcher:
    """Several patterns, each with its pre-check. `search` returns the first
    pattern (in order) that matches, `count` how many match. `present` is the
    set of literals found in the lower-cased text (see LiteralIndex); with
    None, every pattern is tried. On ASCII text each pattern's case-sensitive
    twin searches the lower-cased text (read/folded.py): the same matches,
    faster."""

    __slots__ = ("always", "by_literal", "items", "literals", "twins")

    def __init__(self, patterns: list[re.Pattern]) -> None:
        self.items = [(p, required_literals(p.pattern)) for p in patterns]
        self.twins = [twin_of(p) for p in patterns]  # None: the pattern searches the text itself
        self.literals = frozenset(lit for _, lits in self.items if lits for lit in lits)
        self.always = [i for i, (_, lits) in enumerate(self.items) if lits is None]
        self.by_literal: dict[str, list[int]] = {}
        for i, (_, lits) in enumerate(self.items):
            for lit in lits or ():
                self.by_literal.setdefault(lit, []).append(i)

    def candidates(self, present: set[str] | None) -> list[int]:
        """The indexes of the patterns that may match a text holding the literals `present`, in order."""
        if present is None:
            return list(range(len(self.items)))
        idx = set(self.always)
        for lit in present:
            hit = self.by_literal.get(lit)
            if hit:
                idx.update(hit)
        return sorted(idx)

    def search(self, text: str, present: set[str] | None = None) -> re.Match | None:
        text = rule_text(text)
        if text.isascii():
            lower = text.lower()
            for i in self.candidates(present):
                pattern, twin = self.items[i][0], self.twins[i]
                if twin is None:
                    m = pattern.search(text)
                    if m:
                        return m
                elif m := twin.search(lower):
                    # the twin matched here first, so the pattern does too: its own match, in the text's case
                    return pattern.match(text, m.start())
            return None
        for i in self.candidates(present):
            m = self.items[i][0].search(text)
            if m:
                return m
        return None

    def count(self, text: str, present: set[str] | None = None) -> int:
        text = rule_text(text)
        if text.isascii():
            lower = text.lower()
            twins, items = self.twins, self.items
            return sum(
                1
                for i in self.candidates(present)
                if (twins[i].search(lower) if twins[i] is not None else items[i][0].search(text))
            )
        return sum(1 for i in self.candidates(present) if self.items[i][0].search(text))

    def __bool__(self) -> bool:
        return bool(self.items)


class LiteralIndex:
    """Every literal of a set of matchers; `present(text)` finds those the
    text contains. Literals are filed by their first three characters: only
    those whose three characters occur in the text are looked for (a text
    holds a few of the hundreds of literals)."""

    __slots__ = ("by_start", "literals", "short")

    def __init__(self, matchers: list[Matcher]) -> None:
        self.literals = tuple(sorted(frozenset().union(*(m.literals for m in matchers))))
        self.short = tuple(lit for lit in self.literals if len(lit) < 3)
        by_start: dict[str, list[str]] = {}
        for lit in self.literals:
            if len(lit) >= 3:
                by_start.setdefault(lit[:3], []).append(lit)
        self.by_start = {k: tuple(v) for k, v in by_start.items()}

    def present(self, text: str, lower: str | None = None) -> set[str]:
        """The literals in text.lower() (`lower`, when the caller has it)."""
        if lower is None:
            lower = text.lower()
        by_start = self.by_start
        starts = by_start.keys() & {lower[i : i + 3] for i in range(len(lower) - 2)}
        found = {lit for s in starts for lit in by_start[s] if lit in lower}
        if self.short:
            found.update(lit for lit in self.short if lit in lower)
        return found
