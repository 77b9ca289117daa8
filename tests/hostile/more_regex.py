"""Hostile lines for the hostile corpus: 150 KB lines built to make a regular
expression rescan the same text from every starting point (tests/test_hostile_regex.py
has the exact expectations). Each document carries its line in the places
the parser reads most (heading, summary, timeline, factors, related
incidents, action items, a label) and must still be read as an incident."""

from __future__ import annotations

LINE = 150_000

TEMPLATE = """\
# {X}

**Date:** 2025-01-01
**Severity:** SEV2

## Summary

{X}

## Timeline

| Time | Event |
|---|---|
| 10:00 | {X} |
| 10:30 | Service recovered, incident resolved |

## Contributing Factors

- {X}

## Related Incidents

- {X}

## Action Items

| Action | Owner | Due |
|---|---|---|
| {X} | {X} | 2025-02-01 |

**Impact:** {X}
"""


def _rep(unit: str, size: int = LINE) -> str:
    return unit * (size // len(unit))


def lines(size: int = LINE) -> dict[str, str]:
    """name -> an adversarial line of about `size` characters."""
    half = size // 2
    return {
        "brackets": _rep("[", size),
        "brackets-then-link": "[" * half + "](" + "x" * 10,
        "nested-brackets": "[" * half + "]" * half,
        "empty-links-unclosed": _rep("[](", size),
        "links-unclosed": _rep("[x](", size),
        "unclosed-bracket-text": "[" + "x" * size,
        "backticks": "x" + _rep("`", size),  # after a letter: not a code fence
        "asterisks": _rep("*", size),
        "double-asterisks": _rep("**", size),
        "underscores": _rep("_a", size),
        "pipes": _rep("| ", size),
        "spaces": "a" + " " * size + "b",
        "digits": _rep("1", size),
        "digits-and-colons": _rep("12:", size),
        "http": _rep("http://", size),
        "autolinks-unclosed": _rep("<http://", size),
        "nested-parentheses": "(" * half + ")" * half,
        "open-parentheses": _rep("(", size),
        "angle-brackets": _rep("<>", size),
        "comments-unclosed": _rep("<!--", size),
        "dots": _rep("a.", size),
        "for-then-spaces": "lasted" + " " * size + "x",
    }


def document(line: str) -> str:
    return TEMPLATE.replace("{X}", line)


def cases() -> list[tuple[str, str, bytes | str, tuple[str, ...]]]:
    """(relative path, what it is, content, acceptable outcomes)."""
    return [
        (f"regex/{name}.md", f"a 150 KB line of {name.replace('-', ' ')} in every part of a postmortem",
         document(line), ("incident",))
        for name, line in lines().items()
    ]  # fmt: skip
