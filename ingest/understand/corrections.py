"""Corrections: milestones a published postmortem gets wrong and cannot be
edited, set or cleared by hand with the reason (data/corrections.yaml, or
`--corrections FILE`).

    corrections:
      payments/2024-01-15-outage:          # the incident id the dashboard shows
        started_at: 2024-01-15T14:23:00Z   # set (ISO 8601, Z or an offset)
        resolved_at: null                  # clear: the document does not say
        reason: The timeline says UTC, but its alert quotes show Pacific time.

They are applied when a document is read, so every page, report and export
shows the corrected value, marked as corrected with the reason.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from ingest.understand.document import Evidence, ParsedDocument
from ingest.understand.rulefiles import MILESTONES, RulesError, load_yaml

CORRECTABLE = tuple(m for m in MILESTONES if m != "published")
CORRECTIONS_FILE = "corrections.yaml"  # in a corpus root: the corrections for that corpus


@dataclass(frozen=True, slots=True)
class Correction:
    incident_id: str
    values: tuple[tuple[str, datetime | None], ...]  # (milestone, new value or None to clear)
    reason: str


@dataclass
class Corrections:
    by_id: dict[str, Correction] = field(default_factory=dict)
    path: str | None = None

    def __len__(self) -> int:
        return len(self.by_id)

    def apply(self, doc: ParsedDocument) -> bool:
        """Set or clear the document's milestones its incident's correction
        names; True when there was one."""
        c = self.by_id.get(doc.incident_id or "")
        if c is None:
            return False
        for name, value in c.values:
            doc.milestones[name] = value
            doc.milestone_sources[name] = "correction"
            doc.evidence[name] = Evidence(value, "correction", None, "corrected by hand", "", "clear", c.reason)
        return True

    def fingerprint(self) -> str:
        h = hashlib.sha256()
        for iid in sorted(self.by_id):
            c = self.by_id[iid]
            h.update(repr((iid, c.values, c.reason)).encode())
        return h.hexdigest()[:16]


def load_corrections(path: Path | None, required: bool = False) -> Corrections:
    """The corrections file; an absent default file is no corrections."""
    if path is None or (not required and not path.exists()):
        return Corrections()
    doc = load_yaml(path)
    raw = doc.get("corrections")
    if raw is None:
        return Corrections(path=str(path))
    if not isinstance(raw, dict):
        raise RulesError(f"{path}: 'corrections' must map an incident id to its corrections")
    out: dict[str, Correction] = {}
    for iid, entry in raw.items():
        where = f"{path}: correction for {iid!r}"
        if not isinstance(entry, dict):
            raise RulesError(f"{where}: expected milestones and a reason")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise RulesError(f"{where}: needs a 'reason' saying why the document is wrong")
        values = []
        for key, value in entry.items():
            if key == "reason":
                continue
            name = key[:-3] if isinstance(key, str) and key.endswith("_at") else key
            if name not in CORRECTABLE:
                raise RulesError(
                    f"{where}: {key!r} is not a milestone (use {', '.join(m + '_at' for m in CORRECTABLE)})"
                )
            values.append((name, None if value is None else _timestamp(value, f"{where}: {key}")))
        if not values:
            raise RulesError(f"{where}: names no milestone to set or clear")
        out[str(iid)] = Correction(str(iid), tuple(values), reason.strip())
    return Corrections(out, str(path))


def _timestamp(value, where: str) -> datetime:
    """An ISO 8601 time with Z or an offset -> naive UTC. A time without a
    zone is refused: a correction must not guess."""
    if isinstance(value, date) and not isinstance(value, datetime):
        raise RulesError(f"{where}: {value} is a date; a correction needs a time with its zone (…T14:23:00Z)")
    if isinstance(value, str):
        s = value.strip()
        try:
            value = datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s)
        except ValueError as exc:
            raise RulesError(f"{where}: {s!r} is not an ISO 8601 time (…T14:23:00Z)") from exc
    if not isinstance(value, datetime):
        raise RulesError(f"{where}: expected a time such as 2024-01-15T14:23:00Z")
    if value.tzinfo is None:
        raise RulesError(f"{where}: {value.isoformat()} has no zone; write Z for UTC or an offset")
    return value.astimezone(UTC).replace(tzinfo=None)
