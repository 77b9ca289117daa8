"""The quarterly review's report carries its own pictures: static SVG of the page's charts, drawn offline,
with the review's numbers; the 'what changed' paragraph; the Markdown folder and the CLI."""

from __future__ import annotations

import html
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from copy import deepcopy
from datetime import date
from html.parser import HTMLParser

import altair as alt
import pandas as pd
import pytest

from analytics import report
from analytics.db import connect
from analytics.durations import HEADLINE
from analytics.filters import Filters
from analytics.periods import parse_quarter
from analytics.review import quarterly_review
from figures import review as pictures
from figures.svg import UnsafeSvg, check, to_svg
from tests import small_corpus
from tests.conftest import ROOT

Q2 = parse_quarter("2025Q2")
F = Filters(Q2, Q2, date(2025, 7, 15))
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def db(tmp_path_factory, rules):
    return small_corpus.build(tmp_path_factory.mktemp("report-figures"), rules)


@pytest.fixture(scope="module")
def con(db):
    c = connect(db)
    yield c
    c.close()


@pytest.fixture(scope="module")
def r(con):
    return quarterly_review(con, F)


@pytest.fixture(scope="module")
def figs(con, r):
    return pictures.report_figures(con, F, None, r)


def marks_text(svg: str) -> list[str]:
    """The text of the chart's text marks (the numbers printed beside bars and medians), not its axes."""
    root = ET.fromstring(svg)
    return [t.text for g in root.iter(f"{SVG}g") if "mark-text role-mark" in g.get("class", "")
            for t in g.iter(f"{SVG}text")]  # fmt: skip


def drawn(svg: str) -> int:
    """How many marks (bars, points, lines, text) the chart draws."""
    root = ET.fromstring(svg)
    return sum(len(g) for g in root.iter(f"{SVG}g") if "role-mark" in g.get("class", ""))


def dataset(spec: dict, columns: set[str]) -> list[dict]:
    """The rows of the spec's one dataset with these columns."""
    found = [rows for rows in spec["datasets"].values() if rows and columns <= set(rows[0])]
    assert len(found) == 1, [list(rows[0]) for rows in spec["datasets"].values() if rows]
    return found[0]


# ------------------------------------------------------------------ what changed


def test_what_changed_says_the_real_changes_and_what_did_not(r):
    assert report.what_changed(r) == (
        "What changed in 2025Q2 against 2025Q1: time to detect was shorter (median 7 min against 30 min; 90% interval "
        "of the difference −42 to −5 min) and time to resolve was shorter (median 55 min against 2 h; 90% interval "
        "of the difference −540 to −15 min). What did not change: time to mitigate (no change distinguishable from "
        "noise); time to acknowledge (too few incidents to compare: a change needs at least 5 in each quarter). "
        "6 incidents, against 5 in 2025Q1. 6 action items from the quarter's incidents: 2 done (completion 40%), "
        "2 overdue. New contributing-factor category: Security (2 incidents)."
    )
    # the same numbers as the table's sentences beside it
    ttd = r["ttd"]
    assert "(90% interval −42 to −5 min)" in report.change_sentence(ttd["change_vs_previous"], ttd["median"])


def test_what_changed_calls_nothing_a_change_without_an_interval_that_excludes_zero(r):
    quiet = deepcopy(r)
    for m, verdict in zip(HEADLINE, ("noise", "noise", "doubtful", "too_few"), strict=True):
        quiet[m]["change_vs_previous"]["verdict"] = verdict
    quiet["incidents"]["total"] = 1
    quiet["action_items"] = {**quiet["action_items"], "total": 0}
    quiet["new_factors"] = [{"category": "a", "label": "A *b*", "incidents": 1},
                            {"category": "c", "label": "C", "incidents": 3}]  # fmt: skip
    text = report.what_changed(quiet)
    assert text == (
        "No response time changed in 2025Q2 against 2025Q1. What did not change: time to detect and time to "
        "acknowledge (no change distinguishable from noise); time to mitigate (moved only with doubtful figures: "
        "not called a change); time to resolve (too few incidents to compare: a change needs at least 5 in each "
        "quarter). 1 incident, against 5 in 2025Q1. No action item from the quarter's incidents. New "
        "contributing-factor categories: A *b* (1 incident) and C (3 incidents)."
    )
    assert "A \\*b\\* (1 incident)" in report.what_changed(quiet, report.markdown_text)
    quiet["new_factors"] = []
    assert report.what_changed(quiet).endswith(" No contributing-factor category is new.")


def test_the_paragraph_opens_every_format(r):
    md = report.to_markdown(r).split("\n")
    assert md[4] == report.what_changed(r)
    assert f"<p>{report.what_changed(r)}</p>".replace("'", "&#x27;") in report.to_html(r)


# ------------------------------------------------------------------ the charts carry the review's numbers


def test_every_chart_is_drawn_with_marks(figs):
    assert list(figs) == list(report.FIGURES)
    for name, svg in figs.items():
        assert svg.startswith("<svg") and drawn(svg) > 0, name
        check(svg, name)


def test_the_charts_print_the_reviews_numbers(figs, r):
    sev = {k: v for k, v in r["incidents"]["by_severity"].items() if v}
    assert marks_text(figs["severity"]) == [str(v) for v in sev.values()] == ["2", "2", "1", "1"]
    assert marks_text(figs["durations"]) == [
        "median 7 min (n = 6)", "median 2 min (n = 5)", "median 45 min (n = 6)", "median 55 min (n = 6)"]  # fmt: skip
    assert marks_text(figs["durations"]) == [f"median {report.minutes(r[m]['median'])} (n = {r[m]['n']})"
                                             for m in HEADLINE]  # fmt: skip
    assert marks_text(figs["factors"]) == [
        f"{x['incidents']} ({report.pct(x['share'])})" for x in r["recurring_factors"]
    ]
    a = r["action_items"]
    assert marks_text(figs["actions"]) == [str(v) for v in (a["done"], a["open"] - a["overdue"], a["overdue"],
                                                             a["dropped"])] == ["2", "1", "2", "1"]  # fmt: skip


def test_the_chart_data_is_the_reviews(con, r):
    specs = pictures.report_specs(con, F, None, r)
    sev = dataset(specs["severity"], {"severity", "incidents"})
    assert {x["severity"]: x["incidents"] for x in sev} == {k: v for k, v in r["incidents"]["by_severity"].items() if v}
    meds = dataset(specs["durations"], {"metric", "median", "n", "median_text"})
    assert [(x["median"], x["n"]) for x in meds] == [(r[m]["median"], r[m]["n"]) for m in HEADLINE]
    points = dataset(specs["durations"], {"incident_id", "minutes", "seed"})
    assert len(points) == sum(r[m]["n"] for m in HEADLINE) == 23
    rec = dataset(specs["factors"], {"label", "incidents"})
    assert [(x["label"], x["incidents"]) for x in rec] == [(x["label"], x["incidents"]) for x in r["recurring_factors"]]


def test_the_trend_ends_with_the_reviews_medians(con, r):
    data = pictures.trend_data(con, F)
    for m in HEADLINE:
        df = data[m]
        assert list(df["quarter"]) == ["2023Q3", "2023Q4", "2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2"]
        last, before = df.iloc[-1], df.iloc[-2]
        assert (last["median"], last["n"]) == (r[m]["median"], r[m]["n"])
        assert before["median"] == r[m]["change_vs_previous"]["median_previous"]
        assert df["n"].iloc[:-2].sum() == 0  # nothing before 2025Q1: a gap, not a zero
    spec = pictures.report_specs(con, F, None, r)["trend"]
    assert [p["title"] for p in spec["concat"]] == [report.NAMES[m] for m in HEADLINE]


def test_a_chart_with_nothing_to_draw_is_left_out(con, r):
    empty = dict(r, recurring_factors=[], action_items={**r["action_items"], "total": 0})
    assert list(pictures.report_specs(con, F, None, empty)) == ["severity", "durations", "trend"]
    assert "<figure>" not in report.to_html(empty, {})


def test_the_review_must_be_of_the_filters_quarter(con, r):
    with pytest.raises(ValueError, match="the review is of 2025Q2, the filters of 2025Q1"):
        pictures.report_specs(con, F.only(Q2.previous()), None, r)
    with pytest.raises(ValueError, match="another as-of date or other filters"):
        pictures.report_specs(con, Filters(Q2, Q2, date(2025, 7, 15), teams=("search",)), None, r)
    # the page's filters name a longer period; the review and its charts are of the quarter it ends with
    assert pictures.report_specs(con, Filters(Q2.previous(), Q2, date(2025, 7, 15)), None, r).keys() == set(
        report.FIGURES
    )


def test_analytics_loads_no_drawing_code():
    """The CLI loads figures (altair, vl-convert) only inside the report command that draws."""
    code = ("import sys, analytics.cli, analytics.report; "
            "print(sorted({'altair', 'figures', 'vl_convert'} & set(sys.modules)))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.stdout == "[]\n", out.stderr


def test_the_strip_draws_the_same_picture_every_time(con, r):
    """The page's strip jitters with random(); the report's with each incident's seed."""
    a = to_svg(pictures.report_specs(con, F, None, r)["durations"], "durations")
    b = to_svg(pictures.report_specs(con, F, None, r)["durations"], "durations")
    assert a == b
    assert "random()" not in str(pictures.report_specs(con, F, None, r)["durations"])


def test_charts_have_no_tooltips_and_a_printable_width(con, r):
    for name, spec in pictures.report_specs(con, F, None, r).items():
        assert '"tooltip"' not in str(spec).replace("'", '"'), name
        root = ET.fromstring(to_svg(spec, name))
        assert 600 <= float(root.get("width")) <= 1000, (name, root.get("width"))


# ------------------------------------------------------------------ safe, offline SVG


def test_corpus_text_in_a_label_is_text_in_the_svg():
    label = '<script>alert(1)</script> & "q" \'a\' url(#x) id="y"'
    y = alt.Y("label:N", axis=alt.Axis(labelLimit=1000))
    chart = alt.Chart(pd.DataFrame({"label": [label], "n": [2]})).mark_bar().encode(x="n:Q", y=y)
    svg = to_svg(chart, "factors")
    assert "<script" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    texts = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert label in texts  # shown as written, nothing rewritten


def test_the_html_report_with_hostile_labels_has_nothing_active(con, r):
    hostile = deepcopy(r)
    hostile["recurring_factors"][0]["label"] = "<script>alert(1)</script>"
    hostile["recurring_factors"][1]["label"] = "<img src=x onerror=alert(2)>"
    page = report.to_html(hostile, pictures.report_figures(con, F, None, hostile))

    class Tags(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags, self.attrs = set(), set()

        def handle_starttag(self, tag, attrs):
            self.tags.add(tag)
            self.attrs |= {a for a, _ in attrs}

    p = Tags()
    p.feed(page)
    assert not p.tags & {"script", "img", "iframe", "object", "embed", "a", "image", "use", "foreignobject"}
    assert not {a for a in p.attrs if a.startswith("on") or a in ("src", "href", "xlink:href")}
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in page  # the table
    assert re.search(r"<text [^>]*>&lt;script&gt;alert\(1\)&lt;/script&gt;</text>", page)  # the chart's axis


def test_ids_are_prefixed_so_charts_share_a_page():
    df = pd.DataFrame({"x": [1, 2, 3], "y": [3, 1, 2], "v": [0.1, 0.5, 0.9]})
    chart = alt.Chart(df).mark_point(clip=True).encode(x="x:Q", y=alt.Y("y:Q", scale=alt.Scale(domain=[0, 2])),
                                                       color="v:Q")  # fmt: skip
    one, two = to_svg(chart, "one"), to_svg(chart, "two")
    ids = [set(re.findall(r' id="([^"]+)"', s)) for s in (one, two)]
    assert ids[0] and not ids[0] & ids[1]
    assert all(i.startswith("one-") for i in ids[0]) and "url(#one-" in one


@pytest.mark.parametrize(
    "bad",
    [
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><image href="http://x.example/a.png"/></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><path fill="url(http://x.example/#p)"/></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
        '<svg xmlns="http://www.w3.org/2000/svg"><path clip-path="url(#elsewhere)"/></svg>',
        "<html><svg></svg></html>",
        "<svg",
    ],
)
def test_svg_with_active_or_outside_content_is_refused(bad):
    with pytest.raises(UnsafeSvg):
        check(bad)


def test_a_spec_naming_remote_data_is_not_fetched():
    chart = alt.Chart(alt.UrlData("https://example.com/data.csv")).mark_point().encode(x="a:Q")
    with pytest.raises(ValueError, match="External data url not allowed"):
        to_svg(chart, "remote")


# ------------------------------------------------------------------ the files


def test_the_html_report_is_the_text_report_plus_its_figures(con, r, figs):
    page = pictures.html_report(con, F, None, r)
    assert page.count("<figure><svg") == 5 and page.count("</svg><figcaption>") == 5
    captions = re.findall(r"<figcaption>([^<]*)</figcaption>", page)
    assert captions == [html.escape(c) for _, c in report.FIGURES.values()]  # in the order FIGURES says
    without = re.sub(r"\n<figure><svg.*?</svg><figcaption>[^<]*</figcaption></figure>", "", page, flags=re.S)
    assert without == report.to_html(r)  # every number outside the charts is the text report's
    assert "@media print" in page and "http" not in page.replace("http://www.w3.org/", "")


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:\.\d+)?", text))


def test_every_number_in_the_html_report_is_the_reviews(con, r):
    """Every number written in the page's text (charts aside: their marks are checked above) is one of
    the review's, as the report writes it: a count, a duration, a share, an interval end, a date."""
    page = re.sub(r"<svg.*?</svg>|<style>.*?</style>", "", pictures.html_report(con, F, None, r), flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    allowed = set()

    def add(v):
        if isinstance(v, dict):
            for x in v.values():
                add(x)
        elif isinstance(v, list):
            for x in v:
                add(x)
        elif isinstance(v, str):
            allowed.update(_numbers(v))
        elif isinstance(v, int | float) and v == v:
            allowed.update(_numbers(f"{v:g} {round(v)} {report.minutes(v)} {report.pct(v)}"))
            for unit in report.UNITS:
                allowed.add(report._amount(v, unit, signed=False))

    add(report.plain(r))
    definitions = " ".join(f"{a} {b}" for a, b in report.definitions())
    extra = _numbers(text) - allowed - _numbers(definitions) - _numbers(report.DOUBTFUL)
    assert extra == set(), extra


def test_markdown_folder_links_every_chart_beside_it(con, r, tmp_path):
    written = pictures.write_markdown(tmp_path, con, F, None, r)
    assert [p.name for p in written] == ["incident-review-2025Q2.md"] + [
        f"incident-review-2025Q2-{n}.svg" for n in report.FIGURES]  # fmt: skip
    md = written[0].read_text(encoding="utf-8")
    for name, (title, caption) in report.FIGURES.items():
        assert f"![{title}](incident-review-2025Q2-{name}.svg)\n\n{caption}\n" in md
    for link in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md):
        assert (tmp_path / link).read_text(encoding="utf-8").startswith("<svg")


def test_markdown_without_images_is_text_only(r):
    assert "![" not in report.to_markdown(r)
    with pytest.raises(ValueError, match="no figure sevrity"):
        report.to_markdown(r, {"sevrity": "x.svg"})
    with pytest.raises(ValueError, match="no figure sevrity"):
        report.to_html(r, {"sevrity": "<svg/>"})


def _cli(db, *args):
    return subprocess.run([sys.executable, "-m", "analytics", "report", "--quarter", "2025Q2", "--as-of", "2025-07-15",
                           "--db", str(db), *args], cwd=ROOT, capture_output=True, text=True, timeout=180)  # fmt: skip


def test_cli_markdown_into_a_folder_writes_the_charts(db, tmp_path, con, r):
    out = _cli(db, "--format", "md", "--output", f"{tmp_path / 'new'}/")
    assert out.returncode == 0, out.stderr
    folder = tmp_path / "new"
    assert out.stderr == f"wrote {folder / 'incident-review-2025Q2.md'} and 5 SVG charts beside it\n"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["incident-review-2025Q2.md", *(f"incident-review-2025Q2-{n}.svg" for n in report.FIGURES)])  # fmt: skip
    for name, text in pictures.markdown_files(con, F, None, r).items():
        assert (folder / name).read_text(encoding="utf-8") == text, name
    assert _cli(db, "--format", "md").stdout == report.to_markdown(r)  # standard output: text only


def test_cli_html_carries_its_charts(db, tmp_path, con, r):
    out = _cli(db, "--format", "html", "--team", "search", "--output", str(tmp_path))  # an existing folder
    assert out.returncode == 0, out.stderr
    path = tmp_path / "incident-review-2025Q2-team-search.html"
    assert out.stderr == f"wrote {path}\n"
    f = Filters(Q2, Q2, date(2025, 7, 15), teams=("search",))
    assert path.read_text(encoding="utf-8") == pictures.html_report(con, f, None, quarterly_review(con, f))
    std = _cli(db, "--format", "html")
    assert std.stdout.count("<figure><svg") == 5 and std.stdout == pictures.html_report(con, F, None, r)


def test_the_pages_markdown_zip_holds_the_report_and_its_charts(con, r, tmp_path):
    import io
    import zipfile

    z = zipfile.ZipFile(io.BytesIO(pictures.markdown_zip(con, F, None, r)))
    files = pictures.markdown_files(con, F, None, r)
    assert z.namelist() == list(files)
    assert all(z.read(n).decode("utf-8") == text for n, text in files.items())


def test_the_review_page_opens_with_what_changed_and_offers_the_files_with_charts(db, r):
    from tests.apptest import open_page, texts

    at = open_page(db, None, quarter="2025Q2", as_of="2025-07-15")
    assert report.what_changed(r).replace("\\", "") in texts(at).replace("\\", "")
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["HTML with charts", "Markdown with charts (zip)", "Markdown", "JSON"]
