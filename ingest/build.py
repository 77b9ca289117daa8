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
import shutil
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from ingest import PARSER_VERSION, __version__
from ingest.load import derived, incremental
from ingest.load.finalise import arrow_table, finalise, load
from ingest.load.finalise import stage as stage_tables
from ingest.load.people import read_people
from ingest.load.resolve import resolve
from ingest.load.rows import STAGING, document_rows
from ingest.load.tickets import Ticket, read_tickets
from ingest.read import gitdates
from ingest.read.corpus import Entry, walk
from ingest.read.problems import Problems
from ingest.understand.document import ParsedDocument
from ingest.understand.parser import (
    DEFAULT_MAX_BYTES,
    MARKDOWN_SUFFIXES,
    STRUCTURED_SUFFIXES,
    content_hash,
    parse_bytes,
    suffix_of,
)
from ingest.understand.rules import Rules

CHUNK = 128
PARALLEL_THRESHOLD = 200


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


def _init_worker(rules: Rules, max_bytes: int, old_hashes: dict[str, tuple]) -> None:
    _W.update(rules=rules, max_bytes=max_bytes, old=old_hashes)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """A parser worker whose build was killed (kill -9 gives the pool no
    chance to stop it) would wait for work forever: it leaves instead."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _parse_chunk(entries: list[Entry]) -> tuple[list[str], dict[str, pa.Table]]:
    return parse_chunk(entries, _W["rules"], _W["max_bytes"], _W["old"])


def parse_chunk(
    entries: list[Entry], rules: Rules, max_bytes: int, old: dict[str, tuple]
) -> tuple[list[tuple[str, int]], dict[str, pa.Table]]:
    """Parse a chunk of files -> (paths whose records are reused, staging rows
    as Arrow tables). Runs in the worker processes: what goes back to the main
    process is columnar buffers, not millions of Python tuples."""
    reuse: list[tuple[str, int]] = []
    rows: dict[str, list] = {t: [] for t in STAGING}
    for e in entries:
        r = _parse_one(e, rules, max_bytes, old)
        if r[0] == "reuse":
            reuse.append((r[1], r[2]))
            continue
        for t, rs in r[2].items():
            if rs:
                rows[t].extend(rs)
    return reuse, {t: arrow_table(t, STAGING[t], rs) for t, rs in rows.items() if rs}


def _parse_one(e: Entry, rules: Rules, max_bytes: int, old: dict[str, tuple]) -> tuple:
    """('reuse', path, mtime_ns) when the file is unchanged since the previous
    build, else ('rows', path, staging rows). Unchanged means: the same size
    and modification time (then it is not even read, as make and git do), or
    else the same content hash."""
    if e.note is not None:
        return ("rows", e.path, _outcome_rows(e, "rejected", e.note))
    suffix = suffix_of(e.relpath)
    if suffix not in MARKDOWN_SUFFIXES and suffix not in STRUCTURED_SUFFIXES:
        reason = f"not a document type the ingest reads ({suffix or 'no suffix'})"
        return ("rows", e.path, _outcome_rows(e, "skipped", reason))
    too_big = f"larger than the {max_bytes:,} byte limit ({{size:,}} bytes); raise --max-bytes to read it"
    try:
        st = os.stat(e.abs_path)
        size, mtime = st.st_size, st.st_mtime_ns
        prev = old.get(e.path)
        if prev is not None and prev[1] == size and prev[2] == mtime:
            return ("reuse", e.path, mtime)
        if size > max_bytes:
            return ("rows", e.path, _outcome_rows(e, "rejected", too_big.format(size=size), size))
        with open(e.abs_path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        return ("rows", e.path, _outcome_rows(e, "rejected", f"cannot read: {exc.strerror or exc}"))
    if len(data) > max_bytes:
        return ("rows", e.path, _outcome_rows(e, "rejected", too_big.format(size=len(data)), len(data)))
    if prev is not None and prev[0] == content_hash(data):
        return ("reuse", e.path, mtime)  # touched but unchanged: not parsed
    doc = parse_bytes(data, e.relpath, rules, max_bytes)
    doc.mtime_ns = mtime
    return ("rows", e.path, document_rows(doc, e.path, e.root))


def _outcome_rows(e: Entry, outcome: str, reason: str, size: int = 0) -> dict:
    doc = ParsedDocument(path=e.relpath, outcome=outcome, reason=reason, size_bytes=size)
    if outcome == "rejected":
        doc.problems.error("rejected", None, reason)
    return document_rows(doc, e.path, e.root)


def parse_all(
    entries: list[Entry], rules: Rules, opts: BuildOptions, old_hashes: dict[str, tuple], log
) -> tuple[dict[str, list[pa.Table]], list[tuple[str, int]]]:
    """Staging rows of the changed files (Arrow tables per staging table) and
    the paths whose records are reused from the previous database."""
    tables: dict[str, list[pa.Table]] = {t: [] for t in STAGING}
    reuse: list[tuple[str, int]] = []
    if old_hashes:  # files with the same size and modification time are reused here, never sent to a worker
        entries, reuse = _unchanged(entries, old_hashes)
        old_hashes = {e.path: old_hashes[e.path] for e in entries if e.path in old_hashes}
    total = len(entries)
    jobs = opts.jobs or os.cpu_count() or 1
    started = time.monotonic()
    last = started
    done = 0

    def take(n: int, result: tuple[list[tuple[str, int]], dict[str, pa.Table]]) -> None:
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


def _unchanged(entries: list[Entry], old: dict[str, tuple]) -> tuple[list[Entry], list[tuple[str, int]]]:
    """(the entries to look at, (path, mtime_ns) of those with the size and
    modification time of the previous build)."""
    todo: list[Entry] = []
    same: list[tuple[str, int]] = []
    for e in entries:
        prev = old.get(e.path)
        if prev is not None and e.note is None:
            try:
                st = os.stat(e.abs_path)
            except OSError:
                todo.append(e)
                continue
            if prev[1] == st.st_size and prev[2] == st.st_mtime_ns:
                same.append((e.path, st.st_mtime_ns))
                continue
        todo.append(e)
    return todo, same


# ---------------------------------------------------------------- the build


def _file_hash(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return content_hash(path.read_bytes())
    except OSError:
        return ""


def _tickets_same(meta: dict[str, str], opts: BuildOptions) -> bool:
    """Whether the previous database (its meta table: `meta`) holds this
    build's tickets: the same tickets file with the same bytes (a
    350,000-row export is not re-read), or no tickets file then and now."""
    if not meta or meta.get("tickets_file", "") != (str(opts.tickets) if opts.tickets else ""):
        return False
    return not opts.tickets or meta.get("tickets_hash") == _file_hash(opts.tickets)


def _read_tickets(opts: BuildOptions) -> tuple[list, list[tuple]]:
    """The tickets file's tickets and its problems (as build problem rows)."""
    found = Problems()
    tickets = read_tickets(opts.tickets, found) if opts.tickets else []
    found.finish()
    return tickets, [(str(opts.tickets), None, p.line, p.level, p.code, p.message) for p in found]


def _old_tickets(db: Path) -> list:
    """The previous build's tickets (when _tickets_same)."""
    con = duckdb.connect(str(db), read_only=True, config={"autoinstall_known_extensions": False})
    try:
        tickets = [Ticket(*row) for row in con.execute(
            "SELECT key, status, status_class, resolved_at, due_date, assignee, line FROM tickets ORDER BY line"
        ).fetchall()]  # fmt: skip
    finally:
        con.close()
    return tickets


def _old_ticket_problems(db: Path, opts: BuildOptions) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True, config={"autoinstall_known_extensions": False})
    try:
        return [tuple(p) for p in con.execute(
            "SELECT source_path, NULL, line, level, code, message FROM problems WHERE stage = 'build' AND source_path = ?",
            [str(opts.tickets)],
        ).fetchall()]  # fmt: skip
    finally:
        con.close()


def _old_state(db: Path, rules: Rules, opts: BuildOptions) -> tuple[dict[str, tuple], bool]:
    """{path: (content hash, size, mtime_ns)} of the previous database when its
    records can be reused (same parser version, rules and size limit), else {}."""
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
        rows = con.execute("SELECT path, content_hash, size_bytes, mtime_ns FROM sources WHERE content_hash IS NOT NULL "
                           "AND outcome IN ('incident', 'attached')").fetchall()  # fmt: skip
        return {p: (h, size, mtime) for p, h, size, mtime in rows}, True
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

    def lap(name: str) -> None:
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
    lap("walk")
    rows, reuse = parse_all(entries, rules, opts, old_hashes, log)
    lap("parse")

    meta = _old_meta(db, opts)
    tickets_same = _tickets_same(meta, opts)
    tickets: list | None = None  # when unchanged: read if a full build needs them (a rebuild in place has them)
    if tickets_same and opts.tickets:
        ticket_problems = _old_ticket_problems(db, opts)
    else:
        tickets, ticket_problems = _read_tickets(opts)  # none without a tickets file
    people_problems = Problems()
    people = read_people(opts.people, people_problems) if opts.people else []
    people_problems.finish()
    ticket_problems += [(str(opts.people), None, p.line, p.level, p.code, p.message) for p in people_problems]
    git: dict[str, datetime] = {}
    if opts.git:
        for root in opts.corpus:
            times = gitdates.first_commit_times(Path(root))
            if not times:  # not in git: no need to resolve every file's path
                continue
            by_abs = {os.path.realpath(e.abs_path): e.path for e in entries}
            git.update({by_abs[a]: t for a, t in times.items() if a in by_abs})
    lap("tickets, people, git")

    tmp = db.with_name(f".{db.name}.building-{os.getpid()}")
    for p in (tmp, Path(str(tmp) + ".wal")):
        if p.exists():
            p.unlink()
    in_place = old_ok and bool(reuse) and tickets_same and meta.get("people_hash") == _file_hash(opts.people)
    try:
        summary = None
        if in_place:
            shutil.copyfile(db, tmp)
            lap("in place: copy")
            con = _open(tmp)
            try:
                _temp_inputs(con, people, None)
                if incremental.refresh(con, rows, reuse, rules, git, ticket_problems, lap):
                    summary = _close_build(con, rules, opts, entries, reuse, lap)
            finally:
                con.close()
            if summary is None:  # the change was not local: a full build after all
                tmp.unlink()
                lap("in place, abandoned")
        if summary is None:
            con = _open(tmp)
            try:
                if old_ok and reuse:
                    con.execute("ATTACH ? AS old (READ_ONLY)", [str(db)])
                stage_tables(con, rows, reuse, "old." if old_ok else None)
                if old_ok and reuse:
                    con.execute("DETACH old")
                lap("load")
                docs = con.execute(
                    "SELECT path, outcome, reason, doc_id, id_explicit, attach_to FROM _sources ORDER BY path"
                ).fetchall()
                resolved, resolve_problems = resolve(docs)
                load(con, "_resolved", incremental.resolved_table(resolved), temp=True)
                lap("resolve")
                if tickets is None:
                    tickets = _old_tickets(db)
                    lap("tickets")
                _temp_inputs(con, people, tickets)
                finalise(con, rules, ticket_problems + resolve_problems, git, people)
                lap("tables")
                summary = _close_build(con, rules, opts, entries, reuse, lap)
            finally:
                con.close()
        os.replace(tmp, db)
        wal = Path(str(tmp) + ".wal")
        if wal.exists():
            wal.unlink()
        lap("write")
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


def _open(path: Path):
    con = duckdb.connect(str(path), config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute("SET TimeZone = 'UTC'")
    return con


def _temp_inputs(con, people: list, tickets: list | None) -> None:
    """The people file's aliases and the tickets, as the final tables' SQL
    reads them. tickets None: the database's own (a rebuild in place)."""
    alias_rows = [(a, p.handle) for p in people for a in p.aliases if a != p.handle]
    con.execute("CREATE TEMP TABLE _aliases (alias VARCHAR, handle VARCHAR)")
    if alias_rows:
        con.executemany("INSERT INTO _aliases VALUES (?, ?)", alias_rows)
    if tickets is None:
        con.execute("CREATE TEMP TABLE _tickets AS SELECT key, key_norm, status, status_class, resolved_at, due_date, "
                    "assignee, line FROM tickets")  # fmt: skip
        return
    ttbl = pa.Table.from_pylist(
        [{"key": t.key, "key_norm": t.key.upper(), "status": t.status, "status_class": t.status_class,
          "resolved_at": t.resolved_at, "due_date": t.due_date, "assignee": t.assignee, "line": t.line} for t in tickets],
        schema=pa.schema([("key", pa.string()), ("key_norm", pa.string()), ("status", pa.string()),
                          ("status_class", pa.string()), ("resolved_at", pa.date32()), ("due_date", pa.date32()),
                          ("assignee", pa.string()), ("line", pa.int32())]),
    )  # fmt: skip
    load(con, "_tickets", ttbl, temp=True)


def _close_build(con, rules: Rules, opts: BuildOptions, entries, reuse, lap) -> BuildSummary:
    _unknown_corrections(con, rules)
    derived.compute(con)
    lap("derived")
    _write_meta(con, rules, opts, entries)
    for t in STAGING:
        con.execute(f"DROP TABLE _{t}")
    summary = _summary(con, len(entries), len(reuse))
    lap("meta")
    con.execute("CHECKPOINT")
    lap("checkpoint")
    return summary


def _unknown_corrections(con, rules: Rules) -> None:
    """A correction for an incident the corpus does not hold is a build problem (a typo in the id)."""
    con.execute("DELETE FROM problems WHERE code = 'unknown-correction'")
    if not rules.corrections:
        return
    known = {r[0] for r in con.execute("SELECT incident_id FROM incidents").fetchall()}
    rows = [
        (rules.corrections.path, None, None, "warning", "unknown-correction",
         f"a correction names incident {iid!r}, which the corpus does not hold; nothing was corrected")
        for iid in sorted(rules.corrections.by_id) if iid not in known
    ]  # fmt: skip
    if rows:
        con.executemany("INSERT INTO problems VALUES (?, ?, ?, ?, ?, ?, 'build')", rows)


def _old_meta(db: Path, opts: BuildOptions) -> dict[str, str]:
    """The previous database's meta table; {} when there is none to reuse (or --full)."""
    if opts.full or not db.exists():
        return {}
    try:
        con = duckdb.connect(str(db), read_only=True, config={"autoinstall_known_extensions": False})
    except duckdb.Error:
        return {}
    try:
        return dict(con.execute("SELECT key, value FROM meta").fetchall())
    except duckdb.Error:
        return {}
    finally:
        con.close()


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
        "tickets_hash": _file_hash(opts.tickets),
        "people_hash": _file_hash(opts.people),
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
