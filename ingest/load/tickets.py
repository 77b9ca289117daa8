"""The ticket tracker export (--tickets): a CSV as Jira, Linear or GitHub write it."""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from ingest.read.decode import Unreadable, decode, read_side_file
from ingest.read.problems import Problems
from ingest.read.sections import normalise_title
from ingest.understand.timeparse import BadValue, parse_date
from ingest.understand.vocab import normalise_owner, status_class

MAX_BYTES = 200 * 1024 * 1024
KEY = ("issue key", "key", "id", "ticket", "issue", "issue id", "identifier", "number", "ticket id")
STATUS = ("status", "state", "issue status")
RESOLVED = ("resolved", "completed", "closed at", "resolved at", "completed at", "resolution date", "done at",
            "closed", "closed date", "resolved date")  # fmt: skip
DUE = ("due date", "due", "duedate", "due on", "target date")
ASSIGNEE = ("assignee", "assignees", "owner", "assigned to")
KNOWN_EXTRA = ("summary", "title", "created", "updated", "priority", "reporter", "labels", "description",
               "issue type", "project", "url", "team", "resolution", "estimate", "cycle", "milestone")  # fmt: skip


@dataclass(slots=True)
class Ticket:
    key: str
    status: str
    status_class: str
    resolved_at: object
    due_date: object
    assignee: str | None
    line: int


# The tickets as the build loads them (the `_tickets` staging table): columns, not a Python object per row.
TICKET_SCHEMA = pa.schema([("key", pa.string()), ("key_norm", pa.string()), ("status", pa.string()),
                           ("status_class", pa.string()), ("resolved_at", pa.date32()), ("due_date", pa.date32()),
                           ("assignee", pa.string()), ("line", pa.int32())])  # fmt: skip


def tickets_table(tickets: list[Ticket]) -> pa.Table:
    """The tickets as an Arrow table of TICKET_SCHEMA, built column by column."""
    return pa.table(
        [pa.array([t.key for t in tickets], pa.string()), pa.array([t.key.upper() for t in tickets], pa.string()),
         pa.array([t.status for t in tickets], pa.string()), pa.array([t.status_class for t in tickets], pa.string()),
         pa.array([t.resolved_at for t in tickets], pa.date32()), pa.array([t.due_date for t in tickets], pa.date32()),
         pa.array([t.assignee for t in tickets], pa.string()), pa.array([t.line for t in tickets], pa.int32())],
        schema=TICKET_SCHEMA,
    )  # fmt: skip


def read_tickets_table(path: Path) -> tuple[pa.Table, list[tuple]]:
    """read_tickets as an Arrow table, and its problems as (line, level, code, message). The build runs this
    in a child process for a large export, so the Python objects of its rows never live in the build."""
    found = Problems()
    table = tickets_table(read_tickets(path, found))
    found.finish()
    return table, [(p.line, p.level, p.code, p.message) for p in found]


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    norm = [normalise_title(h) for h in header]
    for n in names:
        if n in norm:
            return norm.index(n)
    return None


def read_tickets(path: Path, problems: Problems) -> list[Ticket]:
    """Tickets from the CSV. Unknown columns, duplicate keys and junk rows are
    problems (on the CSV's path and line), never a stop: a broken row (an
    unbalanced quote, a field past the CSV reader's limit, NUL bytes) costs
    that row, and reading goes on at the line after it starts."""
    text = _text(path, problems)
    if text is None:
        return []
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = _rows(text, dialect, problems)
    header = next(rows, None)
    if header is None:
        problems.error("tickets-empty", None, "tickets file has no header row")
        return []
    header = header[1]
    ki, si = _find(header, KEY), _find(header, STATUS)
    if ki is None or si is None:
        problems.error(
            "tickets-columns",
            1,
            "tickets file needs a key column (Issue key, Key, ID, Ticket) and a status column (Status, State); "
            f"its columns are: {', '.join(header)[:300]}. No ticket statuses were used.",
        )
        return []
    ri, di, ai = _find(header, RESOLVED), _find(header, DUE), _find(header, ASSIGNEE)
    used = {i for i in (ki, si, ri, di, ai) if i is not None}
    ignored = [h for i, h in enumerate(header) if i not in used and normalise_title(h) not in KNOWN_EXTRA and h.strip()]
    if ignored:
        problems.warn("tickets-columns", 1, f"tickets file: columns not used: {', '.join(ignored)[:300]}")
    tickets: list[Ticket] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        ticket = _ticket(row, line, (ki, si, ri, di, ai), seen, problems)
        if ticket is not None:
            tickets.append(ticket)
    return tickets


def _text(path: Path, problems: Problems) -> str | None:
    """The file's text, or None (with an error saying why). NUL bytes in a
    CSV are one tool's padding or one broken row, not a binary file: they
    are removed, with a warning."""
    data = read_side_file(path, MAX_BYTES, problems, "tickets")
    if data is None:
        return None
    if b"\x00" in data and not data.startswith(_WIDE_BOMS):
        first, count = data[: data.index(b"\x00")].count(b"\n") + 1, data.count(b"\x00")
        problems.warn("tickets-row", first, f"tickets file holds {count:,} NUL bytes (the first on line {first}); "
                      "they are removed")  # fmt: skip
        data = data.replace(b"\x00", b"")
    try:
        return decode(data, problems)
    except Unreadable as exc:
        problems.error("tickets-unreadable", None, f"tickets file: {exc}")
        return None


_WIDE_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
MAX_ROW_LINES = 200  # a quoted field (a description) may span lines; a row longer than this lost a closing quote


class _BrokenRow(Exception):
    pass


class _Lines:
    """The file's lines for the CSV reader, from a given line on; knows where
    the current row started, and refuses to let one row run past MAX_ROW_LINES."""

    def __init__(self, lines: list[str], start: int) -> None:
        self.lines, self.pos, self.row_start = lines, start, start

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self.pos >= len(self.lines):
            raise StopIteration
        if self.pos - self.row_start >= MAX_ROW_LINES:
            raise _BrokenRow(f"a quoted field runs on for more than {MAX_ROW_LINES} lines (a quote not closed?)")
        self.pos += 1
        return self.lines[self.pos - 1] + "\n"


def _rows(text: str, dialect, problems: Problems):
    """(line, cells) of each row: its last line, as the CSV reader counts.
    A broken row is a `tickets-row` warning on its first line, and reading
    starts again on the line after that one."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    quote = getattr(dialect, "quotechar", None) or '"'
    start = 0
    while start < len(lines):
        feed = _Lines(lines, start)
        reader = csv.reader(feed, dialect)
        try:
            for row in reader:
                if feed.pos == len(lines) and feed.pos - feed.row_start > 1 and _unclosed(lines, feed, quote):
                    raise _BrokenRow("a quote is not closed before the end of the file")
                yield feed.pos, row
                feed.row_start = feed.pos
            return
        except (csv.Error, _BrokenRow) as exc:
            first = feed.row_start + 1
            problems.warn("tickets-row", first, f"tickets file row is not valid CSV ({exc}); skipped, and reading "
                          f"goes on at line {first + 1}")  # fmt: skip
            start = first


def _unclosed(lines: list[str], feed: _Lines, quote: str) -> bool:
    """The last row ran into the end of the file inside quotes: an odd count
    of quote characters (a quote inside a quoted field is written twice)."""
    return sum(line.count(quote) for line in lines[feed.row_start : feed.pos]) % 2 == 1


def _ticket(row: list[str], line: int, cols: tuple, seen: dict[str, int], problems: Problems) -> Ticket | None:
    """One row's ticket, or None (with a problem) for junk and repeats."""
    ki, si, ri, di, ai = cols
    if not any(c.strip() for c in row):
        return None
    if len(row) <= max(ki, si):
        problems.warn("tickets-row", line, f"tickets file row has {len(row)} cells, fewer than the header's; skipped")
        return None
    key = row[ki].strip()
    if not key or len(key) > 200:
        problems.warn("tickets-row", line, "tickets file row has no usable key; skipped")
        return None
    norm = key.upper()
    if norm in seen:
        problems.warn(
            "tickets-duplicate",
            line,
            f"ticket {key} is listed again (first on line {seen[norm]}); the first row is used",
        )
        return None
    seen[norm] = line
    status = row[si].strip()
    cls = status_class(status) or "open"
    resolved = _date(row, ri, line, "resolved", problems)
    due = _date(row, di, line, "due", problems)
    assignee = normalise_owner(row[ai]) if ai is not None and ai < len(row) else None
    return Ticket(key, status, cls, resolved, due, assignee, line)


def _date(row: list[str], i: int | None, line: int, what: str, problems: Problems):
    if i is None or i >= len(row) or not row[i].strip():
        return None
    try:
        d = parse_date(row[i])
    except BadValue as exc:
        problems.warn("tickets-date", line, f"tickets file {what} date: {exc}")
        return None
    if d is None:
        problems.warn("tickets-date", line, f"tickets file {what} date '{row[i][:30]}' is not a date")
    return d
