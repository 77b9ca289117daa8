"""The quarterly review: one quarter on one screen, as data.

The page, the downloadable report and `python -m analytics report` all draw
from this one function, so they cannot disagree."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pandas as pd

from analytics import actions, durations, factors, impact
from analytics import filters as flt
from analytics.db import query, text_frame
from analytics.filters import Filters
from analytics.settings import Settings

SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5")
INCIDENT_LIST = """
WITH {cte}
SELECT incident_id, title, severity, status, team, occurred_at, source_path FROM f ORDER BY occurred_at, incident_id
"""


# The incidents of the quarter asked for and the one before it, counted by severity and status; focus = in the
# quarter asked for (`?`: its start; the filters end with it).
COUNTS = """
WITH {cte}
SELECT occurred_at >= CAST(? AS TIMESTAMP) AS focus, severity, status, count(*) AS n FROM f GROUP BY ALL
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
    df = query(con, COUNTS.format(cte=flt.cte(both)), [*flt.params(both), q.start])
    cur = df[df["focus"]]
    by_sev = dict.fromkeys((*SEVERITIES, "unknown"), 0)  # one pass over the counts, not a filtered frame per severity
    for sev, n in zip(cur["severity"].tolist(), cur["n"].tolist(), strict=True):
        key = "unknown" if pd.isna(sev) else sev
        if key in by_sev:
            by_sev[key] += int(n)
    fq = f.only(q)
    drafts = text_frame(con, DRAFTS.format(cte=flt.cte(fq)), flt.params(fq))
    return {
        "total": int(cur["n"].sum()),
        "previous_quarter": int(df.loc[~df["focus"], "n"].sum()),
        "by_severity": by_sev,
        "drafts": [
            {"incident_id": i, "title": t}
            for i, t in zip(drafts["incident_id"].tolist(), drafts["title"].tolist(), strict=True)
        ],
        "in_review": int(cur.loc[cur["status"] == "in review", "n"].sum()),
    }


# actions.summary(), impact.type_summary() and impact.type_mix() by team of the quarter, from one pass over its items:
# counted once per team, type and source (g), then added up: part 7 = every item (the empty grouping set:
# SUMMARY_COLUMNS), 1 = per type and source, 2 = per team and type. The type counts leave dropped items out, as
# TYPE_TOTALS and TYPE_MIX do, so a group of dropped items alone has type_items 0 and is none of theirs.
# {sums}: _sums().
ITEMS = """
WITH {items}, {who},
g AS (
    SELECT team, coalesce(item_type, 'untyped') AS type, item_type_source AS source, {summary},
           count(*) FILTER (WHERE status_as_of <> 'dropped') AS type_items,
           count(*) FILTER (WHERE status_as_of = 'done') AS type_done
    FROM sel_items
    GROUP BY ALL
)
SELECT GROUPING(type, source, team) AS part, team, type, source, {sums}
FROM g
GROUP BY GROUPING SETS ((), (type, source), (team, type))
ORDER BY part, team NULLS LAST, type, source
"""
EVERY_ITEM, BY_TYPE, BY_TEAM = 7, 1, 2
ITEM_COUNTS = (*actions.SUMMARY_KEYS, "type_items", "type_done")


def _sums() -> str:
    """ITEMS' totals of g's counts (none: 0), as counts."""
    return ", ".join(f"CAST(coalesce(sum({k}), 0) AS BIGINT) AS {k}" for k in ITEM_COUNTS)


def items_of(con, f: Filters) -> tuple[dict, dict]:
    """(actions.summary(), impact.type_summary() with the mix per team as "by_team") of the quarter, from
    ITEMS."""
    sql = ITEMS.format(items=actions.items_cte(f), who=actions.WHO_ALL, summary=actions.SUMMARY_COLUMNS,
                       sums=_sums())  # fmt: skip
    df = query(con, sql, actions.items_params(f))
    every = df[df["part"] == EVERY_ITEM]
    counts = every.iloc[0] if len(every) else dict.fromkeys(actions.SUMMARY_KEYS, 0)  # no item: zeros
    summary = actions.summary_from({k: counts[k] for k in actions.SUMMARY_KEYS})
    typed = df[df["type_items"] > 0]
    totals = typed.loc[typed["part"] == BY_TYPE, ["type", "source", "type_items", "type_done"]]
    mix = typed.loc[typed["part"] == BY_TEAM, ["team", "type", "type_items", "type_done"]]
    totals.columns = ["type", "source", "items", "done"]
    return summary, _with_mix(*impact.types_from(totals, mix, "team"))


# The review's parts are independent queries; run one after another they add up to more than the page's budget.
# DuckDB releases the GIL while it works and every query takes its own cursor (analytics.db.query), so a few run
# at once; each part's result is the same as run alone. Each part reads one of the tables joined to the incidents
# once (the action items twice: the quarter's and the overdue ones of every quarter).
PARALLEL_PARTS = 4


def quarterly_review(con, f: Filters, settings: Settings | None = None) -> dict:
    """Everything the review shows for the quarter f.end (other filters as given)."""
    settings = settings or Settings()
    q = f.end
    fq = f.only(q)
    parts = {
        "incidents": lambda: _counts(con, f),
        "metrics": lambda: durations.headline(con, fq, settings.min_n_for_change, settings.bootstrap_samples),
        "factors": lambda: factors.ranked_and_first_seen(con, fq),
        "items": lambda: items_of(con, fq),
        "overdue_all_quarters": lambda: actions.overdue_count(con, f.all_time()),
        "impact": lambda: impact_of(con, fq),
    }
    with ThreadPoolExecutor(max_workers=PARALLEL_PARTS) as pool:
        futures = {name: pool.submit(fn) for name, fn in parts.items()}
        got = {name: fut.result() for name, fut in futures.items()}
    inc, (ranked, first_seen) = got["incidents"], got["factors"]
    rec = ranked[ranked["incidents"] >= 2].reset_index(drop=True)  # factors.recurring()
    new = factors.new_from(fq, ranked, first_seen)  # factors.new_categories()
    return {
        "quarter": q.label,
        "previous_quarter": q.previous().label,
        "as_of": f.as_of.isoformat(),
        "filters": {"teams": list(f.teams), "services": list(f.services), "severities": list(f.severities)},
        "incidents": {k: inc[k] for k in ("total", "previous_quarter", "by_severity")},
        **got["metrics"],
        "action_items": got["items"][0],
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
        "action_item_types": got["items"][1],
    }


def impact_of(con, f: Filters) -> dict:
    """impact.summary() of the quarter, with the per-team figures (impact.by_group(): one query for both)."""
    out, teams = impact.summary_by_group(con, f, "team")
    out["by_team"] = [
        {"team": r.team, "incidents": int(r.incidents), "metric": r.metric, "currency": r.currency,
         "n_reporting": int(r.n_reporting), "sum": impact.number(r.sum), "median": impact.number(r.median),
         **({"yes": int(r.yes), "no": int(r.no)} if impact.METRICS[r.metric][1] == "flag" else {})}
        for r in teams.itertuples()
    ]  # fmt: skip
    return out


def _with_mix(out: dict, mix) -> dict:
    """impact.type_summary() with impact.type_mix() per team as "by_team"."""
    out["by_team"] = [
        {"team": r.team, "type": r.type, "items": int(r.items), "done": int(r.done), "share": impact.number(r.share)}
        for r in mix.itertuples()
    ]
    return out
