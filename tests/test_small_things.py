"""What a careful reader notices first: number formats, definitions said once, one severity scale,
lifecycle order, empty quarters shown, units of a change, labels not ids, blank empty cells, a clean install.

Chart tests read the Altair spec (chart.to_dict()); page tests open the page on the small corpus."""

from __future__ import annotations

import json
import tomllib
from datetime import date

import pandas as pd
import pytest

from analytics import durations, report
from analytics.db import connect
from analytics.filters import Filters
from analytics.periods import parse_quarter
from analytics.review import quarterly_review
from figures import action_charts, charts
from tests import small_corpus
from tests.apptest import open_page
from tests.conftest import ROOT
from views import impact_charts

LIFECYCLE = ["Time to detect", "Time to acknowledge", "Time to mitigate", "Time to resolve"]


@pytest.fixture(scope="module")
def db(tmp_path_factory, rules):
    return small_corpus.build(tmp_path_factory.mktemp("small-things"), rules)


def _review(db) -> dict:
    con = connect(db)
    try:
        q = parse_quarter("2025Q2")
        return quarterly_review(con, Filters(q, q, date(2025, 7, 15)))
    finally:
        con.close()


def _points() -> pd.DataFrame:
    return pd.DataFrame({"incident_id": ["a", "b", "c"], "title": ["A", "B", "C"], "minutes": [5.0, 150.0, 3000.0],
                         "severity": ["SEV1", "SEV5", None], "team": ["x", "x", "y"],
                         "metric": ["Time to resolve", "Time to acknowledge", "Time to detect"]})  # fmt: skip


def _all_charts() -> dict[str, dict]:
    """Every shared chart on a small input, as its spec."""
    pts = _points()
    trend = pd.DataFrame({"quarter": ["2025Q1"], "n": [3], "median": [150.0], "p90": [3000.0], "mean": [1051.7]})
    rates = pd.DataFrame({"team": ["x"], "completion_rate": [0.5], "on_time_rate": [1.0], "rated": [2], "done": [1],
                          "done_dated": [1], "done_on_time": [1], "items": [2], "dropped": [0]})  # fmt: skip
    owners = pd.DataFrame({"owner": ["al"], "owner_name": ["Al"], "owner_team": ["x"], "manager": ["m"],
                           "overdue": [652], "oldest_days_overdue": [40], "open_p0": [1]})  # fmt: skip
    aging = pd.DataFrame({"age": ["0-30 d"], "due_state": ["overdue"], "items": [652]})
    figs = pd.DataFrame({"label": ["Customers affected"], "median": [652.0], "n": [1], "points": [1]})
    fpts = pd.DataFrame({"label": ["Customers affected"], "value": [652.0], "shown": ["652"], "incident_id": ["a"],
                         "title": ["A"], "severity": ["SEV1"], "team": ["x"]})  # fmt: skip
    scatter = pd.DataFrame({"incident_id": ["a"], "title": ["A"], "severity": ["SEV2"], "team": ["x"],
                            "duration_minutes": [150.0], "duration_source": ["ttr"], "figure": [652.0]})  # fmt: skip
    mix = pd.DataFrame({"team": ["x"], "type": ["prevention"], "items": [652], "share": [1.0], "done": [3],
                        "group_items": [652], "order": [0]})  # fmt: skip
    sev = pd.DataFrame({"severity": ["SEV1", "SEV2"], "incidents": [652, 3]})
    return {
        "strip": charts.durations_strip(pts, "metric").to_dict(),
        "trend": charts.trend(trend).to_dict(),
        "bars": charts.bars(sev, "incidents", "severity", color="severity").to_dict(),
        "rate_bars": action_charts.rate_bars(rates, "team", ["x"]).to_dict(),
        "owner_bars": action_charts.owner_bars(owners, ["al"]).to_dict(),
        "aging_bars": action_charts.aging_bars(aging, ["0-30 d"], ["overdue", "due", "no due date"]).to_dict(),
        "figure_strips": impact_charts.figure_strips(fpts, figs).to_dict(),
        "scatter": impact_charts.severity_duration_impact(scatter, "Customers affected").to_dict(),
        "type_bars": impact_charts.type_bars(mix, "team", ["x"]).to_dict(),
    }


def _encodings(spec: dict):
    """Every encoding dict of a spec, in layers, facets and nested specs."""
    if isinstance(spec, dict):
        if isinstance(spec.get("encoding"), dict):
            yield spec["encoding"]
        for v in spec.values():
            yield from _encodings(v)
    elif isinstance(spec, list):
        for v in spec:
            yield from _encodings(v)


def _unformatted(spec: dict) -> list[str]:
    """Quantitative tooltips and legends shown without a format (Vega prints them as it likes: 652.000000)."""
    out = []
    for enc in _encodings(spec):
        tips = enc.get("tooltip", [])
        for t in tips if isinstance(tips, list) else [tips]:
            if t.get("type") == "quantitative" and "format" not in t:
                out.append(f"tooltip {t['field']}")
        color = enc.get("color", {})
        if color.get("type") == "quantitative" and "format" not in (color.get("legend") or {}):
            out.append(f"legend {color['field']}")
    return out


def _page_charts(at) -> list[dict]:
    return [json.loads(e.proto.spec) for e in at.get("vega_lite_chart")]


# ------------------------------------------------------------------ number formats


def test_no_chart_shows_a_number_without_a_format():
    assert {name: _unformatted(spec) for name, spec in _all_charts().items() if _unformatted(spec)} == {}


def test_durations_in_tooltips_and_axes_are_in_readable_units():
    spec = charts.durations_strip(_points(), "metric").to_dict()
    rows = spec["datasets"][spec["layer"][0]["data"]["name"]]
    assert [r["took"] for r in rows] == ["5 min", "2 h 30 min", "2 d 2 h"]
    tips = {t["title"] for t in spec["layer"][0]["encoding"]["tooltip"] if "title" in t}
    assert "duration" in tips
    assert spec["layer"][0]["encoding"]["x"]["axis"]["labelExpr"] == charts.DURATION_LABEL
    scatter = _all_charts()["scatter"]
    assert scatter["encoding"]["x"]["axis"]["labelExpr"] == charts.DURATION_LABEL
    assert {"field": "duration_text", "title": "duration", "type": "nominal"} in scatter["encoding"]["tooltip"]


def test_factors_heat_map_counts_are_whole_numbers(db):
    at = open_page(db, "views/factors.py", quarter="2025Q2", since="2025Q1", as_of="2025-07-15")
    heat = [s for s in _page_charts(at) if s.get("layer") and s["layer"][0].get("mark", {}).get("type") == "rect"]
    assert heat and _unformatted(heat[0]) == []
    color = heat[0]["layer"][0]["encoding"]["color"]
    assert (color["legend"]["format"], color["legend"]["tickMinStep"]) == ("d", 1)


# ------------------------------------------------------------------ count axes


def test_count_axes_have_whole_number_ticks():
    c = _all_charts()
    axes = [c["bars"]["encoding"]["x"]["axis"], c["owner_bars"]["encoding"]["x"]["axis"],
            c["aging_bars"]["encoding"]["y"]["axis"]]  # fmt: skip
    assert [(a["format"], a["tickMinStep"]) for a in axes] == [("d", 1)] * 3


# ------------------------------------------------------------------ definitions said once


def test_duration_definitions_do_not_repeat_their_label():
    for m, text in durations.DEFINITIONS.items():
        assert not text.lower().startswith(("time to", "postmortem lag")), (m, text)


def test_markdown_report_definitions_say_each_label_once(db):
    md = report.to_markdown(_review(db))
    assert "- **Time to detect**: From the start of impact (or the change that caused it) to the first alert" in md
    assert "Time to detect: Time to detect" not in md and "**Time to detect**: Time to detect" not in md


def test_response_times_definition_says_the_label_once(db):
    at = open_page(db, "views/response_times.py", quarter="2025Q2", since="2025Q1", as_of="2025-07-15")
    line = next(c.value for c in at.caption if "→" in c.value)
    assert line == "**Time to resolve** (started → resolved): From the start of impact to full recovery."


# ------------------------------------------------------------------ the HTML report carries its definitions


def test_html_report_carries_the_definitions_of_its_numbers(db):
    page = report.to_html(_review(db))
    assert "<h2>Definitions</h2>" in page
    assert ("<tr><td>Time to acknowledge</td><td>From detection to the first acknowledgement by a responder.</td></tr>"
            in page)  # fmt: skip
    assert "<tr><td>Completion</td><td>Done / (all − dropped) action items.</td></tr>" in page
    md = report.to_markdown(_review(db))
    assert all(f"**{name}**: {text}" in md for name, text in report.definitions())


# ------------------------------------------------------------------ one severity scale


def test_every_severity_colour_scale_is_the_shared_one():
    scales = [enc["color"]["scale"] for spec in _all_charts().values() for enc in _encodings(spec)
              if enc.get("color", {}).get("field") == "severity"]  # fmt: skip
    assert len(scales) >= 4
    shared = {"domain": ["SEV1", "SEV2", "SEV3", "SEV4", "SEV5", "unknown"],
              "range": ["#a50f15", "#e6550d", "#fdae6b", "#9ecae1", "#c6dbef", "#bbbbbb"]}  # fmt: skip
    assert all(s == shared for s in scales), scales


# ------------------------------------------------------------------ lifecycle order, labels not cut


def test_strip_rows_follow_the_incident_lifecycle_and_labels_are_not_cut():
    spec = charts.durations_strip(_points(), "metric").to_dict()
    y = spec["layer"][0]["encoding"]["y"]
    assert y["sort"] == ["Time to detect", "Time to acknowledge", "Time to resolve"]
    assert y["axis"]["labelLimit"] >= 300
    meds = pd.DataFrame({"metric": LIFECYCLE[::-1], "median": [60.0, 30.0, 2.0, 7.0], "n": [6, 6, 4, 6]})
    spec = charts.durations_strip(_points(), "metric", medians=meds).to_dict()
    assert spec["layer"][0]["encoding"]["y"]["sort"] == LIFECYCLE
    ids = _points().assign(duration_id=["ttr", "tta", "ttd"])
    assert charts.durations_strip(ids, "duration_id").to_dict()["layer"][0]["encoding"]["y"]["sort"] == [
        "ttd", "tta", "ttr"]  # fmt: skip


# ------------------------------------------------------------------ empty quarters


def test_trend_keeps_an_empty_quarter_as_a_gap():
    df = pd.DataFrame({"quarter": ["2025Q1", "2025Q3"], "n": [3, 2], "median": [30.0, 90.0], "p90": [60.0, 120.0],
                       "mean": [35.0, 95.0]})  # fmt: skip
    spec = charts.trend(df, quarters=["2025Q1", "2025Q2", "2025Q3"]).to_dict()
    rows = spec["datasets"][spec["data"]["name"]]
    assert [(r["quarter"], r["n"], r["median"]) for r in rows] == [("2025Q1", 3, 30.0), ("2025Q2", 0, None),
                                                                    ("2025Q3", 2, 90.0)]  # fmt: skip
    line = spec["layer"][1]
    assert line["encoding"]["x"]["scale"]["domain"] == ["2025Q1", "2025Q2", "2025Q3"]
    assert line["mark"]["invalid"] == "break-paths-show-domains"


def test_by_quarter_has_every_quarter_of_the_period(db):
    con = connect(db)
    try:
        f = Filters(parse_quarter("2024Q3"), parse_quarter("2025Q2"), date(2025, 7, 15))
        g = durations.by_quarter(con, f, "ttr")
    finally:
        con.close()
    assert g["quarter"].tolist() == ["2024Q3", "2024Q4", "2025Q1", "2025Q2"]
    assert g["n"].tolist() == [0, 0, 5, 6]
    assert g["median"].tolist()[2:] == [120.0, 55.0] and g["median"].isna().tolist()[:2] == [True, True]


def test_response_times_page_shows_quarters_without_incidents(db):
    at = open_page(db, "views/response_times.py", quarter="2025Q3", since="2025Q1", as_of="2025-10-15")
    trend = next(s for s in _page_charts(at) if s.get("height") == 220)
    assert trend["layer"][1]["encoding"]["x"]["scale"]["domain"] == ["2025Q1", "2025Q2", "2025Q3"]


def test_type_mix_per_quarter_keeps_empty_quarters(db):
    at = open_page(db, "views/impact.py", quarter="2025Q3", since="2025Q1", as_of="2025-10-15")
    bars = [s for s in _page_charts(at) if s.get("encoding", {}).get("y", {}).get("field") == "quarter"]
    assert bars[0]["encoding"]["y"]["scale"]["domain"] == ["2025Q1", "2025Q2", "2025Q3"]


# ------------------------------------------------------------------ units of a change


def test_a_change_is_written_in_the_unit_of_its_figure():
    assert report.change(90, 450) == "+1.5 h"
    assert report.change(-12, 30) == "−12 min"
    assert report.change(-2880, 5000) == "−2 d"
    assert report.change(None, 30) == "n/a"
    ch = {"verdict": "shorter", "difference": -90.0, "low": -120.0, "high": -30.0, "confidence": 0.9, "n_current": 6,
          "n_previous": 5, "min_n": 5, "doubtful": 0, "without_doubtful": None}  # fmt: skip
    assert report.change_sentence(ch, 450) == ("Median 1.5 h shorter (90% interval −2 to −0.5 h): a real change, "
                                               "not noise.")  # fmt: skip
    assert (
        report.change_sentence(ch, 45)
        == "Median 90 min shorter (90% interval −120 to −30 min): a real change, not noise."
    )


def test_report_changes_follow_the_median_unit(db):
    r = _review(db)
    md = report.to_markdown(r)
    ch = r["ttr"]["change_vs_previous"]
    assert report.change_sentence(ch, r["ttr"]["median"]) in md
    assert report.change_sentence(ch, r["ttr"]["median"]) in report.to_html(r).replace("&#x27;", "'")


# ------------------------------------------------------------------ labels, not ids


def test_incident_detail_shows_category_labels_and_section_names(db):
    at = open_page(db, "views/incidents.py", incident="Q1-5", as_of="2025-07-15")
    table = next(d.value for d in at.dataframe if "why" in d.value.columns)
    assert "Configuration change" in set(table["category"])
    assert "config-change" not in set(table["category"])
    assert not set(table["section"]) & {"contributing_factors", "front_matter", "root_cause"}


# ------------------------------------------------------------------ empty cells


@pytest.mark.parametrize(("page", "params"), [
    ("views/response_times.py", {"quarter": "2025Q2", "since": "2025Q1"}),
    ("views/impact.py", {"quarter": "2025Q2", "since": "2025Q1"}),
    ("views/incidents.py", {"incident": "Q1-3"}),
    ("views/incidents.py", {}),
])  # fmt: skip
def test_empty_table_cells_are_blank_not_none(db, page, params):
    at = open_page(db, page, as_of="2025-07-15", **params)
    assert at.dataframe
    shown = [d.proto.placeholder if d.proto.HasField("placeholder") else "None" for d in at.dataframe]
    assert shown == [""] * len(at.dataframe)


# ------------------------------------------------------------------ packaging


def test_license_is_an_spdx_expression():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["license"] == "MIT"
    assert meta["build-system"]["requires"] == ["setuptools>=77"]


def test_a_rate_of_zero_is_written_and_no_rate_is_not():
    import re

    import vl_convert

    df = pd.DataFrame({"team": ["a", "b"], "completion_rate": [0.0, None], "on_time_rate": [0.5, None],
                       "rated": [3, 0], "done": [0, 0], "done_dated": [2, 0], "done_on_time": [1, 0],
                       "items": [3, 0], "dropped": [0, 0]})  # fmt: skip
    svg = vl_convert.vegalite_to_svg(action_charts.rate_bars(df, "team", ["a", "b"]).to_dict())
    ticks = [f"{p}%" for p in range(0, 101, 10)]
    assert re.findall(r">([^<]*%)<", svg) == [*ticks, "0%", "50%"]  # team a's two bars; team b has no rate
