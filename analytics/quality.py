"""Data quality: what the ingest saw and could not read, and the guide's rules."""

from __future__ import annotations

import pandas as pd

from analytics import filters as flt
from analytics.db import head, query
from analytics.filters import Filters

RULE_LABELS = {
    "written_within_48h": "Written within 48 hours of resolution",
    "whys_depth": "Root cause traced through 3 levels of why",
    "action_items_complete": "Every action item has owner, priority, due date",
    "what_went_well": "'What Went Well' present and not empty",
    "blameless": "Blameless wording",
    "has_action_items": "Has concrete action items",
    "measurable": "Timeline gives detected and resolved",
    "reported_duration": "Reported duration agrees with the timeline",
}
OUTCOMES = "SELECT outcome, count(*) AS files FROM sources GROUP BY 1 ORDER BY files DESC"
SOURCES = """
SELECT path, outcome, reason, kind, incident_id, size_bytes, reused FROM sources
WHERE ? = '' OR outcome = ? ORDER BY outcome, path
"""
SOURCES_COUNT = "SELECT count(*) FROM sources WHERE ? = '' OR outcome = ?"
BY_CODE = """
SELECT level, code, count(*) AS problems, count(DISTINCT source_path) AS files
FROM problems GROUP BY 1, 2 ORDER BY level, problems DESC, code
"""
PROBLEMS = """
SELECT p.source_path AS path, p.line, p.level, p.code, p.message, p.incident_id, s.relpath
FROM problems p LEFT JOIN sources s ON s.path = p.source_path
WHERE ? = '' OR p.code = ? ORDER BY p.source_path, p.line NULLS FIRST, p.code
"""
COMPLIANCE = """
WITH {cte}
SELECT q.rule, count(*) FILTER (WHERE q.outcome = 'pass') AS pass,
       count(*) FILTER (WHERE q.outcome = 'fail') AS fail,
       count(*) FILTER (WHERE q.outcome = 'unknown') AS unknown
FROM quality_findings q JOIN f USING (incident_key) GROUP BY 1 ORDER BY 1
"""
# {where}: the conditions of findings() (a plain `q.outcome = ?` lets DuckDB filter while it reads).
FINDINGS = """
WITH {cte}
SELECT f.incident_id, f.title, f.team, f.quarter, q.rule, q.outcome, q.detail, q.line, q.quote, f.source_path
FROM quality_findings q JOIN f USING (incident_key)
WHERE {where}
ORDER BY q.rule, f.occurred_at DESC, f.incident_id
"""
FINDINGS_COUNT = "WITH {cte} SELECT count(*) FROM quality_findings q JOIN f USING (incident_key) WHERE {where}"

# Per duration, over the filtered incidents: its figures, how many are doubtful, how many rest on a correction.
DURATION_CHECKS = """
WITH {cte}
SELECT x.duration_id, x.label, count(d.minutes) AS figures, count(d.doubt) AS doubtful, count(d.corrected) AS corrected
FROM duration_definitions x LEFT JOIN (incident_durations d JOIN f USING (incident_key)) USING (duration_id)
GROUP BY x.duration_id, x.label, x.position
ORDER BY x.position
"""
# The figures to check: doubtful or corrected, one duration or all ('').
TO_CHECK = """
WITH {cte}
SELECT f.incident_id, f.title, f.team, f.quarter, d.duration_id, d.minutes, d.doubt, d.corrected
FROM incident_durations d JOIN f USING (incident_key)
WHERE (d.doubt IS NOT NULL OR d.corrected IS NOT NULL) AND (? = '' OR d.duration_id = ?)
ORDER BY d.duration_id, f.occurred_at DESC, f.incident_id
"""
TO_CHECK_COUNT = """
WITH {cte}
SELECT count(*) FROM incident_durations d JOIN f USING (incident_key)
WHERE (d.doubt IS NOT NULL OR d.corrected IS NOT NULL) AND (? = '' OR d.duration_id = ?)
"""

# Incidents nothing dates (no date, start or detection): no quarter holds them, so
# every count per quarter leaves them out. The filters that do not need a date apply.
UNDATED_WHERE = """
i.occurred_at IS NULL
AND (len(CAST(? AS VARCHAR[])) = 0 OR list_contains(CAST(? AS VARCHAR[]), i.team))
AND (len(CAST(? AS VARCHAR[])) = 0 OR list_has_any(i.services, CAST(? AS VARCHAR[])))
AND (len(CAST(? AS VARCHAR[])) = 0 OR list_contains(CAST(? AS VARCHAR[]), i.severity))
"""
UNDATED = f"""
SELECT i.incident_id, i.title, i.team, i.source_path AS path FROM incidents i
WHERE {UNDATED_WHERE} ORDER BY i.source_path, i.incident_id
"""
UNDATED_COUNT = f"SELECT count(*) FROM incidents i WHERE {UNDATED_WHERE}"


def outcomes(con) -> dict[str, int]:
    df = query(con, OUTCOMES)
    out = {k: 0 for k in ("incident", "attached", "skipped", "rejected")}
    out.update({r.outcome: int(r.files) for r in df.itertuples()})
    return out


def sources(con, outcome: str = "") -> pd.DataFrame:
    """Every file the ingest saw (or those of one outcome), by outcome and path."""
    return query(con, SOURCES, [outcome, outcome])


def sources_head(con, outcome: str = "", limit: int = 1000) -> dict:
    """sources() for a page: {"rows": its first `limit` rows, "total": its rows in all}."""
    return head(con, SOURCES, [outcome, outcome], limit, SOURCES_COUNT)


def problems_by_code(con) -> pd.DataFrame:
    return query(con, BY_CODE)


def problems(con, code: str = "") -> pd.DataFrame:
    return query(con, PROBLEMS, [code, code])


def compliance(con, f: Filters) -> pd.DataFrame:
    """Per guide rule, over the filtered incidents: pass, fail, unknown and the pass share of the measurable."""
    df = query(con, COMPLIANCE.format(cte=flt.cte(f)), flt.params(f))
    df["label"] = df["rule"].map(RULE_LABELS).fillna(df["rule"])
    measurable = df["pass"] + df["fail"]
    df["pass_share"] = df["pass"] / measurable.where(measurable > 0)
    return df[["rule", "label", "pass", "fail", "unknown", "pass_share"]]


def _findings(f: Filters, rule: str, outcome: str) -> tuple[dict, list]:
    conds, params = ["TRUE"], list(flt.params(f))
    for cond, value in (("q.rule = ?", rule), ("q.outcome = ?", outcome)):
        if value:
            conds.append(cond)
            params.append(value)
    return {"cte": flt.cte(f), "where": " AND ".join(conds)}, params


def findings(con, f: Filters, rule: str = "", outcome: str = "fail") -> pd.DataFrame:
    """Findings of the filtered incidents ('' = any rule, any outcome), by rule, newest incident first."""
    fmt, params = _findings(f, rule, outcome)
    return query(con, FINDINGS.format(**fmt), params)


def findings_head(con, f: Filters, rule: str = "", outcome: str = "fail", limit: int = 1000) -> dict:
    """findings() for a page: {"rows": its first `limit` rows, "total": its rows in all}."""
    fmt, params = _findings(f, rule, outcome)
    return head(con, FINDINGS.format(**fmt), params, limit, FINDINGS_COUNT.format(**fmt))


def duration_checks(con, f: Filters) -> pd.DataFrame:
    """Per duration (in definition order): figures over the filtered incidents,
    doubtful ones (weak evidence, or the document's own stated duration
    disagrees) and corrected ones (resting on a corrections-file entry)."""
    return query(con, DURATION_CHECKS.format(cte=flt.cte(f)), flt.params(f))


def durations_to_check_head(con, f: Filters, duration_id: str = "", limit: int = 1000) -> dict:
    """The doubtful or corrected figures of the filtered incidents, with why
    ('' = every duration), newest incident first per duration: {"rows", "total"}."""
    cte, params = flt.cte(f), [*flt.params(f), duration_id, duration_id]
    return head(con, TO_CHECK.format(cte=cte), params, limit, TO_CHECK_COUNT.format(cte=cte))


def _undated_params(f: Filters) -> list:
    teams, services, sevs = list(f.teams), list(f.services), list(f.severities)
    return [teams, teams, services, services, sevs, sevs]


def undated_count(con, f: Filters) -> int:
    """How many incidents of the filtered teams, services and severities have no
    date: a page that counts per quarter leaves them out and must say so."""
    return int(query(con, UNDATED_COUNT, _undated_params(f)).iloc[0, 0])


def undated_head(con, f: Filters, limit: int = 1000) -> dict:
    """The incidents without a date (id, title, team, the file to date), by file:
    {"rows": the first `limit`, "total": all of them}."""
    return head(con, UNDATED, _undated_params(f), limit, UNDATED_COUNT)


def undated_note(n: int) -> str:
    """The sentence a page counting per quarter adds when incidents have no date ('' when none)."""
    if n <= 0:
        return ""
    return (f"{n:,} incident{'s' if n != 1 else ''} without a date {'are' if n != 1 else 'is'} in no quarter "
            "and not counted here (Data quality lists them).")  # fmt: skip
