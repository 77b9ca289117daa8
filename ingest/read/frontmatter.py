"""YAML front matter: split from the body and loaded safely (values.py bounds what a value may cost).

A broken front matter is an error problem and is ignored; the body is still read. A value that cannot be
used is a warning on its line, and only that value is ignored."""

from __future__ import annotations

import re

import yaml

from ingest.read.decode import unicode_line_breaks
from ingest.read.problems import Problems
from ingest.read.values import TooComplex, load_yaml, with_text_keys

MAX_FRONT_MATTER_BYTES = 64 * 1024
_FM_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


def split_front_matter(text: str, problems: Problems) -> tuple[dict, str, int]:
    """(front matter mapping, text with the front matter lines blanked, line
    count of the front matter). A broken front matter is an error problem and
    is ignored; the body is still read. A value that cannot be used is a
    warning on its line, and only that value is ignored. Unicode line
    separators are read as line breaks first (see decode.unicode_line_breaks)."""
    text = unicode_line_breaks(text, problems)
    if not text.startswith("---"):
        return {}, text, 0
    first_nl = text.find("\n")
    if first_nl < 0 or text[:first_nl].strip() != "---":
        return {}, text, 0
    m = _FM_END.search(text, first_nl + 1)
    if m is None:
        problems.error("front-matter", 1, "front matter starts with '---' but never ends; it is ignored")
        return {}, text, 0
    raw = text[first_nl + 1 : m.start()]
    n_lines = text.count("\n", 0, m.start()) + 1  # the closing delimiter's line number
    rest = text[m.end() :]
    body = "\n" * n_lines + (rest[1:] if rest.startswith("\n") else rest)
    if len(raw.encode("utf-8", "replace")) > MAX_FRONT_MATTER_BYTES:
        problems.error("front-matter", 1, f"front matter is larger than {MAX_FRONT_MATTER_BYTES} bytes; it is ignored")
        return {}, body, n_lines
    value = _front_matter_value(raw, problems)
    if value is None:
        return {}, body, n_lines
    if not isinstance(value, dict):
        problems.error("front-matter", 1, "front matter is not a mapping of keys to values; it is ignored")
        return {}, body, n_lines
    return with_text_keys(value), body, n_lines


def _front_matter_value(raw: str, problems: Problems) -> object:
    """The front matter's value (None when empty or broken: an error says which)."""
    try:
        value, notes = load_yaml(raw, first_line=2)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problems.error(
            "front-matter", line, f"front matter is not valid YAML ({getattr(exc, 'problem', exc)}); it is ignored"
        )
        return None
    except (TooComplex, RecursionError, ValueError, OverflowError) as exc:
        problems.error("front-matter", 1, f"front matter is too complex ({exc}); it is ignored")
        return None
    for note in notes:
        problems.warn(note.code, note.line, f"front matter: {note.message}")
    return value
