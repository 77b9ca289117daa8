"""Rebuilding in place: a copy of the previous database, refreshed for the
files that changed, instead of a new database copied row by row.

The copy is made beside the target and swapped in exactly like a full build,
so readers and crash safety are the same. It is used when the change is
local: the same parser, rule files, tickets and people files as last time,
and no unchanged file whose incident id or outcome changes (a new duplicate
id or a 5-whys attachment changes other files' rows: then a full build runs).
Rows that follow from one file are deleted for the changed and removed files
and inserted for the parsed ones; the per-incident tables (incidents,
durations, impact, links, the guide's rules) are recomputed for the
incidents those files belong to, before and after, with the same SQL as a
full build (every incident's links when a changed file now names something
else: a path, an id); build problems and the derived tables in full. A test
checks that the result equals a full build's.
"""

from __future__ import annotations

import pyarrow as pa

from ingest.load.finalise import AFFECTED, CROSS_SOURCE, PER_SOURCE, per_incident, per_source, stage
from ingest.load.resolve import resolve_staged
from ingest.understand.rules import Rules

PER_INCIDENT_TABLES = ("incidents", "incident_durations", "incident_services", "incident_impact", "incident_links",
                       "quality_findings")  # fmt: skip

# The incidents whose rows may change: those of the changed and removed files before, and of the parsed
# files now. The other incidents' per-incident rows follow from unchanged files and are kept.
AFFECTED_INCIDENTS = """
CREATE TEMP TABLE _affected AS
SELECT incident_id FROM sources WHERE path IN (SELECT path FROM _changed) AND incident_id IS NOT NULL
UNION
SELECT r.incident_id FROM _resolved r WHERE r.incident_id IS NOT NULL AND r.path NOT IN (SELECT path FROM _reuse)
"""
# Whether the changed files name the same things as before (their paths, declared ids and incidents): then no
# reference from an unchanged incident resolves differently, and only the affected incidents' links are redone.
SAME_KEYS = """
WITH before AS (
    SELECT path, lower(doc_id) AS doc_id, incident_id FROM sources
    WHERE path IN (SELECT path FROM _changed) AND incident_id IS NOT NULL
),
after AS (
    SELECT s.path, lower(s.doc_id) AS doc_id, r.incident_id FROM _sources s JOIN _resolved r USING (path)
    WHERE s.path NOT IN (SELECT path FROM _reuse) AND r.incident_id IS NOT NULL
)
SELECT NOT EXISTS (SELECT * FROM before EXCEPT ALL SELECT * FROM after)
   AND NOT EXISTS (SELECT * FROM after EXCEPT ALL SELECT * FROM before)
"""
UNCHANGED_KEEP_THEIR_IDS = """
SELECT count(*) FROM sources s JOIN _reuse u USING (path) JOIN _resolved r USING (path)
WHERE s.outcome IS DISTINCT FROM r.outcome OR s.incident_id IS DISTINCT FROM r.incident_id
"""


def refresh(con, tables: dict[str, list[pa.Table]], reuse: list[tuple[str, int]], rules: Rules, git: dict,
            file_problems: list[tuple], lap=lambda name: None) -> bool:  # fmt: skip
    """Refresh the database `con` (a copy of the previous one) for this build.
    False when the change is not local; `con` is then to be thrown away."""
    stage(con, tables, reuse, old="", copy=CROSS_SOURCE, keep=True)
    resolve_problems = resolve_staged(con, keep_keys=True)
    if con.execute(UNCHANGED_KEEP_THEIR_IDS).fetchone()[0]:
        return False
    lap("in place: stage, resolve")
    con.execute("CREATE TEMP TABLE _changed AS SELECT path FROM sources WHERE path NOT IN (SELECT path FROM _reuse)")
    changed = "(SELECT path FROM _changed)"
    con.execute(AFFECTED_INCIDENTS)
    same_keys = con.execute(SAME_KEYS).fetchone()[0]
    con.execute(f"DELETE FROM action_item_owners WHERE item_id IN "
                f"(SELECT item_id FROM action_items WHERE source_path IN {changed})")  # fmt: skip
    for t in PER_SOURCE:
        con.execute(f"DELETE FROM {t} WHERE source_path IN {changed}")
    con.execute(f"DELETE FROM problems WHERE stage = 'build' OR source_path IN {changed}")
    con.execute(f"DELETE FROM sources WHERE path IN {changed}")
    con.execute("UPDATE sources SET reused = TRUE, mtime_ns = u.mtime_ns FROM _reuse u WHERE sources.path = u.path")
    lap("in place: delete")
    per_source(con, new_only=True)
    lap("in place: per source")
    for t in PER_INCIDENT_TABLES:
        if t != "incident_links" or same_keys:
            con.execute(f"DELETE FROM {t} WHERE {AFFECTED}")
        else:
            con.execute(f"DELETE FROM {t}")
    per_incident(con, rules, file_problems + resolve_problems, git, only=True, links_only=same_keys)
    lap("in place: per incident")
    con.execute("DELETE FROM meta")
    return True


__all__ = ["PER_SOURCE", "refresh"]
