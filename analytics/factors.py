"""Contributing factors: what keeps happening (METRICS.md, Contributing factors).

Categories are counted by incidents, not by mentions: an incident whose
postmortem names 'monitoring' three times counts once."""

from __future__ import annotations

import pandas as pd

from analytics import filters as flt
from analytics.db import query
from analytics.filters import Filters

RANKED = """
WITH {cte},
n AS (SELECT count(*) AS incidents FROM f)
SELECT c.category, coalesce(t.label, c.category) AS label,
       count(DISTINCT c.incident_id) AS incidents,
       count(DISTINCT c.incident_id) / any_value(n.incidents) AS share,
       count(*) AS mentions
FROM contributing_factors c JOIN f USING (incident_id) CROSS JOIN n
LEFT JOIN taxonomy t USING (category)
WHERE c.category <> 'uncategorized'
GROUP BY c.category, t.label, t.position
ORDER BY incidents DESC, mentions DESC, c.category
"""
FIRST_SEEN = """
WITH {cte}
SELECT c.category, coalesce(t.label, c.category) AS label, min(f.quarter) AS first_quarter,
       min(f.occurred_at) AS first_seen
FROM contributing_factors c JOIN f USING (incident_id) LEFT JOIN taxonomy t USING (category)
WHERE c.category <> 'uncategorized'
GROUP BY c.category, t.label
"""


def ranked(con, f: Filters) -> pd.DataFrame:
    """Every category in the period: incidents, share of the period's incidents, mentions."""
    return query(con, RANKED.format(cte=flt.cte(f)), flt.params(f))


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
