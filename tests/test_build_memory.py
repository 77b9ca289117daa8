"""The build keeps its memory flat as the corpus grows: parser workers hand
their rows over as Parquet files (the build holds names, not rows), and a
large tickets export is read in a child process. Neither changes a row."""

from __future__ import annotations

import duckdb

import ingest.build as build_module
import ingest.load.finalise as finalise_module
import ingest.parse_files as parse_files
from ingest.build import BuildOptions, build
from tests.conftest import write_corpus
from tests.test_rebuild import DOC, _dump

TICKETS = "Issue key,Status,Resolved,Due date\nOPS-1,Done,2024-01-15,\nOPS-2,Open,,2024-02-01\nOPS-1,Open,,\n,x,,\n"


def _corpus(tmp_path, n: int = 6):
    return write_corpus(tmp_path / "c", {f"t/2024-0{k}-10.md": DOC.format(n=k) for k in range(1, n + 1)})


def _tables(db) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                for t in ("tickets", "action_items", "action_item_owners", "incident_durations")}  # fmt: skip
    finally:
        con.close()


def test_parallel_workers_hand_rows_over_as_parquet_files_and_the_database_is_the_same(tmp_path, rules, monkeypatch):
    corpus = _corpus(tmp_path)
    serial = tmp_path / "serial.duckdb"
    build(BuildOptions(corpus=[corpus], db=serial, git=False, jobs=1), rules)
    handed: list = []
    real = finalise_module.stage

    def stage(con, tables, *args, **kw):
        handed.extend(p for parts in tables.values() for p in parts)
        return real(con, tables, *args, **kw)

    monkeypatch.setattr(parse_files, "PARALLEL_THRESHOLD", 2)
    monkeypatch.setattr(parse_files, "CHUNK", 1)  # several chunks to each worker, appended to its files
    monkeypatch.setattr(parse_files, "CHUNKS_PER_FILE", 2)  # and a new file every second chunk
    monkeypatch.setattr(build_module, "stage_tables", stage)
    par = tmp_path / "par.duckdb"
    summary = build(BuildOptions(corpus=[corpus], db=par, git=False, jobs=2), rules)
    assert summary.incidents == 6
    assert handed and all(isinstance(p, str) and p.endswith(".parquet") for p in handed)
    assert len(handed) == len(set(handed))
    assert len([p for p in handed if "/documents-" in p]) >= 3  # 6 chunks, 2 to a file, over 1 or 2 workers
    assert _dump(par) == _dump(serial)
    assert [p.name for p in tmp_path.iterdir() if ".building-" in p.name] == []  # the spool folder is gone


def test_the_spool_folder_of_a_killed_build_is_removed_by_the_next(tmp_path, rules):
    corpus = _corpus(tmp_path, 1)
    db = tmp_path / "x.duckdb"
    stale = tmp_path / ".x.duckdb.building-999999999.spool"
    stale.mkdir()
    (stale / "documents-1-1.parquet").write_bytes(b"half a chunk")
    build(BuildOptions(corpus=[corpus], db=db, git=False, jobs=1), rules)
    assert not stale.exists()


def test_a_large_tickets_file_read_in_a_child_process_gives_the_same_tables_and_problems(tmp_path, rules, monkeypatch):
    corpus = _corpus(tmp_path, 2)
    tickets = tmp_path / "t.csv"
    tickets.write_text(TICKETS)
    here, there = tmp_path / "here.duckdb", tmp_path / "there.duckdb"
    build(BuildOptions(corpus=[corpus], db=here, git=False, jobs=1, tickets=tickets), rules)
    pools: list = []
    real = build_module.ProcessPoolExecutor

    def pool(*args, **kw):
        pools.append(kw)
        return real(*args, **kw)

    monkeypatch.setattr(build_module, "TICKETS_IN_CHILD_BYTES", 10)
    monkeypatch.setattr(build_module, "ProcessPoolExecutor", pool)
    build(BuildOptions(corpus=[corpus], db=there, git=False, jobs=1, tickets=tickets), rules)
    assert len(pools) == 1
    assert _tables(there) == _tables(here)
    assert _dump(there) == _dump(here)  # the tickets file's problems included
    assert [r[0] for r in _tables(here)["tickets"]] == ["OPS-1", "OPS-2"]


def test_a_full_build_takes_unchanged_tickets_from_the_previous_database(tmp_path, rules, monkeypatch):
    corpus = _corpus(tmp_path, 2)
    tickets = tmp_path / "t.csv"
    tickets.write_text(TICKETS)
    db = tmp_path / "x.duckdb"
    build(BuildOptions(corpus=[corpus], db=db, git=False, jobs=1, tickets=tickets), rules)
    before, codes = _tables(db), _ticket_problems(db)
    assert codes == ["tickets-duplicate", "tickets-row"]
    people = tmp_path / "people.yaml"
    people.write_text("- handle: ana\n  team: payments\n")  # a new people file: not a rebuild in place

    def not_read(opts):
        raise AssertionError("the tickets file is read again")

    monkeypatch.setattr(build_module, "_read_tickets", not_read)
    build(BuildOptions(corpus=[corpus], db=db, git=False, jobs=1, tickets=tickets, people=people), rules)
    assert _tables(db)["tickets"] == before["tickets"]
    assert _ticket_problems(db) == codes


def _ticket_problems(db) -> list[str]:
    return sorted(p[4] for p in _dump(db)["problems"] if p[4].startswith("tickets"))


def test_a_corpus_that_needs_more_than_the_memory_limits_is_built_again_without_them(tmp_path, rules, monkeypatch):
    corpus = _corpus(tmp_path)
    serial = tmp_path / "serial.duckdb"
    build(BuildOptions(corpus=[corpus], db=serial, git=False, jobs=1), rules)
    monkeypatch.setattr(parse_files, "PARALLEL_THRESHOLD", 2)
    monkeypatch.setattr(build_module, "BUILD_MEMORY_LIMITS", ("1MB", "2MB"))  # no table fits
    tried = _tried_limits(monkeypatch)
    par = tmp_path / "par.duckdb"
    summary = build(BuildOptions(corpus=[corpus], db=par, git=False, jobs=2), rules)
    assert tried == ["1MB", "2MB", None] and "over the memory limit" in summary.stages
    assert _dump(par) == _dump(serial)
    assert [p.name for p in tmp_path.iterdir() if ".building-" in p.name] == []


def test_a_corpus_that_needs_more_than_the_first_limit_is_built_again_at_the_next(tmp_path, rules, monkeypatch):
    corpus = _corpus(tmp_path)
    serial = tmp_path / "serial.duckdb"
    build(BuildOptions(corpus=[corpus], db=serial, git=False, jobs=1), rules)
    monkeypatch.setattr(parse_files, "PARALLEL_THRESHOLD", 2)
    monkeypatch.setattr(build_module, "BUILD_MEMORY_LIMITS", ("1MB", "64MB"))
    tried = _tried_limits(monkeypatch)
    par = tmp_path / "par.duckdb"
    build(BuildOptions(corpus=[corpus], db=par, git=False, jobs=2), rules)
    assert tried == ["1MB", "64MB"]
    assert _dump(par) == _dump(serial)


def _tried_limits(monkeypatch) -> list:
    tried, real = [], build_module._open
    monkeypatch.setattr(build_module, "_open", lambda path, limit: tried.append(limit) or real(path, limit))
    return tried


def test_a_rebuild_in_place_runs_within_the_largest_limit(tmp_path, rules, monkeypatch):
    corpus = _corpus(tmp_path)
    monkeypatch.setattr(parse_files, "PARALLEL_THRESHOLD", 2)
    monkeypatch.setattr(build_module, "BUILD_MEMORY_LIMITS", ("1MB", "64MB"))
    db = tmp_path / "x.duckdb"
    build(BuildOptions(corpus=[corpus], db=db, git=False, jobs=2), rules)
    (corpus / "t/2024-01-10.md").write_text(DOC.format(n=1) + "\nOne more line.\n")
    tried = _tried_limits(monkeypatch)
    summary = build(BuildOptions(corpus=[corpus], db=db, git=False, jobs=2), rules)
    assert tried == ["64MB"]
    assert "in place: copy" in summary.stages and "in place, abandoned" not in summary.stages
    assert summary.incidents == 6


def test_a_rebuild_in_place_over_the_limit_is_a_full_build_after_all(tmp_path, rules, monkeypatch):
    corpus = _corpus(tmp_path)
    monkeypatch.setattr(parse_files, "PARALLEL_THRESHOLD", 2)
    db = tmp_path / "x.duckdb"
    build(BuildOptions(corpus=[corpus], db=db, git=False, jobs=2), rules)
    (corpus / "t/2024-01-10.md").write_text(DOC.format(n=1) + "\nOne more line.\n")
    monkeypatch.setattr(build_module, "BUILD_MEMORY_LIMITS", ("1MB",))  # nothing fits: in place, nor the full build's
    tried = _tried_limits(monkeypatch)
    summary = build(BuildOptions(corpus=[corpus], db=db, git=False, jobs=2), rules)
    assert tried == ["1MB", "1MB", None]
    assert "in place, abandoned" in summary.stages and "over the memory limit" in summary.stages
    fresh = tmp_path / "fresh.duckdb"
    monkeypatch.undo()
    build(BuildOptions(corpus=[corpus], db=fresh, git=False, jobs=1), rules)
    assert _dump(db) == _dump(fresh)
    assert [p.name for p in tmp_path.iterdir() if ".building-" in p.name] == []
