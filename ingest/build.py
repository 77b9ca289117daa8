"""python -m ingest build: corpus -> a new DuckDB file, swapped in atomically.

Stages: walk the corpus; parse the files (in parallel processes for large
corpora; unchanged files reuse their rows from the previous database);
bulk-load the rows through Arrow; resolve ids and 5-whys attachments across
files; merge ticket statuses and people; compute durations and the guide's
rules in SQL; write meta; CHECKPOINT; os.replace onto the target.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from ingest import PARSER_VERSION, __version__, gitdates, quality
from ingest.corpus import Entry, walk
from ingest.document import ParsedDocument
from ingest.parser import (
    DEFAULT_MAX_BYTES,
    MARKDOWN_SUFFIXES,
    STRUCTURED_SUFFIXES,
    content_hash,
    parse_bytes,
    suffix_of,
)
from ingest.people import read_people
from ingest.problems import Problems
from ingest.resolve import resolve
from ingest.rows import STAGING, document_rows
from ingest.rules import MILESTONES, Rules
from ingest.schema import INDEXES, TABLES, TYPES, ddl
from ingest.tickets import read_tickets

CHUNK = 128
PARALLEL_THRESHOLD = 200
_ARROW = {
    "VARCHAR": pa.string(), "BOOLEAN": pa.bool_(), "BIGINT": pa.int64(), "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(), "DATE": pa.date32(), "TIMESTAMP": pa.timestamp("us"),
    "VARCHAR[]": pa.list_(pa.string()), "JSON": pa.string(),
}  # fmt: skip


class BuildError(Exception):
    """The build could not finish; the previous database is untouched."""


@dataclass
class BuildOptions:
    corpus: list[Path]
    db: Path
    tickets: Path | None = None
    people: Path | None = None
    as_of: date | None = None
    jobs: int = 0
    full: bool = False
    git: bool = True
    max_bytes: int = DEFAULT_MAX_BYTES
    progress: bool = True


@dataclass
class BuildSummary:
    files: int = 0
    incidents: int = 0
    attached: int = 0
    skipped: int = 0
    rejected: int = 0
    reused: int = 0
    parsed: int = 0
    with_detected_and_resolved: int = 0
    warnings: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    db: str = ""
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage, in order

    def text(self) -> str:
        lines = [
            f"{self.files} files seen: {self.incidents} incidents, {self.attached} attached, "
            f"{self.skipped} skipped, {self.rejected} rejected",
            f"{self.parsed} parsed, {self.reused} reused unchanged from the previous build, in {self.seconds:.1f} s",
            f"{self.with_detected_and_resolved} of {self.incidents} incidents have a detected and a resolved time",
        ]
        for title, counts in (("errors", self.errors), ("warnings", self.warnings)):
            if counts:
                lines.append(
                    f"{title} by code: "
                    + ", ".join(f"{k} {v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))
                )
        if self.stages:
            lines.append("stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.stages.items()))
        lines.append(f"wrote {self.db}")
        return "\n".join(lines)


# ---------------------------------------------------------------- parsing

_W: dict = {}


def _init_worker(rules: Rules, max_bytes: int, old_hashes: dict[str, str]) -> None:
    _W.update(rules=rules, max_bytes=max_bytes, old=old_hashes)


def _parse_chunk(entries: list[Entry]) -> tuple[list[str], dict[str, pa.Table]]:
    return parse_chunk(entries, _W["rules"], _W["max_bytes"], _W["old"])


def parse_chunk(
    entries: list[Entry], rules: Rules, max_bytes: int, old: dict[str, str]
) -> tuple[list[str], dict[str, pa.Table]]:
    """Parse a chunk of files -> (paths whose records are reused, staging rows
    as Arrow tables). Runs in the worker processes: what goes back to the main
    process is columnar buffers, not millions of Python tuples."""
    reuse: list[str] = []
    rows: dict[str, list] = {t: [] for t in STAGING}
    for e in entries:
        r = _parse_one(e, rules, max_bytes, old)
        if r[0] == "reuse":
            reuse.append(r[1])
            continue
        for t, rs in r[2].items():
            if rs:
                rows[t].extend(rs)
    return reuse, {t: arrow_table(t, STAGING[t], rs) for t, rs in rows.items() if rs}


def _parse_one(e: Entry, rules: Rules, max_bytes: int, old: dict[str, str]) -> tuple:
    """('reuse', path) when the file is unchanged since the previous build,
    else ('rows', path, staging rows)."""
    if e.note is not None:
        return ("rows", e.path, _outcome_rows(e, "rejected", e.note))
    suffix = suffix_of(e.relpath)
    if suffix not in MARKDOWN_SUFFIXES and suffix not in STRUCTURED_SUFFIXES:
        reason = f"not a document type the ingest reads ({suffix or 'no suffix'})"
        return ("rows", e.path, _outcome_rows(e, "skipped", reason))
    too_big = f"larger than the {max_bytes:,} byte limit ({{size:,}} bytes); raise --max-bytes to read it"
    try:
        size = os.stat(e.abs_path).st_size
        if size > max_bytes:
            return ("rows", e.path, _outcome_rows(e, "rejected", too_big.format(size=size), size))
        with open(e.abs_path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        return ("rows", e.path, _outcome_rows(e, "rejected", f"cannot read: {exc.strerror or exc}"))
    if len(data) > max_bytes:
        return ("rows", e.path, _outcome_rows(e, "rejected", too_big.format(size=len(data)), len(data)))
    digest = content_hash(data)
    if old.get(e.path) == digest:
        return ("reuse", e.path)  # unchanged: not even parsed
    doc = parse_bytes(data, e.relpath, rules, max_bytes)
    return ("rows", e.path, document_rows(doc, e.path, e.root))


def _outcome_rows(e: Entry, outcome: str, reason: str, size: int = 0) -> dict:
    doc = ParsedDocument(path=e.relpath, outcome=outcome, reason=reason, size_bytes=size)
    if outcome == "rejected":
        doc.problems.error("rejected", None, reason)
    return document_rows(doc, e.path, e.root)


def parse_all(
    entries: list[Entry], rules: Rules, opts: BuildOptions, old_hashes: dict[str, str], log
) -> tuple[dict[str, list[pa.Table]], list[str]]:
    """Staging rows of the changed files (Arrow tables per staging table) and
    the paths whose records are reused from the previous database."""
    tables: dict[str, list[pa.Table]] = {t: [] for t in STAGING}
    reuse: list[str] = []
    total = len(entries)
    jobs = opts.jobs or os.cpu_count() or 1
    started = time.monotonic()
    last = started
    done = 0

    def take(n: int, result: tuple[list[str], dict[str, pa.Table]]) -> None:
        nonlocal done, last
        done += n
        reuse.extend(result[0])
        for t, tbl in result[1].items():
            tables[t].append(tbl)
        now = time.monotonic()
        if now - last >= 1.0:
            last = now
            log(f"parsed {done:,}/{total:,} files ({done / (now - started):,.0f}/s)")

    if jobs <= 1 or total < PARALLEL_THRESHOLD:
        for i in range(0, total, CHUNK):
            chunk = entries[i : i + CHUNK]
            take(len(chunk), parse_chunk(chunk, rules, opts.max_bytes, old_hashes))
    else:
        chunks = [entries[i : i + CHUNK] for i in range(0, total, CHUNK)]
        with ProcessPoolExecutor(
            max_workers=jobs, initializer=_init_worker, initargs=(rules, opts.max_bytes, old_hashes)
        ) as ex:
            for chunk, res in zip(chunks, ex.map(_parse_chunk, chunks), strict=True):
                take(len(chunk), res)
    return tables, reuse


# ---------------------------------------------------------------- loading


def arrow_table(table: str, cols: list[str], rows: list[tuple]) -> pa.Table:
    types = TYPES[table]
    extra = {"reused": "BOOLEAN"}
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in cols]
    arrays = [
        pa.array(list(c), type=_ARROW[types.get(n, extra.get(n, "VARCHAR"))])
        for n, c in zip(cols, columns, strict=True)
    ]
    return pa.Table.from_arrays(arrays, names=cols)


def _stage(con, tables: dict[str, list[pa.Table]], reuse: list[str], old_ok: bool) -> None:
    """_t staging tables: new rows from Arrow, reused rows copied from old."""
    for t, cols in STAGING.items():
        parts = tables[t]
        tbl = pa.concat_tables(parts) if parts else arrow_table(t, cols, [])
        _load(con, f"_{t}", tbl)
        tables[t] = []  # let the buffers go as soon as DuckDB holds the rows
    if not (old_ok and reuse):
        return
    con.execute("CREATE TEMP TABLE _reuse AS SELECT unnest(?::VARCHAR[]) AS path", [reuse])
    con.execute(COPY_SOURCES)
    for t in (
        "documents",
        "timeline_events",
        "contributing_factors",
        "whys",
        "action_items",
        "lessons",
        "blame_hits",
        "incident_impact",
        "incident_links",
    ):
        con.execute(
            f"INSERT INTO _{t} SELECT {_q(STAGING[t])} FROM old.{t} WHERE source_path IN (SELECT path FROM _reuse)"
        )
    con.execute(
        "INSERT INTO _problems SELECT source_path, line, level, code, message FROM old.problems "
        "WHERE stage = 'parse' AND source_path IN (SELECT path FROM _reuse)"
    )


def _load(con, name: str, table: pa.Table, temp: bool = False) -> None:
    """CREATE TABLE name AS the Arrow table (registered explicitly, not found by
    scanning Python locals)."""
    con.register("_arrow_in", table)
    con.execute(f"CREATE {'TEMP ' if temp else ''}TABLE {name} AS SELECT * FROM _arrow_in")
    con.unregister("_arrow_in")


def _q(cols: list[str], prefix: str = "") -> str:
    """A quoted column list (some column names, like `at`, are SQL keywords)."""
    return ", ".join(f'{prefix}"{c}"' for c in cols)


COPY_SOURCES = """
INSERT INTO _sources
SELECT path, root, relpath,
       CASE WHEN attach_to IS NOT NULL AND outcome IN ('incident', 'attached') THEN 'attached' ELSE outcome END,
       CASE WHEN outcome IN ('incident', 'attached') THEN NULL ELSE reason END,
       kind, doc_id, id_explicit, attach_to, content_hash, size_bytes, TRUE
FROM old.sources WHERE path IN (SELECT path FROM _reuse)
"""


def _finalise(con, rules: Rules, extra_problems: list[tuple], git: dict[str, datetime], people: list) -> None:
    for name, _, _ in TABLES:
        con.execute(ddl(name))
    if people:
        con.executemany(
            "INSERT INTO people VALUES (?, ?, ?, ?)", [(p.handle, p.name, p.team, p.manager) for p in people]
        )
    con.execute("INSERT INTO tickets SELECT key, key_norm, status, status_class, resolved_at, due_date, assignee, line "
                "FROM _tickets ORDER BY line")  # fmt: skip
    con.execute("INSERT INTO sources SELECT s.path, s.root, s.relpath, r.outcome, r.reason, s.kind, s.doc_id, "
                "s.id_explicit, s.attach_to, r.incident_id, s.content_hash, s.size_bytes, s.reused "
                "FROM _sources s JOIN _resolved r USING (path)")  # fmt: skip
    doc_cols = STAGING["documents"]
    con.execute(f"INSERT INTO documents ({_q(doc_cols)}, incident_id) "
                f"SELECT {_q(doc_cols, 'd.')}, r.incident_id "
                "FROM _documents d JOIN _resolved r ON r.path = d.source_path")  # fmt: skip
    for t in ("timeline_events", "contributing_factors", "whys", "lessons", "blame_hits"):
        cols = STAGING[t]
        con.execute(f"INSERT INTO {t} ({_q(cols)}, incident_id) SELECT {_q(cols, 'x.')}, "
                    f"r.incident_id FROM _{t} x JOIN _resolved r ON r.path = x.source_path "
                    "")  # fmt: skip
    git_rows = [(p, t) for p, t in git.items()]
    gtbl = pa.Table.from_arrays(
        [pa.array([p for p, _ in git_rows], pa.string()), pa.array([t for _, t in git_rows], pa.timestamp("us"))],
        names=["path", "committed_at"],
    )
    _load(con, "_git", gtbl, temp=True)
    con.execute(_incidents_sql(rules))
    for pos, d in enumerate(rules.durations):
        con.execute("INSERT INTO duration_definitions VALUES (?, ?, ?, ?, ?)", [d.id, d.label, d.start, d.end, pos])
        a, b = f"{d.start}_at", f"{d.end}_at"  # milestone names are validated against MILESTONES
        con.execute(f"INSERT INTO incident_durations SELECT incident_id, ?, date_diff('second', {a}, {b}) / 60.0 "
                    f"FROM incidents WHERE {a} IS NOT NULL AND {b} IS NOT NULL AND {b} >= {a}", [d.id])  # fmt: skip
    con.execute("INSERT INTO incident_services SELECT DISTINCT incident_id, unnest(services) FROM incidents")
    con.execute(ACTION_ITEMS)
    con.execute(ITEM_OWNERS)
    con.execute(IMPACT)
    con.execute(LINKS)
    con.execute("INSERT INTO problems SELECT p.source_path, r.incident_id, p.line, p.level, p.code, p.message, 'parse' "
                "FROM _problems p LEFT JOIN _resolved r ON r.path = p.source_path")  # fmt: skip
    if extra_problems:
        ptbl = arrow_table(
            "problems", ["source_path", "incident_id", "line", "level", "code", "message"], extra_problems
        )
        con.register("_build_problems", ptbl)
        con.execute("INSERT INTO problems SELECT *, 'build' FROM _build_problems")
        con.unregister("_build_problems")
    quality.compute(con, rules.guide)
    for pos, c in enumerate(rules.taxonomy.categories):
        con.execute("INSERT INTO taxonomy VALUES (?, ?, ?, ?)", [c.id, c.label, c.description, pos])
    for stmt in INDEXES:
        con.execute(stmt)


def _incidents_sql(rules: Rules) -> str:
    by_id = {d.id: d for d in rules.durations}

    def dur(i: str) -> str:
        d = by_id[i]
        a, b = f"{d.start}_at", f"{d.end}_at"
        return f"CASE WHEN {b} >= {a} THEN date_diff('second', {a}, {b}) / 60.0 END"

    ms = ", ".join(f"d.{m}_at" for m in MILESTONES if m != "published")
    return f"""
INSERT INTO incidents
SELECT incident_id, title, kind, date, severity, status, team, services, tags, authors,
       started_at, detected_at, acknowledged_at, declared_at, mitigated_at, resolved_at, published_at,
       published_source, occurred_at, {dur("ttd")}, {dur("tta")}, {dur("ttm")}, {dur("ttr")},
       reported_duration_minutes, milestone_sources, custom_fields, source_path, n_documents
FROM (
  SELECT d.incident_id, d.title, d.kind, d.date, d.severity, d.status, d.team, d.services, d.tags, d.authors,
         {ms},
         coalesce(d.published_at, g.committed_at) AS published_at,
         CASE WHEN d.published_at IS NOT NULL THEN 'document' WHEN g.committed_at IS NOT NULL THEN 'git' END
           AS published_source,
         coalesce(d.started_at, d.detected_at, d.date::TIMESTAMP) AS occurred_at,
         d.reported_duration_minutes, d.milestone_sources, d.custom_fields, d.source_path,
         (SELECT count(*) FROM documents x WHERE x.incident_id = d.incident_id)::INTEGER AS n_documents
  FROM documents d JOIN _resolved r ON r.path = d.source_path AND r.outcome = 'incident'
  LEFT JOIN _git g ON g.path = d.source_path
) ORDER BY occurred_at, incident_id
"""


ACTION_ITEMS = """
INSERT INTO action_items
WITH m AS (SELECT coalesce(map(list(alias), list(handle)), map()) AS m FROM _aliases)
SELECT a.item_id, r.incident_id, a.source_path, a.seq, a.line, a.section, a.priority, a.action, a.doc_owners,
       CASE WHEN len(a.doc_owners) = 0 AND t.assignee IS NOT NULL THEN [coalesce(m.m[t.assignee], t.assignee)]
            ELSE list_filter(x.mapped, lambda o, i: list_position(x.mapped, o) = i) END,
       a.doc_due_date, coalesce(a.doc_due_date, t.due_date), a.due_text, a.ticket, a.item_type, a.item_type_source,
       a.extra,
       a.doc_status, a.doc_status_source, a.doc_status_text,
       CASE WHEN t.status_class IS NOT NULL THEN t.status_class ELSE a.doc_status END,
       CASE WHEN t.status_class IS NOT NULL THEN 'ticket' ELSE a.doc_status_source END,
       t.status, CASE WHEN t.status_class = 'done' THEN t.resolved_at END
FROM _action_items a
JOIN _resolved r ON r.path = a.source_path
CROSS JOIN m
CROSS JOIN LATERAL (SELECT list_transform(a.doc_owners, lambda o: coalesce(m.m[o], o)) AS mapped) x
LEFT JOIN _tickets t ON t.key_norm = upper(a.ticket)
"""
# One figure per incident and metric counts: the main document's, else the first attached document's.
IMPACT = """
INSERT INTO incident_impact
SELECT r.incident_id, x.source_path, x.seq, x.line, x.metric, x.value, x.low, x.high, x.unit, x.currency, x.qualifier,
       x.approximate, x.flag, x.source, x.text,
       row_number() OVER (PARTITION BY r.incident_id, x.metric
                          ORDER BY (r.outcome = 'incident') DESC, x.source_path, x.seq) = 1
FROM _incident_impact x JOIN _resolved r ON r.path = x.source_path
WHERE r.incident_id IS NOT NULL
ORDER BY x.source_path, x.seq
"""
# References resolved to incidents: an id (the incident's, a document's declared id, or the last part of a path
# id when only one incident has it), a path under the same corpus root (with or without its suffix), or a URL
# ending in a corpus file's path. The first candidate by that order wins.
LINKS = r"""
INSERT INTO incident_links
WITH l AS (
    SELECT x.*, r.incident_id, s.root
    FROM _incident_links x JOIN _resolved r ON r.path = x.source_path JOIN _sources s ON s.path = x.source_path
    WHERE r.incident_id IS NOT NULL
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
SELECT l.incident_id, l.source_path, l.seq, l.line, l.section, l.ref_kind, l.ref, l.ref_key, l.ref_date, l.text,
       b.target, b.target IS NOT NULL,
       coalesce(b.target <> l.incident_id, NOT (l.section = 'body' AND l.ref_kind IN ('path', 'url')))
FROM l LEFT JOIN best b USING (source_path, seq)
ORDER BY l.source_path, l.seq
"""
ITEM_OWNERS = """
INSERT INTO action_item_owners
SELECT a.item_id, a.incident_id, o.owner, p.name, p.team, p.manager
FROM action_items a, unnest(a.owners) AS o(owner)
LEFT JOIN people p ON p.handle = o.owner
"""


# ---------------------------------------------------------------- the build


def _old_state(db: Path, rules: Rules, opts: BuildOptions) -> tuple[dict[str, str], bool]:
    """{path: content hash} of the previous database when its records can be
    reused (same parser version, rules and size limit), else {}."""
    if opts.full or not db.exists():
        return {}, False
    try:
        con = duckdb.connect(str(db), read_only=True, config={"autoinstall_known_extensions": False})
    except duckdb.Error:
        return {}, False
    try:
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        if (meta.get("parser_version") != str(PARSER_VERSION) or meta.get("rules_fingerprint") != rules.fingerprint
                or meta.get("max_bytes") != str(opts.max_bytes)):  # fmt: skip
            return {}, False
        hashes = dict(con.execute("SELECT path, content_hash FROM sources WHERE content_hash IS NOT NULL "
                                  "AND outcome IN ('incident', 'attached')").fetchall())  # fmt: skip
        return hashes, True
    except duckdb.Error:
        return {}, False
    finally:
        con.close()


def _cleanup_stale(db: Path) -> None:
    """Remove what a killed build left beside the target."""
    for p in db.parent.glob(f".{db.name}.building-*"):
        pid = p.name.rsplit("-", 1)[-1].split(".")[0]
        if pid.isdigit() and _alive(int(pid)) and int(pid) != os.getpid():
            continue
        with contextlib.suppress(OSError):
            p.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def build(opts: BuildOptions, rules: Rules, log=None) -> BuildSummary:
    """Build the database; raises BuildError (leaving any previous one whole)."""
    log = log or (lambda msg: None)
    t0 = time.monotonic()
    stages: dict[str, float] = {}
    mark = [t0]

    def stage(name: str) -> None:
        now = time.monotonic()
        stages[name] = stages.get(name, 0.0) + now - mark[0]
        mark[0] = now

    db = opts.db
    for root in opts.corpus:
        if not root.exists():
            raise BuildError(f"{root}: no such folder")
    if db.parent and not db.parent.exists():
        raise BuildError(f"{db.parent}: no such folder for the database")
    _cleanup_stale(db)
    entries = walk(opts.corpus)
    log(f"found {len(entries):,} files under {', '.join(map(str, opts.corpus))}")
    old_hashes, old_ok = _old_state(db, rules, opts)
    stage("walk")
    rows, reuse = parse_all(entries, rules, opts, old_hashes, log)
    stage("parse")

    build_problems = Problems()
    tickets = read_tickets(opts.tickets, build_problems) if opts.tickets else []
    build_problems.finish()
    ticket_problems = [(str(opts.tickets), None, p.line, p.level, p.code, p.message) for p in build_problems]
    people_problems = Problems()
    people = read_people(opts.people, people_problems) if opts.people else []
    people_problems.finish()
    ticket_problems += [(str(opts.people), None, p.line, p.level, p.code, p.message) for p in people_problems]
    git: dict[str, datetime] = {}
    if opts.git:
        for root in opts.corpus:
            times = gitdates.first_commit_times(Path(root))
            by_abs = {os.path.realpath(e.abs_path): e.path for e in entries}
            git.update({by_abs[a]: t for a, t in times.items() if a in by_abs})
    stage("tickets, people, git")

    tmp = db.with_name(f".{db.name}.building-{os.getpid()}")
    for p in (tmp, Path(str(tmp) + ".wal")):
        if p.exists():
            p.unlink()
    try:
        con = duckdb.connect(
            str(tmp), config={"autoinstall_known_extensions": False, "autoload_known_extensions": False}
        )
        try:
            con.execute("SET TimeZone = 'UTC'")
            if old_ok and reuse:
                con.execute("ATTACH ? AS old (READ_ONLY)", [str(db)])
            _stage(con, rows, reuse, old_ok)
            if old_ok and reuse:
                con.execute("DETACH old")
            stage("load")
            docs = con.execute(
                "SELECT path, outcome, reason, doc_id, id_explicit, attach_to FROM _sources ORDER BY path"
            ).fetchall()
            resolved, resolve_problems = resolve(docs)
            rtbl = pa.Table.from_pylist(
                [{"path": p, "outcome": o, "reason": r, "incident_id": i} for p, (o, r, i) in resolved.items()],
                schema=pa.schema(
                    [
                        ("path", pa.string()),
                        ("outcome", pa.string()),
                        ("reason", pa.string()),
                        ("incident_id", pa.string()),
                    ]
                ),
            )
            _load(con, "_resolved", rtbl, temp=True)
            stage("resolve")
            alias_rows = [(a, p.handle) for p in people for a in p.aliases if a != p.handle]
            con.execute("CREATE TEMP TABLE _aliases (alias VARCHAR, handle VARCHAR)")
            if alias_rows:
                con.executemany("INSERT INTO _aliases VALUES (?, ?)", alias_rows)
            ttbl = pa.Table.from_pylist(
                [{"key": t.key, "key_norm": t.key.upper(), "status": t.status, "status_class": t.status_class,
                  "resolved_at": t.resolved_at, "due_date": t.due_date, "assignee": t.assignee, "line": t.line} for t in tickets],
                schema=pa.schema([("key", pa.string()), ("key_norm", pa.string()), ("status", pa.string()),
                                  ("status_class", pa.string()), ("resolved_at", pa.date32()), ("due_date", pa.date32()),
                                  ("assignee", pa.string()), ("line", pa.int32())]),
            )  # fmt: skip
            _load(con, "_tickets", ttbl, temp=True)
            _finalise(con, rules, ticket_problems + resolve_problems, git, people)
            _write_meta(con, rules, opts, entries)
            for t in STAGING:
                con.execute(f"DROP TABLE _{t}")
            summary = _summary(con, len(entries), len(reuse))
            stage("tables")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(tmp, db)
        wal = Path(str(tmp) + ".wal")
        if wal.exists():
            wal.unlink()
        stage("write")
    except BaseException as exc:
        for p in (tmp, Path(str(tmp) + ".wal")):
            with contextlib.suppress(OSError):
                p.unlink()
        if isinstance(exc, duckdb.Error):
            raise BuildError(f"database error: {exc}") from exc
        raise
    summary.seconds = time.monotonic() - t0
    summary.db = str(db)
    summary.stages = stages
    return summary


def _write_meta(con, rules: Rules, opts: BuildOptions, entries) -> None:
    meta = {
        "built_at": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "tool_version": __version__,
        "parser_version": str(PARSER_VERSION),
        "rules_fingerprint": rules.fingerprint,
        "max_bytes": str(opts.max_bytes),
        "corpus_roots": json.dumps([str(r) for r in opts.corpus]),
        "as_of": (opts.as_of or date.today()).isoformat(),
        "tickets_file": str(opts.tickets) if opts.tickets else "",
        "people_file": str(opts.people) if opts.people else "",
        "rule_files": json.dumps(rules.paths),
    }
    con.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))


def _summary(con, files: int, reused: int) -> BuildSummary:
    s = BuildSummary(files=files, reused=reused, parsed=files - reused)
    for outcome, n in con.execute("SELECT outcome, count(*) FROM sources GROUP BY 1").fetchall():
        setattr(s, {"incident": "incidents"}.get(outcome, outcome), n)
    s.with_detected_and_resolved = con.execute(
        "SELECT count(*) FROM incidents WHERE detected_at IS NOT NULL AND resolved_at IS NOT NULL").fetchone()[0]  # fmt: skip
    for level, code, n in con.execute("SELECT level, code, count(*) FROM problems GROUP BY 1, 2").fetchall():
        (s.errors if level == "error" else s.warnings)[code] = n
    return s


def cmd_build(args, rules: Rules) -> int:
    quiet = args.quiet
    log = (lambda msg: None) if quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    as_of = None
    if args.as_of:
        try:
            as_of = date.fromisoformat(args.as_of)
        except ValueError:
            print(f"error: --as-of {args.as_of!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
            return 2
    for f, what in ((args.tickets, "tickets"), (args.people, "people")):
        if f is not None and not f.is_file():
            print(f"error: --{what} {f}: no such file", file=sys.stderr)
            return 2
    opts = BuildOptions(corpus=args.corpus, db=args.db, tickets=args.tickets, people=args.people, as_of=as_of,
                        jobs=args.jobs, full=args.full, git=not args.no_git, max_bytes=args.max_bytes)  # fmt: skip
    try:
        summary = build(opts, rules, log)
    except BuildError as exc:
        print(f"error: {exc}; the previous database (if any) is unchanged", file=sys.stderr)
        return 1
    log(summary.text())
    return 0
