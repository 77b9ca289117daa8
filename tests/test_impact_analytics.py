"""Impact totals, per-team figures, action-item type mix, the review and the report CLI, on
tests/impact_corpus.py (every expected number is worked out in its docstring)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import duckdb
import pytest

from analytics import impact
from analytics.db import connect
from analytics.filters import Filters
from analytics.periods import parse_quarter
from analytics.review import quarterly_review
from ingest.build import BuildOptions, build
from tests import impact_corpus
from tests.conftest import ROOT, write_corpus

Q1, Q2 = parse_quarter("2025Q1"), parse_quarter("2025Q2")
AS_OF = date(2025, 7, 15)


@pytest.fixture(scope="module")
def db(tmp_path_factory, rules):
    return impact_corpus.build(tmp_path_factory.mktemp("impact"), rules)


@pytest.fixture
def con(db):
    c = connect(db)
    yield c
    c.close()


def q2(**kw) -> Filters:
    return Filters(Q2, Q2, AS_OF, **kw)


def test_totals_sum_only_the_incidents_that_report_the_figure(con):
    s = impact.summary(con, q2())
    assert s["incidents"] == 5
    c = s["customers_affected"]
    assert (c["sum"], c["median"], c["max"], c["n_reporting"], c["n_not_reporting"], c["n_unknown"]) == (
        15900, 3400, 12000, 3, 2, 0)  # fmt: skip
    assert c["n_inexact"] == 1  # '~500'
    u = s["users_affected"]
    assert (u["sum"], u["sum_low"], u["sum_high"], u["n_reporting"], u["n_ranges"]) == (12500, 10000, 15000, 1, 1)
    t = s["support_tickets"]
    assert (t["sum"], t["median"], t["n_reporting"], t["n_not_reporting"], t["n_unknown"]) == (967, 120, 3, 2, 1)
    e = s["engineering_hours"]
    assert (e["sum"], e["n_reporting"], e["n_inexact"]) == (8, 1, 1)
    assert s["downtime_minutes"]["n_reporting"] == 0 and s["downtime_minutes"]["sum"] is None
    assert (s["data_loss"]["yes"], s["data_loss"]["no"], s["data_loss"]["n_reporting"]) == (1, 2, 3)
    assert (s["security_impact"]["yes"], s["security_impact"]["no"], s["security_impact"]["n_not_reporting"]) == (
        0, 2, 3)  # fmt: skip


def test_money_is_summed_per_currency_never_converted(con):
    r = impact.summary(con, q2())["revenue_loss"]
    assert (r["n_reporting"], r["n_not_reporting"], r["n_unknown"]) == (3, 2, 1)
    by = r["by_currency"]
    assert {k: (v["sum"], v["n_reporting"]) for k, v in by.items()} == {
        "USD": (45000, 1), "EUR": (12000, 1), "GBP": (2500, 1),
    }  # fmt: skip
    assert (by["GBP"]["sum_low"], by["GBP"]["sum_high"], by["GBP"]["n_ranges"]) == (2000, 3000, 1)
    # the quarter before: one USD figure, '$10k'
    q1 = impact.summary(con, Filters(Q1, Q1, AS_OF))
    assert q1["revenue_loss"]["by_currency"] == {"USD": {"n_reporting": 1, "sum": 10000, "sum_low": 10000,
                                                         "sum_high": 10000, "median": 10000, "max": 10000,
                                                         "n_inexact": 0, "n_ranges": 0}}  # fmt: skip
    assert q1["users_affected"]["sum_high"] is None  # 'at least 300': no upper bound


def test_headline_rows_say_total_median_and_n(con):
    rows = {(x["metric"], x["currency"]): x for x in impact.headline(impact.summary(con, q2()))}
    assert rows[("customers_affected", None)] | {} == {
        "metric": "customers_affected", "label": "Customers affected", "currency": None, "n": 3, "incidents": 5,
        "total": "15,900", "median": "3,400", "note": "1 approximate or a range",
    }  # fmt: skip
    assert rows[("revenue_loss", "EUR")]["total"] == "€12,000"
    assert rows[("revenue_loss", "GBP")]["note"] == ("1 approximate or a range; bounds £2,000 to £3,000; currencies are "
                                                     "not added up; 1 said unknown")  # fmt: skip
    assert (rows[("engineering_hours", None)]["label"], rows[("engineering_hours", None)]["total"]) == (
        "Engineering time (person-hours)", "8")  # fmt: skip
    assert rows[("data_loss", None)]["total"] == "1 yes, 2 no"
    assert rows[("users_affected", None)]["total"] == "12,500"
    assert ("downtime_minutes", None) not in rows  # not one of the guide's figures, and nobody reported it


def test_per_team_and_per_quarter(con):
    g = impact.by_group(con, q2(), "team")
    cust = g[g["metric"] == "customers_affected"]
    assert list(zip(cust["team"], cust["incidents"], cust["n_reporting"], cust["sum"], strict=True)) == [
        ("payments", 2, 2, 15400), ("search", 3, 1, 500),
    ]  # fmt: skip
    t = impact.group_table(con, Filters(Q1, Q2, AS_OF), "quarter").set_index("quarter")
    assert (t.loc["2025Q1", "incidents"], t.loc["2025Q1", "customers_affected"]) == (2, 2000)
    assert (t.loc["2025Q2", "customers_affected n"], t.loc["2025Q2", "revenue_loss EUR"]) == (3, 12000)
    assert t.loc["2025Q2", "data_loss"] == "1 yes, 2 no (n = 3)"
    with pytest.raises(ValueError):
        impact.by_group(con, q2(), "owner; DROP TABLE x")


def test_per_incident_and_severity_duration_impact(con):
    per = impact.per_incident(con, q2()).set_index("incident_id")
    assert per.loc["P2-1", "customers_affected"] == 12000 and per.loc["P2-1", "revenue_currency"] == "USD"
    assert per.loc["search/s2-2", "figures"] == 0 and per.loc["S2-1", "data_loss"]
    assert per.loc["S2-1", "inexact"] == ["users_affected"]
    d = impact.duration_vs_impact(con, q2(), "customers_affected")
    assert (d["n"], d["incidents"], d["missing_figure"], d["missing_duration"], d["spearman"]) == (3, 5, 2, 0, None)
    sev = d["by_severity"].set_index("severity")
    assert (sev.loc["SEV2", "n"], sev.loc["SEV2", "median_duration"], sev.loc["SEV2", "median_figure"]) == (
        1,
        55,
        12000,
    )
    d = impact.duration_vs_impact(con, q2(), "revenue_loss", "EUR")
    assert list(d["points"]["incident_id"]) == ["P2-2"]


def test_the_page_draws_a_fixed_sample_but_counts_every_incident(con):
    every = impact.figures(con, q2())
    fp = impact.figure_points(con, q2(), 1000)  # more than reported: every point
    assert sorted(zip(fp["points"]["incident_id"], fp["points"]["label"], strict=True)) == sorted(
        zip(every["incident_id"], every["label"], strict=True))  # fmt: skip
    stats = fp["figures"].set_index("label")
    assert (stats.loc["Customers affected", "n"], stats.loc["Customers affected", "median"]) == (3, 3400)
    assert stats.loc["Customers affected", "points"] == 3 and fp["incidents"] == every["incident_id"].nunique()
    one = impact.figure_points(con, q2(), 1)
    cust = one["points"][one["points"]["label"] == "Customers affected"]
    assert 12000 in set(cust["value"])  # the largest is always drawn
    s1 = one["figures"].set_index("label")
    assert (s1.loc["Customers affected", "n"], s1.loc["Customers affected", "median"]) == (3, 3400)
    assert s1.loc["Customers affected", "points"] == len(cust) < 3
    assert impact.figure_points(con, q2(), 1)["points"].equals(one["points"])  # the same sample every time
    with pytest.raises(ValueError):
        impact.figure_points(con, q2(), 0)


def test_the_page_table_is_capped_and_its_counts_are_not(con):
    per = impact.per_incident(con, q2())
    head = impact.per_incident_head(con, q2(), 2)
    assert list(head["rows"]["incident_id"]) == list(per["incident_id"][:2])
    assert (head["total"], head["with_figures"]) == (5, int((per["figures"] > 0).sum()))
    for col in ("customers_affected", "revenue_currency", "data_loss", "duration_minutes", "downtime_minutes"):
        assert head["filled"][col] == int(per[col].notna().sum()), col
    d = impact.duration_vs_impact(con, q2(), "customers_affected", None, 2)
    assert (d["n"], d["drawn"], len(d["points"])) == (3, 2, 2)
    full = impact.duration_vs_impact(con, q2(), "customers_affected")
    assert set(d["points"]["incident_id"]) < set(full["points"]["incident_id"])
    assert d["by_severity"].equals(full["by_severity"]) and d["spearman"] == full["spearman"]


def test_figures_of_one_incident(con):
    f = impact.incident_figures(con, "S2-3")
    assert list(zip(f["metric"], f["shown"], f["line"], strict=True)) == [
        ("customers_affected", "~500", 23), ("revenue_loss", "£2,000–£3,000", 24), ("support_tickets", "0", 25),
        ("security_impact", "no", 26),
    ]  # fmt: skip


def test_action_item_type_mix(con):
    t = impact.type_summary(con, q2())
    assert t["items"] == 12
    assert {k: v["items"] for k, v in t["by_type"].items()} == {
        "prevention": 2, "detection": 6, "mitigation": 1, "process": 1, "untyped": 2,
    }  # fmt: skip
    assert t["by_type"]["detection"]["share"] == 0.5 and t["by_type"]["prevention"]["done"] == 1
    assert t["typed_from"] == {"column": 2, "rule": 8}
    teams = impact.type_table(con, q2(), "team").set_index("team")
    assert teams.loc["search", "note"] == "detection but no prevention"
    assert (teams.loc["search", "items"], teams.loc["search", "detection_items"]) == (6, 3)
    assert teams.loc["payments", "note"] == "more detection than prevention"
    mix = impact.type_mix(con, Filters(Q1, Q2, AS_OF), "quarter")
    q1 = mix[mix["quarter"] == "2025Q1"]
    assert list(zip(q1["type"], q1["items"], q1["share"], strict=True)) == [
        ("prevention", 1, 0.5),
        ("detection", 1, 0.5),
    ]


def test_the_review_and_its_report_carry_impact_and_types(db):
    con = connect(db)
    try:
        r = quarterly_review(con, q2())
    finally:
        con.close()
    assert r["impact"]["customers_affected"]["sum"] == 15900
    assert r["impact"]["customers_affected"]["n_reporting"] == 3
    assert r["impact"]["revenue_loss"]["by_currency"]["USD"]["median"] == 45000
    payments = [x for x in r["impact"]["by_team"] if x["team"] == "payments" and x["metric"] == "support_tickets"]
    assert payments == [{"team": "payments", "incidents": 2, "metric": "support_tickets", "currency": None,
                         "n_reporting": 2, "sum": 967, "median": 483.5}]  # fmt: skip
    assert r["action_item_types"]["by_type"]["detection"]["items"] == 6
    assert r["action_item_types"]["prevention_vs_detection"] == pytest.approx(2 / 6, abs=1e-4)
    out = subprocess.run([sys.executable, "-m", "analytics", "report", "--quarter", "2025Q2", "--db", str(db),
                          "--as-of", "2025-07-15", "--format", "json"], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["impact"] == json.loads(json.dumps(r["impact"]))
    assert data["action_item_types"] == json.loads(json.dumps(r["action_item_types"]))
    md = subprocess.run([sys.executable, "-m", "analytics", "report", "--quarter", "2025Q2", "--db", str(db),
                         "--as-of", "2025-07-15"], cwd=ROOT, capture_output=True, text=True, timeout=120).stdout  # fmt: skip
    assert "| Customers affected | 15,900 | 3,400 | 3 of 5 | 1 approximate or a range |" in md
    assert "| Revenue loss (EUR) | €12,000 | €12,000 | 1 of 5 |" in md
    assert "| detection | 6 | 50% | 1 |" in md


def test_an_unchanged_rebuild_reuses_impact_links_and_types(tmp_path, rules):
    """Reused rows of unchanged files give the same tables as a full build."""
    corpus = write_corpus(tmp_path / "corpus", impact_corpus.files())
    db = tmp_path / "a.duckdb"
    opts = {"corpus": [corpus], "git": False, "jobs": 1, "as_of": AS_OF}
    build(BuildOptions(db=db, **opts), rules)
    (corpus / "search" / "s2-2.md").write_text(impact_corpus.S2_2.replace("12 min", "13 min"))
    summary = build(BuildOptions(db=db, **opts), rules)
    assert summary.reused == 6
    full = tmp_path / "b.duckdb"
    build(BuildOptions(db=full, full=True, **opts), rules)

    def dump(path):
        c = duckdb.connect(str(path), read_only=True)
        try:
            return {t: c.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                    for t in ("incident_impact", "incident_links", "action_items")}  # fmt: skip
        finally:
            c.close()

    assert dump(db) == dump(full)
