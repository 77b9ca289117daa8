"""Contributing factors: what keeps happening (METRICS.md, Contributing factors).

Categories are counted by incidents, not by mentions: an incident whose
postmortem names 'monitoring' three times counts once. Every count has a
function that lists the factor sentences behind it (factor_texts)."""

from __future__ import annotations

import pandas as pd

from analytics import curation
from analytics import filters as flt
from analytics.db import query
from analytics.filters import Filters
from analytics.periods import quarters_between

RANKED = """
WITH {cte},
n AS (SELECT count(*) AS incidents FROM f)
SELECT c.category, coalesce(t.label, c.category) AS label,
       count(DISTINCT c.incident_id) AS incidents,
       count(DISTINCT c.incident_id) / any_value(n.incidents) AS share,
       count(*) AS mentions
FROM contributing_factors c JOIN f USING (incident_id) CROSS JOIN n
LEFT JOIN taxonomy t USING (category)
WHERE (c.category <> 'uncategorized' OR ?)
  AND (len(CAST(? AS VARCHAR[])) = 0 OR list_contains(CAST(? AS VARCHAR[]), c.section))
GROUP BY c.category, t.label, t.position
ORDER BY c.category = 'uncategorized', incidents DESC, mentions DESC, c.category
"""
FIRST_SEEN = """
WITH {cte}
SELECT c.category, coalesce(t.label, c.category) AS label, min(f.quarter) AS first_quarter,
       min(f.occurred_at) AS first_seen, arg_min(c.incident_id, (f.occurred_at, c.incident_id)) AS first_incident
FROM contributing_factors c JOIN f USING (incident_id) LEFT JOIN taxonomy t USING (category)
WHERE c.category <> 'uncategorized'
GROUP BY c.category, t.label
"""


def ranked(con, f: Filters, sections: tuple[str, ...] = (), include_uncategorized: bool = False) -> pd.DataFrame:
    """Every category in the period: incidents, share of the period's incidents, mentions.
    `sections`: only factors found in these sections (e.g. ('what_went_wrong',));
    `include_uncategorized`: add 'uncategorized' as the last row."""
    secs = list(sections)
    return query(con, RANKED.format(cte=flt.cte(f)), [*flt.params(f), bool(include_uncategorized), secs, secs])


def recurring(con, f: Filters) -> pd.DataFrame:
    """Categories present in at least two incidents of the period."""
    df = ranked(con, f)
    return df[df["incidents"] >= 2].reset_index(drop=True)


def new_categories(con, f: Filters) -> pd.DataFrame:
    """Categories first seen (with the same team/service/severity filters) in the period."""
    first = query(con, FIRST_SEEN.format(cte=flt.cte(f.all_time())), flt.params(f.all_time()))
    period = ranked(con, f)
    first = first[
        (first["first_seen"] >= pd.Timestamp(f.start.start)) & (first["first_seen"] < pd.Timestamp(f.end.end))
    ]
    out = period.merge(first[["category", "first_quarter", "first_seen"]], on="category", how="inner")
    return out.sort_values(["incidents", "category"], ascending=[False, True]).reset_index(drop=True)


# ------------------------------------------------------------ the factors page

SUMMARY = """
WITH {cte}
SELECT (SELECT count(*) FROM f) AS incidents,
       count(DISTINCT c.incident_id) AS incidents_with_factors,
       count(DISTINCT c.incident_id) FILTER (WHERE c.category <> 'uncategorized') AS incidents_categorized,
       count(DISTINCT c.incident_id) FILTER (WHERE c.category = 'uncategorized') AS incidents_uncategorized,
       count(c.incident_id) AS factors,
       count(c.incident_id) FILTER (WHERE c.category = 'uncategorized') AS uncategorized,
       count(DISTINCT c.incident_id) FILTER (WHERE c.section = 'what_went_wrong') AS incidents_with_went_wrong
FROM f LEFT JOIN contributing_factors c USING (incident_id)
"""
PER_QUARTER = """
WITH {cte}
SELECT c.category, f.quarter, count(DISTINCT c.incident_id) AS incidents
FROM contributing_factors c JOIN f USING (incident_id)
WHERE c.category <> 'uncategorized'
GROUP BY c.category, f.quarter
"""
QUARTER_TOTALS = """
WITH {cte}
SELECT quarter, count(*) AS incidents FROM f GROUP BY quarter
"""
FACTOR_TEXTS = """
WITH {cte}
SELECT c.incident_id, f.title, f.quarter, f.occurred_at, f.team, f.severity, f.services,
       c.category, coalesce(t.label, c.category) AS label, c.section, c.line, c.source_path, c.text
FROM contributing_factors c JOIN f USING (incident_id) LEFT JOIN taxonomy t USING (category)
WHERE c.category = ?
  AND (CAST(? AS VARCHAR) IS NULL OR f.quarter = CAST(? AS VARCHAR))
  AND (len(CAST(? AS VARCHAR[])) = 0 OR list_contains(CAST(? AS VARCHAR[]), c.section))
ORDER BY f.occurred_at, c.incident_id, c.source_path, c.seq
"""
LESSONS = """
WITH {cte}
SELECT l.incident_id, f.title, f.quarter, f.occurred_at, f.team, f.severity, l.line, l.source_path, l.text
FROM lessons l JOIN f USING (incident_id)
WHERE l.kind = ?
ORDER BY f.occurred_at, l.incident_id, l.source_path, l.seq
"""


def quarters(f: Filters) -> list[str]:
    """The labels of the period's quarters, oldest first."""
    return [q.label for q in quarters_between(f.start, f.end)]


def summary(con, f: Filters) -> dict:
    """The period at a glance: incidents (n), how many have factors, the factor
    sentences and how many are uncategorized, recurring and new categories."""
    row = query(con, SUMMARY.format(cte=flt.cte(f)), flt.params(f)).iloc[0]
    out = {k: int(v) for k, v in row.items()}
    out["uncategorized_share"] = out["uncategorized"] / out["factors"] if out["factors"] else None
    out["recurring"] = len(recurring(con, f))
    out["new"] = len(new_categories(con, f))
    return out


def heatmap(con, f: Filters) -> pd.DataFrame:
    """Category x quarter: incidents with the category in each quarter of the period
    (zeros included, categories of the period only), the quarter's incidents and the share."""
    cats = ranked(con, f)[["category", "label"]]
    qs = quarters(f)
    counts = query(con, PER_QUARTER.format(cte=flt.cte(f)), flt.params(f))
    totals = query(con, QUARTER_TOTALS.format(cte=flt.cte(f)), flt.params(f))
    grid = cats.merge(pd.DataFrame({"quarter": qs}), how="cross")
    grid = grid.merge(counts, on=["category", "quarter"], how="left")
    grid = grid.merge(totals.rename(columns={"incidents": "quarter_incidents"}), on="quarter", how="left")
    grid["incidents"] = grid["incidents"].fillna(0).astype("int64")
    grid["quarter_incidents"] = grid["quarter_incidents"].fillna(0).astype("int64")
    q = grid["quarter_incidents"]
    grid["share"] = (grid["incidents"] / q.where(q > 0)).astype("float64")
    return grid[["category", "label", "quarter", "incidents", "quarter_incidents", "share"]].reset_index(drop=True)


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
    r = ranked(con, f)
    heat = heatmap(con, f)
    qs = quarters(f)
    trend = {
        cat: [int(x) for x in g.set_index("quarter").reindex(qs)["incidents"].fillna(0)]
        for cat, g in heat.groupby("category", sort=False)
    }
    first = query(con, FIRST_SEEN.format(cte=flt.cte(f.all_time())), flt.params(f.all_time()))
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


def lessons(con, f: Filters, kind: str) -> pd.DataFrame:
    """Lessons of one kind (went_well, went_wrong, lucky, ...) of the period's incidents."""
    return query(con, LESSONS.format(cte=flt.cte(f)), [*flt.params(f), kind])


def themes(con, f: Filters) -> pd.DataFrame:
    """'What went wrong' across incidents: the categories of the What Went Wrong
    items, by incidents, with 'uncategorized' last."""
    return ranked(con, f, sections=("what_went_wrong",), include_uncategorized=True)


def near_misses(con, f: Filters) -> dict:
    """'Where we got lucky' items of the period, grouped by shared words (curation.group_texts).
    -> {"groups": group, theme (its most frequent text), incidents, items, terms;
        "items": every item with its group}."""
    items = lessons(con, f, "lucky")
    groups = curation.group_texts(items["text"].tolist())
    group_of = [0] * len(items)
    rows = []
    for n, g in enumerate(groups, 1):
        for i in g.members:
            group_of[i] = n
        sub = items.iloc[list(g.members)]
        rows.append({"group": n, "theme": sub["text"].value_counts().index[0], "incidents": sub["incident_id"].nunique(),
                     "items": len(sub), "terms": list(g.terms)})  # fmt: skip
    gdf = pd.DataFrame(rows, columns=["group", "theme", "incidents", "items", "terms"])
    gdf = gdf.sort_values(["incidents", "items", "group"], ascending=[False, False, True]).reset_index(drop=True)
    return {"groups": gdf, "items": items.assign(group=group_of)}
