"""What the database holds: build facts and the values filters can take."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from analytics.db import FIRST_TIME, LAST_TIME, query
from analytics.periods import Quarter, last_complete_quarter, quarter_of

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
TREND_QUARTERS = 4  # the default trend range, at most: a year of quarters

OPTIONS = """
SELECT
  (SELECT list(DISTINCT team ORDER BY team) FROM incidents WHERE team IS NOT NULL) AS teams,
  (SELECT list(DISTINCT service ORDER BY service) FROM incident_services) AS services,
  (SELECT list(DISTINCT severity ORDER BY severity) FROM incidents WHERE severity IS NOT NULL) AS severities,
  (SELECT min(occurred_at) FROM incidents WHERE occurred_at BETWEEN ? AND ?) AS first,
  (SELECT max(occurred_at) FROM incidents WHERE occurred_at BETWEEN ? AND ?) AS last,
  (SELECT count(*) FROM incidents) AS incidents,
  (SELECT list(DISTINCT CAST(occurred_at AS DATE) ORDER BY 1) FROM incidents WHERE occurred_at BETWEEN ? AND ?) AS days
"""


@dataclass(frozen=True)
class Options:
    teams: tuple[str, ...]
    services: tuple[str, ...]
    severities: tuple[str, ...]
    first: date | None
    last: date | None
    incidents: int
    as_of: date
    built_at: str
    days: tuple[date, ...] = ()  # the distinct days incidents occurred on
    sample: bool = False  # built from the bundled sample corpus, not the user's postmortems

    def quarters(self, fiscal_start: int, through: date | None = None) -> list[Quarter]:
        """Quarters from the first incident to the later of the last incident and `through`."""
        if self.first is None:
            return [quarter_of(through or self.as_of, fiscal_start)]
        q = quarter_of(self.first, fiscal_start)
        last = quarter_of(max(self.last or self.first, through or self.as_of), fiscal_start)
        out = []
        while q <= last:
            out.append(q)
            q = q.next()
        return out

    def quarters_with_incidents(self, fiscal_start: int, through: date) -> list[Quarter]:
        """The quarters, oldest first, with at least one incident on or before `through`."""
        return sorted({quarter_of(d, fiscal_start) for d in self.days if d <= through})

    def review_quarter(self, as_of: date, fiscal_start: int) -> Quarter:
        """The quarter a page opens on: the last complete one before `as_of`, unless it has no incident and
        the data ends earlier or later; then the latest quarter with incidents, so a database whose postmortems
        stop a while ago opens on them rather than on an empty quarter of n/a."""
        latest = last_complete_quarter(as_of, fiscal_start)
        have = self.quarters_with_incidents(fiscal_start, as_of)
        if not have or latest in have:
            return latest
        earlier = [q for q in have if q <= latest]
        return earlier[-1] if earlier else have[-1]

    def trend_since(self, end: Quarter, as_of: date, fiscal_start: int) -> Quarter:
        """The first quarter of the default trend range: a year of quarters up to `end`, cut to where the
        data starts, so a short history is not drawn with empty quarters before it."""
        since = end
        for _ in range(TREND_QUARTERS - 1):
            since = since.previous()
        have = self.quarters_with_incidents(fiscal_start, as_of)
        return min(max(since, have[0]), end) if have else since

    def span(self, fiscal_start: int) -> str:
        """What the database covers, in a line: 'Data: 2017Q3–2026Q1, 73 incidents'."""
        n = f"{self.incidents:,} incident{'' if self.incidents == 1 else 's'}"
        if not self.days:
            return f"Data: {n}" + (", none with a date" if self.incidents else "")
        first, last = (quarter_of(d, fiscal_start).label for d in (self.days[0], self.days[-1]))
        return f"Data: {first if first == last else f'{first}–{last}'}, {n}"


def from_sample(meta: dict[str, str]) -> bool:
    """Whether the database was built from the bundled sample corpus: the build's flag, or for a database
    built before the flag, every corpus root it recorded being the project's data/sample."""
    if "bundled_sample" in meta:
        return meta["bundled_sample"] == "true"
    try:
        roots = json.loads(meta.get("corpus_roots") or "[]")
    except ValueError:
        return False
    here = SAMPLE.parent.parent
    return bool(roots) and all(isinstance(r, str) and (here / r).resolve() == SAMPLE for r in roots)


def build_meta(con) -> dict[str, str]:
    return dict(query(con, "SELECT key, value FROM meta").itertuples(index=False, name=None))


def options(con) -> Options:
    span = [FIRST_TIME.to_pydatetime(), LAST_TIME.to_pydatetime()]  # a date past them would be no quarter
    row = query(con, OPTIONS, span * 3).iloc[0]
    meta = build_meta(con)
    as_of = date.fromisoformat(meta.get("as_of") or date.today().isoformat())

    def d(v):
        return None if v is None or v != v else v.date()

    def t(v):
        return tuple(v) if isinstance(v, list | tuple) or hasattr(v, "tolist") else ()

    return Options(t(row["teams"]), t(row["services"]), t(row["severities"]), d(row["first"]), d(row["last"]),
                   int(row["incidents"]), as_of, meta.get("built_at", ""),
                   tuple(pd.Timestamp(v).date() for v in t(row["days"])), from_sample(meta))  # fmt: skip
