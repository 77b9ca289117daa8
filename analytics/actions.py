"""Action items: completion, on-time and overdue, as of a date (METRICS.md).

Status as of the as-of date: an item whose ticket was resolved after that
date was still open then; done items with no resolution date count as done.
Dropped items (won't do, cancelled) are left out of the rates.

Two populations (the page says which figure covers which):

- the *period*: items of the incidents `f` selects (its quarters, teams,
  services, severities). Rates, the status note and the list of items with
  no owner, due date or priority cover it.
- the *backlog*: items of every incident up to the as-of date, with the same
  team/service/severity filters (`through_as_of(f)`). Overdue work from an old
  incident still matters, so `overdue`, `overdue_owners`, `open_items` and
  `aging` cover it by default, whatever quarters `f` names; with `period=True`
  they cover the period's incidents instead (the overdue count of a review
  quarter, opened: the same items as summary(f)["overdue"]).

Every function also takes the owner selection `owner`, `owner_team` and
`manager` (the people file's team and manager of an owner, which may differ
from the incident's team). Item figures then count the items with at least
one matching owner; per-owner figures (one row per item and owner: an item
with several owners counts for each) keep only the matching owners."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numpy as np
import pandas as pd

from analytics import filters as flt
from analytics.db import fetch, query
from analytics.filters import Filters
from analytics.periods import Quarter, quarter_of
from analytics.stats import rate

# Items of the filtered incidents, with their status and overdue days as of the date.
ITEMS_CTE = """
{cte},
items AS (
    SELECT a.*, f.title AS incident_title, f.team, f.quarter, f.severity,
           CAST(f.occurred_at AS DATE) AS incident_date,
           CASE WHEN a.status = 'done' AND a.done_at IS NOT NULL AND a.done_at > CAST(? AS DATE) THEN 'open'
                ELSE a.status END AS status_as_of,
           CAST(? AS DATE) AS as_of
    FROM action_items a JOIN f USING (incident_key)
),
items2 AS (
    SELECT *,
           status_as_of = 'open' AND due_date IS NOT NULL AND due_date < as_of AS overdue,
           CASE WHEN status_as_of = 'open' AND due_date < as_of THEN date_diff('day', due_date, as_of) END
             AS days_overdue
    FROM items
)"""

# The owner selection, on top of ITEMS_CTE:
#   item_owners one row per selected item and matching owner, with the people file's name, team and manager
#               (as in action_item_owners, but from the filtered items, and an owner once per item)
#   sel_items   items with at least one matching owner (all items when nothing is selected)
#   item_rows   item_owners plus, when nothing is selected, one row (owner NULL) per item with no owner
# WHO_ALL when nothing is selected (no `?`), WHO_SOME otherwise (`?` order: owner, owner_team, manager).
OWNER_ROWS = """
    SELECT o.*, p.name AS owner_name, p.team AS owner_team, p.manager
    FROM (SELECT *, unnest(CASE WHEN len(owners) > 1 THEN list_distinct(owners) ELSE owners END) AS owner
          FROM items2) o
    LEFT JOIN people p ON p.handle = o.owner"""
WHO_ALL = f"""
item_owners AS ({OWNER_ROWS}
),
sel_items AS (SELECT * FROM items2),
item_rows AS (
    SELECT * FROM item_owners
    UNION ALL BY NAME
    SELECT *, CAST(NULL AS VARCHAR) AS owner, CAST(NULL AS VARCHAR) AS owner_name,
           CAST(NULL AS VARCHAR) AS owner_team, CAST(NULL AS VARCHAR) AS manager
    FROM items2 WHERE len(owners) = 0
)"""
WHO_SOME = f"""
sel AS (SELECT CAST(? AS VARCHAR) AS owner, CAST(? AS VARCHAR) AS owner_team, CAST(? AS VARCHAR) AS manager),
all_owners AS ({OWNER_ROWS}
),
item_owners AS (
    SELECT o.* FROM all_owners o, sel
    WHERE (sel.owner IS NULL OR o.owner = sel.owner OR lower(o.owner_name) = sel.owner)
      AND (sel.owner_team IS NULL OR o.owner_team = sel.owner_team)
      AND (sel.manager IS NULL OR o.manager = sel.manager)
),
sel_items AS (SELECT * FROM items2 WHERE item_id IN (SELECT item_id FROM item_owners)),
item_rows AS (SELECT * FROM item_owners)"""

# The counts of summary(), over rows of sel_items (the review counts them beside others: analytics/review.py).
SUMMARY_COLUMNS = """count(*) AS total,
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
       count(*) FILTER (WHERE overdue AND priority = 'P0') AS overdue_p0"""
SUMMARY_KEYS = ("total", "done", "dropped", "open", "overdue", "done_dated", "done_on_time", "no_owner",
                "no_due_date", "no_priority", "with_ticket_status", "no_status_recorded", "overdue_p0")  # fmt: skip
SUMMARY = f"""
WITH {{items}}, {{who}}
SELECT {SUMMARY_COLUMNS}
FROM sel_items
"""

OVERDUE_COUNT = "WITH {items}, {who} SELECT count(*) AS overdue FROM sel_items WHERE overdue"

# Rates per group. {col}, {source} and {extra} come from DIMENSIONS only; every source has one row per item
# and group.
RATES = """
WITH {items}, {who}
SELECT {col} AS {name}, {extra}
       count(*) AS items,
       count(*) FILTER (WHERE status_as_of = 'done') AS done,
       count(*) FILTER (WHERE status_as_of = 'dropped') AS dropped,
       count(*) FILTER (WHERE status_as_of = 'open') AS open,
       count(*) FILTER (WHERE overdue) AS overdue,
       count(*) FILTER (WHERE status_as_of = 'done' AND done_at IS NOT NULL AND due_date IS NOT NULL) AS done_dated,
       count(*) FILTER (WHERE status_as_of = 'done' AND done_at <= due_date) AS done_on_time
FROM {source}
GROUP BY 1
ORDER BY 1 NULLS LAST
"""
_PER_GROUP = """(
    SELECT item_id, {c}, status_as_of, overdue, done_at, due_date FROM item_owners WHERE len(owners) <= 1
    UNION ALL  -- only an item with several owners can be in a group twice
    SELECT DISTINCT item_id, {c}, status_as_of, overdue, done_at, due_date FROM item_owners WHERE len(owners) > 1
)"""
_PEOPLE_COLS = (
    "any_value(owner_name) AS owner_name, any_value(owner_team) AS owner_team, any_value(manager) AS manager,"
)
# dimension -> (rows it is counted over, column, extra columns)
DIMENSIONS = {
    "priority": ("sel_items", "priority", ""),
    "team": ("sel_items", "team", ""),
    "quarter": ("sel_items", "quarter", ""),
    "owner": ("item_owners", "owner", _PEOPLE_COLS),
    "owner_team": (_PER_GROUP.format(c="owner_team"), "owner_team", ""),
    "manager": (_PER_GROUP.format(c="manager"), "manager", ""),
}

# The status as recorded, for people reading the lists of open items.
STATUS_TEXT = """
CASE WHEN {t}status_source = 'ticket' AND {t}done_at IS NOT NULL
       THEN {t}ticket_status || ' on ' || strftime({t}done_at, '%Y-%m-%d') || ', after the as-of date'
     WHEN {t}status_source = 'ticket' THEN {t}ticket_status
     WHEN {t}status_source = 'document' THEN coalesce({t}doc_status_text, {t}doc_status)
     ELSE 'no status recorded' END"""

# The lists below take {first}: '' (every row) or 'ORDER BY <their *_ORDER> LIMIT ?' (the first rows: what a
# page shows), and {total}: 'NULL' or 'count(*) OVER ()' (how many rows there are before the limit, in a column
# _total). They pick their rows before they join and format the columns only people read.
OVERDUE_ORDER = "days_overdue DESC, incident_id, source_path, seq, owner NULLS LAST"
OVERDUE = """
WITH {items}, {who},
r AS (
    SELECT *, {total} AS _total FROM item_rows WHERE overdue
    {first}
)
SELECT r.incident_id, r.incident_title, r.team, r.quarter, r.priority, r.action, r.owner, r.owner_name, r.owner_team,
       r.manager, r.due_date, r.days_overdue, r.ticket, {status} AS status, r.status_source,
       r.document, r.line, r._total
FROM r
ORDER BY r.days_overdue DESC, r.incident_id, r.source_path, r.seq, r.owner NULLS LAST
"""
OVERDUE_COLUMNS = ("incident_id", "incident_title", "team", "quarter", "priority", "action", "owner", "owner_name",
                   "owner_team", "manager", "due_date", "days_overdue", "ticket", "status", "status_source", "document", "line")  # fmt: skip

OVERDUE_OWNERS = """
WITH {items}, {who}
SELECT owner, any_value(owner_name) AS owner_name, any_value(owner_team) AS owner_team, any_value(manager) AS manager,
       count(*) FILTER (WHERE overdue) AS overdue,
       max(days_overdue) FILTER (WHERE overdue) AS oldest_days_overdue,
       count(*) FILTER (WHERE status_as_of = 'open' AND priority = 'P0') AS open_p0
FROM item_rows
WHERE status_as_of = 'open'  -- every figure here counts open items only
GROUP BY owner
HAVING count(*) FILTER (WHERE overdue) > 0
ORDER BY overdue DESC, oldest_days_overdue DESC, open_p0 DESC, owner NULLS LAST
"""

AGE_BUCKETS = ("0-30 days", "31-90 days", "91-180 days", "181-365 days", "over 365 days")
DUE_STATES = ("overdue", "not yet due", "no due date")
OPEN_CTE = """
open_items AS (
    SELECT incident_id, incident_title, team, quarter, incident_date, priority, action,
           array_to_string(owners, ', ') AS owners, due_date, days_overdue,
           date_diff('day', incident_date, as_of) AS age_days,
           CASE WHEN date_diff('day', incident_date, as_of) <= 30 THEN 0
                WHEN date_diff('day', incident_date, as_of) <= 90 THEN 1
                WHEN date_diff('day', incident_date, as_of) <= 180 THEN 2
                WHEN date_diff('day', incident_date, as_of) <= 365 THEN 3
                ELSE 4 END AS age_bucket,
           CASE WHEN overdue THEN 'overdue' WHEN due_date IS NULL THEN 'no due date' ELSE 'not yet due' END
             AS due_state,
           ticket, {status} AS status, line, source_path, seq, _total
    FROM ({rows})
)"""
OPEN_ROWS = "SELECT *, {total} AS _total FROM sel_items WHERE status_as_of = 'open'"
OPEN_ORDER = "incident_date, incident_id, source_path, seq"  # oldest first: the earliest date is the largest age
OPEN_ITEMS = (
    "WITH {items}, {who},"
    + OPEN_CTE.replace("{rows}", OPEN_ROWS + " {first}")
    + "\nSELECT * EXCLUDE (source_path, seq) FROM open_items ORDER BY age_days DESC, incident_id, source_path, seq"
)
AGING = (
    "WITH {items}, {who},"
    + OPEN_CTE.replace("{rows}", OPEN_ROWS)
    + "\nSELECT age_bucket, due_state, count(*) AS items FROM open_items GROUP BY ALL"
)

INCOMPLETE_ORDER = "incident_id, source_path, seq"
INCOMPLETE = """
WITH {items}, {who},
r AS (
    SELECT *, {total} AS _total FROM sel_items WHERE len(owners) = 0 OR due_date IS NULL OR priority IS NULL
    {first}
)
SELECT incident_id, incident_title, team, quarter, priority, action, array_to_string(owners, ', ') AS owners,
       due_date, due_text, status_as_of AS status,
       concat_ws(', ', CASE WHEN len(owners) = 0 THEN 'owner' END, CASE WHEN due_date IS NULL THEN 'due date' END,
                 CASE WHEN priority IS NULL THEN 'priority' END) AS missing, line, _total
FROM r
ORDER BY incident_id, source_path, seq
"""


STATUS_SOURCES = """
WITH {items}, {who}
SELECT count(*) AS items,
       count(*) FILTER (WHERE status_source = 'ticket') AS matched_ticket,
       count(*) FILTER (WHERE status_source = 'document') AS document_status,
       count(*) FILTER (WHERE status_source = 'none') AS no_status_recorded,
       count(*) FILTER (WHERE ticket IS NOT NULL) AS name_a_ticket,
       count(*) FILTER (WHERE ticket IS NOT NULL AND status_source <> 'ticket') AS ticket_not_in_export,
       count(*) FILTER (WHERE status_source = 'ticket' AND done_at > as_of) AS resolved_after_as_of
FROM sel_items
"""
EXPORT_FILES = """
SELECT coalesce((SELECT value FROM meta WHERE key = 'tickets_file'), '') AS tickets_file,
       coalesce((SELECT value FROM meta WHERE key = 'people_file'), '') AS people_file,
       (SELECT count(*) FROM tickets) AS tickets,
       (SELECT count(*) FROM tickets t
         WHERE t.key_norm IS NULL
            OR t.key_norm NOT IN (SELECT upper(ticket) FROM action_items WHERE ticket IS NOT NULL)) AS tickets_unmatched,
       (SELECT count(*) FROM people) AS people
"""
SOURCE_PROBLEMS = """
WITH files AS (SELECT key, value FROM meta WHERE key IN ('tickets_file', 'people_file') AND value <> '')
SELECT CASE files.key WHEN 'tickets_file' THEN 'tickets' ELSE 'people' END AS file, p.source_path, p.line,
       p.level, p.code, p.message
FROM problems p JOIN files ON p.source_path = files.value
ORDER BY files.key DESC, p.line NULLS FIRST, p.code, p.message
"""

CHOICES = """
SELECT (SELECT list(DISTINCT owner ORDER BY owner) FROM action_item_owners) AS owners,
       (SELECT list(DISTINCT owner_team ORDER BY owner_team) FROM action_item_owners WHERE owner_team IS NOT NULL)
         AS owner_teams,
       (SELECT list(DISTINCT manager ORDER BY manager) FROM action_item_owners WHERE manager IS NOT NULL) AS managers
"""

_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+\.[\w.-]+$")


def normalise_owner(raw: str | None) -> str | None:
    """An owner as the ingest stores it: '@Alice', 'Alice', 'alice@x.org' -> 'alice'."""
    if raw is None:
        return None
    s = str(raw).strip().strip("()[]<>\"'`*_.,:")
    if _EMAIL.match(s):
        s = s.split("@", 1)[0]
    s = " ".join(s.lstrip("@").lower().split())
    return s or None


def through_as_of(f: Filters) -> Filters:
    """f's team/service/severity filters over every incident up to f.as_of:
    the population of the overdue list, the overdue owners and the aging."""
    return replace(f, start=Quarter(1900, 1, f.fiscal_start), end=quarter_of(f.as_of, f.fiscal_start))


def backlog(f: Filters, period: bool = False) -> Filters:
    """The incidents the overdue figures cover: every incident up to the as-of date (through_as_of), or with
    `period` only those of f's quarters, so a review quarter's overdue count opens on the same items."""
    return f if period else through_as_of(f)


def items_cte(f: Filters) -> str:
    return ITEMS_CTE.format(cte=flt.cte(f))


def items_params(f: Filters) -> list:
    return [*flt.params(f), f.as_of, f.as_of]


def _who(owner: str | None, owner_team: str | None, manager: str | None) -> list:
    team = " ".join(str(owner_team).lower().split()) if owner_team is not None else ""
    return [normalise_owner(owner), team or None, normalise_owner(manager)]


def _sql(sql: str, f: Filters, owner, owner_team, manager, **fmt) -> tuple[str, list]:
    who = _who(owner, owner_team, manager)
    some = any(v is not None for v in who)
    text = sql.format(items=items_cte(f), who=WHO_SOME if some else WHO_ALL, **fmt)
    return text, [*items_params(f), *(who if some else [])]


def _run(con, sql: str, f: Filters, owner, owner_team, manager, **fmt) -> pd.DataFrame:
    return query(con, *_sql(sql, f, owner, owner_team, manager, **fmt))


def _list(con, sql: str, f: Filters, owner, owner_team, manager, **fmt) -> pd.DataFrame:
    """Every row of one of the lists."""
    return _run(con, sql, f, owner, owner_team, manager, first="", total="NULL", **fmt).drop(columns="_total")


# How many rows each list has, for _head: counted apart from the first rows, since a count over the window of
# every row (count(*) OVER ()) made the sort carry every column of every row.
OVERDUE_TOTAL = "WITH {items}, {who} SELECT count(*) FROM item_rows WHERE overdue"
OPEN_TOTAL = "WITH {items}, {who} SELECT count(*) FROM sel_items WHERE status_as_of = 'open'"


def _head(con, sql: str, order: str, f: Filters, limit: int, owner, owner_team, manager,
          total_sql: str | None = None, **fmt) -> dict:  # fmt: skip
    """{"rows": the first `limit` rows of one of the lists, "total": its rows in all}. With `total_sql` the
    rows in all are counted by it, in a second query that runs beside the first (its own cursor)."""
    if limit < 1:
        raise ValueError("limit must be at least 1")  # the first row carries the count
    first = f"ORDER BY {order} LIMIT ?"
    if total_sql is None:
        text, params = _sql(sql, f, owner, owner_team, manager, first=first, total="count(*) OVER ()", **fmt)
        rows = query(con, text, [*params, int(limit)])
        total = int(rows["_total"].iloc[0]) if len(rows) else 0
        return {"rows": rows.drop(columns="_total"), "total": total}
    text, params = _sql(sql, f, owner, owner_team, manager, first=first, total="NULL", **fmt)
    with ThreadPoolExecutor(max_workers=1) as pool:
        counted = pool.submit(fetch, con, *_sql(total_sql, f, owner, owner_team, manager))
        rows = query(con, text, [*params, int(limit)])
        total = int(counted.result()[0][0])
    return {"rows": rows.drop(columns="_total"), "total": total}


def summary(con, f: Filters, owner: str | None = None, owner_team: str | None = None,
            manager: str | None = None) -> dict:  # fmt: skip
    """Counts and rates of the action items of the filtered incidents, as of f.as_of.
    completion_rate = done / (total - dropped); on_time_rate = done on or before
    the due date / done with both dates known."""
    return summary_from(_run(con, SUMMARY, f, owner, owner_team, manager).iloc[0].to_dict())


def summary_from(row: dict) -> dict:
    """summary() from the counts of SUMMARY_COLUMNS (SUMMARY_KEYS, in that order)."""
    out = {k: int(v) for k, v in row.items()}
    out["completion_rate"] = rate(out["done"], out["total"] - out["dropped"])
    out["on_time_rate"] = rate(out["done_on_time"], out["done_dated"])
    return out


def overdue_count(con, f: Filters, owner: str | None = None, owner_team: str | None = None,
                  manager: str | None = None) -> int:  # fmt: skip
    """summary()["overdue"] alone: overdue items of the filtered incidents as of f.as_of."""
    return int(_run(con, OVERDUE_COUNT, f, owner, owner_team, manager).iloc[0, 0])


def items(con, f: Filters) -> pd.DataFrame:
    """Every item of the filtered incidents with its as-of status and overdue days."""
    return query(con, f"WITH {items_cte(f)} SELECT * FROM items2 ORDER BY incident_id, seq", items_params(f))


def rates(con, f: Filters, by: str, owner: str | None = None, owner_team: str | None = None,
          manager: str | None = None) -> pd.DataFrame:  # fmt: skip
    """Completion and on-time rates of the period's items per `by` (priority,
    team = the incident's team, quarter = the incident's quarter, owner,
    owner_team, manager = from the people file). Per owner, owner team and
    manager an item counts once in each group it has an owner in. Columns:
    <by>, items, done, dropped, open, overdue, done_dated, done_on_time,
    rated (= items - dropped), completion_rate (done / rated), on_time_rate
    (done_on_time / done_dated); a rate is NaN where its denominator is 0.
    The group is NULL for items with no such value (no priority; an owner not in
    the people file). Ordered by the group, NULL last."""
    if by not in DIMENSIONS:
        raise ValueError(f"rates by {by!r}: expected one of {', '.join(DIMENSIONS)}")
    source, col, extra = DIMENSIONS[by]
    df = _run(con, RATES, f, owner, owner_team, manager, col=col, name=by, source=source, extra=extra)
    df["rated"] = df["items"] - df["dropped"]
    df["completion_rate"] = [_nan(rate(int(a), int(b))) for a, b in zip(df["done"], df["rated"], strict=True)]
    df["on_time_rate"] = [_nan(rate(int(a), int(b))) for a, b in zip(df["done_on_time"], df["done_dated"], strict=True)]
    return df


def _nan(v: float | None) -> float:
    return float("nan") if v is None else v


def overdue(con, f: Filters, owner: str | None = None, owner_team: str | None = None,
            manager: str | None = None, period: bool = False) -> pd.DataFrame:  # fmt: skip
    """Overdue items of every incident up to f.as_of (through_as_of(f)), one row
    per item and owner (an item with no owner: one row, owner empty), ordered
    by days overdue (descending), incident, item (document, position), owner.
    Overdue = not done, not dropped as of f.as_of, due before it; days overdue =
    as-of date - due date. `status` is the status as recorded (the tracker's
    status, the document's, or 'no status recorded'); a ticket resolved after
    the as-of date says so. `document` is the postmortem's path under the corpus
    root and `line` the item's line in it (none for structured documents).
    Columns: OVERDUE_COLUMNS. `period`: the period's incidents only (backlog())."""
    df = _list(con, OVERDUE, backlog(f, period), owner, owner_team, manager, status=STATUS_TEXT.format(t="r."))
    df["days_overdue"] = df["days_overdue"].astype("int64")
    return df


def overdue_rows(con, sql: str, f: Filters, extra: list, owner: str | None = None, owner_team: str | None = None,
                 manager: str | None = None, period: bool = False) -> list[tuple]:  # fmt: skip
    """`sql` (a query on the {items} and {who} of overdue(), with r.-prefixed {status}, and `extra` bound
    after their parameters) over overdue()'s population, as tuples: for the CSV export, which writes its
    lines in SQL rather than from a frame."""
    text, params = _sql(sql, backlog(f, period), owner, owner_team, manager, status=STATUS_TEXT.format(t="r."))
    return fetch(con, text, [*params, *extra])


def overdue_head(con, f: Filters, limit: int = 1000, owner: str | None = None, owner_team: str | None = None,
                 manager: str | None = None, period: bool = False) -> dict:  # fmt: skip
    """overdue() for a page: {"rows": its first `limit` rows, "total": its rows in all}.
    The CSV export (analytics.export.overdue_csv) has every row."""
    out = _head(con, OVERDUE, OVERDUE_ORDER, backlog(f, period), limit, owner, owner_team, manager, OVERDUE_TOTAL,
                status=STATUS_TEXT.format(t="r."))  # fmt: skip
    out["rows"]["days_overdue"] = out["rows"]["days_overdue"].astype("int64")
    return out


def overdue_owners(con, f: Filters, owner: str | None = None, owner_team: str | None = None,
                   manager: str | None = None, period: bool = False) -> pd.DataFrame:  # fmt: skip
    """Per owner with at least one overdue item (every incident up to f.as_of):
    overdue count, oldest days overdue, open P0 count (open as of the date,
    overdue or not), with the people file's name, team and manager. An item
    with several owners counts for each; items with no owner form one row
    (owner NULL). Ranked by overdue count, oldest days, open P0s, then owner. `period`: the period's
    incidents only (backlog())."""
    df = _run(con, OVERDUE_OWNERS, backlog(f, period), owner, owner_team, manager)
    for c in ("overdue", "oldest_days_overdue", "open_p0"):
        df[c] = df[c].astype("int64")
    return df


def open_items(con, f: Filters, owner: str | None = None, owner_team: str | None = None,
               manager: str | None = None, period: bool = False) -> pd.DataFrame:  # fmt: skip
    """Items open as of f.as_of, of every incident up to it, one row per item,
    oldest first: age_days = as-of date - incident date, age_bucket (index
    into AGE_BUCKETS), due_state (overdue, not yet due, no due date). `period`: the period's incidents
    only (backlog())."""
    df = _list(con, OPEN_ITEMS, backlog(f, period), owner, owner_team, manager, status=STATUS_TEXT.format(t=""))
    df["age"] = [AGE_BUCKETS[int(b)] for b in df["age_bucket"]]
    return df


def open_items_head(con, f: Filters, limit: int = 1000, owner: str | None = None, owner_team: str | None = None,
                    manager: str | None = None, period: bool = False) -> dict:  # fmt: skip
    """open_items() for a page: {"rows": its first `limit` rows (the oldest), "total": its rows in all}."""
    out = _head(con, OPEN_ITEMS, OPEN_ORDER, backlog(f, period), limit, owner, owner_team, manager, OPEN_TOTAL,
                status=STATUS_TEXT.format(t=""))  # fmt: skip
    out["rows"]["age"] = [AGE_BUCKETS[int(b)] for b in out["rows"]["age_bucket"]]
    return out


def aging(con, f: Filters, owner: str | None = None, owner_team: str | None = None,
          manager: str | None = None, period: bool = False) -> pd.DataFrame:  # fmt: skip
    """Open items (as open_items) counted per age bucket and due state: every
    bucket and state, zeros included, in AGE_BUCKETS x DUE_STATES order. `period`: the period's incidents
    only (backlog())."""
    df = _run(
        con, AGING, backlog(f, period), owner, owner_team, manager, status="NULL", total="NULL"
    )  # status: not needed here
    counts = {(int(b), s): int(n) for b, s, n in df.itertuples(index=False, name=None)}
    rows = [
        {"age_bucket": b, "age": label, "due_state": s, "items": counts.get((b, s), 0)}
        for b, label in enumerate(AGE_BUCKETS)
        for s in DUE_STATES
    ]
    return pd.DataFrame(rows, columns=["age_bucket", "age", "due_state", "items"])


def incomplete(con, f: Filters, owner: str | None = None, owner_team: str | None = None,
               manager: str | None = None) -> pd.DataFrame:  # fmt: skip
    """The period's items with no owner, no due date or no priority (the guide:
    every action item has all three), with what is missing. An unreadable due
    date (due_text) counts as none."""
    return _list(con, INCOMPLETE, f, owner, owner_team, manager)


def incomplete_head(con, f: Filters, limit: int = 1000, owner: str | None = None, owner_team: str | None = None,
                    manager: str | None = None) -> dict:  # fmt: skip
    """incomplete() for a page: {"rows": its first `limit` rows, "total": its rows in all}."""
    return _head(con, INCOMPLETE, INCOMPLETE_ORDER, f, limit, owner, owner_team, manager)


def status_sources(con, f: Filters, owner: str | None = None, owner_team: str | None = None,
                   manager: str | None = None) -> dict:  # fmt: skip
    """Where the period's item statuses come from: items, matched_ticket (status
    from the ticket tracker export), document_status, no_status_recorded (counted
    as open), name_a_ticket, ticket_not_in_export (a ticket is named but the
    export has no such key), resolved_after_as_of; and of the export:
    tickets_file, tickets, tickets_unmatched (no item names them), people_file,
    people."""
    row = _run(con, STATUS_SOURCES, f, owner, owner_team, manager).iloc[0].to_dict()
    out = {k: int(v) for k, v in row.items()}
    files = query(con, EXPORT_FILES).iloc[0].to_dict()
    out.update({k: (str(v) if k.endswith("_file") else int(v)) for k, v in files.items()})
    return out


def source_problems(con) -> pd.DataFrame:
    """What the build could not use in the ticket tracker export and the people
    file (unknown columns, duplicate keys, junk rows, ...): file (tickets |
    people), source_path, line, level, code, message."""
    return query(con, SOURCE_PROBLEMS)


def owner_choices(con) -> dict[str, tuple[str, ...]]:
    """Every owner, owner team and manager the items name (for selectors)."""
    row = query(con, CHOICES).iloc[0]

    def t(v) -> tuple[str, ...]:  # an empty list() is NULL, which pandas may hand back as NA
        return tuple(str(x) for x in v) if isinstance(v, list | tuple | np.ndarray) else ()

    return {"owners": t(row["owners"]), "owner_teams": t(row["owner_teams"]), "managers": t(row["managers"])}
