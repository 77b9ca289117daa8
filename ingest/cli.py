"""python -m ingest: build the database, parse one document, check a corpus."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from datetime import date
from pathlib import Path

from ingest import __version__
from ingest.read.corpus import fs_text
from ingest.understand.corrections import CORRECTIONS_FILE, load_corrections
from ingest.understand.parser import DEFAULT_MAX_BYTES
from ingest.understand.rules import RulesError, load_rules

MAX_BYTES_LIMIT = 1 << 30  # 1 GiB: no postmortem is larger; a larger limit would only size read buffers
AS_OF_RANGE = (date(1900, 1, 1), date(9998, 12, 31))  # the quarters the dashboard and reports can hold
RULE_FILE_OPTIONS = ("taxonomy", "timeline_rules", "durations", "guide_rules", "action_types", "corrections",
                     "tickets", "people")  # fmt: skip

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
                   help=f"reject documents larger than this many bytes (default: {DEFAULT_MAX_BYTES}; "
                        f"1 to {MAX_BYTES_LIMIT})")  # fmt: skip
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
    b.add_argument("--db", default="incidents.duckdb",
                   help="database file to write (default: incidents.duckdb); a build holds DB.lock beside it, "
                        "and a second build of the same database meanwhile stops with an error")  # fmt: skip
    b.add_argument("--tickets", type=Path, help="ticket tracker export (CSV) with action item statuses")
    b.add_argument("--people", type=Path, help="people file (YAML): owner handles to name, team and manager")
    b.add_argument("--as-of", help="default as-of date recorded for the dashboard (YYYY-MM-DD; default: today)")
    b.add_argument("--jobs", type=int, default=0,
                   help="parallel parser processes (default and most: one per core; 1 = no parallelism)")  # fmt: skip
    b.add_argument("--full", action="store_true", help="reparse every file, ignoring the previous database")
    b.add_argument("--no-git", action="store_true", help="do not read publication dates from git history")
    b.add_argument("--quiet", action="store_true", help="no progress or summary on stderr")
    b.add_argument("--allow-empty", action="store_true",
                   help="let a corpus without any postmortem replace a database that has incidents (without it, "
                        "such a build stops with an error and keeps the database)")  # fmt: skip
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
    if root is None or not (root / CORRECTIONS_FILE).is_file():
        return None  # a pipe of that name would never end; the build lists it as not a regular file
    return root / CORRECTIONS_FILE


def error(message: str) -> int:
    """A usage error: one line on stderr, exit status 2."""
    print(f"error: {printable(message)}", file=sys.stderr)
    return 2


def usage_problem(args) -> str | None:
    """What is wrong with the command line, in one line (None: nothing).
    Checked before any file is opened, so a bad value never becomes a
    traceback deep in the build, or a hang on a pipe."""
    if not 1 <= args.max_bytes <= MAX_BYTES_LIMIT:
        return f"--max-bytes {args.max_bytes}: must be from 1 to {MAX_BYTES_LIMIT:,} (1 GiB)"
    for name in RULE_FILE_OPTIONS:
        f = getattr(args, name, None)
        if f is not None and not f.is_file():
            what = "no such file" if not f.exists() else "not a regular file"
            return f"--{name.replace('_', '-')} {f}: {what}"
    if args.command == "build":
        return _build_problem(args)
    return None


def _build_problem(args) -> str | None:
    if args.db == "":
        return "--db '': give the database file to write"
    if args.jobs < 0:
        return f"--jobs {args.jobs}: must be 0 (one per core) or more"
    if args.as_of:
        try:
            day = date.fromisoformat(args.as_of)
        except ValueError:
            return f"--as-of {args.as_of!r} is not a date (YYYY-MM-DD)"
        if not AS_OF_RANGE[0] <= day <= AS_OF_RANGE[1]:
            return f"--as-of {args.as_of}: out of range ({AS_OF_RANGE[0]} to {AS_OF_RANGE[1]})"
    return None


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# What a terminal would act on instead of showing: C0 controls (ESC starts an escape sequence), DEL, C1
# controls, the bidirectional overrides and isolates that reorder a line, line and paragraph separators,
# and lone surrogates (a JSON "\ud800", a file name that is not UTF-8), which cannot even be written out.
_OTHER_CONTROLS = r"\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff"
_UNPRINTABLE = re.compile(rf"[\x00-\x1f{_OTHER_CONTROLS}]")
_UNPRINTABLE_IN_JSON = re.compile(f"[{_OTHER_CONTROLS}]")  # json.dumps escapes C0 itself
_SURROGATES = re.compile(r"[\udc80-\udcff]")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def printable(text: str) -> str:
    """Text from a document or a file name, safe to print on a terminal:
    each character of _UNPRINTABLE as an escape (\\x1b, \\u202e, \\n)."""
    return _UNPRINTABLE.sub(_escape_char, text) if _UNPRINTABLE.search(text) else text


def _escape_char(m: re.Match) -> str:
    c = m.group()
    if c in _NAMED:
        return _NAMED[c]
    return f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"


def printable_json(value) -> str:
    """JSON for a terminal: json.dumps escapes C0 controls itself; the other
    characters of _UNPRINTABLE (they only occur inside strings) become \\uXXXX."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return _UNPRINTABLE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    problem = usage_problem(args)
    if problem:
        return error(problem)
    try:
        rules = load_rules_from(args)
    except RulesError as exc:
        return error(str(exc))
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
        what = "no such file" if not path.exists() else "is a folder" if path.is_dir() else "not a regular file"
        return error(f"{path}: {what}")
    doc = parse_file(path, rules, root=args.root, max_bytes=args.max_bytes)
    view = doc.to_json()
    for key in ("path", "incident_id"):  # named after the file: shown as the build stores it
        if isinstance(view.get(key), str):
            view[key] = fs_text(view[key]) if _SURROGATES.search(view[key]) else view[key]
    if args.json:
        print(printable_json(view))
    else:
        print(_summary(view))
    return 0 if doc.outcome in ("incident", "attached") else 1


def _summary(v: dict) -> str:
    """The text view; every value from the document or its name made printable."""
    v = {k: printable(x) if isinstance(x, str) else x for k, x in v.items()}
    out = [f"{v['path']}: {v['outcome']}" + (f" ({v['reason']})" if v["reason"] else "")]
    if v["outcome"] in ("incident", "attached"):
        out.append(f"  {v['incident_id']}  {v['title']}  [{v['kind']}]")
        out.append(f"  date {v['date']}  severity {v['severity']}  status {v['status']}  team {v['team']}")
        for k in ("ttd", "tta", "ttm", "ttr"):
            out.append(f"  {k.upper()} {v[f'{k}_minutes']} min")
        out.append(f"  {len(v['timeline'])} timeline events, {len(v['contributing_factors'])} factors, "
                   f"{len(v['whys'])} whys, {len(v['action_items'])} action items")  # fmt: skip
    for p in v["problems"]:
        out.append(f"  line {p['line'] or '-'}: {p['level']} {p['code']}: {printable(p['message'])}")
    return "\n".join(out)
