"""Altair charts the pages share. Every chart has tooltips; durations are
drawn per incident on a symlog axis (skewed data, zeros allowed).

Formats are part of what a chart says: a count is shown as a whole number
(never 652.000000, never a 2.5 tick), a duration in readable units (2 h 30 min,
not 150.000000), and severity has one colour scale on every page, SEV1 the
most alarming."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analytics.durations import HEADLINE
from analytics.report import NAMES
from analytics.report import minutes as readable_minutes

SEVERITY_ORDER = ["SEV1", "SEV2", "SEV3", "SEV4", "SEV5", "unknown"]
# Most alarming (dark red) to calmest (pale blue-grey); an unknown severity is neutral grey.
SEVERITY_COLORS = ["#a50f15", "#e6550d", "#fdae6b", "#9ecae1", "#c6dbef", "#bbbbbb"]
# Duration axis ticks at round readable values: 5 min ... 1 h ... 1 d ... 1 w.
MINUTE_TICKS = [0, 5, 15, 30, 60, 120, 240, 480, 1440, 2880, 10080, 20160]
# A duration tick in the units a reader thinks in: 45 min, 2 h, 1.5 h, 3 d.
DURATION_LABEL = ("datum.value < 60 ? format(datum.value, 'd') + ' min' : datum.value < 2880 ? "
                  "format(datum.value / 60, '.2~r') + ' h' : format(datum.value / 1440, '.2~r') + ' d'")  # fmt: skip
COUNT = "d"  # the format of every count (incidents, items, n)
LABEL_LIMIT = 320  # px: room for 'Time to acknowledge' and long category names, never cut


def severity_color(legend: alt.Legend | bool = True, field: str = "severity") -> alt.Color:
    """The one severity colour scale every chart uses, so SEV1 is the same red on every page
    (`legend`: True for the default legend, False for none, or a Legend)."""
    if legend is True:
        legend = alt.Legend(title="severity")
    return alt.Color(f"{field}:N", sort=SEVERITY_ORDER, title="severity",
                     scale=alt.Scale(domain=SEVERITY_ORDER, range=SEVERITY_COLORS),
                     legend=legend or None)  # fmt: skip


def count_axis(title: str | None = None, **kw) -> alt.Axis:
    """An axis of a count: whole-number ticks only."""
    return alt.Axis(format=COUNT, tickMinStep=1, **({"title": title} if title else {}), **kw)


def duration_axis(**kw) -> alt.Axis:
    """An axis of minutes labelled in readable units."""
    return alt.Axis(labelExpr=DURATION_LABEL, **kw)


def readable(values) -> list[str]:
    """Minutes as a reader says them, for tooltips: 150 -> '2 h 30 min', None -> 'n/a'."""
    return [readable_minutes(v) for v in values]


# How a duration figure is drawn: as the document gave it, doubtful (weak evidence, a stated duration that
# disagrees), or resting on a correction.
FIGURE_SHAPES = {"as read": "circle", "doubtful": "triangle-up", "corrected": "square"}


def figure_kinds(df: pd.DataFrame) -> list[str]:
    """Per row: doubtful, corrected or as read (a doubtful figure is doubtful even when also corrected)."""
    doubt = df["doubt"] if "doubt" in df.columns else pd.Series([None] * len(df), index=df.index)
    corr = df["corrected"] if "corrected" in df.columns else pd.Series([None] * len(df), index=df.index)
    return ["doubtful" if isinstance(d, str) and d else "corrected" if isinstance(c, str) and c else "as read"
            for d, c in zip(doubt, corr, strict=True)]  # fmt: skip


def row_order(values) -> list:
    """Rows of a strip in lifecycle order where they are milestones (detect, acknowledge, mitigate,
    resolve, by id or by name), else sorted (quarters oldest first): the order a reader follows."""
    lifecycle = [*HEADLINE, *(NAMES[m] for m in HEADLINE)]
    rank = {v: i % len(HEADLINE) for i, v in enumerate(lifecycle)}
    return sorted(set(values), key=lambda v: (rank.get(v, len(HEADLINE)), str(v)))


def durations_strip(df: pd.DataFrame, group: str, title: str = "", medians: pd.DataFrame | None = None) -> alt.Chart:
    """One point per incident (jittered) with the median marked, per group. `medians`
    (columns group, median, n) gives the medians when df holds only a sample of the
    incidents, and may name rows without any point (an empty quarter is shown, empty);
    without it they are computed from df's points."""
    df = df.assign(severity=df["severity"].fillna("unknown")) if "severity" in df else df  # not 'null' in the legend
    df = df.assign(took=readable(df["minutes"]))
    marks = "doubt" in df.columns or "corrected" in df.columns
    if marks:
        df = df.assign(figure=figure_kinds(df))
    order = row_order(set(df[group].dropna()) | (set(medians[group].dropna()) if medians is not None else set()))
    y = alt.Y(f"{group}:N", title=None, sort=order or None, scale=alt.Scale(domain=order) if order else alt.Undefined,
              axis=alt.Axis(labelLimit=LABEL_LIMIT))  # fmt: skip
    points = (
        alt.Chart(df)
        .mark_point(size=45, opacity=0.55, filled=True)
        .encode(
            y=y,
            x=alt.X(
                "minutes:Q",
                scale=alt.Scale(type="symlog"),
                title="duration (symlog scale)",
                axis=duration_axis(values=MINUTE_TICKS, grid=True),
            ),
            yOffset=alt.YOffset("jitter:Q", scale=alt.Scale(domain=[-1, 1])),
            color=severity_color(),
            tooltip=[
                alt.Tooltip("incident_id:N", title="incident"),
                alt.Tooltip("title:N"),
                alt.Tooltip("took:N", title="duration"),
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
    meds = medians[[group, "median", "n"]].dropna(subset=["median"])
    ticks = (
        alt.Chart(meds.assign(median_text=readable(meds["median"])))
        .mark_tick(color="black", thickness=3, size=28)
        .encode(
            y=y,
            x=alt.X("median:Q"),
            tooltip=[
                alt.Tooltip(f"{group}:N"),
                alt.Tooltip("median_text:N", title="median"),
                alt.Tooltip("n:Q", title="n", format=COUNT),
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


def trend(df: pd.DataFrame, x: str = "quarter", quarters: list[str] | None = None) -> alt.Chart:
    """Median line with the p90 as a band's upper edge, per quarter, n in the tooltip.
    `quarters` (every quarter of the period) keeps a quarter without incidents on the
    axis, as a gap in the line: a median of nothing is no number, and joining the line
    across it would claim a trend where there is no data."""
    if quarters is not None:
        df = df.set_index(x).reindex(quarters).rename_axis(x).reset_index()
        df["n"] = df["n"].fillna(0).astype("int64")
    df = df.assign(**{f"{c}_text": readable(df[c]) for c in ("median", "p90", "mean")})
    axis = alt.X(f"{x}:O", title=None, sort=quarters or "ascending",
                 scale=alt.Scale(domain=quarters) if quarters else alt.Undefined)  # fmt: skip
    base = alt.Chart(df).encode(x=axis)
    band = base.mark_area(opacity=0.15, invalid="break-paths-show-domains").encode(
        y=alt.Y("median:Q", title="duration", axis=duration_axis()),
        y2="p90:Q",
    )
    line = base.mark_line(point=True, invalid="break-paths-show-domains").encode(
        y="median:Q",
        tooltip=[
            alt.Tooltip(f"{x}:O"),
            alt.Tooltip("median_text:N", title="median"),
            alt.Tooltip("p90_text:N", title="p90"),
            alt.Tooltip("mean_text:N", title="mean"),
            alt.Tooltip("n:Q", format=COUNT),
        ],
    )
    return (band + line).properties(height=220)


def bars(df: pd.DataFrame, x: str, y: str, title: str = "", sort=None, color: str | None = None) -> alt.Chart:
    """Horizontal bars of a count (x) per category (y); severity bars take the shared severity colours."""
    enc = {
        "x": alt.X(f"{x}:Q", title=None, axis=count_axis()),
        "y": alt.Y(f"{y}:N", title=None, sort=sort or "-x", axis=alt.Axis(labelLimit=LABEL_LIMIT)),
        "tooltip": [_tooltip(df, c) for c in df.columns],
    }
    if color == "severity":
        enc["color"] = severity_color(legend=False)
    elif color:
        enc["color"] = alt.Color(f"{color}:N", legend=None)
    return alt.Chart(df).mark_bar().encode(**enc).properties(title=title, height=alt.Step(22))


def _tooltip(df: pd.DataFrame, col: str) -> alt.Tooltip:
    """A tooltip for a column: whole numbers as integers, other numbers to two places, text as is."""
    s = df[col]
    if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
        return alt.Tooltip(f"{col}:N")
    whole = bool(((s.dropna() % 1) == 0).all())
    return alt.Tooltip(f"{col}:Q", format=COUNT if whole else ",.2f")


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
