"""Durations that should not be trusted as they stand: one of their two
milestones rests on weak evidence (an approximate time, a zone the document
contradicts), or the document's own stated duration disagrees with them.
Every page that shows such a duration marks it; the review does not call a
change real on the strength of them (docs/MILESTONES.md)."""

from __future__ import annotations

from ingest.understand.document import ParsedDocument
from ingest.understand.rules import Duration, GuideRules

# Durations from the start of impact to its end, which a stated duration ("lasted 47 minutes") measures.
SPANS = frozenset({("started", "mitigated"), ("started", "resolved")})


def duration_doubts(doc: ParsedDocument, definitions: list[Duration], guide: GuideRules) -> dict[str, str]:
    """{duration id: why it is doubtful} for the durations the document has."""
    out: dict[str, str] = {}
    stated = doc.reported_duration_minutes or doc.custom_fields.get("stated_duration_minutes")
    spans = [doc.durations.get(d.id) for d in definitions if (d.start, d.end) in SPANS]
    agrees = stated is not None and any(
        m is not None and not _differ(m, stated, guide) for m in spans
    )  # the stated duration is the time to mitigate or to resolve: either may match it
    for d in definitions:
        minutes = doc.durations.get(d.id)
        if minutes is None:
            continue
        weak = [m for m in (d.start, d.end) if _weak(doc, m)]
        if weak:
            ev = doc.evidence[weak[0]]
            out[d.id] = f"{weak[0]} rests on weak evidence ({ev.rule}{': ' + ev.phrase if ev.phrase else ''})"
        elif stated is not None and (d.start, d.end) in SPANS and not agrees:
            out[d.id] = f"the document says it lasted {stated:g} min; its milestones give {minutes:g} min"
    return out


def _weak(doc: ParsedDocument, milestone: str) -> bool:
    ev = doc.evidence.get(milestone)
    return ev is not None and ev.confidence == "weak" and ev.source != "correction"


def _differ(minutes: float, stated: float, guide: GuideRules) -> bool:
    gap = abs(minutes - stated)
    return gap > guide.duration_mismatch_minutes and gap > guide.duration_mismatch_share * stated
