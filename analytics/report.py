"""The quarterly review as a file: Markdown, HTML or JSON, from review.quarterly_review."""

from __future__ import annotations

import html
import json
import math
import re
from datetime import date, datetime

import numpy as np
import pandas as pd

from analytics import impact
from analytics.durations import DEFINITIONS, HEADLINE
from analytics.stats import WITHOUT_DOUBTFUL

DOUBTFUL = (
    "Doubtful: figures resting on weak evidence (an approximate time, a contradiction) or disagreeing with "
    "the document's own stated duration; a change that shows only with them is not called real."
)
NAMES = {"ttd": "Time to detect", "tta": "Time to acknowledge", "ttm": "Time to mitigate", "ttr": "Time to resolve"}


def minutes(v: float | None) -> str:
    """47 -> '47 min', 150 -> '2 h 30 min', None -> 'n/a'; so is an infinite figure (no round number)."""
    if v is None or v != v or not math.isfinite(v):
        return "n/a"
    v = round(float(v))
    if v < 60:
        return f"{v} min"
    h, m = divmod(v, 60)
    if h < 48:
        return f"{h} h {m} min" if m else f"{h} h"
    d, h = divmod(h, 24)
    return f"{d} d {h} h"


# The unit a duration figure is written in by minutes(), and the minutes in one of it.
UNITS = (("min", 1), ("h", 60), ("d", 1440))


def unit_of(figure: float | None) -> tuple[str, int]:
    """The unit minutes() writes `figure` in: min below an hour, h below two days, else d."""
    if figure is None or figure != figure or not math.isfinite(figure) or abs(figure) < 60:
        return UNITS[0]
    return UNITS[1] if abs(figure) < 2880 else UNITS[2]


def _amount(v: float, unit: tuple[str, int], signed: bool = True) -> str:
    """v minutes in `unit`: whole minutes, else one decimal ('+1.5 h'), with a sign when asked."""
    x = v / unit[1]
    text = f"{abs(x):.0f}" if unit[1] == 1 else f"{abs(x):.1f}".removesuffix(".0")
    sign = ("+" if x > 0 else "−" if x < 0 else "±") if signed and text.strip("0.") else ""
    return sign + text


def change(diff: float | None, figure: float | None) -> str:
    """A change of a duration in the unit its figure is written in, so '+1.5 h' stands beside
    '7 h 30 min' (never '+90 min' beside hours): 'n/a' when there is none."""
    if diff is None or diff != diff or not math.isfinite(diff):
        return "n/a"
    unit = unit_of(figure)
    return f"{_amount(diff, unit)} {unit[0]}"


def change_sentence(ch: dict, figure: float | None) -> str:
    """What stats.Change.sentence says, its numbers in the unit of `figure` (the median beside it)."""
    if ch["verdict"] == "too_few":
        return (f"Too few incidents to compare ({ch['n_current']} this quarter, {ch['n_previous']} the one before; "
                f"a change needs at least {ch['min_n']} in each): look at the incidents themselves.")  # fmt: skip
    unit = unit_of(figure)

    def num(v, signed=True):
        return "n/a" if v is None or v != v else _amount(v, unit, signed)

    rng = f"{ch['confidence']:.0%} interval {num(ch['low'])} to {num(ch['high'])} {unit[0]}"
    diff = ch["difference"] or 0
    word = "shorter" if diff < 0 else "longer"
    if ch["verdict"] == "noise":
        return f"Median changed by {num(ch['difference'])} {unit[0]} ({rng}): indistinguishable from noise."
    if ch["verdict"] == "doubtful":
        without = WITHOUT_DOUBTFUL.get(ch.get("without_doubtful") or "", "the change does not hold")
        return (f"Median {num(diff, False)} {unit[0]} {word} ({rng}), but {ch['doubtful']} of the figures are doubtful "
                f"(weak evidence, or a document's own stated duration disagrees); without them {without}: not "
                "called a real change.")  # fmt: skip
    return f"Median {num(diff, False)} {unit[0]} {word} ({rng}): a real change, not noise."


def definitions() -> list[tuple[str, str]]:
    """(name, definition) of every headline figure of the review, the name said once."""
    return [(NAMES[m], DEFINITIONS[m]) for m in HEADLINE] + [
        ("Median", "Half the incidents took less, half longer."),
        ("p90", "90% of the incidents took less (linear interpolation)."),
        ("Mean", "Shown for reference only: a few long incidents dominate it."),
        ("n", "The incidents a figure could be computed for (both milestones known, end not before start)."),
        ("Coverage", "The share of the quarter's incidents that n is."),
        ("Completion", "Done / (all − dropped) action items."),
        ("On time", "Done on or before the due date / done with both dates known."),
        ("Overdue", "Not done, not dropped, due before the as-of date."),
        ("Recurring", "A contributing-factor category in at least two of the quarter's incidents."),
    ]


# The charts a report can carry, in the order it shows them: {name: (title, caption)}, the title an image's
# alternative text, the caption placed under it. The pictures are drawn elsewhere (figures.review,
# rendered to SVG); this module only places them.
FIGURES = {
    "severity": ("Incidents by severity", "Incidents of the quarter by severity."),
    "durations": ("Every incident's response times",
                  "Every incident of the quarter, one point per incident and duration (symlog scale: durations are "
                  "skewed). The black tick is the median of every incident, printed at the right with its n; "
                  "triangles are doubtful figures, squares corrected ones."),
    "trend": ("Response times per quarter",
              "Each response time per quarter, up to this one: the median (line) up to the p90 (band); a gap is a "
              "quarter without that duration. Whether a change is real is said above, with its interval."),
    "actions": ("Action items by status",
                "The quarter's action items by status as of the as-of date; completion is done / (all − dropped)."),
    "factors": ("Recurring contributing factors",
                "Recurring contributing-factor categories: the quarter's incidents with each, and their share."),
}  # fmt: skip


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _joined(parts: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def what_changed(r: dict, esc=str) -> str:
    """One paragraph for the top of the report: which response times changed against the quarter before
    (only a change whose interval excludes zero, so not one resting on doubtful figures), which did not
    or could not be compared, the incident count beside the previous quarter's, the action items' completion
    and overdue count, and the contributing-factor categories new this quarter. `esc` escapes the
    category labels (corpus text)."""
    q, prev = r["quarter"], r["previous_quarter"]
    changed, same, few, doubtful = [], [], [], []
    for m in HEADLINE:
        name, ch, figure = NAMES[m][0].lower() + NAMES[m][1:], r[m]["change_vs_previous"], r[m]["median"]
        if ch["verdict"] in ("shorter", "longer"):
            unit = unit_of(figure)
            changed.append(f"{name} was {ch['verdict']} (median {minutes(ch['median_current'])} against "
                           f"{minutes(ch['median_previous'])}; {ch['confidence']:.0%} interval of the difference "
                           f"{_amount(ch['low'], unit)} to {_amount(ch['high'], unit)} {unit[0]})")  # fmt: skip
        elif ch["verdict"] == "noise":
            same.append(name)
        elif ch["verdict"] == "doubtful":
            doubtful.append(name)
        else:
            few.append(name)
    out = [f"What changed in {q} against {prev}: {_joined(changed)}." if changed
           else f"No response time changed in {q} against {prev}."]  # fmt: skip
    nots = []
    if same:
        nots.append(f"{_joined(same)} (no change distinguishable from noise)")
    if doubtful:
        nots.append(f"{_joined(doubtful)} (moved only with doubtful figures: not called a change)")
    if few:
        min_n = r[HEADLINE[0]]["change_vs_previous"]["min_n"]
        nots.append(f"{_joined(few)} (too few incidents to compare: a change needs at least {min_n} in each quarter)")
    if nots:
        out.append("What did not change: " + "; ".join(nots) + ".")
    inc = r["incidents"]
    out.append(f"{_plural(inc['total'], 'incident')}, against {inc['previous_quarter']} in {prev}.")
    a = r["action_items"]
    out.append(f"{_plural(a['total'], 'action item')} from the quarter's incidents: {a['done']} done "
               f"(completion {pct(a['completion_rate'])}), {a['overdue']} overdue." if a["total"]
               else "No action item from the quarter's incidents.")  # fmt: skip
    new = [f"{esc(x['label'])} ({_plural(x['incidents'], 'incident')})" for x in r["new_factors"]]
    if new:
        word = "category" if len(new) == 1 else "categories"
        out.append(f"New contributing-factor {word}: {_joined(new)}.")
    else:
        out.append("No contributing-factor category is new.")
    return " ".join(out)


def pct(v: float | None) -> str:
    return "n/a" if v is None or v != v or not math.isfinite(v) else f"{v:.0%}"


def to_json(review: dict) -> str:
    """Strict JSON: a missing value (a NULL team, a NaN statistic, an infinite figure) is null, never the
    NaN or Infinity that Python writes by default and strict parsers reject."""
    return json.dumps(plain(review), ensure_ascii=False, indent=2, allow_nan=False, default=str)


def plain(v):
    """v with every container a list or dict, every number a finite int or float or None, every date
    ISO text: what strict JSON can hold."""
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple | set | np.ndarray | pd.Series):
        return [plain(x) for x in v]
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        return float(v) if math.isfinite(v) else None
    if isinstance(v, datetime | date):
        return v.isoformat()
    return v


def to_markdown(r: dict, images: dict[str, str] | None = None) -> str:
    """Corpus text (ids, titles, factor labels, currencies, filter values) is escaped so it shows as
    written and is inert: no link, image or HTML of a document is ever rendered. The report's own
    sentences only have their table breakers escaped. `images` ({FIGURES name: relative URL of its
    SVG file}, URL-quoted) places those charts as images; without it the report is text only."""
    esc, cell = markdown_text, _cell
    images = _known(images or {})

    def image(name: str) -> list[str]:
        if name not in images:
            return []
        title, caption = FIGURES[name]
        return [f"![{esc(title)}]({images[name]})", "", _cell(caption), ""]

    inc = r["incidents"]
    out = [f"# Quarterly incident review: {r['quarter']}", "",
           f"As of {r['as_of']}. " + _filters_line(r, esc), "",
           what_changed(r, esc), "",
           f"**{inc['total']} incidents** ({inc['previous_quarter']} in {r['previous_quarter']}). By severity: "
           + ", ".join(f"{k} {v}" for k, v in inc["by_severity"].items() if v) + ".", "",
           *image("severity"),
           "## Response times", "",
           "| metric | median | p90 | mean | n | coverage | doubtful | change vs previous quarter |",
           "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for m in HEADLINE:
        s = r[m]
        out.append(f"| {NAMES[m]} | {minutes(s['median'])} | {minutes(s['p90'])} | {minutes(s['mean'])} | {s['n']} | "
                   f"{pct(s['coverage'])} | {s['doubtful']} | {cell(change_sentence(s['change_vs_previous'], s['median']))} |")  # fmt: skip
    out += ["", "Medians and p90 are shown because incident durations are skewed; the mean is for reference only. "
            "A change is reported with a bootstrap 90% interval of the difference in medians. " + DOUBTFUL, ""]  # fmt: skip
    out += [*image("durations"), *image("trend")]
    out += ["## Impact", "", "| figure | total | median | n reporting | note |", "|---|---|---|---|---|"]
    out += [f"| {cell(x['label'])}{' (' + esc(x['currency']) + ')' if x['currency'] else ''} | {cell(x['total'])} | "
            f"{cell(x['median'] or '-')} | {x['n']} of {x['incidents']} | {cell(x['note']) or '-'} |"
            for x in impact.headline(r["impact"])]  # fmt: skip
    out += ["", r["impact"]["definition"], ""]
    a = r["action_items"]
    out += ["## Action items (of this quarter's incidents)", "",
            f"{a['total']} items: {a['done']} done, {a['open']} open, {a['dropped']} dropped; "
            f"completion {pct(a['completion_rate'])}, on time {pct(a['on_time_rate'])}; "
            f"**{a['overdue']} overdue** ({r['overdue_all_quarters']} overdue across all quarters).", ""]  # fmt: skip
    out += image("actions")
    t = r["action_item_types"]
    out += ["### What kind of fixes", "", "| type | items | share | done |", "|---|---|---|---|"]
    out += [
        f"| {esc(k)} | {v['items']} | {pct(v['share'])} | {v['done']} |" for k, v in t["by_type"].items() if v["items"]
    ]
    out += ["", t["definition"], "", "## Recurring contributing factors", ""]
    if r["recurring_factors"]:
        out += ["| category | incidents | share |", "|---|---|---|"]
        out += [f"| {esc(x['label'])} | {x['incidents']} | {pct(x['share'])} |" for x in r["recurring_factors"]]
        out += ["", *image("factors")[:-1]] if "factors" in images else []
    else:
        out.append("No category appears in two or more incidents this quarter.")
    out += ["", "## New this quarter", ""]
    out += [f"- {esc(x['label'])} ({x['incidents']} incidents)" for x in r["new_factors"]] or ["Nothing new."]
    out += ["", "## Postmortems still in draft", ""]
    out += [f"- {esc(d['incident_id'])}: {esc(d['title'] or '')}" for d in r["drafts"]["incidents"]] or ["None."]
    out += ["", "## Definitions", ""] + [f"- **{name}**: {text}" for name, text in definitions()]
    return "\n".join(out) + "\n"


def to_html(r: dict, figures: dict[str, str] | None = None) -> str:
    """A standalone page; every piece of corpus text is HTML-escaped. `figures` ({FIGURES name: SVG}, as
    figures.svg.to_svg renders them: checked to hold nothing active) are placed inline with their
    captions, so the file needs nothing else to show them: no network, no other file. Print CSS keeps a
    chart on one page and fits it to the paper's width."""
    e = html.escape
    figures = _known(figures or {})

    def fig(name: str) -> str:
        if name not in figures:
            return ""
        return f"\n<figure>{figures[name]}<figcaption>{e(FIGURES[name][1])}</figcaption></figure>"

    inc = r["incidents"]
    rows = "".join(
        f"<tr><td>{NAMES[m]}</td><td>{minutes(r[m]['median'])}</td><td>{minutes(r[m]['p90'])}</td>"
        f"<td>{minutes(r[m]['mean'])}</td><td>{r[m]['n']}</td><td>{pct(r[m]['coverage'])}</td><td>{r[m]['doubtful']}</td>"
        f"<td>{e(change_sentence(r[m]['change_vs_previous'], r[m]['median']))}</td></tr>"
        for m in HEADLINE
    )
    rec = "".join(
        f"<tr><td>{e(x['label'])}</td><td>{x['incidents']}</td><td>{pct(x['share'])}</td></tr>"
        for x in r["recurring_factors"]
    )
    new = (
        "".join(f"<li>{e(x['label'])} ({x['incidents']} incidents)</li>" for x in r["new_factors"])
        or "<li>Nothing new.</li>"
    )
    drafts = (
        "".join(f"<li>{e(d['incident_id'])}: {e(d['title'] or '')}</li>" for d in r["drafts"]["incidents"])
        or "<li>None.</li>"
    )
    a = r["action_items"]
    imp = "".join(
        f"<tr><td>{e(x['label'])}{' (' + e(x['currency']) + ')' if x['currency'] else ''}</td><td>{e(x['total'])}</td>"
        f"<td>{e(x['median'] or '-')}</td><td>{x['n']} of {x['incidents']}</td><td>{e(x['note'] or '-')}</td></tr>"
        for x in impact.headline(r["impact"])
    )
    t = r["action_item_types"]
    types = "".join(
        f"<tr><td>{e(k)}</td><td>{v['items']}</td><td>{pct(v['share'])}</td><td>{v['done']}</td></tr>"
        for k, v in t["by_type"].items()
        if v["items"]
    )
    defs = "".join(f"<tr><td>{e(name)}</td><td>{e(text)}</td></tr>" for name, text in definitions())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Quarterly incident review {e(r['quarter'])}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}}
figure{{margin:1rem 0}}figure svg{{max-width:100%;height:auto;display:block}}figcaption{{font-size:.9rem;color:#444}}
@media print{{body{{max-width:none;margin:0}}figure,table,tr{{break-inside:avoid}}h2,h3{{break-after:avoid}}}}
</style></head>
<body><h1>Quarterly incident review: {e(r['quarter'])}</h1>
<p>As of {e(r['as_of'])}. {e(_filters_line(r))}</p>
<p>{e(what_changed(r))}</p>
<p><strong>{inc['total']} incidents</strong> ({inc['previous_quarter']} in {e(r['previous_quarter'])}). By severity:
{e(', '.join(f'{k} {v}' for k, v in inc['by_severity'].items() if v))}.</p>{fig('severity')}
<h2>Response times</h2>
<table><tr><th>metric</th><th>median</th><th>p90</th><th>mean</th><th>n</th><th>coverage</th><th>doubtful</th><th>change vs previous quarter</th></tr>{rows}</table>
<p>{e(DOUBTFUL)}</p>{fig('durations')}{fig('trend')}
<h2>Impact</h2>
<table><tr><th>figure</th><th>total</th><th>median</th><th>n reporting</th><th>note</th></tr>{imp}</table>
<p>{e(r['impact']['definition'])}</p>
<h2>Action items (of this quarter's incidents)</h2>
<p>{a['total']} items: {a['done']} done, {a['open']} open, {a['dropped']} dropped; completion {pct(a['completion_rate'])},
on time {pct(a['on_time_rate'])}; <strong>{a['overdue']} overdue</strong> ({r['overdue_all_quarters']} across all quarters).</p>{fig('actions')}
<h3>What kind of fixes</h3>
<table><tr><th>type</th><th>items</th><th>share</th><th>done</th></tr>{types}</table>
<p>{e(t['definition'])}</p>
<h2>Recurring contributing factors</h2>
<table><tr><th>category</th><th>incidents</th><th>share</th></tr>{rec}</table>{fig('factors')}
<h2>New this quarter</h2><ul>{new}</ul>
<h2>Postmortems still in draft</h2><ul>{drafts}</ul>
<h2>Definitions</h2>
<table><tr><th>figure</th><th>definition</th></tr>{defs}</table>
</body></html>
"""  # fmt: skip


def _known(figures: dict[str, str]) -> dict[str, str]:
    """`figures` when every name is one of FIGURES: a misspelt name would silently drop a chart."""
    unknown = set(figures) - set(FIGURES)
    if unknown:
        raise ValueError(f"no figure {', '.join(sorted(unknown))}; the report places {', '.join(FIGURES)}")
    return figures


def _filters_line(r: dict, esc=str) -> str:
    """What the filters select; `esc` escapes the values (they come from the command line or a link)."""
    f = r["filters"]
    parts = [f"{k}: {esc(', '.join(v))}" for k, v in f.items() if v]
    return ("Filtered to " + "; ".join(parts) + ".") if parts else "All teams, services and severities."


def _cell(s) -> str:
    """The report's own text in a table cell: a pipe would end the cell, a newline the row."""
    return str(s).replace("|", "\\|").replace("\n", " ").replace("<", "&lt;").replace(">", "&gt;")


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")


def markdown_text(text) -> str:
    """Text from a document as Markdown that shows it literally: every Markdown mark is backslash-escaped
    (so `[x](javascript:...)` and `![](http://...)` are no link and no image), &, < and > are entities (no
    raw HTML), line breaks are spaces (a table cell or list item stays one line)."""
    s = "" if text is None else str(text)
    s = _MD_SPECIAL.sub(r"\\\1", _LINE_BREAKS.sub(" ", s))
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
