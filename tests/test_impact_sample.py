"""The bundled sample: the parser reads exactly the impact figures, related incidents and typed
action items the generator's manifest says it wrote, and the quarterly review shows the totals
those figures add up to, with their n."""

from __future__ import annotations

import json
from datetime import date

import pytest

from analytics import impact
from analytics.db import connect
from analytics.filters import Filters
from analytics.periods import parse_quarter
from ingest.build import BuildOptions, build
from ingest.understand.parser import parse_file
from tests.apptest import metric, open_page, texts
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "sample"
MANIFEST = ROOT / "data" / "sample-manifest.json"
pytestmark = pytest.mark.skipif(not SAMPLE.is_dir(), reason="data/sample does not exist (benchmarks/corpusgen)")


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def db(tmp_path_factory, rules, manifest):
    path = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    build(BuildOptions(corpus=[SAMPLE], db=path, tickets=ROOT / "data" / "tickets.csv",
                       people=ROOT / "data" / "people.yaml", git=False, jobs=1,
                       as_of=date.fromisoformat(manifest["as_of"])), rules)  # fmt: skip
    return path


def test_parser_reads_the_figures_the_generator_wrote(rules, manifest):
    bad, figures, related, typed = [], 0, 0, 0
    for e in manifest["files"]:
        if e["outcome"] not in ("incident", "attached"):
            continue
        view = parse_file(SAMPLE / e["path"], rules, root=SAMPLE).to_json()
        got = {x["metric"]: x for x in view["impact"]}
        want = e.get("impact", {})
        if set(got) != set(want):
            bad.append(f"{e['path']}: metrics {sorted(got)}, expected {sorted(want)}")
        for name, w in want.items():
            g = got.get(name)
            figures += 1
            if g is None:
                continue
            have = {"flag": g["flag"]} if "flag" in w else {k: g[k] for k in ("value", "qualifier", "currency")}
            if have != w:
                bad.append(f"{e['path']}: {name} {have}, expected {w}")
        keys = [r["key"] for r in view["related_incidents"]]
        if keys != ([e["related"]] if e.get("related") else []):
            bad.append(f"{e['path']}: related {keys}, expected {e.get('related')}")
        related += bool(keys)
        n_typed = sum(a["type_source"] == "column" for a in view["action_items"])
        typed += n_typed
        if n_typed != e.get("typed_actions", 0):
            bad.append(f"{e['path']}: {n_typed} items typed by a column, expected {e.get('typed_actions', 0)}")
    assert not bad, "\n".join(bad[:20])
    assert figures > 400 and related > 40 and typed > 30  # the sample exercises all three


def test_every_related_incident_of_the_sample_resolves(db):
    con = connect(db)
    try:
        rows = con.execute("SELECT count(*), count(*) FILTER (WHERE resolved) FROM incident_links").fetchone()
        assert rows[0] > 40 and rows[0] == rows[1]
    finally:
        con.close()


def _expected(db, manifest, quarter: str, metric: str) -> tuple[float, int]:
    """The manifest's figures summed over the incidents the database places in the quarter."""
    con = connect(db)
    try:
        q = parse_quarter(quarter)
        ids = {r[0] for r in con.execute("SELECT incident_id FROM incidents WHERE occurred_at >= ? AND occurred_at < ?",
                                         [q.start, q.end]).fetchall()}  # fmt: skip
    finally:
        con.close()
    vals = [e["impact"][metric]["value"] for e in manifest["files"]
            if e.get("incident_id") in ids and e["outcome"] == "incident" and metric in e.get("impact", {})
            and e["impact"][metric]["qualifier"] != "unknown"]  # fmt: skip
    return sum(vals), len(vals)


def test_the_sample_review_shows_impact_totals_with_their_n(db, manifest):
    q = parse_quarter("2026Q3")
    con = connect(db)
    try:
        s = impact.summary(con, Filters(q, q, date.fromisoformat(manifest["as_of"])))
    finally:
        con.close()
    for m in ("customers_affected", "support_tickets"):
        total, n = _expected(db, manifest, "2026Q3", m)
        assert (s[m]["sum"], s[m]["n_reporting"]) == (total, n), m
    at = open_page(db, quarter="2026Q3", as_of=manifest["as_of"])
    total, n = _expected(db, manifest, "2026Q3", "customers_affected")
    assert metric(at, "Customers affected") == f"{total:,.0f}"
    assert f"n = {n} of {s['incidents']}" in texts(at)
    assert metric(at, "Support tickets") == f"{s['support_tickets']['sum']:,.0f}"
