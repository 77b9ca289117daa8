"""Small vocabularies shared by the document parser and the tracker/people files:
owners, priorities, action-item statuses."""

from __future__ import annotations

import re

from ingest.read.mdblocks import clean_inline

NO_OWNER = frozenset({"", "tbd", "tba", "-", "--", "\u2014", "none", "n/a", "na", "?", "??", "unassigned",
                      "nobody", "no one", "unknown", "todo", "owner", "null", "nil"})  # fmt: skip
# White space is taken from where its run begins (linear on a run of spaces).
_OWNER_SPLIT = re.compile(r"(?:(?<!\s)\s+)?(?:,|;|/|&|\+|\band\b)\s*|(?<!\s)\s+(?=@)")
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+\.[\w.-]+$")


def normalise_owner(raw: str) -> str | None:
    """'@Alice', 'Alice', 'alice' -> 'alice'; 'Alice Smith' -> 'alice smith';
    an e-mail address keeps its local part ('alice@x.org' -> 'alice')."""
    s = clean_inline(str(raw)).strip().strip("()[]<>\"'`*_.,:")
    if _EMAIL.match(s):
        s = s.split("@", 1)[0]
    s = s.lstrip("@").strip()
    s = " ".join(s.lower().split())
    if s in NO_OWNER:
        return None
    return s


def split_owners(raw) -> list[str]:
    """Several owners in one cell, split on commas, slashes, 'and', '&' or
    between @handles; each normalised; duplicates and 'TBD' dropped."""
    if raw is None:
        return []
    if isinstance(raw, list | tuple):
        parts = [str(p) for p in raw if p is not None]
    else:
        parts = _OWNER_SPLIT.split(clean_inline(str(raw)))
    out: list[str] = []
    for p in parts:
        o = normalise_owner(p)
        if o and o not in out:
            out.append(o)
    return out


PRIORITY_WORDS = {"critical": "P0", "urgent": "P0", "highest": "P0", "blocker": "P0", "high": "P1",
                  "medium": "P2", "med": "P2", "normal": "P2", "low": "P3", "lowest": "P3"}  # fmt: skip
_PRIORITY = re.compile(r"^(?:p|priority\s*)?([0-9]+)$", re.IGNORECASE)


class BadPriority(ValueError):
    pass


def normalise_priority(raw) -> str | None:
    """P0..P3 from 'P1', 'p1', '1', 'High', ...; None for empty/TBD;
    BadPriority for anything else (P9, 'soon')."""
    if raw is None:
        return None
    s = clean_inline(str(raw)).strip().strip("[]()")
    if s.lower() in NO_OWNER:
        return None
    m = _PRIORITY.match(s.replace(" ", "") if len(s) < 12 else s)
    if m:
        n = int(m.group(1))
        if n <= 3:
            return f"P{n}"
        raise BadPriority(f"priority '{s}' is outside P0..P3")
    word = s.lower().split()[0] if s else ""
    if word in PRIORITY_WORDS:
        return PRIORITY_WORDS[word]
    raise BadPriority(f"priority '{s}' is not one of P0..P3 (or critical/high/medium/low)")


DONE_WORDS = frozenset({"done", "closed", "resolved", "fixed", "complete", "completed", "finished",
                        "merged", "shipped", "deployed", "released", "implemented", "verified", "x", "yes",
                        "\u2705", "\u2714", "\u2714\ufe0f", "\u2611", "\u2713"})  # fmt: skip
DROPPED_WORDS = frozenset({"won't do", "wont do", "won't fix", "wont fix", "wontfix", "wontdo", "duplicate",
                           "cancelled", "canceled", "dropped", "rejected", "obsolete", "invalid",
                           "not planned", "declined", "abandoned", "won t do", "won t fix", "\u274c"})  # fmt: skip


def status_class(raw) -> str | None:
    """'done' | 'dropped' | 'open' for a status word; None when empty."""
    if raw is None:
        return None
    s = " ".join(clean_inline(str(raw)).lower().replace("_", " ").replace("\u2019", "'").split()).strip(" .!")
    if not s or s in ("-", "tbd", "n/a"):
        return None
    if s in DONE_WORDS or s.startswith(("done", "complete", "fixed", "closed", "resolved", "\u2705")):
        return "done"
    if s in DROPPED_WORDS or s.startswith(("won't", "wont", "cancel", "duplicate", "dropped")):
        return "dropped"
    return "open"
