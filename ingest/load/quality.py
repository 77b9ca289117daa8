"""The guide's rules, per incident, computed in SQL over the loaded tables.

One row per incident and rule: pass, fail or unknown (not measurable from
what the documents say). Parameters come from data/guide_rules.yaml."""

from __future__ import annotations

from ingest.understand.rules import GuideRules

RULES = {
    "written_within_48h": "Written within 48 hours of resolution",
    "whys_depth": "Root cause traced through at least 3 levels of why",
    "action_items_complete": "Every action item has an owner, a priority and a due date",
    "what_went_well": "'What Went Well' is never skipped",
    "blameless": "Blameless: no blame phrasing about people",
    "has_action_items": "Has concrete action items",
    "measurable": "Timeline gives at least detected and resolved",
    "reported_duration": "Reported duration agrees with the timeline",
}

LAG = """
INSERT INTO quality_findings
SELECT incident_id, incident_key, 'written_within_48h',
       CASE WHEN resolved_at IS NULL OR published_at IS NULL THEN 'unknown'
            WHEN date_diff('minute', resolved_at, published_at) <= ? * 60 THEN 'pass' ELSE 'fail' END,
       CASE WHEN resolved_at IS NULL THEN 'no resolution time in the timeline'
            WHEN published_at IS NULL THEN 'no publication date (front matter published_at, or git history)'
            ELSE 'published ' || round(date_diff('minute', resolved_at, published_at) / 60.0, 1)
                 || ' h after resolution (' || coalesce(published_source, '') || ')' END,
       NULL, NULL
FROM incidents
"""
WHYS = """
INSERT INTO quality_findings
SELECT i.incident_id, i.incident_key, 'whys_depth',
       CASE WHEN coalesce(w.n, 0) >= ? THEN 'pass' ELSE 'fail' END,
       coalesce(w.n, 0) || ' level(s) of why', NULL, NULL
FROM incidents i LEFT JOIN (SELECT incident_id, count(*) AS n FROM whys GROUP BY 1) w USING (incident_id)
"""
ITEMS_COMPLETE = """
INSERT INTO quality_findings
SELECT i.incident_id, i.incident_key, 'action_items_complete',
       CASE WHEN coalesce(a.n, 0) = 0 THEN 'unknown' WHEN a.incomplete = 0 THEN 'pass' ELSE 'fail' END,
       CASE WHEN coalesce(a.n, 0) = 0 THEN 'no action items'
            ELSE a.incomplete || ' of ' || a.n || ' item(s) incomplete: ' || a.no_owner || ' without owner, '
                 || a.no_priority || ' without priority, ' || a.no_due || ' without due date' END,
       a.first_line, NULL
FROM incidents i LEFT JOIN (
    SELECT incident_id, count(*) AS n,
           count(*) FILTER (WHERE len(owners) = 0 OR priority IS NULL OR due_date IS NULL) AS incomplete,
           count(*) FILTER (WHERE len(owners) = 0) AS no_owner,
           count(*) FILTER (WHERE priority IS NULL) AS no_priority,
           count(*) FILTER (WHERE due_date IS NULL) AS no_due,
           min(line) FILTER (WHERE len(owners) = 0 OR priority IS NULL OR due_date IS NULL) AS first_line
    FROM action_items GROUP BY 1) a USING (incident_id)
"""
WENT_WELL = """
INSERT INTO quality_findings
SELECT i.incident_id, i.incident_key, 'what_went_well',
       CASE WHEN d.has_went_well_section AND coalesce(l.n, 0) > 0 THEN 'pass' ELSE 'fail' END,
       CASE WHEN NOT d.has_went_well_section THEN 'no What Went Well section'
            WHEN coalesce(l.n, 0) = 0 THEN 'What Went Well section is empty'
            ELSE l.n || ' item(s)' END,
       NULL, NULL
FROM incidents i
JOIN (SELECT incident_id, bool_or(has_went_well_section) AS has_went_well_section FROM documents GROUP BY 1) d
  USING (incident_id)
LEFT JOIN (SELECT incident_id, count(*) AS n FROM lessons WHERE kind = 'went_well' GROUP BY 1) l USING (incident_id)
"""
BLAMELESS = """
INSERT INTO quality_findings
SELECT i.incident_id, i.incident_key, 'blameless',
       CASE WHEN b.n IS NULL THEN 'pass' ELSE 'fail' END,
       CASE WHEN b.n IS NULL THEN 'no blame phrasing found'
            ELSE b.n || ' sentence(s) with blame phrasing, e.g. "' || b.phrase || '"' END,
       b.line, b.quote
FROM incidents i LEFT JOIN (
    SELECT incident_id, count(*) AS n, arg_min(line, line) AS line, arg_min(quote, line) AS quote,
           arg_min(phrase, line) AS phrase
    FROM blame_hits GROUP BY 1) b USING (incident_id)
"""
HAS_ITEMS = """
INSERT INTO quality_findings
SELECT i.incident_id, i.incident_key, 'has_action_items',
       CASE WHEN coalesce(a.n, 0) > 0 THEN 'pass' ELSE 'fail' END,
       coalesce(a.n, 0) || ' action item(s)', NULL, NULL
FROM incidents i LEFT JOIN (SELECT incident_id, count(*) AS n FROM action_items GROUP BY 1) a USING (incident_id)
"""
MEASURABLE = """
INSERT INTO quality_findings
SELECT incident_id, incident_key, 'measurable',
       CASE WHEN detected_at IS NOT NULL AND resolved_at IS NOT NULL THEN 'pass' ELSE 'fail' END,
       CASE WHEN detected_at IS NOT NULL AND resolved_at IS NOT NULL THEN 'detected and resolved times known'
            WHEN detected_at IS NULL AND resolved_at IS NULL THEN 'no detection and no resolution time'
            WHEN detected_at IS NULL THEN 'no detection time' ELSE 'no resolution time' END,
       NULL, NULL
FROM incidents
"""
REPORTED = """
INSERT INTO quality_findings
SELECT incident_id, incident_key, 'reported_duration',
       CASE WHEN reported_duration_minutes IS NULL OR ttr_minutes IS NULL THEN 'unknown'
            WHEN abs(reported_duration_minutes - ttr_minutes) > ?
             AND abs(reported_duration_minutes - ttr_minutes) > ? * reported_duration_minutes THEN 'fail'
            ELSE 'pass' END,
       CASE WHEN reported_duration_minutes IS NULL THEN 'no reported duration in the header'
            WHEN ttr_minutes IS NULL THEN 'time to resolve not computable'
            ELSE 'reported ' || round(reported_duration_minutes) || ' min, timeline gives '
                 || round(ttr_minutes) || ' min to resolve' END,
       NULL, NULL
FROM incidents
"""


def compute(cur, guide: GuideRules, where: str = "") -> None:
    """Every rule's row for every incident, or for those `where` selects (a
    condition on incident_id, e.g. " WHERE incident_id IN (...)")."""
    cur.execute(LAG + where, [guide.max_lag_hours])
    cur.execute(WHYS + where, [guide.min_whys])
    cur.execute(ITEMS_COMPLETE + where)
    cur.execute(WENT_WELL + where)
    cur.execute(BLAMELESS + where)
    cur.execute(HAS_ITEMS + where)
    cur.execute(MEASURABLE + where)
    cur.execute(REPORTED + where, [guide.duration_mismatch_minutes, guide.duration_mismatch_share])
