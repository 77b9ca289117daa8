"""python -m ingest build: corpus -> a new DuckDB file, swapped in atomically.

Stages: walk the corpus; parse the files (in parallel processes for large
corpora; unchanged files reuse their rows from the previous database);
bulk-load the rows through Arrow; resolve ids and 5-whys attachments across
files; merge ticket statuses and people; compute durations and the guide's
rules in SQL; write meta; CHECKPOINT; os.replace onto the target.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from ingest import PARSER_VERSION, __version__
from ingest.load import derived, incremental
from ingest.load.finalise import finalise, load
from ingest.load.finalise import stage as stage_tables
from ingest.load.people import read_people
from ingest.load.resolve import resolve_staged
from ingest.load.rows import STAGING
from ingest.load.tickets import read_tickets_table, tickets_table
from ingest.parse_files import LOCK_FDS, close_lock_fds, parse_all, parser_pool
from ingest.read import gitdates
from ingest.read.corpus import Entry, corpus_roots, fs_text, walk
from ingest.read.problems import Problems
from ingest.understand.parser import (
    DEFAULT_MAX_BYTES,
    content_hash,
)
from ingest.understand.rules import Rules


class BuildError(Exception):
    """The build could not finish; the previous database is untouched."""


class UsageError(BuildError):
    """The build was asked for something it cannot do (a corpus or database
    path of the wrong kind): nothing was read or written."""


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
    allow_empty: bool = False  # let a corpus without postmortems replace a database that has incidents


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
    notes: list[str] = field(default_factory=list)  # what the user must hear even with --quiet

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
    if not meta or meta.get("tickets_file", "") != _shown(opts.tickets):
        return False
    return not opts.tickets or meta.get("tickets_hash") == _file_hash(opts.tickets)


# A tickets file larger than this is read in a child process: a 300,000-row export made into Python objects
# leaves the build process about 100 MiB larger for the rest of the build, although only its columns are kept.
TICKETS_IN_CHILD_BYTES = 1 << 20


def _read_tickets(opts: BuildOptions) -> tuple[pa.Table, list[tuple]]:
    """The tickets file's tickets (an Arrow table) and its problems (as build problem rows)."""
    if not opts.tickets:
        return tickets_table([]), []
    try:
        big = opts.tickets.stat().st_size > TICKETS_IN_CHILD_BYTES
    except OSError:
        big = False  # read_tickets says why it cannot read it
    if big:
        with ProcessPoolExecutor(max_workers=1, initializer=close_lock_fds) as ex:
            table, found = ex.submit(read_tickets_table, opts.tickets).result()
    else:
        table, found = read_tickets_table(opts.tickets)
    return table, [(_shown(opts.tickets), None, *p) for p in found]


def _old_ticket_problems(db: Path, opts: BuildOptions) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True, config={"autoinstall_known_extensions": False})
    try:
        return [tuple(p) for p in con.execute(
            "SELECT source_path, NULL, line, level, code, message FROM problems WHERE stage = 'build' AND source_path = ?",
            [_shown(opts.tickets)],
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
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
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
    _check_paths(opts)
    with _lock(db):
        return _locked_build(opts, rules, log, t0, stages, lap)


def _check_paths(opts: BuildOptions) -> None:
    """Each corpus root a folder or a file, the database a file (or none yet)
    in a folder that exists: anything else is a usage error, before any work."""
    for root in opts.corpus:
        if not os.path.lexists(root) or not root.exists():
            raise UsageError(f"{_shown(root)}: no such folder")
        if not (root.is_dir() or root.is_file()):
            raise UsageError(f"{_shown(root)}: not a folder or a file (a device, pipe or socket); nothing to read")
    db = opts.db
    if str(db) in ("", ".") or db.is_dir():
        raise UsageError(f"{_shown(db)}: is a folder; the database must be a file")
    if db.exists() and not db.is_file():
        raise UsageError(f"{_shown(db)}: not a regular file (a pipe, socket or device); the database must be a file")
    if db.parent and not db.parent.exists():
        raise UsageError(f"{_shown(db.parent)}: no such folder for the database")


def _shown(path: Path | str | None) -> str:
    """A path as stored and shown (see fs_text); '' for none."""
    return fs_text(str(path)) if path is not None else ""


@contextlib.contextmanager
def _lock(db: Path):
    """Hold `<db>.lock` (beside the database) for the build's whole
    read-modify-swap: two builds of one database at once (one given it by a
    relative path, one by an absolute path) would each reuse and replace the
    other's file and lose incidents. A second build fails at once, with the
    holder's process id; the lock ends with the process, even on kill -9."""
    path = db.with_name(f"{db.name}.lock")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise UsageError(f"{_shown(path)}: cannot create the build's lock file: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            raise BuildError(f"another build is writing {_shown(db)}"
                             f"{f' (process {holder})' if holder.isdigit() else ''}; "
                             "run this one when it has finished") from None  # fmt: skip
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        LOCK_FDS.add(fd)  # parser workers close their inherited copy: the lock ends with this process
        yield
    finally:
        LOCK_FDS.discard(fd)
        os.close(fd)


def _locked_build(opts: BuildOptions, rules: Rules, log, t0: float, stages: dict, lap) -> BuildSummary:
    db = opts.db
    _cleanup_stale(db)
    roots, dropped = corpus_roots(opts.corpus)
    root_notes = [note for _, note in dropped]
    for note in root_notes:
        log(f"note: {note}")
    opts = replace(opts, corpus=roots)
    spool = db.with_name(f".{db.name}.building-{os.getpid()}.spool")
    try:
        spool.mkdir(exist_ok=True)
        with parser_pool(opts.jobs, rules, opts.max_bytes, str(spool)) as pool:
            entries = walk(roots)
            log(f"found {len(entries):,} files under {', '.join(map(_shown, roots))}")
            old_hashes, old_ok = _old_state(db, rules, opts)
            unreadable = [] if old_ok or _incident_count(db) != -1 else [
                f"the previous database {_shown(db)} cannot be read; every file is parsed anew and it is replaced"]  # fmt: skip
            for note in unreadable:
                log(f"note: {note}")
            lap("walk")
            rows, reuse = parse_all(entries, rules, pool, opts.max_bytes, old_hashes, log)
            del old_hashes
        lap("parse")
        git = _git_times(roots, entries) if opts.git else ({}, [])
        files = len(entries)
        del entries  # a record per file: let go before DuckDB builds the tables
        return _load(opts, rules, t0, stages, lap, files, git, rows, reuse, old_ok, dropped, root_notes + unreadable)
    finally:
        shutil.rmtree(spool, ignore_errors=True)


def _load(opts: BuildOptions, rules: Rules, t0: float, stages: dict, lap, files: int, git_found: tuple, rows: dict,
          reuse: list, old_ok: bool, dropped: list, root_notes: list[str]) -> BuildSummary:  # fmt: skip
    """The parsed rows, tickets, people and git times into a new database file, swapped in for `opts.db`."""
    db, roots = opts.db, opts.corpus
    meta = _old_meta(db, opts)
    tickets_same = _tickets_same(meta, opts)
    tickets: pa.Table | None = None  # when unchanged: read if a full build needs them (a rebuild in place has them)
    if tickets_same and opts.tickets:
        ticket_problems = _old_ticket_problems(db, opts)
    else:
        tickets, ticket_problems = _read_tickets(opts)  # none without a tickets file
    people_problems = Problems()
    people = read_people(opts.people, people_problems) if opts.people else []
    people_problems.finish()
    ticket_problems += [(_shown(opts.people), None, p.line, p.level, p.code, p.message) for p in people_problems]
    ticket_problems += [(_shown(r), None, None, "warning", "corpus-root", n) for r, n in dropped]
    git, git_problems = git_found
    ticket_problems += git_problems
    lap("tickets, people, git")

    tmp = db.with_name(f".{db.name}.building-{os.getpid()}")
    for p in (tmp, Path(str(tmp) + ".wal")):
        if p.exists():
            p.unlink()
    in_place = old_ok and bool(reuse) and tickets_same and meta.get("people_hash") == _file_hash(opts.people)
    try:
        summary = None
        notes: list[str] = []
        if in_place:
            shutil.copyfile(db, tmp)
            lap("in place: copy")
            con = _open(tmp, BUILD_MEMORY_LIMITS[-1])  # refreshing 100,000 incidents in place needs more than the first
            try:
                _temp_inputs(con, people, None)
                if incremental.refresh(con, rows, reuse, rules, git, ticket_problems, lap):
                    summary = _close_build(con, rules, opts, files, reuse, lap)
            except duckdb.OutOfMemoryException:
                summary = None  # a database too large to refresh within the limit: the full build's ladder
            finally:
                con.close()
            if summary is None:  # the change was not local (or not within memory): a full build after all
                _discard(tmp)
                lap("in place, abandoned")
        if summary is None:
            # Rows in memory are let go as DuckDB loads them, unless a refresh in place already held them:
            # then they stay, so a full build over the memory limit can load them again.
            keep = _on_disk(rows) or in_place
            full = (opts, rules, lap, files, rows, reuse, old_ok, tmp, tickets, people, ticket_problems, git, keep)
            summary = _within_memory(lambda limit: _full_build(*full, limit), keep, tmp, lap)
        notes = _empty_check(db, summary, opts, roots)
        os.replace(tmp, db)
        wal = Path(str(tmp) + ".wal")
        if wal.exists():
            wal.unlink()
        lap("write")
    except BaseException as exc:
        _discard(tmp)
        if isinstance(exc, duckdb.Error):
            first = (str(exc).splitlines() or [""])[0]
            if old_ok:
                raise BuildError(f"the previous database {_shown(db)} cannot be reused ({first}); "
                                 "rebuild it with --full") from exc  # fmt: skip
            raise BuildError(f"database error: {first}") from exc
        raise
    summary.seconds = time.monotonic() - t0
    summary.db = _shown(db)
    summary.stages = stages
    summary.notes = root_notes + notes
    return summary


def _within_memory(attempt, again: bool, tmp: Path, lap):
    """attempt(memory limit) with DuckDB held to the first of BUILD_MEMORY_LIMITS. A corpus whose tables
    need more is built again at the next (when its rows are still there to load: `again`), and at last
    without a limit, rather than fail."""
    for limit in BUILD_MEMORY_LIMITS:
        try:
            return attempt(limit)
        except duckdb.OutOfMemoryException:
            if not again:
                raise
        _discard(tmp)
        lap("over the memory limit")
    return attempt(None)


def _discard(tmp: Path) -> None:
    """A database file being built, and its write-ahead log, removed (whichever exist)."""
    for p in (tmp, Path(str(tmp) + ".wal")):
        with contextlib.suppress(OSError):
            p.unlink()


def _on_disk(rows: dict) -> bool:
    """Whether the parsed rows are files (which a second attempt can load again), not Arrow tables in memory."""
    return all(isinstance(p, str) for parts in rows.values() for p in parts)


def _full_build(opts: BuildOptions, rules: Rules, lap, files: int, rows: dict, reuse: list, old_ok: bool,
                tmp: Path, tickets: pa.Table | None, people: list, ticket_problems: list[tuple], git: dict,
                keep: bool, memory_limit: str | None) -> BuildSummary:  # fmt: skip
    """Every table of a new database at `tmp` from the parsed rows (and the reused files' rows of the
    previous database), with DuckDB held to `memory_limit` (None: DuckDB's own default); `keep`: rows in
    memory stay after DuckDB has loaded them."""
    db = opts.db
    con = _open(tmp, memory_limit)
    try:
        if old_ok and reuse:
            con.execute("ATTACH ? AS old (READ_ONLY)", [str(db)])
        stage_tables(con, rows, reuse, "old." if old_ok else None, keep=keep)
        if old_ok and reuse:
            con.execute("DETACH old")
        lap("load")
        resolve_problems = resolve_staged(con)
        lap("resolve")
        if tickets is None:  # the previous database holds this build's tickets
            con.execute("ATTACH ? AS old (READ_ONLY)", [str(db)])
            _temp_inputs(con, people, None, "old.")
            con.execute("DETACH old")
            lap("tickets")
        else:
            _temp_inputs(con, people, tickets)
        finalise(con, rules, ticket_problems + resolve_problems, git, people)
        lap("tables")
        return _close_build(con, rules, opts, files, reuse, lap)
    finally:
        con.close()


def _git_times(roots: list[Path], entries: list[Entry]) -> tuple[dict[str, datetime], list[tuple]]:
    """{display path: time its file entered git}, and a build problem for each
    file whose history cannot give a date."""
    git: dict[str, datetime] = {}
    problems: list[tuple] = []
    by_abs: dict[str, str] | None = None
    for root in roots:
        bad: list[tuple[str, str]] = []
        times = gitdates.first_commit_times(Path(root), bad)
        if not times and not bad:  # not in git: no need to resolve every file's path
            continue
        if by_abs is None:
            by_abs = {os.path.realpath(e.abs_path): e.path for e in entries}
        git.update({by_abs[a]: t for a, t in times.items() if a in by_abs})
        problems += [(by_abs[a], None, None, "warning", "git-date", m) for a, m in bad if a in by_abs]
    return git, problems


def _empty_check(db: Path, summary: BuildSummary, opts: BuildOptions, roots: list[Path]) -> list[str]:
    """A corpus that gives no postmortem (an empty or unreadable folder, the
    wrong folder) must not silently replace a database that has incidents:
    that is an error unless --allow-empty. Otherwise the empty database is
    written, and said so."""
    if summary.incidents or summary.attached:
        return []
    before = _incident_count(db)
    where = ", ".join(map(_shown, roots))
    found = f"no postmortems under {where} ({summary.files} files seen)"
    if before is None:
        return [f"{found}: wrote an empty database"]
    if before == 0:
        return [f"{found}: the database stays empty"]
    if not opts.allow_empty:
        had = "cannot be read" if before < 0 else f"has {before} incidents"
        raise BuildError(f"{found}; the previous database {had} and is kept: "
                         "pass --allow-empty to replace it with an empty one")  # fmt: skip
    return [f"{found}: replaced a database of {max(before, 0)} incidents with an empty one (--allow-empty)"]


def _incident_count(db: Path) -> int | None:
    """Incidents in the database at `db`: None when there is none, -1 when it
    cannot be read."""
    if not db.exists():
        return None
    try:
        con = duckdb.connect(str(db), read_only=True, config={"autoinstall_known_extensions": False})
    except duckdb.Error:
        return -1
    try:
        return con.execute("SELECT count(*) FROM incidents").fetchone()[0]
    except duckdb.Error:
        return -1
    finally:
        con.close()


# What DuckDB may hold in memory while it builds: beyond it, it writes blocks out to the database file and
# spills sorts, joins and windows beside it. Without a limit it keeps what it loads (up to most of the
# machine's memory), and the build's footprint grows with the corpus. 100,000 incidents need between 160
# and 192 MB; a corpus that needs more is built again at the next limit, and at last without one, rather
# than fail. Tables are not kept in insertion order (no query relies on a table's physical order), which
# lets DuckDB stream and spill more and halves the time it takes to load the parsed rows.
BUILD_MEMORY_LIMITS = ("192MB", "768MB")


def _open(path: Path, memory_limit: str | None):
    """A connection to a database being built; DuckDB held to `memory_limit` (None: its own default)."""
    con = duckdb.connect(str(path), config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    con.execute("SET TimeZone = 'UTC'")
    if memory_limit:
        con.execute("SET memory_limit = ?", [memory_limit])
    con.execute("SET preserve_insertion_order = false")
    return con


def _temp_inputs(con, people: list, tickets: pa.Table | None, old: str = "") -> None:
    """The people file's aliases and the tickets, as the final tables' SQL
    reads them. tickets None: those of the database's schema `old` (the database itself in a rebuild in place,
    'old.' for the previous database attached)."""
    alias_rows = [(a, p.handle) for p in people for a in p.aliases if a != p.handle]
    con.execute("CREATE TEMP TABLE _aliases (alias VARCHAR, handle VARCHAR)")
    if alias_rows:
        con.executemany("INSERT INTO _aliases VALUES (?, ?)", alias_rows)
    if tickets is None:
        con.execute("CREATE TEMP TABLE _tickets AS SELECT key, key_norm, status, status_class, resolved_at, due_date, "
                    f"assignee, line FROM {old}tickets ORDER BY line")  # fmt: skip
        return
    load(con, "_tickets", tickets, temp=True)


def _close_build(con, rules: Rules, opts: BuildOptions, files: int, reuse, lap) -> BuildSummary:
    _unknown_corrections(con, rules)
    derived.compute(con)
    lap("derived")
    _write_meta(con, rules, opts)
    for t in STAGING:
        con.execute(f"DROP TABLE _{t}")
    summary = _summary(con, files, len(reuse))
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


def _write_meta(con, rules: Rules, opts: BuildOptions) -> None:
    """The build facts. `bundled_sample` says whether the corpus is the project's own data/sample, so the
    dashboard can say a database holds the generated sample, not the reader's postmortems."""
    sample = Path(__file__).resolve().parent.parent / "data" / "sample"
    meta = {
        "bundled_sample": json.dumps(bool(opts.corpus) and all(Path(r).resolve() == sample for r in opts.corpus)),
        "built_at": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "tool_version": __version__,
        "parser_version": str(PARSER_VERSION),
        "rules_fingerprint": rules.fingerprint,
        "max_bytes": str(opts.max_bytes),
        "corpus_roots": json.dumps([_shown(r) for r in opts.corpus]),
        "as_of": (opts.as_of or date.today()).isoformat(),
        "tickets_file": _shown(opts.tickets),
        "tickets_hash": _file_hash(opts.tickets),
        "people_hash": _file_hash(opts.people),
        "people_file": _shown(opts.people),
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
    """`python -m ingest build` (the arguments are checked by ingest.cli first).
    Exit status 0 when the database was written, 1 when the build could not
    finish (the previous database is then untouched), 2 on bad usage."""
    from ingest.cli import cores, error, printable

    def say(msg: str) -> None:
        print("\n".join(map(printable, msg.split("\n"))), file=sys.stderr, flush=True)

    log = (lambda msg: None) if args.quiet else say
    as_of = date.fromisoformat(args.as_of) if args.as_of else None
    jobs = args.jobs
    if jobs > cores():
        say(f"note: --jobs {jobs} is more than the {cores()} cores here; using {cores()}")
        jobs = cores()
    opts = BuildOptions(corpus=args.corpus, db=Path(args.db), tickets=args.tickets, people=args.people, as_of=as_of,
                        jobs=jobs, full=args.full, git=not args.no_git, max_bytes=args.max_bytes,
                        allow_empty=args.allow_empty)  # fmt: skip
    try:
        summary = build(opts, rules, log)
    except UsageError as exc:
        return error(str(exc))
    except BuildError as exc:
        kept = "" if "previous database" in str(exc) else "; the previous database (if any) is unchanged"
        say(f"error: {exc}{kept}")
        return 1
    log(summary.text())
    for note in summary.notes:
        if args.quiet or note.startswith("no postmortems"):  # the others were logged as they were found
            say(f"note: {note}")
    return 0
