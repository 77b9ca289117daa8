"""One incident's postmortem files as written, and the lines of them the ingest used.

The document view shows a postmortem rendered, with the lines a figure rests on marked: each milestone's
evidence line, the contributing factors, the action items and the impact figures. So a reader sees why a
number is what it is. The files are read from where the build read them (sources.path); the content
hash the build recorded says whether a file has changed since, in which case the marks may be off."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

import pandas as pd

from analytics.db import query
from ingest.read.decode import Unreadable, decode, unicode_line_breaks
from ingest.read.problems import Problems

MAX_BYTES = 2 * 1024 * 1024  # a postmortem past this is not rendered in the page: too slow, and no one reads it there
STRUCTURED_SUFFIXES = (".yaml", ".yml", ".json")

HEADER = "SELECT incident_id, title, source_path FROM incidents WHERE incident_id = ?"
# The files that make up the incident, its main document first (then attached parts by path).
DOCUMENTS = """
SELECT s.path, s.root, s.relpath, s.content_hash, s.kind, s.outcome, s.size_bytes, s.path = i.source_path AS main
FROM sources s JOIN incidents i ON i.incident_id = s.incident_id
WHERE s.incident_id = ? AND s.outcome IN ('incident', 'attached')
ORDER BY main DESC, s.relpath, s.path
"""
# Every line a figure of the incident rests on, with what it was used for. Milestones: the main document's
# evidence only (the incident's milestones are its main document's; a correction has no line). `?`: the
# incident id four times.
USED_LINES = """
SELECT e.source_path, e.line, 0 AS kind_order, 'milestone' AS kind,
       list_position(['started', 'detected', 'acknowledged', 'declared', 'mitigated', 'resolved'], e.milestone) AS seq,
       e.milestone || '_at evidence' AS used_for, coalesce(e.phrase, '') AS detail
FROM milestone_evidence e JOIN incidents i ON i.incident_id = e.incident_id AND i.source_path = e.source_path
WHERE e.incident_id = ? AND e.line IS NOT NULL AND e.source <> 'correction'
UNION ALL
SELECT source_path, line, 1, 'factor', seq, 'factor: ' || category, coalesce(text, '')
FROM contributing_factors WHERE incident_id = ? AND line IS NOT NULL
UNION ALL
SELECT source_path, line, 2, 'action_item', seq, 'action item', coalesce(action, '')
FROM action_items WHERE incident_id = ? AND line IS NOT NULL
UNION ALL
SELECT source_path, line, 3, 'impact', seq, 'impact: ' || metric || CASE WHEN counted THEN '' ELSE ' (not counted)' END,
       coalesce(text, '')
FROM incident_impact WHERE incident_id = ? AND line IS NOT NULL
ORDER BY source_path, line, kind_order, seq
"""
MARK_COLUMNS = ["source_path", "line", "used_for", "uses", "kinds", "detail"]


def header(con, incident_id: str) -> dict | None:
    """{incident_id, title, source_path} of the incident, or None when there is no such id."""
    rows = query(con, HEADER, [incident_id])
    return None if rows.empty else rows.iloc[0].to_dict()


def documents(con, incident_id: str) -> pd.DataFrame:
    """The files the incident was read from, main document first. Columns: path (where the build read it),
    root, relpath (its path under the corpus root: what a repository link needs), content_hash, kind,
    outcome (incident | attached), size_bytes, main."""
    return query(con, DOCUMENTS, [incident_id])


def marks(con, incident_id: str) -> pd.DataFrame:
    """One row per (source_path, line) the ingest used for the incident. Columns: source_path, line,
    used_for (the uses in words, '; '-joined: 'detected_at evidence', 'factor: deploy-safety', 'action item',
    'impact: customers_affected'), uses (the same as a tuple, each once), kinds (milestone, factor,
    action_item, impact; comma-joined), detail (the words each use rests on, ' | '-joined)."""
    rows = query(con, USED_LINES, [incident_id] * 4)
    out = []
    for (path, line), g in rows.groupby(["source_path", "line"], sort=True):
        uses = tuple(dict.fromkeys(g["used_for"]))
        kinds = ",".join(dict.fromkeys(g["kind"]))
        details = " | ".join(d for d in dict.fromkeys(g["detail"]) if d)
        out.append((path, int(line), "; ".join(uses), uses, kinds, details))
    return pd.DataFrame(out, columns=MARK_COLUMNS)


def uses_by_line(marked: pd.DataFrame, source_path: str) -> dict[int, tuple[str, ...]]:
    """{line: what it was used for} of one file, out of marks(): what the renderer labels."""
    mine = marked[marked["source_path"] == source_path]
    return {int(line): tuple(uses) for line, uses in zip(mine["line"], mine["uses"], strict=True)}


@dataclass(frozen=True)
class DocumentText:
    """A postmortem file as it is on disk now. status: ok | changed (differs from what the build read, so
    the marks may be off) | missing | too_large | unreadable; text is None unless ok or changed."""

    status: str
    text: str | None = None
    size: int | None = None
    reason: str | None = None

    @property
    def readable(self) -> bool:
        return self.text is not None


def content_hash(data: bytes) -> str:
    """What the build recorded for a file: SHA-256 of its bytes, first 32 hex digits."""
    return hashlib.sha256(data).hexdigest()[:32]


def is_structured(path: str) -> bool:
    """A YAML or JSON postmortem: shown whole as written, not as Markdown."""
    return path.lower().endswith(STRUCTURED_SUFFIXES)


def read_text(path: str, expected_hash: str | None, max_bytes: int = MAX_BYTES) -> DocumentText:
    """The file's text decoded as the ingest decodes it (so the line numbers the build recorded point at
    the same lines), whether it changed since the build, or why it cannot be shown."""
    try:
        size = os.stat(path).st_size
        if size > max_bytes:
            return DocumentText("too_large", size=size, reason=f"{size:,} bytes; the page shows up to {max_bytes:,}")
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except FileNotFoundError:
        return DocumentText("missing", reason="no file at that path now")
    except OSError as exc:
        return DocumentText("unreadable", reason=f"cannot read it: {exc.strerror or type(exc).__name__}")
    if len(data) > max_bytes:
        return DocumentText("too_large", size=len(data), reason=f"more than {max_bytes:,} bytes")
    try:
        problems = Problems()
        text = decode(data, problems)
    except Unreadable as exc:
        return DocumentText("unreadable", size=len(data), reason=str(exc))
    if not is_structured(path):
        text = unicode_line_breaks(text, problems)  # the ingest counts these as line breaks in Markdown
    status = "ok" if expected_hash and content_hash(data) == expected_hash else "changed"
    return DocumentText(status, text=text, size=len(data))
