"""python -m analytics: the dashboard's numbers from the command line."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from analytics import report
from analytics.db import DEFAULT_DB, MissingDatabase, connect
from analytics.filters import Filters
from analytics.meta import options
from analytics.periods import Quarter, check_as_of, last_complete_quarter, parse_quarter
from analytics.review import quarterly_review
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
                       description="The quarterly review with the same numbers the dashboard shows.")  # fmt: skip
    r.add_argument("--quarter", help="quarter to review, e.g. 2024Q1 (default: the last complete one)")
    r.add_argument("--format", choices=("md", "html", "json"), default="md", help="output format (default: md)")
    _common(r)
    o = sub.add_parser("overdue", help="overdue action items as CSV",
                       description="Overdue action items as CSV on stdout, one row per item and owner, "
                       "most overdue first. Cells a spreadsheet would run as formulas are neutralised.")  # fmt: skip
    o.add_argument("--owner", help="only items owned by this person (handle, @handle or the people file's name)")
    o.add_argument("--owner-team", help="only items whose owner belongs to this team (people file)")
    o.add_argument("--manager", help="only items whose owner reports to this manager (people file)")
    _common(o)
    return ap


def _as_of(value: str | None, default: date) -> date:
    if value is None:
        return default
    if value == "today":
        return date.today()
    return check_as_of(date.fromisoformat(value))


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        settings = load_settings()
        con = connect(args.db)
    except (MissingDatabase, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        opts = options(con)
        try:
            as_of = _as_of(args.as_of, opts.as_of)
        except ValueError as exc:
            if "outside the years" in str(exc):
                print(f"error: --as-of: {exc}", file=sys.stderr)
            else:
                print(f"error: --as-of {args.as_of!r} is not a date (YYYY-MM-DD or 'today')", file=sys.stderr)
            return 2
        fs = settings.fiscal_year_start_month
        base = dict(as_of=as_of, teams=tuple(args.team), services=tuple(args.service),
                    severities=tuple(s.upper() for s in args.severity), fiscal_start=fs)  # fmt: skip
        if args.command == "report":
            try:
                q = parse_quarter(args.quarter, fs) if args.quarter else last_complete_quarter(as_of, fs)
            except ValueError as exc:
                print(f"error: --quarter: {exc}", file=sys.stderr)
                return 2
            r = quarterly_review(con, Filters(q, q, **base), settings)
            render = {"md": report.to_markdown, "html": report.to_html, "json": report.to_json}[args.format]
            sys.stdout.write(render(r) if args.format != "json" else render(r) + "\n")
            return 0
        from analytics import actions, export

        f = Filters(Quarter(1900, 1, fs), last_complete_quarter(as_of, fs).next().next(), **base)
        rows = actions.overdue(con, f, owner=args.owner, owner_team=args.owner_team, manager=args.manager)
        sys.stdout.buffer.write(export.csv_text(rows).encode("utf-8"))
        return 0
    finally:
        con.close()
