"""Action items: completion, on-time and overdue, as of a date (METRICS.md).

Status as of the as-of date: an item whose ticket was resolved after that
date was still open then; done items with no resolution date count as done.
Dropped items (won't do, cancelled) are left out of the rates."""

from __future__ import annotations

import pandas as pd

from analytics import filters as flt
from analytics.db import query
from analytics.filters import Filters
from analytics.stats import rate

# Items of the filtered incidents, with their status and overdue days as of the date.
ITEMS_CTE = """
{cte},
items AS (
    SELECT a.*, f.title AS incident_title, f.team, f.quarter, f.severity,
           CASE WHEN a.status = 'done' AND a.done_at IS NOT NULL AND a.done_at > CAST(? AS DATE) THEN 'open'
                ELSE a.status END AS status_as_of,
           CAST(? AS DATE) AS as_of
    FROM action_items a JOIN f USING (incident_id)
),
items2 AS (
    SELECT *,
           status_as_of = 'open' AND due_date IS NOT NULL AND due_date < as_of AS overdue,
           CASE WHEN status_as_of = 'open' AND due_date < as_of THEN date_diff('day', due_date, as_of) END
             AS days_overdue
    FROM items
)"""

SUMMARY = """
WITH {items}
SELECT count(*) AS total,
       count(*) FILTER (WHERE status_as_of = 'done') AS done,
       count(*) FILTER (WHERE status_as_of = 'dropped') AS dropped,
       count(*) FILTER (WHERE status_as_of = 'open') AS open,
       count(*) FILTER (WHERE overdue) AS overdue,
       count(*) FILTER (WHERE status_as_of = 'done' AND done_at IS NOT NULL AND due_date IS NOT NULL) AS done_dated,
       count(*) FILTER (WHERE status_as_of = 'done' AND done_at <= due_date) AS done_on_time,
       count(*) FILTER (WHERE len(owners) = 0) AS no_owner,
       count(*) FILTER (WHERE due_date IS NULL) AS no_due_date,
       count(*) FILTER (WHERE priority IS NULL) AS no_priority,
       count(*) FILTER (WHERE status_source = 'ticket') AS with_ticket_status,
       count(*) FILTER (WHERE status_source = 'none') AS no_status_recorded,
       count(*) FILTER (WHERE overdue AND priority = 'P0') AS overdue_p0
FROM items2
"""


def items_cte(f: Filters) -> str:
    return ITEMS_CTE.format(cte=flt.cte(f))


def items_params(f: Filters) -> list:
    return [*flt.params(f), f.as_of, f.as_of]


def summary(con, f: Filters) -> dict:
    """Counts and rates of the action items of the filtered incidents, as of f.as_of.
    completion_rate = done / (total - dropped); on_time_rate = done on or before
    the due date / done with both dates known."""
    row = query(con, SUMMARY.format(items=items_cte(f)), items_params(f)).iloc[0].to_dict()
    out = {k: int(v) for k, v in row.items()}
    out["completion_rate"] = rate(out["done"], out["total"] - out["dropped"])
    out["on_time_rate"] = rate(out["done_on_time"], out["done_dated"])
    return out


def items(con, f: Filters) -> pd.DataFrame:
    """Every item of the filtered incidents with its as-of status and overdue days."""
    return query(con, f"WITH {items_cte(f)} SELECT * FROM items2 ORDER BY incident_id, seq", items_params(f))
