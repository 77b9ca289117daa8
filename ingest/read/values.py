"""Safe, bounded loading of YAML and JSON values (front matter and structured documents).

A value that cannot be used costs that value, never the document: a date
that does not exist (`2024-02-30`) or a time like `25:61` is kept as the text
written, for the field's reader to report; NaN and infinity are dropped; a
number too large to be a figure (`MAX_NUMBER` or more) is kept as its text;
a container nested deeper than `MAX_DEPTH` is dropped. Every drop and every
key a mapping gives twice is a `Note`, which the caller turns into a problem
with its line. The guards fit the format: YAML aliases can make a short text
expand without end (an alias bomb), so what aliases add is counted; JSON has
no aliases, so its only bounds are the file size and the nesting depth."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

MAX_ALIAS_VALUES = 20_000  # values aliases may add beyond those written; an alias bomb adds millions
MAX_DEPTH = 100  # containers nested deeper than this are dropped (no export nests half as deep)
MAX_NUMBER = 1e15  # numbers this large or larger are no figure any postmortem states: kept as text
_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE = "tag:yaml.org,2002:merge"


class TooComplex(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Note:
    """Something loading found and set right: a problem code, the file line
    (None when the format gives none) and what happened."""

    code: str
    line: int | None
    message: str
    key: str = ""  # the top-level key it is under, when known


@dataclass(frozen=True, slots=True)
class Dropped:
    """A value written but unusable (NaN, infinity): removed after loading."""

    text: str
    line: int | None  # 0-based in the loaded text
    why: str

    def __str__(self) -> str:
        return self.text


class Loaded(dict):
    """A loaded mapping with the file line of each top-level key (`lines`,
    for problems that name the line) and what loading it found (`notes`)."""

    lines: dict[str, int]
    notes: list[Note]

    def __init__(self, *args, lines: dict | None = None, notes: list | None = None) -> None:
        super().__init__(*args)
        self.lines = lines or {}
        self.notes = notes or []


def with_text_keys(value: dict) -> Loaded:
    """`value` with every key as text, keeping its lines and notes."""
    return Loaded({str(k): v for k, v in value.items()}, lines=getattr(value, "lines", None),
                  notes=getattr(value, "notes", None))  # fmt: skip


# ----------------------------------------------------------------- YAML


class _Loader(_BASE):
    """The safe loader, with constructors that never raise on a bad value and
    a record of keys given twice."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self.notes: list[tuple[str, int, str]] = []  # (code, 0-based line, message)

    def construct_timestamp(self, node):
        """A date or time that cannot exist stays the text written, so the
        field it belongs to reports it (and only that field is lost)."""
        try:
            return SafeConstructor.construct_yaml_timestamp(self, node)
        except (ValueError, OverflowError):
            return node.value

    def construct_int(self, node):
        """YAML 1.1 reads `10:30` as 630 (base 60): a time or a zone offset
        is meant, so the text is kept. Numbers past MAX_NUMBER (or past what
        Python converts) are kept as text too."""
        if ":" in node.value:
            return node.value
        try:
            value = SafeConstructor.construct_yaml_int(self, node)
        except ValueError:
            return node.value
        return value if abs(value) < MAX_NUMBER else node.value

    def construct_float(self, node):
        """NaN and infinity are no value: dropped (with a note)."""
        if ":" in node.value:
            return node.value
        value = SafeConstructor.construct_yaml_float(self, node)
        if not math.isfinite(value):
            return Dropped(node.value, node.start_mark.line, "is not a finite number")
        return value if abs(value) < MAX_NUMBER else node.value

    def construct_mapping(self, node, deep=False):
        if isinstance(node, MappingNode):
            self._note_repeated_keys(node)
        return super().construct_mapping(node, deep)

    def _note_repeated_keys(self, node: MappingNode) -> None:
        """A key written twice in one mapping (merge keys `<<` aside: they
        are meant to be overridden). PyYAML keeps the last value."""
        seen: set[tuple[str, str]] = set()
        for key, _ in node.value:
            if not isinstance(key, ScalarNode) or key.tag == _MERGE:
                continue
            ident = (key.tag, key.value)
            if ident in seen:
                self.notes.append(("duplicate-key", key.start_mark.line,
                                   f"key '{key.value[:60]}' is given more than once; the last value is used"))  # fmt: skip
            seen.add(ident)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _Loader.construct_float)


def _children(node) -> list:
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, SequenceNode):
        return node.value
    return []


def check_aliases(root, limit: int = MAX_ALIAS_VALUES) -> int:
    """How many values aliases add to a composed YAML document once expanded
    (a shared node counts each time it is reached). Raises TooComplex past
    `limit`, or when a node contains itself. Each node is visited once."""
    size: dict[int, int] = {}
    open_: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        nid = id(node)
        if done:
            open_.discard(nid)
            size[nid] = 1 + sum(size[id(c)] for c in _children(node))
            if size[nid] - len(size) > limit:
                raise TooComplex(f"aliases add more than {limit} values (a YAML alias bomb?)")
            continue
        if nid in size:
            continue
        if nid in open_:
            raise TooComplex("a value contains itself through an alias")
        open_.add(nid)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node))
    added = size[id(root)] - len(size)
    if added > limit:
        raise TooComplex(f"aliases add more than {limit} values (a YAML alias bomb?)")
    return added


def _construct(loader: _Loader, node, first_line: int, aliases: bool) -> tuple[object, list[Note]]:
    """One composed document -> (value, notes), after the alias guard. `aliases`: the text may hold an alias
    (a `*`): a text without one composes no node twice, so the guard has nothing to count."""
    if aliases:
        check_aliases(node)
    value = loader.construct_document(node)
    notes = [Note(code, line + first_line, msg) for code, line, msg in loader.notes]
    loader.notes.clear()
    lines = {}
    if isinstance(node, MappingNode):
        lines = {str(k.value): k.start_mark.line + first_line for k, _ in node.value if isinstance(k, ScalarNode)}
    # a note without a line of its own (a value nested too deep) takes its top-level key's
    notes += [n if n.line is not None else Note(n.code, lines.get(n.key), n.message, n.key)
              for n in clean(value, first_line)]  # fmt: skip
    if isinstance(value, dict):
        value = Loaded(value, lines=lines, notes=notes)
    return value, notes


def load_yaml(text: str, first_line: int = 1) -> tuple[object, list[Note]]:
    """One YAML document -> (value, notes); `first_line` is the file line the
    text starts on. Raises yaml.YAMLError (not YAML; several documents) and
    TooComplex (an alias bomb)."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return (None, []) if node is None else _construct(loader, node, first_line, "*" in text)
    finally:
        loader.dispose()


def load_yaml_text(text: str) -> object:
    """The value of one YAML document (see load_yaml)."""
    return load_yaml(text)[0]


# ----------------------------------------------------------------- cleaning


def _where(path: str, key) -> str:
    return f"{path}.{str(key)[:40]}" if path else str(key)[:40]


def _shown(where: str) -> str:
    """A path short enough to read: 'x[1][1][1]...[1]' for one 500 deep."""
    return where if len(where) <= 80 else f"{where[:50]}...{where[-20:]}"


def clean(value, first_line: int = 1) -> list[Note]:
    """Take out, in place, the values loading marked Dropped and the
    containers nested deeper than MAX_DEPTH; note the keys a JSON object gave
    twice. Returns a note for each, naming where it was (`timeline[3].at`,
    1-based). Each container is visited once (aliases share them)."""
    notes: list[Note] = []
    seen: set[int] = set()
    stack = [(value, 0, "")]
    while stack:
        v, depth, path = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        if isinstance(v, dict):
            for key in getattr(v, "repeated", ()):
                where = _where(path, key)
                notes.append(Note("duplicate-key", None, f"{_shown(where)}: the key is given more than once; "
                                  "the last value is used", _top(where)))  # fmt: skip
            pairs = list(v.items())
        elif isinstance(v, list):
            pairs = [(f"[{i}]", x) for i, x in enumerate(v, 1)]
        else:
            continue
        gone = []
        for key, x in pairs:
            where = f"{path}{key}" if isinstance(v, list) else _where(path, key)
            note = _unusable(x, depth, where, first_line)
            if note is not None:
                notes.append(note)
                gone.append(key)
            elif isinstance(x, dict | list):
                stack.append((x, depth + 1, where))
        if gone and isinstance(v, dict):
            for key in gone:
                del v[key]
        elif gone:
            drop = {int(k[1:-1]) - 1 for k in gone}
            v[:] = [x for i, x in enumerate(v) if i not in drop]
    return notes


def _top(where: str) -> str:
    return re.split(r"[.\[]", where, maxsplit=1)[0]


def _unusable(x, depth: int, where: str, first_line: int) -> Note | None:
    if isinstance(x, Dropped):
        line = None if x.line is None else x.line + first_line
        return Note("bad-field", line, f"{_shown(where)}: '{x.text[:40]}' {x.why}; ignored", _top(where))
    if depth >= MAX_DEPTH and isinstance(x, dict | list):
        return Note("bad-field", None, f"{_shown(where)}: a value nested more than {MAX_DEPTH} deep; ignored",
                    _top(where))  # fmt: skip
    return None


# ----------------------------------------------------------------- structured documents


class _Object(dict):
    """A JSON object that gave some keys more than once (`repeated`)."""

    repeated: list[str]


def _json_object(pairs: list[tuple[str, object]]) -> dict:
    value = dict(pairs)
    if len(value) == len(pairs):
        return value
    out = _Object(value)
    counts: dict[str, int] = {}
    for k, _ in pairs:
        counts[k] = counts.get(k, 0) + 1
    out.repeated = [k for k, n in counts.items() if n > 1]
    return out


def _json_int(text: str) -> int | str:
    digits = len(text) - text.startswith("-")
    return int(text) if digits <= 15 else text  # 16 digits and more: past MAX_NUMBER, kept as text


def _json_float(text: str) -> float | str | Dropped:
    value = float(text)
    if not math.isfinite(value):
        return Dropped(text, None, "is not a finite number")
    return value if abs(value) < MAX_NUMBER else text


def _json_constant(text: str) -> Dropped:
    return Dropped(text, None, "is not a finite number")  # NaN, Infinity, -Infinity


def _json_loads(text: str) -> object:
    return json.loads(text, object_pairs_hook=_json_object, parse_int=_json_int, parse_float=_json_float,
                      parse_constant=_json_constant)  # fmt: skip


_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def cut_deep_json(text: str, limit: int = MAX_DEPTH) -> tuple[str, list[int]]:
    """`text` with each array or object nested more than `limit` levels below
    the top one replaced by null (the JSON reader recurses, and gives up near
    a thousand levels); returns the new text and the line of each cut."""
    out, lines, pos, depth, cut_at = [], [], 0, 0, -1
    for m in _JSON_TOKEN.finditer(text):
        tok = m.group()
        if tok[0] == '"':
            continue
        if tok in "[{":
            depth += 1
            if depth == limit + 2 and cut_at < 0:
                cut_at = m.start()
        else:
            if depth == limit + 2 and cut_at >= 0:
                out += [text[pos:cut_at], "null"]
                lines.append(text.count("\n", 0, cut_at) + 1)
                pos, cut_at = m.end(), -1
            depth -= 1
    out.append(text[pos:])
    return "".join(out), lines


def _load_json(text: str) -> tuple[object, list[Note]]:
    notes: list[Note] = []
    try:
        try:
            value = _json_loads(text)
        except RecursionError:
            text, cuts = cut_deep_json(text)
            notes += [Note("bad-field", n, f"a value nested more than {MAX_DEPTH} deep; ignored") for n in cuts]
            value = _json_loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc.msg} at line {exc.lineno}") from exc
    notes += clean(value)
    return value, notes


def _load_yaml_documents(text: str) -> list[tuple[object, list[Note]]]:
    loader = _Loader(text)
    try:
        docs = []
        aliases = "*" in text  # once for the stream, not once per document in it
        while loader.check_node():
            docs.append(_construct(loader, loader.get_node(), 1, aliases))
        return [d for d in docs if d[0] is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ValueError(f"not valid YAML{where}: {getattr(exc, 'problem', exc)}") from exc
    finally:
        loader.dispose()


def load_structured(text: str, suffix: str) -> object:
    """A structured document's value. Raises ValueError with a readable reason.
    A mapping comes back as `Loaded`: its notes are the problems loading found."""
    if suffix == ".json":
        value, notes = _load_json(text)
    else:
        docs = _load_yaml_documents(text)
        if len(docs) > 1:
            raise ValueError(f"holds {len(docs)} YAML documents; put one incident in each file")
        value, notes = docs[0] if docs else (None, [])
    if isinstance(value, dict):
        return Loaded(value, lines=getattr(value, "lines", None), notes=notes)
    return value
