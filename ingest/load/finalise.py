"""Loading the database: staging tables from Arrow, and the final tables in SQL.

A full build fills every final table from the staging tables (`finalise`);
an in-place rebuild (ingest/load/incremental.py) refreshes the per-source rows of
the changed files (`per_source(new_only=True)`) and recomputes the
per-incident tables (`per_incident`). The SQL is the same for both.
"""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa

from ingest.load import quality
from ingest.load.rows import STAGING
from ingest.load.schema import INDEXES, TABLES, TYPES, ddl
from ingest.understand.rules import MILESTONES, Rules

_ARROW = {
    "VARCHAR": pa.string(), "BOOLEAN": pa.bool_(), "BIGINT": pa.int64(), "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(), "DATE": pa.date32(), "TIMESTAMP": pa.timestamp("us"),
    "VARCHAR[]": pa.list_(pa.string()), "JSON": pa.string(),
}  # fmt: skip


def arrow_table(table: str, cols: list[str], rows: list[tuple]) -> pa.Table:
    types = TYPES[table]
    extra = {"reused": "BOOLEAN"}
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in cols]
    arrays = [
        pa.array(list(c), type=_ARROW[types.get(n, extra.get(n, "VARCHAR"))])
        for n, c in zip(cols, columns, strict=True)
    ]
    return pa.Table.from_arrays(arrays, names=cols)


PER_SOURCE = ("documents", "timeline_events", "milestone_evidence", "contributing_factors", "whys", "action_items",
              "lessons", "blame_hits")  # fmt: skip
CROSS_SOURCE = ("incident_impact", "incident_links")  # their final rows depend on other documents too


def stage(con, tables: dict[str, list[pa.Table | str]], reuse: list[tuple[str, int]], old: str | None,
          copy: tuple[str, ...] = PER_SOURCE + CROSS_SOURCE, keep: bool = False) -> None:  # fmt: skip
    """_t staging tables: new rows from Arrow tables or the Parquet files parser
    workers wrote (paths), and the rows of reused files
    (of the `copy` tables) from the previous database's schema `old` ('old.'
    for an attached database, '' for the database itself). Without `keep`,
    the Arrow buffers are let go as soon as DuckDB holds the rows."""
    for t, cols in STAGING.items():
        parts = tables[t]
        if parts and isinstance(parts[0], str):  # the parser workers' Parquet files (a build has one kind)
            con.execute(f"CREATE TABLE _{t} AS SELECT {q(cols)} FROM read_parquet(?)", [parts])
        else:
            load(con, f"_{t}", pa.concat_tables(parts) if parts else arrow_table(t, cols, []))
        if not keep:
            tables[t] = []
    if old is None or not reuse:
        return
    load(con, "_reuse", pa.table({"path": [p for p, _ in reuse], "mtime_ns": [m for _, m in reuse]}), temp=True)
    con.execute(COPY_SOURCES.format(old=old))
    for t in copy:
        con.execute(
            f"INSERT INTO _{t} SELECT {q(STAGING[t])} FROM {old}{t} WHERE source_path IN (SELECT path FROM _reuse)"
        )
    if "documents" in copy:
        con.execute(
            f"INSERT INTO _problems SELECT source_path, line, level, code, message FROM {old}problems "
            "WHERE stage = 'parse' AND source_path IN (SELECT path FROM _reuse)"
        )


def load(con, name: str, table: pa.Table, temp: bool = False) -> None:
    """CREATE TABLE name AS the Arrow table (registered explicitly, not found by
    scanning Python locals)."""
    con.register("_arrow_in", table)
    con.execute(f"CREATE {'TEMP ' if temp else ''}TABLE {name} AS SELECT * FROM _arrow_in")
    con.unregister("_arrow_in")


def q(cols: list[str], prefix: str = "") -> str:
    """A quoted column list (some column names, like `at`, are SQL keywords)."""
    return ", ".join(f'{prefix}"{c}"' for c in cols)


COPY_SOURCES = """
INSERT INTO _sources
SELECT path, root, relpath,
       CASE WHEN attach_to IS NOT NULL AND outcome IN ('incident', 'attached') THEN 'attached' ELSE outcome END,
       CASE WHEN outcome IN ('incident', 'attached') THEN NULL ELSE reason END,
       kind, doc_id, id_explicit, attach_to, content_hash, size_bytes, u.mtime_ns, TRUE
FROM {old}sources JOIN _reuse u USING (path)
"""


def finalise(con, rules: Rules, extra_problems: list[tuple], git: dict[str, datetime], people: list) -> None:
    """The final tables of a full build, from the staging tables."""
    for name, _, _ in TABLES:
        con.execute(ddl(name))
    if people:
        con.executemany(
            "INSERT INTO people VALUES (?, ?, ?, ?)", [(p.handle, p.name, p.team, p.manager) for p in people]
        )
    con.execute("INSERT INTO tickets SELECT key, key_norm, status, status_class, resolved_at, due_date, assignee, line "
                "FROM _tickets ORDER BY line")  # fmt: skip
    for pos, d in enumerate(rules.durations):
        con.execute("INSERT INTO duration_definitions VALUES (?, ?, ?, ?, ?)", [d.id, d.label, d.start, d.end, pos])
    for pos, c in enumerate(rules.taxonomy.categories):
        con.execute("INSERT INTO taxonomy VALUES (?, ?, ?, ?)", [c.id, c.label, c.description, pos])
    per_source(con, new_only=False)
    per_incident(con, rules, extra_problems, git)
    for stmt in INDEXES:
        con.execute(stmt)


def per_source(con, new_only: bool) -> None:
    """Rows that follow from one file (and the resolved ids): sources,
    documents, timeline, factors, whys, lessons, blame, action items and their
    owners, parse problems. With `new_only`, only the files parsed in this
    build (the staging tables then hold reused sources too, marked reused)."""
    only_new = " WHERE NOT s.reused" if new_only else ""
    con.execute("INSERT INTO sources SELECT s.path, s.root, s.relpath, r.outcome, r.reason, s.kind, s.doc_id, "
                "s.id_explicit, s.attach_to, r.incident_id, r.incident_key, s.content_hash, s.size_bytes, s.mtime_ns, "
                "s.reused "
                f"FROM _sources s JOIN _resolved r USING (path){only_new}")  # fmt: skip
    doc_cols = STAGING["documents"]
    con.execute(f"INSERT INTO documents ({q(doc_cols)}, incident_id, incident_key) "
                f"SELECT {q(doc_cols, 'd.')}, r.incident_id, r.incident_key "
                "FROM _documents d JOIN _resolved r ON r.path = d.source_path")  # fmt: skip
    for t in ("timeline_events", "milestone_evidence", "contributing_factors", "whys", "lessons", "blame_hits"):
        cols = STAGING[t]
        con.execute(f"INSERT INTO {t} ({q(cols)}, incident_id, incident_key) SELECT {q(cols, 'x.')}, "
                    f"r.incident_id, r.incident_key FROM _{t} x JOIN _resolved r ON r.path = x.source_path")  # fmt: skip
    con.execute(ACTION_ITEMS)
    new_items = " WHERE a.item_id IN (SELECT item_id FROM _action_items)" if new_only else ""
    con.execute(ITEM_OWNERS + new_items)
    con.execute("INSERT INTO problems SELECT p.source_path, r.incident_id, p.line, p.level, p.code, p.message, 'parse' "
                "FROM _problems p LEFT JOIN _resolved r ON r.path = p.source_path")  # fmt: skip


AFFECTED = "incident_id IN (SELECT incident_id FROM _affected)"
# One duration per incident, with its doubt and the corrections it rests on. {a}, {b}: milestone columns
# (validated names); {corrected}: CORRECTED or NULL. `?`: duration id, duration id (then CORRECTED's).
DURATIONS = """
INSERT INTO incident_durations
SELECT i.incident_id, i.incident_key, ?, date_diff('second', i.{a}, i.{b}) / 60.0,
       json_extract_string(i.duration_doubts, '$."' || ? || '"'),
       {corrected}
FROM incidents i WHERE i.{a} IS NOT NULL AND i.{b} IS NOT NULL AND i.{b} >= i.{a}{where}
"""
# The corrections a duration rests on (only looked up when there is a corrections file). `?`: its two milestones.
CORRECTED = """(SELECT string_agg(e.milestone || ' corrected: ' || coalesce(e.reason, 'no reason given'), '; '
                   ORDER BY e.milestone)
 FROM milestone_evidence e
 WHERE e.source_path = i.source_path AND e.source = 'correction' AND e.milestone IN (?, ?))"""


def per_incident(con, rules: Rules, extra_problems: list[tuple], git: dict[str, datetime], only: bool = False,
                 links_only: bool = False) -> None:  # fmt: skip
    """Rows that follow from whole incidents or from the corpus: incidents,
    durations, services, impact, related-incident links, build problems, the
    guide's rules, from the final per-source tables and the full staging
    tables of impact and links. With `only`, the rows of the incidents in the
    temp table _affected (the others' rows are kept), and with `links_only`
    their links too (else every incident's links)."""
    where = f" AND {AFFECTED}" if only else ""
    git_rows = [(p, t) for p, t in git.items()]
    gtbl = pa.Table.from_arrays(
        [pa.array([p for p, _ in git_rows], pa.string()), pa.array([t for _, t in git_rows], pa.timestamp("us"))],
        names=["path", "committed_at"],
    )
    load(con, "_git", gtbl, temp=True)
    con.execute(_incidents_sql(rules).format(only=f"AND d.{AFFECTED}" if only else ""))
    for d in rules.durations:
        a, b = f"{d.start}_at", f"{d.end}_at"  # milestone names are validated against MILESTONES
        if rules.corrections:
            con.execute(DURATIONS.format(a=a, b=b, where=where, corrected=CORRECTED), [d.id, d.id, d.start, d.end])
        else:
            con.execute(DURATIONS.format(a=a, b=b, where=where, corrected="NULL"), [d.id, d.id])
    con.execute("INSERT INTO incident_services SELECT DISTINCT incident_id, incident_key, unnest(services) FROM incidents"
                + (f" WHERE {AFFECTED}" if only else ""))  # fmt: skip
    con.execute(IMPACT.format(only=f"AND r.{AFFECTED}" if only else ""))
    con.execute(LINKS.format(only=f"AND r.{AFFECTED}" if links_only else ""))
    if extra_problems:
        ptbl = arrow_table(
            "problems", ["source_path", "incident_id", "line", "level", "code", "message"], extra_problems
        )
        con.register("_build_problems", ptbl)
        con.execute("INSERT INTO problems SELECT *, 'build' FROM _build_problems")
        con.unregister("_build_problems")
    quality.compute(con, rules.guide, f" WHERE {AFFECTED}" if only else "")


def _incidents_sql(rules: Rules) -> str:
    by_id = {d.id: d for d in rules.durations}

    def dur(i: str) -> str:
        d = by_id[i]
        a, b = f"{d.start}_at", f"{d.end}_at"
        return f"CASE WHEN {b} >= {a} THEN date_diff('second', {a}, {b}) / 60.0 END"

    ms = ", ".join(f"d.{m}_at" for m in MILESTONES if m != "published")
    return f"""
INSERT INTO incidents
SELECT incident_id, incident_key, title, kind, date, severity, status, team, services, tags, authors,
       started_at, detected_at, acknowledged_at, declared_at, mitigated_at, resolved_at, published_at,
       published_source, occurred_at, {dur("ttd")}, {dur("tta")}, {dur("ttm")}, {dur("ttr")},
       reported_duration_minutes, milestone_sources, duration_doubts, custom_fields, source_path, n_documents
FROM (
  SELECT d.incident_id, d.incident_key, d.title, d.kind, d.date, d.severity, d.status, d.team, d.services, d.tags, d.authors,
         {ms},
         coalesce(d.published_at, g.committed_at) AS published_at,
         CASE WHEN d.published_at IS NOT NULL THEN 'document' WHEN g.committed_at IS NOT NULL THEN 'git' END
           AS published_source,
         coalesce(d.started_at, d.detected_at, d.date::TIMESTAMP) AS occurred_at,
         d.reported_duration_minutes, d.milestone_sources, d.duration_doubts, d.custom_fields, d.source_path,
         (SELECT count(*) FROM documents x WHERE x.incident_id = d.incident_id)::INTEGER AS n_documents
  FROM documents d JOIN _resolved r ON r.path = d.source_path AND r.outcome = 'incident' {{only}}
  LEFT JOIN _git g ON g.path = d.source_path
) ORDER BY occurred_at, incident_id
"""


ACTION_ITEMS = """
INSERT INTO action_items
WITH m AS (SELECT coalesce(map(list(alias), list(handle)), map()) AS m FROM _aliases)
SELECT a.item_id, r.incident_id, r.incident_key, a.source_path, a.seq, a.line, a.section, a.priority, a.action, a.doc_owners,
       CASE WHEN len(a.doc_owners) = 0 AND t.assignee IS NOT NULL THEN [coalesce(m.m[t.assignee], t.assignee)]
            ELSE list_filter(x.mapped, lambda o, i: list_position(x.mapped, o) = i) END,
       a.doc_due_date, coalesce(a.doc_due_date, t.due_date), a.due_text, a.ticket, a.item_type, a.item_type_source,
       a.extra,
       a.doc_status, a.doc_status_source, a.doc_status_text,
       CASE WHEN t.status_class IS NOT NULL THEN t.status_class ELSE a.doc_status END,
       CASE WHEN t.status_class IS NOT NULL THEN 'ticket' ELSE a.doc_status_source END,
       t.status, CASE WHEN t.status_class = 'done' THEN t.resolved_at END, s.relpath
FROM _action_items a
JOIN _resolved r ON r.path = a.source_path
JOIN _sources s ON s.path = a.source_path
CROSS JOIN m
CROSS JOIN LATERAL (SELECT list_transform(a.doc_owners, lambda o: coalesce(m.m[o], o)) AS mapped) x
LEFT JOIN _tickets t ON t.key_norm = upper(a.ticket)
"""
# One figure per incident and metric counts: the main document's, else the first attached document's.
IMPACT = """
INSERT INTO incident_impact
SELECT r.incident_id, r.incident_key, x.source_path, x.seq, x.line, x.metric, x.value, x.low, x.high, x.unit, x.currency, x.qualifier,
       x.approximate, x.flag, x.source, x.text,
       row_number() OVER (PARTITION BY r.incident_id, x.metric
                          ORDER BY (r.outcome = 'incident') DESC, x.source_path, x.seq) = 1
FROM _incident_impact x JOIN _resolved r ON r.path = x.source_path
WHERE r.incident_id IS NOT NULL {only}
ORDER BY x.source_path, x.seq
"""
# References resolved to incidents: an id (the incident's, a document's declared id, or the last part of a path
# id when only one incident has it), a path under the same corpus root (with or without its suffix), or a URL
# ending in a corpus file's path. The first candidate by that order wins.
LINKS = r"""
INSERT INTO incident_links
WITH l AS (
    SELECT x.*, r.incident_id, r.incident_key, s.root
    FROM _incident_links x JOIN _resolved r ON r.path = x.source_path JOIN _sources s ON s.path = x.source_path
    WHERE r.incident_id IS NOT NULL {only}
),
files AS (
    SELECT s.root, s.relpath, regexp_replace(s.relpath, '\.[^./]*$', '') AS stem,
           regexp_extract(s.relpath, '[^/]*$') AS base, r.incident_id AS target
    FROM _sources s JOIN _resolved r USING (path)
    WHERE r.incident_id IS NOT NULL
),
ids AS (
    SELECT lower(incident_id) AS k, incident_id AS target, 1 AS rank FROM incidents
    UNION ALL
    SELECT lower(s.doc_id), r.incident_id, 2 FROM _sources s JOIN _resolved r USING (path)
    WHERE r.incident_id IS NOT NULL AND s.doc_id IS NOT NULL
    UNION ALL
    SELECT k, min(target), 3
    FROM (SELECT lower(regexp_extract(incident_id, '[^/]*$')) AS k, incident_id AS target FROM incidents)
    GROUP BY k HAVING count(*) = 1
),
cand AS (
    SELECT l.source_path, l.seq, i.target, i.rank
    FROM l JOIN ids i ON i.k = lower(l.ref_key) WHERE l.ref_kind = 'id'
    UNION ALL
    SELECT l.source_path, l.seq, f.target, 4
    FROM l JOIN files f ON f.root = l.root AND f.relpath = l.ref_key WHERE l.ref_kind IN ('id', 'path')
    UNION ALL
    SELECT l.source_path, l.seq, f.target, 5
    FROM l JOIN files f ON f.root = l.root AND f.stem = l.ref_key WHERE l.ref_kind IN ('id', 'path')
    UNION ALL
    SELECT l.source_path, l.seq, f.target, 6
    FROM l JOIN files f ON f.base = regexp_extract(l.ref_key, '[^/]*$')
    WHERE l.ref_kind = 'url' AND ends_with(l.ref_key, '/' || f.relpath)
),
best AS (SELECT source_path, seq, arg_min(target, rank) AS target FROM cand GROUP BY source_path, seq)
SELECT l.incident_id, l.incident_key, l.source_path, l.seq, l.line, l.section, l.ref_kind, l.ref, l.ref_key, l.ref_date, l.text,
       b.target, b.target IS NOT NULL,
       coalesce(b.target <> l.incident_id, NOT (l.section = 'body' AND l.ref_kind IN ('path', 'url')))
FROM l LEFT JOIN best b USING (source_path, seq)
ORDER BY l.source_path, l.seq
"""
ITEM_OWNERS = """
INSERT INTO action_item_owners
SELECT a.item_id, a.incident_id, a.incident_key, o.owner, p.name, p.team, p.manager
FROM action_items a, unnest(a.owners) AS o(owner)
LEFT JOIN people p ON p.handle = o.owner
"""
