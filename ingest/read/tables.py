"""Markdown tables: header, rows, and columns found by what they are called."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.read.mdblocks import TABLE, Line, is_table_separator, split_row
from ingest.read.sections import normalise_title


@dataclass(slots=True)
class Table:
    header: list[str]
    rows: list[tuple[Line, list[str]]]  # (line, cells)
    line: Line  # the header line

    def column(self, names: dict[str, tuple[str, ...]]) -> dict[str, int]:
        """{role: column index} for the roles whose names appear in the header
        (memoised: the same headers recur in document after document)."""
        key = (tuple(self.header), tuple(names.items()))
        hit = _COLUMNS.get(key)
        if hit is None:
            hit = _columns(self.header, names)
            if len(_COLUMNS) < 20_000:
                _COLUMNS[key] = hit
        return dict(hit)


_COLUMNS: dict[tuple, dict[str, int]] = {}


def _columns(header: list[str], names: dict[str, tuple[str, ...]]) -> dict[str, int]:
    found: dict[str, int] = {}
    norm = [normalise_title(h) for h in header]
    for role, wanted in names.items():
        for i, h in enumerate(norm):
            if i in found.values():
                continue
            if h in wanted or any(h.startswith(w + " ") for w in wanted):
                found[role] = i
                break
    return found


def tables(body: list[Line]) -> list[Table]:
    """Every table in a run of lines. A table needs a header row and a
    separator row; rows without a separator above are read as a headerless
    table whose first row is the header."""
    out: list[Table] = []
    block: list[Line] = []
    for ln in [*body, Line(0, "", "end")]:
        if ln.kind == TABLE:
            block.append(ln)
            continue
        if block:
            out.append(_table(block))
            block = []
    return out


def _table(block: list[Line]) -> Table:
    header_line = block[0]
    header = split_row(header_line.content)
    rows = []
    for ln in block[1:]:
        if is_table_separator(ln.content):
            continue
        rows.append((ln, split_row(ln.content)))
    return Table(header, rows, header_line)
