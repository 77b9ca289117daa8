"""The shared filters every page applies, and the SQL that applies them.

Filters are a frozen, hashable value, so cached query functions can key on
them. Values are always bound as parameters, never formatted into SQL."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from analytics.periods import Quarter, last_complete_quarter, quarter_of, quarter_sql


@dataclass(frozen=True)
class Filters:
    start: Quarter
    end: Quarter
    as_of: date
    teams: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    fiscal_start: int = field(default=1)

    @classmethod
    def default(cls, as_of: date, fiscal_start: int = 1, quarters: int = 4) -> Filters:
        end = last_complete_quarter(as_of, fiscal_start)
        start = end
        for _ in range(quarters - 1):
            start = start.previous()
        return cls(start, end, as_of, fiscal_start=fiscal_start)

    def only(self, quarter: Quarter) -> Filters:
        """The same filters over one quarter."""
        return replace(self, start=quarter, end=quarter)

    def all_time(self) -> Filters:
        """The same team/service/severity filters over every quarter up to the as-of date."""
        return replace(self, start=Quarter(1900, 1, self.fiscal_start), end=quarter_of(self.as_of, self.fiscal_start))


# The incidents a filter selects, with their quarter. `?` order: see params().
INCIDENTS_CTE = """
f AS (
    SELECT i.*, {quarter} AS quarter
    FROM incidents i
    WHERE i.occurred_at IS NOT NULL
      AND i.occurred_at >= CAST(? AS TIMESTAMP) AND i.occurred_at < CAST(? AS TIMESTAMP)
      AND CAST(i.occurred_at AS DATE) <= CAST(? AS DATE)
      AND (len(CAST(? AS VARCHAR[])) = 0 OR list_contains(CAST(? AS VARCHAR[]), i.team))
      AND (len(CAST(? AS VARCHAR[])) = 0 OR list_has_any(i.services, CAST(? AS VARCHAR[])))
      AND (len(CAST(? AS VARCHAR[])) = 0 OR list_contains(CAST(? AS VARCHAR[]), i.severity))
)"""


def cte(f: Filters) -> str:
    """`WITH`-able text defining `f`, the filtered incidents with a `quarter`."""
    return INCIDENTS_CTE.format(quarter=quarter_sql("i.occurred_at", f.fiscal_start))


def params(f: Filters) -> list:
    teams, services, sevs = list(f.teams), list(f.services), list(f.severities)
    return [f.start.start, f.end.end, f.as_of, teams, teams, services, services, sevs, sevs]
