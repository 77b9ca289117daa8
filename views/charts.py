"""Altair charts the pages share. Every chart has tooltips; durations are
drawn per incident on a symlog axis (skewed data, zeros allowed)."""

from __future__ import annotations

import altair as alt
import pandas as pd

SEVERITY_ORDER = ["SEV1", "SEV2", "SEV3", "SEV4", "SEV5", "unknown"]
MINUTE_TICKS = [0, 5, 15, 30, 60, 120, 240, 480, 960, 1920, 3840, 7680]


# How a duration figure is drawn: as the document gave it, doubtful (weak evidence, a stated duration that
# disagrees), or resting on a correction.
FIGURE_SHAPES = {"as read": "circle", "doubtful": "triangle-up", "corrected": "square"}


def figure_kinds(df: pd.DataFrame) -> list[str]:
    """Per row: doubtful, corrected or as read (a doubtful figure is doubtful even when also corrected)."""
    doubt = df["doubt"] if "doubt" in df.columns else pd.Series([None] * len(df), index=df.index)
    corr = df["corrected"] if "corrected" in df.columns else pd.Series([None] * len(df), index=df.index)
    return ["doubtful" if isinstance(d, str) and d else "corrected" if isinstance(c, str) and c else "as read"
            for d, c in zip(doubt, corr, strict=True)]  # fmt: skip


def durations_strip(df: pd.DataFrame, group: str, title: str = "", medians: pd.DataFrame | None = None) -> alt.Chart:
    """One point per incident (jittered) with the median marked, per group. `medians`
    (columns group, median, n) gives the medians when df holds only a sample of the
    incidents; without it they are computed from df's points."""
    df = df.assign(severity=df["severity"].fillna("unknown")) if "severity" in df else df  # not 'null' in the legend
    marks = "doubt" in df.columns or "corrected" in df.columns
    if marks:
        df = df.assign(figure=figure_kinds(df))
    order = sorted(set(df[group].dropna()) | (set(medians[group].dropna()) if medians is not None else set()))
    y = alt.Y(f"{group}:N", title=None, sort=order or None)
    points = (
        alt.Chart(df)
        .mark_point(size=45, opacity=0.55, filled=True)
        .encode(
            y=y,
            x=alt.X(
                "minutes:Q",
                scale=alt.Scale(type="symlog"),
                title="minutes (symlog scale)",
                axis=alt.Axis(values=MINUTE_TICKS, grid=True),
            ),
            yOffset=alt.YOffset("jitter:Q", scale=alt.Scale(domain=[-1, 1])),
            color=alt.Color("severity:N", sort=SEVERITY_ORDER, legend=alt.Legend(title="severity")),
            tooltip=[
                alt.Tooltip("incident_id:N", title="incident"),
                alt.Tooltip("title:N"),
                alt.Tooltip("minutes:Q", format=".0f"),
                alt.Tooltip("severity:N"),
                alt.Tooltip("team:N"),
                *([alt.Tooltip("figure:N")] if marks else []),
            ],
            **(
                {
                    "shape": alt.Shape(
                        "figure:N",
                        scale=alt.Scale(domain=list(FIGURE_SHAPES), range=list(FIGURE_SHAPES.values())),
                        legend=alt.Legend(title="figure"),
                    ),
                    # a marked figure is drawn larger and solid, so it is seen among the others
                    "size": alt.condition("datum.figure !== 'as read'", alt.value(110), alt.value(45)),
                    "opacity": alt.condition("datum.figure !== 'as read'", alt.value(0.95), alt.value(0.55)),
                }
                if marks
                else {}
            ),
        )
        .transform_calculate(jitter="(random() - 0.5) * 1.4")
    )
    if medians is None:
        medians = df.groupby(group)["minutes"].agg(median="median", n="count").reset_index()
    ticks = (
        alt.Chart(medians[[group, "median", "n"]].dropna(subset=["median"]))
        .mark_tick(color="black", thickness=3, size=28)
        .encode(
            y=y,
            x=alt.X("median:Q"),
            tooltip=[
                alt.Tooltip(f"{group}:N"),
                alt.Tooltip("median:Q", title="median minutes", format=".0f"),
                alt.Tooltip("n:Q", title="n"),
            ],
        )
    )
    return (points + ticks).properties(title=title, height=alt.Step(36))


def strip_note(drawn: int, n: int) -> str:
    """'' when a strip draws all n incidents (analytics.durations.sample), else what it draws."""
    if drawn >= n:
        return ""
    return (f" Where a row has many incidents the chart draws a fixed sample of them ({drawn:,} of {n:,} points "
            "in all); the medians and n count every one.")  # fmt: skip


def trend(df: pd.DataFrame, x: str = "quarter") -> alt.Chart:
    """Median line with the p90 as a band's upper edge, per quarter, n in the tooltip."""
    base = alt.Chart(df).encode(x=alt.X(f"{x}:O", title=None))
    band = base.mark_area(opacity=0.15).encode(
        y=alt.Y("median:Q", title="minutes"),
        y2="p90:Q",
    )
    line = base.mark_line(point=True).encode(
        y="median:Q",
        tooltip=[
            alt.Tooltip(f"{x}:O"),
            alt.Tooltip("median:Q", format=".0f"),
            alt.Tooltip("p90:Q", format=".0f"),
            alt.Tooltip("mean:Q", format=".0f"),
            alt.Tooltip("n:Q"),
        ],
    )
    return (band + line).properties(height=220)


def bars(df: pd.DataFrame, x: str, y: str, title: str = "", sort=None, color: str | None = None) -> alt.Chart:
    enc = {
        "x": alt.X(f"{x}:Q", title=None, axis=alt.Axis(format="d", tickMinStep=1)),
        "y": alt.Y(f"{y}:N", title=None, sort=sort or "-x"),
        "tooltip": [alt.Tooltip(c) for c in df.columns],
    }
    if color:
        enc["color"] = alt.Color(f"{color}:N", legend=None)
    return alt.Chart(df).mark_bar().encode(**enc).properties(title=title, height=alt.Step(22))


KIND_COLORS = {
    "start": "#d62728", "detect": "#ff7f0e", "acknowledge": "#bcbd22", "declare": "#9467bd",
    "mitigate": "#17becf", "resolve": "#2ca02c", "other": "#aaaaaa",
}  # fmt: skip


def incident_timeline(events: pd.DataFrame, milestones: pd.DataFrame) -> alt.LayerChart:
    """Events as points on a UTC time axis (coloured by kind), milestones as rules."""
    ev = events.dropna(subset=["at"]).copy()
    ev["text"] = ev["text"].str.slice(0, 140)
    kinds = list(KIND_COLORS)
    color = alt.Color("kind:N", scale=alt.Scale(domain=kinds, range=[KIND_COLORS[k] for k in kinds]))
    points = (
        alt.Chart(ev)
        .mark_circle(size=90)
        .encode(
            x=alt.X("at:T", title="UTC"),
            y=alt.Y("kind:N", sort=kinds, title=None),
            color=color,
            tooltip=[alt.Tooltip("at:T", format="%Y-%m-%d %H:%M"), "kind:N", "text:N"],
        )
    )
    layers = [points]
    if len(milestones):
        ms = milestones[milestones["milestone"] != "published"]
        rules = (
            alt.Chart(ms)
            .mark_rule(strokeDash=[4, 3], opacity=0.6)
            .encode(x="at:T", tooltip=["milestone:N", alt.Tooltip("at:T", format="%Y-%m-%d %H:%M")])
        )
        labels = (
            alt.Chart(ms)
            .mark_text(angle=270, align="left", dx=4, dy=-4, fontSize=10)
            .encode(x="at:T", y=alt.value(0), text="milestone:N")
        )
        layers += [rules, labels]
    return alt.layer(*layers).properties(height=260)
