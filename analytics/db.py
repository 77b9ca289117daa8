"""Read-only connections to the database the ingest built.

The file is opened by ATTACHing it to a fresh in-memory DuckDB instance
rather than with duckdb.connect(path): connect() shares one instance per path
within a process, so after `ingest build` swaps in a new file a new connect()
would still be handed the old one while any old connection lives. ATTACH
reads the file that is at the path now. A connection refuses concurrent calls,
so callers take a cursor per query (`query`)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

ALIAS = "incidents_db"
DEFAULT_DB = Path(os.environ.get("INCIDENTS_DB", "incidents.duckdb"))
# DuckDB's own default is 80% of the machine's memory, in the dashboard's process. A dashboard reads a few
# hundred MB at most (the file's hot pages and one query's hash tables); past the limit DuckDB spills to
# a temporary directory rather than growing. Both can be set in the environment.
MEMORY_LIMIT = os.environ.get("INCIDENTS_DB_MEMORY_LIMIT", "384MB")
THREADS = int(os.environ.get("INCIDENTS_DB_THREADS", "0") or 0) or min(os.cpu_count() or 1, 4)
# What a stored value may be for the pages to use it. A database may hold a date before year 1000 or after
# 9999 (Python's dates stop at 9999; such a date in a postmortem is a typo) or an infinite or 400-digit
# figure: read as unknown, like a value the document did not give, so no page or report trips over it.
FIRST_TIME = pd.Timestamp("1000-01-01")
LAST_TIME = pd.Timestamp("9999-12-31 23:59:59")
MAX_FIGURE = 1e15  # above it a float no longer holds every integer, and no incident figure is real


class MissingDatabase(FileNotFoundError):
    pass


def connect(path: str | os.PathLike) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the database at `path`, session zone UTC, DuckDB's memory
    limited to MEMORY_LIMIT and its threads to THREADS."""
    path = Path(path)
    if not path.is_file():
        raise MissingDatabase(f"{path}: no database here; build one with `python -m ingest build CORPUS --db {path}`")
    config = {"autoinstall_known_extensions": False, "autoload_known_extensions": False,
              "memory_limit": MEMORY_LIMIT, "threads": THREADS,
              "temp_directory": os.path.join(tempfile.gettempdir(), f"incidents-duckdb-{os.getpid()}")}  # fmt: skip
    con = duckdb.connect(":memory:", config=config)
    con.execute(f"ATTACH ? AS {ALIAS} (READ_ONLY)", [str(path)])
    con.execute(f"USE {ALIAS}")
    con.execute("SET TimeZone = 'UTC'")
    return con


def generation(path: str | os.PathLike) -> tuple[int, int]:
    """(inode, mtime in ns) of the file: a new value means a new build was swapped in."""
    st = os.stat(path)
    return st.st_ino, st.st_mtime_ns


@contextlib.contextmanager
def cursor(con: duckdb.DuckDBPyConnection):
    """A cursor of its own (safe from several threads), on the database's catalog, closed after use."""
    cur = con.cursor()
    try:
        cur.execute(f"USE {ALIAS}")  # a cursor starts in the in-memory catalog
        yield cur
    finally:
        cur.close()


def query(con: duckdb.DuckDBPyConnection, sql: str, params: list | tuple | None = None) -> pd.DataFrame:
    """Run one query on its own cursor (safe from several threads) -> DataFrame."""
    with cursor(con) as cur:
        return readable(cur.execute(sql, params or []).df())


def fetch(con: duckdb.DuckDBPyConnection, sql: str, params: list | tuple | None = None) -> list[tuple]:
    """Run one query on its own cursor -> its rows as tuples: for text written out row by row, where a
    DataFrame would only be built to be taken apart again."""
    with cursor(con) as cur:
        return cur.execute(sql, params or []).fetchall()


# Arrow types text_frame converts itself, as query() would give them: text, numbers, naive timestamps.
_INTS = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
}


def _plain_type(t: pa.DataType) -> bool:
    return (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_floating(t) or t in _INTS
            or (pa.types.is_timestamp(t) and t.tz is None))  # fmt: skip


def _text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t)


def text_frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | tuple | None = None) -> pd.DataFrame:
    """query() for a frame of many text rows: read through Arrow, which pandas keeps as it is, where DuckDB's own
    conversion makes a Python string of every cell for pandas to convert back (a third of the time of a list of
    50,000 factor sentences). The same frame as query() (an integer column with NULLs is a nullable integer
    column); a result with any other column type is read by query()."""
    with cursor(con) as cur:
        table = cur.sql(sql, params=list(params or [])).to_arrow_table()
    # pandas infers the type of DuckDB's Python strings: a column of no strings at all (no rows, every value
    # NULL) is then no text column; such a frame is left to query(), as is any other column type.
    if not all(_plain_type(c.type) and not (_text(c.type) and c.null_count == len(c)) for c in table.columns):
        return query(con, sql, params)
    cols = {}
    for name, col in zip(table.column_names, table.columns, strict=True):
        nullable_int = col.type in _INTS and col.null_count > 0
        cols[name] = col.to_pandas(types_mapper=_INTS.get) if nullable_int else col.to_pandas()
    return readable(pd.DataFrame(cols, columns=table.column_names))


def readable(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with every date outside FIRST_TIME..LAST_TIME and every number beyond MAX_FIGURE
    (infinities included) made missing, so formatting, Arrow and Python dates never overflow."""
    fixes = {}
    for name in df.columns.unique():
        col = df[name]
        if isinstance(col, pd.DataFrame):
            continue  # a repeated column name: left as it is
        if pd.api.types.is_datetime64_any_dtype(col):
            naive = col.dt.tz_localize(None) if col.dt.tz is not None else col
            bad = naive.notna() & ((naive < FIRST_TIME) | (naive > LAST_TIME))
        elif pd.api.types.is_float_dtype(col):
            bad = col.abs() > MAX_FIGURE
        else:
            continue
        if bad.any():
            fixes[name] = col.mask(bad)
    return df.assign(**fixes) if fixes else df


def arrays(con: duckdb.DuckDBPyConnection, sql: str, params: list | tuple | None = None) -> dict[str, np.ndarray]:
    """Run one query on its own cursor -> {column: numpy array}: for numbers only a statistic reads,
    without building a DataFrame. A column with NULLs comes as a masked array."""
    with cursor(con) as cur:
        return finite_rows(cur.execute(sql, params or []).fetchnumpy())


def head(con: duckdb.DuckDBPyConnection, sql: str, params: list | tuple | None = None, limit: int = 1000,
         count_sql: str | None = None) -> dict:  # fmt: skip
    """The first `limit` rows of a query ending in ORDER BY, and how many rows it has in all:
    {"rows": DataFrame, "total": int}. What a page shows of a long table; the count covers every row.
    `count_sql` (same parameters) counts them without sorting; by default the query itself is counted."""
    if limit < 0:
        raise ValueError("limit must be at least 0")
    p = list(params or [])
    rows = query(con, f"{sql}\nLIMIT ?", [*p, int(limit)])
    if len(rows) < limit:
        return {"rows": rows, "total": len(rows)}
    return {"rows": rows, "total": int(query(con, count_sql or f"SELECT count(*) FROM ({sql})", p).iloc[0, 0])}


def finite_rows(cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The columns without the rows where a number is beyond MAX_FIGURE (infinities included): such a
    figure is unknown, and a statistic leaves out what is unknown, as it does a duration never stated."""
    bad = None
    for v in cols.values():
        if v.dtype.kind == "f":
            over = np.abs(np.ma.getdata(v)) > MAX_FIGURE
            bad = over if bad is None else bad | over
    if bad is None or not bad.any():
        return cols
    return {k: v[~bad] for k, v in cols.items()}
