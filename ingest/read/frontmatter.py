"""YAML front matter and structured (YAML/JSON) documents: safe, bounded loading."""

from __future__ import annotations

import json
import re

import yaml

from ingest.read.problems import Problems

MAX_FRONT_MATTER_BYTES = 64 * 1024
MAX_NODES = 20_000  # an alias bomb expands far past this
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FM_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


class TooComplex(ValueError):
    pass


def count_nodes(value, limit: int = MAX_NODES) -> int:
    """Nodes in a loaded YAML value, counting shared (aliased) nodes every time
    they are reached, stopping at `limit` (raises TooComplex)."""
    stack = [value]
    n = 0
    while stack:
        v = stack.pop()
        n += 1
        if n > limit:
            raise TooComplex(f"more than {limit} values (a YAML alias bomb?)")
        if isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list | tuple):
            stack.extend(v)
    return n


def load_yaml_text(text: str) -> object:
    """yaml.safe_load with the C loader when present, and a complexity bound."""
    value = yaml.load(text, Loader=_LOADER)
    count_nodes(value)
    return value


def split_front_matter(text: str, problems: Problems) -> tuple[dict, str, int]:
    """(front matter mapping, text with the front matter lines blanked, line
    count of the front matter). A broken front matter is an error problem and
    is ignored; the body is still read."""
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
    try:
        value = load_yaml_text(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problems.error(
            "front-matter", line, f"front matter is not valid YAML ({getattr(exc, 'problem', exc)}); it is ignored"
        )
        return {}, body, n_lines
    except (TooComplex, RecursionError) as exc:
        problems.error("front-matter", 1, f"front matter is too complex ({exc}); it is ignored")
        return {}, body, n_lines
    if value is None:
        return {}, body, n_lines
    if not isinstance(value, dict):
        problems.error("front-matter", 1, "front matter is not a mapping of keys to values; it is ignored")
        return {}, body, n_lines
    return {str(k): v for k, v in value.items()}, body, n_lines


def load_structured(text: str, suffix: str) -> object:
    """A structured document's value. Raises ValueError with a readable reason."""
    if suffix == ".json":
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON: {exc.msg} at line {exc.lineno}") from exc
        count_nodes(value)
        return value
    try:
        docs = list(yaml.load_all(text, Loader=_LOADER))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ValueError(f"not valid YAML{where}: {getattr(exc, 'problem', exc)}") from exc
    docs = [d for d in docs if d is not None]
    for d in docs:
        count_nodes(d)
    if len(docs) > 1:
        raise ValueError(f"holds {len(docs)} YAML documents; put one incident in each file")
    return docs[0] if docs else None
