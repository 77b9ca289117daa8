"""Altair charts of the Action items page. Every mark has a tooltip with the
numbers behind it (rates with their n)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from figures.charts import COUNT, LABEL_LIMIT, count_axis

RATE_NAMES = {"completion_rate": "completion", "on_time_rate": "on time"}


def rate_bars(df: pd.DataFrame, group: str, order: list[str], title: str = "") -> alt.LayerChart:
    """Completion and on-time rate per group, side by side, 0-100%, each bar with its rate written at its
    end (a rate of 0% draws no bar: the label says it is zero, not missing)."""
    base = (
        alt.Chart(df)
        .transform_fold(list(RATE_NAMES), as_=["measure", "value"])
        .transform_calculate(
            rate="datum.measure == 'completion_rate' ? 'completion' : 'on time'",
            n="datum.measure == 'completion_rate' ? datum.rated : datum.done_dated",
            numerator="datum.measure == 'completion_rate' ? datum.done : datum.done_on_time",
        )
        .encode(
            x=alt.X("value:Q", title=None, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            y=alt.Y(f"{group}:N", title=None, sort=order, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
            yOffset=alt.YOffset("rate:N", sort=list(RATE_NAMES.values())),
            tooltip=[
                alt.Tooltip(f"{group}:N"),
                alt.Tooltip("rate:N"),
                alt.Tooltip("value:Q", title="rate", format=".0%"),
                alt.Tooltip("numerator:Q", title="done (on time)", format=COUNT),
                alt.Tooltip("n:Q", title="n", format=COUNT),
                alt.Tooltip("items:Q", title="items", format=COUNT),
                alt.Tooltip("dropped:Q", title="dropped", format=COUNT),
            ],
        )
    )
    bars = base.mark_bar().encode(
        color=alt.Color("rate:N", sort=list(RATE_NAMES.values()), legend=alt.Legend(title=None, orient="top"))
    )
    labels = (
        base.transform_filter("isValid(datum.value)")  # no rate (nothing rated): no label either
        .mark_text(align="left", dx=3, fontSize=10)
        .encode(text=alt.Text("value:Q", format=".0%"))
    )
    return alt.layer(bars, labels).properties(title=title, height=alt.Step(14))


def owner_bars(df: pd.DataFrame, order: list[str]) -> alt.Chart:
    """Overdue items per owner, in rank order, darker for older overdue work."""
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("overdue:Q", title="overdue items", axis=count_axis()),
            y=alt.Y("owner:N", title=None, sort=order, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
            color=alt.Color(
                "oldest_days_overdue:Q",
                title="oldest (days)",
                scale=alt.Scale(scheme="orangered"),
                legend=alt.Legend(format=COUNT, tickMinStep=1),
            ),
            tooltip=[
                alt.Tooltip("owner:N"),
                alt.Tooltip("owner_name:N", title="name"),
                alt.Tooltip("owner_team:N", title="owner's team"),
                alt.Tooltip("manager:N"),
                alt.Tooltip("overdue:Q", title="overdue items", format=COUNT),
                alt.Tooltip("oldest_days_overdue:Q", title="oldest, days overdue", format=COUNT),
                alt.Tooltip("open_p0:Q", title="open P0 items", format=COUNT),
            ],
        )
        .properties(height=alt.Step(22))
    )


def aging_bars(df: pd.DataFrame, buckets: list[str], states: list[str]) -> alt.Chart:
    """Open items per age bucket, stacked by due state."""
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("age:N", title="age (as-of date - incident date)", sort=buckets, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("items:Q", title="open items", axis=count_axis()),
            color=alt.Color(
                "due_state:N",
                sort=states,
                title=None,
                scale=alt.Scale(domain=states, range=["#d62728", "#1f77b4", "#bbbbbb"]),
                legend=alt.Legend(orient="top"),
            ),
            order=alt.Order("state_order:Q"),
            tooltip=[
                alt.Tooltip("age:N"),
                alt.Tooltip("due_state:N", title="due"),
                alt.Tooltip("items:Q", format=COUNT),
            ],
        )
        .transform_calculate(state_order=f"indexof({states!r}, datum.due_state)")
        .properties(height=240)
    )
