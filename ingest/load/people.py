"""The people file (--people): owner handles to display name, team and manager."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ingest.read.decode import read_side_file
from ingest.read.problems import Problems
from ingest.read.values import TooComplex, load_yaml
from ingest.understand.vocab import normalise_owner

MAX_BYTES = 10 * 1024 * 1024


@dataclass(slots=True)
class Person:
    handle: str
    name: str | None
    team: str | None
    manager: str | None
    aliases: list[str] = field(default_factory=list)


def read_people(path: Path, problems: Problems) -> list[Person]:
    """people: {alice: {name: Alice Chen, team: payments, manager: maria, aliases: [Alice Chen]}}
    (or a list of mappings with a `handle`). Its bounds are the file size
    (MAX_BYTES) and what YAML aliases may add: a people file lists many
    people, each with a few fields, and that is no alias bomb."""
    doc = _load(path, problems)
    if doc is None:
        return []
    raw = doc.get("people") if isinstance(doc, dict) and "people" in doc else doc
    if isinstance(raw, dict):
        entries = [(str(k), v) for k, v in raw.items()]
    elif isinstance(raw, list):
        entries = [(str(v.get("handle", "")), v) for v in raw if isinstance(v, dict)]
    else:
        problems.error("people-invalid", None, "people file must map handles to {name, team, manager}")
        return []
    people = _people(entries, problems)
    _drop_conflicting_aliases(people, problems)
    return people


def _load(path: Path, problems: Problems) -> object:
    """The people file's YAML value, or None (with an error saying why)."""
    data = read_side_file(path, MAX_BYTES, problems, "people")
    if data is None:
        return None
    try:
        doc, notes = load_yaml(data.decode("utf-8", errors="replace"))
    except (yaml.YAMLError, TooComplex, RecursionError) as exc:
        problems.error("people-invalid", None, f"people file is not valid YAML: {exc}")
        return None
    for note in notes:  # a handle given twice, a value that cannot be used
        problems.warn("people-entry", note.line, f"people file: {note.message}")
    return doc


def _people(entries: list[tuple[str, object]], problems: Problems) -> list[Person]:
    out, seen = [], set()
    for n, (handle, v) in enumerate(entries, 1):
        h = normalise_owner(handle)
        if not h:
            problems.warn("people-entry", None, f"people file entry {n} has no handle; skipped")
            continue
        if h in seen:
            problems.warn("people-entry", None, f"people file lists {h} twice; the first entry is used")
            continue
        seen.add(h)
        v = v if isinstance(v, dict) else {"name": v} if isinstance(v, str) else {}
        aliases = v.get("aliases") or []
        aliases = [
            a for a in (normalise_owner(str(x)) for x in (aliases if isinstance(aliases, list) else [aliases])) if a
        ]
        manager = normalise_owner(str(v["manager"])) if v.get("manager") else None
        team = str(v["team"]).strip().lower() if v.get("team") else None
        out.append(Person(h, str(v["name"]).strip() if v.get("name") else None, team, manager, aliases))
    return out


def _drop_conflicting_aliases(people: list[Person], problems: Problems) -> None:
    """An alias is one person's other name. An alias that is another person's
    handle would hand that person's action items to the first; an alias two
    people give would be a coin toss (and one map key twice). Either is a
    warning and the alias is dropped: a handle stays its own person, and an
    alias two people give stays with the first."""
    handles = {p.handle for p in people}
    owner: dict[str, str] = {}
    for p in people:
        kept = []
        for a in dict.fromkeys(p.aliases):
            if a == p.handle:
                continue
            if a in handles:
                problems.warn("people-alias", None, f"people file: {p.handle}'s alias '{a}' is the handle of "
                              f"another person; ignored ({a} stays {a})")  # fmt: skip
            elif a in owner:
                problems.warn("people-alias", None, f"people file: {p.handle}'s alias '{a}' is already "
                              f"{owner[a]}'s; ignored")  # fmt: skip
            else:
                owner[a] = p.handle
                kept.append(a)
        p.aliases = kept
