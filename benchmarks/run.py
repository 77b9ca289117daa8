"""python -m benchmarks.run: the `make bench` entry.

Generates the seeded corpus when missing (or when its arguments changed),
measures, and records in benchmarks/RESULTS.md with the machine it ran on:

  build      full build of the corpus: wall time, documents/s, peak memory of the
             process tree; markdown-it-py tokenising the same .md files, as a ratio
  rebuild    the build again after 1% of the files changed
  analytics  every analytics function the pages call, on the built database
  pages      every page's script under AppTest, first and repeated; the real
             server's memory after a browser opened every page
  profile    cProfile of a full build of a 10k corpus with --jobs 1

It records and never asserts: a missed target is a FAIL in the file, and the
exit status is 0 unless the harness itself broke. The raw figures are kept in
benchmarks/out/n<count>-s<seed>/results.json, so `--only analytics` rewrites
the analytics section and carries the others over from the earlier run."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
import traceback
from pathlib import Path

from benchmarks import bench_analytics, bench_build, bench_corpus, bench_pages, bench_profile, machine, results

ROOT = machine.ROOT
DEFAULT_COUNT = 100_000
QUICK_COUNT = 10_000
PROFILE_COUNT = 10_000


def make_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    ap.add_argument(
        "--count", type=int, default=DEFAULT_COUNT, help=f"incidents in the corpus (default {DEFAULT_COUNT:,})"
    )
    ap.add_argument("--quick", action="store_true", help=f"a fast check: --count {QUICK_COUNT:,}")
    ap.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    ap.add_argument("--only", default=",".join(results.SECTIONS),
                    help=f"comma-separated sections to run (default all: {','.join(results.SECTIONS)})")  # fmt: skip
    ap.add_argument("--out", type=Path, help="results file (default benchmarks/RESULTS.md at the design size of "
                    f"{DEFAULT_COUNT:,}, else benchmarks/out/RESULTS-<count>.md)")  # fmt: skip
    ap.add_argument("--corpus-dir", type=Path, default=bench_corpus.DEFAULT_DIR,
                    help="where corpora are generated and kept (default benchmarks/corpus)")  # fmt: skip
    ap.add_argument("--work-dir", type=Path, default=ROOT / "benchmarks" / "out",
                    help="databases, logs, profiles and raw results (default benchmarks/out)")  # fmt: skip
    ap.add_argument("--profile-count", type=int, default=PROFILE_COUNT,
                    help=f"incidents in the profiled build's corpus (default {PROFILE_COUNT:,})")  # fmt: skip
    ap.add_argument("--no-browser", action="store_true", help="skip the app memory measurement (needs Chromium)")
    ap.add_argument("--gen-jobs", type=int, help="corpus generator processes (default: its own)")
    ap.add_argument("--render", action="store_true",
                    help="measure nothing: rewrite the results file from the figures kept by the last runs")  # fmt: skip
    return ap


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def load_previous(path: Path, count: int, seed: int) -> dict:
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if old.get("corpus", {}).get("count") != count or old.get("corpus", {}).get("seed") != seed:
        return {}
    return old.get("sections", {})


SCALE_COUNT = 20_000  # the design size's build peak is held against the peak at a fifth of it


def scale_figure(work_dir: Path, count: int, seed: int) -> dict | None:
    """The build's peak memory on the SCALE_COUNT corpus, from that corpus's own kept figures (run
    `--only build --count 20000` first); None when this run is that size or smaller."""
    if count <= SCALE_COUNT:
        return None
    try:
        kept = json.loads((work_dir / f"n{SCALE_COUNT}-s{seed}" / "results.json").read_text(encoding="utf-8"))
        sec = kept["sections"]["build"]
    except (OSError, ValueError, KeyError):
        return {"count": SCALE_COUNT}
    return {"count": SCALE_COUNT, "peak_tree_rss_mib": sec["data"].get("peak_tree_rss_mib"), "date": sec["date"],
            "code": kept.get("machine", {}).get("git")}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = make_parser()
    args = ap.parse_args(argv)
    count = QUICK_COUNT if args.quick else args.count
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in only if s not in results.SECTIONS]
    if unknown or count < 1:
        ap.error(
            f"unknown section(s) {unknown}; choose from {','.join(results.SECTIONS)}" if unknown else "--count < 1"
        )
    out = args.out or (ROOT / "benchmarks" / "RESULTS.md" if count == DEFAULT_COUNT
                       else args.work_dir / f"RESULTS-{count}.md")  # fmt: skip
    work = args.work_dir / f"n{count}-s{args.seed}"
    work.mkdir(parents=True, exist_ok=True)
    raw = work / "results.json"
    if args.render:
        try:
            kept = json.loads(raw.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            ap.error(f"--render: no figures kept in {raw}; run the benchmarks first")
        results.write(kept, out)
        log(f"wrote {out} from {raw}")
        return 0
    run_id = machine.now_iso() + f" #{time.time_ns() % 10**6}"
    command = "python -m benchmarks.run " + shlex.join(sys.argv[1:] if argv is None else argv)
    res: dict = {"run": run_id, "date": machine.now_iso(), "command": command.strip(), "machine": machine.describe(),
                 "sections": load_previous(raw, count, args.seed)}  # fmt: skip

    def save() -> None:
        raw.write_text(json.dumps(res, indent=1, default=str) + "\n", encoding="utf-8")
        results.write(res, out)

    log(f"corpus: {count:,} incidents, seed {args.seed}")
    corpus = bench_corpus.ensure(count, args.seed, args.corpus_dir, args.gen_jobs, log)
    res["corpus"] = {**corpus.args, "as_of": corpus.as_of, "stats": corpus.stats(), "generated_s": corpus.generated_s}
    db = work / "bench.duckdb"

    def section(name: str, fn) -> None:
        log(f"section {name}")
        t0 = time.monotonic()
        try:
            data = fn()
        except Exception:  # recorded: the other sections still run
            data = {"exception": traceback.format_exc()[-3000:]}
            log(f"section {name} broke:\n{data['exception']}")
        res["sections"][name] = {"date": machine.now_iso(), "run": run_id, "seconds": round(time.monotonic() - t0),
                                 "data": data}  # fmt: skip
        save()

    if "build" in only:
        section("build", lambda: {**bench_build.full_build(corpus, work, log),
                                  "scale": scale_figure(args.work_dir, count, args.seed)})  # fmt: skip
    # a database this run built or checked is used by every later section as it is, even if someone
    # edits the ingest meanwhile: all sections of one run measure the same database
    ready = {"db": "build" in only and res["sections"]["build"]["data"].get("returncode") == 0}

    def ensure_db() -> None:
        bench_build.ensure_db(corpus, db, log, trust=ready["db"])
        ready["db"] = True

    if "rebuild" in only:
        prev = res["sections"].get("build", {}).get("data", {})

        def rebuild() -> dict:
            ensure_db()
            return bench_build.rebuild(corpus, work, prev.get("wall_s"), log, trust=True)

        section("rebuild", rebuild)
    if "analytics" in only:

        def analytics() -> dict:
            ensure_db()
            return bench_analytics.measure(db, log=log)

        section("analytics", analytics)
    if "pages" in only:

        def pages() -> dict:
            ensure_db()
            return bench_pages.measure(db, work, browser=not args.no_browser, log=log)

        section("pages", pages)
    if "profile" in only:

        def profile() -> dict:
            small = bench_corpus.ensure(args.profile_count, args.seed, args.corpus_dir, args.gen_jobs, log)
            return bench_profile.profile_build(small, work, log)

        section("profile", profile)
    save()
    log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
