"""Response times: time to detect, acknowledge, mitigate and resolve (METRICS.md).

Every function takes a connection and Filters and returns plain data; the
numbers come from `incident_durations`, which holds a duration only where both
milestones are known and the end is not before the start."""

from __future__ import annotations

import pandas as pd

from analytics import filters as flt
from analytics.db import query
from analytics.filters import Filters
from analytics.stats import Change, Summary, compare_medians, summarize

HEADLINE = ("ttd", "tta", "ttm", "ttr")
DEFINITIONS = {
    "ttd": "Time to detect: from the start of impact (or the change that caused it) to the first alert, page or report.",
    "tta": "Time to acknowledge: from detection to the first acknowledgement by a responder.",
    "ttm": "Time to mitigate: from the start of impact to the moment impact stopped (rollback done, traffic drained).",
    "ttr": "Time to resolve: from the start of impact to full recovery.",
    "ttr_from_detect": "Time to resolve from detection: from the first alert to full recovery.",
    "postmortem_lag": "Postmortem lag: from resolution to publication of the postmortem.",
}

DEFINED = "SELECT duration_id, label, start_milestone, end_milestone FROM duration_definitions ORDER BY position"
PER_INCIDENT = """
WITH {cte}
SELECT f.incident_id, f.title, f.quarter, f.team, f.severity, f.occurred_at, d.duration_id, d.minutes
FROM f JOIN incident_durations d USING (incident_id)
WHERE list_contains(CAST(? AS VARCHAR[]), d.duration_id)
ORDER BY d.duration_id, f.occurred_at, f.incident_id
"""
COUNT = "WITH {cte} SELECT count(*) FROM f"
MINUTES = """
WITH {cte}
SELECT d.duration_id, d.minutes FROM f JOIN incident_durations d USING (incident_id)
WHERE list_contains(CAST(? AS VARCHAR[]), d.duration_id)
"""
BY_SERVICE = """
WITH {cte}
SELECT s.service, d.minutes
FROM f JOIN incident_durations d USING (incident_id) JOIN incident_services s USING (incident_id)
WHERE d.duration_id = ?
"""


def definitions(con) -> pd.DataFrame:
    df = query(con, DEFINED)
    df["definition"] = [DEFINITIONS.get(i, f"From {a} to {b}.") for i, a, b in
                        zip(df["duration_id"], df["start_milestone"], df["end_milestone"], strict=True)]  # fmt: skip
    return df


def per_incident(con, f: Filters, metrics=HEADLINE) -> pd.DataFrame:
    """One row per incident and duration: incident_id, title, quarter, team,
    severity, occurred_at, duration_id, minutes."""
    return query(con, PER_INCIDENT.format(cte=flt.cte(f)), [*flt.params(f), list(metrics)])


def incident_count(con, f: Filters) -> int:
    return int(query(con, COUNT.format(cte=flt.cte(f)), flt.params(f)).iloc[0, 0])


def minutes(con, f: Filters, metrics=HEADLINE) -> dict[str, list[float]]:
    """{duration id: its minutes over the filtered incidents}: just the numbers."""
    df = query(con, MINUTES.format(cte=flt.cte(f)), [*flt.params(f), list(metrics)])
    return {m: df.loc[df["duration_id"] == m, "minutes"].tolist() for m in metrics}


def summary(con, f: Filters, metric: str, values: list[float] | None = None, total: int | None = None) -> dict:
    """median, p90, mean, n, coverage (n / incidents in the filter), missing."""
    values = minutes(con, f, (metric,))[metric] if values is None else values
    total = incident_count(con, f) if total is None else total
    s: Summary = summarize(values)
    return {**s.as_dict(), "incidents": total, "coverage": (s.n / total) if total else None, "missing": total - s.n}


def summary_table(con, f: Filters, metrics=HEADLINE) -> pd.DataFrame:
    rows = []
    labels = dict(zip(*[definitions(con)[c] for c in ("duration_id", "label")], strict=True))
    for m in metrics:
        rows.append({"duration_id": m, "label": labels.get(m, m), **summary(con, f, m)})
    return pd.DataFrame(rows)


def change_vs_previous(con, f: Filters, metric: str, min_n: int = 5, n_boot: int = 2000) -> Change:
    """The focus quarter (f.end) against the quarter before it, other filters equal."""
    cur = minutes(con, f.only(f.end), (metric,))[metric]
    prev = minutes(con, f.only(f.end.previous()), (metric,))[metric]
    return compare_medians(cur, prev, min_n=min_n, n_boot=n_boot)


def headline(con, f: Filters, min_n: int = 5, n_boot: int = 2000) -> dict[str, dict]:
    """For the focus quarter f.end, each headline duration's summary and its
    change against the quarter before: two queries in all (the review's)."""
    fq, fp = f.only(f.end), f.only(f.end.previous())
    cur, prev, total = minutes(con, fq), minutes(con, fp), incident_count(con, fq)
    out = {}
    for m in HEADLINE:
        ch = compare_medians(cur[m], prev[m], min_n=min_n, n_boot=n_boot)
        out[m] = {**summary(con, fq, m, cur[m], total), "change_vs_previous": {**ch.as_dict(), "sentence": ch.sentence}}
    return out


def by_group(con, f: Filters, metric: str, group: str) -> pd.DataFrame:
    """n, median, p90, mean of a duration per quarter, team, severity or service."""
    if group == "service":
        df = query(con, BY_SERVICE.format(cte=flt.cte(f)), [*flt.params(f), metric])
    elif group in ("quarter", "team", "severity"):
        df = per_incident(con, f, (metric,))[[group, "minutes"]]
    else:
        raise ValueError(f"cannot group by {group!r}")
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
LEFT JOIN (SELECT d.* FROM incident_durations d JOIN f USING (incident_id)) d USING (duration_id)
GROUP BY def.duration_id, def.label, def.position ORDER BY def.position
"""


def coverage(con, f: Filters) -> pd.DataFrame:
    """Per duration: incidents it could be computed for, out of how many."""
    df = query(con, COVERAGE.format(cte=flt.cte(f)), flt.params(f))
    df["share"] = df["computable"] / df["incidents"].where(df["incidents"] > 0)
    return df
