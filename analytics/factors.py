"""Contributing factors: what keeps happening (METRICS.md, Contributing factors).

Categories are counted by incidents, not by mentions: an incident whose
postmortem names 'monitoring' three times counts once. Every count has a
function that lists the factor sentences behind it (factor_texts).

The counts read the build's incident_categories (ingest/load/derived.py: one row
per incident and category) when the database has it, and the factors
themselves otherwise: the same numbers either way."""

from __future__ import annotations

import pandas as pd

from analytics import curation, derived
from analytics import filters as flt
from analytics.db import query, text_frame
from analytics.filters import Filters
from analytics.periods import quarter_sql, quarters_between

RANKED = """
WITH {cte},
n AS (SELECT count(*) AS incidents FROM f)
SELECT c.category, coalesce(t.label, c.category) AS label,
       count(DISTINCT c.incident_key) AS incidents,
       count(DISTINCT c.incident_key) / any_value(n.incidents) AS share,
       count(*) AS mentions
FROM contributing_factors c JOIN f USING (incident_key) CROSS JOIN n
LEFT JOIN taxonomy t USING (category)
WHERE (c.category <> 'uncategorized' OR ?)
  AND (len(CAST(? AS VARCHAR[])) = 0 OR list_contains(CAST(? AS VARCHAR[]), c.section))
GROUP BY c.category, t.label, t.position
ORDER BY c.category = 'uncategorized', incidents DESC, mentions DESC, c.category
"""
# The same from incident_categories (ingest/load/derived.py: one row per incident and category, its factors and
# those of What Went Wrong): `?` after the filter's: only What Went Wrong (the sections ranked() asks for
# most), then include_uncategorized.
RANKED_DERIVED = """
WITH {cte},
n AS (SELECT count(*) AS incidents FROM f),
c AS (
    SELECT c.category, count(*) AS incidents, CAST(sum(c.m) AS BIGINT) AS mentions
    FROM (SELECT ic.category, CASE WHEN ? THEN ic.went_wrong ELSE ic.mentions END AS m
          FROM incident_categories ic JOIN f USING (incident_key)) c
    WHERE c.m > 0 AND (c.category <> 'uncategorized' OR ?)
    GROUP BY c.category
)
SELECT c.category, coalesce(t.label, c.category) AS label, c.incidents, c.incidents / n.incidents AS share,
       c.mentions
FROM c CROSS JOIN n LEFT JOIN taxonomy t USING (category)
ORDER BY c.category = 'uncategorized', c.incidents DESC, c.mentions DESC, c.category
"""
# RANKED_DERIVED of every quarter of the period in one pass (the default sections, 'uncategorized' left out), in
# ranked()'s order within each quarter.
RANKED_BY_QUARTER = """
WITH {cte}
SELECT f.quarter, c.category, coalesce(t.label, c.category) AS label, count(*) AS incidents,
       CAST(sum(c.mentions) AS BIGINT) AS mentions
FROM incident_categories c JOIN f USING (incident_key) LEFT JOIN taxonomy t USING (category)
WHERE c.mentions > 0 AND c.category <> 'uncategorized'
GROUP BY f.quarter, c.category, t.label
ORDER BY f.quarter, incidents DESC, mentions DESC, c.category
"""
# {factors}: contributing_factors, or incident_categories (the same incidents and categories, fewer rows).
FIRST_SEEN = """
WITH {cte}
SELECT c.category, coalesce(t.label, c.category) AS label, min(f.quarter) AS first_quarter,
       min(f.occurred_at) AS first_seen, arg_min(c.incident_id, (f.occurred_at, c.incident_id)) AS first_incident
FROM {factors} c JOIN f USING (incident_key) LEFT JOIN taxonomy t USING (category)
WHERE c.category <> 'uncategorized'
GROUP BY c.category, t.label
"""

# FIRST_SEEN without the first incident: what new_categories() needs (the incident costs an arg_min over every
# factor of every quarter). The first quarter is that of the first time ({first_quarter}: its label), the
# earliest of the labels (they sort as time does: four-digit years); labelled once per category, not once per
# incident of every quarter.
FIRST_SEEN_AT = """
WITH {cte},
c AS (
    SELECT c.category, min(f.occurred_at) AS first_seen
    FROM {factors} c JOIN f USING (incident_key)
    WHERE c.category <> 'uncategorized'
    GROUP BY c.category
)
SELECT c.category, coalesce(t.label, c.category) AS label, {first_quarter} AS first_quarter, c.first_seen
FROM c LEFT JOIN taxonomy t USING (category)
"""


# ranked() of the period (the default sections, 'uncategorized' left out) and first_seen_at() in one pass over
# incident_categories, with `f` every quarter up to the as-of date: incidents and mentions of the period (`?`:
# its start and end, three times), the first time of all ({first_quarter}: the label of c.first_seen).
RANKED_FIRST_SEEN = """
WITH {cte},
n AS (
    SELECT count(*) AS incidents FROM f
    WHERE f.occurred_at >= CAST(? AS TIMESTAMP) AND f.occurred_at < CAST(? AS TIMESTAMP)
),
c AS (
    SELECT c.category, min(f.occurred_at) AS first_seen,
           count(*) FILTER (WHERE c.mentions > 0 AND f.occurred_at >= CAST(? AS TIMESTAMP)
                                 AND f.occurred_at < CAST(? AS TIMESTAMP)) AS incidents,
           CAST(coalesce(sum(c.mentions) FILTER (WHERE c.mentions > 0 AND f.occurred_at >= CAST(? AS TIMESTAMP)
                                                       AND f.occurred_at < CAST(? AS TIMESTAMP)), 0) AS BIGINT)
             AS mentions
    FROM incident_categories c JOIN f USING (incident_key)
    WHERE c.category <> 'uncategorized'
    GROUP BY c.category
)
SELECT c.category, coalesce(t.label, c.category) AS label, c.incidents, c.incidents / n.incidents AS share,
       c.mentions, {first_quarter} AS first_quarter, c.first_seen
FROM c CROSS JOIN n LEFT JOIN taxonomy t USING (category)
ORDER BY c.incidents DESC, c.mentions DESC, c.category
"""


def _derived(con) -> bool:
    return derived.ready(con, "incident_categories")


def _factors(con) -> str:
    """The table FIRST_SEEN finds the incidents of each category in."""
    return "incident_categories" if _derived(con) else "contributing_factors"


def ranked(con, f: Filters, sections: tuple[str, ...] = (), include_uncategorized: bool = False) -> pd.DataFrame:
    """Every category in the period: incidents, share of the period's incidents, mentions.
    `sections`: only factors found in these sections (e.g. ('what_went_wrong',));
    `include_uncategorized`: add 'uncategorized' as the last row."""
    secs = list(sections)
    if secs in ([], ["what_went_wrong"]) and _derived(con):
        params = [*flt.params(f), bool(secs), bool(include_uncategorized)]
        return query(con, RANKED_DERIVED.format(cte=flt.cte(f)), params)
    return query(con, RANKED.format(cte=flt.cte(f)), [*flt.params(f), bool(include_uncategorized), secs, secs])


def ranked_by_quarter(con, f: Filters) -> pd.DataFrame | None:
    """ranked() of each quarter of the period (f.only(quarter)) without share, in one query: quarter, category,
    label, incidents, mentions, each quarter's rows in ranked() order; None without incident_categories (then
    ranked() of each quarter is the way)."""
    if not _derived(con):
        return None
    return query(con, RANKED_BY_QUARTER.format(cte=flt.cte(f)), flt.params(f))


def first_seen(con, f: Filters) -> pd.DataFrame:
    """Per category, when it was first seen with the same team/service/severity filters (every quarter up
    to the as-of date): first_quarter, first_seen, first_incident."""
    fa = f.all_time()
    return query(con, FIRST_SEEN.format(cte=flt.cte(fa), factors=_factors(con)), flt.params(fa))


def first_seen_at(con, f: Filters) -> pd.DataFrame:
    """first_seen() without first_incident: category, label, first_quarter, first_seen."""
    fa = f.all_time()
    first_quarter = quarter_sql("c.first_seen", f.fiscal_start)
    sql = FIRST_SEEN_AT.format(cte=flt.cte(fa), factors=_factors(con), first_quarter=first_quarter)
    return query(con, sql, flt.params(fa))


def ranked_and_first_seen(con, f: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(ranked(f), first_seen_at(f)): what the review needs, from one query where the database has
    incident_categories (the period's factors are among those of every quarter); else from the two."""
    fa = f.all_time()
    if not _derived(con) or f.start.start < fa.start.start:
        return ranked(con, f), first_seen_at(con, f)
    b = [f.start.start, f.end.end]
    sql = RANKED_FIRST_SEEN.format(cte=flt.cte(fa), first_quarter=quarter_sql("c.first_seen", f.fiscal_start))
    df = query(con, sql, [*flt.params(fa), *b, *b, *b])
    r = df.loc[df["incidents"] > 0, ["category", "label", "incidents", "share", "mentions"]].reset_index(drop=True)
    return r, df[["category", "label", "first_quarter", "first_seen"]]


def recurring(con, f: Filters) -> pd.DataFrame:
    """Categories present in at least two incidents of the period."""
    df = ranked(con, f)
    return df[df["incidents"] >= 2].reset_index(drop=True)


def new_categories(con, f: Filters) -> pd.DataFrame:
    """Categories first seen (with the same team/service/severity filters) in the period."""
    return new_from(f, ranked(con, f), first_seen(con, f))


def new_from(f: Filters, period: pd.DataFrame, first: pd.DataFrame) -> pd.DataFrame:
    """new_categories() from ranked() and first_seen() (or first_seen_at()) already at hand (the review has both)."""
    first = first[
        (first["first_seen"] >= pd.Timestamp(f.start.start)) & (first["first_seen"] < pd.Timestamp(f.end.end))
    ]
    out = period.merge(first[["category", "first_quarter", "first_seen"]], on="category", how="inner")
    return out.sort_values(["incidents", "category"], ascending=[False, True]).reset_index(drop=True)


# ------------------------------------------------------------ the factors page

SUMMARY = """
WITH {cte}
SELECT (SELECT count(*) FROM f) AS incidents,
       count(DISTINCT c.incident_key) AS incidents_with_factors,
       count(DISTINCT c.incident_key) FILTER (WHERE c.category <> 'uncategorized') AS incidents_categorized,
       count(DISTINCT c.incident_key) FILTER (WHERE c.category = 'uncategorized') AS incidents_uncategorized,
       count(c.incident_id) AS factors,
       count(c.incident_id) FILTER (WHERE c.category = 'uncategorized') AS uncategorized,
       count(DISTINCT c.incident_key) FILTER (WHERE c.section = 'what_went_wrong') AS incidents_with_went_wrong
FROM f LEFT JOIN contributing_factors c USING (incident_key)
"""
SUMMARY_DERIVED = """
WITH {cte},
per AS (
    SELECT incident_key, bool_or(category <> 'uncategorized') AS categorized,
           bool_or(category = 'uncategorized') AS uncategorized_, bool_or(went_wrong > 0) AS went_wrong,
           sum(mentions) AS factors, sum(mentions) FILTER (WHERE category = 'uncategorized') AS uncategorized
    FROM incident_categories JOIN f USING (incident_key)
    GROUP BY incident_key
)
SELECT (SELECT count(*) FROM f) AS incidents, count(*) AS incidents_with_factors,
       count(*) FILTER (WHERE categorized) AS incidents_categorized,
       count(*) FILTER (WHERE uncategorized_) AS incidents_uncategorized,
       coalesce(sum(factors), 0) AS factors, coalesce(sum(uncategorized), 0) AS uncategorized,
       count(*) FILTER (WHERE went_wrong) AS incidents_with_went_wrong
FROM per
"""
PER_QUARTER = """
WITH {cte}
SELECT c.category, f.quarter, count(DISTINCT c.incident_key) AS incidents
FROM contributing_factors c JOIN f USING (incident_key)
WHERE c.category <> 'uncategorized'
GROUP BY c.category, f.quarter
"""
PER_QUARTER_DERIVED = """
WITH {cte}
SELECT c.category, f.quarter, count(*) AS incidents
FROM incident_categories c JOIN f USING (incident_key)
WHERE c.category <> 'uncategorized'
GROUP BY c.category, f.quarter
"""
# ranked(), the heat map's counts and first_seen() in one pass over incident_categories, with `f` every
# quarter up to the as-of date: per category and quarter, the incidents and factors of the period (`?`:
# its start and end, twice) and the first incident of all.
COMBINED = """
WITH {cte},
c AS (
    SELECT c.category, f.quarter,
           count(*) FILTER (WHERE f.occurred_at >= CAST(? AS TIMESTAMP) AND f.occurred_at < CAST(? AS TIMESTAMP))
             AS incidents,
           CAST(coalesce(sum(c.mentions) FILTER (
               WHERE f.occurred_at >= CAST(? AS TIMESTAMP) AND f.occurred_at < CAST(? AS TIMESTAMP)), 0) AS BIGINT)
             AS mentions,
           min(f.occurred_at) AS first_seen, arg_min(c.incident_id, (f.occurred_at, c.incident_id)) AS first_incident
    FROM incident_categories c JOIN f USING (incident_key)
    WHERE c.category <> 'uncategorized'
    GROUP BY c.category, f.quarter
)
SELECT c.*, coalesce(t.label, c.category) AS label FROM c LEFT JOIN taxonomy t USING (category)
"""
QUARTER_TOTALS = """
WITH {cte}
SELECT quarter, count(*) AS incidents FROM f GROUP BY quarter
"""
FACTOR_TEXTS = """
WITH {cte}
SELECT c.incident_id, f.title, f.quarter, f.occurred_at, f.team, f.severity,
       c.category, coalesce(t.label, c.category) AS label, c.section, c.line, c.source_path, c.text, c.why
FROM contributing_factors c JOIN f USING (incident_key) LEFT JOIN taxonomy t USING (category)
WHERE c.category = ?
  AND (CAST(? AS VARCHAR) IS NULL OR f.quarter = CAST(? AS VARCHAR))
  AND (len(CAST(? AS VARCHAR[])) = 0 OR list_contains(CAST(? AS VARCHAR[]), c.section))
ORDER BY f.occurred_at, c.incident_id, c.source_path, c.seq
"""
LESSONS = """
WITH {cte}
SELECT l.incident_id, f.title, f.quarter, f.occurred_at, f.team, f.severity, l.line, l.source_path, l.text
FROM lessons l JOIN f USING (incident_key)
WHERE l.kind = ?
ORDER BY f.occurred_at, l.incident_id, l.source_path, l.seq
"""


def quarters(f: Filters) -> list[str]:
    """The labels of the period's quarters, oldest first."""
    return [q.label for q in quarters_between(f.start, f.end)]


def _combined(con, f: Filters, n: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame] | None:
    """(ranked(), per category and quarter of the period its incidents, first_seen()) from COMBINED, given
    `n` = the period's incidents; None when incident_categories is not there or the period starts before
    every quarter up to the as-of date."""
    fa = f.all_time()
    if not _derived(con) or f.start.start < fa.start.start:
        return None
    b = [f.start.start, f.end.end]
    df = query(con, COMBINED.format(cte=flt.cte(fa)), [*flt.params(fa), *b, *b])
    per = df[df["incidents"] > 0]
    r = per.groupby("category", as_index=False).agg(
        label=("label", "first"), incidents=("incidents", "sum"), mentions=("mentions", "sum")
    )
    r["share"] = r["incidents"] / n
    r = r.sort_values(["incidents", "mentions", "category"], ascending=[False, False, True])
    r = r[["category", "label", "incidents", "share", "mentions"]].reset_index(drop=True)
    at = df.sort_values(["first_seen", "first_incident"]).groupby("category", as_index=False).first()
    first = at[["category", "label", "first_seen", "first_incident"]].merge(
        df.groupby("category", as_index=False)["quarter"].min().rename(columns={"quarter": "first_quarter"}),
        on="category",
    )
    return (
        r,
        per[["category", "quarter", "incidents"]],
        first[["category", "label", "first_quarter", "first_seen", "first_incident"]],
    )


def summary(con, f: Filters) -> dict:
    """The period at a glance: incidents (n), how many have factors, the factor
    sentences and how many are uncategorized, recurring and new categories."""
    sql = SUMMARY_DERIVED if _derived(con) else SUMMARY
    row = query(con, sql.format(cte=flt.cte(f)), flt.params(f)).iloc[0]
    out = {k: int(v) for k, v in row.items()}
    out["uncategorized_share"] = out["uncategorized"] / out["factors"] if out["factors"] else None
    both = _combined(con, f, out["incidents"])
    r, first = (both[0], both[2]) if both else (ranked(con, f), first_seen(con, f))
    out["recurring"] = int((r["incidents"] >= 2).sum())
    out["new"] = len(new_from(f, r, first))
    return out


def heatmap(con, f: Filters) -> pd.DataFrame:
    """Category x quarter: incidents with the category in each quarter of the period
    (zeros included, categories of the period only), the quarter's incidents and the share."""
    return _heatmap(con, f)[0]


def _heatmap(con, f: Filters) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """(heatmap(), ranked(), first_seen() when COMBINED gave it, else None)."""
    totals = query(con, QUARTER_TOTALS.format(cte=flt.cte(f)), flt.params(f))
    both = _combined(con, f, int(totals["incidents"].sum()))
    if both:
        r, counts, first = both
    else:
        r, first = ranked(con, f), None
        sql = PER_QUARTER_DERIVED if _derived(con) else PER_QUARTER
        counts = query(con, sql.format(cte=flt.cte(f)), flt.params(f))
    cats = r[["category", "label"]]
    qs = quarters(f)
    grid = cats.merge(pd.DataFrame({"quarter": qs}), how="cross")
    grid = grid.merge(counts, on=["category", "quarter"], how="left")
    grid = grid.merge(totals.rename(columns={"incidents": "quarter_incidents"}), on="quarter", how="left")
    grid["incidents"] = grid["incidents"].fillna(0).astype("int64")
    grid["quarter_incidents"] = grid["quarter_incidents"].fillna(0).astype("int64")
    q = grid["quarter_incidents"]
    grid["share"] = (grid["incidents"] / q.where(q > 0)).astype("float64")
    grid = grid[["category", "label", "quarter", "incidents", "quarter_incidents", "share"]].reset_index(drop=True)
    return grid, r, first


def quarter_totals(con, f: Filters) -> pd.DataFrame:
    """Incidents per quarter of the period (zeros included)."""
    totals = query(con, QUARTER_TOTALS.format(cte=flt.cte(f)), flt.params(f))
    out = pd.DataFrame({"quarter": quarters(f)}).merge(totals, on="quarter", how="left")
    out["incidents"] = out["incidents"].fillna(0).astype("int64")
    return out


def overview(con, f: Filters) -> pd.DataFrame:
    """The ranking of the page: ranked() plus `trend` (incidents per quarter of the
    period, oldest first), `recurring` (>= 2 incidents), `new` (first seen in the
    period, with the same team/service/severity filters), the first quarter, time and
    incident it was seen in."""
    heat, r, first = _heatmap(con, f)
    qs = quarters(f)
    trend = {
        cat: [int(x) for x in g.set_index("quarter").reindex(qs)["incidents"].fillna(0)]
        for cat, g in heat.groupby("category", sort=False)
    }
    if first is None:
        first = first_seen(con, f)
    r = r.merge(first[["category", "first_quarter", "first_seen", "first_incident"]], on="category", how="left")
    r["trend"] = [trend.get(c, [0] * len(qs)) for c in r["category"]]
    r["recurring"] = r["incidents"] >= 2
    r["new"] = (r["first_seen"] >= pd.Timestamp(f.start.start)) & (r["first_seen"] < pd.Timestamp(f.end.end))
    return r


def factor_texts(
    con, f: Filters, category: str, quarter: str | None = None, sections: tuple[str, ...] = ()
) -> pd.DataFrame:
    """The exact factor sentences behind a count: one row per factor of `category`
    in the period (or in one `quarter` of it), with its incident, section and line."""
    secs = list(sections)
    params = [*flt.params(f), category, quarter, quarter, secs, secs]
    return query(con, FACTOR_TEXTS.format(cte=flt.cte(f)), params)


def factor_texts_head(
    con, f: Filters, category: str, quarter: str | None = None, sections: tuple[str, ...] = (), limit: int = 1000
) -> dict:
    """factor_texts() for a page: {"rows": its first `limit` rows, "incidents": the incidents
    and "factors": the factor sentences of all its rows}."""
    if limit < 0:
        raise ValueError("limit must be at least 0")
    secs = list(sections)
    params = [*flt.params(f), category, quarter, quarter, secs, secs]
    sql = FACTOR_TEXTS.format(cte=flt.cte(f))
    rows = query(con, f"{sql}\nLIMIT ?", [*params, int(limit)])
    if len(rows) < limit:
        return {"rows": rows, "incidents": int(rows["incident_id"].nunique()), "factors": len(rows)}
    n = query(con, f"SELECT count(DISTINCT incident_id) AS incidents, count(*) AS factors FROM ({sql})", params)
    return {"rows": rows, "incidents": int(n.iloc[0, 0]), "factors": int(n.iloc[0, 1])}


def lessons(con, f: Filters, kind: str) -> pd.DataFrame:
    """Lessons of one kind (went_well, went_wrong, lucky, ...) of the period's incidents."""
    return text_frame(con, LESSONS.format(cte=flt.cte(f)), [*flt.params(f), kind])


def themes(con, f: Filters) -> pd.DataFrame:
    """'What went wrong' across incidents: the categories of the What Went Wrong
    items, by incidents, with 'uncategorized' last."""
    return ranked(con, f, sections=("what_went_wrong",), include_uncategorized=True)


def near_misses(con, f: Filters) -> dict:
    """'Where we got lucky' items of the period, grouped by shared words (curation.group_texts).
    -> {"groups": group, theme (its most frequent text), incidents, items, terms;
        "items": every item with its group}."""
    items = lessons(con, f, "lucky")
    texts = items["text"].tolist()
    groups = curation.group_texts(texts)
    group_of = [0] * len(items)
    incident_ids = items["incident_id"].tolist()
    rows = []
    for n, g in enumerate(groups, 1):
        for i in g.members:
            group_of[i] = n
        rows.append({"group": n, "theme": curation.most_frequent(texts, g.members),
                     "incidents": len({incident_ids[i] for i in g.members}), "items": len(g.members),
                     "terms": list(g.terms)})  # fmt: skip
    gdf = pd.DataFrame(rows, columns=["group", "theme", "incidents", "items", "terms"])
    gdf = gdf.sort_values(["incidents", "items", "group"], ascending=[False, False, True]).reset_index(drop=True)
    return {"groups": gdf, "items": items.assign(group=group_of)}


LABELS = "SELECT category, label FROM taxonomy"


def category_labels(con) -> dict[str, str]:
    """{category id: its label}, so a page shows 'Configuration change' wherever another shows it, never
    the id 'config-change'; 'uncategorized' reads 'Uncategorized' as on the Contributing factors page."""
    df = query(con, LABELS)
    labels = {c: lab for c, lab in zip(df["category"], df["label"], strict=True) if isinstance(lab, str) and lab}
    return {**labels, "uncategorized": "Uncategorized"}
