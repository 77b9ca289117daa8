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


def overdue_csv(con, f, owner: str | None = None, owner_team: str | None = None, manager: str | None = None,
                bom: bool = True, settings: Settings | None = None) -> str:  # fmt: skip
    """Every overdue action item (analytics.actions.overdue: one row per item and owner, most overdue
    first) with url_columns, as csv_text: the one CSV both the Action items page's download and
    `python -m analytics overdue` write, byte for byte. A UTF-8 byte order mark unless `bom` is False:
    Excel needs it to read names like josé."""
    rows = actions.overdue(con, f, owner=owner, owner_team=owner_team, manager=manager)
    return csv_text(url_columns(rows, settings), bom=bom)


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
