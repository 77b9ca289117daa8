"""The report files and the overdue CSV are valid and inert whatever the documents say: strict JSON
(null, never NaN), Markdown and HTML that show document text as text (no link, image or tag of a
document is ever rendered), CSV cells no spreadsheet runs as a formula, look-alikes included."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from markdown_it import MarkdownIt

from analytics import export, report
from analytics.db import connect
from analytics.filters import Filters
from analytics.periods import parse_quarter
from analytics.review import quarterly_review
from analytics.settings import Settings
from tests import impact_corpus
from tests.conftest import ROOT, build_corpus

HOSTILE = "[click](javascript:alert(1)) ![x](http://evil.example/p.png) <img src=x onerror=alert(1)> *b* `c` | &amp;"
# A postmortem at the corpus root (so it has no team) in 2025Q2, a draft, with hostile text in its title.
ROOTLESS = f"""\
---
id: N-1
status: draft
---
# Postmortem: {HOSTILE}

**Date:** 2025-05-12
**Incident Severity:** SEV3

## Timeline (All times UTC)

| Time | Event |
|---|---|
| 10:00 | Config change pushed |
| 10:10 | Alert fired for checkout errors |
| 10:30 | Service fully recovered, incident resolved |

## Impact

- 50 customers affected
"""


def strict_loads(text: str):
    """json.loads that refuses NaN, Infinity and -Infinity, as strict parsers (JavaScript, Go, jq) do."""

    def refuse(name):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def db(tmp_path_factory, rules):
    files = impact_corpus.files() | {"n-1.md": ROOTLESS}
    return build_corpus(tmp_path_factory.mktemp("outputs"), files, rules, as_of=impact_corpus.AS_OF)


@pytest.fixture(scope="module")
def review(db):
    con = connect(db)
    try:
        q = parse_quarter("2025Q2")
        return quarterly_review(con, Filters(q, q, date(2025, 7, 15)), Settings())
    finally:
        con.close()


# ------------------------------------------------------------------ JSON


def test_json_writes_null_for_missing_and_infinite_numbers():
    r = {"team": float("nan"), "n": np.int64(3), "x": np.float64("inf"), "y": -np.inf, "ok": np.float64(1.5),
         "when": pd.NaT, "na": pd.NA, "day": date(2025, 7, 1), "list": (np.nan, 2), "flag": np.bool_(True)}  # fmt: skip
    assert strict_loads(report.to_json(r)) == {"team": None, "n": 3, "x": None, "y": None, "ok": 1.5, "when": None,
                                               "na": None, "day": "2025-07-01", "list": [None, 2], "flag": True}  # fmt: skip


def test_the_json_report_of_an_incident_without_a_team_is_strict_json(db, review):
    """Before: the team of the root-level postmortem was written as NaN."""
    no_team = [x for x in review["impact"]["by_team"] if not isinstance(x["team"], str)]
    assert [(x["metric"], x["sum"]) for x in no_team] == [("customers_affected", 50)]
    data = strict_loads(report.to_json(review))
    rows = [x for x in data["impact"]["by_team"] if x["team"] is None]
    assert rows == [{"team": None, "incidents": 1, "metric": "customers_affected", "currency": None,
                     "n_reporting": 1, "sum": 50, "median": 50}]  # fmt: skip
    out = subprocess.run([sys.executable, "-m", "analytics", "report", "--quarter", "2025Q2", "--db", str(db),
                          "--as-of", "2025-07-15", "--format", "json"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "NaN" not in out.stdout
    assert strict_loads(out.stdout)["impact"]["by_team"] == data["impact"]["by_team"]


def test_figures_out_of_any_range_format_as_n_a():
    """Before: minutes(inf) failed (round of infinity); pct(inf) wrote 'inf%'."""
    assert [report.minutes(v) for v in (float("inf"), -np.inf, np.nan, None, 150.0)] == [
        "n/a", "n/a", "n/a", "n/a", "2 h 30 min"]  # fmt: skip
    assert [report.pct(v) for v in (float("inf"), np.nan, 0.5)] == ["n/a", "n/a", "50%"]


# ------------------------------------------------------------------ Markdown


def rendered(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(markdown)


def test_markdown_text_is_shown_literally_and_is_inert():
    html = rendered(report.markdown_text(HOSTILE))
    assert "<a " not in html and "<img" not in html and "<em>" not in html and "<code>" not in html
    assert html == f"<p>{escaped(HOSTILE)}</p>\n"


def test_markdown_text_keeps_a_table_row_one_row():
    md = "| a | b |\n|---|---|\n| " + report.markdown_text("x | y\n| z\r\n# h") + " | 2 |\n"
    html = rendered(md)
    assert html.count("<tr>") == 2 and html.count("<td>") == 2 and "<h1>" not in html
    assert "<td>x | y | z # h</td>" in html


def escaped(text: str) -> str:
    """The text as an HTML renderer writes literal text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def test_the_markdown_report_renders_no_link_image_or_html_of_a_document(review):
    """Before: a draft's title, a factor label and a filter value came through as a javascript: link,
    a remote image and HTML tags."""
    assert "- N\\-1: click\\) x b c \\| &amp;amp;" in report.to_markdown(review)  # as the parser stored it
    hostile = dict(review, filters={"teams": ["<b>x</b>"], "services": ["[s](javascript:x)"], "severities": []},
                   drafts={"count": 1, "incidents": [{"incident_id": "N-1", "title": HOSTILE}]},
                   new_factors=[{"category": "c", "label": "![](http://evil.example/t.png)", "incidents": 1}])  # fmt: skip
    html = rendered(report.to_markdown(hostile))
    assert "<img" not in html and "<a " not in html and "<b>" not in html and "<script" not in html
    assert f"<li>N-1: {escaped(HOSTILE)}</li>" in html
    assert "<li>![](http://evil.example/t.png) (1 incidents)</li>" in html
    assert "Filtered to teams: &lt;b&gt;x&lt;/b&gt;; services: [s](javascript:x)." in html


# ------------------------------------------------------------------ HTML

ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "strong", "table", "tr",
                "th", "td", "ul", "li"}  # fmt: skip


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs, self.text = set(), [], []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs += [a for a, _ in attrs]

    def handle_data(self, data):
        self.text.append(data)


def test_the_html_report_escapes_everything_from_documents(review):
    hostile = dict(
        review,
        filters={"teams": ["<script>alert(1)</script>"], "services": [], "severities": []},
        drafts={"count": 1, "incidents": [{"incident_id": "N-1", "title": HOSTILE}]},
    )
    hostile["recurring_factors"] = [{"category": "c", "label": "<img src=x onerror=alert(2)>", "incidents": 2,
                                     "share": 0.5}]  # fmt: skip
    p = Tags()
    p.feed(report.to_html(hostile))
    assert p.tags <= ALLOWED_TAGS, p.tags - ALLOWED_TAGS
    assert set(p.attrs) <= {"lang", "charset"}
    text = "".join(p.text)
    assert "N-1: " + HOSTILE in text and "<img src=x onerror=alert(2)>" in text
    assert "Filtered to teams: <script>alert(1)</script>." in text


# ------------------------------------------------------------------ CSV


@pytest.mark.parametrize(
    "text",
    ["=1+1", "＝HYPERLINK(\"http://x\")", "＋1", "＠SUM(A1)", "－1", " =1", "\t=1", "\r=1", "\n=1", "  \t @x",
     "\u200b=1", "\ufeff+1", "\u3000＝1", "\u00a0-1", "﹦1", "⁼1", "−1", "\u200e=1"],
)  # fmt: skip
def test_a_formula_start_behind_a_look_alike_or_whitespace_is_neutralised(text):
    assert export.neutralise(text) == "'" + text
    assert export.csv_text(pd.DataFrame({"owner": [text, "bob"]})).split("\r\n")[1].lstrip('"').startswith("'")


@pytest.mark.parametrize("text", ["bob", "Fix the alert", "1-2", "é=1", "", "   ", "(=1)", "a=1"])
def test_text_a_spreadsheet_would_not_run_is_left_as_written(text):
    assert export.neutralise(text) == text


def test_the_csv_neutralises_look_alikes_in_every_column_and_the_header():
    df = pd.DataFrame({"＝h": ["＝1", "ok"], "n": [1, -2], "o": [["＠a", "b"], ["c"]]})
    assert export.csv_text(df) == "'＝h,n,o\r\n'＝1,1,'＠a; b\r\nok,-2,c\r\n"
