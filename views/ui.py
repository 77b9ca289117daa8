"""What every page shares: the connection, the filters, cached calls, formats.

No SQL here and no statistics: pages call analytics functions through
`call`, which caches each result per database generation and arguments."""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import logging
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from urllib.parse import quote

import duckdb
import pandas as pd
import streamlit as st

from analytics.db import DEFAULT_DB, connect, generation
from analytics.filters import Filters
from analytics.meta import Options, options
from analytics.periods import Quarter, last_complete_quarter, parse_quarter, quarters_between
from analytics.report import minutes, pct  # noqa: F401  (pages format through ui)
from analytics.settings import Settings, load_settings
from views import links

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
PAGES = {
    "review": "views/review.py",
    "response_times": "views/response_times.py",
    "factors": "views/factors.py",
    "actions": "views/actions.py",
    "impact": "views/impact.py",
    "incidents": "views/incidents.py",
    "document": "views/document.py",
    "team": "views/team.py",
    "data_quality": "views/data_quality.py",
}


log = logging.getLogger(__name__)
# The incident a page is drawing, (id, source file, line or None), for the message when drawing it fails.
_drawing: contextvars.ContextVar[tuple[str, str | None, int | None] | None] = contextvars.ContextVar(
    "drawing", default=None
)
FAILED = "This page could not be drawn"


def drawing(incident_id: str, source_path: str | None = None, line: int | None = None) -> None:
    """Say which incident (and document, line) the page is drawing now, so that if drawing fails the
    reader is told which postmortem to look at, and the log says it too."""
    _drawing.set((str(incident_id), source_path if isinstance(source_path, str) else None,
                  int(line) if isinstance(line, int) else None))  # fmt: skip


@contextlib.contextmanager
def page_guard():
    """Draw a page inside this: an exception becomes a short message and a log record with its
    traceback, never a traceback on the page (which could show document text or internals). Streamlit's
    own stop and rerun are BaseExceptions and pass through."""
    _drawing.set(None)
    try:
        yield
    except Exception as exc:
        where = _drawing.get()
        log.exception("%s%s", FAILED, f" (incident {where[0]!r}, file {where[1]!r}, line {where[2]})" if where else "")
        st.error(older_database_message(db_path(), _holds_sample()) if older_schema(exc) else failure_message(where))


def older_schema(exc: Exception) -> bool:
    """Whether a query failed because the database has no such table or column: one built by an older version
    of the ingest, before the table or column was added."""
    return isinstance(exc, duckdb.BinderException | duckdb.CatalogException) and bool(
        re.search(r"not found|does not exist|does not have a column", str(exc))
    )


def older_database_message(path: Path, sample: bool = False) -> str:
    """What a reader sees when the database lacks a table or column this version reads; `sample`: it holds the
    bundled sample (`make run` builds it only when the file is missing, so an upgrade keeps the old one)."""
    command = SAMPLE_BUILD.format(db=path) if sample else build_command(path)
    return (f"{FAILED}: the database {md(str(path))} lacks a table or column this version reads, so an older "
            f"version built it. Build it again (`{command}`); the details are in the dashboard's log.")  # fmt: skip


# The command `make run` builds the sample database with (Makefile).
SAMPLE_BUILD = (".venv/bin/python -m ingest build data/sample --db {db} --no-git --tickets data/tickets.csv "
                "--people data/people.yaml")  # fmt: skip


def _holds_sample() -> bool:
    """Whether the database holds the bundled sample; False when even that cannot be read."""
    try:
        return db_options().sample
    except Exception:  # the page has failed already: its message must not
        return False


def failure_message(where: tuple[str, str | None, int | None] | None) -> str:
    """What a reader sees when a page fails: that it failed, which postmortem it was drawing (file and
    line when known), and that the details are in the log; never the exception's text."""
    msg = f"{FAILED}: an error occurred while drawing it."
    if where:
        incident_id, path, line = where
        msg += f" It was drawing the incident '{md(incident_id)}'"
        msg += f", from {md(path)}" + (f" line {line}" if line else "") if path else ""
        msg += ": a value in that postmortem may be the cause."
    return msg + " The details are in the dashboard's log."


def db_path() -> Path:
    return Path(os.environ.get("INCIDENTS_DB") or DEFAULT_DB)


def named_by_user() -> bool:
    """Whether INCIDENTS_DB names the database: then it is the reader's own data, and a missing file is
    an error to fix, never a reason to put the bundled sample in its place."""
    return bool(os.environ.get("INCIDENTS_DB"))


def build_command(path: Path | str) -> str:
    """The command that builds a database at `path` from the reader's own postmortems."""
    return f".venv/bin/python -m ingest build YOUR_FOLDER --db {path}"


def missing_database(path: Path) -> None:
    """Stop the page with what is missing and how to make it: nothing is built in its place."""
    named = "the path INCIDENTS_DB names" if named_by_user() else "the default path"
    st.error(f"No database at {named}:\n\n```\n{path}\n```\n\nBuild it from your postmortems with\n\n"
             f"```\n{build_command(path)}\n```\n\nthen reload this page.")  # fmt: skip
    st.stop()


def ensure_database() -> Path:
    """The database path. The bundled sample is built only at the default path (no INCIDENTS_DB), so a
    fresh checkout shows a real dashboard; a database the reader named must exist."""
    path = db_path()
    if path.exists():
        return path
    if named_by_user() or not SAMPLE.is_dir():
        missing_database(path)
    with st.spinner("First run: building the database from the bundled sample corpus..."):
        cmd = [sys.executable, "-m", "ingest", "build", str(SAMPLE), "--db", str(path), "--quiet", "--no-git"]
        for flag, f in (("--tickets", ROOT / "data" / "tickets.csv"), ("--people", ROOT / "data" / "people.yaml")):
            if f.exists():
                cmd += [flag, str(f)]
        run = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    if run.returncode != 0:
        st.error(f"Building the sample database failed:\n\n{run.stderr[-2000:]}")
        st.stop()
    return path


@st.cache_resource(max_entries=4, show_spinner=False)
def _connection(path: str, gen: tuple[int, int]):
    """One read-only connection per database generation (a new build = a new file)."""
    return connect(path)


def current() -> tuple[str, tuple[int, int]]:
    """(path, generation) of the database as it is on disk now."""
    path = str(ensure_database())
    try:
        return path, generation(path)
    except FileNotFoundError:
        missing_database(Path(path))


def connection():
    return _connection(*current())


# Analytics results, per database generation and arguments. Each entry is a pickled result (tables are capped
# at MAX_TABLE_ROWS rows, charts at a few thousand points), so a few hundred entries stay within tens of MB;
# entries of an older build or an unvisited view expire after CACHE_TTL.
CACHE_ENTRIES = 256
CACHE_TTL = "1h"
MAX_TABLE_ROWS = 1000  # rows a page's tables show; every count above them covers all rows


@st.cache_data(max_entries=CACHE_ENTRIES, ttl=CACHE_TTL, show_spinner=False)
def _cached(path: str, gen: tuple[int, int], fn_name: str, args: tuple, kwargs: tuple):
    module, name = fn_name.rsplit(".", 1)
    fn = getattr(importlib.import_module(module), name)
    return fn(_connection(path, gen), *args, **dict(kwargs))


def call(fn, *args, **kwargs):
    """fn(connection, *args, **kwargs), cached per database generation and arguments."""
    path, gen = current()
    return _cached(path, gen, f"{fn.__module__}.{fn.__name__}", args, tuple(sorted(kwargs.items())))


@st.cache_data(show_spinner=False)
def _settings(mtime: float) -> Settings:
    return load_settings()


def settings() -> Settings:
    try:
        p = os.environ.get("INCIDENTS_SETTINGS") or str(ROOT / "data" / "dashboard.yaml")
        return _settings(os.path.getmtime(p) if os.path.exists(p) else 0.0)
    except ValueError as exc:
        st.error(f"Dashboard settings: {exc}")
        st.stop()


def db_options() -> Options:
    return call(options)


def sidebar_filters() -> Filters:
    """The shared filters, drawn in the sidebar and bound to the URL.

    Left empty, the as-of date is the database's and the quarter the last
    complete one before it; chosen explicitly, they stay in the URL, so a
    pinned view reopens with the same numbers after later builds."""
    opts = db_options()
    fs = settings().fiscal_year_start_month
    sb = st.sidebar
    ignored = url_problems(opts, fs)
    if ignored:
        sb.warning("Ignored in the link: " + "; ".join(ignored) + ". The view shows the default instead.")
    picked = sb.date_input("As of", value=None, key="as_of", bind="query-params", format="YYYY-MM-DD",
                           help="Count everything as it stood on this date: incidents up to it, action items "
                           "done by then, overdue relative to it. Empty: the database's as-of date "
                           f"({opts.as_of}). Pin a date to reproduce a past review.")  # fmt: skip
    as_of = picked if isinstance(picked, date) else opts.as_of
    quarters = [q.label for q in reversed(opts.quarters(fs, through=as_of))]
    latest = opts.review_quarter(as_of, fs)
    end_label = sb.selectbox("Quarter", quarters, index=None, key="quarter", bind="query-params",
                             placeholder=quarter_placeholder(latest, as_of, fs),
                             help="The quarter under review. Empty: the last complete quarter before the "
                             "as-of date, or the latest with incidents when that one has none. Trend charts "
                             "run from 'Trend since' to here.")  # fmt: skip
    end = parse_quarter(end_label, fs) if end_label else latest
    since_default = opts.trend_since(end, as_of, fs)
    older = [q for q in quarters if parse_quarter(q, fs) <= end]
    start_label = sb.selectbox("Trend since", older, index=None, key="since", bind="query-params",
                               placeholder=since_placeholder(since_default, end),
                               help="First quarter of the trend charts and of the lists on the other pages. "
                               "Empty: a year of quarters, or less when the data starts later.")  # fmt: skip
    start = parse_quarter(start_label, fs) if start_label else since_default
    teams = sb.multiselect("Team", opts.teams, key="team", bind="query-params", placeholder="All teams")
    services = sb.multiselect("Service", opts.services, key="service", bind="query-params", placeholder="All services")
    sevs = sb.multiselect(
        "Severity", opts.severities, key="severity", bind="query-params", placeholder="All severities"
    )
    sb.caption(f"{opts.span(fs)} · built {opts.built_at or 'unknown'}.")
    return Filters(start=min(start, end), end=end, as_of=as_of, teams=tuple(teams), services=tuple(services),
                   severities=tuple(sevs), fiscal_start=fs)  # fmt: skip


def quarter_placeholder(default: Quarter, as_of: date, fiscal_start: int) -> str:
    """What the empty Quarter box stands for, and why when it is not the last complete quarter."""
    if default == last_complete_quarter(as_of, fiscal_start):
        return f"{default.label} (latest complete)"
    return f"{default.label} (latest with incidents)"


def since_placeholder(default: Quarter, end: Quarter) -> str:
    """What the empty 'Trend since' box stands for: a year of quarters, or where the data starts."""
    n = sum(1 for _ in quarters_between(default, end))
    return f"{default.label} ({'a year of quarters' if n >= 4 else 'where the data starts'})"


SAMPLE_NOTE = ("This dashboard shows the **bundled sample**: generated postmortems, not your own. To see yours, "
               "build a database from your postmortems and point the dashboard at it:")  # fmt: skip


def sample_banner() -> None:
    """Say so on every page when the database was built from the bundled sample corpus, so nobody takes
    its numbers for their teams'."""
    if db_options().sample:
        st.info(f"{SAMPLE_NOTE}\n\n```\n{build_command('incidents-own.duckdb')}\n"
                "INCIDENTS_DB=incidents-own.duckdb .venv/bin/python -m streamlit run app.py\n```")  # fmt: skip


# Headline figures wrap inside their box rather than end in an ellipsis: "Completion 3…" or two
# "Overdu…" labels mislead more than a second line does. Static CSS, no corpus text in it.
METRIC_CSS = """<style>
[data-testid="stMetricLabel"], [data-testid="stMetricValue"], [data-testid="stMetricDelta"],
[data-testid="stMetric"] [data-testid="stMarkdownContainer"], [data-testid="stMetric"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMetricLabel"] > div {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  overflow-wrap: anywhere; height: auto !important;
}
</style>"""


def style() -> None:
    """Inject the dashboard's CSS once per run (app.py calls it before any page draws)."""
    st.html(METRIC_CSS + links.LINK_CSS)


URL_LIST_KEYS = {"team": "teams", "service": "services", "severity": "severities"}


def url_problems(opts: Options, fiscal_start: int) -> list[str]:
    """What in the URL's filter values does not exist in this database. The
    widgets bound to the URL drop such values themselves; this says so,
    instead of silently showing another view. Values are only compared with
    the known ones, never used in a query."""
    out: list[str] = []
    qp = st.query_params
    for key, attr in URL_LIST_KEYS.items():
        known = set(getattr(opts, attr))
        for value in qp.get_all(key):
            if value not in known:
                out.append(f"{key} '{md(value[:60])}' (no such {key})")
    for key in ("quarter", "since"):
        value = qp.get(key)
        if value:
            try:
                parse_quarter(value, fiscal_start)
            except ValueError:
                out.append(f"{key} '{md(value[:60])}' (not a quarter like 2025Q1)")
    value = qp.get("as_of")
    if value:
        try:
            date.fromisoformat(value)
        except ValueError:
            out.append(f"as_of '{md(value[:60])}' (not a date like 2025-07-15)")
    return out


def filters() -> Filters:
    return st.session_state["_filters"]


def incident_url(incident_id: str) -> str:
    """A link to one incident's detail, keeping nothing else: paste it into a chat."""
    return f"incidents?incident={quote(incident_id, safe='/:@-._~')}"


LINK_TEXT = r"incident=(.*)$"  # LinkColumn display_text: the id out of incident_url


def incident_urls(ids: pd.Series) -> pd.Series:
    """incident_url of every id of a column (None where there is no id)."""
    return pd.Series([incident_url(v) if isinstance(v, str) else None for v in ids], index=ids.index, dtype=object)


def capped_note(shown: int, total: int, what: str, narrow: str = "search or filter to narrow") -> str:
    """' Showing the first 1,000 of 57,312 incidents; search or filter to narrow.' when a table is capped."""
    return f" Showing the first {shown:,} of {total:,} {what}; {narrow}." if shown < total else ""


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$])")


def md(text) -> str:
    """Corpus text for st.markdown/title/caption: shown literally, never as
    markup (HTML tags and Markdown marks are escaped, not interpreted)."""
    s = "" if text is None else str(text)
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def period(f: Filters, sep: str = " to ") -> str:
    """The filters' quarters in words: '2025Q4' for one quarter (never '2025Q4 to 2025Q4'), else the
    first and the last joined by `sep`."""
    return f.end.label if f.start >= f.end else f"{f.start.label}{sep}{f.end.label}"


def filter_caption(f: Filters) -> str:
    """One line saying what the filters select (Markdown, values escaped)."""
    parts = []
    for name, vals in (("teams", f.teams), ("services", f.services), ("severities", f.severities)):
        if vals:
            parts.append(f"{name}: {md(', '.join(vals))}")
    scope = "; ".join(parts) if parts else "all teams, services and severities"
    return f"As of {f.as_of.isoformat()} · {scope}"


DOUBT_MARK = "⚠"
CORRECTED_MARK = "✎"


def _text(v) -> str | None:
    return v if isinstance(v, str) and v else None  # a NULL from a DataFrame is NaN, not None


def marked(label: str, doubt=None, corrected=None) -> str:
    """A figure's label, marked ⚠ when the figure is doubtful (weak evidence, a
    stated duration that disagrees) and ✎ when it rests on a correction."""
    return label + (f" {DOUBT_MARK}" if _text(doubt) else "") + (f" {CORRECTED_MARK}" if _text(corrected) else "")


def figure_note(doubt=None, corrected=None) -> str:
    """Why a figure is marked, for a table column: '' when it is not."""
    parts = [f"{DOUBT_MARK} {_text(doubt)}"] if _text(doubt) else []
    parts += [f"{CORRECTED_MARK} {_text(corrected)}"] if _text(corrected) else []
    return "; ".join(parts)


def figure_notes(doubts: pd.Series, corrected: pd.Series) -> list[str]:
    return [figure_note(d, c) for d, c in zip(doubts, corrected, strict=True)]


def decided_by(rule, source, reason) -> str:
    """What decided a milestone; for a correction, its reason."""
    if source == "correction":
        return f"corrected by hand: {_text(reason) or 'no reason given'}"
    return _text(rule) or ""


def confidence(level: str | None, source: str | None) -> str:
    """How sure a milestone is, in words a reader takes in at a glance."""
    if source == "correction":
        return f"{CORRECTED_MARK} corrected"
    return {"clear": "clear", "judgment": "judgment", "weak": f"{DOUBT_MARK} weak"}.get(level or "", level or "")
