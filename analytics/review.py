"""The quarterly review: one quarter on one screen, as data.

The page, the downloadable report and `python -m analytics report` all draw
from this one function, so they cannot disagree."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from analytics import actions, durations, factors, impact
from analytics import filters as flt
from analytics.db import query
from analytics.filters import Filters
from analytics.settings import Settings

SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5")
INCIDENT_LIST = """
WITH {cte}
SELECT incident_id, title, severity, status, team, occurred_at, source_path FROM f ORDER BY occurred_at, incident_id
"""


# The incidents of the quarter asked for (`?`) and the one before it, counted by severity and status.
COUNTS = """
WITH {cte}
SELECT quarter = ? AS focus, severity, status, count(*) AS n FROM f GROUP BY ALL
"""
DRAFTS = """
WITH {cte}
SELECT incident_id, title FROM f WHERE status = 'draft' ORDER BY occurred_at, incident_id
"""


def incidents(con, f: Filters):
    """The incidents of the filters, oldest first: id, title, severity, status, team, occurred_at, source_path."""
    return query(con, INCIDENT_LIST.format(cte=flt.cte(f)), flt.params(f))


def _counts(con, f: Filters) -> dict:
    """Incidents of the quarter f.end: total, by severity, in draft (the list) and in review; and of the quarter
    before: total."""
    q = f.end
    both = replace(f, start=q.previous(), end=q)
    df = query(con, COUNTS.format(cte=flt.cte(both)), [*flt.params(both), q.label])
    cur = df[df["focus"]]
    by_sev = {s: int(cur.loc[cur["severity"] == s, "n"].sum()) for s in SEVERITIES}
    by_sev["unknown"] = int(cur.loc[cur["severity"].isna(), "n"].sum())
    fq = f.only(q)
    drafts = query(con, DRAFTS.format(cte=flt.cte(fq)), flt.params(fq))
    return {
        "total": int(cur["n"].sum()),
        "previous_quarter": int(df.loc[~df["focus"], "n"].sum()),
        "by_severity": by_sev,
        "drafts": [{"incident_id": r.incident_id, "title": r.title} for r in drafts.itertuples()],
        "in_review": int(cur.loc[cur["status"] == "in review", "n"].sum()),
    }


# The review's parts are independent queries of 15-70 ms each; run one after another they added up to twice the
# page's budget. DuckDB releases the GIL while it works and every query takes its own cursor (analytics.db.query),
# so a few run at once; each part's result is the same as run alone.
PARALLEL_PARTS = 4


def quarterly_review(con, f: Filters, settings: Settings | None = None) -> dict:
    """Everything the review shows for the quarter f.end (other filters as given)."""
    settings = settings or Settings()
    q = f.end
    fq = f.only(q)
    parts = {
        "incidents": lambda: _counts(con, f),
        "metrics": lambda: durations.headline(con, fq, settings.min_n_for_change, settings.bootstrap_samples),
        "ranked": lambda: factors.ranked(con, fq),
        "first_seen": lambda: factors.first_seen_at(con, fq),
        "action_items": lambda: actions.summary(con, fq),
        "overdue_all_quarters": lambda: actions.overdue_count(con, f.all_time()),
        "impact": lambda: impact_of(con, fq),
        "action_item_types": lambda: types_of(con, fq),
    }
    with ThreadPoolExecutor(max_workers=PARALLEL_PARTS) as pool:
        futures = {name: pool.submit(fn) for name, fn in parts.items()}
        got = {name: fut.result() for name, fut in futures.items()}
    inc, ranked = got["incidents"], got["ranked"]
    rec = ranked[ranked["incidents"] >= 2].reset_index(drop=True)  # factors.recurring()
    new = factors.new_from(fq, ranked, got["first_seen"])  # factors.new_categories()
    return {
        "quarter": q.label,
        "previous_quarter": q.previous().label,
        "as_of": f.as_of.isoformat(),
        "filters": {"teams": list(f.teams), "services": list(f.services), "severities": list(f.severities)},
        "incidents": {k: inc[k] for k in ("total", "previous_quarter", "by_severity")},
        **got["metrics"],
        "action_items": got["action_items"],
        "overdue_all_quarters": got["overdue_all_quarters"],
        "recurring_factors": [
            {"category": r.category, "label": r.label, "incidents": int(r.incidents), "share": float(r.share)}
            for r in rec.itertuples()
        ],
        "new_factors": [
            {"category": r.category, "label": r.label, "incidents": int(r.incidents)} for r in new.itertuples()
        ],
        "drafts": {"count": len(inc["drafts"]), "incidents": inc["drafts"]},
        "in_review": inc["in_review"],
        "impact": got["impact"],
        "action_item_types": got["action_item_types"],
    }


def impact_of(con, f: Filters) -> dict:
    """impact.summary() of the quarter, with the per-team figures."""
    out = impact.summary(con, f)
    out["by_team"] = [
        {"team": r.team, "incidents": int(r.incidents), "metric": r.metric, "currency": r.currency,
         "n_reporting": int(r.n_reporting), "sum": impact.number(r.sum), "median": impact.number(r.median),
         **({"yes": int(r.yes), "no": int(r.no)} if impact.METRICS[r.metric][1] == "flag" else {})}
        for r in impact.by_group(con, f, "team").itertuples()
    ]  # fmt: skip
    return out


def types_of(con, f: Filters) -> dict:
    """impact.type_summary() of the quarter, with the mix per team."""
    out = impact.type_summary(con, f)
    out["by_team"] = [
        {"team": r.team, "type": r.type, "items": int(r.items), "done": int(r.done), "share": impact.number(r.share)}
        for r in impact.type_mix(con, f, "team").itertuples()
    ]
    return out
