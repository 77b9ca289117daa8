"""One team over time: its quarters side by side, as data (the Team over time page).

Every figure comes from the function the other pages use for it, with the filters narrowed to the team,
so a quarter's column here shows what the quarterly review shows for that team and quarter:

- incidents: factors.quarter_totals (the review's quarter rule: impact start, else detected, else dated);
- median TTD and TTR with n: durations.by_quarter (the same figures durations.headline summarizes);
- action-item completion and overdue items of the quarter's incidents, as of f.as_of: actions.rates by
  quarter (the same counts as actions.summary of that quarter);
- the top factor categories by incidents: factors.ranked of the quarter (the Contributing factors page's
  ranking: incidents, then mentions, then the category id).

The first three run once over every quarter of the period; the ranking once per quarter."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from analytics import actions, durations, factors
from analytics.filters import Filters
from analytics.periods import quarters_between
from analytics.stats import rate

MEDIANS = ("ttd", "ttr")
TOP_FACTORS = 3


def team_quarters(con, f: Filters, team: str) -> dict:
    """The team's quarters from f.start to f.end, oldest first, every quarter present (one without
    incidents has zeros and no median or rate). Other filters (services, severities, as-of) as given.
    -> {"team", "as_of", "quarters": [{"quarter", "incidents",
        "ttd" / "ttr": {"median" (minutes, None without data), "n"},
        "actions": {"items", "dropped", "rated" (items - dropped), "done", "completion_rate" (None when
                    nothing is rated)},
        "overdue" (items of the quarter's incidents overdue as of f.as_of),
        "top_factors": [{"category", "label", "incidents"}] (at most TOP_FACTORS)}]}"""
    ft = replace(f, teams=(team,))
    qs = quarters_between(ft.start, ft.end)
    counts = _by_quarter(factors.quarter_totals(con, ft))
    meds = {m: _by_quarter(durations.by_quarter(con, ft, m)) for m in MEDIANS}
    rates = _by_quarter(actions.rates(con, ft, "quarter"))
    tops = _top_by_quarter(con, ft)
    rows = []
    for q in qs:
        label = q.label
        rows.append({
            "quarter": label,
            "incidents": _int(counts.get(label, {}).get("incidents")),
            **{m: _median(meds[m].get(label, {})) for m in MEDIANS},
            "actions": _completion(rates.get(label, {})),
            "overdue": _int(rates.get(label, {}).get("overdue")),
            "top_factors": _tops(con, ft.only(q), tops) if counts.get(label, {}).get("incidents") else [],
        })  # fmt: skip
    return {"team": team, "as_of": f.as_of.isoformat(), "quarters": rows}


def top_factors(con, f: Filters, k: int = TOP_FACTORS) -> list[dict]:
    """The first `k` categories of factors.ranked() (uncategorized left out): category, label, incidents."""
    r = factors.ranked(con, f).head(k)
    return [{"category": str(c), "label": str(lab), "incidents": int(n)}
            for c, lab, n in zip(r["category"], r["label"], r["incidents"], strict=True)]  # fmt: skip


def _top_by_quarter(con, f: Filters, k: int = TOP_FACTORS) -> dict[str, list[dict]] | None:
    """{quarter label: top_factors() of it} for every quarter of f from one query (factors.ranked_by_quarter),
    rather than one ranking of the factors per quarter; None where the database cannot rank them so."""
    df = factors.ranked_by_quarter(con, f)
    if df is None:
        return None
    out: dict[str, list[dict]] = {}
    for q, c, lab, n in zip(df["quarter"], df["category"], df["label"], df["incidents"], strict=True):
        top = out.setdefault(str(q), [])
        if len(top) < k:
            top.append({"category": str(c), "label": str(lab), "incidents": int(n)})
    return out


def _tops(con, f: Filters, tops: dict[str, list[dict]] | None) -> list[dict]:
    """top_factors() of the quarter f.end (f covers it alone), from `tops` when there."""
    return top_factors(con, f) if tops is None else tops.get(f.end.label, [])


def _by_quarter(df: pd.DataFrame) -> dict[str, dict]:
    """{quarter label: its row as a dict}."""
    return {str(row["quarter"]): row for row in df.to_dict("records")}


def _int(v) -> int:
    return 0 if v is None or pd.isna(v) else int(v)


def _number(v) -> float | None:
    """A float, or None for a missing value (never NaN: a median of nothing is no number)."""
    return None if v is None or pd.isna(v) else float(v)


def _median(row: dict) -> dict:
    return {"median": _number(row.get("median")), "n": _int(row.get("n"))}


def _completion(row: dict) -> dict:
    items, dropped, done = _int(row.get("items")), _int(row.get("dropped")), _int(row.get("done"))
    rated = items - dropped
    return {"items": items, "dropped": dropped, "rated": rated, "done": done,
            "completion_rate": rate(done, rated)}  # fmt: skip
