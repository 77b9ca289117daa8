"""Hostile cases of the build as a whole (tests/test_hostile_build.py holds
the ones a plain file cannot be: names that are not UTF-8, pipes, git
history, hidden folders, locks)."""

from __future__ import annotations

import json

TIMELINE = [{"at": "2025-01-01T10:00Z", "text": "Alert fired"}, {"at": "2025-01-01T10:30Z", "text": "Resolved"}]


def cases() -> list[tuple[str, str, bytes | str, tuple[str, ...]]]:
    """(relative path, what it is, content, acceptable outcomes)."""
    surrogate = json.dumps({"title": "lone \ud800 surrogate", "severity": "SEV2", "timeline": TIMELINE})
    nan = json.dumps({"title": "not a number", "severity": "SEV2", "timeline": TIMELINE, "cost": float("nan"),
                      "action_items": [{"action": "Fix", "owner": "ana", "estimate": float("inf")}]})  # fmt: skip
    escapes = ("# Postmortem: \x1b]0;owned\x07\x1b[2J \u202eevil\u202c \x9b31m\n\n**Date:** 2025-04-03\n"
               "**Severity:** SEV3\n\n## Timeline\n\n| Time | Event |\n|---|---|\n| 10:00 | Alert fired \x1b[5m |\n"
               "| 10:20 | Resolved |\n")  # fmt: skip
    return [
        ("build/surrogate.json", "a JSON string with a lone surrogate (\\ud800)", surrogate, ("incident",)),
        ("build/nan.json", "NaN and Infinity in a JSON document", nan, ("incident",)),
        ("build/escapes.md", "terminal escapes and bidi overrides in the title and timeline", escapes, ("incident",)),
        ("build/.hidden.md", "a hidden file (listed as skipped, not read)", escapes, ("skipped",)),
    ]
