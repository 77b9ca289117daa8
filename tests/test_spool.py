"""The spool: parsed rows go to a file chunk by chunk (the build holds one chunk at a time), reach the new
database in the order they came, and the file never outlives its build."""

from __future__ import annotations

import os

import duckdb
import pyarrow as pa

from ingest.build import BuildOptions, build
from ingest.load.spool import Spool, spool_path
from tests.conftest import build_corpus
from tests.small_corpus import files


def test_chunks_are_appended_in_order_with_their_types(tmp_path):
    schema = pa.schema([("path", pa.string()), ("line", pa.int32())])
    with Spool(tmp_path / "s.rows") as s:
        s.add({"documents": pa.table({"path": ["a", "b"], "line": pa.array([1, None], pa.int32())}, schema=schema)})
        s.add({"documents": pa.table({"path": [], "line": pa.array([], pa.int32())}, schema=schema)})
        s.add({"documents": pa.table({"path": ["c"], "line": pa.array([3], pa.int32())}, schema=schema)})
        s.close()
        con = duckdb.connect(str(s.path), read_only=True)
        assert con.execute("SELECT * FROM documents").fetchall() == [("a", 1), ("b", None), ("c", 3)]
        assert [r[1] for r in con.execute("DESCRIBE documents").fetchall()] == ["VARCHAR", "INTEGER"]
        con.close()
        assert s.tables == {"documents"}
    assert not (tmp_path / "s.rows").exists()


def test_a_build_leaves_no_spool_and_clears_a_killed_builds(tmp_path, rules):
    db = build_corpus(tmp_path, files(), rules)
    assert not [p for p in tmp_path.rglob("*") if ".rows-" in p.name]
    stale = spool_path(db, 2**22 + 7)  # no such process
    stale.write_bytes(b"left by a killed build")
    build(BuildOptions(corpus=[tmp_path / "corpus"], db=db, git=False, jobs=1), rules)
    assert not stale.exists()
    assert not spool_path(db, os.getpid()).exists()
