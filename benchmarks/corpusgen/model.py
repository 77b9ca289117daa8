"""Pass 2: the facts of one incident, sampled before any text is written.

`Sampler.incident` reseeds its generator from (seed, slot.order), so an
incident's facts and text depend only on its slot: generation can be split
into chunks and run in several processes with byte-identical results.
Severity, status, milestones, factors, whys, action items and their tracker
state are drawn here; renderers only turn them into text.
"""

from __future__ import annotations

import math
import string
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from benchmarks.corpusgen import phrases as P
from benchmarks.corpusgen import vocab as V
from benchmarks.corpusgen.plan import BASE_SHARES, Config, Slot
from benchmarks.corpusgen.rng import Rng
from benchmarks.corpusgen.text import round_trips, service_title

SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5")
SEVERITY_MIX = (0.05, 0.20, 0.40, 0.25, 0.10)
QUICK_SEVERITY = (0.0, 0.0, 0.45, 0.40, 0.15)  # Template 3 is for minor incidents
SEV_SCALE = {"SEV1": 1.6, "SEV2": 1.3, "SEV3": 1.0, "SEV4": 0.8, "SEV5": 0.6}
DECLARE_P = {"SEV1": 0.95, "SEV2": 0.7, "SEV3": 0.3, "SEV4": 0.1, "SEV5": 0.05}
PRIORITY_W = {"SEV1": (4, 4, 2, 1), "SEV2": (2, 4, 3, 1), "SEV3": (1, 3, 4, 2), "SEV4": (0.5, 2, 4, 3),
              "SEV5": (0.2, 1, 4, 4)}  # fmt: skip
DUE_DAYS = {"P0": (3, 10), "P1": (7, 21), "P2": (14, 45), "P3": (21, 60)}
ACTION_COUNT_W = (10, 20, 25, 20, 15, 10)  # 1..6 items
_FIELDS: dict[str, tuple[str, ...]] = {}


@dataclass(slots=True)
class Event:
    at: datetime  # naive UTC
    kind: str  # the kind the timeline rules should give it
    text: str
    states: str | None = None  # the factor category the text states where a document tells what happened


@dataclass(slots=True)
class Factor:
    category: str  # 'uncategorized' for the deliberately vague ones
    text: str
    also: str | None = None  # a second category the text states (phrases.ALSO)


@dataclass(slots=True)
class Action:
    priority: str
    text: str
    owners: list[str]  # as written: handles, or a display name for an alias; [] = TBD
    due: date
    ticket: str | None
    doc_status: str | None  # done | open as the document records it; None = not recorded
    tracker_status: str | None = None  # the tracker's status word (Done, In Progress, Won't Do, ...)
    created: datetime | None = None
    resolved: datetime | None = None
    category: str | None = None  # the factor category it answers (what a Type column says)


@dataclass(slots=True)
class ImpactWords:
    """How a document words the incident's impact. Drawn from a stream of its
    own (seeded by the incident's identity), so adding these choices left
    every other fact and sentence of the corpus as it was."""

    customers: str  # exact | approx | range | unknown
    low: int  # the range written when customers == 'range'
    high: int
    currency: str  # USD | EUR | GBP: the revenue loss as written, never converted
    eng_hours: int | None  # 'Engineering time: ~N person-hours', when written
    section: bool  # a full Impact section (Customer / Business / Technical Impact) too
    types: bool  # the action-items table has a Type column
    technical: int  # which Technical Impact line


@dataclass(slots=True)
class Incident:
    slot: Slot
    team: str
    severity: str
    status: str  # final | draft | in review
    events: list[Event]
    started: datetime  # may precede the first event (the front matter says so)
    primary: Factor
    contributing: list[Factor]
    root: Factor  # where the whys end
    wrong: list[Factor]
    whys: list[tuple[str, str]]
    actions: list[Action]
    published: datetime | None
    customers: int
    revenue: int
    support_tickets: int
    group: str  # the kind of cause (phrases.START_GROUP): which phrases fit
    zone: tuple[str, tzinfo] | None  # the zone the timeline is written in; None = UTC

    @property
    def services(self) -> tuple[str, ...]:
        return self.slot.services

    @property
    def words(self) -> ImpactWords:
        """The impact wording (ImpactWords): the same for every call."""
        r = Rng(zlib.crc32(f"impact|{self.slot.incident_id}|{self.slot.order}".encode()))
        x = r.random()
        customers = "approx" if x < 0.12 else "range" if x < 0.18 else "unknown" if x < 0.21 else "exact"
        n = self.customers
        low, high = max(1, round(n * 0.8, -1 if n < 1000 else -2)), max(2, round(n * 1.25, -1 if n < 1000 else -2))
        y = r.random()
        currency = "USD" if self.team == "payments" or y < 0.7 else "EUR" if y < 0.9 else "GBP"
        eng = round(min(max(r.lognormvariate(math.log(6 * SEV_SCALE[self.severity] ** 2), 0.6), 1), 400))
        eng_hours = eng if r.random() < 0.4 else None
        section = r.random() < 0.3
        types = r.random() < 0.25
        return ImpactWords(customers, low, high, currency, eng_hours, section, types, r.randrange(4))

    @property
    def title(self) -> str:
        return self.slot.title

    def milestone(self, kind: str) -> datetime | None:
        return next((e.at for e in self.events if e.kind == kind), None)

    @property
    def resolved(self) -> datetime:
        return self.events[-1].at

    @property
    def tz(self) -> tzinfo | None:
        return self.zone[1] if self.zone else None


def fields_of(template: str) -> tuple[str, ...]:
    """The placeholders a phrase uses (cached: the banks are small)."""
    names = _FIELDS.get(template)
    if names is None:
        names = _FIELDS[template] = tuple(dict.fromkeys(f for _, f, _, _ in string.Formatter().parse(template) if f))
    return names


def _lognormal_minutes(r: Rng, median: float, sigma: float, lo: float, hi: float) -> int:
    return round(min(max(r.lognormvariate(math.log(median), sigma), lo), hi))


class Sampler:
    """Draws the facts of incidents, each from its own seeded stream."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.rng = Rng(cfg.seed)
        self.as_of = cfg.end
        self.as_of_dt = datetime.combine(cfg.end, datetime.min.time())
        quick = BASE_SHARES["quick"] / sum(BASE_SHARES.values()) * (1 - cfg.messy_share)
        other = [max((t - quick * q) / (1 - quick), 0.001) for t, q in zip(SEVERITY_MIX, QUICK_SEVERITY, strict=True)]
        self.sev_w = {"quick": QUICK_SEVERITY, "other": tuple(other)}
        # Contributing conditions follow the team's tendencies too, more weakly than the cause.
        cats = tuple(V.CONTRIBUTING_WEIGHTS)
        self.contrib_w = {
            t: (cats, tuple(V.CONTRIBUTING_WEIGHTS[c] + 0.8 * w.get(c, 0) for c in cats))
            for t, w in V.PRIMARY_WEIGHTS.items()
        }
        self.root_w = (tuple(V.ROOT_WEIGHTS), tuple(V.ROOT_WEIGHTS.values()))
        self.version: tuple[str, str] | None = None  # (release, previous release) of the current incident

    def fill(self, template: str, svc: str, who: str, sev: str = "SEV2") -> str:
        """A phrase with its placeholders filled; only the ones it uses are drawn."""
        names = fields_of(template)
        if not names:
            return template
        r = self.rng
        values: dict[str, object] = {"svc": svc, "who": who, "sev": sev}
        for name in names:
            if name in values:
                continue
            if name == "Svc":
                values[name] = service_title(svc)
            elif name in ("ver", "prev"):
                if self.version is None:  # one release per incident: what rolled out is what rolls back
                    major, minor = r.randint(1, 9), r.randint(0, 30)
                    self.version = (f"{major}.{minor}.{r.randint(1, 9)}", f"{major}.{minor}.0")
                values["ver"], values["prev"] = self.version
            elif name == "pct":
                values[name] = r.choice((5, 12, 23, 40, 65, 80))
            elif name == "metric":
                values[name] = r.choice(P.METRICS)
            elif name == "flag":
                values[name] = r.choice(P.FLAGS)
            else:  # n
                values[name] = r.randint(100, 999)
        return template.format_map(values)

    def factor(self, category: str, svc: str, used: set[str], vague_p: float = 0.05) -> Factor:
        """A factor of `category`, phrased differently from the ones already used;
        now and then a deliberately uncategorizable one instead."""
        r = self.rng
        if r.random() < vague_p:
            return Factor("uncategorized", r.choice(P.VAGUE))
        bank = P.FACTORS[category]
        t = bank[r.randrange(len(bank))]
        for _ in range(5):
            if t not in used:
                break
            t = bank[r.randrange(len(bank))]
        used.add(t)
        return Factor(category, self.fill(t, svc, "alice"), P.ALSO.get(t))

    def incident(self, slot: Slot) -> Incident:
        r = self.rng
        r.seed(self.cfg.seed * 1_000_003 + slot.order)
        self.version = None
        team = V.TEAM_BY_NAME[slot.team]
        last_q = slot.quarter == self.cfg.quarters - 1
        severity = SEVERITIES[r.weighted(range(5), self.sev_w["quick" if slot.shape == "quick" else "other"])]
        if last_q:  # recent postmortems are more often unfinished
            status = r.weighted(("final", "draft", "in review"), (70, 20, 10))
        else:
            status = r.weighted(("final", "draft", "in review"), (90, 6, 4))
        svc = slot.svc
        used: set[str] = set()
        primary = self.factor(slot.primary, svc, used, vague_p=0.03)
        cats: list[str] = []
        for _ in range(r.randint(2, 4)):
            c = r.weighted(*self.contrib_w[team.name])
            if c not in cats and c != slot.primary:
                cats.append(c)
        if last_q and slot.primary != V.NEW_CATEGORY and r.random() < 0.08:
            cats.append(V.NEW_CATEGORY)
        contributing = [self.factor(c, svc, used) for c in cats]
        root = self.factor(r.weighted(*self.root_w), svc, used, vague_p=0.02)
        pool = [slot.primary, *cats]
        wrong = [self.factor(c, svc, used) for c in r.sample(pool, min(len(pool), r.randint(1, 3)))]
        group = P.START_GROUP[slot.primary]
        events = self._timeline(slot, team, severity, group)
        started = events[0].at
        if slot.shape == "frontmatter" and r.random() < 0.5:
            started -= timedelta(minutes=r.randint(3, 25))  # impact began before the first recorded event
        zone = slot.zone
        if zone is not None and not all(round_trips(e.at, zone[1]) for e in events):
            zone = None  # a local time in a DST gap or fold would not read back: write UTC
        sev4 = SEV_SCALE[severity] ** 4
        inc = Incident(
            slot=slot, team=team.name, severity=severity, status=status, events=events, started=started,
            primary=primary, contributing=contributing, root=root, wrong=wrong,
            whys=self._whys(svc, primary, contributing, root), actions=[], published=None,
            customers=int(r.lognormvariate(math.log(800 * sev4), 1.0)),
            revenue=int(r.lognormvariate(math.log(5000 * sev4), 1.2)) // 100 * 100,
            support_tickets=int(r.lognormvariate(math.log(40 * SEV_SCALE[severity] ** 3), 1.0)),
            group=group, zone=zone,
        )  # fmt: skip
        if status == "final":
            pub = inc.resolved + timedelta(hours=r.lognormvariate(math.log(30), 0.9))
            inc.published = pub.replace(minute=pub.minute // 15 * 15, second=0, microsecond=0)
        self._actions(inc, team)
        return inc

    def _timeline(self, slot: Slot, team: V.Team, severity: str, group: str) -> list[Event]:
        """Start, detection, maybe acknowledgement and declaration, investigation
        steps, maybe mitigation, resolution: skewed durations, with trends."""
        r = self.rng
        svc = slot.svc
        a, b = V.TTR_TREND[team.name]
        trend = a + (b - a) * slot.quarter / max(self.cfg.quarters - 1, 1)
        quick = slot.shape == "quick"
        sigma = 0.85 if a == b else 0.45  # trending teams vary less, so the trend shows in a small sample
        ttr = _lognormal_minutes(r, 70 * SEV_SCALE[severity] * trend, sigma, 8, 18 * 60)
        customer = r.random() < (0.6 if slot.primary == "monitoring-gap" else 0.22)
        ttd = _lognormal_minutes(r, 10 * (2.2 if customer else 1.0), 0.8, 1, 240)
        ttd = max(1, min(ttd, ttr // 2))
        people = team.people
        who = r.choice(people)
        t0 = slot.started
        unnamed = r.random() < 0.06 and ttd <= P.CHANGE_START_MINUTES
        start_text = r.choice(P.START_UNNAMED[group] if unnamed else P.START[group])
        if start_text in P.START_CHANGES and ttd > P.CHANGE_START_MINUTES:
            start_text += P.IMPACT_AT_ONCE
        states = P.START_STATES.get(start_text.removesuffix(P.IMPACT_AT_ONCE))
        events = [Event(t0, "start", self.fill(start_text, svc, who), states)]
        t = t0 + timedelta(minutes=ttd)
        events.append(Event(t, "detect", self.fill(r.choice(P.TIMELINE["detect_customer" if customer else "detect"]),
                                                   svc, who)))  # fmt: skip
        if r.random() < (0.35 if quick else 0.86):
            t += timedelta(minutes=_lognormal_minutes(r, 3, 0.7, 1, 60))
            events.append(Event(t, "acknowledge", self.fill(r.choice(P.TIMELINE["acknowledge"]), svc, who)))
        if not quick and r.random() < DECLARE_P[severity]:
            t += timedelta(minutes=_lognormal_minutes(r, 6, 0.6, 1, 45))
            text = self.fill(r.choice(P.TIMELINE["declare"]), svc, r.choice(people), severity)
            events.append(Event(t, "declare", text))
        end = t0 + timedelta(minutes=ttr)
        if end < t + timedelta(minutes=4):
            end = t + timedelta(minutes=_lognormal_minutes(r, 20, 0.6, 4, 240))
        mitigated = None
        if r.random() < 0.8:
            m = t0 + timedelta(minutes=int((end - t0).total_seconds() / 60 * r.uniform(0.45, 0.9)))
            mitigated = max(m, t + timedelta(minutes=2))
            if mitigated >= end:
                end = mitigated + timedelta(minutes=r.randint(2, 30))
        gap = int(((mitigated or end) - t).total_seconds() // 60)
        n_other = min(r.randint(0, 2) if quick else r.randint(1, 4), gap // 3)
        if n_other > 0:
            bank = P.OTHER + P.OTHER_BY_GROUP[group]
            seen: set[str] = set()
            for off in sorted(r.randint(1, gap - 1) for _ in range(n_other)):
                text = r.choice(bank)
                if text not in seen:
                    seen.add(text)
                    kind = "other" if text in P.NOT_RESPONSES else "respond"
                    events.append(Event(t + timedelta(minutes=off), kind, self.fill(text, svc, who)))
        if mitigated is not None:
            events.append(Event(mitigated, "mitigate", self.fill(r.choice(P.MITIGATE_BY_GROUP[group]), svc, who)))
        events.append(Event(end, "resolve", self.fill(r.choice(P.TIMELINE["resolve"]), svc, who)))
        return events

    def _whys(self, svc: str, primary: Factor, contributing: list[Factor], root: Factor) -> list[tuple[str, str]]:
        """A chain ending at `root`: 0, 2 (too shallow for the guide) or 3-5 levels."""
        r = self.rng
        depth = r.weighted((0, 2, 3, 4, 5), (15, 8, 25, 27, 25))
        if depth == 0:
            return []
        answers = [self.fill(r.choice(P.SYMPTOMS), svc, "alice"), primary.text]
        answers += [f.text for f in contributing]
        answers = [*answers[: depth - 1], root.text]
        while len(answers) < depth:
            answers.insert(1, self.fill(r.choice(P.SYMPTOMS), svc, "alice"))
        return [(self.fill(q, svc, "alice"), a) for q, a in zip(P.WHY_QUESTIONS, answers, strict=False)]

    def _owners(self, team: V.Team) -> list[str]:
        r = self.rng
        x = r.random()
        if x < 0.08:
            return []
        if x < 0.09:
            return [V.UNKNOWN_OWNER]
        if team.name == V.CROSS_TEAM_OWNER[1] and r.random() < 0.12:
            first = V.CROSS_TEAM_OWNER[0]
        elif r.random() < 0.05:
            first = team.manager
        else:
            first = r.choice(team.people)
        out = [first]
        if r.random() < 0.15:
            second = r.choice(team.people)
            if second != first:
                out.append(second)
        return [V.NAMES[o] if o == V.ALIASED and r.random() < 0.3 else o for o in out]

    def _actions(self, inc: Incident, team: V.Team) -> None:
        r = self.rng
        svc = inc.slot.svc
        day = inc.events[0].at.date()
        quick = inc.slot.shape == "quick"
        n = r.weighted((1, 2, 3), (15, 50, 35)) if quick else r.weighted(range(1, 7), ACTION_COUNT_W)
        if quick:
            # Template 3's "Immediate:" fix: what was done during the incident, no ticket.
            fix = P.IMMEDIATE[inc.group].format(svc=svc)
            inc.actions.append(Action("P0", fix, [], day, None, "done" if r.random() < 0.6 else None))
            n -= 1
        cats = [c for c in (inc.primary.category, inc.root.category, *(f.category for f in inc.contributing))
                if c in P.ACTIONS]  # fmt: skip
        texts: dict[str, str] = {}  # text -> the category it answers
        for i in range(n * 3):
            if len(texts) == n:
                break
            cat = cats[i % len(cats)] if cats else "monitoring-gap"
            t = self.fill(r.choice(P.ACTIONS[cat]), svc, "alice")
            if t not in texts:
                texts[t] = cat
        age = (self.as_of - day).days
        ticket = inc.slot.ticket_base
        for text, cat in texts.items():
            prio = r.weighted(("P0", "P1", "P2", "P3"), PRIORITY_W[inc.severity])
            lo, hi = DUE_DAYS[prio]
            a = Action(prio, text, self._owners(team), day + timedelta(days=r.randint(lo, hi)), None, None)
            a.category = cat
            if r.random() < 0.85:
                a.ticket = f"{team.ticket_prefix}-{ticket}"
                ticket += 1
                self._tracker(a, inc, age)
            else:
                p_done = 0.15 + 0.6 * (1 - math.exp(-age / 150))
                x = r.random()
                a.doc_status = "done" if x < p_done else "open" if x < 0.9 else None
            inc.actions.append(a)

    def _tracker(self, a: Action, inc: Incident, age: int) -> None:
        """The ticket's state in the export taken at the end of the period:
        the older the incident, the more of its items are done; some late."""
        r = self.rng
        as_of = self.as_of_dt
        created = inc.resolved + timedelta(days=r.uniform(0.5, 5))
        if created >= as_of:
            created = as_of - timedelta(minutes=10)
        a.created = created.replace(second=0, microsecond=0)
        p_done = 0.2 + 0.7 * (1 - math.exp(-age / 120)) + {"P0": 0.1, "P3": -0.1}.get(a.priority, 0)
        x = r.random()
        if x < 0.05:
            a.tracker_status = r.weighted(("Won't Do", "Duplicate"), (7, 3))
            a.resolved = a.created + timedelta(days=r.uniform(1, 30))
        elif x < 0.05 + p_done:
            span = max((a.due - a.created.date()).days, 1)
            done_at = a.created + timedelta(days=r.lognormvariate(math.log(span * 0.8), 0.7))
            if done_at < as_of:
                a.tracker_status = r.weighted(("Done", "Closed", "Resolved"), (7, 2, 1))
                a.resolved = done_at
        if a.tracker_status is None:
            a.tracker_status = r.weighted(("To Do", "In Progress", "Open"), (4, 4.5, 1.5))
        if a.resolved is not None:
            a.resolved = min(a.resolved, as_of - timedelta(minutes=1)).replace(second=0, microsecond=0)
        # What the document's own Status column said when it was written.
        a.doc_status = "done" if a.priority == "P0" and r.random() < 0.3 else "open"
