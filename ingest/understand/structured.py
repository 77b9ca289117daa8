"""Structured postmortems (*.yaml, *.yml, *.json): what an export from an
incident tool becomes. Same field names as the front matter, plus lists."""

from __future__ import annotations

from pathlib import PurePosixPath

from ingest.read.mdblocks import clean_inline
from ingest.read.values import with_text_keys
from ingest.understand import actions, fields, impact, links
from ingest.understand.document import ActionItem, Event, Factor, Lesson, ParsedDocument, Why
from ingest.understand.factors import filed
from ingest.understand.header import split_list
from ingest.understand.milestones import apply, decide
from ingest.understand.rules import Rules
from ingest.understand.timeline import EXPLICIT_KINDS, read_event
from ingest.understand.timeparse import BadValue, parse_date
from ingest.understand.vocab import BadPriority, normalise_priority, split_owners, status_class

SIGNATURE = frozenset({"title", "timeline", "severity", "action_items", "contributing_factors", "started_at",
                       "detected_at", "resolved_at", "incident", "whys"})  # fmt: skip


def looks_like_postmortem(value) -> bool:
    return isinstance(value, dict) and len(SIGNATURE & {str(k) for k in value}) >= 2


def parse_structured(doc: ParsedDocument, value: dict, rules: Rules, folder_team: str | None, stem: str) -> None:
    problems = doc.problems
    doc.kind = "structured"
    for note in getattr(value, "notes", ()):  # values the loader had to drop, keys given twice
        problems.warn(note.code, note.line, note.message)
    value = with_text_keys(value)
    zone = fields.apply(doc, value, problems, line=None)
    if not doc.title:
        doc.title = stem
    if not doc.team and folder_team:
        doc.team = folder_team
    doc.timeline = _timeline(value.get("timeline"), doc, zone, rules, problems)
    apply(doc, decide(doc.timeline, [], [], [], rules.timeline.settings, problems, doc.milestones, doc.date))
    if doc.date is None:
        first = next((m for m in (doc.milestones.get("started"), doc.milestones.get("detected")) if m), None)
        first = first or next((e.at for e in doc.timeline if e.at is not None), None)  # the timeline's first day
        doc.date = first.date() if first else None
    fields.warn_no_date(doc, problems)
    doc.factors = _factors(value.get("contributing_factors"), rules, problems)
    for tag in doc.tags:
        if tag in rules.taxonomy.by_id and tag != "uncategorized" and all(f.category != tag for f in doc.factors):
            doc.factors.append(Factor(rules.taxonomy.by_id[tag].label, "front_matter", tag, None))
    doc.whys = _whys(value.get("whys"), problems)
    if doc.whys and doc.whys[-1].answer:
        doc.factors.extend(filed(doc.whys[-1].answer, "five_whys", None, rules.taxonomy))
    doc.action_items = _actions(value.get("action_items"), problems)
    actions.assign_types(doc.action_items, rules.action_types, problems)
    doc.impact = impact.extract_structured(value, problems)
    own = {doc.incident_id or "", PurePosixPath(doc.path).with_suffix("").as_posix()}
    doc.related = links.extract_structured(value, doc.path, own)
    for key, kind in (
        ("what_went_well", "went_well"),
        ("what_went_wrong", "went_wrong"),
        ("where_we_got_lucky", "lucky"),
        ("lessons", "lesson"),
    ):
        items = value.get(key)
        if key == "what_went_well" and key in value:
            doc.has_went_well_section = True
        if isinstance(items, list | str):
            for t in split_list(items) if isinstance(items, str) else [str(i) for i in items if i is not None]:
                text = clean_inline(t)[:1000]
                doc.lessons.append(Lesson(kind, text, None))
                if kind == "went_wrong" and text:
                    doc.factors.extend(filed(text, "what_went_wrong", None, rules.taxonomy))


def _timeline(raw, doc, zone, rules, problems) -> list[Event]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.warn("bad-field", None, "timeline must be a list of {at, kind, text}; ignored")
        return []
    out = []
    for n, e in enumerate(raw, 1):
        if isinstance(e, str):
            e = {"text": e}
        if not isinstance(e, dict):
            problems.warn("bad-field", None, f"timeline entry {n} is not a mapping; skipped")
            continue
        text = clean_inline(str(e.get("text") or e.get("event") or e.get("description") or ""))[:2000]
        when = e.get("at", e.get("time", e.get("timestamp")))
        at = None
        if when not in (None, ""):
            try:
                at = fields.parse_timestamp(when, zone, doc.date)
            except BadValue as exc:
                problems.warn("bad-time", None, f"timeline entry {n}: {exc}; kept without a time")
        raw_kind = e.get("kind", e.get("type", e.get("milestone")))
        kind = EXPLICIT_KINDS.get(str(raw_kind).lower().strip()) if raw_kind else None
        if kind is None and raw_kind:
            problems.warn("bad-field", None, f"timeline entry {n}: kind {raw_kind!r} is unknown; the rules decide")
        event = Event(None, at, kind or "", "structured" if kind else "", text, str(when or ""))
        read_event(rules.timeline, event)
        out.append(event)
    return out


def _factors(raw, rules: Rules, problems) -> list[Factor]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.warn("bad-field", None, "contributing_factors must be a list; ignored")
        return []
    out = []
    for n, f in enumerate(raw, 1):
        if isinstance(f, str):
            f = {"text": f}
        if not isinstance(f, dict):
            problems.warn("bad-field", None, f"contributing factor {n} is not text or a mapping; skipped")
            continue
        text = clean_inline(str(f.get("text") or f.get("description") or f.get("category") or ""))[:1000]
        cat = str(f.get("category") or "").strip().lower()
        if cat and cat not in rules.taxonomy.by_id:
            problems.warn(
                "unknown-category",
                None,
                f"contributing factor {n}: category {cat!r} is not in the taxonomy; the patterns decide",
            )
            cat = ""
        if not text:
            continue
        if cat:
            out.append(Factor(text, "contributing_factors", cat, None, "the document's category"))
        else:
            out.extend(filed(text, "contributing_factors", None, rules.taxonomy))
    return out


def _whys(raw, problems) -> list[Why]:
    if not isinstance(raw, list):
        return []
    out = []
    for w in raw:
        if isinstance(w, str):
            out.append(Why(len(out) + 1, "", clean_inline(w)[:1000], None, None))
        elif isinstance(w, dict):
            out.append(Why(len(out) + 1, clean_inline(str(w.get("question") or ""))[:1000],
                           clean_inline(str(w.get("answer") or ""))[:1000],
                           clean_inline(str(w["evidence"])) if w.get("evidence") else None, None))  # fmt: skip
    return out


def _actions(raw, problems) -> list[ActionItem]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.warn("bad-field", None, "action_items must be a list; ignored")
        return []
    out = []
    for n, a in enumerate(raw, 1):
        if isinstance(a, str):
            a = {"action": a}
        if not isinstance(a, dict):
            problems.warn("bad-field", None, f"action item {n} is not text or a mapping; skipped")
            continue
        action = clean_inline(str(a.get("action") or a.get("title") or a.get("text") or ""))[:1000]
        if not action:
            problems.warn("empty-action", None, f"action item {n} has no action text; skipped")
            continue
        item = ActionItem(action=action, section="action_items")
        try:
            item.priority = normalise_priority(a.get("priority"))
        except BadPriority as exc:
            problems.warn("bad-priority", None, f"action item {n}: {exc}")
        item.owners = split_owners(a.get("owners", a.get("owner", a.get("assignee"))))
        due = a.get("due_date", a.get("due"))
        if due not in (None, ""):
            try:
                item.due_date = parse_date(due) if not isinstance(due, bool) else None
                if item.due_date is None:
                    raise BadValue(f"{due!r} is not a date")
            except BadValue as exc:
                problems.warn("bad-due-date", None, f"action item {n}: due date {exc}; kept as text")
                item.due_text = str(due)[:100]
        if a.get("ticket"):
            item.ticket = str(a["ticket"]).strip()[:300]
        cls = status_class(a.get("status")) if a.get("status") is not None else None
        if cls:
            item.status, item.status_source, item.status_text = cls, "document", str(a["status"])[:60]
        if a.get("type"):
            item.item_type = str(a["type"]).strip().lower()[:40]
        out.append(item)
    return out
