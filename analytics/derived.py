"""Whether the database has the tables the build derives once (ingest/load/derived.py).

The analytics read them where a filter is one they cover and compute the same
figures from the final tables otherwise; a database built before they existed
has none, and every figure is then computed from the final tables. `ENABLED`
off makes every function compute from the final tables (the tests compare
both ways)."""

from __future__ import annotations

from analytics.db import fetch

ENABLED = True

TABLES = """
SELECT table_name FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'main' AND list_contains(CAST(? AS VARCHAR[]), table_name)
"""


def ready(con, *tables: str) -> bool:
    """True when every one of `tables` is in the database (and ENABLED)."""
    if not ENABLED:
        return False
    have = {name for (name,) in fetch(con, TABLES, [list(tables)])}  # tuples: a frame cost 2 ms a call
    return have >= set(tables)
