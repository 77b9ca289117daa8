"""A hostile corpus, generated (never committed): every way a file can be
broken, huge, malicious or strange. `python -m tests.hostile.corpus DIR`
writes it; the tests call `write(dir)`. Each case is a CASES entry: the file
name, what it is, and the outcome the build must give it."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

HTML = "<script>alert('pwned')</script><img src=x onerror=alert(1)>"
SQL = "'; DROP TABLE incidents; --"
FORMULA = '=HYPERLINK("http://evil.example","click")'

GOOD = """\
# Postmortem: A normal incident {n}

**Date:** 2025-03-0{n}
**Severity:** SEV3

## Timeline

| Time | Event |
|---|---|
| 10:00 | Config pushed to production |
| 10:05 | Alert fired |
| 10:40 | Service fully recovered, incident resolved |

## Action Items

| Priority | Action | Owner | Due Date |
|---|---|---|---|
| P1 | Validate config in CI | @ana | 2025-03-20 |
"""


def _doc(title: str, rows: str, extra: str = "") -> str:
    return (f"# Postmortem: {title}\n\n**Date:** 2025-04-01\n**Severity:** SEV2\n\n## Timeline\n\n"
            f"| Time | Event |\n|---|---|\n{rows}\n{extra}")  # fmt: skip


def cases() -> list[tuple[str, str, bytes | str, tuple[str, ...]]]:
    """(relative path, what it is, content, acceptable outcomes)."""
    big_line = "x" * (10 * 1024 * 1024)
    rows = "".join(f"| 10:{i % 60:02d} | step {i} of a very long timeline |\n" for i in range(100_000))
    nested = "".join("  " * i + f"- level {i}\n" for i in range(2000))
    bomb = "---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" \
           "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n" \
           "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n" \
           "g: [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n---\n" + _doc("alias bomb", "| 10:00 | Alert fired |")  # fmt: skip
    hostile_fm = ("---\n!!python/object/apply:os.system [\"touch /tmp/pwned\"]: 1\nid: !!python/name:os.system\n---\n"
                  + _doc("python tags in front matter", "| 10:00 | Alert fired |"))  # fmt: skip
    wrong_types = ("---\nid: [not, a, string]\ndate: [2025, 1, 1]\nseverity: {level: 2}\nteam: 42\nservices: 7\n"
                   "started_at: [1, 2]\ntags: {a: b}\ntitle: [x]\n---\n" + _doc("wrong types", "| 10:00 | Alert fired |"))  # fmt: skip
    everywhere = f"{HTML} {SQL} {FORMULA}"
    evil = (f"---\nid: evil-1\nteam: {json.dumps(HTML)}\nservices: [{json.dumps(SQL)}, {json.dumps(FORMULA)}]\n---\n"
            f"# Postmortem: {everywhere}\n\n**Date:** 2025-04-02\n**Severity:** SEV2\n\n## Timeline\n\n"
            f"| Time | Event |\n|---|---|\n| 10:00 | {everywhere} deployed |\n| 10:05 | Alert fired {HTML} |\n"
            f"| 10:30 | Resolved {SQL} |\n\n## Contributing Factors\n\n- {everywhere}\n\n## What Went Well\n\n- {HTML}\n\n"
            f"## Action Items\n\n| Priority | Action | Owner | Due Date | Ticket |\n|---|---|---|---|---|\n"
            f"| P1 | {FORMULA} | @{'=cmd'} , {SQL} | 2025-05-01 | {HTML} |\n| P2 | +1 {everywhere} | -2 | 2025-05-02 | @x |\n")  # fmt: skip
    out_of_range = _doc("times out of range", "| 99:99 | Alert fired |\n| 24:00 | x |\n| 9999-99-99 10:00 | y |\n"
                        "| 0001-01-01 00:00 | resolved |\n| 10:00:61 | z |",
                        "\n**Published:** 99999-01-01\n")  # fmt: skip
    out_of_range = out_of_range.replace("2025-04-01", "0000-00-00")
    return [
        ("good/2025-03-01-normal.md", "a normal postmortem", GOOD.format(n=1), ("incident",)),
        ("good/2025-03-02-normal.md", "another normal postmortem", GOOD.format(n=2), ("incident",)),
        ("empty.md", "an empty file", b"", ("rejected",)),
        ("blank.md", "only whitespace", b"   \n\n\t\n", ("rejected",)),
        ("binary.md", "binary content with a .md name", bytes(range(256)) * 40, ("rejected",)),
        ("image.png", "an image", b"\x89PNG\r\n\x1a\n" + bytes(200), ("skipped",)),
        (
            "invalid-utf8.md",
            "bytes that are not UTF-8",
            GOOD.format(n=3).encode() + b"\xff\xfe\xfa broken\n",
            ("incident",),
        ),
        (
            "utf16.md",
            "UTF-16 with a BOM",
            "\ufeff".encode("utf-16-le") + GOOD.format(n=4).encode("utf-16-le"),
            ("incident",),
        ),
        ("crlf.md", "CRLF line endings", GOOD.format(n=5).replace("\n", "\r\n").encode(), ("incident",)),
        (
            "mixed-endings.md",
            "CR, LF and CRLF mixed",
            GOOD.format(n=6).replace("\n", "\r", 3).replace("|\n", "|\r\n").encode(),
            ("incident",),
        ),
        ("huge-50mb.md", "a 50 MB document", (GOOD.format(n=7) + "filler line\n" * 4_400_000).encode(), ("rejected",)),
        ("long-line.md", "a single 10 MB line", big_line.encode(), ("rejected",)),
        ("long-timeline.md", "a 100,000-row timeline", _doc("long timeline", rows), ("incident", "rejected")),
        (
            "nested.md",
            "lists nested 2,000 deep",
            _doc("deep nesting", "| 10:00 | Alert fired |", "\n## Action Items\n\n" + nested),
            ("incident",),
        ),
        ("alias-bomb.md", "a YAML alias bomb in front matter", bomb, ("incident",)),
        (
            "alias-bomb.yaml",
            "a YAML alias bomb as a structured document",
            bomb.split("---\n")[1],
            ("rejected", "skipped"),
        ),
        ("python-tags.md", "YAML tags that would run code", hostile_fm, ("incident",)),
        ("wrong-types.md", "front matter with lists where text and dates belong", wrong_types, ("incident",)),
        ("dup-a.md", "a duplicate incident id (first)", "---\nid: DUP-1\n---\n" + GOOD.format(n=8), ("incident",)),
        ("dup-b.md", "a duplicate incident id (second)", "---\nid: DUP-1\n---\n" + GOOD.format(n=9), ("incident",)),
        ("out-of-range.md", "times and dates out of range", out_of_range, ("incident",)),
        ("evil.md", "HTML, script, SQL and formulas in every field", evil, ("incident",)),
        (
            "evil.json",
            "a structured document with hostile values",
            json.dumps(
                {
                    "title": HTML,
                    "severity": SQL,
                    "timeline": [{"at": "not a time", "text": FORMULA}],
                    "action_items": [{"action": FORMULA, "owners": ["=1+1"], "due_date": [1, 2]}],
                }
            ),
            ("incident",),
        ),
        ("invalid.yaml", "YAML that does not parse", "title: [unclosed\nseverity: : :\n", ("rejected",)),
        (
            "list-of-incidents.yaml",
            "two incidents in one YAML file",
            "title: a\nseverity: SEV1\n---\ntitle: b\nseverity: SEV2\n",
            ("rejected",),
        ),
    ]


def all_cases() -> list[tuple[str, str, bytes | str, tuple[str, ...]]]:
    """cases() and the cases of every tests/hostile/more_*.py module (each a `cases()` of the same shape),
    so each class of hostile input keeps its cases beside its own tests."""
    import importlib
    import pkgutil

    out = cases()
    here = Path(__file__).parent
    for mod in sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("more_")):
        out += importlib.import_module(f"tests.hostile.{mod}").cases()
    return out


def write(root: Path) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Write the corpus under root; returns {relative path: (what, outcomes)}.
    Adds the cases a plain file cannot be: a symlink loop, a link out of the
    corpus, a dangling link, a FIFO, and (when not root) an unreadable file."""
    root.mkdir(parents=True, exist_ok=True)
    out = {}
    for rel, what, content, outcomes in all_cases():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content.encode() if isinstance(content, str) else content)
        out[rel] = (what, outcomes)
    outside = root.parent / "outside-secret.md"
    outside.write_text(GOOD.format(n=1).replace("A normal incident", "A file outside the corpus"))
    links = root / "links"
    links.mkdir(exist_ok=True)
    for name, target, what, outcomes in [
        ("loop", "loop", "a symlink loop", ("rejected",)),
        ("outside.md", str(outside), "a link pointing outside the corpus", ("rejected",)),
        ("dangling.md", "no-such-file.md", "a link pointing nowhere", ("rejected",)),
        ("inside.md", "../good/2025-03-01-normal.md", "a link to a file inside the corpus", ("incident",)),
    ]:
        os.symlink(target, links / name)
        out[f"links/{name}"] = (what, outcomes)
    os.symlink("..", links / "up")  # a folder link back up: must not be walked into
    out["links/up"] = ("a link to a folder (a loop through the tree)", ("rejected", "skipped"))
    os.mkfifo(root / "fifo.md")
    out["fifo.md"] = ("a named pipe with a .md name (reading it would block)", ("rejected",))
    if os.geteuid() != 0:
        p = root / "unreadable.md"
        p.write_text(GOOD.format(n=1))
        p.chmod(0)
        out["unreadable.md"] = ("a file without read permission", ("rejected",))
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus")
    for rel, (what, outcomes) in write(target).items():
        print(f"{rel}: {what} -> {' or '.join(outcomes)}")
