"""Quarters: calendar by default, fiscal when a fiscal year start month is set.

A fiscal year is named by the calendar year it ends in: with a fiscal year
starting in October, October-December 2024 is FY2025Q1."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_LABEL = re.compile(r"^(FY)?(\d{4})Q([1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int  # the (fiscal) year the quarter belongs to
    q: int
    fiscal_start: int = 1

    @property
    def label(self) -> str:
        return f"{'FY' if self.fiscal_start != 1 else ''}{self.year}Q{self.q}"

    @property
    def start(self) -> date:
        month0 = (self.fiscal_start - 1) + (self.q - 1) * 3  # months after January of the start year
        start_year = self.year - (1 if self.fiscal_start != 1 else 0)
        return date(start_year + month0 // 12, month0 % 12 + 1, 1)

    @property
    def end(self) -> date:
        """The first day after the quarter."""
        return self.next().start

    def next(self) -> Quarter:
        return Quarter(self.year + (self.q == 4), self.q % 4 + 1, self.fiscal_start)

    def previous(self) -> Quarter:
        return Quarter(self.year - (self.q == 1), (self.q - 2) % 4 + 1, self.fiscal_start)

    def __str__(self) -> str:
        return self.label


def shift_months(fiscal_start: int) -> int:
    """Months to add to a date so that its calendar quarter is its fiscal quarter."""
    return (13 - fiscal_start) % 12


def quarter_of(d: date, fiscal_start: int = 1) -> Quarter:
    m = d.month - 1 + shift_months(fiscal_start)
    year = d.year + m // 12
    return Quarter(year, (m % 12) // 3 + 1, fiscal_start)


# The years a quarter or an as-of date may name: a quarter's neighbours and the dates around it must stay
# within what a date can hold (years 1 to 9999), and no postmortem is older than computing.
MIN_YEAR, MAX_YEAR = 1900, 9998


def parse_quarter(label: str, fiscal_start: int = 1) -> Quarter:
    """'2024Q1' (or 'FY2025Q1' with a fiscal year) -> Quarter; ValueError otherwise, or when its year is
    outside MIN_YEAR..MAX_YEAR."""
    m = _LABEL.match(str(label).strip())
    if not m or bool(m.group(1)) != (fiscal_start != 1):
        raise ValueError(f"{label!r} is not a quarter like {'FY2025Q1' if fiscal_start != 1 else '2024Q1'}")
    if not MIN_YEAR <= int(m.group(2)) <= MAX_YEAR:
        raise ValueError(f"{label!r} is outside the years {MIN_YEAR} to {MAX_YEAR}")
    return Quarter(int(m.group(2)), int(m.group(3)), fiscal_start)


def check_as_of(day: date) -> date:
    """`day` when an as-of date may be it (years MIN_YEAR..MAX_YEAR), else ValueError."""
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValueError(f"{day.isoformat()} is outside the years {MIN_YEAR} to {MAX_YEAR}")
    return day


def last_complete_quarter(as_of: date, fiscal_start: int = 1) -> Quarter:
    """The latest quarter that ended on or before `as_of`."""
    return quarter_of(as_of, fiscal_start).previous()


def quarters_between(first: Quarter, last: Quarter) -> list[Quarter]:
    out, q = [], first
    while q <= last and len(out) < 400:
        out.append(q)
        q = q.next()
    return out


def quarter_sql(column: str, fiscal_start: int) -> str:
    """SQL expression of the quarter label of a TIMESTAMP/DATE column."""
    if not 1 <= int(fiscal_start) <= 12:
        raise ValueError("fiscal year start month must be 1..12")
    shift = shift_months(int(fiscal_start))
    d = f"({column} + INTERVAL {shift} MONTH)" if shift else column
    prefix = "'FY' || " if fiscal_start != 1 else ""
    return f"({prefix}CAST(year({d}) AS VARCHAR) || 'Q' || CAST(quarter({d}) AS VARCHAR))"


def day_before(d: date) -> date:
    return d - timedelta(days=1)
