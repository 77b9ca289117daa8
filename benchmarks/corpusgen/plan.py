"""Pass 1: who, when, where and in which shape; each incident's identity.

This pass is sequential and cheap. It places every incident in a quarter, a
team, a moment and a document shape (quarter and team counts deliberately
uneven), sorts them by start, and then fixes everything that depends on the
incidents before it: the failing service and the kind of cause (so repeat
incidents can cite the earlier one), the title, the file path (unique), the
id, and the range of ticket numbers. Pass 2 (model.Sampler) can then draw
each incident on its own, in any order or process, with the same result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from benchmarks.corpusgen import phrases as P
from benchmarks.corpusgen import vocab as V
from benchmarks.corpusgen.rng import Rng
from benchmarks.corpusgen.text import local, service_title, slugify

SHAPES = ("standard", "standard_list", "quick", "five_whys", "frontmatter", "yaml", "json", "messy")
# Shares of the non-messy shapes; they are scaled to fill 1 - messy_share.
BASE_SHARES = {"standard": 40, "standard_list": 10, "quick": 15, "five_whys": 10, "frontmatter": 10, "yaml": 8,
               "json": 2}  # fmt: skip
EXPLICIT_ID_SHAPES = frozenset({"five_whys", "frontmatter", "yaml", "json"})
TICKETS_PER_INCIDENT = 6  # ticket numbers reserved per incident of a team (plus a small random gap)

# Zones a timeline may be written in: (how the document names it, the zone).
# Authors keep one abbreviation all year: "PST" in July is Pacific summer
# time (FORMAT.md), so those abbreviations are their region's zone.
FIXED_ZONES = (
    ("PST", ZoneInfo("America/Los_Angeles")),
    ("CET", ZoneInfo("Europe/Berlin")),
    ("IST", timezone(timedelta(hours=5, minutes=30), "IST")),
    ("EST", ZoneInfo("America/New_York")),
)
REGION_ZONES = (
    ("Europe/Berlin", ZoneInfo("Europe/Berlin")),
    ("America/New_York", ZoneInfo("America/New_York")),
    ("Asia/Kolkata", ZoneInfo("Asia/Kolkata")),
    ("America/Los_Angeles", ZoneInfo("America/Los_Angeles")),
)


@dataclass(frozen=True, slots=True)
class Config:
    count: int
    seed: int
    start: date
    quarters: int
    messy_share: float

    @property
    def end(self) -> date:
        """The first day after the period: the as-of date of the tracker export."""
        return add_months(self.start, 3 * self.quarters)


@dataclass(slots=True)
class Slot:
    """One incident's place, shape and identity."""

    order: int  # position before sorting: with the seed, it seeds pass 2 for this incident
    quarter: int
    team: str
    started: datetime  # naive UTC; the first timeline event
    shape: str
    zone: tuple[str, tzinfo] | None  # None: the timeline is written in UTC
    svc: str = ""
    services: tuple[str, ...] = ()
    primary: str = ""  # the category of the proximate cause
    title: str = ""
    folder: str = ""  # the team folder the document is filed under
    base: str = ""  # path under the corpus root, without suffix
    suffix: str = ".md"
    incident_id: str = ""  # explicit (INC-...) or the path the parser derives
    explicit_id: bool = False
    related: str | None = None  # an earlier incident with the same cause on the same service
    ticket_base: int = 0  # this incident's ticket numbers start here


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    return date(d.year + y, m + 1, min(d.day, 28))


def shape_quota(count: int, messy_share: float) -> list[str]:
    """Exactly proportional shape counts (largest remainder), in a fixed order."""
    shares = {k: v / sum(BASE_SHARES.values()) * (1 - messy_share) for k, v in BASE_SHARES.items()}
    shares["messy"] = messy_share
    exact = {k: v * count for k, v in shares.items()}
    counts = {k: int(v) for k, v in exact.items()}
    rest = count - sum(counts.values())
    for k in sorted(exact, key=lambda k: (-(exact[k] - counts[k]), SHAPES.index(k)))[:rest]:
        counts[k] += 1
    return [s for s in SHAPES for _ in range(counts[s])]


def local_day(slot: Slot) -> date:
    """The day the document is dated: the local day of its first event."""
    return local(slot.started, slot.zone[1] if slot.zone and slot.suffix == ".md" else None).date()


def plan(cfg: Config, rng: Rng) -> list[Slot]:
    """Every incident's slot, sorted by start, with its identity fixed."""
    slots = _place(cfg, rng)
    _identify(cfg, slots, rng)
    return slots


def _place(cfg: Config, rng: Rng) -> list[Slot]:
    qw = [(1 + 0.12 * q) * rng.uniform(0.7, 1.3) for q in range(cfg.quarters)]
    cells = [(q, t) for q in range(cfg.quarters) for t in V.TEAMS]
    weights = tuple(qw[q] * t.weight * rng.uniform(0.7, 1.3) for q, t in cells)
    shapes = shape_quota(cfg.count, cfg.messy_share)
    rng.shuffle(shapes)
    q_starts = [add_months(cfg.start, 3 * q) for q in range(cfg.quarters + 1)]
    slots = []
    for i, shape in enumerate(shapes):
        q, team = rng.weighted(cells, weights)
        days = (q_starts[q + 1] - q_starts[q]).days
        day = q_starts[q] + timedelta(days=rng.randrange(days))
        x = rng.random()
        hour = rng.randint(9, 17) if x < 0.62 else rng.randint(18, 23) if x < 0.86 else rng.randint(0, 8)
        started = datetime(day.year, day.month, day.day, hour, rng.randrange(60))
        zone = None
        if shape == "messy" and rng.random() < 0.55:
            zone = rng.choice(FIXED_ZONES)
        elif shape == "frontmatter" and rng.random() < 0.35:
            zone = rng.choice(REGION_ZONES)
        if zone is not None and rng.random() < 0.5:
            # Late evening local time, so that the local timeline crosses midnight.
            loc = local(started, zone[1]).replace(hour=rng.choice((22, 23)), minute=rng.randrange(60))
            started = loc.replace(tzinfo=zone[1]).astimezone(UTC).replace(tzinfo=None)
            lo = datetime.combine(q_starts[q], datetime.min.time())
            started = min(max(started, lo), datetime.combine(q_starts[q + 1], datetime.min.time()) - timedelta(hours=1))
        slots.append(Slot(i, q, team.name, started, shape, zone))
    slots.sort(key=lambda s: (s.started, s.order))
    return slots


def _identify(cfg: Config, slots: list[Slot], rng: Rng) -> None:
    primary_w = {t: (tuple(w), tuple(w.values())) for t, w in V.PRIMARY_WEIGHTS.items()}
    ticket_next = {t.name: 100 + rng.randrange(800) for t in V.TEAMS}
    year_seq: dict[int, int] = {}
    last_of: dict[tuple[str, str, str], str] = {}
    used: set[str] = set()
    other_teams = {t.name: [o.name for o in V.TEAMS if o.name != t.name] for t in V.TEAMS}
    for s in slots:
        team = V.TEAM_BY_NAME[s.team]
        svc_w = tuple(3 if (team.name, x) in V.REPEAT_SERVICES else 1 for x in team.services)
        s.svc = rng.weighted(team.services, svc_w)
        s.services = (s.svc,)
        if rng.random() < 0.3:
            s.services += (rng.choice([x for x in team.services if x != s.svc]),)
        repeat = V.REPEAT_SERVICES.get((team.name, s.svc))
        if repeat and rng.random() < 0.75:
            s.primary = repeat
        elif s.quarter == cfg.quarters - 1 and rng.random() < V.NEW_CATEGORY_SHARE[team.name]:
            s.primary = V.NEW_CATEGORY  # the new failure mode: only in the last quarter
        else:
            s.primary = rng.weighted(*primary_w[team.name])
        s.title = rng.choice(P.TITLES[s.primary]).format(svc=s.svc, Svc=service_title(s.svc))
        s.folder = team.name
        if s.shape in ("standard", "standard_list") and rng.random() < 0.04:
            # Filed under the team that hosted the review; the header names the owner.
            s.folder = rng.choice(other_teams[team.name])
        s.suffix = {"yaml": ".yaml", "json": ".json"}.get(s.shape, ".md")
        day = local_day(s)
        stem = base = f"{s.folder}/{day.year}/{day.isoformat()}-{slugify(s.title)}"
        k = 2
        while base in used:
            base, k = f"{stem}-{k}", k + 1
        used.add(base)
        s.base = base
        year_seq[s.started.year] = year_seq.get(s.started.year, 0) + 1
        s.explicit_id = s.shape in EXPLICIT_ID_SHAPES
        s.incident_id = f"INC-{s.started.year}-{year_seq[s.started.year]:04d}" if s.explicit_id else base
        key = (team.name, s.svc, s.primary)
        s.related = last_of.get(key)
        last_of[key] = s.incident_id
        s.ticket_base = ticket_next[team.name]
        ticket_next[team.name] += TICKETS_PER_INCIDENT + rng.randrange(4)
