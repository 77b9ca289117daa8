"""Corrections: milestones set or cleared by hand with a reason, applied at
build time and shown as corrected wherever the value appears (docs/MILESTONES.md)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from analytics import durations, incidents
from analytics.db import connect
from analytics.filters import Filters
from analytics.periods import parse_quarter
from ingest.build import BuildOptions, build
from ingest.understand.corrections import load_corrections
from ingest.understand.rules import RulesError
from tests.apptest import metric, open_page, texts
from tests.conftest import ROOT, write_corpus
from views import ui

DOC = """
# Postmortem: checkout errors

**Date:** 2024-03-05

## Timeline (UTC)

| Time | Event |
|---|---|
| 10:00 | Checkout errors begin |
| 10:06 | Alert fires |
| 10:10 | On-call acknowledges |
| 10:40 | Payments provider failover; checkout back to normal |
| 11:00 | Incident resolved |
"""

CORRECTIONS = """
corrections:
  shop/2024-03-05-checkout:
    started_at: 2024-03-05T09:30:00Z
    resolved_at: null
    reason: The provider's status page shows errors from 09:30; nobody confirmed the resolution.
"""


def corrections_file(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "fix.yaml"
    p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return p


@pytest.mark.parametrize(
    "text, message",
    [
        ("corrections:\n  a:\n    started_at: 2024-01-01T00:00:00Z\n", "needs a 'reason'"),
        ("corrections:\n  a:\n    begun_at: 2024-01-01T00:00:00Z\n    reason: r\n", "'begun_at' is not a milestone"),
        ("corrections:\n  a:\n    started_at: '2024-01-01 10:00'\n    reason: r\n", "has no zone"),
        ("corrections:\n  a:\n    started_at: 2024-01-01\n    reason: r\n", "is a date"),
        ("corrections:\n  a:\n    started_at: soon\n    reason: r\n", "is not an ISO 8601 time"),
        ("corrections:\n  a:\n    reason: r\n", "names no milestone"),
        ("corrections:\n  - a\n", "must map an incident id"),
        ("corrections:\n  a: 2024-01-01\n", "expected milestones and a reason"),
    ],
)
def test_a_bad_correction_is_refused_with_what_is_wrong(tmp_path, text, message):
    with pytest.raises(RulesError, match=message):
        load_corrections(corrections_file(tmp_path, text))


def test_a_correction_sets_and_clears_with_its_reason(tmp_path):
    c = load_corrections(corrections_file(tmp_path, CORRECTIONS))
    assert len(c) == 1
    corr = c.by_id["shop/2024-03-05-checkout"]
    assert corr.values == (("started", datetime(2024, 3, 5, 9, 30)), ("resolved", None))
    assert corr.reason.startswith("The provider's status page")


def test_an_absent_default_file_is_no_corrections_but_a_named_one_must_exist(tmp_path):
    assert len(load_corrections(tmp_path / "corrections.yaml")) == 0
    with pytest.raises(RulesError):
        load_corrections(tmp_path / "missing.yaml", required=True)


def run(*args):
    return subprocess.run([sys.executable, "-m", "ingest", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)  # fmt: skip


def test_parse_applies_the_corrections_file_beside_the_corpus(tmp_path):
    root = write_corpus(tmp_path / "c", {"shop/2024-03-05-checkout.md": DOC, "corrections.yaml": CORRECTIONS})
    r = run("parse", str(root / "shop/2024-03-05-checkout.md"), "--json", "--root", str(root))
    assert r.returncode == 0, r.stderr
    v = json.loads(r.stdout)
    assert (v["started_at"], v["resolved_at"], v["mitigated_at"]) == ("2024-03-05T09:30:00Z", None,
                                                                      "2024-03-05T10:40:00Z")  # fmt: skip
    ev = v["milestone_evidence"]
    assert (ev["started"]["source"], ev["started"]["reason"]) == ("correction", "The provider's status page shows "
                                                                  "errors from 09:30; nobody confirmed the resolution.")  # fmt: skip
    assert ev["resolved"]["at"] is None and ev["resolved"]["source"] == "correction"
    assert (v["ttd_minutes"], v["ttm_minutes"], v["ttr_minutes"]) == (36, 70, None)


def test_a_bad_corrections_file_stops_the_cli_before_any_document(tmp_path):
    root = write_corpus(tmp_path / "c", {"shop/a.md": DOC})
    bad = corrections_file(tmp_path, "corrections:\n  a:\n    started_at: 2024-01-01T00:00:00Z\n")
    r = run("build", str(root), "--db", str(tmp_path / "db.duckdb"), "--corrections", str(bad), "--no-git", "--quiet")
    assert r.returncode == 2
    assert "needs a 'reason'" in r.stderr
    assert not (tmp_path / "db.duckdb").exists()


@pytest.fixture
def corrected_db(tmp_path, rules):
    root = write_corpus(tmp_path / "c", {"shop/2024-03-05-checkout.md": DOC, "shop/2024-03-09-other.md": DOC})
    fixes = corrections_file(tmp_path, CORRECTIONS + textwrap.dedent("""
      shop/2024-13-99-typo:
        started_at: 2024-03-05T09:30:00Z
        reason: an id that does not exist
    """).replace("\n", "\n  ").rstrip() + "\n")  # fmt: skip
    db = tmp_path / "db.duckdb"
    build(BuildOptions(corpus=[root], db=db, git=False, jobs=1), rules.with_corrections(load_corrections(fixes)))
    con = connect(db)
    yield con
    con.close()


REASON = "The provider's status page shows errors from 09:30; nobody confirmed the resolution."


def test_the_build_stores_corrected_milestones_and_marks_the_durations_on_them(corrected_db):
    con = corrected_db
    assert con.execute("SELECT incident_id, started_at, resolved_at, ttr_minutes FROM incidents ORDER BY 1").fetchall() == [
        ("shop/2024-03-05-checkout", datetime(2024, 3, 5, 9, 30), None, None),
        ("shop/2024-03-09-other", datetime(2024, 3, 5, 10, 0), datetime(2024, 3, 5, 11, 0), 60.0),
    ]  # fmt: skip
    rows = con.execute("SELECT duration_id, minutes, corrected FROM incident_durations "
                       "WHERE incident_id = 'shop/2024-03-05-checkout' ORDER BY duration_id").fetchall()  # fmt: skip
    assert rows == [
        ("tta", 4.0, None),
        ("ttd", 36.0, f"started corrected: {REASON}"),
        ("ttm", 70.0, f"started corrected: {REASON}"),
    ]
    assert con.execute("SELECT milestone, source, reason FROM milestone_evidence WHERE source = 'correction' "
                       "ORDER BY milestone").fetchall() == [("resolved", "correction", REASON),
                                                            ("started", "correction", REASON)]  # fmt: skip


def test_a_correction_for_an_unknown_incident_is_a_build_problem(corrected_db):
    assert corrected_db.execute("SELECT level, code, message FROM problems WHERE code = 'unknown-correction'").fetchall() == [
        ("warning", "unknown-correction", "a correction names incident 'shop/2024-13-99-typo', which the corpus does not "
         "hold; nothing was corrected"),
    ]  # fmt: skip


def test_pages_get_the_correction_and_its_reason(corrected_db):
    d = incidents.detail(corrected_db, "shop/2024-03-05-checkout")
    ms = d["milestones"].set_index("milestone")
    assert ms.loc["started", ["source", "reason"]].tolist() == ["correction", REASON]
    assert "resolved" in ms.index and pd.isna(ms.loc["resolved", "at"])  # cleared, and said so
    assert ms.loc["resolved", ["source", "reason"]].tolist() == ["correction", REASON]
    f = Filters(parse_quarter("2024Q1"), parse_quarter("2024Q1"), date(2024, 12, 31))
    per = durations.per_incident(corrected_db, f, ("ttd",))
    assert per[["incident_id", "minutes"]].values.tolist() == [["shop/2024-03-05-checkout", 36.0],
                                                               ["shop/2024-03-09-other", 6.0]]  # fmt: skip
    assert per["corrected"].fillna("").tolist() == [f"started corrected: {REASON}", ""]


def test_the_incident_page_marks_corrected_figures_with_the_reason(tmp_path, rules):
    root = write_corpus(tmp_path / "c", {"shop/2024-03-05-checkout.md": DOC})
    db = tmp_path / "db.duckdb"
    build(BuildOptions(corpus=[root], db=db, git=False, jobs=1),
          rules.with_corrections(load_corrections(corrections_file(tmp_path, CORRECTIONS))))  # fmt: skip
    at = open_page(db, "views/incidents.py", as_of="2024-12-31", incident="shop/2024-03-05-checkout")
    assert metric(at, "Time to detect ✎") == "36 min"
    assert metric(at, "Time to acknowledge") == "4 min"
    assert ui.md(f"Corrected by hand (durations resting on it are marked ✎): started, resolved: {REASON}") in texts(at)
    evidence = at.dataframe[0].value.set_index("milestone")
    assert evidence.loc["started", "confidence"] == "✎ corrected"
    assert evidence.loc["started", "rule"] == f"corrected by hand: {REASON}"
    assert evidence.loc["detected", "rule"] == "the first alert, report or noticing"
