"""Rebuilds: unchanged files reuse their rows; a failed build leaves the old database whole."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import duckdb
import pytest

from analytics.db import connect
from ingest.build import BuildError, BuildOptions, build
from tests.conftest import write_corpus

DOC = """
# Postmortem: Outage {n}

**Date:** 2024-0{n}-10
**Severity:** SEV3

## Timeline

| Time | Event |
|---|---|
| 10:00 | Config pushed to production |
| 10:05 | Alert fired |
| 10:40 | Service fully recovered, incident resolved |

## Action Items

| Priority | Action | Owner | Due Date | Ticket |
|---|---|---|---|---|
| P1 | Validate config in CI | @ana | 2024-0{n}-20 | OPS-{n} |
"""


def _opts(corpus: Path, db: Path, **kw) -> BuildOptions:
    return BuildOptions(corpus=[corpus], db=db, git=False, jobs=1, **kw)


def _dump(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            t: con.execute(
                f"SELECT * EXCLUDE (reused) FROM {t} ORDER BY ALL"
                if t == "sources"
                else f"SELECT * FROM {t} ORDER BY ALL"
            ).fetchall()
            for t in ("sources", "incidents", "timeline_events", "action_items", "problems", "quality_findings")
        }
    finally:
        con.close()


def test_rebuild_reuses_unchanged_files_and_gives_the_same_database(tmp_path, rules):
    corpus = write_corpus(tmp_path / "c", {f"t/2024-0{n}-10.md": DOC.format(n=n) for n in range(1, 5)})
    db = tmp_path / "x.duckdb"
    first = build(_opts(corpus, db), rules)
    before = _dump(db)
    (corpus / "t/2024-03-10.md").write_text(DOC.format(n=3).replace("10:40", "10:50"))
    second = build(_opts(corpus, db), rules)
    assert (first.parsed, first.reused) == (4, 0)
    assert (second.parsed, second.reused) == (1, 3)
    after = _dump(db)
    ttr = {r[0]: r[22] for r in after["incidents"]}
    assert ttr == {"t/2024-01-10": 40.0, "t/2024-02-10": 40.0, "t/2024-03-10": 50.0, "t/2024-04-10": 40.0}
    # Everything but the changed incident is identical to a full build.
    full = tmp_path / "full.duckdb"
    build(_opts(corpus, full, full=True), rules)
    assert _dump(full) == after
    assert before["incidents"][0] == after["incidents"][0]


def test_a_touched_but_unchanged_file_is_reused_by_its_hash(tmp_path, rules):
    corpus = write_corpus(tmp_path / "c", {"a/2024-01-10.md": DOC.format(n=1), "a/2024-02-10.md": DOC.format(n=2)})
    db = tmp_path / "x.duckdb"
    build(_opts(corpus, db), rules)
    os.utime(corpus / "a/2024-01-10.md", ns=(10**18, 10**18))
    again = build(_opts(corpus, db), rules)
    assert (again.parsed, again.reused) == (0, 2)
    con = connect(db)
    try:
        assert con.execute("SELECT mtime_ns FROM sources WHERE relpath = 'a/2024-01-10.md'").fetchone() == (10**18,)
    finally:
        con.close()


def test_changed_rules_force_a_full_reparse(tmp_path, rules):
    corpus = write_corpus(tmp_path / "c", {"a/2024-01-10.md": DOC.format(n=1)})
    db = tmp_path / "x.duckdb"
    build(_opts(corpus, db), rules)
    rules.fingerprint, saved = "something-else", rules.fingerprint
    try:
        again = build(_opts(corpus, db), rules)
    finally:
        rules.fingerprint = saved
    assert (again.parsed, again.reused) == (1, 0)


def test_failed_build_leaves_previous_database_whole(tmp_path, rules, monkeypatch):
    corpus = write_corpus(tmp_path / "c", {"a/2024-01-10.md": DOC.format(n=1)})
    db = tmp_path / "x.duckdb"
    build(_opts(corpus, db), rules)
    before = _dump(db)
    write_corpus(corpus, {"a/2024-02-10.md": DOC.format(n=2)})

    def boom(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("ingest.load.finalise.quality.compute", boom)
    with pytest.raises(RuntimeError, match="disk on fire"):
        build(_opts(corpus, db), rules)
    assert _dump(db) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".x.duckdb")] == []


def test_stale_temporary_file_of_a_killed_build_is_removed(tmp_path, rules):
    corpus = write_corpus(tmp_path / "c", {"a/2024-01-10.md": DOC.format(n=1)})
    db = tmp_path / "x.duckdb"
    stale = tmp_path / ".x.duckdb.building-999999999"
    stale.write_bytes(b"half a database")
    build(_opts(corpus, db), rules)
    assert not stale.exists()
    assert db.exists()


def test_reader_keeps_its_database_while_a_build_swaps_in_a_new_one(tmp_path, rules):
    corpus = write_corpus(tmp_path / "c", {"a/2024-01-10.md": DOC.format(n=1)})
    db = tmp_path / "x.duckdb"
    build(_opts(corpus, db), rules)
    reader = connect(db)
    try:
        write_corpus(corpus, {"a/2024-02-10.md": DOC.format(n=2)})
        build(_opts(corpus, db), rules)
        assert reader.execute("SELECT count(*) FROM incidents").fetchone() == (1,)
        fresh = connect(db)
        assert fresh.execute("SELECT count(*) FROM incidents").fetchone() == (2,)
        fresh.close()
    finally:
        reader.close()


def test_missing_corpus_is_a_clear_error(tmp_path, rules):
    with pytest.raises(BuildError, match="no such folder"):
        build(_opts(tmp_path / "nope", tmp_path / "x.duckdb"), rules)
    assert not os.path.exists(tmp_path / "x.duckdb")


def test_an_unchanged_tickets_file_is_reused_and_gives_the_same_tables(tmp_path, rules):
    corpus = write_corpus(tmp_path / "c", {"a/2024-01-10.md": DOC.format(n=1)})
    tickets = tmp_path / "t.csv"
    tickets.write_text("Issue key,Status,Resolved,Sprint\nOPS-1,Done,2024-01-15,S1\nOPS-1,Open,,S2\n,x,,\n")
    db, full = tmp_path / "x.duckdb", tmp_path / "full.duckdb"
    build(_opts(corpus, db, tickets=tickets), rules)
    build(_opts(corpus, db, tickets=tickets), rules)
    build(_opts(corpus, full, tickets=tickets, full=True), rules)
    for path in (db, full):
        con = connect(path)
        try:
            got = (con.execute("SELECT * FROM tickets ORDER BY ALL").fetchall(),
                   con.execute("SELECT * FROM problems ORDER BY ALL").fetchall(),
                   con.execute("SELECT status, done_at FROM action_items").fetchall())  # fmt: skip
        finally:
            con.close()
        if path == db:
            first = got
    assert got == first
    assert first[2] == [("done", date(2024, 1, 15))]
    assert [p[4] for p in first[1]] == ["tickets-columns", "tickets-duplicate", "tickets-row"]
