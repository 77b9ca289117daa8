"""What the database holds: build facts and the values filters can take."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from analytics.db import FIRST_TIME, LAST_TIME, query
from analytics.periods import Quarter, quarter_of

OPTIONS = """
SELECT
  (SELECT list(DISTINCT team ORDER BY team) FROM incidents WHERE team IS NOT NULL) AS teams,
  (SELECT list(DISTINCT service ORDER BY service) FROM incident_services) AS services,
  (SELECT list(DISTINCT severity ORDER BY severity) FROM incidents WHERE severity IS NOT NULL) AS severities,
  (SELECT min(occurred_at) FROM incidents WHERE occurred_at BETWEEN ? AND ?) AS first,
  (SELECT max(occurred_at) FROM incidents WHERE occurred_at BETWEEN ? AND ?) AS last,
  (SELECT count(*) FROM incidents) AS incidents
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


def build_meta(con) -> dict[str, str]:
    return dict(query(con, "SELECT key, value FROM meta").itertuples(index=False, name=None))


def options(con) -> Options:
    span = [FIRST_TIME.to_pydatetime(), LAST_TIME.to_pydatetime()]  # a date past them would be no quarter
    row = query(con, OPTIONS, span + span).iloc[0]
    meta = build_meta(con)
    as_of = date.fromisoformat(meta.get("as_of") or date.today().isoformat())

    def d(v):
        return None if v is None or v != v else v.date()

    def t(v):
        return tuple(v) if isinstance(v, list | tuple) or hasattr(v, "tolist") else ()

    return Options(t(row["teams"]), t(row["services"]), t(row["severities"]), d(row["first"]), d(row["last"]),
                   int(row["incidents"]), as_of, meta.get("built_at", ""))  # fmt: skip
