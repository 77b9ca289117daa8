"""ParsedDocument -> rows of the staging tables (all but the resolved incident id).

Runs in the parser processes, so what crosses back to the main process is
plain tuples, not objects."""

from __future__ import annotations

import json
import math
import re

from ingest.understand.document import ParsedDocument

# staging table -> columns, in the order the tuples carry them
STAGING: dict[str, list[str]] = {
    "sources": ["path", "root", "relpath", "outcome", "reason", "kind", "doc_id", "id_explicit", "attach_to",
                "content_hash", "size_bytes", "mtime_ns", "reused"],
    "documents": ["source_path", "doc_id", "kind", "title", "date", "severity", "status", "team", "services", "tags",
                  "authors", "timezone", "started_at", "detected_at", "acknowledged_at", "declared_at",
                  "mitigated_at", "resolved_at", "published_at", "milestone_sources", "duration_doubts",
                  "reported_duration_minutes",
                  "has_went_well_section", "custom_fields", "content_hash"],
    "timeline_events": ["source_path", "seq", "line", "at", "kind", "kind_source", "text", "time_text", "signals",
                        "episode"],
    "milestone_evidence": ["source_path", "milestone", "at", "source", "line", "rule", "phrase", "confidence",
                           "reason"],
    "contributing_factors": ["source_path", "seq", "line", "section", "category", "text", "why"],
    "whys": ["source_path", "level", "line", "question", "answer", "evidence"],
    "action_items": ["item_id", "source_path", "seq", "line", "section", "priority", "action", "doc_owners",
                     "doc_due_date", "due_text", "ticket", "item_type", "item_type_source", "extra", "doc_status",
                     "doc_status_source", "doc_status_text"],
    "lessons": ["source_path", "seq", "line", "kind", "text"],
    "blame_hits": ["source_path", "line", "phrase", "quote"],
    "problems": ["source_path", "line", "level", "code", "message"],
    "incident_impact": ["source_path", "seq", "line", "metric", "value", "low", "high", "unit", "currency", "qualifier",
                        "approximate", "flag", "source", "text"],
    "incident_links": ["source_path", "seq", "line", "section", "ref_kind", "ref", "ref_key", "ref_date", "text"],
}  # fmt: skip


def _json(v) -> str | None:
    """A JSON column's text. It must be valid JSON whatever a document holds:
    NaN or infinity (JSON documents may write them), keys that are numbers or
    dates and mixed key types (YAML allows them) would otherwise fail the
    whole load; such values are written as text."""
    if not v:
        return None
    try:
        return json.dumps(v, ensure_ascii=False, sort_keys=True, default=str, allow_nan=False)
    except (TypeError, ValueError):
        return json.dumps(_plain(v), ensure_ascii=False, sort_keys=True, default=str, allow_nan=False)


def _plain(v):
    """`v` with text keys and finite numbers (the rest as text)."""
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


_SURROGATE = re.compile("[\ud800-\udfff]")


def _safe_str(s: str) -> str:
    """Text without lone surrogates (a JSON "\\ud800" escape is one): each
    becomes U+FFFD, the replacement character."""
    return _SURROGATE.sub("\ufffd", s)


def _safe_value(v):
    if isinstance(v, str):
        return _safe_str(v)
    if isinstance(v, list | tuple):
        return type(v)(_safe_value(x) for x in v)
    return v


def made_safe(rows: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """One document's rows with every text value made storable (see _safe_str)."""
    return {t: [tuple(_safe_value(v) for v in r) for r in rs] for t, rs in rows.items()}


def document_rows(doc: ParsedDocument, path: str, root: str) -> dict[str, list[tuple]]:
    """Staging rows for one parsed file. `path` is the display path (root +
    relpath), the key every row carries."""
    out: dict[str, list[tuple]] = {t: [] for t in STAGING}
    out["sources"].append((path, root, doc.path, doc.outcome, doc.reason, doc.kind, doc.incident_id, doc.id_explicit,
                           doc.attach_to, doc.content_hash, doc.size_bytes, doc.mtime_ns, False))  # fmt: skip
    for p in doc.problems:
        out["problems"].append((path, p.line, p.level, p.code, p.message))
    if doc.outcome not in ("incident", "attached"):
        return out
    m = doc.milestones
    out["documents"].append((
        path, doc.incident_id, doc.kind, doc.title, doc.date, doc.severity, doc.status, doc.team, doc.services,
        doc.tags, doc.authors, doc.timezone, m.get("started"), m.get("detected"), m.get("acknowledged"),
        m.get("declared"), m.get("mitigated"), m.get("resolved"), m.get("published"),
        _json(doc.milestone_sources), _json(doc.duration_doubts), doc.reported_duration_minutes,
        doc.has_went_well_section,
        _json(doc.custom_fields), doc.content_hash,
    ))  # fmt: skip
    for i, e in enumerate(doc.timeline):
        out["timeline_events"].append((path, i, e.line, e.at, e.kind, e.kind_source, e.text, e.time_text,
                                       ",".join(sorted(e.signals)), e.episode))  # fmt: skip
    for name, ev in doc.evidence.items():
        out["milestone_evidence"].append((path, name, ev.at, ev.source, ev.line, ev.rule, ev.phrase, ev.confidence,
                                          ev.reason))  # fmt: skip
    for i, f in enumerate(doc.factors):
        out["contributing_factors"].append((path, i, f.line, f.section, f.category, f.text, f.why or None))
    for w in doc.whys:
        out["whys"].append((path, w.level, w.line, w.question, w.answer, w.evidence))
    for i, a in enumerate(doc.action_items):
        out["action_items"].append((
            f"{path}#{i}", path, i, a.line, a.section, a.priority, a.action, a.owners, a.due_date, a.due_text,
            a.ticket, a.item_type, a.item_type_source, _json(a.extra), a.status, a.status_source, a.status_text,
        ))  # fmt: skip
    for i, x in enumerate(doc.lessons):
        out["lessons"].append((path, i, x.line, x.kind, x.text))
    for b in doc.blame:
        out["blame_hits"].append((path, b.line, b.phrase, b.quote))
    for i, x in enumerate(doc.impact):
        out["incident_impact"].append((path, i, x.line, x.metric, x.value, x.low, x.high, x.unit, x.currency,
                                       x.qualifier, x.approximate, x.flag, x.source, x.text))  # fmt: skip
    for i, r in enumerate(doc.related):
        out["incident_links"].append((path, i, r.line, r.section, r.kind, r.ref, r.key, r.date, r.text))
    return out
