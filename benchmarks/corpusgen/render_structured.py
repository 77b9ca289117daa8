"""Structured postmortems (YAML and JSON): what an incident tool exports,
with the field names of /work/shared/conformance/structured.yaml.

YAML is written by hand (flow mappings of JSON-quoted strings are valid
YAML) rather than through a dumper, so the bytes are fixed by this code and
generation stays fast."""

from __future__ import annotations

import json
import random
from datetime import UTC, timedelta, timezone

from benchmarks.corpusgen import phrases as P
from benchmarks.corpusgen.model import Incident
from benchmarks.corpusgen.rendered import Rendered, truth
from benchmarks.corpusgen.text import iso_z, q

OFFSETS = (timezone(timedelta(hours=1)), timezone(timedelta(hours=-5)), timezone(timedelta(hours=5, minutes=30)))


def record(inc: Incident, r: random.Random, doc: Rendered) -> dict:
    """The export as an ordered mapping; `doc` records what it states."""
    offset = OFFSETS[r.randrange(len(OFFSETS))] if r.random() < 0.2 else None

    def at(t) -> str:
        if offset is None:
            return iso_z(t)
        return t.replace(tzinfo=UTC).astimezone(offset).isoformat()

    rec: dict = {"id": inc.slot.incident_id, "title": inc.title, "date": inc.events[0].at.date().isoformat()}
    rec["severity"] = inc.severity
    rec["status"] = inc.status
    rec["team"] = inc.team
    rec["services"] = list(inc.services)
    rec["timezone"] = "UTC"
    if inc.published is not None:
        rec["published_at"] = iso_z(inc.published)
        doc.published = inc.published
    w = inc.words
    rec["customers_affected"] = inc.customers
    doc.figure("customers_affected", inc.customers)
    if inc.team == "payments":
        rec[f"revenue_loss_{w.currency.lower()}"] = inc.revenue
        doc.figure("revenue_loss", inc.revenue, currency=w.currency)
    rec["support_tickets"] = inc.support_tickets
    doc.figure("support_tickets", inc.support_tickets)
    if w.eng_hours:
        rec["engineering_hours"] = w.eng_hours
        doc.figure("engineering_hours", w.eng_hours)
    rec["data_loss"] = False
    doc.flag("data_loss", False)
    if inc.primary.category == "security":
        rec["security_impact"] = True
        doc.flag("security_impact", True)
    if inc.slot.related:
        rec["related_incidents"] = [inc.slot.related]
        doc.related = inc.slot.related
    explicit_kinds = r.random() < 0.7
    timeline = []
    for e in inc.events:
        item = {"at": at(e.at)}
        if explicit_kinds:
            item["kind"] = "other" if e.kind == "respond" else e.kind
        item["text"] = e.text
        timeline.append(item)
    rec["timeline"] = timeline
    factors = []
    for f in [inc.primary, *inc.contributing]:
        item = {"text": f.text}
        if f.category != "uncategorized" and r.random() < 0.6:
            item["category"] = f.category  # the document's category: the text's second cause is not read
        factors.append(item)
        doc.factor(f.category, f.text, None if "category" in item else f.also)
    rec["contributing_factors"] = factors
    if inc.whys:
        rec["whys"] = [{"question": qn, "answer": a} for qn, a in inc.whys]
        doc.n_whys = len(inc.whys)
        doc.factor(inc.root.category, inc.root.text, inc.root.also)
    actions = []
    for a in inc.actions:
        item = {"priority": a.priority, "action": a.text, "owners": list(a.owners), "due_date": a.due.isoformat()}
        if a.ticket:
            item["ticket"] = a.ticket
        if a.doc_status is not None:
            item["status"] = a.doc_status
        actions.append(item)
    rec["action_items"] = actions
    doc.n_actions = len(actions)
    rec["what_went_well"] = r.sample(P.WENT_WELL, 2)
    rec["what_went_wrong"] = [f.text for f in inc.wrong]
    return rec


def render_yaml(inc: Incident, r: random.Random) -> Rendered:
    doc = truth(inc)
    doc.kind = "structured"
    rec = record(inc, r, doc)
    lines = []
    for key, value in rec.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            lines.append(f"{key}:")
            lines.extend(f"  - {_flow(item)}" for item in value)
        elif isinstance(value, list):
            lines.append(f"{key}:")
            lines.extend(f"  - {_scalar(v)}" for v in value)
        else:
            lines.append(f"{key}: {_scalar(value)}")
    doc.text = "\n".join(lines) + "\n"
    return doc


def render_json(inc: Incident, r: random.Random) -> Rendered:
    doc = truth(inc)
    doc.kind = "structured"
    rec = record(inc, r, doc)
    doc.text = json.dumps(rec, ensure_ascii=False, indent=2) + "\n"
    return doc


def _scalar(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, list):
        return "[" + ", ".join(_scalar(x) for x in v) + "]"
    s = str(v)
    if s.replace("-", "").replace("_", "").isalnum() and not s[:1].isdigit():
        return s  # plain words need no quotes: SEV2, final, payments-api
    if len(s) == 10 and s[4] == "-" and s[7] == "-":
        return s  # an ISO date stays a YAML date
    return q(s)


def _flow(item: dict) -> str:
    return "{" + ", ".join(f"{k}: {_scalar(v)}" for k, v in item.items()) + "}"
