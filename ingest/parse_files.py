"""Running the parser over the corpus's files: in worker processes when there are many, each file guarded
so that whatever goes wrong with one (parsing it, turning it into rows, storing those rows) rejects that file
with the reason and never stops the build. What comes back is staging rows per chunk: in the worker processes
each chunk's Arrow tables are written to Parquet files in a spool folder (the build process holds their names,
not the rows, so its memory stays flat however large the corpus); a small corpus parsed in the build process
keeps its Arrow tables in memory."""

from __future__ import annotations

import contextlib
import multiprocessing.util
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.load.finalise import arrow_table
from ingest.load.rows import STAGING, document_rows, made_safe
from ingest.read.corpus import Entry
from ingest.understand.document import ParsedDocument
from ingest.understand.parser import MARKDOWN_SUFFIXES, STRUCTURED_SUFFIXES, content_hash, parse_bytes, suffix_of
from ingest.understand.rules import Rules

CHUNK = 128
PARALLEL_THRESHOLD = 200

_W: dict = {}


# File descriptors the build holds a lock on (ingest.build._lock). A forked parser worker inherits them,
# and an flock lasts while any copy is open: a worker still finishing after its build was killed would
# keep the database locked against the next build. Workers close their copies first thing.
LOCK_FDS: set[int] = set()


def close_lock_fds() -> None:
    """In a forked child of the build: let go of the build's lock (see LOCK_FDS)."""
    for fd in LOCK_FDS:
        with contextlib.suppress(OSError):
            os.close(fd)


@contextlib.contextmanager
def parser_pool(jobs: int, rules: Rules, max_bytes: int, spool: str | None):
    """The parser worker processes (None for one job), started at once: the build starts them before it walks
    the corpus, because a forked worker holds a copy of everything the build process held when it was forked,
    and the file list of a 100,000-file corpus is 50 MiB of it."""
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1:
        yield None
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(rules, max_bytes, spool)) as ex:
        ex.submit(int).result()  # the first task forks every worker
        yield ex


def _init_worker(rules: Rules, max_bytes: int, spool: str | None) -> None:
    close_lock_fds()
    _W.update(rules=rules, max_bytes=max_bytes, spool=spool, writers={}, files=0)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    # the worker's Parquet files are complete when it exits: the pool's shutdown waits for that
    multiprocessing.util.Finalize(None, _close_writers, exitpriority=10)


def _exit_with_parent(parent: int) -> None:
    """A parser worker whose build was killed (kill -9 gives the pool no
    chance to stop it) would wait for work forever: it leaves instead."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _parse_chunk(
    entries: list[Entry], old: dict[str, tuple]
) -> tuple[list[tuple[str, int]], dict[str, pa.Table | str]]:
    reuse, tables = parse_chunk(entries, _W["rules"], _W["max_bytes"], old)
    if _W["spool"] is None:
        return reuse, tables
    return reuse, {t: _spooled(t, tbl) for t, tbl in tables.items()}


# Chunks a worker appends to one Parquet file before it starts the next: a writer keeps every row group's
# metadata until it is closed, and a worker's thousand chunks of a large corpus made it grow by 60 MiB.
CHUNKS_PER_FILE = 32


def _spooled(table: str, tbl: pa.Table) -> str:
    """The chunk's rows of `table` appended to this worker's current Parquet file of it (a file per table and
    worker for every CHUNKS_PER_FILE chunks: DuckDB reads a few large files much faster than thousands of
    small ones), uncompressed (the file lives only until the build loads it)."""
    path, w, n = _W["writers"].get(table, (None, None, CHUNKS_PER_FILE))
    if n >= CHUNKS_PER_FILE:
        if w is not None:
            w.close()
        _W["files"] += 1
        path = f"{_W['spool']}/{table}-{os.getpid()}-{_W['files']}.parquet"
        w, n = pq.ParquetWriter(path, tbl.schema, compression="none", use_dictionary=False,
                                write_statistics=False), 0  # fmt: skip
    w.write_table(tbl)
    _W["writers"][table] = (path, w, n + 1)
    return path


def _close_writers() -> None:
    for _, w, _ in _W.get("writers", {}).values():
        w.close()


def parse_chunk(
    entries: list[Entry], rules: Rules, max_bytes: int, old: dict[str, tuple]
) -> tuple[list[tuple[str, int]], dict[str, pa.Table]]:
    """Parse a chunk of files -> (paths whose records are reused, staging rows
    as Arrow tables). Runs in the worker processes: what goes back to the main
    process is columnar buffers, not millions of Python tuples. Every step of
    one file, to its Arrow rows, is guarded: a file the build cannot take is
    rejected with the reason and the others go on."""
    reuse: list[tuple[str, int]] = []
    docs: list[tuple[Entry, dict[str, list[tuple]]]] = []
    for e in entries:
        r = _guarded_parse_one(e, rules, max_bytes, old)
        if r[0] == "reuse":
            reuse.append((r[1], r[2]))
        else:
            docs.append((e, r[2]))
    try:
        return reuse, _arrow_tables([rows for _, rows in docs])
    except Exception:  # some file's rows do not fit their columns: find it, and only it pays
        return reuse, _arrow_tables([_storable(e, rows) for e, rows in docs])


def _arrow_tables(per_doc: list[dict[str, list[tuple]]]) -> dict[str, pa.Table]:
    rows: dict[str, list] = {t: [] for t in STAGING}
    for d in per_doc:
        for t, rs in d.items():
            rows[t].extend(rs)
    return {t: arrow_table(t, STAGING[t], rs) for t, rs in rows.items() if rs}


def _guarded_parse_one(e: Entry, rules: Rules, max_bytes: int, old: dict[str, tuple]) -> tuple:
    """_parse_one, with any failure on this file a rejection of this file."""
    try:
        return _parse_one(e, rules, max_bytes, old)
    except Exception as exc:
        return ("rows", e.path, _outcome_rows(e, "rejected", _failure(exc)))


def _failure(exc: BaseException) -> str:
    first = (str(exc).splitlines() or [""])[0][:200].encode("utf-8", "backslashreplace").decode()
    return f"the build failed on this file ({type(exc).__name__}: {first}); please report it"


def _storable(e: Entry, rows: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """One file's rows as they can be stored: as they are; else with text that
    no column can hold (a lone surrogate, as JSON's "\\ud800" gives) made
    safe, with a warning; else the file rejected with the reason."""
    error = _unfit(rows)
    if error is None:
        return rows
    safe = made_safe(rows)
    if _unfit(safe) is None:
        safe["problems"].append((e.path, None, "warning", "bad-text",
                                 "text holding a lone UTF-16 surrogate (such as a JSON \"\\ud800\" escape), "
                                 "which is not a character; each reads as \ufffd"))  # fmt: skip
        return safe
    return _outcome_rows(e, "rejected", f"what the parser read from this file cannot be stored ({error}); "
                                        "please report it")  # fmt: skip


def _unfit(rows: dict[str, list[tuple]]) -> str | None:
    """Why these rows do not convert to their Arrow columns (None: they do)."""
    try:
        _arrow_tables([rows])
    except Exception as exc:
        return f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0][:200]}"
    return None


def _parse_one(e: Entry, rules: Rules, max_bytes: int, old: dict[str, tuple]) -> tuple:
    """('reuse', path, mtime_ns) when the file is unchanged since the previous
    build, else ('rows', path, staging rows). Unchanged means: the same size
    and modification time (then it is not even read, as make and git do), or
    else the same content hash."""
    if e.note is not None:
        return ("rows", e.path, _outcome_rows(e, e.outcome, e.note))
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
    entries: list[Entry], rules: Rules, pool: ProcessPoolExecutor | None, max_bytes: int,
    old_hashes: dict[str, tuple], log,
) -> tuple[dict[str, list[pa.Table | str]], list[tuple[str, int]]]:  # fmt: skip
    """Staging rows of the changed files (per staging table, Arrow tables or
    the Parquet files the `pool`'s workers wrote them to) and the paths whose
    records are reused from the previous database."""
    tables: dict[str, list[pa.Table | str]] = {t: [] for t in STAGING}
    reuse: list[tuple[str, int]] = []
    if old_hashes:  # files with the same size and modification time are reused here, never sent to a worker
        entries, reuse = _unchanged(entries, old_hashes)
        old_hashes = {e.path: old_hashes[e.path] for e in entries if e.path in old_hashes}
    total = len(entries)
    started = time.monotonic()
    last = started
    done = 0

    def take(n: int, result: tuple[list[tuple[str, int]], dict[str, pa.Table | str]]) -> None:
        nonlocal done, last
        done += n
        reuse.extend(result[0])
        for t, tbl in result[1].items():
            if not (isinstance(tbl, str) and tbl in tables[t]):  # a worker's file comes back with each chunk
                tables[t].append(tbl)
        now = time.monotonic()
        if now - last >= 1.0:
            last = now
            log(f"parsed {done:,}/{total:,} files ({done / (now - started):,.0f}/s)")

    if pool is None or total < PARALLEL_THRESHOLD:
        for i in range(0, total, CHUNK):
            chunk = entries[i : i + CHUNK]
            take(len(chunk), parse_chunk(chunk, rules, max_bytes, old_hashes))
    else:  # each chunk goes with the previous build's hashes of its own files
        chunks = [entries[i : i + CHUNK] for i in range(0, total, CHUNK)]
        olds = [{e.path: old_hashes[e.path] for e in c if e.path in old_hashes} for c in chunks]
        for chunk, res in zip(chunks, pool.map(_parse_chunk, chunks, olds), strict=True):
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
