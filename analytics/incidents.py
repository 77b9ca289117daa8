"""Incidents: the searchable list and one incident's whole record."""

from __future__ import annotations

import pandas as pd

from analytics import filters as flt
from analytics.db import query
from analytics.filters import Filters

# The incidents of the filters matching a search ({where}: SEARCH, or nothing when there is no search;
# `?` order: filters, then the search five times).
HITS = """
{cte},
hits AS (
    SELECT f.incident_id, f.title, f.quarter, f.occurred_at, f.team, f.severity, f.status, f.services,
           f.ttd_minutes, f.ttr_minutes, f.source_path
    FROM f {where}
)"""
SEARCH = """
    WHERE f.incident_id ILIKE '%' || ? || '%' OR f.title ILIKE '%' || ? || '%'
       OR list_contains(f.services, lower(?))
       OR f.incident_id IN (SELECT incident_id FROM contributing_factors WHERE text ILIKE '%' || ? || '%')
       OR f.incident_id IN (SELECT incident_id FROM timeline_events WHERE text ILIKE '%' || ? || '%')"""
# Those incidents newest first, with their counts. {limit}: '' (all of them) or 'LIMIT ?' (the first rows only:
# the counts are then taken for those rows alone).
LISTING = """
WITH {hits},
shown AS MATERIALIZED (SELECT * FROM hits ORDER BY occurred_at DESC, incident_id {limit}),
items AS (
    SELECT incident_id, count(*) AS items, count(*) FILTER (WHERE status = 'open') AS open_items
    FROM action_items WHERE incident_id IN (SELECT incident_id FROM shown) GROUP BY 1
),
probs AS (
    SELECT incident_id, count(*) AS problems FROM problems WHERE incident_id IN (SELECT incident_id FROM shown)
    GROUP BY 1
),
fails AS (
    SELECT incident_id, count(*) AS rule_failures FROM quality_findings
    WHERE outcome = 'fail' AND incident_id IN (SELECT incident_id FROM shown) GROUP BY 1
)
SELECT s.incident_id, s.title, s.quarter, s.occurred_at, s.team, s.severity, s.status, s.services,
       s.ttd_minutes, s.ttr_minutes, coalesce(items.items, 0) AS items, coalesce(items.open_items, 0) AS open_items,
       coalesce(probs.problems, 0) AS problems, coalesce(fails.rule_failures, 0) AS rule_failures, s.source_path
FROM shown s LEFT JOIN items USING (incident_id) LEFT JOIN probs USING (incident_id) LEFT JOIN fails USING (incident_id)
ORDER BY s.occurred_at DESC, s.incident_id
"""
HITS_COUNT = "WITH {hits} SELECT count(*) FROM hits"


def _hits(f: Filters, search: str) -> tuple[str, list]:
    s = (search or "").strip()[:200]
    if not s:
        return HITS.format(cte=flt.cte(f), where=""), flt.params(f)
    return HITS.format(cte=flt.cte(f), where=SEARCH), [*flt.params(f), s, s, s, s, s]


def listing(con, f: Filters, search: str = "") -> pd.DataFrame:
    """Incidents of the filters, newest first; `search` matches id, title, service, factor or timeline text.
    Columns: incident_id, title, quarter, occurred_at, team, severity, status, services, ttd_minutes,
    ttr_minutes, items, open_items, problems, rule_failures (guide rules failed), source_path."""
    hits, params = _hits(f, search)
    return query(con, LISTING.format(hits=hits, limit=""), params)


def listing_head(con, f: Filters, search: str = "", limit: int = 1000) -> dict:
    """listing() for a page: {"rows": its first `limit` rows, "total": the incidents it lists in all}."""
    if limit < 0:
        raise ValueError("limit must be at least 0")
    hits, params = _hits(f, search)
    rows = query(con, LISTING.format(hits=hits, limit="LIMIT ?"), [*params, int(limit)])
    total = len(rows) if len(rows) < limit else int(query(con, HITS_COUNT.format(hits=hits), params).iloc[0, 0])
    return {"rows": rows, "total": total}


INCIDENT = "SELECT * FROM incidents WHERE incident_id = ?"
EVENTS = """
SELECT seq, line, "at", kind, kind_source, text, time_text, signals, episode, source_path
FROM timeline_events WHERE incident_id = ? ORDER BY source_path, seq
"""
FACTORS = "SELECT section, category, text, why, line, source_path FROM contributing_factors WHERE incident_id = ? ORDER BY source_path, seq"
WHYS = "SELECT level, question, answer, evidence, line, source_path FROM whys WHERE incident_id = ? ORDER BY source_path, level"
ITEMS = """
SELECT item_id, priority, action, owners, due_date, due_text, ticket, status, status_source, ticket_status, done_at,
       item_type, line, source_path
FROM action_items WHERE incident_id = ? ORDER BY source_path, seq
"""
LESSONS = "SELECT kind, text, line, source_path FROM lessons WHERE incident_id = ? ORDER BY source_path, seq"
PROBLEMS = (
    "SELECT level, code, line, message, source_path FROM problems WHERE incident_id = ? ORDER BY source_path, line"
)
FINDINGS = "SELECT rule, outcome, detail, line, quote FROM quality_findings WHERE incident_id = ? ORDER BY rule"
DOCUMENTS = "SELECT path, outcome, kind, reason FROM sources WHERE incident_id = ? ORDER BY outcome DESC, path"
DURATIONS = """
SELECT d.duration_id, d.label, d.start_milestone, d.end_milestone, x.minutes, x.doubt, x.corrected
FROM duration_definitions d LEFT JOIN incident_durations x ON x.duration_id = d.duration_id AND x.incident_id = ?
ORDER BY d.position
"""
# Why each milestone of the incident is what it is: the main document's evidence (a correction included).
EVIDENCE = """
SELECT e.milestone, e."at", e.source, e.line, e.rule, e.phrase, e.confidence, e.reason
FROM milestone_evidence e JOIN incidents i ON i.incident_id = e.incident_id AND i.source_path = e.source_path
WHERE e.incident_id = ?
"""
MILESTONES = ("started", "detected", "acknowledged", "declared", "mitigated", "resolved", "published")


EVIDENCE_COLUMNS = ("source", "line", "rule", "phrase", "confidence", "reason")


def _has(v) -> bool:
    return v is not None and not pd.isna(v)


def exists(con, incident_id: str) -> bool:
    return len(query(con, "SELECT 1 FROM incidents WHERE incident_id = ?", [incident_id])) > 0


def detail(con, incident_id: str) -> dict | None:
    """Everything recorded about one incident, or None when there is no such id. Its milestones come
    with their evidence (source, line, rule, phrase, confidence; a correction's reason), its durations
    with their doubt (why a figure is not to be trusted as it stands), its timeline with what each
    event says (signals) and the episode it belongs to."""
    inc = query(con, INCIDENT, [incident_id])
    if inc.empty:
        return None
    row = inc.iloc[0].to_dict()
    p = [incident_id]
    evidence = {r["milestone"]: r for r in query(con, EVIDENCE, p).to_dict("records")}
    shown = [m for m in MILESTONES if _has(row.get(f"{m}_at")) or m in evidence]
    milestones = pd.DataFrame(
        [
            {"milestone": m, "at": row.get(f"{m}_at"), **{k: evidence.get(m, {}).get(k) for k in EVIDENCE_COLUMNS}}
            for m in shown
        ],
        columns=["milestone", "at", *EVIDENCE_COLUMNS],
    )
    return {
        "incident": row,
        "milestones": milestones,
        "durations": query(con, DURATIONS, p),
        "timeline": query(con, EVENTS, p),
        "factors": query(con, FACTORS, p),
        "whys": query(con, WHYS, p),
        "action_items": query(con, ITEMS, p),
        "lessons": query(con, LESSONS, p),
        "problems": query(con, PROBLEMS, p),
        "findings": query(con, FINDINGS, p),
        "documents": query(con, DOCUMENTS, p),
    }
