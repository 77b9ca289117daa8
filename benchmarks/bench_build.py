"""Figures 1 and 2: the full build, markdown-it-py tokenising the same files,
and the rebuild after 1% of the files changed.

The build runs as `python -m ingest build ...` in a subprocess, exactly as a
user runs it, waited for with wait4 and its process tree sampled from /proc
(the build parses in a process pool, so the workers count).

    python -m benchmarks.bench_build --markdown-it DIR

tokenises every .md file under DIR with markdown-it-py in this one process and
prints the rates as JSON (the harness runs it in a fresh interpreter)."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import shutil
import sys
import time
from pathlib import Path

import duckdb

from benchmarks.bench_corpus import Corpus
from benchmarks.machine import MIB, ROOT, CpuMeter, Measured, run_measured

TOUCH_EVERY = 100  # every 100th Markdown file changes: 1%
TOUCH_LINE = b"\n<!-- edited: the rebuild benchmark appended this line -->\n"
INGEST_DIRS = ("ingest", "ingest/read", "ingest/understand", "ingest/load", "data")


def build_cmd(corpus: Corpus, db: Path, jobs: int | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "ingest", "build", str(corpus.docs), "--db", str(db), "--tickets",
           str(corpus.tickets), "--people", str(corpus.people), "--as-of", corpus.as_of, "--no-git", "--quiet"]  # fmt: skip
    if jobs:
        cmd += ["--jobs", str(jobs)]
    return cmd


def shown(cmd: list[str]) -> str:
    """A command as a reader would type it: `python`, paths relative to the project."""
    return shlex.join(["python", *cmd[1:]]).replace(str(ROOT) + "/", "")


def ingest_hash() -> str:
    """The ingest's code and rule files: a database built by other code is stale."""
    h = hashlib.sha256()
    for d in INGEST_DIRS:
        for p in sorted((ROOT / d).glob("*")):
            if p.is_file() and p.suffix in (".py", ".yaml"):
                h.update(p.name.encode())
                h.update(p.read_bytes())
    return h.hexdigest()[:16]


def db_stamp(corpus: Corpus) -> dict:
    return {"corpus": corpus.args, "ingest": ingest_hash(), "as_of": corpus.as_of}


def write_stamp(db: Path, corpus: Corpus) -> None:
    db.with_suffix(".json").write_text(json.dumps(db_stamp(corpus), indent=2) + "\n", encoding="utf-8")


def ensure_db(corpus: Corpus, db: Path, log=print, trust: bool = False) -> None:
    """A database of this corpus by this ingest at db (built, untimed, if not).
    trust: a database this run's full build wrote is used as it is, even if the
    ingest's files changed since (someone editing them while the run goes on)."""
    if trust and db.is_file():
        return
    try:
        fresh = db.is_file() and json.loads(db.with_suffix(".json").read_text(encoding="utf-8")) == db_stamp(corpus)
    except (OSError, ValueError):
        fresh = False
    if fresh:
        return
    log(f"building the database for the other benchmarks (untimed) -> {db}")
    db.unlink(missing_ok=True)
    m = run_measured(build_cmd(corpus, db), db.with_suffix(".log"))
    if m.returncode != 0:
        raise RuntimeError(f"ingest build failed ({m.returncode}):\n{m.log}")
    write_stamp(db, corpus)


def _summary(m: Measured) -> dict:
    t = m.tree
    parse = None
    if t.children_first is not None and t.children_last is not None:
        parse = {"before_s": round(t.children_first, 1), "workers_s": round(t.children_last - t.children_first, 1),
                 "after_s": round(m.wall_s - t.children_last, 1)}  # fmt: skip
    workers_cpu = sum(t.child_cpu.values())
    return {
        "returncode": m.returncode,
        "wall_s": round(m.wall_s, 2),
        "cpu_workers_s": round(workers_cpu, 1),
        "cpu_main_s": round(m.cpu_s - workers_cpu, 1),
        "cpu_s": round(m.cpu_s, 1),
        "cpu_user_s": round(m.cpu_user_s, 1),
        "cpu_sys_s": round(m.cpu_sys_s, 1),
        "peak_tree_rss_mib": round(t.peak_rss_sum / MIB),
        "peak_tree_pss_mib": round(t.peak_pss_sum / MIB),
        "peak_main_rss_mib": round(t.peak_root_rss / MIB),
        "peak_worker_rss_mib": round(t.peak_child_rss / MIB),
        "maxrss_single_mib": round(m.maxrss_single / MIB),
        "max_processes": t.max_processes,
        "phases": parse,
        "memory_series": t.series[:: max(1, len(t.series) // 40)],
        "log_tail": m.log[-1500:] if m.returncode else "",
    }


def db_counts(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        files, reused = con.execute("SELECT count(*), count(*) FILTER (WHERE reused) FROM sources").fetchone()
        incidents = con.execute("SELECT count(*) FROM incidents").fetchone()[0]
        items = con.execute("SELECT count(*) FROM action_items").fetchone()[0]
    finally:
        con.close()
    return {"files": files, "reused": reused, "incidents": incidents, "action_items": items,
            "db_mib": round(db.stat().st_size / MIB, 1)}  # fmt: skip


def full_build(corpus: Corpus, work: Path, log=print) -> dict:
    """Figure 1: a from-scratch build of the corpus, then markdown-it on its .md files."""
    db = work / "bench.duckdb"
    db.unlink(missing_ok=True)
    db.with_suffix(".json").unlink(missing_ok=True)
    warm_s, warm_mib = warm_page_cache(corpus.docs)
    log(f"read the corpus into the page cache first ({warm_mib:,.0f} MiB in {warm_s:.1f} s); full build of "
        f"{corpus.docs} ...")  # fmt: skip
    meter = CpuMeter()
    m = run_measured(build_cmd(corpus, db), work / "build.log")
    out = {"command": shown(build_cmd(corpus, db)), **_summary(m), "jobs": os.cpu_count(), "ingest_hash": ingest_hash(),
           "warm_read_s": round(warm_s, 1)}  # fmt: skip
    if m.returncode != 0:
        out["machine"] = meter.stop()
        return out
    write_stamp(db, corpus)
    counts = db_counts(db)
    out.update(counts)
    out["docs_per_s"] = round(counts["files"] / m.wall_s, 1)
    out["incidents_per_s"] = round(counts["incidents"] / m.wall_s, 1)
    log(f"  {m.wall_s:.1f} s, {out['docs_per_s']:,.0f} documents/s; markdown-it-py on the same files ...")
    out["markdown_it"] = markdown_it_subprocess(corpus.docs)
    mi = out["markdown_it"]
    if mi.get("parse_docs_per_s"):
        out["ratio"] = round(out["docs_per_s"] / mi["parse_docs_per_s"], 2)
        out["ratio_per_core"] = round(out["ratio"] / max(1, out["jobs"]), 2)
        out["ratio_with_reading"] = round(out["docs_per_s"] / mi["read_parse_docs_per_s"], 2)
    out["machine"] = meter.stop()
    return out


def warm_page_cache(docs: Path) -> tuple[float, float]:
    """Read every file of the corpus once, so the build is timed on files in the page cache, as markdown-it's
    tokenising is: a machine that evicts idle file pages (this one does) otherwise makes the build's time
    partly disk reads, which vary from run to run. (seconds, MiB) of the read."""
    t0, size = time.monotonic(), 0
    for path in sorted(docs.rglob("*")):
        if path.is_file():
            size += len(path.read_bytes())
    return time.monotonic() - t0, size / MIB


def markdown_it_subprocess(docs: Path) -> dict:
    import subprocess

    run = subprocess.run([sys.executable, "-m", "benchmarks.bench_build", "--markdown-it", str(docs)], cwd=ROOT,
                         capture_output=True, text=True, check=False)  # fmt: skip
    if run.returncode != 0:
        return {"error": run.stderr[-2000:]}
    return json.loads(run.stdout)


def markdown_it_rate(docs: Path) -> dict:
    """markdown-it-py ("commonmark") tokenising every .md file under docs, one process:
    the rate of parse() alone, and of reading + decoding + parse()."""
    from markdown_it import MarkdownIt
    from markdown_it import __version__ as mdit_version

    md = MarkdownIt("commonmark")
    files = sorted(p for p in docs.rglob("*") if p.suffix.lower() in (".md", ".markdown") and p.is_file())
    parse_s = 0.0
    tokens = 0
    size = 0
    t0 = time.perf_counter()
    for p in files:
        text = p.read_bytes().decode("utf-8", errors="replace")
        t1 = time.perf_counter()
        tokens += len(md.parse(text))
        parse_s += time.perf_counter() - t1
        size += len(text)
    total_s = time.perf_counter() - t0
    n = len(files)
    return {"version": mdit_version, "files": n, "mib": round(size / MIB, 1), "tokens": tokens,
            "parse_s": round(parse_s, 2), "read_parse_s": round(total_s, 2),
            "parse_docs_per_s": round(n / parse_s, 1) if parse_s else None,
            "read_parse_docs_per_s": round(n / total_s, 1) if total_s else None}  # fmt: skip


def touched_files(corpus: Corpus) -> list[Path]:
    """Every 100th Markdown file, in path order: 1% of them, the same ones every run."""
    return corpus.md_files()[::TOUCH_EVERY]


def rebuild(corpus: Corpus, work: Path, full_wall_s: float | None, log=print, trust: bool = False) -> dict:
    """Figure 2: copy the full build's database, change 1% of the files, rebuild
    into the copy (the previous database at that path), time it; restore the files."""
    src = work / "bench.duckdb"
    ensure_db(corpus, src, log, trust)
    db = work / "rebuild.duckdb"
    shutil.copyfile(src, db)
    files = touched_files(corpus)
    saved = {p: (p.read_bytes(), p.stat()) for p in files}
    marker = corpus.root / "MODIFIED"
    marker.write_text("the rebuild benchmark changed files here; the corpus will be generated again\n")
    log(f"rebuild after changing {len(files):,} of {len(corpus.md_files()):,} Markdown files ...")
    meter = CpuMeter()
    try:
        for p in files:
            with open(p, "ab") as fh:
                fh.write(TOUCH_LINE)
        m = run_measured(build_cmd(corpus, db), work / "rebuild.log")
    finally:
        for p, (data, st) in saved.items():
            p.write_bytes(data)
            os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
        marker.unlink(missing_ok=True)
    out = {"changed_files": len(files), **_summary(m)}
    if m.returncode == 0:
        out.update(db_counts(db))
        out["parsed"] = out["files"] - out["reused"]
        if full_wall_s:
            out["share_of_full"] = round(m.wall_s / full_wall_s, 3)
            out["full_wall_s"] = round(full_wall_s, 2)
    db.unlink(missing_ok=True)
    out["machine"] = meter.stop()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench_build")
    ap.add_argument("--markdown-it", type=Path, required=True, metavar="DIR",
                    help="tokenise every .md file under DIR with markdown-it-py; print the rates as JSON")  # fmt: skip
    args = ap.parse_args(argv)
    print(json.dumps(markdown_it_rate(args.markdown_it)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
