"""Incidents: the searchable list and one incident's whole record."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics import filters as flt
from analytics import impact
from analytics.db import MAX_FIGURE, arrays, query
from analytics.filters import Filters
from analytics.stats import summarize

# The incidents of the filters matching a search ({where}: SEARCH, or nothing when there is no search;
# `?` order: filters, then the search five times).
HITS = """
{cte},
hits AS (
    SELECT f.incident_id, f.incident_key, f.title, f.quarter, f.occurred_at, f.team, f.severity, f.status, f.services,
           f.ttd_minutes, f.ttr_minutes, f.source_path
    FROM f {where}
)"""
SEARCH = """
    WHERE f.incident_id ILIKE '%' || ? || '%' OR f.title ILIKE '%' || ? || '%'
       OR list_contains(f.services, lower(?))
       OR f.incident_key IN (SELECT incident_key FROM contributing_factors WHERE text ILIKE '%' || ? || '%')
       OR f.incident_key IN (SELECT incident_key FROM timeline_events WHERE text ILIKE '%' || ? || '%')"""
# Those incidents newest first, with their counts. {limit}: '' (all of them) or 'LIMIT ?' (the first rows only:
# the counts are then taken for those rows alone).
LISTING = """
WITH {hits},
shown AS MATERIALIZED (SELECT * FROM hits ORDER BY occurred_at DESC, incident_id {limit}),
items AS (
    SELECT incident_key, count(*) AS items, count(*) FILTER (WHERE status = 'open') AS open_items
    FROM action_items WHERE incident_key IN (SELECT incident_key FROM shown) GROUP BY 1
),
probs AS (
    SELECT incident_id, count(*) AS problems FROM problems WHERE incident_id IN (SELECT incident_id FROM shown)
    GROUP BY 1
),
fails AS (
    SELECT incident_key, count(*) AS rule_failures FROM quality_findings
    WHERE outcome = 'fail' AND incident_key IN (SELECT incident_key FROM shown) GROUP BY 1
)
SELECT s.incident_id, s.title, s.quarter, s.occurred_at, s.team, s.severity, s.status, s.services,
       s.ttd_minutes, s.ttr_minutes, coalesce(items.items, 0) AS items, coalesce(items.open_items, 0) AS open_items,
       coalesce(probs.problems, 0) AS problems, coalesce(fails.rule_failures, 0) AS rule_failures, s.source_path
FROM shown s LEFT JOIN items ON items.incident_key = s.incident_key LEFT JOIN probs ON probs.incident_id = s.incident_id
LEFT JOIN fails ON fails.incident_key = s.incident_key
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


# ------------------------------------------------------------------ the lists behind a number
# Each lists exactly the incidents a number of another page counts, over the same filters (and the search, when
# there is one): the incidents with a duration (the n of its median), with a factor of a category (the count of
# the category), that state an impact figure (the n of its total). `?` order: the filters and search of HITS,
# then the mode's own values, then the limit.

# The incidents with one duration, shortest first. Minutes beyond MAX_FIGURE are unknown to every statistic
# (db.finite_rows), so they are left out here too.
DURATION_ROWS = """
WITH {hits}
SELECT h.incident_id, h.title, h.quarter, h.occurred_at, h.team, h.severity, h.status, d.minutes, d.doubt,
       d.corrected
FROM hits h JOIN incident_durations d USING (incident_key)
WHERE d.duration_id = ? AND isfinite(d.minutes) AND abs(d.minutes) <= ?
ORDER BY d.minutes, h.occurred_at, h.incident_id
LIMIT ?
"""
DURATION_MINUTES = """
WITH {hits}
SELECT d.minutes, d.doubt IS NOT NULL AS doubtful
FROM hits h JOIN incident_durations d USING (incident_key)
WHERE d.duration_id = ?
"""
DURATION_LABEL = "SELECT label FROM duration_definitions WHERE duration_id = ?"
# The incidents with a factor of one category, newest first, each with its factor sentences of that category
# in document order; _total and _factors count every incident and sentence, before the limit. The sentences are
# gathered for the rows shown only (`?` order after HITS': the category, the limit, the category).
CATEGORY_ROWS = """
WITH {hits},
c AS (
    SELECT incident_key, count(*) AS factors
    FROM contributing_factors
    WHERE category = ? AND incident_key IN (SELECT incident_key FROM hits)
    GROUP BY incident_key
),
top AS MATERIALIZED (
    SELECT h.incident_id, h.incident_key, h.title, h.quarter, h.occurred_at, h.team, h.severity, h.status,
           c.factors, count(*) OVER () AS _total, sum(c.factors) OVER () AS _factors
    FROM hits h JOIN c USING (incident_key)
    ORDER BY h.occurred_at DESC, h.incident_id
    LIMIT ?
),
l AS (
    SELECT incident_key, list(text ORDER BY source_path, seq) AS texts,
           list(line ORDER BY source_path, seq) AS lines, list(section ORDER BY source_path, seq) AS sections
    FROM contributing_factors
    WHERE category = ? AND incident_key IN (SELECT incident_key FROM top)
    GROUP BY incident_key
)
SELECT t.incident_id, t.title, t.quarter, t.occurred_at, t.team, t.severity, t.status, t.factors, l.texts,
       l.lines, l.sections, t._total, t._factors
FROM top t JOIN l USING (incident_key)
ORDER BY t.occurred_at DESC, t.incident_id
"""
# The incidents that state one impact figure (impact.summary's n: counted, not 'unknown'; money: in one
# currency when one is asked for), the largest first (flags: yes first); _total and _sum over every row.
FIGURE_ROWS = """
WITH {hits}
SELECT h.incident_id, h.title, h.quarter, h.occurred_at, h.team, h.severity, h.status,
       x.metric, x.value, x.low, x.high, x.unit, x.currency, x.qualifier, x.approximate, x.flag, x.text, x.line,
       x.source_path, count(*) OVER () AS _total, sum(x.value) OVER () AS _sum
FROM hits h JOIN incident_impact x ON x.incident_key = h.incident_key AND x.counted
WHERE x.metric = ? AND x.qualifier <> 'unknown'
  AND (CAST(? AS VARCHAR) IS NULL OR coalesce(nullif(x.currency, ''), ?) = CAST(? AS VARCHAR))
ORDER BY x.flag DESC NULLS LAST, x.value DESC NULLS LAST, h.occurred_at DESC, h.incident_id
LIMIT ?
"""


def _limit(limit: int) -> int:
    if limit < 1:
        raise ValueError("limit must be at least 1")  # the first row carries the counts
    return int(limit)


def duration_list(con, f: Filters, metric: str, search: str = "", limit: int = 1000) -> dict:
    """The incidents behind a duration's median: those of the filters (and search) that have the duration
    `metric` (ttd, tta, ttm, ttr, ...), shortest first. -> {"rows": the first `limit` (incident_id, title,
    quarter, occurred_at, team, severity, status, minutes, doubt, corrected), "total": n, "median", "p90",
    "doubtful": figures resting on weak evidence, "label": the duration's name (None: no such duration)}.
    n and the median are durations.summary()'s for the same filters, so the list is the number clicked."""
    hits, params = _hits(f, search)
    rows = query(con, DURATION_ROWS.format(hits=hits), [*params, metric, MAX_FIGURE, _limit(limit)])
    r = arrays(con, DURATION_MINUTES.format(hits=hits), [*params, metric])
    s = summarize(r["minutes"].tolist())
    label = query(con, DURATION_LABEL, [metric])
    return {"rows": rows, "total": s.n, "median": s.median, "p90": s.p90, "doubtful": int(r["doubtful"].sum()),
            "label": str(label.iloc[0, 0]) if len(label) else None}  # fmt: skip


def category_list(con, f: Filters, category: str, search: str = "", limit: int = 1000) -> dict:
    """The incidents behind a category's count: those of the filters (and search) with at least one factor of
    `category`, newest first, each with those factor sentences (texts, lines, sections: lists in document
    order). -> {"rows", "total": the incidents, "factors": the sentences, over every row}."""
    hits, params = _hits(f, search)
    rows = query(con, CATEGORY_ROWS.format(hits=hits), [*params, category, _limit(limit), category])
    total = int(rows["_total"].iloc[0]) if len(rows) else 0
    factors = int(rows["_factors"].iloc[0]) if len(rows) else 0
    rows = rows.drop(columns=["_total", "_factors"])
    rows["texts"] = [[_text(t) for t in v] for v in rows["texts"]]
    rows["sections"] = [[_text(t) for t in v] for v in rows["sections"]]
    rows["lines"] = [[_line(n) for n in v] for v in rows["lines"]]
    return {"rows": rows, "total": total, "factors": factors}


def _text(v) -> str | None:
    return v if isinstance(v, str) else None


def _line(v) -> int | None:
    """A line of a list column as a plain int (a structured document's NULL line as None)."""
    if v is None or np.ma.is_masked(v):
        return None
    try:
        return None if pd.isna(v) else int(v)
    except (TypeError, ValueError):
        return None


def figure_list(con, f: Filters, metric: str, currency: str | None = None, search: str = "",
                limit: int = 1000) -> dict:  # fmt: skip
    """The incidents behind an impact total: those of the filters (and search) that state the figure `metric`
    (impact.METRICS; money: only in `currency` when given, 'unspecified' for none written), largest first,
    flags yes first. -> {"rows": with the figure as stated (value, low, high, qualifier, ..., `shown` as a
    person reads it, text and line it was read from), "total": n (impact.summary()'s n_reporting), "sum":
    their sum (None for a flag, or money in several currencies), "label"}."""
    if metric not in impact.METRICS:
        raise ValueError(f"{metric!r} is not an impact figure; one of {', '.join(impact.METRICS)}")
    kind = impact.METRICS[metric][1]
    cur = currency if kind == "money" and currency else None
    hits, params = _hits(f, search)
    rows = query(con, FIGURE_ROWS.format(hits=hits), [*params, metric, cur, impact.UNSPECIFIED, cur, _limit(limit)])
    total = int(rows["_total"].iloc[0]) if len(rows) else 0
    summed = rows["_sum"].iloc[0] if len(rows) and (kind == "count" or cur) and kind != "flag" else None
    rows = rows.drop(columns=["_total", "_sum"])
    rows["shown"] = impact.shown_column(rows)
    label = impact.figure_label(metric, cur) if cur else impact.METRICS[metric][0]
    return {"rows": rows, "total": total, "sum": impact.number(summed), "label": label}


INCIDENT = "SELECT * FROM incidents WHERE incident_id = ?"
# The incident's rows, by its incident_key (`?`; EVIDENCE: and its main document): an integer compared across a
# table costs less than a text, and only some tables have an index on incident_id. The problems have no key.
EVENTS = """
SELECT seq, line, "at", kind, kind_source, text, time_text, signals, episode, source_path
FROM timeline_events WHERE incident_key = ? ORDER BY source_path, seq
"""
FACTORS = """
SELECT section, category, text, why, line, source_path FROM contributing_factors WHERE incident_key = ?
ORDER BY source_path, seq
"""
WHYS = "SELECT level, question, answer, evidence, line, source_path FROM whys WHERE incident_key = ? ORDER BY source_path, level"
ITEMS = """
SELECT item_id, priority, action, owners, due_date, due_text, ticket, status, status_source, ticket_status, done_at,
       item_type, line, source_path
FROM action_items WHERE incident_key = ? ORDER BY source_path, seq
"""
LESSONS = "SELECT kind, text, line, source_path FROM lessons WHERE incident_key = ? ORDER BY source_path, seq"
PROBLEMS = (
    "SELECT level, code, line, message, source_path FROM problems WHERE incident_id = ? ORDER BY source_path, line"
)
FINDINGS = "SELECT rule, outcome, detail, line, quote FROM quality_findings WHERE incident_key = ? ORDER BY rule"
DOCUMENTS = (
    "SELECT path, relpath, outcome, kind, reason FROM sources WHERE incident_key = ? ORDER BY outcome DESC, path"
)
DURATIONS = """
SELECT d.duration_id, d.label, d.start_milestone, d.end_milestone, x.minutes, x.doubt, x.corrected
FROM duration_definitions d LEFT JOIN incident_durations x ON x.duration_id = d.duration_id AND x.incident_key = ?
ORDER BY d.position
"""
# Why each milestone of the incident is what it is: the main document's evidence (a correction included).
EVIDENCE = """
SELECT milestone, "at", source, line, rule, phrase, confidence, reason
FROM milestone_evidence WHERE incident_key = ? AND source_path = ?
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
    p = [int(row["incident_key"])]
    evidence = {r["milestone"]: r for r in query(con, EVIDENCE, [*p, row["source_path"]]).to_dict("records")}
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
        "problems": query(con, PROBLEMS, [incident_id]),
        "findings": query(con, FINDINGS, p),
        "documents": query(con, DOCUMENTS, p),
    }
