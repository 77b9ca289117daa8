"""The ticket tracker export (--tickets): a CSV as Jira, Linear or GitHub write it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ingest.read.decode import Unreadable, decode
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


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    norm = [normalise_title(h) for h in header]
    for n in names:
        if n in norm:
            return norm.index(n)
    return None


def read_tickets(path: Path, problems: Problems) -> list[Ticket]:
    """Tickets from the CSV. Unknown columns, duplicate keys and junk rows are
    problems (on the CSV's path and line), never a stop."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.error("tickets-unreadable", None, f"cannot read the tickets file: {exc.strerror or exc}")
        return []
    if len(data) > MAX_BYTES:
        problems.error("tickets-too-large", None, f"tickets file is larger than {MAX_BYTES:,} bytes; not read")
        return []
    try:
        text = decode(data, problems)
    except Unreadable as exc:
        problems.error("tickets-unreadable", None, f"tickets file: {exc}")
        return []
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        problems.error("tickets-empty", None, "tickets file has no header row")
        return []
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
    line = 1
    try:
        for row in reader:
            line = reader.line_num
            if not any(c.strip() for c in row):
                continue
            if len(row) <= max(ki, si):
                problems.warn(
                    "tickets-row", line, f"tickets file row has {len(row)} cells, fewer than the header's; skipped"
                )
                continue
            key = row[ki].strip()
            if not key or len(key) > 200:
                problems.warn("tickets-row", line, "tickets file row has no usable key; skipped")
                continue
            norm = key.upper()
            if norm in seen:
                problems.warn(
                    "tickets-duplicate",
                    line,
                    f"ticket {key} is listed again (first on line {seen[norm]}); the first row is used",
                )
                continue
            seen[norm] = line
            status = row[si].strip()
            cls = status_class(status) or "open"
            resolved = _date(row, ri, line, "resolved", problems)
            due = _date(row, di, line, "due", problems)
            assignee = normalise_owner(row[ai]) if ai is not None and ai < len(row) else None
            tickets.append(Ticket(key, status, cls, resolved, due, assignee, line))
    except csv.Error as exc:
        problems.warn("tickets-row", line, f"tickets file is not valid CSV from here on ({exc}); the rest is not read")
    return tickets


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
