"""Case-insensitive patterns, searched faster on ASCII text.

A pattern compiled with re.IGNORECASE compares every character of the text
case-insensitively, at every position it tries: several times slower than
the same pattern without the flag. On ASCII text (most postmortems) the two
give the same matches, at the same places, when the case-sensitive twin
searches the lower-cased text and the pattern names no upper-case letter
(and none of the four non-ASCII letters that fold to ASCII ones, such as
the Kelvin sign): lower-casing ASCII text changes no length, no position and
no word boundary. The twin is only used when that is proven from the
pattern's parse tree; any other text or pattern goes to the pattern itself.

The spans of a twin's match are those of the original text, but its group
texts are lower-cased, so the helpers here answer with spans, booleans,
pieces of the original text or the pattern's own match (the twin finds
where the first match starts, the pattern matches there), never with a
twin's match. A caller may also give a twin written by hand, faster still
(where it is given, a comment says why it matches alike).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

try:  # the regex parser of the standard library (re._parser since 3.11)
    from re import _constants as C  # type: ignore[attr-defined]
    from re import _parser as P  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older or other Pythons: no twins
    P = C = None

# Non-ASCII letters that IGNORECASE matches with ASCII letters (İ ı ſ and the Kelvin sign).
_FOLDS_TO_ASCII = frozenset({0x130, 0x131, 0x17F, 0x212A})


def _bad_code(c: int) -> bool:
    """A literal a twin cannot keep: an upper-case ASCII letter, or a letter that folds to an ASCII one."""
    return 0x41 <= c <= 0x5A or c in _FOLDS_TO_ASCII


def _bad_range(lo: int, hi: int) -> bool:
    return (lo <= 0x5A and hi >= 0x41) or any(lo <= c <= hi for c in _FOLDS_TO_ASCII)


def _twin_safe(items) -> bool:
    """Does every part of the parsed pattern match the same with and without IGNORECASE on lower-case ASCII?"""
    for op, av in items:
        if op in (C.LITERAL, C.NOT_LITERAL):
            if _bad_code(av):
                return False
        elif op is C.IN:
            for sop, sav in av:
                if sop is C.LITERAL and _bad_code(sav):
                    return False
                if sop is C.RANGE and _bad_range(*sav):
                    return False
                if sop not in (C.LITERAL, C.RANGE, C.NEGATE, C.CATEGORY):
                    return False
        elif op is C.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            if add_flags or del_flags or not _twin_safe(sub):
                return False
        elif op is C.BRANCH:
            if not all(_twin_safe(b) for b in av[1]):
                return False
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT)):
            if not _twin_safe(av[2]):
                return False
        elif op in (C.ASSERT, C.ASSERT_NOT):
            if not _twin_safe(av[1]):
                return False
        elif op is getattr(C, "ATOMIC_GROUP", None):
            if not _twin_safe(av):
                return False
        elif op is C.GROUPREF_EXISTS:
            if not all(_twin_safe(b) for b in av[1:] if b is not None):
                return False
        elif op not in (C.ANY, C.AT, C.CATEGORY, C.GROUPREF):
            return False
    return True


def twin_of(pattern: re.Pattern) -> re.Pattern | None:
    """The case-sensitive twin of an IGNORECASE pattern, or None when it cannot be proven to match alike."""
    if P is None or not isinstance(pattern.pattern, str) or not pattern.flags & re.IGNORECASE:
        return None
    flags = pattern.flags & ~re.IGNORECASE
    try:
        tree = P.parse(pattern.pattern, flags)
    except Exception:
        return None
    if tree.state.flags & re.IGNORECASE or not _twin_safe(list(tree)):
        return None
    return re.compile(pattern.pattern, flags)


def _min_width(pattern: re.Pattern) -> int:
    try:
        return P.parse(pattern.pattern, pattern.flags).getwidth()[0]
    except Exception:
        return 0


class Folded:
    """An IGNORECASE pattern with its twin. Every method takes the text and,
    optionally, its lower-cased form when the caller has it already."""

    __slots__ = ("needs", "needs_re", "nonempty", "pattern", "twin", "wide")

    def __init__(
        self, pattern: re.Pattern | str, flags: int = 0, needs: tuple[str, ...] = (), twin: re.Pattern | None = None
    ) -> None:
        """`twin`: a faster pattern written by hand that, on lower-cased ASCII text, matches where the pattern
        does; else the twin is derived (the same pattern without IGNORECASE) when that is proven alike."""
        self.pattern = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern, flags | re.IGNORECASE)
        self.twin = twin or twin_of(self.pattern)
        # lower-case texts one of which every match holds (on ASCII text, none of them: no match); more than
        # a few are looked for by one pattern of them all (a scan of the text for their first characters)
        self.needs = tuple(needs) if self.twin is not None else ()
        self.needs_re = re.compile("|".join(re.escape(n) for n in sorted(needs))) if len(self.needs) > 3 else None
        if self.needs_re is not None:
            self.needs = ()
        # split and sub rebuild the original text from the twin's spans only for a pattern that never matches
        # empty text and has no groups (where re's own rules for empty matches and groups do not come in)
        self.wide = self.twin is not None and _min_width(self.pattern) > 0
        self.nonempty = self.wide and self.pattern.groups == self.twin.groups == 0

    def _pick(self, text: str, lower: str | None) -> tuple[re.Pattern | None, str]:
        """The pattern to search and the text to search it in; (None, text) when it cannot occur."""
        if self.twin is not None and text.isascii():
            if lower is None:
                lower = text.lower()
            if self.needs_re is not None:
                if self.needs_re.search(lower) is None:
                    return None, text
            elif self.needs and not any(n in lower for n in self.needs):
                return None, text
            return self.twin, lower
        return self.pattern, text

    def test(self, text: str, lower: str | None = None) -> bool:
        """Does the pattern occur in `text` (pattern.search)? (_pick's steps, written out: it runs most.)"""
        twin = self.twin
        if twin is None or not text.isascii():
            return self.pattern.search(text) is not None
        if lower is None:
            lower = text.lower()
        if self.needs_re is not None:
            if self.needs_re.search(lower) is None:
                return False
        elif self.needs and not any(n in lower for n in self.needs):
            return False
        return twin.search(lower) is not None

    def search(self, text: str) -> re.Match | None:
        """pattern.search(text), the very match: the twin finds where the first match starts, the pattern
        matches there (a pattern that never matches empty text; else the pattern searches)."""
        if not self.wide:
            return self.pattern.search(text)
        pat, s = self._pick(text, None)
        if pat is None or pat is self.pattern:
            return pat.search(s) if pat is not None else None
        m = pat.search(s)
        return self.pattern.match(text, m.start()) if m else None

    def finditer(self, text: str) -> Iterator[re.Match]:
        """pattern.finditer(text), the very matches (as search)."""
        if not self.wide:
            yield from self.pattern.finditer(text)
            return
        pat, s = self._pick(text, None)
        if pat is None:
            return
        if pat is self.pattern:
            yield from pat.finditer(s)
            return
        for m in pat.finditer(s):
            yield self.pattern.match(text, m.start())

    def span(self, text: str, lower: str | None = None, pos: int = 0) -> tuple[int, int] | None:
        """Where pattern.search(text, pos) matches, or None."""
        pat, s = self._pick(text, lower)
        m = pat.search(s, pos) if pat is not None else None
        return m.span() if m else None

    def spans(self, text: str, lower: str | None = None) -> list[tuple[int, int]]:
        """The spans of pattern.finditer(text)."""
        pat, s = self._pick(text, lower)
        return [m.span() for m in pat.finditer(s)] if pat is not None else []

    def split(self, text: str, lower: str | None = None) -> list[str]:
        """pattern.split(text), for a pattern without groups that never matches empty text."""
        if not self.nonempty:
            return self.pattern.split(text)
        pat, s = self._pick(text, lower)
        if pat is None:
            return [text]
        if pat is self.pattern:
            return pat.split(s)
        out, at = [], 0
        for m in pat.finditer(s):
            out.append(text[at : m.start()])
            at = m.end()
        out.append(text[at:])
        return out

    def sub(self, repl: str, text: str, lower: str | None = None) -> str:
        """pattern.sub(repl, text) for a plain replacement text (no group references)."""
        if not self.nonempty or "\\" in repl:
            return self.pattern.sub(repl, text)
        pat, s = self._pick(text, lower)
        if pat is None:
            return text
        if pat is self.pattern:
            return pat.sub(repl, s)
        out, at = [], 0
        for m in pat.finditer(s):
            out.append(text[at : m.start()])
            out.append(repl)
            at = m.end()
        if not out:
            return text
        out.append(text[at:])
        return "".join(out)
