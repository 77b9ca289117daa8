"""python -m analytics: the dashboard's numbers from the command line."""

from __future__ import annotations

import argparse
import difflib
import os
import shlex
import sys
from datetime import date
from pathlib import Path

import duckdb

from analytics import report
from analytics.actions import normalise_owner
from analytics.db import DEFAULT_DB, MissingDatabase, connect, query
from analytics.export import download_name
from analytics.filters import Filters
from analytics.meta import Options, options
from analytics.periods import Quarter, check_as_of, last_complete_quarter, parse_quarter
from analytics.review import SEVERITIES, quarterly_review
from analytics.settings import DEFAULT_PATH as DEFAULT_SETTINGS
from analytics.settings import load_settings

DESCRIPTION = """\
The dashboard's numbers from the command line.

  report   the quarterly review as Markdown, HTML or JSON
  overdue  the overdue action items as CSV (for a weekly job)
"""


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"database (default: {DEFAULT_DB}, or $INCIDENTS_DB)")
    p.add_argument("--as-of", help="count as of this date, YYYY-MM-DD or 'today' (default: the build's as-of date)")
    p.add_argument("--team", action="append", default=[], help="only this team (repeatable)")
    p.add_argument("--service", action="append", default=[], help="only incidents naming this service (repeatable)")
    p.add_argument("--severity", action="append", default=[], help="only this severity, e.g. SEV2 (repeatable)")


def make_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m analytics", description=DESCRIPTION,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")
    r = sub.add_parser("report", help="the quarterly review as a file",
                       description="The quarterly review with the same numbers the dashboard shows. The HTML "
                       "report carries its charts as inline SVG, drawn offline: one file that opens without a "
                       "network, prints and can be mailed. The Markdown report links the same charts as SVG files "
                       "when written to a folder.")  # fmt: skip
    r.add_argument("--quarter", help="quarter to review, e.g. 2024Q1 (default: the last complete one)")
    r.add_argument("--format", choices=("md", "html", "json"), default="md",
                   help="output format: md, html (self-contained, charts inline) or json (default: md)")  # fmt: skip
    r.add_argument("--output", metavar="FILE|DIR/",
                   help="write the report to this file; or, to a folder (one that exists, or a path ending in /, "
                   "created), as the page's download names it, e.g. DIR/incident-review-2025Q2.md, and for md the "
                   "SVG charts it links beside it, DIR/incident-review-2025Q2-<chart>.svg (default: standard "
                   "output; Markdown written to stdout or a file has no charts)")  # fmt: skip
    _common(r)
    o = sub.add_parser("overdue", help="overdue action items as CSV",
                       description="Overdue action items as CSV on stdout, one row per item and owner, "
                       "most overdue first. Cells a spreadsheet would run as formulas are neutralised.")  # fmt: skip
    o.add_argument("--owner", help="only items owned by this person (handle, @handle or the people file's name)")
    o.add_argument("--owner-team", help="only items whose owner belongs to this team (people file)")
    o.add_argument("--manager", help="only items whose owner reports to this manager (people file)")
    o.add_argument("--quarter", help="only items of incidents in this quarter, e.g. 2024Q1, or from --since to it "
                   "(default: every incident up to the as-of date)")  # fmt: skip
    o.add_argument("--since", help="with --quarter: the first quarter of the incidents whose items are listed "
                   "(default: the --quarter itself)")  # fmt: skip
    _common(o)
    return ap


def output_folder(output: str | None) -> Path | None:
    """The folder `--output` names (an existing folder, or a path ending in a separator), else None: a
    file, or standard output."""
    if not output:
        return None
    if output.endswith(("/", os.sep)) or Path(output).is_dir():
        return Path(output)
    return None


def write_report(con, f: Filters, settings, r: dict, fmt: str, output: str | None) -> int:
    """The review `r` of `f` in format `fmt` to standard output, to the file `output`, or into the folder
    `output` (output_folder) under the page's download name; Markdown into a folder with its charts."""
    # figures (altair, vl-convert) is loaded here, by the command that draws, and only for the formats
    # that carry charts: analytics stays free of drawing code and `report --format json` and `overdue`
    # never pay the second it takes to load.
    folder = output_folder(output)
    if fmt == "md" and folder is not None:
        from figures import review as pictures

        files = {folder / name: text for name, text in pictures.markdown_files(con, f, settings, r).items()}
        _write(output, folder, files)
        print(f"wrote {next(iter(files))} and {len(files) - 1} SVG charts beside it", file=sys.stderr)
        return 0
    if fmt == "html":
        from figures import review as pictures

        text = pictures.html_report(con, f, settings, r)
    else:
        text = report.to_markdown(r) if fmt == "md" else report.to_json(r) + "\n"
    if output is None:
        sys.stdout.write(text)
        return 0
    view = {k: r["filters"][k] for k in ("teams", "services", "severities")}
    path = folder / download_name("incident-review", r["quarter"], fmt, **view) if folder else Path(output)
    _write(output, folder, {path: text})
    print(f"wrote {path}", file=sys.stderr)
    return 0


def _write(output: str, folder: Path | None, files: dict[Path, str]) -> None:
    """Write {path: text} (creating `folder` when given), or raise a one-line UsageError."""
    try:
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        for path, text in files.items():
            path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--output {output}: {exc.strerror or exc}") from None


def _as_of(value: str | None, default: date) -> date:
    if value is None:
        return default
    if value == "today":
        return date.today()
    return check_as_of(date.fromisoformat(value))


# ------------------------------------------------------------------ the command a page shows

PROJECT = Path(__file__).resolve().parent.parent
RUN = (".venv/bin/python", "-m", "analytics")  # run from the project folder, as the README says
DEFAULT_DB_NAME = "incidents.duckdb"  # what --db is in a shell without INCIDENTS_DB


def _arg(flag: str, value: str) -> list[str]:
    """One option and its value; a value starting with '-' is joined with '=' so argparse cannot take
    it for an option of its own (a team named '-ops')."""
    return [f"{flag}={value}"] if value.startswith("-") else [flag, value]


def db_argument(db: str | Path) -> str | None:
    """The --db a command run from the project folder needs to read the database `db`: None when `db`
    is the default (incidents.duckdb in the project folder), else its path, relative to the project
    folder when inside it. A job's shell rarely has the dashboard's INCIDENTS_DB, so anything else is said."""
    p = Path(db).resolve()
    if p == (PROJECT / DEFAULT_DB_NAME).resolve():
        return None
    try:
        return str(p.relative_to(PROJECT.resolve()))
    except ValueError:
        return str(p)


def command_for(command: str, f: Filters, *, db: str | Path | None = None, settings_file: str | Path | None = None,
                owner: str | None = None, owner_team: str | None = None, manager: str | None = None,
                period: bool = False) -> str:  # fmt: skip
    """The shell command (`report` or `overdue`) that gives the numbers a page shows for `f` (and, for
    `overdue`, the owner selection), every value quoted for a shell: the quarter (report), the as-of
    date, every team, service and severity, the owner, owner's team and manager, --db unless `db` is the
    default, and INCIDENTS_SETTINGS when the dashboard reads another settings file (fiscal quarters and
    link templates come from it). A page that drops a filter here hands out a command that answers
    another question, so pages draw this and never build their own."""
    if command not in ("report", "overdue"):
        raise ValueError(f"no command {command!r}")
    if command == "report" and (owner or owner_team or manager):
        raise ValueError("report has no owner selection")
    args = [*RUN, command]
    if command == "report" or period:  # period: overdue items of f's quarters only (the page's overdue=period)
        args += ["--quarter", f.end.label]
    if command == "overdue" and period and f.start != f.end:
        args += ["--since", f.start.label]
    args += ["--as-of", f.as_of.isoformat()]
    for flag, values in (("--team", f.teams), ("--service", f.services), ("--severity", f.severities)):
        for v in values:
            args += _arg(flag, v)
    for flag, v in (("--owner", owner), ("--owner-team", owner_team), ("--manager", manager)):
        if v:
            args += _arg(flag, v)
    where = db_argument(db) if db is not None else None
    if where:
        args += _arg("--db", where)
    prefix = ""
    if settings_file and Path(settings_file).resolve() != DEFAULT_SETTINGS.resolve():
        prefix = "INCIDENTS_SETTINGS=" + shlex.quote(str(Path(settings_file).resolve())) + " "
    return prefix + shlex.join(args)


# ------------------------------------------------------------------ values the database knows


class UsageError(Exception):
    """A one-line message for stderr; the command exits with status 2."""


# Owners, owners' teams and managers as the owner selection (analytics.actions) compares them: an owner by
# handle or by the people file's name in lower case, a team in lower case, a manager by handle.
KNOWN_PEOPLE = """
SELECT 'owner' AS kind, owner AS value, owner AS shown FROM action_item_owners WHERE owner IS NOT NULL
UNION SELECT 'owner', lower(owner_name), owner_name FROM action_item_owners WHERE owner_name IS NOT NULL
UNION SELECT 'owner', handle, handle FROM people WHERE handle IS NOT NULL
UNION SELECT 'owner', lower(name), name FROM people WHERE name IS NOT NULL
UNION SELECT 'owner_team', owner_team, owner_team FROM action_item_owners WHERE owner_team IS NOT NULL
UNION SELECT 'owner_team', team, team FROM people WHERE team IS NOT NULL
UNION SELECT 'manager', manager, manager FROM action_item_owners WHERE manager IS NOT NULL
UNION SELECT 'manager', manager, manager FROM people WHERE manager IS NOT NULL
"""


def known_people(con) -> dict[str, dict[str, str]]:
    """{'owner' | 'owner_team' | 'manager': {value as compared: value as shown}} from the database."""
    out: dict[str, dict[str, str]] = {"owner": {}, "owner_team": {}, "manager": {}}
    for kind, value, shown in query(con, KNOWN_PEOPLE).itertuples(index=False, name=None):
        out[kind].setdefault(value, shown)
    return out


def unknown(flag: str, value: str, key: str | None, known: dict[str, str], what: str) -> str | None:
    """None when `key` (the value as compared) is one the database knows; else the error line, naming
    the close matches (a typo: 'paymnets') or, with none close, what the database has."""
    if key is not None and key in known:
        return None
    close = difflib.get_close_matches(key or value, list(known), n=3, cutoff=0.6)
    if close:
        hint = "did you mean " + " or ".join(repr(known[c]) for c in close) + "?"
    elif known:
        names = sorted(set(known.values()))
        hint = f"it has {len(names)}: " + ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
    else:
        hint = f"it has none{'' if what in ('team', 'service') else ' (build with --people)'}"
    return f"{flag} {value!r}: no {what} of that name in the database; {hint}"


def check_values(args: argparse.Namespace, opts: Options, con) -> None:
    """Raise UsageError for a team, service, owner, owner's team or manager the database does not know:
    a typo would otherwise give an empty report or CSV, exit 0, and a weekly job would mail 'nothing
    overdue'. A known value that selects nothing (a quiet team) is fine."""
    for flag, values, known, what in (("--team", args.team, opts.teams, "team"),
                                      ("--service", args.service, opts.services, "service")):  # fmt: skip
        for v in values:
            msg = unknown(flag, v, v, {k: k for k in known}, what)
            if msg:
                raise UsageError(msg)
    if args.command != "overdue" or not (args.owner or args.owner_team or args.manager):
        return
    people = known_people(con)
    team_key = " ".join(args.owner_team.lower().split()) if args.owner_team else None
    for flag, v, key, kind, what in (("--owner", args.owner, normalise_owner(args.owner), "owner", "owner"),
                                     ("--owner-team", args.owner_team, team_key, "owner_team", "owner's team"),
                                     ("--manager", args.manager, normalise_owner(args.manager), "manager", "manager")):  # fmt: skip
        msg = unknown(flag, v, key, people[kind], what) if v is not None else None
        if msg:
            raise UsageError(msg)


def check_severities(values: list[str]) -> tuple[str, ...]:
    """SEV1..SEV5 in upper case (any case accepted), the scale the ingest stores; anything else is a
    UsageError rather than a filter no incident can pass."""
    out = tuple(v.strip().upper() for v in values)
    for v, raw in zip(out, values, strict=True):
        if v not in SEVERITIES:
            raise UsageError(f"--severity {raw!r}: not a severity; they are {', '.join(SEVERITIES)}")
    return out


def open_database(path: Path):
    """A connection to the database at `path` and its options, or a UsageError in one line: a folder,
    a missing file, a file DuckDB cannot read (random bytes, a text file, a database being written) or
    a DuckDB file the ingest did not build."""
    if path.is_dir():
        raise UsageError(f"--db {path}: a folder, not a database file")
    try:
        con = connect(path)
    except MissingDatabase as exc:
        raise UsageError(str(exc)) from None
    except duckdb.Error as exc:
        raise UsageError(f"--db {path}: not a database DuckDB can read ({_first_line(exc)})") from None
    try:
        return con, options(con)
    except duckdb.Error as exc:
        con.close()
        raise not_ours(path, exc) from None


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def not_ours(path: Path, exc: Exception) -> UsageError:
    """A DuckDB file without the ingest's tables (another tool's database, an older schema)."""
    return UsageError(f"--db {path}: not a database built by `python -m ingest build` ({_first_line(exc)})")


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        return _main(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _main(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    severities = check_severities(args.severity)
    con, opts = open_database(args.db)
    try:
        try:
            as_of = _as_of(args.as_of, opts.as_of)
        except ValueError as exc:
            if "outside the years" in str(exc):
                raise UsageError(f"--as-of: {exc}") from None
            raise UsageError(f"--as-of {args.as_of!r} is not a date (YYYY-MM-DD or 'today')") from None
        try:
            check_values(args, opts, con)
        except duckdb.Error as exc:
            raise not_ours(args.db, exc) from None
        fs = settings.fiscal_year_start_month
        base = dict(as_of=as_of, teams=tuple(args.team), services=tuple(args.service),
                    severities=severities, fiscal_start=fs)  # fmt: skip
        if args.command == "report":
            try:
                q = parse_quarter(args.quarter, fs) if args.quarter else last_complete_quarter(as_of, fs)
            except ValueError as exc:
                raise UsageError(f"--quarter: {exc}") from None
            fq = Filters(q, q, **base)
            return write_report(con, fq, settings, quarterly_review(con, fq, settings), args.format, args.output)
        from analytics import export

        if args.since and not args.quarter:
            raise UsageError("--since goes with --quarter")
        if args.quarter:
            try:
                end = parse_quarter(args.quarter, fs)
                start = parse_quarter(args.since, fs) if args.since else end
            except ValueError as exc:
                raise UsageError(f"--{'since' if args.since else 'quarter'}: {exc}") from None
            if start > end:
                raise UsageError(f"--since {start.label} is after --quarter {end.label}")
            f = Filters(start, end, **base)
        else:
            f = Filters(Quarter(1900, 1, fs), last_complete_quarter(as_of, fs).next().next(), **base)
        text = export.overdue_csv(con, f, owner=args.owner, owner_team=args.owner_team, manager=args.manager,
                                  settings=settings, period=bool(args.quarter))  # fmt: skip
        sys.stdout.buffer.write(text.encode("utf-8"))
        return 0
    finally:
        con.close()
