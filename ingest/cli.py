"""python -m ingest: build the database, parse one document, check a corpus."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ingest import __version__
from ingest.understand.corrections import CORRECTIONS_FILE, load_corrections
from ingest.understand.parser import DEFAULT_MAX_BYTES
from ingest.understand.rules import RulesError, load_rules

DESCRIPTION = """\
Read postmortems (Markdown, YAML, JSON) and load them into DuckDB.

  build   walk one or more corpus folders and write the database
  parse   show what the ingest makes of one document
  check   lint a corpus against the postmortem guide's rules
"""


def _rules_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--taxonomy", type=Path, help="contributing-factor taxonomy (default: data/taxonomy.yaml)")
    p.add_argument("--timeline-rules", type=Path, help="timeline event kind rules (default: data/timeline_rules.yaml)")
    p.add_argument("--durations", type=Path, help="duration definitions (default: data/durations.yaml)")
    p.add_argument(
        "--guide-rules", type=Path, help="guide rule thresholds and blame phrases (default: data/guide_rules.yaml)"
    )
    p.add_argument("--action-types", type=Path,
                   help="action-item types and the rules that infer them (default: data/action_types.yaml)")  # fmt: skip
    p.add_argument("--max-bytes", type=int, default=DEFAULT_MAX_BYTES,
                   help=f"reject documents larger than this many bytes (default: {DEFAULT_MAX_BYTES})")  # fmt: skip
    p.add_argument("--corrections", type=Path,
                   help="milestones set or cleared by hand, with reasons (default: corrections.yaml in the corpus "
                        "root, when there is one)")  # fmt: skip


def make_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m ingest", description=DESCRIPTION,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    ap.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    b = sub.add_parser("build", help="parse a corpus and write the database (atomically)",
                       description="Parse every document under the CORPUS folders and write the DuckDB database. "
                       "The new database is built beside the target and swapped in with one rename, so readers "
                       "never see a half-built file and a failed build leaves the old one in place. "
                       "Unchanged files reuse their records from the previous database.")  # fmt: skip
    b.add_argument("corpus", nargs="+", type=Path, metavar="CORPUS", help="folder (or file) of postmortems")
    b.add_argument(
        "--db", type=Path, default=Path("incidents.duckdb"), help="database file to write (default: incidents.duckdb)"
    )
    b.add_argument("--tickets", type=Path, help="ticket tracker export (CSV) with action item statuses")
    b.add_argument("--people", type=Path, help="people file (YAML): owner handles to name, team and manager")
    b.add_argument("--as-of", help="default as-of date recorded for the dashboard (YYYY-MM-DD; default: today)")
    b.add_argument(
        "--jobs", type=int, default=0, help="parallel parser processes (default: one per core; 1 = no parallelism)"
    )
    b.add_argument("--full", action="store_true", help="reparse every file, ignoring the previous database")
    b.add_argument("--no-git", action="store_true", help="do not read publication dates from git history")
    b.add_argument("--quiet", action="store_true", help="no progress or summary on stderr")
    _rules_args(b)

    p = sub.add_parser("parse", help="print what the ingest makes of one document",
                       description="Parse one document and print the result. Exit status: 0 when the document "
                       "was read (with or without warnings), 1 when it was rejected or is not a postmortem, "
                       "2 on bad usage.")  # fmt: skip
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--json", action="store_true", help="print the one-document view as JSON (FORMAT.md)")
    p.add_argument("--root", type=Path, help="corpus root the id and team derive from (default: the file's folder)")
    _rules_args(p)

    c = sub.add_parser("check", help="lint postmortems against the guide's rules",
                       description="Check every postmortem under the CORPUS folders against the guide's rules "
                       "and report parse problems. Exit status 1 when there are findings at or above "
                       "--fail-on, 0 otherwise, 2 on bad usage.")  # fmt: skip
    c.add_argument("corpus", nargs="+", type=Path, metavar="CORPUS")
    c.add_argument("--fail-on", choices=("error", "warning", "never"), default="error",
                   help="lowest level that makes the exit status 1 (default: error)")  # fmt: skip
    c.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    c.add_argument("--no-git", action="store_true", help="do not read publication dates from git history")
    _rules_args(c)
    return ap


def load_rules_from(args) -> object:
    rules = load_rules(args.taxonomy, args.timeline_rules, args.durations, args.guide_rules, args.action_types)
    return rules.with_corrections(load_corrections(corrections_path(args), required=args.corrections is not None))


def corrections_path(args) -> Path | None:
    """--corrections, else corrections.yaml in the (first) corpus root or the parse --root."""
    if args.corrections is not None:
        return args.corrections
    roots = [c for c in getattr(args, "corpus", None) or [] if c.is_dir()]
    root = roots[0] if roots else getattr(args, "root", None)
    return root / CORRECTIONS_FILE if root is not None else None


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        rules = load_rules_from(args)
    except RulesError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.command == "parse":
        return cmd_parse(args, rules)
    if args.command == "build":
        from ingest.build import cmd_build

        return cmd_build(args, rules)
    from ingest.check import cmd_check

    return cmd_check(args, rules)


def cmd_parse(args, rules) -> int:
    from ingest.understand.parser import parse_file

    path: Path = args.file
    if not path.is_file():
        print(f"error: {path}: no such file", file=sys.stderr)
        return 2
    doc = parse_file(path, rules, root=args.root, max_bytes=args.max_bytes)
    view = doc.to_json()
    if args.json:
        print(json.dumps(view, ensure_ascii=False, indent=2))
    else:
        print(_summary(view))
    return 0 if doc.outcome in ("incident", "attached") else 1


def _summary(v: dict) -> str:
    out = [f"{v['path']}: {v['outcome']}" + (f" ({v['reason']})" if v["reason"] else "")]
    if v["outcome"] in ("incident", "attached"):
        out.append(f"  {v['incident_id']}  {v['title']}  [{v['kind']}]")
        out.append(f"  date {v['date']}  severity {v['severity']}  status {v['status']}  team {v['team']}")
        for k in ("ttd", "tta", "ttm", "ttr"):
            out.append(f"  {k.upper()} {v[f'{k}_minutes']} min")
        out.append(f"  {len(v['timeline'])} timeline events, {len(v['contributing_factors'])} factors, "
                   f"{len(v['whys'])} whys, {len(v['action_items'])} action items")  # fmt: skip
    for p in v["problems"]:
        out.append(f"  line {p['line'] or '-'}: {p['level']} {p['code']}: {p['message']}")
    return "\n".join(out)
