"""python -m benchmarks.corpusgen: the command line."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from benchmarks.corpusgen import SAMPLE_ARGS
from benchmarks.corpusgen.corpus import OutputNotEmpty, generate, report
from benchmarks.corpusgen.plan import Config

DESCRIPTION = """\
Generate a seeded, realistic corpus of engineering postmortems.

Layout under --out: <team>/<year>/<YYYY-MM-DD>-<slug>.md|.yaml|.json for six
teams (payments, search, identity, platform, data, mobile), plus files that are
not postmortems: README.md (an index), templates/postmortem-template.md,
payments/diagram.png, a few team notes and one truncated export.

Shapes: the guide's standard template with a table timeline (~40%) or a list
timeline and checkbox action items (~10%), quick postmortems (~15%), a
standard postmortem plus a separate 5 whys file (~10%), YAML front matter
(~10%), structured YAML (~8%) and JSON (~2%), and --messy-share of messy
documents (header tables, PST/CET/IST timelines across midnight, 12-hour
clocks, impossible dates, unknown severities, 25:61, short rows, blame).

--count counts incidents (a postmortem and its 5 whys file are one incident).
The manifest lists every file with its expected outcome and, for postmortems,
the ground truth: id, kind, team, severity, status, milestones (UTC), factor
categories, action-item count, and for messy documents the fields they garble.
Same arguments => byte-identical output."""


def make_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.corpusgen", description=DESCRIPTION,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    ap.add_argument("--out", type=Path, help="folder to write the corpus into (must be empty, or see --overwrite)")
    ap.add_argument("--count", type=int, default=150, help="number of incidents (default: 150)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    ap.add_argument("--start", type=date.fromisoformat, default=date(2024, 10, 1),
                    help="first day of the first quarter, YYYY-MM-DD (default: 2024-10-01)")  # fmt: skip
    ap.add_argument("--quarters", type=int, default=8, help="number of 3-month quarters (default: 8)")
    ap.add_argument("--messy-share", type=float, default=0.12, help="share of messy documents (default: 0.12)")
    ap.add_argument("--tickets", type=Path, help="also write a Jira-style tickets CSV with action-item statuses")
    ap.add_argument("--people", type=Path, help="also write a people YAML (handle -> name, team, manager)")
    ap.add_argument("--manifest", type=Path, help="also write the ground-truth manifest (JSON)")
    ap.add_argument("--overwrite", action="store_true",
                    help="empty --out first; only done when it holds a corpus this generator wrote")  # fmt: skip
    ap.add_argument("--sample", action="store_true",
                    help="regenerate the committed sample (data/sample and friends) with SAMPLE_ARGS; run from the "
                    "project root")  # fmt: skip
    ap.add_argument(
        "--jobs",
        type=int,
        help="worker processes (default: one per core for 4,000+ incidents); the output does not depend on it",
    )
    ap.add_argument("--quiet", action="store_true", help="no progress or summary on stderr")
    return ap


def config_of(args: argparse.Namespace) -> Config:
    return Config(args.count, args.seed, args.start, args.quarters, args.messy_share)


def main(argv: list[str] | None = None) -> int:
    ap = make_parser()
    args = ap.parse_args(argv)
    if args.sample:
        args = ap.parse_args(list(SAMPLE_ARGS) + (["--quiet"] if args.quiet else []))
    if args.out is None:
        ap.error("--out is required")
    if args.count < 1 or args.quarters < 1 or not 0 <= args.messy_share < 1:
        ap.error("--count and --quarters must be positive and --messy-share in [0, 1)")
    cfg = config_of(args)
    stream = None if args.quiet else sys.stderr
    t0 = time.perf_counter()
    try:
        counts = generate(cfg, args.out, args.tickets, args.people, args.manifest, args.overwrite, stream, args.jobs)
    except OutputNotEmpty as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if stream is not None:
        report(counts, time.perf_counter() - t0, cfg.count, stream)
    return 0
