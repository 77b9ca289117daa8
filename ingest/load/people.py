"""The people file (--people): owner handles to display name, team and manager."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ingest.read.frontmatter import TooComplex, load_yaml_text
from ingest.read.problems import Problems
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
    (or a list of mappings with a `handle`)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.error("people-unreadable", None, f"cannot read the people file: {exc.strerror or exc}")
        return []
    if len(data) > MAX_BYTES:
        problems.error("people-too-large", None, f"people file is larger than {MAX_BYTES:,} bytes; not read")
        return []
    try:
        doc = load_yaml_text(data.decode("utf-8", errors="replace"))
    except (yaml.YAMLError, TooComplex, RecursionError) as exc:
        problems.error("people-invalid", None, f"people file is not valid YAML: {exc}")
        return []
    raw = doc.get("people") if isinstance(doc, dict) and "people" in doc else doc
    entries: list[tuple[str, object]] = []
    if isinstance(raw, dict):
        entries = [(str(k), v) for k, v in raw.items()]
    elif isinstance(raw, list):
        entries = [(str(v.get("handle", "")), v) for v in raw if isinstance(v, dict)]
    else:
        problems.error("people-invalid", None, "people file must map handles to {name, team, manager}")
        return []
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
