"""The quarterly review's pictures, for the report that carries them: static charts of the numbers the
review page shows, drawn with the page's builders (figures.charts) so they look alike.

A report is read on paper or in a mail: nothing to hover, so the charts print their numbers beside
the marks, have fixed widths that fit an A4 page, no tooltips, and draw the same picture every time
(the strip's jitter comes from the incident id, not from a random number). Every number drawn is the
review's (analytics.review.quarterly_review) or comes from the same analytics call the page makes."""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import altair as alt
import pandas as pd

from analytics import durations, report
from analytics.durations import HEADLINE
from analytics.export import download_name
from analytics.filters import Filters
from analytics.settings import Settings
from figures import charts
from figures.svg import to_svg

WIDTH = 640  # px of a chart's plot area: with its labels it prints on A4 (the page scales it down to fit)
MAX_POINTS = 1000  # per metric in the durations strip, as on the review page
TREND_QUARTERS = 8  # the review quarter and the seven before it
TREND_WIDTH = 270  # px per panel of the 2 x 2 trend
STATUS_COLORS = {"done": "#2ca02c", "open, not overdue": "#1f77b4", "overdue": "#d62728", "dropped": "#bbbbbb"}
LABEL = {"align": "left", "baseline": "middle", "dx": 4, "fontSize": 11, "color": "black"}


def report_figures(con, f: Filters, settings: Settings | None, r: dict) -> dict[str, str]:
    """{name: SVG} of every chart the review `r` has something to draw for, named as in
    analytics.report.FIGURES and in its order: what report.to_html places."""
    return {name: to_svg(spec, name) for name, spec in report_specs(con, f, settings, r).items()}


def report_specs(con, f: Filters, settings: Settings | None, r: dict) -> dict[str, dict]:
    """{name: Vega-Lite spec} of the report's charts (what report_figures renders). `r` must be the
    review of f (quarterly_review(con, f, settings)): a review of another quarter, date or filter would
    be drawn with other incidents than its numbers count, so that is an error. `settings` is taken as
    quarterly_review takes it; the pictures need none of it today. A chart with nothing to draw (no
    recurring factor, no action item) is left out; the report says so in words."""
    if r["quarter"] != f.end.label:
        raise ValueError(f"the review is of {r['quarter']}, the filters of {f.end.label}")
    chosen = {"teams": list(f.teams), "services": list(f.services), "severities": list(f.severities)}
    if r["as_of"] != f.as_of.isoformat() or r["filters"] != chosen:
        raise ValueError("the review was made with another as-of date or other filters than these")
    fq = f.only(f.end)
    built = {
        "severity": severity_chart(r),
        "durations": durations_chart(con, fq, r),
        "trend": trend_chart(con, f),
        "factors": factors_chart(r),
        "actions": actions_chart(r),
    }
    return {name: static(built[name]) for name in report.FIGURES if built.get(name) is not None}


def static(chart: alt.TopLevelMixin) -> dict:
    """The chart's spec without tooltips (nothing to hover on paper; they would only swell the SVG
    with every incident's title as a description)."""

    def strip(v):
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if k != "tooltip"}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v

    spec = chart.to_dict()
    return {k: (v if k == "datasets" else strip(v)) for k, v in spec.items()}


def severity_chart(r: dict) -> alt.LayerChart | None:
    """Incidents of the quarter per severity, the page's bars with the count printed beside each."""
    rows = [{"severity": k, "incidents": v} for k, v in r["incidents"]["by_severity"].items() if v]
    if not rows:
        return None
    sev = pd.DataFrame(rows)
    bars = charts.bars(sev, "incidents", "severity", sort=list(sev["severity"]), color="severity")
    return _labelled(bars, "incidents:Q", charts.COUNT)


def durations_strip_data(con, fq: Filters) -> pd.DataFrame:
    """The page's sample of per-incident durations of the quarter (at most MAX_POINTS per metric),
    with each point's steady jitter `seed` in [0, 1) from its incident and metric."""
    per = durations.sample(con, fq, HEADLINE, "duration_id", MAX_POINTS)
    seeds = [
        zlib.crc32(f"{i}\0{m}".encode()) / 2**32 for i, m in zip(per["incident_id"], per["duration_id"], strict=True)
    ]
    return per.assign(metric=per["duration_id"].map(report.NAMES), seed=seeds)


def durations_chart(con, fq: Filters, r: dict) -> alt.LayerChart | None:
    """Every incident of the quarter per headline duration (the page's strip), the median of every
    incident marked and printed with its n at the right: the review's medians, not the sample's."""
    n_points = sum(r[m]["n"] for m in HEADLINE)
    if not n_points:
        return None
    per = durations_strip_data(con, fq)
    meds = pd.DataFrame([{"metric": report.NAMES[m], "median": r[m]["median"], "n": r[m]["n"]} for m in HEADLINE])
    note = charts.strip_note(len(per), n_points).strip()
    strip = _steady_jitter(charts.durations_strip(per, "metric", medians=meds))
    order = charts.row_order(meds["metric"])
    known = meds.dropna(subset=["median"])
    text = [f"median {report.minutes(v)} (n = {n})" for v, n in zip(known["median"], known["n"], strict=True)]
    labels = (
        alt.Chart(known.assign(text=text))
        .mark_text(align="left", baseline="middle", fontSize=11, color="black")
        .encode(y=alt.Y("metric:N", sort=order, scale=alt.Scale(domain=order)), x=alt.value(WIDTH + 8), text="text:N")
    )
    title = (
        alt.Title(f"Every incident of {r['quarter']}", subtitle=note) if note else f"Every incident of {r['quarter']}"
    )
    # the legends go below: the right margin holds the medians
    return alt.layer(strip, labels).properties(width=WIDTH, title=title).configure_legend(orient="bottom")


def _steady_jitter(chart: alt.LayerChart) -> alt.LayerChart:
    """The strip with its random vertical jitter replaced by the points' `seed`: the same data draws
    the same picture (a report made twice is the same file)."""
    found = False
    for layer in chart.layer:
        for t in layer.transform if isinstance(layer.transform, list) else []:
            if "random()" in str(getattr(t, "calculate", "")):
                t.calculate, found = "(datum.seed - 0.5) * 1.4", True
    if not found:
        raise ValueError("the strip has no random jitter to replace: figures.charts.durations_strip changed")
    return chart


def trend_quarters(f: Filters) -> Filters:
    """The filters of the trend: the review quarter and the TREND_QUARTERS - 1 before it, whatever
    period the page shows (the report reads the same from the page and the command line)."""
    start = f.end
    for _ in range(TREND_QUARTERS - 1):
        start = start.previous()
    return replace(f, start=start, end=f.end)


def trend_data(con, f: Filters) -> dict[str, pd.DataFrame]:
    """{metric: durations.by_quarter()} over trend_quarters(f), every headline duration."""
    ft = trend_quarters(f)
    return {m: durations.by_quarter(con, ft, m) for m in HEADLINE}


def trend_chart(con, f: Filters) -> alt.ConcatChart | None:
    """Median (line) up to p90 (band) per quarter for each headline duration, two by two: the Response
    times page's trend, one panel per metric. None when no quarter has any duration."""
    data = trend_data(con, f)
    if not any(df["n"].sum() for df in data.values()):
        return None
    panels = [
        charts.trend(df, quarters=list(df["quarter"])).properties(title=report.NAMES[m], width=TREND_WIDTH, height=150)
        for m, df in data.items()
    ]
    return alt.concat(*panels, columns=2)


def factors_chart(r: dict) -> alt.LayerChart | None:
    """The recurring factor categories (two or more incidents), incidents per category with the count
    and share printed beside each bar, in the review's order."""
    rec = pd.DataFrame(r["recurring_factors"])
    if not len(rec):
        return None
    rec = rec.assign(text=[f"{n} ({report.pct(s)})" for n, s in zip(rec["incidents"], rec["share"], strict=True)])
    bars = charts.bars(rec[["label", "incidents", "text"]], "incidents", "label", sort=list(rec["label"]))
    return _labelled(bars, "text:N")


def actions_chart(r: dict) -> alt.LayerChart | None:
    """The quarter's action items by status as of the review date (done, open and not overdue,
    overdue, dropped), the count beside each bar. None without items."""
    a = r["action_items"]
    if not a["total"]:
        return None
    counts = {"done": a["done"], "open, not overdue": a["open"] - a["overdue"], "overdue": a["overdue"],
              "dropped": a["dropped"]}  # fmt: skip
    df = pd.DataFrame({"status": list(counts), "items": list(counts.values())})
    color = alt.Color("status:N", scale=alt.Scale(domain=list(STATUS_COLORS), range=list(STATUS_COLORS.values())),
                      legend=None)  # fmt: skip
    bars = charts.bars(df, "items", "status", sort=list(counts)).encode(color=color)
    return _labelled(bars, "items:Q", charts.COUNT)


def _labelled(bars: alt.Chart, text: str, fmt: str | None = None) -> alt.LayerChart:
    """Horizontal bars with their number printed just past each bar's end, at the report's width."""
    enc = alt.Text(text, format=fmt) if fmt else alt.Text(text)
    labels = bars.mark_text(**LABEL).encode(text=enc, color=alt.value("black"))
    title = bars.title
    return alt.layer(bars.properties(title=""), labels.properties(title="")).properties(width=WIDTH, title=title)


# ------------------------------------------------------------------ the files


def html_report(con, f: Filters, settings: Settings | None, r: dict) -> str:
    """The review as one self-contained HTML file with its charts inline (opens without a network)."""
    return report.to_html(r, report_figures(con, f, settings, r))


def file_stem(r: dict) -> str:
    """The report's file name without extension, as the page's download names it (quarter and filters)."""
    view = {"teams": r["filters"]["teams"], "services": r["filters"]["services"],
            "severities": r["filters"]["severities"]}  # fmt: skip
    return download_name("incident-review", r["quarter"], "md", **view).removesuffix(".md")


def markdown_files(con, f: Filters, settings: Settings | None, r: dict) -> dict[str, str]:
    """{file name: text} of the Markdown review and the SVG images it links, by relative path, all in
    one folder: '<stem>.md' first, then '<stem>-<chart>.svg' for each chart."""
    stem = file_stem(r)
    svgs = {f"{stem}-{name}.svg": (name, svg) for name, svg in report_figures(con, f, settings, r).items()}
    images = {name: quote(file) for file, (name, _) in svgs.items()}
    return {f"{stem}.md": report.to_markdown(r, images), **{file: svg for file, (_, svg) in svgs.items()}}


def write_markdown(folder: Path, con, f: Filters, settings: Settings | None, r: dict) -> list[Path]:
    """markdown_files() written into `folder` (which must exist); the paths written, the report first."""
    out = []
    for name, text in markdown_files(con, f, settings, r).items():
        path = Path(folder) / name
        path.write_text(text, encoding="utf-8")
        out.append(path)
    return out


def markdown_zip(con, f: Filters, settings: Settings | None, r: dict) -> bytes:
    """markdown_files() as one zip (the page's Markdown download): unpacked, the report shows its images."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in markdown_files(con, f, settings, r).items():
            z.writestr(name, text)
    return buf.getvalue()
