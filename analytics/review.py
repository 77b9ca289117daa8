"""The quarterly review: one quarter on one screen, as data.

The page, the downloadable report and `python -m analytics report` all draw
from this one function, so they cannot disagree."""

from __future__ import annotations

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


def incidents(con, f: Filters):
    return query(con, INCIDENT_LIST.format(cte=flt.cte(f)), flt.params(f))


def quarterly_review(con, f: Filters, settings: Settings | None = None) -> dict:
    """Everything the review shows for the quarter f.end (other filters as given)."""
    settings = settings or Settings()
    q = f.end
    fq = f.only(q)
    inc = incidents(con, fq)
    prev_n = len(incidents(con, f.only(q.previous())))
    by_sev = {s: int((inc["severity"] == s).sum()) for s in SEVERITIES}
    by_sev["unknown"] = int(inc["severity"].isna().sum())
    metrics = durations.headline(con, fq, settings.min_n_for_change, settings.bootstrap_samples)
    rec = factors.recurring(con, fq)
    new = factors.new_categories(con, fq)
    drafts = inc[inc["status"] == "draft"]
    return {
        "quarter": q.label,
        "previous_quarter": q.previous().label,
        "as_of": f.as_of.isoformat(),
        "filters": {"teams": list(f.teams), "services": list(f.services), "severities": list(f.severities)},
        "incidents": {"total": len(inc), "previous_quarter": prev_n, "by_severity": by_sev},
        **metrics,
        "action_items": actions.summary(con, fq),
        "overdue_all_quarters": actions.summary(con, f.all_time())["overdue"],
        "recurring_factors": [
            {"category": r.category, "label": r.label, "incidents": int(r.incidents), "share": float(r.share)}
            for r in rec.itertuples()
        ],
        "new_factors": [
            {"category": r.category, "label": r.label, "incidents": int(r.incidents)} for r in new.itertuples()
        ],
        "drafts": {
            "count": len(drafts),
            "incidents": [{"incident_id": r.incident_id, "title": r.title} for r in drafts.itertuples()],
        },
        "in_review": int((inc["status"] == "in review").sum()),
        "impact": impact_of(con, fq),
        "action_item_types": types_of(con, fq),
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
