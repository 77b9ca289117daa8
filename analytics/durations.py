"""Response times: time to detect, acknowledge, mitigate and resolve (METRICS.md).

Every function takes a connection and Filters and returns plain data; the
numbers come from `incident_durations`, which holds a duration only where both
milestones are known and the end is not before the start. The headline
durations' minutes alone (the review's and the medians' statistics) are read
from the incidents table's own columns (ttd_minutes, ...), which the build
computes with those rows from the same milestones: the same figures, without
joining half a million duration rows on their incident ids."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from analytics import filters as flt
from analytics.db import MAX_FIGURE, arrays, cursor, head, query
from analytics.filters import Filters
from analytics.periods import quarters_between
from analytics.stats import Change, Summary, compare_medians_with_doubt, summarize

HEADLINE = ("ttd", "tta", "ttm", "ttr")
# What each duration measures, without its name: pages and reports put the label before it
# ("Time to detect: From the start ..."), so the name is never said twice.
DEFINITIONS = {
    "ttd": "From the start of impact (or the change that caused it) to the first alert, page or report.",
    "tta": "From detection to the first acknowledgement by a responder.",
    "ttm": "From the start of impact to the moment impact stopped (rollback done, traffic drained).",
    "ttr": "From the start of impact to full recovery.",
    "ttr_from_detect": "From the first alert to full recovery.",
    "postmortem_lag": "From resolution to publication of the postmortem.",
}

DEFINED = "SELECT duration_id, label, start_milestone, end_milestone FROM duration_definitions ORDER BY position"
PER_INCIDENT = """
WITH {cte}
SELECT f.incident_id, f.title, f.quarter, f.team, f.severity, f.occurred_at, d.duration_id, d.minutes, d.doubt,
       d.corrected
FROM f JOIN incident_durations d USING (incident_key)
WHERE list_contains(CAST(? AS VARCHAR[]), d.duration_id)
ORDER BY d.duration_id, f.occurred_at, f.incident_id
"""
COUNT = "WITH {cte} SELECT count(*) FROM f"
COUNT_DURATIONS = """
WITH {cte}
SELECT count(*) FROM f JOIN incident_durations d USING (incident_key)
WHERE list_contains(CAST(? AS VARCHAR[]), d.duration_id)
"""
# Minutes of the durations asked for: k = the duration's position in that list (from 0), focus = in the
# filters' last quarter (`?`: its start; f ends with it, and a time compared costs less than a quarter label
# made for every incident). `?` order: filters, the last quarter's start, durations, durations.
MINUTES = """
WITH {cte}
SELECT f.occurred_at >= CAST(? AS TIMESTAMP) AS focus, list_position(CAST(? AS VARCHAR[]), d.duration_id) - 1 AS k,
       d.minutes,
       d.doubt IS NOT NULL AS doubtful
FROM f JOIN incident_durations d USING (incident_key)
WHERE list_contains(CAST(? AS VARCHAR[]), d.duration_id)
"""
BY_SERVICE = """
WITH {cte}
SELECT s.service, d.minutes
FROM f JOIN incident_durations d USING (incident_key) JOIN incident_services s USING (incident_key)
WHERE d.duration_id = ?
ORDER BY f.occurred_at, f.incident_id, s.service
"""
# One duration's minutes with the group each incident is in, in per_incident() order. {col}: GROUPS only.
GROUPS = {"quarter": "f.quarter", "team": "f.team", "severity": "f.severity", "duration_id": "d.duration_id"}
BY_GROUP = """
WITH {cte}
SELECT {col} AS {name}, d.minutes
FROM f JOIN incident_durations d USING (incident_key)
WHERE list_contains(CAST(? AS VARCHAR[]), d.duration_id)
ORDER BY d.duration_id, f.occurred_at, f.incident_id
"""
# per_incident() rows of at most `?` incidents per group: a fixed sample (by a hash of the id) where a group
# has more. {col}: GROUPS only.
SAMPLE = """
WITH {cte},
x AS (
    SELECT f.incident_id, f.title, f.quarter, f.team, f.severity, f.occurred_at, d.duration_id, d.minutes, d.doubt,
           d.corrected, row_number() OVER (PARTITION BY {col} ORDER BY hash(f.incident_id), f.incident_id) AS pick
    FROM f JOIN incident_durations d USING (incident_key)
    WHERE list_contains(CAST(? AS VARCHAR[]), d.duration_id)
)
SELECT * EXCLUDE (pick) FROM x WHERE pick <= ?
ORDER BY duration_id, occurred_at, incident_id
"""


def definitions(con) -> pd.DataFrame:
    df = query(con, DEFINED)
    df["definition"] = [DEFINITIONS.get(i, f"From {a} to {b}.") for i, a, b in
                        zip(df["duration_id"], df["start_milestone"], df["end_milestone"], strict=True)]  # fmt: skip
    return df


def per_incident(con, f: Filters, metrics=HEADLINE) -> pd.DataFrame:
    """One row per incident and duration: incident_id, title, quarter, team,
    severity, occurred_at, duration_id, minutes, doubt (why the figure is
    doubtful, else None), corrected (the corrections it rests on, with their
    reasons, else None); by duration, then time."""
    return query(con, PER_INCIDENT.format(cte=flt.cte(f)), [*flt.params(f), list(metrics)])


def per_incident_head(con, f: Filters, metrics=HEADLINE, limit: int = 1000) -> dict:
    """per_incident() for a page: {"rows": its first `limit` rows, "total": its rows in all}."""
    cte, params = flt.cte(f), [*flt.params(f), list(metrics)]
    return head(con, PER_INCIDENT.format(cte=cte), params, limit, COUNT_DURATIONS.format(cte=cte))


def sample(con, f: Filters, metrics=HEADLINE, group: str = "quarter", per_group: int = 1000) -> pd.DataFrame:
    """What a per-incident strip chart draws, light enough for a browser at any size:
    per_incident() rows of at most `per_group` incidents per group (quarter, team,
    severity or duration_id), all of them where no more have the duration, else a fixed
    sample (by a hash of the id). The medians and n of every incident are by_group()'s
    (per duration: headline()'s)."""
    if group not in GROUPS:
        raise ValueError(f"cannot group by {group!r}")
    if per_group < 1:
        raise ValueError("per_group must be at least 1")
    return query(con, SAMPLE.format(cte=flt.cte(f), col=GROUPS[group]), [*flt.params(f), list(metrics), int(per_group)])


def incident_count(con, f: Filters) -> int:
    return int(query(con, COUNT.format(cte=flt.cte(f)), flt.params(f)).iloc[0, 0])


def minutes(con, f: Filters, metrics=HEADLINE) -> dict[str, list[float]]:
    """{duration id: its minutes over the filtered incidents}: just the numbers."""
    r = _minutes(con, f, metrics)
    return {m: r["minutes"][r["k"] == i].tolist() for i, m in enumerate(metrics)}


def _minutes(con, f: Filters, metrics) -> dict:
    """{focus, k, minutes, doubtful}: one entry per incident of `f` and duration of `metrics` it has, k = the
    duration's position in `metrics`, focus = in f's last quarter; a figure beyond MAX_FIGURE left out
    (db.finite_rows). Headline durations come from the incidents' own columns, per duration in the order of the
    incidents table (the order of incident_durations' rows, which a resampled small quarter depends on)."""
    metrics = list(metrics)
    if metrics and set(metrics) <= set(HEADLINE) and len(set(metrics)) == len(metrics):
        return _headline_minutes(con, f, metrics)[0]
    return arrays(con, MINUTES.format(cte=flt.cte(f)), [*flt.params(f), f.end.start, metrics, metrics])


# MINUTES for headline durations only, from the incidents' own columns: one row per incident of `f`, its
# minutes (m0, m1, ...) and whether each is doubtful (d0, d1, ...: incident_durations.doubt is the same
# key of duration_doubts). {columns}: _headline_columns(). `?` order: filters, the last quarter's start.
HEADLINE_MINUTES = """
WITH {cte}
SELECT f.occurred_at >= CAST(? AS TIMESTAMP) AS focus, {columns}
FROM f
"""


def _headline_columns(metrics: list[str]) -> str:
    """The m<i>, d<i> columns of HEADLINE_MINUTES (names from HEADLINE only)."""
    cols = []
    for i, m in enumerate(metrics):
        if m not in HEADLINE:
            raise ValueError(f"{m!r} is no headline duration")
        cols.append(f"f.{m}_minutes AS m{i}, json_extract_string(f.duration_doubts, '$.\"{m}\"') IS NOT NULL AS d{i}")
    return ", ".join(cols)


def _headline_minutes(con, f: Filters, metrics: list[str]) -> tuple[dict, int]:
    """(_minutes() of headline durations, from HEADLINE_MINUTES; the incidents of f's last quarter: its rows
    with focus, one per incident)."""
    sql = HEADLINE_MINUTES.format(cte=flt.cte(f), columns=_headline_columns(metrics))
    with cursor(con) as cur:
        cols = cur.execute(sql, [*flt.params(f), f.end.start]).fetchnumpy()
    focus = np.asarray(cols["focus"], dtype=bool)
    parts = {"focus": [], "k": [], "minutes": [], "doubtful": []}
    for i in range(len(metrics)):
        v = cols[f"m{i}"]
        data = np.asarray(np.ma.getdata(v), dtype=float)
        keep = ~np.ma.getmaskarray(v)
        keep[keep] = ~(np.abs(data[keep]) > MAX_FIGURE)
        parts["focus"].append(focus[keep])
        parts["k"].append(np.full(int(keep.sum()), i, dtype=np.int64))
        parts["minutes"].append(data[keep])
        parts["doubtful"].append(np.asarray(cols[f"d{i}"], dtype=bool)[keep])
    return {name: np.concatenate(arrs) for name, arrs in parts.items()}, int(np.count_nonzero(focus))


def doubtful(con, f: Filters, metrics=HEADLINE) -> dict[str, int]:
    """{duration id: how many of its figures are doubtful} (weak evidence, a stated duration that disagrees)."""
    r = _minutes(con, f, metrics)
    return {m: int(r["doubtful"][r["k"] == i].sum()) for i, m in enumerate(metrics)}


def summary(con, f: Filters, metric: str, values: list[float] | None = None, total: int | None = None,
            doubts: int | None = None) -> dict:  # fmt: skip
    """median, p90, mean, n, coverage (n / incidents in the filter), missing,
    doubtful (figures resting on weak evidence or disagreeing with the
    document's stated duration)."""
    values = minutes(con, f, (metric,))[metric] if values is None else values
    total = incident_count(con, f) if total is None else total
    doubts = doubtful(con, f, (metric,))[metric] if doubts is None else doubts
    s: Summary = summarize(values)
    return {**s.as_dict(), "incidents": total, "coverage": (s.n / total) if total else None, "missing": total - s.n,
            "doubtful": doubts}  # fmt: skip


def summary_table(con, f: Filters, metrics=HEADLINE) -> pd.DataFrame:
    rows = []
    labels = dict(zip(*[definitions(con)[c] for c in ("duration_id", "label")], strict=True))
    for m in metrics:
        rows.append({"duration_id": m, "label": labels.get(m, m), **summary(con, f, m)})
    return pd.DataFrame(rows)


def change_vs_previous(con, f: Filters, metric: str, min_n: int = 5, n_boot: int = 2000) -> Change:
    """The focus quarter (f.end) against the quarter before it, other filters
    equal. A change that shows only with the doubtful figures is not called
    real (stats.compare_medians_with_doubt)."""
    r = _minutes(con, replace(f.only(f.end), start=f.end.previous()), (metric,))
    cur, prev = r["focus"], ~r["focus"]
    mins, doubt = _floats(r["minutes"]), np.asarray(r["doubtful"], dtype=bool)
    return compare_medians_with_doubt(mins[cur], mins[prev], doubt[cur], doubt[prev], min_n=min_n, n_boot=n_boot)


def headline(con, f: Filters, min_n: int = 5, n_boot: int = 2000) -> dict[str, dict]:
    """For the focus quarter f.end, each headline duration's summary and its
    change against the quarter before: one query in all (the review's)."""
    fq = f.only(f.end)
    # both quarters in one pass, which counts the incidents of the focus quarter too (incident_count(fq))
    r, total = _headline_minutes(con, replace(fq, start=f.end.previous()), list(HEADLINE))
    # The figures stay numpy arrays: the statistics take them as they take lists (a NULL, none expected,
    # is NaN as a None would be), without a Python object per figure of a quarter's tens of thousands.
    mins, doubt = _floats(r["minutes"]), np.asarray(r["doubtful"], dtype=bool)
    out = {}
    for i, m in enumerate(HEADLINE):
        cur, prev = (r["k"] == i) & r["focus"], (r["k"] == i) & ~r["focus"]
        vals, doubts = mins[cur], doubt[cur]
        ch = compare_medians_with_doubt(vals, mins[prev], doubts, doubt[prev], min_n=min_n, n_boot=n_boot)
        out[m] = {**summary(con, fq, m, vals, total, int(np.count_nonzero(doubts))),
                  "change_vs_previous": {**ch.as_dict(), "sentence": ch.sentence}}  # fmt: skip
    return out


def _floats(a: np.ndarray) -> np.ndarray:
    """A plain float array of the figures, NaN where a masked (NULL) one was."""
    return np.ma.filled(np.ma.asarray(a, dtype=float), np.nan)


def by_group(con, f: Filters, metric: str, group: str) -> pd.DataFrame:
    """n, median, p90, mean of a duration per quarter, team, severity or service."""
    if group == "service":
        return _summaries(query(con, BY_SERVICE.format(cte=flt.cte(f)), [*flt.params(f), metric]), group)
    if group in ("quarter", "team", "severity"):
        return _group_stats(con, f, (metric,), group)
    raise ValueError(f"cannot group by {group!r}")


def by_quarter(con, f: Filters, metric: str) -> pd.DataFrame:
    """by_group() per quarter with every quarter of the period, oldest first: a quarter
    without the duration has n = 0 and no median (a median of nothing is no number),
    so a trend shows the gap instead of joining its neighbours across it."""
    g = _group_stats(con, f, (metric,), "quarter")
    labels = [q.label for q in quarters_between(f.start, f.end)]
    extra = [q for q in g["quarter"] if q not in labels]  # the focus filters should leave none
    out = g.set_index("quarter").reindex(labels + extra).rename_axis("quarter").reset_index()
    out["n"] = out["n"].fillna(0).astype("int64")
    return out


# BY_GROUP of one headline duration ({m}: HEADLINE only), from the incidents' own column (see _minutes): the
# same rows in the same order. {col}: GROUPS of an incident only.
BY_GROUP_HEADLINE = """
WITH {cte}
SELECT {col} AS {name}, f.{m}_minutes AS minutes
FROM f
WHERE f.{m}_minutes IS NOT NULL
ORDER BY f.occurred_at, f.incident_id
"""


def _group_stats(con, f: Filters, metrics, group: str) -> pd.DataFrame:
    metrics = list(metrics)
    if len(metrics) == 1 and metrics[0] in HEADLINE and group != "duration_id":
        sql = BY_GROUP_HEADLINE.format(cte=flt.cte(f), col=GROUPS[group], name=group, m=metrics[0])
        return _summaries(query(con, sql, flt.params(f)), group)
    df = query(con, BY_GROUP.format(cte=flt.cte(f), col=GROUPS[group], name=group), [*flt.params(f), metrics])
    return _summaries(df, group)


def _summaries(df: pd.DataFrame, group: str) -> pd.DataFrame:
    """summarize() of df's minutes per value of df[group] (sorted; NULL last, as '(none)')."""
    rows = []
    for key, part in df.groupby(group, dropna=False, sort=True):
        s = summarize(part["minutes"].tolist())
        rows.append({group: "(none)" if pd.isna(key) else key, **s.as_dict()})
    return pd.DataFrame(rows, columns=[group, "n", "median", "p90", "mean"])


COVERAGE = """
WITH {cte}
SELECT def.duration_id, def.label, count(d.minutes) AS computable,
       (SELECT count(*) FROM f) AS incidents
FROM duration_definitions def
LEFT JOIN (SELECT d.* FROM incident_durations d JOIN f USING (incident_key)) d USING (duration_id)
GROUP BY def.duration_id, def.label, def.position ORDER BY def.position
"""


def coverage(con, f: Filters) -> pd.DataFrame:
    """Per duration: incidents it could be computed for, out of how many."""
    df = query(con, COVERAGE.format(cte=flt.cte(f)), flt.params(f))
    df["share"] = df["computable"] / df["incidents"].where(df["incidents"] > 0)
    return df
