"""Tables derived from the final tables, computed once per build for the dashboard.

Some dashboard figures need work over the whole corpus that no page's filter
changes, or that only a few common filters change: which incident repeats
which (over all time), which categories each incident has, which words the
categorized factors use. Computing them per page view costs seconds at the
design size, so the build computes them once (after the per-incident tables,
in a full build and in an in-place rebuild alike) and the analytics read them.
Each table's meaning is in ingest/load/schema.py; the analytics that read them
(analytics/repeats.py, factors.py, curation.py) say which figure each serves
and fall back to computing it from the final tables when a filter is one the
table does not cover.
"""

from __future__ import annotations

from ingest.load.schema import ddl

DERIVED_TABLES = ("repeat_pairs", "incident_categories", "factor_words", "uncategorized_words")

# Repeat incidents (analytics/repeats.py has the definition and the same query over any filters), for every
# scope a page asks for most: all incidents, and each team (the sidebar's team filter with one team and no
# other filter; a team named '' has none). Rows for every incident over all time: the analytics pick the
# period and the as-of date. One row per (scope, incident, earlier incident), stored compactly: an incident
# none of whose categories and services other teams' incidents have (nor incidents of no team) has the same
# pairs within its team as over all incidents, so its rows are stored once, scope '' and in_team; the other
# incidents' pairs within their team are computed again and stored under scope = the team.
# Incidents are numbered in id order (k) so that the windows and groups work on integers; of the incidents
# strictly before one (same scope, category and service), the latest is the one with the greatest
# (time, k): the window takes the max of that pair packed into one HUGEINT (time in microseconds, k below
# 2^32; the remainder is taken so that it is k before 1970 too). Reads incident_categories, so it runs after it.
REPEAT_PAIRS = """
INSERT INTO repeat_pairs
WITH ids AS (
    SELECT incident_id, incident_key, row_number() OVER (ORDER BY incident_id) AS k, occurred_at,
           nullif(team, '') AS team
    FROM incidents WHERE occurred_at IS NOT NULL
),
pairs AS (
    SELECT i.k, c.category, s.service, i.occurred_at, i.team
    FROM incident_categories c JOIN ids i USING (incident_id) JOIN incident_services s USING (incident_id)
    WHERE c.category <> 'uncategorized'
),
parts AS (  -- a category and service all of whose incidents are of one team: its pairs are the same within it
    SELECT category, service, count(team) = count(*) AND min(team) = max(team) AS one_team
    FROM pairs GROUP BY category, service
),
tagged AS (
    SELECT p.*, pt.one_team
    FROM pairs p JOIN parts pt ON pt.category = p.category AND pt.service IS NOT DISTINCT FROM p.service
),
mixed AS (  -- incidents with a category and service of several teams: their pairs within their team may differ
    SELECT DISTINCT k, team FROM tagged WHERE NOT one_team AND team IS NOT NULL
),
ordered AS (  -- over all incidents; and within each team, for the categories and services of several teams
    SELECT '' AS scope, k, category, service, occurred_at, one_team,
           count(*) OVER w AS times_before, max(epoch_us(occurred_at)::HUGEINT * 4294967296 + k) OVER w AS prev
    FROM tagged
    WINDOW w AS (PARTITION BY category, service ORDER BY occurred_at
                 RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP)
    UNION ALL
    SELECT team, k, category, service, occurred_at, one_team,
           count(*) OVER w AS times_before, max(epoch_us(occurred_at)::HUGEINT * 4294967296 + k) OVER w AS prev
    FROM tagged WHERE NOT one_team AND team IS NOT NULL
    WINDOW w AS (PARTITION BY team, category, service ORDER BY occurred_at
                 RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP)
),
later AS (
    SELECT scope, k, CAST((prev % 4294967296 + 4294967296) % 4294967296 AS BIGINT) AS ek, category, service,
           occurred_at, one_team, times_before
    FROM ordered WHERE prev IS NOT NULL
),
scoped AS (  -- '' and, for the mixed incidents, their team: the one_team rows of '' hold within it too
    SELECT scope, k, ek, category, service, occurred_at, times_before FROM later
    UNION ALL
    SELECT m.team, l.k, l.ek, l.category, l.service, l.occurred_at, l.times_before
    FROM later l JOIN mixed m USING (k) WHERE l.scope = '' AND l.one_team
),
by_factors AS (
    SELECT scope, k, ek, any_value(occurred_at) AS occurred_at,
           list(DISTINCT category ORDER BY category) AS categories,
           list(DISTINCT service ORDER BY service) AS services,
           max(times_before) AS times_before
    FROM scoped GROUP BY scope, k, ek
),
linked AS (
    SELECT DISTINCT
           CASE WHEN a.occurred_at > b.occurred_at THEN a.k ELSE b.k END AS k,
           CASE WHEN a.occurred_at > b.occurred_at THEN b.k ELSE a.k END AS ek
    FROM incident_links l
    JOIN ids a ON a.incident_id = l.incident_id
    JOIN ids b ON b.incident_id = l.target_id
    WHERE l.counts AND l.resolved AND a.occurred_at <> b.occurred_at
),
linked_later AS (
    SELECT '' AS scope, l.k, l.ek, i.occurred_at FROM linked l JOIN ids i USING (k)
    UNION ALL
    SELECT m.team, l.k, l.ek, i.occurred_at FROM linked l JOIN ids i USING (k) JOIN mixed m USING (k)
),
grouped AS (
    SELECT coalesce(g.scope, l.scope) AS scope, coalesce(g.k, l.k) AS k, coalesce(g.ek, l.ek) AS ek,
           coalesce(g.occurred_at, l.occurred_at) AS occurred_at,
           coalesce(g.categories, CAST([] AS VARCHAR[])) AS categories,
           coalesce(g.services, CAST([] AS VARCHAR[])) AS services,
           g.times_before,
           CASE WHEN l.k IS NULL THEN 'factors' WHEN g.k IS NULL THEN 'link' ELSE 'both' END AS basis
    FROM by_factors g FULL OUTER JOIN linked_later l ON l.scope = g.scope AND l.k = g.k AND l.ek = g.ek
),
item_counts AS (  -- per earlier incident: items, dropped, done with no date, the dates of the others
    SELECT i.k, count(*) AS items, count(*) FILTER (WHERE a.status = 'dropped') AS dropped,
           count(*) FILTER (WHERE a.status = 'done' AND a.done_at IS NULL) AS done_undated,
           list(a.done_at) FILTER (WHERE a.status = 'done' AND a.done_at IS NOT NULL) AS done_dates
    FROM action_items a JOIN ids i USING (incident_id)
    GROUP BY i.k
)
SELECT g.scope, i.team, g.scope = '' AND i.team IS NOT NULL AND g.k NOT IN (SELECT k FROM mixed) AS in_team,
       i.incident_id, i.incident_key, e.incident_id AS earlier_id, g.occurred_at, g.categories, g.services,
       g.times_before, g.basis, coalesce(c.items, 0) AS items, coalesce(c.dropped, 0) AS dropped,
       coalesce(c.done_undated, 0)
         + coalesce(len(list_filter(c.done_dates, lambda d: d < CAST(g.occurred_at AS DATE))), 0) AS done_before
FROM grouped g JOIN ids i ON i.k = g.k JOIN ids e ON e.k = g.ek LEFT JOIN item_counts c ON c.k = g.ek
ORDER BY g.scope, g.occurred_at  -- a page reads one scope and a few quarters: fewer row groups
"""

# One row per incident and factor category: the factor sentences (mentions) and those of What Went Wrong.
INCIDENT_CATEGORIES = """
INSERT INTO incident_categories
SELECT incident_id, incident_key, category, count(*) AS mentions,
       count(*) FILTER (WHERE section = 'what_went_wrong') AS went_wrong
FROM contributing_factors
GROUP BY incident_id, incident_key, category
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
SELECT u.word, c.incident_id, c.incident_key, count(*) AS factors
FROM contributing_factors c JOIN used u ON u.text = c.text
WHERE c.category <> 'uncategorized'
GROUP BY u.word, c.incident_id, c.incident_key
ORDER BY u.word, c.incident_id
"""

STATEMENTS = (INCIDENT_CATEGORIES, REPEAT_PAIRS, UNCATEGORIZED_WORDS, FACTOR_WORDS)


def compute(con) -> None:
    """(Re)fill the derived tables from the final tables. Each is dropped and created anew (ingest/load/schema.py):
    cheaper than deleting every row of the previous build's."""
    for t in DERIVED_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {t}")
        con.execute(ddl(t))
    for sql in STATEMENTS:
        con.execute(sql)
