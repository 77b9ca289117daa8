"""What a renderer hands back: a document's text and the ground truth it states."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from benchmarks.corpusgen.model import Incident
from benchmarks.corpusgen.text import local

MILESTONE_OF = {"start": "started", "detect": "detected", "acknowledge": "acknowledged", "declare": "declared",
                "mitigate": "mitigated", "resolve": "resolved"}  # fmt: skip


@dataclass(slots=True)
class Rendered:
    """One document's text and the ground truth it carries (for the manifest).

    Renderers fill this as they write, so the truth is recorded in the same
    place the text is made and cannot drift from it."""

    text: str = ""
    kind: str = "standard"
    attach_to: str | None = None
    team: str | None = None
    severity: str | None = None
    status: str | None = None
    milestones: dict[str, datetime | None] = field(default_factory=dict)
    published: datetime | None = None
    reported_minutes: float | None = None
    factors: list[str] = field(default_factory=list)
    n_actions: int = 0
    n_whys: int = 0
    blame: bool = False
    unreliable: list[str] = field(default_factory=list)
    quirks: list[str] = field(default_factory=list)
    impact: dict[str, dict] = field(default_factory=dict)  # metric -> {value, qualifier, currency} or {flag}
    related: str | None = None  # the incident id the document names as related
    typed_actions: int = 0  # action items with a Type column

    def figure(self, metric: str, value: float | None, qualifier: str = "exact", currency: str | None = None) -> None:
        if metric not in self.impact:
            self.impact[metric] = {"value": value, "qualifier": qualifier, "currency": currency}

    def flag(self, metric: str, value: bool) -> None:
        if metric not in self.impact:
            self.impact[metric] = {"flag": value}

    def factor(self, category: str, text: str, also: str | None = None) -> str:
        self.factors.append(category)
        if also:
            self.factors.append(also)
        return text


def truth(inc: Incident) -> Rendered:
    """The facts a complete document about `inc` states."""
    ms: dict[str, datetime | None] = dict.fromkeys(MILESTONE_OF.values())
    for e in inc.events:
        name = MILESTONE_OF.get(e.kind)
        if name and ms[name] is None:
            ms[name] = e.at
    ms["started"] = inc.started
    # As a careful reader takes them (FORMAT.md): without an acknowledgement, the
    # first responder at work (a declaration, an investigation step); with a
    # single recovery event, it is both mitigated and resolved.
    if ms["acknowledged"] is None:
        ms["acknowledged"] = next((e.at for e in inc.events if e.kind in ("declare", "respond")), None)
    if ms["mitigated"] is None:
        ms["mitigated"] = ms["resolved"]
    return Rendered(team=inc.team, severity=inc.severity, status=inc.status, milestones=ms)


def local_first_date(inc: Incident, tz: tzinfo | None) -> date:
    """The document's date: the local day of its first timeline event, which
    is the day the timeline's bare times are read against."""
    return local(inc.events[0].at, tz).date()
