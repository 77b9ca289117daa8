"""Altair charts of impact and action-item types. Every mark has a tooltip
with the figure as written and the incident behind it."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from analytics.impact import METRICS
from figures.charts import COUNT, LABEL_LIMIT, MINUTE_TICKS, SEVERITY_ORDER, duration_axis, readable, severity_color

SEVERITY_DOMAIN = SEVERITY_ORDER
# Tick labels: 3, 30, 300, 3k, 30k, 3M.
COMPACT = ("datum.value >= 1e6 ? format(datum.value / 1e6, '~g') + 'M' : datum.value >= 1e3 ? "
           "format(datum.value / 1e3, '~g') + 'k' : format(datum.value, '~g')")  # fmt: skip
TYPE_ORDER = ["prevention", "detection", "mitigation", "process", "untyped"]
TYPE_COLORS = ["#2ca02c", "#ff7f0e", "#1f77b4", "#9467bd", "#bbbbbb"]


def _severity_color(legend: bool = True) -> alt.Color:
    """The shared severity scale (figures.charts), its legend on top."""
    return severity_color(alt.Legend(title="severity", orient="top") if legend else False)


def log_ticks(top) -> list[float]:
    """0, 1, 3, 10, 30, ... up to just past `top`: readable ticks on a symlog axis."""
    out, v = [0.0], 1.0
    top = float(top) if top is not None and top == top else 1.0
    while v <= max(top, 1.0) * 1.0001:
        out.append(v)
        if v * 3 <= top * 1.0001:
            out.append(v * 3)
        v *= 10
    return out


def group_columns(tbl: pd.DataFrame, dim: str) -> dict:
    """column_config for impact.group_table(): readable names, n and medians labelled."""

    def name(key: str) -> str:
        metric, _, cur = key.partition(" ")
        label = METRICS.get(metric, (metric,))[0]
        return f"{label} ({cur})" if cur else label

    conf: dict = {dim: st_col("text", dim), "incidents": st_col("number", "incidents", "%d")}
    for c in tbl.columns:
        if c in (dim, "incidents"):
            continue
        if c.endswith(" n"):
            conf[c] = st_col("number", f"{name(c[:-2])}: n reporting", "%d")
        elif c.endswith(" median"):
            conf[c] = st_col("number", f"{name(c[:-7])}: median", "localized")
        elif not pd.api.types.is_numeric_dtype(tbl[c]):
            conf[c] = st_col("text", name(c))
        else:
            conf[c] = st_col("number", f"{name(c)}: sum", "localized")
    return conf


def st_col(kind: str, label: str, fmt: str | None = None):
    if kind == "text":
        return st.column_config.TextColumn(label)
    return st.column_config.NumberColumn(label, format=fmt)


def figure_strips(points: pd.DataFrame, figures: pd.DataFrame) -> alt.FacetChart:
    """One row per figure (column `label`), one point per incident drawn (points: value, shown,
    incident_id, title, severity, team), each row on its own symlog scale (figures span orders of
    magnitude), the median of all the figure's incidents marked (figures: label, median, n)."""
    order = list(figures["label"])
    cols = ["label", "value", "shown", "incident_id", "title", "severity", "team"]
    marks = figures.assign(value=figures["median"])[["label", "value", "n"]]
    df = pd.concat([points[cols].assign(kind="point"), marks.assign(kind="median")], ignore_index=True)
    top = df["value"].max() if len(df) else 1
    base = alt.Chart(df)
    dots = (
        base.transform_filter(alt.datum.kind == "point")
        .mark_circle(size=55, opacity=0.6)
        .encode(
            x=alt.X("value:Q", scale=alt.Scale(type="symlog"), title=None,
                    axis=alt.Axis(values=log_ticks(top), labelExpr=COMPACT, grid=True)),
            yOffset=alt.YOffset("jitter:Q", scale=alt.Scale(domain=[-1, 1])),
            color=_severity_color(),
            tooltip=[
                alt.Tooltip("incident_id:N", title="incident"),
                alt.Tooltip("title:N"),
                alt.Tooltip("label:N", title="figure"),
                alt.Tooltip("shown:N", title="as written"),
                alt.Tooltip("severity:N"),
                alt.Tooltip("team:N"),
            ],
        )
        .transform_calculate(jitter="(random() - 0.5) * 1.4")
    )  # fmt: skip
    median = (
        base.transform_filter(alt.datum.kind == "median")
        .mark_tick(color="black", thickness=3, size=30)
        .encode(
            x=alt.X("value:Q"),
            tooltip=[
                alt.Tooltip("label:N", title="figure"),
                alt.Tooltip("value:Q", title="median", format=",.0f"),
                alt.Tooltip("n:Q", title="n incidents", format=COUNT),
            ],
        )
    )
    return (
        alt.layer(dots, median)
        .properties(height=40, width=760)
        .facet(row=alt.Row("label:N", sort=order, title=None,
                           header=alt.Header(labelAngle=0, labelAlign="left", labelFontWeight="bold", labelLimit=220)))
        .resolve_scale(x="independent")
        .configure_facet(spacing=14)
    )  # fmt: skip


def sample_note(figures: pd.DataFrame) -> str:
    """'' when every incident's figure is drawn, else which figures show a sample."""
    sampled = figures[figures["points"] < figures["n"]]
    if sampled.empty:
        return ""
    parts = [f"{r.label} {r.points:,} of {r.n:,}" for r in sampled.itertuples()]
    return (" Where many incidents report a figure, the strip draws a fixed sample of them, the largest included ("
            + "; ".join(parts) + "); the median and n count every one.")  # fmt: skip


def severity_duration_impact(df: pd.DataFrame, label: str) -> alt.Chart:
    """Duration (x) against one impact figure (y), both symlog, coloured by
    severity: an incident's length says little about what it cost."""
    df = df.assign(duration_text=readable(df["duration_minutes"]))
    return (
        alt.Chart(df)
        .mark_circle(size=80, opacity=0.7)
        .encode(
            x=alt.X("duration_minutes:Q", scale=alt.Scale(type="symlog"), axis=duration_axis(values=MINUTE_TICKS),
                    title="duration (time to resolve, else the reported duration; symlog)"),
            y=alt.Y("figure:Q", scale=alt.Scale(type="symlog"), title=f"{label} (symlog)",
                    axis=alt.Axis(values=log_ticks(df["figure"].max() if len(df) else 1), labelExpr=COMPACT)),
            color=_severity_color(),
            tooltip=[
                alt.Tooltip("incident_id:N", title="incident"),
                alt.Tooltip("title:N"),
                alt.Tooltip("severity:N"),
                alt.Tooltip("team:N"),
                alt.Tooltip("duration_text:N", title="duration"),
                alt.Tooltip("duration_source:N", title="duration from"),
                alt.Tooltip("figure:Q", title=label, format=",.0f"),
            ],
        )
        .properties(height=340)
    )  # fmt: skip


def type_bars(df: pd.DataFrame, group: str, order: list[str], title: str = "") -> alt.Chart:
    """Share of each action-item type per group, stacked to 100%."""
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("items:Q", stack="normalize", title="share of the group's action items", axis=alt.Axis(format="%")),
            y=alt.Y(f"{group}:N", sort=order, title=None, scale=alt.Scale(domain=order),
                    axis=alt.Axis(labelLimit=LABEL_LIMIT)),
            color=alt.Color("type:N", sort=TYPE_ORDER, scale=alt.Scale(domain=TYPE_ORDER, range=TYPE_COLORS),
                            legend=alt.Legend(title=None, orient="top")),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip(f"{group}:N"),
                alt.Tooltip("type:N"),
                alt.Tooltip("items:Q", title="items of this type", format=COUNT),
                alt.Tooltip("share:Q", title="share", format=".0%"),
                alt.Tooltip("done:Q", title="done (as of)", format=COUNT),
                alt.Tooltip("group_items:Q", title="items in the group (n)", format=COUNT),
            ],
        )
        .properties(title=title, height=alt.Step(22))
    )  # fmt: skip
