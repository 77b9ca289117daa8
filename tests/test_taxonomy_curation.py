"""Curating the taxonomy: grouping uncategorized factors, suggesting categories and
patterns, and that pasting a suggestion into the taxonomy file and rebuilding moves
the matching factors out of 'uncategorized' with no code change."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml

from analytics import curation, factors
from analytics.db import connect
from analytics.filters import Filters
from analytics.periods import parse_quarter
from ingest.build import BuildOptions, build
from ingest.understand.rules import DATA_DIR, load_rules
from tests import factors_corpus as fc
from tests.conftest import ROOT

AS_OF = date(2025, 7, 15)
PERIOD = Filters(parse_quarter("2025Q1"), parse_quarter("2025Q2"), AS_OF)


# ---------------------------------------------------------------- words


def test_words_drop_stopwords_short_words_and_plurals():
    assert curation.terms("The caches were NOT evicted: 3 policies, 2x") == ["cache", "evicted", "policy"]
    assert curation.terms("Still under investigation") == ["investigation"]
    assert curation.terms("It was a Friday afternoon") == ["friday", "afternoon"]
    assert curation.terms("") == []
    assert curation.stem("status") == "status" and curation.stem("class") == "class" and curation.stem("bus") == "bus"
    assert curation.words("Caches cache") == [("cache", "caches")]


def test_pattern_for_matches_each_way_a_word_was_written():
    assert curation.pattern_for("cache", {"cache"}) == r"\bcache\b"
    assert curation.pattern_for("cache", {"cache", "caches"}) == r"\bcaches?\b"
    assert curation.pattern_for("policy", {"policy", "policies"}) == r"\b(?:policies|policy)\b"
    for text in ("Cache full", "two CACHES", "policies", "a policy"):
        pats = [curation.pattern_for("cache", {"cache", "caches"}), r"\b(?:policies|policy)\b"]
        assert any(re.search(p, text, re.IGNORECASE) for p in pats), text
    assert not re.search(r"\bcaches?\b", "cached", re.IGNORECASE)


# ------------------------------------------------------------- grouping


def test_group_texts_by_shared_words():
    texts = [
        "Gizmo cache eviction stalled the indexer",  # 0
        "Still under investigation",  # 1
        "Flaky gizmo cache eviction",  # 2
        "Wombat scheduler retried",  # 3
        "The wombat scheduler skipped a batch",  # 4
        "Gizmo cache eviction stalled the indexer",  # 5 (same text again)
        "N/A",  # 6: no significant word
    ]
    groups = curation.group_texts(texts)
    assert [(g.members, g.key) for g in groups] == [
        ((0, 2, 5), "cache"),  # cache, eviction, gizmo tie at 3 factors: alphabetical
        ((3, 4), "scheduler"),  # scheduler and wombat tie at 2: alphabetical
        ((1,), "investigation"),
        ((6,), ""),
    ]
    # distinctive words: in at least half of the group's factors and in two of them, best first
    assert groups[0].terms == ("cache", "eviction", "gizmo", "indexer", "stalled")
    assert groups[0].coverage == pytest.approx((1, 1, 1, 2 / 3, 2 / 3))
    assert groups[1].terms == ("scheduler", "wombat")
    assert groups[2].terms == ("investigation",)
    assert groups[3].terms == ()
    assert sorted(i for g in groups for i in g.members) == list(range(len(texts)))


def test_group_texts_prefers_words_categorized_factors_do_not_use():
    texts = ["Wombat scheduler retried", "The wombat scheduler skipped a batch"]
    g = curation.group_texts(texts, background={"scheduler": 5})
    assert [(x.members, x.key, x.terms) for x in g] == [((0, 1), "wombat", ("wombat", "scheduler"))]


def test_group_texts_greedy_order_and_no_double_counting():
    texts = ["kafka lag", "kafka rebalance", "kafka broker disk", "broker disk full", "rebalance storm"]
    g = curation.group_texts(texts)
    # kafka takes three; what is left shares nothing with another ungrouped text
    assert [(x.members, x.key) for x in g] == [((0, 1, 2), "kafka"), ((3,), "broker"), ((4,), "rebalance")]
    assert curation.group_texts([]) == []


def test_suggest_category_from_label_description_and_pattern_words():
    tax = pd.DataFrame({
        "category": ["capacity-limits", "documentation-gap", "uncategorized"],
        "label": ["Capacity and limits", "Documentation gap", "Uncategorized"],
        "description": ["A resource ran out - connections, memory.", "The runbook was stale.", ""],
        "patterns": [[r"\b(connection pool|max(imum)? connections)\b"], [r"\brunbooks?\b"], []],
        "position": [0, 1, 2],
    })  # fmt: skip
    prof = curation.profiles(tax)
    assert "connection" in prof["capacity-limits"] and "runbook" in prof["documentation-gap"]
    assert "uncategorized" not in prof
    assert curation.suggest_category({"connection": 1.0, "proxy": 1.0}, prof) == ("capacity-limits", 1.0)
    assert curation.suggest_category({"runbook": 0.5, "connection": 0.6}, prof) == ("capacity-limits", 0.6)
    assert curation.suggest_category({"runbook": 0.5}, prof) == ("documentation-gap", 0.5)
    assert curation.suggest_category({"wombat": 1.0}, prof) == (None, 0.0)


# -------------------------------------------------------- on the database


@pytest.fixture(scope="module")
def db(tmp_path_factory, rules):
    return fc.build(tmp_path_factory.mktemp("curation"), rules)


def _curate(db, f=PERIOD):
    con = connect(db)
    try:
        return curation.curate(con, f)
    finally:
        con.close()


def test_curate_groups_the_uncategorized_factors(db):
    cu = _curate(db)
    assert cu["coverage"] == {
        "factors": 26, "uncategorized": 7, "incidents": 8, "incidents_uncategorized": 6, "share": 7 / 26,
    }  # fmt: skip
    g = cu["groups"]
    assert [tuple(r) for r in g[["group", "factors", "incidents", "key", "suggested", "new_id"]].itertuples(index=False)] == [
        (1, 4, 4, "cache", "new", "cache-eviction"),
        (2, 2, 2, "wombat", "new", "wombat"),  # 'scheduler', 'ledger', 'batch' are in categorized factors too
        (3, 1, 1, "investigation", "new", "investigation"),
    ]  # fmt: skip
    assert g["patterns"].tolist() == [
        [r"\bcache\b", r"\beviction\b", r"\bgizmo\b"],
        [r"\bwombat\b"],
        [r"\binvestigation\b"],
    ]
    assert g["example"].tolist()[:2] == [fc.GIZMO, fc.WOMBAT]
    items = cu["items"]
    assert sorted(items.loc[items["group"] == 1, "incident_id"]) == ["H-2", "Q1-1", "Q1-2", "Q2-2"]
    # every group's patterns match every factor of the group
    for grp in g.itertuples():
        for text in items.loc[items["group"] == grp.group, "text"]:
            assert any(re.search(p, text, re.IGNORECASE) for p in grp.patterns), (grp.group, text)
    assert cu["taxonomy_file"] == str(DATA_DIR / "taxonomy.yaml")


def test_curate_follows_team_filters(db):
    cu = _curate(db, Filters(PERIOD.start, PERIOD.end, AS_OF, teams=("payments",)))
    assert cu["coverage"]["uncategorized"] == 3
    assert cu["groups"]["key"].tolist() == ["wombat", "cache"]  # 'Flaky gizmo cache eviction' alone


def test_snippets_are_valid_yaml(db):
    cu = _curate(db)
    first = yaml.safe_load(cu["groups"]["snippet"].iloc[0])
    assert first == [{
        "id": "cache-eviction", "label": "Cache eviction",
        "description": "Suggested from 4 uncategorized factors (cache, eviction, gizmo); describe it here.",
        "patterns": [r"\bcache\b", r"\beviction\b", r"\bgizmo\b"],
        "examples": [fc.GIZMO],
    }]  # fmt: skip
    everything = yaml.safe_load(cu["snippet"])  # groups of two or more factors
    assert [c["id"] for c in everything] == ["cache-eviction", "wombat"]


def test_check_patterns_counts_what_would_move(db):
    con = connect(db)
    try:
        hits = curation.check_patterns(con, PERIOD, (r"\bcache\b", r"\bbatch\b"))
        assert [tuple(r) for r in hits[["category", "factors"]].itertuples(index=False)] == [
            ("uncategorized", 6), ("capacity-limits", 1),
        ]  # fmt: skip
    finally:
        con.close()


def _with_categories(tmp: Path, new: list[dict], extra_patterns: dict[str, list[str]] | None = None) -> Path:
    """A copy of data/taxonomy.yaml with the new categories before 'uncategorized'."""
    doc = yaml.safe_load((DATA_DIR / "taxonomy.yaml").read_text())
    cats = doc["categories"]
    for c in cats:
        c["patterns"] = (c.get("patterns") or []) + (extra_patterns or {}).get(c["id"], [])
    doc["categories"] = cats[:-1] + new + cats[-1:]
    path = tmp / "taxonomy.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_adding_the_suggested_category_moves_the_factors(db, tmp_path):
    """The issue's 'done when': extend the taxonomy file, rebuild, no code change."""
    before = _curate(db)
    snippet = before["groups"]["snippet"].iloc[0]
    tax = _with_categories(tmp_path, yaml.safe_load(snippet))
    db2 = fc.build(tmp_path, None, taxonomy_rules=load_rules(taxonomy=tax))
    con = connect(db2)
    try:
        moved = factors.factor_texts(con, PERIOD.all_time(), "cache-eviction")
        assert sorted(moved["incident_id"]) == ["H-2", "Q1-1", "Q1-2", "Q2-2"]
        assert factors.factor_texts(con, PERIOD.all_time(), "uncategorized")["text"].tolist() == [
            "Still under investigation", fc.WOMBAT, "Wombat scheduler retried the ledger batch twice",
        ]  # fmt: skip
        r = factors.ranked(con, PERIOD).set_index("category")
        assert r.loc["cache-eviction", "label"] == "Cache eviction"
        assert r.loc["cache-eviction", "incidents"] == 3  # Q1-1, Q1-2, Q2-2 in the period
        after = curation.curate(con, PERIOD)
        assert after["coverage"]["uncategorized"] == 3
        assert after["groups"]["key"].tolist() == ["wombat", "investigation"]
        assert after["taxonomy_file"] == str(tax)
    finally:
        con.close()


def test_adding_patterns_to_an_existing_category(build_db, tmp_path, rules):
    """A group whose words the taxonomy already uses gets 'add these patterns to X'."""
    files = {
        f"ops/{n}.yaml": f"id: {n}\nteam: ops\nseverity: SEV3\ncontributing_factors:\n  - {{text: {t}}}\n"
        f"timeline:\n  - {{at: '2025-0{i + 1}-01T10:00:00Z', kind: start, text: Began}}\n"
        for i, (n, t) in enumerate([("A", "Connections piled up on the proxy"), ("B", "Proxy connections leaked"),
                                    ("C", "Disk on the primary filled up")])
    }  # fmt: skip
    built = build_db(files, as_of=AS_OF)
    con = connect(built.db)
    try:
        cu = curation.curate(con, PERIOD)
    finally:
        con.close()
    [g] = cu["groups"].itertuples()
    assert (g.key, g.suggested, g.suggested_label) == ("connection", "capacity-limits", "Capacity and limits")
    assert g.patterns == [r"\bconnections\b", r"\bproxy\b"]
    assert g.snippet.startswith("# add to the patterns of the category 'capacity-limits'")
    patterns = yaml.safe_load(g.snippet)
    tax = _with_categories(tmp_path, [], {"capacity-limits": patterns})
    build(BuildOptions(corpus=[tmp_path / "corpus"], db=tmp_path / "b.duckdb", git=False, jobs=1, as_of=AS_OF,
                       progress=False), load_rules(taxonomy=tax))  # fmt: skip
    con = connect(tmp_path / "b.duckdb")
    try:
        assert curation.coverage(con, PERIOD.all_time())["uncategorized"] == 0
        assert factors.ranked(con, PERIOD).set_index("category").loc["capacity-limits", "incidents"] == 3
    finally:
        con.close()


# ------------------------------------------------------- the sample corpus

SAMPLE = ROOT / "data" / "sample"


@pytest.mark.slow
@pytest.mark.skipif(not SAMPLE.is_dir(), reason="data/sample does not exist yet (generated by benchmarks/corpusgen)")
def test_sample_corpus_leaves_under_10_percent_uncategorized(tmp_path, rules):
    tickets, people = ROOT / "data" / "tickets.csv", ROOT / "data" / "people.yaml"
    db = tmp_path / "sample.duckdb"
    build(BuildOptions(corpus=[SAMPLE], db=db, tickets=tickets if tickets.exists() else None,
                       people=people if people.exists() else None, git=False, progress=False), rules)  # fmt: skip
    con = connect(db)
    try:
        cov = curation.coverage(con, Filters(parse_quarter("1900Q1"), parse_quarter("2999Q4"), date(2999, 12, 31)))
    finally:
        con.close()
    assert cov["factors"] > 100
    assert cov["share"] < 0.10, f"{cov['uncategorized']} of {cov['factors']} factors uncategorized"


def test_example_snippet_is_yaml_for_the_categorys_examples():
    text = curation.example_snippet(
        "process-gap", ["The wombat  scheduler skipped it", "It's the wombat", "It's the wombat"]
    )
    assert text.splitlines()[0] == (
        "# in the taxonomy file, under the category 'process-gap', add to its `examples:` (or add the key), then rebuild:"
    )
    assert yaml.safe_load(text) == {"examples": ["The wombat scheduler skipped it", "It's the wombat"]}


def test_an_added_example_files_the_factors_worded_like_it(db, tmp_path):
    """The curation page's other snippet: an example sentence teaches a category, no pattern written."""
    doc = yaml.safe_load((DATA_DIR / "taxonomy.yaml").read_text())
    [proc] = [c for c in doc["categories"] if c["id"] == "process-gap"]
    proc["examples"] += yaml.safe_load(curation.example_snippet("process-gap", [fc.WOMBAT]))["examples"]
    tax = tmp_path / "taxonomy.yaml"
    tax.write_text(yaml.safe_dump(doc, sort_keys=False))
    con = connect(fc.build(tmp_path, None, taxonomy_rules=load_rules(taxonomy=tax)))
    try:
        moved = factors.factor_texts(con, PERIOD.all_time(), "process-gap")
        rows = moved[moved["text"].str.contains("wombat", case=False)]
        # the example itself, and the other wording that shares its rare words ('wombat', 'scheduler', 'ledger', 'batch')
        assert sorted(rows["text"]) == [fc.WOMBAT, "Wombat scheduler retried the ledger batch twice"]
        assert set(rows["why"]) == {f'like "{fc.WOMBAT}"'}
        left = factors.factor_texts(con, PERIOD.all_time(), "uncategorized")["text"].tolist()
        assert not [t for t in left if "wombat" in t.lower()]
    finally:
        con.close()
