"""The parsed rows on their way to the database, a chunk at a time.

The parser processes send back each chunk of files as Arrow tables (one per staging table). Held in the
build's process until loading, they grew its memory with the corpus (1.7 GiB at 100,000 documents).
The spool appends each chunk to a DuckDB file beside the database as it arrives and lets the Arrow
buffers go, so the build holds one chunk at a time; staging then copies the spooled tables into the new
database in one statement each. The file is removed when the build ends, or by the next build when
this one was killed (its name carries the process id, like the database being built)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import duckdb
import pyarrow as pa

SUFFIX = "rows"  # .<db name>.rows-<pid>


def spool_path(db: Path, pid: int) -> Path:
    return db.with_name(f".{db.name}.{SUFFIX}-{pid}")


class Spool:
    """Staging rows appended chunk by chunk to a DuckDB file (tables named as ingest.load.rows.STAGING)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.con: duckdb.DuckDBPyConnection | None = None
        self.remove()  # a killed build's file of the same name
        self.con = duckdb.connect(str(self.path))
        self.tables: set[str] = set()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()

    def add(self, tables: dict[str, pa.Table]) -> None:
        """Append one chunk's tables (a table's first chunk creates it, with that chunk's Arrow schema)."""
        assert self.con is not None, "the spool is closed"
        for name, tbl in tables.items():
            if name in self.tables and tbl.num_rows == 0:
                continue
            self.con.register("_chunk", tbl)
            if name in self.tables:
                self.con.execute(f'INSERT INTO "{name}" SELECT * FROM _chunk')
            else:
                self.con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _chunk')
                self.tables.add(name)
            self.con.unregister("_chunk")

    def close(self) -> None:
        """Finish writing (another connection may then attach the file)."""
        if self.con is not None:
            self.con.close()
            self.con = None

    def remove(self) -> None:
        self.close()
        for p in (self.path, Path(str(self.path) + ".wal")):
            with contextlib.suppress(OSError):
                p.unlink()
