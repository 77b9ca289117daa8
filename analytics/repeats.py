"""Repeat incidents: what happened again, and whether the last fix had landed.

A repeat is an incident of the period that shares a contributing-factor
category (not 'uncategorized') and a service with an earlier incident. Its
earlier incident, per shared (category, service), is the latest one strictly
before it (of several at that same time, the greatest id); the rows are one
per (incident, earlier incident), with the
categories and services they share. Earlier incidents are looked for over all
time up to the as-of date, with the same team/service/severity filters (with
a service filter, only the chosen services count as shared).

Postmortems that name each other count too: when one incident's postmortem
refers to another incident of the database (a Related Incidents item, an
incident id or a link, resolved by the build: incident_links), the later of
the two is a repeat of the earlier, whatever their factors, teams or
services. `basis` says why a pair is there: 'factors' (shared category and
service), 'link' (only the reference) or 'both'.

Did the fix hold? The earlier incident's action items, at the time of the
repeat: done when the status is done and it was resolved on an earlier day
than the repeat began, or done with no date recorded; dropped items are left
out. All done and it happened again: the fix did not hold. Some not done: the
fix had not landed yet."""

from __future__ import annotations

import pandas as pd

from analytics import derived
from analytics import filters as flt
from analytics.db import query
from analytics.filters import Filters
from analytics.periods import quarter_sql

REPEATS = """
WITH {cte},
pairs AS (
    SELECT DISTINCT c.incident_id, c.category, s.service, f.occurred_at
    FROM contributing_factors c JOIN f USING (incident_key) JOIN incident_services s USING (incident_key)
    WHERE c.category <> 'uncategorized'
      AND (len(CAST(? AS VARCHAR[])) = 0 OR list_contains(CAST(? AS VARCHAR[]), s.service))
),
moments AS (  -- incidents of one category and service that began at the same time are one moment
    SELECT category, service, occurred_at, list(incident_id) AS ids, max(incident_id) AS last_id, count(*) AS n
    FROM pairs GROUP BY category, service, occurred_at
),
ordered AS (
    SELECT *, lag(last_id) OVER w AS earlier_id,
           CAST(coalesce(sum(n) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS BIGINT) AS times_before
    FROM moments
    WINDOW w AS (PARTITION BY category, service ORDER BY occurred_at)
),
later AS (
    SELECT unnest(ids) AS incident_id, category, service, occurred_at, times_before, earlier_id
    FROM ordered
    WHERE earlier_id IS NOT NULL AND occurred_at >= CAST(? AS TIMESTAMP) AND occurred_at < CAST(? AS TIMESTAMP)
),
by_factors AS (
    SELECT incident_id, earlier_id, any_value(occurred_at) AS occurred_at,
           list(DISTINCT category ORDER BY category) AS categories,
           list(DISTINCT service ORDER BY service) AS services,
           max(times_before) AS times_before
    FROM later GROUP BY incident_id, earlier_id
),
linked AS (  -- a reference either way between two incidents: the later one repeats the earlier one
    SELECT DISTINCT
           CASE WHEN a.occurred_at > b.occurred_at THEN a.incident_id ELSE b.incident_id END AS incident_id,
           CASE WHEN a.occurred_at > b.occurred_at THEN b.incident_id ELSE a.incident_id END AS earlier_id
    FROM incident_links l
    JOIN incidents a ON a.incident_id = l.incident_id
    JOIN incidents b ON b.incident_id = l.target_id
    WHERE l.counts AND l.resolved AND a.occurred_at <> b.occurred_at
),
linked_later AS (
    SELECT k.incident_id, k.earlier_id, f.occurred_at
    FROM linked k JOIN f USING (incident_id)
    WHERE f.occurred_at >= CAST(? AS TIMESTAMP) AND f.occurred_at < CAST(? AS TIMESTAMP)
),
grouped AS (
    SELECT coalesce(g.incident_id, k.incident_id) AS incident_id, coalesce(g.earlier_id, k.earlier_id) AS earlier_id,
           coalesce(g.occurred_at, k.occurred_at) AS occurred_at,
           coalesce(g.categories, CAST([] AS VARCHAR[])) AS categories,
           coalesce(g.services, CAST([] AS VARCHAR[])) AS services,
           g.times_before,
           CASE WHEN k.incident_id IS NULL THEN 'factors' WHEN g.incident_id IS NULL THEN 'link' ELSE 'both' END
             AS basis
    FROM by_factors g FULL OUTER JOIN linked_later k ON k.incident_id = g.incident_id AND k.earlier_id = g.earlier_id
),
items AS (
    SELECT g.incident_id, g.earlier_id,
           count(a.item_id) AS items,
           count(a.item_id) FILTER (WHERE a.status = 'dropped') AS dropped,
           count(a.item_id) FILTER (
               WHERE a.status = 'done' AND (a.done_at IS NULL OR a.done_at < CAST(g.occurred_at AS DATE))
           ) AS done_before
    FROM grouped g LEFT JOIN action_items a ON a.incident_id = g.earlier_id
    GROUP BY g.incident_id, g.earlier_id
),
p AS (
    SELECT g.*, i.items, i.dropped, i.done_before
    FROM grouped g JOIN items i ON i.incident_id = g.incident_id AND i.earlier_id = g.earlier_id
)
{rows}
"""
# The rows of a repeats() table from `p` (incident_id, earlier_id, occurred_at, categories, services,
# times_before, basis, items, dropped, done_before), the later incidents' rows in `i` and the quarter of
# p.occurred_at as {quarter}; {limit}: '' or 'LIMIT ?'.
ROWS = """
SELECT p.incident_id, i.title, {quarter} AS quarter, p.occurred_at, i.team, i.severity,
       p.earlier_id, e.title AS earlier_title, e.occurred_at AS earlier_occurred_at,
       date_diff('day', CAST(e.occurred_at AS DATE), CAST(p.occurred_at AS DATE)) AS days_between,
       p.categories, p.services, p.times_before, p.basis,
       p.items, p.dropped, p.done_before, p.items - p.dropped - p.done_before AS not_done,
       CASE WHEN p.items = 0 THEN 'no_items'
            WHEN p.items = p.dropped THEN 'all_dropped'
            WHEN p.done_before = p.items - p.dropped THEN 'did_not_hold'
            ELSE 'not_finished' END AS verdict,
       CASE WHEN p.items = 0 THEN 'no action items'
            WHEN p.items = p.dropped THEN 'all items dropped'
            WHEN p.done_before = p.items - p.dropped THEN 'all done before: the fix did not hold'
            ELSE CAST(p.items - p.dropped - p.done_before AS VARCHAR) || ' of '
                 || CAST(p.items - p.dropped AS VARCHAR) || ' not done yet' END AS verdict_text,
       CASE WHEN p.items > p.dropped THEN p.done_before / (p.items - p.dropped) END AS done_share
FROM p
JOIN {later} i ON i.incident_id = p.incident_id
JOIN incidents e ON e.incident_id = p.earlier_id
ORDER BY p.occurred_at, p.incident_id, e.occurred_at DESC, p.earlier_id
{limit}"""
# The same rows from repeat_pairs (ingest/load/derived.py): the pairs of one scope ('' = every team, else one
# team: the rows of '' that hold within it, and its own) whose later incident began in the period and by the
# as-of date. `?` order: scope, scope, period start, period end, as-of date. {head}: '' (every pair), or a filter to the pairs of the first `?` later incidents
# (by time, then id), which hold the first `?` rows.
DERIVED = """
WITH scoped AS (
    SELECT * FROM repeat_pairs
    WHERE (scope = ? OR (scope = '' AND in_team AND team = ?))
      AND occurred_at >= CAST(? AS TIMESTAMP) AND occurred_at < CAST(? AS TIMESTAMP)
      AND CAST(occurred_at AS DATE) <= CAST(? AS DATE)
),
p AS (SELECT * FROM scoped {head})
{rows}
"""
HEAD = """
WHERE incident_id IN (
    SELECT incident_id FROM (SELECT DISTINCT occurred_at, incident_id FROM scoped ORDER BY occurred_at, incident_id LIMIT ?)
)"""
# summarize() and link_counts() of the same pairs, in one row.
DERIVED_COUNTS = """
WITH p AS (
    SELECT incident_id, basis,
           CASE WHEN items = 0 THEN 'no_items' WHEN items = dropped THEN 'all_dropped'
                WHEN done_before = items - dropped THEN 'did_not_hold' ELSE 'not_finished' END AS verdict
    FROM repeat_pairs
    WHERE (scope = ? OR (scope = '' AND in_team AND team = ?))
      AND occurred_at >= CAST(? AS TIMESTAMP) AND occurred_at < CAST(? AS TIMESTAMP)
      AND CAST(occurred_at AS DATE) <= CAST(? AS DATE)
),
per AS (
    SELECT incident_id, bool_or(verdict = 'did_not_hold') AS did_not_hold,
           bool_or(verdict = 'not_finished') AS not_finished, bool_or(verdict = 'no_items') AS no_items,
           bool_or(verdict = 'all_dropped') AS all_dropped, bool_or(basis <> 'factors') AS linked,
           bool_or(basis <> 'link') AS by_factors, count(*) AS pairs,
           count(*) FILTER (WHERE basis <> 'factors') AS linked_pairs, count(*) FILTER (WHERE basis = 'both') AS both_pairs
    FROM p GROUP BY incident_id
)
SELECT count(*) AS repeat_incidents, coalesce(sum(pairs), 0) AS pairs,
       count(*) FILTER (WHERE did_not_hold) AS did_not_hold, count(*) FILTER (WHERE not_finished) AS not_finished,
       count(*) FILTER (WHERE no_items) AS no_items, count(*) FILTER (WHERE all_dropped) AS all_dropped,
       count(*) FILTER (WHERE linked) AS linked, count(*) FILTER (WHERE linked AND NOT by_factors) AS link_only,
       count(*) FILTER (WHERE by_factors AND NOT linked) AS factors_only,
       coalesce(sum(linked_pairs), 0) AS linked_pairs, coalesce(sum(both_pairs), 0) AS both_pairs
FROM per
"""
FIRST_OCCURRED = "SELECT min(occurred_at) FROM incidents"
EARLIER_ITEMS = """
SELECT a.item_id, a.incident_id, a.source_path, a.line, a.priority, a.action, a.owners, a.due_date, a.ticket,
       a.status, a.status_source, a.done_at,
       CASE WHEN a.status = 'dropped' THEN 'dropped'
            WHEN a.status = 'done' AND (a.done_at IS NULL OR a.done_at < CAST(? AS DATE)) THEN 'done before'
            WHEN a.status = 'done' AND a.done_at <= CAST(? AS DATE) THEN 'done after'
            ELSE 'open' END AS at_repeat
FROM action_items a
WHERE a.incident_id = ?
ORDER BY a.source_path, a.seq
"""
OCCURRED = "SELECT occurred_at FROM incidents WHERE incident_id = ?"
PAIR_FACTORS = """
SELECT c.incident_id, i.occurred_at, c.category, coalesce(t.label, c.category) AS label, c.section, c.line,
       c.source_path, c.text
FROM contributing_factors c JOIN incidents i USING (incident_id) LEFT JOIN taxonomy t USING (category)
WHERE list_contains(CAST(? AS VARCHAR[]), c.incident_id) AND list_contains(CAST(? AS VARCHAR[]), c.category)
ORDER BY i.occurred_at DESC, c.incident_id, c.source_path, c.seq
"""


def scope(con, f: Filters) -> str | None:
    """The repeat_pairs scope that holds the repeats of `f` ('' = every team, else the one team), or None
    when the build's table does not cover the filter: a service or severity filter, several teams, or an
    incident before the earliest quarter `f.all_time()` looks at."""
    if f.services or f.severities or len(f.teams) > 1 or f.teams == ("",) or not derived.ready(con, "repeat_pairs"):
        return None
    first = query(con, FIRST_OCCURRED).iloc[0, 0]
    if first is not None and not pd.isna(first) and first < pd.Timestamp(f.all_time().start.start):
        return None
    return f.teams[0] if f.teams else ""


def _lists(df: pd.DataFrame) -> pd.DataFrame:
    for col in ("categories", "services"):
        df[col] = [list(v) for v in df[col]]
    return df


def _period(sc: str, f: Filters) -> list:
    return [sc, sc, f.start.start, f.end.end, f.as_of]


def _derived_rows(con, f: Filters, sc: str, limit: int | None) -> pd.DataFrame:
    """repeats() of scope `sc` from repeat_pairs; with a limit, its first `limit` rows."""
    quarter = quarter_sql("p.occurred_at", f.fiscal_start)
    if limit is None:
        rows = ROWS.format(quarter=quarter, later="incidents", limit="")
        return query(con, DERIVED.format(head="", rows=rows), _period(sc, f))
    rows = ROWS.format(quarter=quarter, later="incidents", limit="LIMIT ?")
    return query(con, DERIVED.format(head=HEAD, rows=rows), [*_period(sc, f), int(limit), int(limit)])


def _computed(con, f: Filters) -> pd.DataFrame:
    """repeats() from the final tables, for any filters."""
    fa = f.all_time()
    services = list(f.services)
    params = [*flt.params(fa), services, services, f.start.start, f.end.end, f.start.start, f.end.end]
    rows = ROWS.format(quarter=quarter_sql("p.occurred_at", f.fiscal_start), later="f", limit="")
    return query(con, REPEATS.format(cte=flt.cte(fa), rows=rows), params)


def repeats(con, f: Filters) -> pd.DataFrame:
    """One row per repeat incident of the period and earlier incident (module docstring):
    shared categories and services, `times_before` (the most earlier incidents any one
    shared category and service had; NULL for a pair only a reference makes), `basis`
    (factors | link | both), and the earlier incident's action items at the
    time: items, dropped, done_before, not_done, verdict (+ verdict_text). Read from the
    build's repeat_pairs where it covers the filter (scope()), else computed."""
    sc = scope(con, f)
    return _lists(_computed(con, f) if sc is None else _derived_rows(con, f, sc, None))


def summarize(df: pd.DataFrame) -> dict:
    """The counts of a repeats() table: distinct repeat incidents, pairs, and how many
    incidents had an earlier incident whose fix did not hold / had not landed / had no items."""

    def n(verdict: str) -> int:
        return int(df.loc[df["verdict"] == verdict, "incident_id"].nunique())

    return {
        "repeat_incidents": int(df["incident_id"].nunique()),
        "pairs": len(df),
        "did_not_hold": n("did_not_hold"),
        "not_finished": n("not_finished"),
        "no_items": n("no_items"),
        "all_dropped": n("all_dropped"),
    }


def link_counts(df: pd.DataFrame) -> dict:
    """How the repeats of a repeats() table were found: repeat incidents whose pair a
    postmortem's reference makes (`linked`), of them found by the reference alone
    (`link_only`), and found by shared factors alone (`factors_only`)."""

    def n(bases: tuple[str, ...]) -> int:
        return int(df.loc[df["basis"].isin(bases), "incident_id"].nunique())

    linked = set(df.loc[df["basis"].isin(("link", "both")), "incident_id"])
    by_factors = set(df.loc[df["basis"].isin(("factors", "both")), "incident_id"])
    return {
        "linked": len(linked),
        "link_only": len(linked - by_factors),
        "factors_only": len(by_factors - linked),
        "linked_pairs": int(df["basis"].isin(("link", "both")).sum()),
        "both_pairs": int((df["basis"] == "both").sum()),
    }


SUMMARY_KEYS = ("repeat_incidents", "pairs", "did_not_hold", "not_finished", "no_items", "all_dropped")
LINK_KEYS = ("linked", "link_only", "factors_only", "linked_pairs", "both_pairs")


def summary(con, f: Filters) -> dict:
    """summarize(repeats(con, f))."""
    sc = scope(con, f)
    if sc is None:
        return summarize(repeats(con, f))
    counts = query(con, DERIVED_COUNTS, _period(sc, f)).iloc[0]
    return {k: int(counts[k]) for k in SUMMARY_KEYS}


def report(con, f: Filters, limit: int | None = 1000) -> dict:
    """What the page shows: {"rows": the first `limit` rows of repeats() (all of them with
    limit=None), "summary": summarize(repeats()), "links": link_counts(repeats())}; the counts
    cover every row."""
    sc = scope(con, f)
    if sc is None:
        rows = repeats(con, f)
        return {"rows": rows if limit is None else rows.head(limit).reset_index(drop=True),
                "summary": summarize(rows), "links": link_counts(rows)}  # fmt: skip
    counts = query(con, DERIVED_COUNTS, _period(sc, f)).iloc[0]
    return {
        "rows": _lists(_derived_rows(con, f, sc, limit)),
        "summary": {k: int(counts[k]) for k in SUMMARY_KEYS},
        "links": {k: int(counts[k]) for k in LINK_KEYS},
    }


def earlier_items(con, f: Filters, incident_id: str, earlier_id: str) -> pd.DataFrame:
    """The earlier incident's action items with their state when `incident_id` began:
    'done before', 'done after' (by the as-of date), 'open' or 'dropped'."""
    occ = query(con, OCCURRED, [incident_id])
    when = occ.iloc[0, 0].date() if len(occ) and occ.iloc[0, 0] is not None else f.as_of
    return query(con, EARLIER_ITEMS, [when, f.as_of, earlier_id])


def pair_factors(con, incident_ids: tuple[str, ...], categories: tuple[str, ...]) -> pd.DataFrame:
    """The factor sentences of these incidents in these categories: why they count as a repeat."""
    return query(con, PAIR_FACTORS, [list(incident_ids), list(categories)])
