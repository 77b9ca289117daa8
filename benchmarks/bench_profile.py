"""The build under cProfile: a 10k corpus, `--jobs 1` (every function in one
process, so the profile sees the parsing too), the top functions by cumulative
and by own time, and own time summed per source file."""

from __future__ import annotations

import io
import pstats
import re
import sys
from pathlib import Path

from benchmarks.bench_build import build_cmd, shown
from benchmarks.bench_corpus import Corpus
from benchmarks.machine import ROOT, CpuMeter, run_measured

TOP = 25


_SITE = re.compile(r"\S*/site-packages/")
_STDLIB = re.compile(r"\S*/lib/python3\.\d+/")


def _short(text: str) -> str:
    """Source paths relative to the project, to site-packages or to the standard library."""
    text = text.replace(str(ROOT) + "/", "")
    return _STDLIB.sub("stdlib/", _SITE.sub("", text))


def _table(stats: pstats.Stats, key: str, n: int = TOP) -> str:
    buf = io.StringIO()
    stats.stream = buf
    stats.sort_stats(key).print_stats(n)
    lines = buf.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    return "\n".join(_short(line) for line in lines[start:] if line.strip())


def by_file(stats: pstats.Stats, n: int = 15) -> list[tuple[str, float, float]]:
    """(file, own seconds, share of all own time) for the files costing most."""
    own: dict[str, float] = {}
    for (filename, _line, _fn), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        name = "(built-in functions: C code such as re, marshal, DuckDB)" if filename == "~" else _short(filename)
        own[name] = own.get(name, 0.0) + tt
    total = sum(own.values()) or 1.0
    top = sorted(own.items(), key=lambda kv: -kv[1])[:n]
    return [(f, round(s, 2), round(s / total, 3)) for f, s in top]


def profile_build(corpus: Corpus, work: Path, log=print) -> dict:
    db = work / "profile.duckdb"
    prof = work / "build.prof"
    db.unlink(missing_ok=True)
    cmd = build_cmd(corpus, db, jobs=1)
    # python -m cProfile -o FILE -m ingest build ...
    cmd = [sys.executable, "-m", "cProfile", "-o", str(prof), *cmd[1:]]
    log(f"profiling the build of {corpus.docs} with --jobs 1 ...")
    meter = CpuMeter()
    m = run_measured(cmd, work / "profile.log")
    out = {"command": shown([*cmd[:4], prof.name, *cmd[5:]]), "wall_s": round(m.wall_s, 1), "returncode": m.returncode,
           "incidents": corpus.args["count"]}  # fmt: skip
    db.unlink(missing_ok=True)
    if m.returncode != 0 or not prof.is_file():
        out["error"] = m.log[-2000:]
        out["machine"] = meter.stop()
        return out
    stats = pstats.Stats(str(prof))
    out["total_s"] = round(stats.total_tt, 1)  # type: ignore[attr-defined]
    out["cumulative"] = _table(stats, "cumulative")
    out["tottime"] = _table(stats, "tottime")
    out["by_file"] = by_file(stats)
    out["files"] = corpus.stats()["files"]
    out["machine"] = meter.stop()
    return out
