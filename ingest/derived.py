"""Tables derived from the final tables, computed once per build for the dashboard.

Some dashboard figures need work over the whole corpus that no page's filter
changes, or that only a few common filters change: which incident repeats
which (over all time), which categories each incident has, which words the
categorized factors use. Computing them per page view costs seconds at the
design size, so the build computes them once (after the per-incident tables,
in a full build and in an in-place rebuild alike) and the analytics read them.
Each table's meaning is in ingest/schema.py; the analytics that read them
(analytics/repeats.py, factors.py, curation.py) say which figure each serves
and fall back to computing it from the final tables when a filter is one the
table does not cover.
"""

from __future__ import annotations

DERIVED_TABLES = ("repeat_pairs", "incident_categories", "factor_words", "uncategorized_words")

# Repeat incidents (analytics/repeats.py has the definition and the same query over any filters), for every
# scope a page asks for most: '' = all incidents, else one team (the sidebar's team filter with one team and
# no other filter). Rows for every incident over all time: the analytics pick the period. One row per
# (scope, incident, earlier incident).
REPEAT_PAIRS = """
INSERT INTO repeat_pairs
WITH base AS (SELECT incident_id, occurred_at, team FROM incidents WHERE occurred_at IS NOT NULL),
scopes AS (
    SELECT '' AS scope, incident_id, occurred_at FROM base
    UNION ALL
    SELECT team, incident_id, occurred_at FROM base WHERE team IS NOT NULL
),
pairs AS (
    SELECT DISTINCT sc.scope, c.incident_id, c.category, s.service, sc.occurred_at
    FROM contributing_factors c JOIN scopes sc USING (incident_id) JOIN incident_services s USING (incident_id)
    WHERE c.category <> 'uncategorized'
),
moments AS (
    SELECT scope, category, service, occurred_at, list(incident_id) AS ids, max(incident_id) AS last_id,
           count(*) AS n
    FROM pairs GROUP BY scope, category, service, occurred_at
),
ordered AS (
    SELECT *, lag(last_id) OVER w AS earlier_id,
           CAST(coalesce(sum(n) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS BIGINT) AS times_before
    FROM moments
    WINDOW w AS (PARTITION BY scope, category, service ORDER BY occurred_at)
),
later AS (
    SELECT scope, unnest(ids) AS incident_id, category, service, occurred_at, times_before, earlier_id
    FROM ordered WHERE earlier_id IS NOT NULL
),
by_factors AS (
    SELECT scope, incident_id, earlier_id, any_value(occurred_at) AS occurred_at,
           list(DISTINCT category ORDER BY category) AS categories,
           list(DISTINCT service ORDER BY service) AS services,
           max(times_before) AS times_before
    FROM later GROUP BY scope, incident_id, earlier_id
),
linked AS (
    SELECT DISTINCT
           CASE WHEN a.occurred_at > b.occurred_at THEN a.incident_id ELSE b.incident_id END AS incident_id,
           CASE WHEN a.occurred_at > b.occurred_at THEN b.incident_id ELSE a.incident_id END AS earlier_id
    FROM incident_links l
    JOIN incidents a ON a.incident_id = l.incident_id
    JOIN incidents b ON b.incident_id = l.target_id
    WHERE l.counts AND l.resolved AND a.occurred_at <> b.occurred_at
),
linked_later AS (
    SELECT sc.scope, k.incident_id, k.earlier_id, sc.occurred_at FROM linked k JOIN scopes sc USING (incident_id)
),
grouped AS (
    SELECT coalesce(g.scope, k.scope) AS scope, coalesce(g.incident_id, k.incident_id) AS incident_id,
           coalesce(g.earlier_id, k.earlier_id) AS earlier_id, coalesce(g.occurred_at, k.occurred_at) AS occurred_at,
           coalesce(g.categories, CAST([] AS VARCHAR[])) AS categories,
           coalesce(g.services, CAST([] AS VARCHAR[])) AS services,
           g.times_before,
           CASE WHEN k.incident_id IS NULL THEN 'factors' WHEN g.incident_id IS NULL THEN 'link' ELSE 'both' END
             AS basis
    FROM by_factors g FULL OUTER JOIN linked_later k
      ON k.scope = g.scope AND k.incident_id = g.incident_id AND k.earlier_id = g.earlier_id
),
pair_times AS (SELECT DISTINCT incident_id, earlier_id, occurred_at FROM grouped),
items AS (
    SELECT p.incident_id, p.earlier_id,
           count(a.item_id) AS items,
           count(a.item_id) FILTER (WHERE a.status = 'dropped') AS dropped,
           count(a.item_id) FILTER (
               WHERE a.status = 'done' AND (a.done_at IS NULL OR a.done_at < CAST(p.occurred_at AS DATE))
           ) AS done_before
    FROM pair_times p LEFT JOIN action_items a ON a.incident_id = p.earlier_id
    GROUP BY p.incident_id, p.earlier_id
)
SELECT g.scope, g.incident_id, g.earlier_id, g.occurred_at, g.categories, g.services, g.times_before, g.basis,
       i.items, i.dropped, i.done_before
FROM grouped g JOIN items i USING (incident_id, earlier_id)
ORDER BY g.scope, g.occurred_at, g.incident_id, g.earlier_id
"""

# One row per incident and factor category: the factor sentences (mentions) and those of What Went Wrong.
INCIDENT_CATEGORIES = """
INSERT INTO incident_categories
SELECT incident_id, category, count(*) AS mentions,
       count(*) FILTER (WHERE section = 'what_went_wrong') AS went_wrong
FROM contributing_factors
GROUP BY incident_id, category
ORDER BY incident_id, category
"""

# The words (lower case, split at anything not a-z or 0-9) of the uncategorized factors, and per incident how
# many of its categorized factors use each of them: what curation weighs a suggested pattern against.
# Distinct texts are split once.
UNCATEGORIZED_WORDS = """
INSERT INTO uncategorized_words
SELECT DISTINCT unnest(regexp_split_to_array(lower(text), '[^a-z0-9]+')) AS word
FROM (SELECT DISTINCT text FROM contributing_factors WHERE category = 'uncategorized')
ORDER BY word
"""
FACTOR_WORDS = """
INSERT INTO factor_words
WITH texts AS (SELECT DISTINCT text FROM contributing_factors WHERE category <> 'uncategorized'),
text_words AS (
    SELECT text, unnest(list_distinct(regexp_split_to_array(lower(text), '[^a-z0-9]+'))) AS word FROM texts
),
used AS (SELECT * FROM text_words WHERE word IN (SELECT word FROM uncategorized_words))
SELECT u.word, c.incident_id, count(*) AS factors
FROM contributing_factors c JOIN used u ON u.text = c.text
WHERE c.category <> 'uncategorized'
GROUP BY u.word, c.incident_id
ORDER BY u.word, c.incident_id
"""

STATEMENTS = (REPEAT_PAIRS, INCIDENT_CATEGORIES, UNCATEGORIZED_WORDS, FACTOR_WORDS)


def compute(con) -> None:
    """(Re)fill the derived tables from the final tables (the tables exist, see ingest/schema.py)."""
    for t in DERIVED_TABLES:
        con.execute(f"DELETE FROM {t}")
    for sql in STATEMENTS:
        con.execute(sql)
