"""Impact and follow-through: what incidents cost, and what kind of fixes we make.

Impact (incident_impact, one counted figure per incident and metric):

- a total sums only the incidents that report the figure, and says how many
  did (n reporting) and did not (n not reporting, of which n said 'unknown'
  / 'TBD'); an incident that does not report a figure is never a zero;
- a range counts at its midpoint; its bounds add up to `sum_low`/`sum_high`
  (`sum_high` is None when some figure is 'at least N'); `n_inexact` counts
  the figures written approximately (~, about, estimated), as ranges or as
  bounds;
- the median is over the reporting incidents;
- money is summed per currency, never converted ($ counts as USD; a figure
  written without a currency is 'unspecified');
- data loss and security implications are yes/no: how many incidents said
  yes, how many said no, how many said nothing.

Action-item types (action_items.item_type, data/action_types.yaml): the mix of
prevention / detection / mitigation / process per quarter and team, over the
items of the incidents `f` selects, dropped items left out. An item no rule
and no Type column typed is counted as 'untyped', never guessed.
"""

from __future__ import annotations

import math

import pandas as pd

from analytics import filters as flt
from analytics.db import query
from analytics.filters import Filters

# metric -> (label, kind, unit as shown)
METRICS: dict[str, tuple[str, str, str]] = {
    "customers_affected": ("Customers affected", "count", "customers"),
    "users_affected": ("Users affected", "count", "users"),
    "revenue_loss": ("Revenue loss", "money", ""),
    "support_cost": ("Support cost", "money", ""),
    "support_tickets": ("Support tickets", "count", "tickets"),
    "engineering_hours": ("Engineering time", "count", "person-hours"),
    "downtime_minutes": ("Downtime", "count", "minutes"),
    "data_loss": ("Data loss", "flag", ""),
    "security_impact": ("Security implications", "flag", ""),
}
NUMERIC = tuple(m for m, (_, kind, _u) in METRICS.items() if kind != "flag")
TYPES = ("prevention", "detection", "mitigation", "process", "untyped")
DEFINITION = (
    "Sums and medians over the incidents that report the figure (n); incidents that do not are left out, never "
    "counted as zero. A range counts at its midpoint; money is summed per currency, never converted."
)
UNSPECIFIED = "unspecified"

# The figures of a metric and currency, over rows of incident_impact (the totals and, per group, the review).
TOTAL_COLUMNS = """
       count(*) FILTER (WHERE qualifier <> 'unknown') AS n_reporting,
       count(*) FILTER (WHERE qualifier = 'unknown') AS n_unknown,
       sum(value) AS sum, sum(low) AS sum_low,
       CASE WHEN count(*) FILTER (WHERE qualifier <> 'unknown' AND high IS NULL) = 0 THEN sum(high) END AS sum_high,
       median(value) AS median, max(value) AS max,
       count(*) FILTER (WHERE approximate OR qualifier IN ('range', 'at_least', 'at_most')) AS n_inexact,
       count(*) FILTER (WHERE qualifier = 'range') AS n_ranges,
       count(*) FILTER (WHERE flag) AS yes, count(*) FILTER (WHERE NOT flag) AS no"""
TOTALS = (
    """
WITH {cte},
x AS (SELECT x.* FROM incident_impact x JOIN f USING (incident_key) WHERE x.counted)
SELECT metric, coalesce(currency, '') AS currency,"""
    + TOTAL_COLUMNS
    + """
FROM x
GROUP BY ALL
ORDER BY ALL
"""
)
COUNT = "WITH {cte} SELECT count(*) AS n FROM f"

# Groups are whitelisted: {col} only ever comes from GROUPS.
GROUPS = {"team": "f.team", "quarter": "f.quarter", "severity": "f.severity"}
BY_GROUP = """
WITH {cte},
g AS (SELECT {col} AS grp, count(*) AS incidents FROM f GROUP BY 1),
x AS (SELECT {col} AS grp, x.* FROM incident_impact x JOIN f USING (incident_key) WHERE x.counted)
SELECT g.grp AS "{name}", g.incidents, x.metric, coalesce(x.currency, '') AS currency,
       count(*) FILTER (WHERE x.qualifier <> 'unknown') AS n_reporting,
       sum(x.value) AS sum, median(x.value) AS median,
       count(*) FILTER (WHERE x.flag) AS yes, count(*) FILTER (WHERE NOT x.flag) AS no
FROM g JOIN x ON x.grp IS NOT DISTINCT FROM g.grp
GROUP BY ALL
ORDER BY 1 NULLS LAST, 3, 4
"""

# TOTALS and BY_GROUP in one pass over the figures (the review shows both): whole = a row of TOTALS, else of
# BY_GROUP (grp, its incidents); n = the incidents of `f`. {col}: GROUPS only.
TOTALS_BY_GROUP = (
    """
WITH {cte},
g AS (SELECT {col} AS grp, count(*) AS incidents FROM f GROUP BY 1),
x AS (SELECT {col} AS grp, x.* FROM incident_impact x JOIN f USING (incident_key) WHERE x.counted),
a AS (
    SELECT GROUPING(grp) = 1 AS whole, grp, metric, coalesce(currency, '') AS currency,"""
    + TOTAL_COLUMNS
    + """
    FROM x
    GROUP BY GROUPING SETS ((metric, coalesce(currency, '')), (grp, metric, coalesce(currency, '')))
)
SELECT a.*, coalesce(g.incidents, 0) AS incidents, (SELECT count(*) FROM f) AS n
FROM a LEFT JOIN g ON NOT a.whole AND g.grp IS NOT DISTINCT FROM a.grp
ORDER BY a.whole DESC, a.grp NULLS LAST, a.metric, a.currency
"""
)
TOTALS_COLUMNS = ("metric", "currency", "n_reporting", "n_unknown", "sum", "sum_low", "sum_high", "median", "max",
                  "n_inexact", "n_ranges", "yes", "no")  # fmt: skip
BY_GROUP_COLUMNS = ("incidents", "metric", "currency", "n_reporting", "sum", "median", "yes", "no")  # after the group

PER_INCIDENT = """
WITH {cte}
SELECT f.incident_id, f.title, f.team, coalesce(f.severity, 'unknown') AS severity, f.quarter, f.occurred_at,
       f.ttr_minutes, f.reported_duration_minutes,
       coalesce(f.ttr_minutes, f.reported_duration_minutes) AS duration_minutes,
       CASE WHEN f.ttr_minutes IS NOT NULL THEN 'time to resolve'
            WHEN f.reported_duration_minutes IS NOT NULL THEN 'reported duration' END AS duration_source,
       {pivot},
       any_value(x.currency) FILTER (WHERE x.metric = 'revenue_loss') AS revenue_currency,
       any_value(x.currency) FILTER (WHERE x.metric = 'support_cost') AS support_cost_currency,
       bool_or(x.flag) FILTER (WHERE x.metric = 'data_loss') AS data_loss,
       bool_or(x.flag) FILTER (WHERE x.metric = 'security_impact') AS security_impact,
       coalesce(list(x.metric ORDER BY x.metric) FILTER (WHERE x.approximate OR x.qualifier IN ('range', 'at_least',
                'at_most')), []) AS inexact,
       count(x.metric) FILTER (WHERE x.qualifier <> 'unknown') AS figures,
       f.source_path
FROM {source} f LEFT JOIN incident_impact x ON x.incident_key = f.incident_key AND x.counted
GROUP BY ALL
ORDER BY f.occurred_at, f.incident_id
"""
_PIVOT = ",\n       ".join(f"max(x.value) FILTER (WHERE x.metric = '{m}') AS {m}" for m in NUMERIC)

INCIDENT_FIGURES = """
SELECT metric, value, low, high, unit, currency, qualifier, approximate, flag, source, text, line, source_path, counted
FROM incident_impact WHERE incident_id = ? ORDER BY counted DESC, source_path, seq
"""
# What this incident's postmortem names, and which postmortems name it.
RELATED = """
SELECT 'names' AS direction, l.target_id AS other_id, i.title AS other_title, i.occurred_at AS other_occurred_at,
       l.resolved, l.ref, l.ref_kind, l.section, l.text, l.ref_date, l.line, l.source_path
FROM incident_links l LEFT JOIN incidents i ON i.incident_id = l.target_id
WHERE l.incident_id = ? AND l.counts
UNION ALL
SELECT 'named by', l.incident_id, i.title, i.occurred_at, TRUE, l.ref, l.ref_kind, l.section, l.text, l.ref_date,
       l.line, l.source_path
FROM incident_links l JOIN incidents i ON i.incident_id = l.incident_id
WHERE l.target_id = ? AND l.incident_id <> ? AND l.counts
ORDER BY 1 DESC, 4 DESC NULLS LAST, 6, 12, 11
"""

# Action items of the selected incidents by type; status as of the date (done later = open then).
TYPE_ITEMS = """
WITH {cte},
a AS (
    SELECT a.*, f.team, f.quarter, coalesce(a.item_type, 'untyped') AS type,
           CASE WHEN a.status = 'done' AND a.done_at IS NOT NULL AND a.done_at > CAST(? AS DATE) THEN 'open'
                ELSE a.status END AS status_as_of
    FROM action_items a JOIN f USING (incident_key)
)
"""
TYPE_MIX = (
    TYPE_ITEMS
    + """
SELECT {col} AS "{name}", type, count(*) AS items,
       count(*) FILTER (WHERE status_as_of = 'done') AS done,
       sum(count(*)) OVER (PARTITION BY {col}) AS group_items
FROM a WHERE status_as_of <> 'dropped'
GROUP BY {col}, type
ORDER BY 1 NULLS LAST, 2
"""
)
TYPE_TOTALS = (
    TYPE_ITEMS
    + """
SELECT type, item_type_source AS source, count(*) AS items,
       count(*) FILTER (WHERE status_as_of = 'done') AS done
FROM a WHERE status_as_of <> 'dropped'
GROUP BY ALL
ORDER BY ALL
"""
)
TYPE_DIMENSIONS = {"quarter": "quarter", "team": "team", "priority": "priority"}


def number(v) -> float | int | None:
    """A JSON-safe number: None for NULL/NaN, an int when whole."""
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    if math.isnan(f) or math.isinf(f):
        return None
    return int(f) if f == int(f) and abs(f) < 2**53 else round(f, 4)


def _incidents(con, f: Filters) -> int:
    return int(query(con, COUNT.format(cte=flt.cte(f)), flt.params(f)).iloc[0, 0])


_NO_FIGURES = {"sum": None, "sum_low": None, "sum_high": None, "median": None, "max": None, "n_inexact": 0,
               "n_ranges": 0}  # fmt: skip


def _figures(r) -> dict:
    return {
        "n_reporting": int(r.n_reporting),
        "sum": number(r.sum),
        "sum_low": number(r.sum_low),
        "sum_high": number(r.sum_high),
        "median": number(r.median),
        "max": number(r.max),
        "n_inexact": int(r.n_inexact),
        "n_ranges": int(r.n_ranges),
    }


def summary(con, f: Filters) -> dict:
    """Impact totals over the incidents `f` selects (module docstring):
    {"incidents": N, "definition": ..., metric: {...} for every metric}."""
    return _summary(_incidents(con, f), query(con, TOTALS.format(cte=flt.cte(f)), flt.params(f)))


def summary_by_group(con, f: Filters, dim: str = "team") -> tuple[dict, pd.DataFrame]:
    """(summary(f), by_group(f, dim)) from one query: the review shows both, and the figures' rows, joined to
    the incidents by their ids, are then read once."""
    if dim not in GROUPS:
        raise ValueError(f"unknown dimension {dim!r}; one of {', '.join(GROUPS)}")
    df = query(con, TOTALS_BY_GROUP.format(cte=flt.cte(f), col=GROUPS[dim]), flt.params(f))
    n = int(df["n"].iloc[0]) if len(df) else _incidents(con, f)
    whole = df["whole"].astype(bool)
    totals = df.loc[whole, list(TOTALS_COLUMNS)].reset_index(drop=True)
    groups = df.loc[~whole, ["grp", *BY_GROUP_COLUMNS]].rename(columns={"grp": dim}).reset_index(drop=True)
    return _summary(n, totals), _labelled(groups)


def _summary(n: int, rows: pd.DataFrame) -> dict:
    """summary() from the incidents and TOTALS' rows."""
    out: dict = {"incidents": n, "definition": DEFINITION}
    by_metric: dict[str, list] = {}
    for r in rows.itertuples():  # one pass: a frame filtered per metric cost the review 15 ms
        by_metric.setdefault(r.metric, []).append(r)
    for metric, (label, kind, unit) in METRICS.items():
        sub = by_metric.get(metric, [])
        reporting = _total(sub, "n_reporting")
        m: dict = {"label": label, "unit": unit or None, "n_reporting": reporting, "n_not_reporting": n - reporting,
                   "n_unknown": _total(sub, "n_unknown")}  # fmt: skip
        if kind == "flag":
            m |= {"yes": _total(sub, "yes"), "no": _total(sub, "no")}
        elif kind == "money":
            m["by_currency"] = {(r.currency or UNSPECIFIED): _figures(r) for r in sub if int(r.n_reporting) > 0}
        else:
            m |= _figures(sub[0]) if sub else dict(_NO_FIGURES)
        out[metric] = m
    return out


def _total(rows: list, column: str) -> int:
    """The sum of a count column over some of TOTALS' rows, missing values left out (as a frame's sum())."""
    return int(sum(v for v in (getattr(r, column) for r in rows) if not pd.isna(v)))


def by_group(con, f: Filters, dim: str = "team") -> pd.DataFrame:
    """Per team (quarter, severity) and metric: the group's incidents, how many
    report the figure, its sum and median (money per currency; yes/no for flags)."""
    if dim not in GROUPS:
        raise ValueError(f"unknown dimension {dim!r}; one of {', '.join(GROUPS)}")
    sql = BY_GROUP.format(cte=flt.cte(f), col=GROUPS[dim], name=dim)
    return _labelled(query(con, sql, flt.params(f)))


def _labelled(df: pd.DataFrame) -> pd.DataFrame:
    """BY_GROUP's rows with each metric's label, and no currency where none was written."""
    df["label"] = df["metric"].map(lambda m: METRICS.get(m, (m,))[0])
    df["currency"] = pd.Series([c or None for c in df["currency"]], index=df.index, dtype=object)
    return df


def group_table(con, f: Filters, dim: str = "team") -> pd.DataFrame:
    """by_group() as one row per group: incidents, then per metric 'sum (n)'
    columns ready to show, plus the numbers themselves."""
    df = by_group(con, f, dim)
    if df.empty:
        return pd.DataFrame(columns=[dim, "incidents"])
    rows: dict = {}
    for r in df.itertuples():
        g = getattr(r, dim)
        row = rows.setdefault(g, {dim: g, "incidents": int(r.incidents)})
        kind = METRICS.get(r.metric, ("", "count"))[1]
        if kind == "flag":
            row[f"{r.metric}"] = f"{int(r.yes):,} yes, {int(r.no):,} no (n = {int(r.n_reporting):,})"
            continue
        key = r.metric if kind != "money" else f"{r.metric} {r.currency or UNSPECIFIED}"
        row[key] = number(r.sum)
        row[f"{key} n"] = int(r.n_reporting)
        row[f"{key} median"] = number(r.median)
    return pd.DataFrame(list(rows.values()))


def per_incident(con, f: Filters, limit: int | None = None) -> pd.DataFrame:
    """One row per incident of `f`: severity, duration (time to resolve, else the
    reported duration), and each counted figure (NULL when not reported).
    `limit`: only the first that many incidents (by time, then id)."""
    cte, params, source = flt.cte(f), flt.params(f), "f"
    if limit is not None:  # pick the first incidents before the pivot, not after
        cte += ",\nf_first AS (SELECT * FROM f ORDER BY occurred_at, incident_id LIMIT ?)"
        params, source = [*params, int(limit)], "f_first"
    df = query(con, PER_INCIDENT.format(cte=cte, pivot=_PIVOT, source=source), params)
    df["inexact"] = [list(v) for v in df["inexact"]]
    return df


# Over the incidents of per_incident(): how many, how many state a figure, and for each column that may be
# empty, how many incidents have a value in it.
PER_INCIDENT_COUNTS = """
WITH {cte},
x AS (SELECT * FROM incident_impact WHERE counted AND incident_key IN (SELECT incident_key FROM f))
SELECT (SELECT count(*) FROM f) AS incidents,
       (SELECT count(DISTINCT incident_id) FROM x WHERE qualifier <> 'unknown') AS with_figures,
       (SELECT count(quarter) FROM f) AS quarter,
       (SELECT count(team) FROM f) AS team,
       (SELECT count(*) FROM f) AS severity,
       (SELECT count(coalesce(ttr_minutes, reported_duration_minutes)) FROM f) AS duration_minutes,
       {metrics},
       (SELECT count(*) FROM x WHERE metric = 'revenue_loss' AND currency IS NOT NULL) AS revenue_currency,
       (SELECT count(*) FROM x WHERE metric = 'data_loss' AND flag IS NOT NULL) AS data_loss,
       (SELECT count(*) FROM x WHERE metric = 'security_impact' AND flag IS NOT NULL) AS security_impact,
       (SELECT count(*) FROM f) AS inexact
"""
_METRIC_COUNTS = ",\n       ".join(
    f"(SELECT count(*) FROM x WHERE metric = '{m}' AND value IS NOT NULL) AS {m}" for m in NUMERIC
)


def per_incident_head(con, f: Filters, limit: int = 1000) -> dict:
    """per_incident() for a page: {"rows": its first `limit` rows, "total": incidents of `f`,
    "with_figures": incidents that state at least one figure, "filled": {column: incidents with a
    value in it, over all of them} for the columns that may be empty}."""
    row = query(con, PER_INCIDENT_COUNTS.format(cte=flt.cte(f), metrics=_METRIC_COUNTS), flt.params(f)).iloc[0]
    counts = {k: int(v) for k, v in row.items()}
    return {
        "rows": per_incident(con, f, limit),
        "total": counts.pop("incidents"),
        "with_figures": counts.pop("with_figures"),
        "filled": counts,
    }


def incident_figures(con, incident_id: str) -> pd.DataFrame:
    """Every impact figure of one incident's documents, the counted ones first."""
    df = query(con, INCIDENT_FIGURES, [incident_id])
    df["label"] = df["metric"].map(lambda m: METRICS.get(m, (m,))[0])
    df["shown"] = [shown(r) for r in df.itertuples()]
    return df


def related(con, incident_id: str) -> pd.DataFrame:
    """The incidents this one's postmortem names ('names', resolved or as
    written) and the postmortems that name it ('named by')."""
    return query(con, RELATED, [incident_id, incident_id, incident_id])


def shown(r) -> str:
    """One figure as a person reads it: '12,000', '~$45,000', '10,000–15,000',
    'at least 6', 'no', 'unknown'."""
    return _shown(r.qualifier, r.flag, r.currency, r.unit, r.value, r.low, r.high, r.approximate)


_UNITS = {"customers": "", "users": "", "tickets": "", "person-hours": " person-hours", "minutes": " min"}
_SHOWN_COLUMNS = ("qualifier", "flag", "currency", "unit", "value", "low", "high", "approximate")


def _shown(q, flag, currency, unit_name, value, low, high, approximate) -> str:
    if flag is not None and not pd.isna(flag):
        return "yes" if bool(flag) else "no"
    if q == "unknown" or not all(_known(v) for v in ((low, high) if q == "range" else (value,))):
        return "unknown"  # a figure the database holds out of any range (infinite, 400 digits) is unknown too
    cur = currency if isinstance(currency, str) else None
    unit = _UNITS.get(unit_name or "", "")

    def fmt(v) -> str:
        return money(v, cur) if (unit_name == "money") else f"{v:,.0f}" if float(v) == int(v) else f"{v:,.1f}"

    approx = "~" if approximate else ""
    if q == "range":
        return f"{approx}{fmt(low)}–{fmt(high)}{unit}"
    if q == "at_least":
        return f"at least {fmt(value)}{unit}"
    if q == "at_most":
        return f"up to {fmt(value)}{unit}"
    return f"{approx}{fmt(value)}{unit}"


def _known(v) -> bool:
    return v is not None and not pd.isna(v) and math.isfinite(v)


def shown_column(df: pd.DataFrame) -> list[str]:
    """shown() of every row of a frame with incident_impact's columns, without a pandas call per row."""
    return [_shown(*t) for t in zip(*(df[c].tolist() for c in _SHOWN_COLUMNS), strict=True)]


SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}


def money(v, currency: str | None) -> str:
    """45000, 'USD' -> '$45,000'; 'CHF' -> 'CHF 45,000'; no currency -> '45,000'."""
    if v is None or pd.isna(v):
        return "n/a"
    s = f"{float(v):,.0f}"
    if not currency or currency == UNSPECIFIED:
        return s
    return f"{SYMBOLS[currency]}{s}" if currency in SYMBOLS else f"{currency} {s}"


# ------------------------------------------------------------------ action-item types


def type_mix(con, f: Filters, dim: str = "quarter") -> pd.DataFrame:
    """Per quarter (team, priority) and type: items, done, share of the group's
    items (dropped items left out; 'untyped' when nothing typed the item)."""
    if dim not in TYPE_DIMENSIONS:
        raise ValueError(f"unknown dimension {dim!r}; one of {', '.join(TYPE_DIMENSIONS)}")
    sql = TYPE_MIX.format(cte=flt.cte(f), col=TYPE_DIMENSIONS[dim], name=dim)
    return _mix(query(con, sql, [*flt.params(f), f.as_of]), dim)


def types_from(totals: pd.DataFrame, mix: pd.DataFrame, dim: str) -> tuple[dict, pd.DataFrame]:
    """(type_summary(), type_mix()) from the rows TYPE_TOTALS and TYPE_MIX have: `totals` (type, source, items,
    done) and `mix` (the group, type, items, done; in TYPE_MIX's order), without group_items: for a query that
    counts them beside other figures (the review's, analytics/review.py)."""
    mix = mix.set_axis([dim, "type", "items", "done"], axis=1).reset_index(drop=True)
    mix["group_items"] = mix.groupby(dim, dropna=False, sort=False)["items"].transform("sum")
    return _type_summary(totals.reset_index(drop=True)), _mix(mix, dim)


def _mix(df: pd.DataFrame, dim: str) -> pd.DataFrame:
    """type_mix() from TYPE_MIX's rows."""
    df["group_items"] = df["group_items"].astype(int)
    df["share"] = df["items"] / df["group_items"]
    order = {t: i for i, t in enumerate(TYPES)}
    df["order"] = df["type"].map(lambda t: order.get(t, len(order)))
    return df.sort_values([dim, "order"], na_position="last").reset_index(drop=True)


def type_summary(con, f: Filters) -> dict:
    """The type mix of the items of the incidents `f` selects, for the review:
    items, per type (items, share, done), untyped, and where the types came
    from (a Type column or the rules)."""
    return _type_summary(query(con, TYPE_TOTALS.format(cte=flt.cte(f)), [*flt.params(f), f.as_of]))


def _type_summary(df: pd.DataFrame) -> dict:
    """type_summary() from TYPE_TOTALS' rows."""
    rows = list(df.itertuples())  # one pass: a frame filtered per type and source cost the review 5 ms
    total = _total(rows, "items")
    by_type = {}
    for t in TYPES:
        sub = [r for r in rows if r.type == t]
        items = _total(sub, "items")
        by_type[t] = {"items": items, "share": number(items / total) if total else None, "done": _total(sub, "done")}
    typed = [r for r in rows if r.type != "untyped"]
    return {
        "items": total,
        "definition": "Action items of the period's incidents by type (data/action_types.yaml: a Type column, else "
        "the first matching rule); dropped items left out; 'untyped' when neither typed the item.",
        "by_type": by_type,
        "typed_from": {s: _total([r for r in typed if r.source == s], "items") for s in ("column", "rule")},
        "prevention_vs_detection": number(by_type["prevention"]["items"] / by_type["detection"]["items"])
        if by_type["detection"]["items"]
        else None,
    }


def type_table(con, f: Filters, dim: str = "team") -> pd.DataFrame:
    """type_mix() as one row per group: items, the share and count of each
    type, and a note when a group adds more detection than prevention."""
    df = type_mix(con, f, dim)
    if df.empty:
        return pd.DataFrame(columns=[dim, "items", *TYPES, "note"])
    rows = []
    for g, sub in df.groupby(dim, dropna=False, sort=False):
        row = {dim: g, "items": int(sub["group_items"].iloc[0])}
        for t in TYPES:
            hit = sub[sub["type"] == t]
            row[t] = float(hit["share"].iloc[0]) if len(hit) else 0.0
            row[f"{t}_items"] = int(hit["items"].iloc[0]) if len(hit) else 0
        note = ""
        if row["prevention_items"] == 0 and row["detection_items"] > 0:
            note = "detection but no prevention"
        elif row["detection_items"] > row["prevention_items"]:
            note = "more detection than prevention"
        row["note"] = note
        rows.append(row)
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ one line per figure

CORE = ("customers_affected", "revenue_loss", "support_tickets", "engineering_hours", "data_loss", "security_impact")


def amount(v, metric: str, currency: str | None = None) -> str:
    """A total or median as a person reads it: '12,000', '$45,000', '8' (person-hours: the
    headline's label names the unit), '2 h 5 min'."""
    if v is None or pd.isna(v):
        return "n/a"
    kind = METRICS[metric][1]
    if kind == "money":
        return money(v, currency)
    if metric == "downtime_minutes":
        m = round(float(v))
        return f"{m} min" if m < 60 else f"{m // 60} h {m % 60} min" if m % 60 else f"{m // 60} h"
    return f"{float(v):,.0f}" if float(v) == int(v) else f"{float(v):,.1f}"


def headline(s: dict, all_metrics: bool = False) -> list[dict]:
    """summary() as rows to show: label, total, median, n reporting of the
    incidents, and a note (approximate figures, ranges, unknowns). The guide's
    figures are always listed; the others when some incident reports them."""
    n = s["incidents"]
    rows = []
    for metric, (label, kind, _unit) in METRICS.items():
        m = s[metric]
        if not all_metrics and metric not in CORE and m["n_reporting"] == 0:
            continue
        unknown = f"{m['n_unknown']} said unknown" if m["n_unknown"] else ""
        shown_label = f"{label} (person-hours)" if metric == "engineering_hours" else label
        base = {"metric": metric, "label": shown_label, "currency": None, "n": m["n_reporting"], "incidents": n}
        if kind == "flag":
            said = m["n_reporting"]
            rows.append(base | {"total": f"{m['yes']:,} yes, {m['no']:,} no" if said else "not reported",
                                "median": "", "note": unknown,
                                # a metric tile: the yes count large, the no count beside n
                                "tile": f"{m['yes']:,} yes" if said else "not reported",
                                "tile_note": f"{m['no']:,} no" if said else ""})  # fmt: skip
            continue
        parts = list(m["by_currency"].items()) if kind == "money" else [(None, m)]
        if kind == "money" and not parts:
            parts = [(None, dict(_NO_FIGURES, n_reporting=0))]
        for cur, x in parts:
            notes = []
            if x["n_inexact"]:
                notes.append(f"{x['n_inexact']} approximate or a range")
            if x["sum"] is not None and (x["sum_low"] != x["sum_high"]):
                hi = amount(x["sum_high"], metric, cur) if x["sum_high"] is not None else "no upper bound"
                notes.append(f"bounds {amount(x['sum_low'], metric, cur)} to {hi}")
            if kind == "money" and len(parts) > 1:
                notes.append("currencies are not added up")
            if unknown:
                notes.append(unknown)
            total = amount(x["sum"], metric, cur) if x["n_reporting"] else "not reported"
            rows.append(base | {"currency": cur, "n": x["n_reporting"], "total": total,
                                "median": amount(x["median"], metric, cur) if x["n_reporting"] else "",
                                "note": "; ".join(notes)})  # fmt: skip
    return rows


# ------------------------------------------------------------------ distributions

FIGURES = """
WITH {cte}
SELECT f.incident_id, f.title, f.team, coalesce(f.severity, 'unknown') AS severity, f.quarter, x.metric,
       x.currency, x.value, x.low, x.high, x.unit, x.qualifier, x.approximate, x.flag, x.text, x.line, x.source_path
FROM f JOIN incident_impact x ON x.incident_key = f.incident_key AND x.counted
WHERE x.value IS NOT NULL
ORDER BY x.metric, x.currency NULLS FIRST, x.value DESC, f.incident_id
"""
# The same figures per figure (metric and currency): rows, incidents reporting it, the median.
FIGURE_STATS = """
WITH {cte},
x AS (
    SELECT incident_id, metric, currency, value FROM incident_impact
    WHERE counted AND value IS NOT NULL AND incident_key IN (SELECT incident_key FROM f)
)
SELECT metric, currency, count(*) AS n, median(value) AS median,
       (SELECT count(DISTINCT incident_id) FROM x) AS any_figure
FROM x
GROUP BY metric, currency
ORDER BY metric, currency NULLS FIRST
"""
# figures(), at most about `?` rows per figure: all of them when no more report it, else a fixed sample (a hash
# of the incident id picks about one in k; sorting to pick every k-th costs more than all the rest), plus the
# largest; with FIGURE_STATS of its figure (n, median) and of them all (any_figure) on every row, so that one
# pass over the figures gives both. A picked figure keeps its own columns (one counted figure per incident and
# metric: the build's), not read again by joining on the incident; the picked ones are materialized, so that only
# they are joined to the incidents (else the planner joins every figure first).
FIGURE_POINTS = """
WITH {cte},
x AS (
    SELECT incident_id, incident_key, metric, currency, value, low, high, unit, qualifier, approximate, flag
    FROM incident_impact
    WHERE counted AND value IS NOT NULL AND incident_key IN (SELECT incident_key FROM f)
),
g AS (
    SELECT metric, currency, count(*) AS n, max(value) AS top, median(value) AS median FROM x GROUP BY metric, currency
),
picked AS MATERIALIZED (
    SELECT x.*, g.n, g.median
    FROM x JOIN g ON g.metric = x.metric AND g.currency IS NOT DISTINCT FROM x.currency
    WHERE g.n <= CAST(? AS BIGINT) OR x.value = g.top
       OR hash(x.incident_id) % CAST(ceil(g.n / CAST(? AS BIGINT)) AS UBIGINT) = 0
)
SELECT f.incident_id, f.title, f.team, coalesce(f.severity, 'unknown') AS severity, p.metric, p.currency,
       p.value, p.low, p.high, p.unit, p.qualifier, p.approximate, p.flag, p.n, p.median,
       (SELECT count(DISTINCT incident_id) FROM x) AS any_figure
FROM picked p JOIN f ON f.incident_key = p.incident_key
ORDER BY p.metric, p.currency NULLS FIRST, p.value DESC, f.incident_id
"""
POINT_STATS = ("n", "median", "any_figure")  # FIGURE_POINTS' columns of FIGURE_STATS


def figure_label(metric: str, currency) -> str:
    """'Customers affected'; money per currency: 'Revenue loss (USD)', 'Revenue loss (unspecified)'."""
    if METRICS[metric][1] != "money":
        return METRICS[metric][0]
    return f"{METRICS[metric][0]} ({currency if isinstance(currency, str) and currency else UNSPECIFIED})"


def _labels(df: pd.DataFrame) -> list[str]:
    keys = list(zip(df["metric"].tolist(), df["currency"].tolist(), strict=True))
    known = {k: figure_label(*k) for k in set(keys)}
    return [known[k] for k in keys]


def figures(con, f: Filters) -> pd.DataFrame:
    """Every counted numeric figure of the incidents of `f`, one row per incident
    and figure, with `label` (money: 'Revenue loss (USD)') and `shown` (as a
    person reads it): the per-incident distribution behind each total."""
    df = query(con, FIGURES.format(cte=flt.cte(f)), flt.params(f))
    df["label"] = _labels(df)
    df["shown"] = shown_column(df)
    return df


def figure_points(con, f: Filters, per_figure: int = 1000) -> dict:
    """What the figure strips draw, light enough for a browser at any size.

    -> {"points": figures() (without text, line, source_path) of at most about
    `per_figure` incidents per figure: all of them when no more report it, else
    a fixed sample of about that many and the largest; "figures": per figure (metric,
    currency, label): n (incidents reporting it, all of them), median (over all
    n) and points (how many are drawn), in figures() order; "incidents": the
    incidents that report at least one figure}."""
    if per_figure < 1:
        raise ValueError("per_figure must be at least 1")
    cte, params = flt.cte(f), flt.params(f)
    df = query(con, FIGURE_POINTS.format(cte=cte), [*params, per_figure, per_figure])
    pts = df.drop(columns=list(POINT_STATS))
    pts["label"] = _labels(pts)
    pts["shown"] = shown_column(pts)
    # every figure has a point (its largest), in FIGURE_STATS order (metric, currency NULLS FIRST)
    stats = _stats_frame(df.drop_duplicates(["metric", "currency"])[["metric", "currency", *POINT_STATS]])
    drawn = pts.groupby("label", sort=False).size().to_dict()
    stats["points"] = [int(drawn.get(lab, 0)) for lab in stats["label"]]
    return {"points": pts, "figures": stats, "incidents": stats.attrs["incidents"]}


def _figure_stats(con, f: Filters) -> pd.DataFrame:
    """FIGURE_STATS per figure with its label; how many incidents report any figure in attrs["incidents"]."""
    return _stats_frame(query(con, FIGURE_STATS.format(cte=flt.cte(f)), flt.params(f)))


def _stats_frame(df: pd.DataFrame) -> pd.DataFrame:
    """_figure_stats() from FIGURE_STATS' rows (metric, currency, n, median, any_figure)."""
    df = df.reset_index(drop=True)
    df.attrs["incidents"] = int(df["any_figure"].iloc[0]) if len(df) else 0
    df = df.drop(columns=["any_figure"])
    df["incidents"] = df["n"]  # one counted figure per incident and metric
    df["label"] = _labels(df)
    return df


# Per incident of `f`: its duration (time to resolve, else the reported duration) and one counted figure
# (money: only in the currency asked for).
DURATION_FIGURE = """
WITH {cte},
x AS (SELECT incident_key, value, currency FROM incident_impact WHERE counted AND metric = ?)
SELECT f.incident_id, coalesce(f.severity, 'unknown') AS severity,
       coalesce(f.ttr_minutes, f.reported_duration_minutes) AS duration_minutes,
       CASE WHEN NOT ? OR coalesce(x.currency, 'unspecified') = ? THEN x.value END AS figure,
       hash(f.incident_id) AS sample_key
FROM f LEFT JOIN x ON x.incident_key = f.incident_key
ORDER BY f.occurred_at, f.incident_id
"""
POINT_DETAILS = """
WITH {cte}
SELECT f.incident_id, f.title, f.team, f.quarter, f.occurred_at, f.ttr_minutes, f.reported_duration_minutes,
       CASE WHEN f.ttr_minutes IS NOT NULL THEN 'time to resolve'
            WHEN f.reported_duration_minutes IS NOT NULL THEN 'reported duration' END AS duration_source
FROM f WHERE f.incident_id IN (SELECT unnest(CAST(? AS VARCHAR[])))
"""
POINT_COLUMNS = ("incident_id", "title", "team", "severity", "quarter", "occurred_at", "ttr_minutes",
                 "reported_duration_minutes", "duration_minutes", "duration_source", "figure")  # fmt: skip


def duration_vs_impact(con, f: Filters, metric: str = "customers_affected", currency: str | None = None,
                       max_points: int | None = None) -> dict:  # fmt: skip
    """Severity, duration and one impact figure per incident of `f`.

    points: the incidents with both a duration (time to resolve, else the
    reported duration) and the figure (money: in `currency`); n, incidents,
    missing_duration, missing_figure; spearman: the rank correlation of
    duration and figure (None when n < 5); by_severity: per severity, the
    incidents, n with both, median duration and median figure.
    `max_points`: `points` holds at most that many of the n incidents (the same
    sample on every call, `drawn` says how many); every number counts all n."""
    if metric not in NUMERIC:
        raise ValueError(f"{metric!r} is not a numeric impact figure")
    is_money = METRICS[metric][1] == "money"
    df = query(con, DURATION_FIGURE.format(cte=flt.cte(f)), [*flt.params(f), metric, is_money, currency or UNSPECIFIED])
    keys = df.pop("sample_key")
    both = df.dropna(subset=["figure", "duration_minutes"])
    rho = None
    if len(both) >= 5:
        a = both["duration_minutes"].rank().to_numpy(dtype=float)
        b = both["figure"].rank().to_numpy(dtype=float)
        if a.std() > 0 and b.std() > 0:
            rho = round(float(((a - a.mean()) * (b - b.mean())).mean() / (a.std() * b.std())), 4)
    sev = (
        df.groupby("severity", dropna=False)
        .agg(incidents=("incident_id", "size"))
        .join(
            both.groupby("severity").agg(
                n=("incident_id", "size"),
                median_duration=("duration_minutes", "median"),
                median_figure=("figure", "median"),
            )
        )
        .reset_index()
    )
    sev["n"] = sev["n"].fillna(0).astype(int)
    order = {s: i for i, s in enumerate(("SEV1", "SEV2", "SEV3", "SEV4", "SEV5", "unknown"))}
    sev = sev.sort_values("severity", key=lambda s: s.map(lambda x: order.get(x, 9))).reset_index(drop=True)
    points = both
    if max_points is not None and len(both) > max_points:  # a fixed sample: the smallest hashes of the ids
        points = both.loc[keys[both.index].sort_values(kind="stable").index[:max_points]].sort_index()
    details = query(con, POINT_DETAILS.format(cte=flt.cte(f)), [*flt.params(f), points["incident_id"].tolist()])
    points = points.merge(details, on="incident_id", how="left")[list(POINT_COLUMNS)]
    return {
        "points": points,
        "drawn": len(points),
        "n": len(both),
        "incidents": len(df),
        "missing_duration": int(df["duration_minutes"].isna().sum()),
        "missing_figure": int(df["figure"].isna().sum()),
        "spearman": rho,
        "by_severity": sev,
    }


def figure_options(con, f: Filters) -> list[tuple[str, str | None, str, int]]:
    """The numeric figures some incident of `f` reports: (metric, currency, label, n)."""
    df = _figure_stats(con, f)
    out = [
        (m, c if isinstance(c, str) else None, lab, int(n))
        for m, c, lab, n in zip(
            df["metric"].tolist(), df["currency"].tolist(), df["label"].tolist(), df["incidents"].tolist(), strict=True
        )
    ]
    order = list(METRICS)
    return sorted(out, key=lambda x: (order.index(x[0]), x[1] or ""))
