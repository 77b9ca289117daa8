"""What the parser makes of one document, and its one-document JSON view."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from ingest.read.problems import Problems
from ingest.understand.rulefiles import MILESTONES
from ingest.understand.timeparse import iso_z

if TYPE_CHECKING:
    from ingest.understand.rules import Duration

OUTCOMES = ("incident", "attached", "skipped", "rejected")
KINDS = ("standard", "quick", "five_whys", "structured")


@dataclass(slots=True)
class Event:
    line: int | None
    at: datetime | None  # naive UTC
    kind: str
    kind_source: str  # 'column' | 'tag' | 'rule' | 'none' | 'structured'
    text: str
    time_text: str = ""
    signals: frozenset[str] = frozenset()  # what its text says (signals.py)
    reading: object | None = None  # signals.Reading
    explicit_date: bool = False  # the row wrote its date
    local_date: date | None = None  # the date written or carried, before conversion to UTC
    approx: bool = False  # 'ca. 18:30', '~13:30-13:45'
    state: str | None = None  # 'recovered' | 'failing': the service's state the event leaves
    episode: int = 0  # 0: the incident's own events; others: a recurrence or after-the-fact entries


@dataclass(slots=True)
class Evidence:
    """Why a milestone is what it is."""

    at: datetime | None
    source: str  # timeline | header | prose | front_matter | structured | correction
    line: int | None = None
    rule: str = ""  # what decided it, in words
    phrase: str = ""  # the words of the document it rests on
    confidence: str = "clear"  # clear | judgment | weak
    reason: str | None = None  # a correction's reason

    def as_dict(self) -> dict:
        return {
            "at": iso_z(self.at),
            "source": self.source,
            "line": self.line,
            "rule": self.rule,
            "phrase": self.phrase,
            "confidence": self.confidence,
            "reason": self.reason,
        }


@dataclass(slots=True)
class Factor:
    text: str
    section: str
    category: str
    line: int | None
    why: str = ""  # what filed it there: the words that matched, the example it is like, or where it was named


@dataclass(slots=True)
class Why:
    level: int
    question: str
    answer: str
    evidence: str | None
    line: int | None


@dataclass(slots=True)
class ActionItem:
    action: str
    priority: str | None = None
    owners: list[str] = field(default_factory=list)
    due_date: date | None = None
    due_text: str | None = None
    ticket: str | None = None
    status: str = "open"  # open | done | dropped
    status_source: str = "none"  # document | none (ticket: set at build time)
    status_text: str | None = None
    item_type: str | None = None
    item_type_source: str = "none"  # column (a Type column or structured type) | rule | none
    section: str = "action_items"
    line: int | None = None
    extra: dict | None = None  # columns of an action-items table the parser has no role for


@dataclass(slots=True)
class ImpactFigure:
    """One impact figure as the document states it (ingest/understand/impact.py)."""

    metric: str  # customers_affected | users_affected | revenue_loss | ... (impact.METRICS)
    value: float | None = None  # the figure; a range's midpoint; None when unknown or a yes/no metric
    low: float | None = None  # range bounds; both equal `value` for an exact figure
    high: float | None = None  # None for 'at least N'
    unit: str | None = None  # customers, users, tickets, person-hours, minutes, money
    currency: str | None = None  # ISO code as written ($ = USD), never converted
    qualifier: str = "exact"  # exact | range | at_least | at_most | unknown
    approximate: bool = False  # ~, about, approximately, estimated, a range
    flag: bool | None = None  # data_loss / security_impact: True (there was) / False (none)
    source: str = "impact_section"  # front_matter | impact_section | label | structured
    text: str = ""
    line: int | None = None


@dataclass(slots=True)
class RelatedRef:
    """A reference to another incident (ingest/understand/links.py)."""

    ref: str  # as written: an id, a path, a URL, or the item's text when it names none
    kind: str  # id | path | url | text
    key: str  # what the build matches: the id, the path under the corpus root, the URL's path
    section: str  # related_incidents | front_matter | body
    text: str = ""  # the sentence or list item it was found in
    date: date | None = None  # a date written beside it
    line: int | None = None


@dataclass(slots=True)
class Lesson:
    kind: str  # went_well | went_wrong | lucky | lesson
    text: str
    line: int | None


@dataclass(slots=True)
class BlameHit:
    line: int | None
    phrase: str
    quote: str


@dataclass
class ParsedDocument:
    path: str
    outcome: str = "incident"
    reason: str | None = None
    kind: str | None = None
    incident_id: str | None = None
    id_explicit: bool = False
    attach_to: str | None = None
    title: str | None = None
    date: date | None = None
    severity: str | None = None
    status: str | None = None
    team: str | None = None
    services: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    timezone: str | None = None
    milestones: dict[str, datetime | None] = field(default_factory=lambda: dict.fromkeys(MILESTONES))
    milestone_sources: dict[str, str] = field(default_factory=dict)
    evidence: dict[str, Evidence] = field(default_factory=dict)  # milestone -> why it is what it is
    others: list[ParsedDocument] = field(default_factory=list)  # the other incidents of a document holding several
    reported_duration_minutes: float | None = None
    custom_fields: dict = field(default_factory=dict)
    timeline: list[Event] = field(default_factory=list)
    factors: list[Factor] = field(default_factory=list)
    whys: list[Why] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)
    lessons: list[Lesson] = field(default_factory=list)
    blame: list[BlameHit] = field(default_factory=list)
    impact: list[ImpactFigure] = field(default_factory=list)
    related: list[RelatedRef] = field(default_factory=list)
    problems: Problems = field(default_factory=Problems)
    has_went_well_section: bool = False
    content_hash: str | None = None
    size_bytes: int = 0
    mtime_ns: int | None = None  # set by the build: what lets a rebuild skip an unchanged file unread
    durations: dict[str, float | None] = field(default_factory=dict)
    duration_doubts: dict[str, str] = field(default_factory=dict)  # duration id -> why it is doubtful (doubts.py)

    def compute_durations(self, definitions: list[Duration]) -> None:
        """Minutes between milestones; a negative one is a problem, not a number."""
        self.durations = {}
        for d in definitions:
            a, b = self.milestones.get(d.start), self.milestones.get(d.end)
            if a is None or b is None:
                self.durations[d.id] = None
                continue
            minutes = (b - a).total_seconds() / 60
            if minutes < 0:
                self.durations[d.id] = None
                self.problems.warn(
                    "negative-duration",
                    None,
                    f"{d.label} would be negative: {d.end} ({iso_z(b)}) is before {d.start} ({iso_z(a)}); "
                    "one of the two times is wrong",
                )
            else:
                self.durations[d.id] = minutes

    def to_json(self) -> dict:
        """The `parse --json` view (FORMAT.md, last section)."""
        m = self.milestones
        out = {
            "path": self.path,
            "outcome": self.outcome,
            "reason": self.reason,
            "incident_id": self.incident_id,
            "attach_to": self.attach_to,
            "title": self.title,
            "kind": self.kind,
            "date": self.date.isoformat() if self.date else None,
            "severity": self.severity,
            "status": self.status,
            "team": self.team,
            "services": self.services,
            "tags": self.tags,
            "authors": self.authors,
            "timezone": self.timezone,
        }
        for name in MILESTONES:
            out[f"{name}_at"] = iso_z(m.get(name))
        out["milestone_evidence"] = {
            name: self.evidence[name].as_dict() if name in self.evidence else {"source": self.milestone_sources[name]}
            for name in MILESTONES
            if (m.get(name) is not None and (name in self.evidence or name in self.milestone_sources))
            or self.milestone_sources.get(name) == "correction"  # a cleared milestone says who cleared it, and why
        }
        for key in ("ttd", "tta", "ttm", "ttr"):
            out[f"{key}_minutes"] = _num(self.durations.get(key))
        out["durations_minutes"] = {k: _num(v) for k, v in self.durations.items()}
        out["duration_doubts"] = self.duration_doubts
        out["reported_duration_minutes"] = _num(self.reported_duration_minutes)
        out["timeline"] = [
            {
                "at": iso_z(e.at),
                "kind": e.kind,
                "kind_source": e.kind_source,
                "text": e.text,
                "line": e.line,
                "signals": sorted(e.signals),
                "episode": e.episode,
            }
            for e in self.timeline
        ]
        # `categories` repeats `category`: the conformance check reads that name.
        out["contributing_factors"] = [
            {
                "text": f.text,
                "section": f.section,
                "category": f.category,
                "categories": f.category,
                "line": f.line,
                "why": f.why,
            }
            for f in self.factors
        ]
        out["whys"] = [
            {"level": w.level, "question": w.question, "answer": w.answer, "evidence": w.evidence, "line": w.line}
            for w in self.whys
        ]
        out["action_items"] = [
            {
                "priority": a.priority,
                "action": a.action,
                "owners": a.owners,
                "due_date": a.due_date.isoformat() if a.due_date else None,
                "due_text": a.due_text,
                "ticket": a.ticket,
                "status": a.status,
                "status_source": a.status_source,
                "type": a.item_type,
                "type_source": a.item_type_source,
                "section": a.section,
                "line": a.line,
                "extra": a.extra,
            }
            for a in self.action_items
        ]
        out["lessons"] = [{"kind": x.kind, "text": x.text, "line": x.line} for x in self.lessons]
        out["blame"] = [{"line": b.line, "phrase": b.phrase, "quote": b.quote} for b in self.blame]
        out["custom_fields"] = self.custom_fields
        out["impact"] = [
            {
                "metric": x.metric, "value": _num(x.value), "low": _num(x.low), "high": _num(x.high), "unit": x.unit,
                "currency": x.currency, "qualifier": x.qualifier, "approximate": x.approximate, "flag": x.flag,
                "source": x.source, "text": x.text, "line": x.line,
            }
            for x in self.impact
        ]  # fmt: skip
        out["related_incidents"] = [
            {"ref": r.ref, "kind": r.kind, "key": r.key, "section": r.section, "text": r.text,
             "date": r.date.isoformat() if r.date else None, "line": r.line}
            for r in self.related
        ]  # fmt: skip
        out["problems"] = [p.as_dict() for p in sorted(self.problems, key=lambda p: p.line or 0)]
        if self.others:
            out["incidents"] = [dict(out), *(o.to_json() for o in self.others)]
        return out


def _num(v: float | None) -> float | int | None:
    if v is None:
        return None
    r = round(v, 4)
    return int(r) if r == int(r) else r
