"""CSV exports that are safe to open in a spreadsheet.

A text cell that begins with =, +, -, @, a tab or a carriage return could be
run as a formula by Excel, LibreOffice or Google Sheets ("CSV injection"), so
it is prefixed with a single quote, which the spreadsheet shows as text. So is
one whose formula start hides behind a look-alike (full-width ＝ ＋ ＠ －, small
or superscript forms, the minus sign: what NFKC folds, and a few it does not)
or behind leading whitespace, control or invisible format characters, which
some spreadsheets drop before reading the cell.
Numbers stay numbers. Dates are written as YYYY-MM-DD, missing values as
empty cells, and the text is UTF-8 with every name and action as written.
Lines end with CRLF (RFC 4180)."""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from datetime import date, datetime

import numpy as np
import pandas as pd

from analytics import actions
from analytics.settings import Settings

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Signs NFKC leaves alone that a spreadsheet may still read as an operator: the minus sign, heavy plus/minus.
LOOK_ALIKES = str.maketrans({"\u2212": "-", "\u2796": "-", "\u2795": "+"})
BOM = "\ufeff"


def formula_like(text: str) -> bool:
    """Whether a spreadsheet could take the text for a formula: it starts with a formula start, or does
    once leading whitespace, control and format characters (zero-width space, BOM, direction marks) are
    dropped and look-alikes folded (NFKC: '＝' is '=')."""
    first = text[:1]
    if first.isascii() and first.isalnum():
        return False  # most cells: a letter or digit cannot start a formula
    if text.startswith(FORMULA_START):
        return True
    i = 0
    while i < len(text) and (text[i].isspace() or unicodedata.category(text[i]) in ("Cc", "Cf")):
        i += 1
    return unicodedata.normalize("NFKC", text[i : i + 4]).translate(LOOK_ALIKES).startswith(FORMULA_START)


def neutralise(text: str) -> str:
    """'=cmd', '＝cmd', ' \t=cmd' -> the text behind a "'"; text a spreadsheet would not run stays as it is."""
    return "'" + text if formula_like(text) else text


def cell(value) -> str:
    """One value as CSV text (before quoting)."""
    if value is None or value is pd.NaT or value is pd.NA:
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return ""
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, pd.Timestamp | datetime):
        if pd.isna(value):
            return ""
        ts = pd.Timestamp(value)
        return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | np.ndarray):
        return neutralise("; ".join(cell(v) for v in value))
    return neutralise(str(value))


def column_text(s: pd.Series) -> list[str]:
    """Every value of a column as `cell` writes it; whole columns at once where the type allows."""
    if pd.api.types.is_datetime64_any_dtype(s) and s.dt.tz is None:
        present = s.notna()
        if (s[present] == s[present].dt.normalize()).all():
            return s.dt.strftime("%Y-%m-%d").where(present, "").tolist()
    elif pd.api.types.is_integer_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return s.astype("Int64").astype("string").fillna("").tolist()
    elif pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        text = s.astype(object).where(s.notna(), "").astype(str)
        return [neutralise(t) for t in text]
    return [cell(v) for v in s]


def csv_text(df: pd.DataFrame, bom: bool = False) -> str:
    """The frame as CSV text (RFC 4180): a header row, then one line per row, in order;
    every text cell neutralised. `bom` prefixes a UTF-8 byte order mark, which
    Excel needs to read UTF-8 (leave it off for scripts)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")  # RFC 4180; also makes the writer quote a cell holding a lone CR
    w.writerow([neutralise(str(c)) for c in df.columns])
    w.writerows(zip(*(column_text(df.iloc[:, i]) for i in range(df.shape[1])), strict=True))
    return (BOM if bom else "") + buf.getvalue()


def url_columns(df: pd.DataFrame, settings: Settings | None) -> pd.DataFrame:
    """The overdue rows with a ticket_url column while the settings have a ticket link template and a
    document_url column while they have a document link template, so whoever gets the CSV can open the
    ticket and the postmortem in one click. A column without its template is left out, not left empty:
    the CSV stays as it was for anyone who configures neither, and its header says what it holds."""
    out = df.copy()
    if settings is not None and settings.ticket_url_template:
        out["ticket_url"] = [settings.ticket_url(t) if isinstance(t, str) else None for t in out["ticket"]]
    if settings is not None and settings.document_url_template:
        lines = [None if pd.isna(n) else int(n) for n in out["line"]]
        out["document_url"] = [
            settings.document_url(d, n) if isinstance(d, str) else None
            for d, n in zip(out["document"], lines, strict=True)
        ]
    return out


# The overdue CSV's lines, written by DuckDB (analytics.actions.overdue's rows, order and columns; see
# overdue_csv). Each OVERDUE_CELLS entry is (column, its text or NULL, whether it is text a spreadsheet could
# run): numbers and dates are never neutralised (csv_text leaves number and date columns alone) and never
# need quoting.
OVERDUE_CELLS = (
    ("incident_id", "r.incident_id", True), ("incident_title", "r.incident_title", True), ("team", "r.team", True),
    ("quarter", "r.quarter", True), ("priority", "r.priority", True), ("action", "r.action", True),
    ("owner", "r.owner", True), ("owner_name", "r.owner_name", True), ("owner_team", "r.owner_team", True),
    ("manager", "r.manager", True),
    ("due_date", "CASE WHEN r.due_date BETWEEN DATE '1000-01-01' AND DATE '9999-12-31' "
                 "THEN strftime(r.due_date, '%Y-%m-%d') END", False),
    ("days_overdue", "CAST(r.days_overdue AS VARCHAR)", False), ("ticket", "r.ticket", True),
    ("status", "{status}", True), ("status_source", "r.status_source", True),
    ("document", "r.document", True), ("line", "CAST(r.line AS VARCHAR)", False),
)  # fmt: skip
TICKET, DOCUMENT, LINE = 12, 15, 16  # positions in OVERDUE_CELLS
# Settings.ticket_url in SQL ({{ticket}}: the template's placeholder once the query is formatted); a ticket that
# is not ASCII (Python's \d is any digit, RE2's [0-9] is not) makes its row one Python writes.
TICKET_URL = """CASE WHEN r.ticket IS NULL OR r.ticket = '' THEN NULL
                WHEN starts_with(r.ticket, 'http://') OR starts_with(r.ticket, 'https://') THEN r.ticket
                WHEN regexp_full_match(r.ticket, '[A-Za-z][A-Za-z0-9_]*-[0-9]+')
                  THEN replace(CAST(? AS VARCHAR), '{{ticket}}', r.ticket) END"""
TICKET_ASCII = "(r.ticket IS NULL OR NOT regexp_matches(r.ticket, '[^\\x00-\\x7f]'))"
# A row SQL writes itself: the first character of every text cell (none, or empty, counts as plain) is printable
# ASCII, so the cell is a formula start only if that character is one (look-alikes, whitespace and invisible
# characters are not printable ASCII). The other rows (rare) are written by Python's neutralise, cell by cell.
PLAIN_CELL = "(coalesce(unicode({c}), -1) = -1 OR unicode({c}) BETWEEN 33 AND 126)"  # unicode('') is -1
NEUTRAL_CELL = "CASE WHEN unicode({c}) IN (61, 43, 45, 64) THEN chr(39) || {c} ELSE {c} END"  # = + - @
# RFC 4180 as csv.writer(lineterminator='\r\n') writes a cell: quoted when it holds a comma, a quote, CR or LF.
QUOTED_CELL = """CASE WHEN {c} IS NULL THEN ''
     WHEN contains({c}, ',') OR contains({c}, '"') OR contains({c}, chr(13)) OR contains({c}, chr(10))
       THEN '"' || replace({c}, '"', '""') || '"' ELSE {c} END"""
# c: the cells (c0, c1, ...); n: the text cells neutralised (n0, ...) and whether the row is plain. Every step
# is its own projection, so no cell expression is computed twice.
OVERDUE_LINES = """
WITH {items}, {who},
r AS (SELECT * FROM item_rows WHERE overdue),
c AS (
    SELECT r.days_overdue, r.incident_id, r.source_path, r.seq, r.owner AS _owner, {ascii} AS _ascii,
           {cells}
    FROM r
),
n AS (SELECT days_overdue, incident_id, source_path, seq, _owner, _ascii AND {plain} AS _plain, {raw}, {neutral}
      FROM c)
SELECT CASE WHEN _plain THEN concat({line}) END AS line, CASE WHEN NOT _plain THEN [{raw}] END AS raw,
       {where} AS document, {at} AS at
FROM n
ORDER BY days_overdue DESC, incident_id, source_path, seq, _owner NULLS LAST
"""


def overdue_lines_sql(ticket_links: bool, document_links: bool) -> str:
    """OVERDUE_LINES with its cell expressions: c0..cN the cells' text (then the ticket link's, with
    `ticket_links`), `line` the CSV line of a plain row, `raw` the cells of the others, `document` and `at`
    the document and line of a plain row when `document_links` ({items}, {who} and {status} left to fill;
    with `ticket_links` one `?` after theirs: the template)."""
    cells = [(expr, text) for _, expr, text in OVERDUE_CELLS] + [(TICKET_URL, True)] * ticket_links
    texts = [i for i, (_, text) in enumerate(cells) if text]
    fill = {
        "{cells}": ",\n           ".join(f"{expr} AS c{i}" for i, (expr, _) in enumerate(cells)),
        "{ascii}": TICKET_ASCII if ticket_links else "true",
        "{plain}": " AND ".join(PLAIN_CELL.format(c=f"c{i}") for i in texts),
        "{neutral}": ", ".join(f"{NEUTRAL_CELL.format(c=f'c{i}')} AS n{i}" for i in texts),
        "{line}": ", ',', ".join(
            QUOTED_CELL.format(c=f"n{i}") if text else f"coalesce(c{i}, '')" for i, (_, text) in enumerate(cells)
        ),
        "{where}": f"c{DOCUMENT}" if document_links else "NULL",
        "{at}": f"CAST(c{LINE} AS BIGINT)" if document_links else "NULL",
    }
    sql = OVERDUE_LINES.replace("{raw}", ", ".join(f"c{i}" for i in range(len(OVERDUE_CELLS))))
    for key, value in fill.items():
        sql = sql.replace(key, value)
    return sql


def field(text: str) -> str:
    """One cell's text as csv.writer(lineterminator='\r\n') writes it in a row of several cells."""
    return '"' + text.replace('"', '""') + '"' if any(ch in text for ch in ',"\r\n') else text


def link_field(url: str | None) -> str:
    """A link cell as csv_text writes url_columns' columns."""
    return "" if url is None else field(neutralise(url))


def raw_line(raw, settings: Settings | None, ticket_links: bool) -> str:
    """The CSV line of a row SQL left to Python (without its document link): text cells neutralised as
    csv_text does; the ticket link as url_columns makes it."""
    cells = zip(raw, OVERDUE_CELLS, strict=True)
    line = ",".join(field("" if v is None else (neutralise(v) if text else v)) for v, (_, _, text) in cells)
    if ticket_links:
        ticket = raw[TICKET]
        line += "," + link_field(settings.ticket_url(ticket) if isinstance(ticket, str) else None)
    return line


def overdue_csv(con, f, owner: str | None = None, owner_team: str | None = None, manager: str | None = None,
                bom: bool = True, settings: Settings | None = None, period: bool = False) -> str:  # fmt: skip
    """Every overdue action item (analytics.actions.overdue: one row per item and owner, most overdue
    first) with url_columns, as csv_text: the one CSV both the Action items page's download and
    `python -m analytics overdue` write, byte for byte. A UTF-8 byte order mark unless `bom` is False:
    Excel needs it to read names like josé. `period`: the items of f's quarters' incidents only (the
    page's overdue=period), as actions.overdue(period=True). DuckDB writes the lines (writing a frame of 90,000 rows in
    Python took seconds); the few rows with a text cell starting with anything but printable ASCII, and
    the document links, are written here, cell for cell as csv_text writes them."""
    ticket_links = settings is not None and bool(settings.ticket_url_template)
    document_links = settings is not None and bool(settings.document_url_template)
    sql = overdue_lines_sql(ticket_links, document_links)
    extra = [settings.ticket_url_template] if ticket_links else []
    rows = actions.overdue_rows(con, sql, f, extra, owner=owner, owner_team=owner_team, manager=manager, period=period)
    header = [name for name, _, _ in OVERDUE_CELLS]
    header += ["ticket_url"] * ticket_links + ["document_url"] * document_links
    lines = [",".join(field(neutralise(h)) for h in header)]
    if not document_links and all(raw is None for _, raw, _, _ in rows):
        lines += [line for line, _, _, _ in rows]
        return (BOM if bom else "") + "\r\n".join(lines) + "\r\n"
    for line, raw, document, at in rows:
        if line is None:
            line = raw_line(raw, settings, ticket_links)
            document, at = raw[DOCUMENT], None if raw[LINE] is None else int(raw[LINE])
        if document_links:
            line += "," + link_field(settings.document_url(document, at) if isinstance(document, str) else None)
        lines.append(line)
    return (BOM if bom else "") + "\r\n".join(lines) + "\r\n"


NAME_LABELS = (("teams", "team"), ("services", "service"), ("severities", "severity"), ("owner", "owner"),
               ("owner_team", "owner-team"), ("manager", "manager"))  # fmt: skip
MAX_NAME = 150  # characters before the extension: what every file system and mail client keeps


def _slug(value: str) -> str:
    """A filter value as a piece of a file name: letters and digits (any script) kept as written, every
    other run of characters (a slash, a space, a dot) one '-', so no value can name a folder or hide
    an extension; at most 40 characters of it."""
    s = re.sub(r"[\W_]+", "-", unicodedata.normalize("NFKC", value)).strip("-")
    return s[:40].strip("-") or "x"


def download_name(kind: str, period: str, ext: str, **filters) -> str:
    """The file name of a download, carrying the filters it was made with, so two downloads of different
    views never overwrite each other or pass for each other: download_name("overdue", "2025-07-15",
    "csv", teams=("payments",)) is 'overdue-2025-07-15-team-payments.csv'. `filters` are those of
    NAME_LABELS (a tuple of values or one value, empty ones left out); several values join with '+'."""
    parts = [kind, _slug(period)]
    for key, label in NAME_LABELS:
        value = filters.pop(key, None)
        values = [value] if isinstance(value, str) else list(value or ())
        values = [v for v in values if v]
        if values:
            parts.append(f"{label}-" + "+".join(_slug(v) for v in values))
    if filters:
        raise TypeError(f"unknown filters: {sorted(filters)}")
    stem = "-".join(parts)
    return (stem[:MAX_NAME].rstrip("-+") if len(stem) > MAX_NAME else stem) + "." + ext
