"""A small hand-written corpus with known answers, for analytics and page tests.

Eleven incidents in two quarters and two teams, as structured YAML so every
time is exact. As of 2025-07-15 the review quarter is 2025Q2 (6 incidents)
and the one before 2025Q1 (5 incidents).

  Q1: ttd 10, 20, 30, 40, 50 (median 30); ttr 60, 90, 120, 150, 600 (median 120)
  Q2: ttd 2, 4, 6, 8, 10, 12 (median 7); ttr 30, 40, 50, 60, 70, 80 (median 55)

Q1-3 and Q2-4 record no mitigation: their resolution is the single recovery
event, so it is both (FORMAT.md) and their ttm equals their ttr (Q2 ttm 20,
30, 40, 50, 60, 60: median 45).
"""

from __future__ import annotations

from datetime import datetime, timedelta

AS_OF = "2025-07-15"

# (id, team, severity, status, start, ttd, tta, ttm, ttr, services, factor categories)
INCIDENTS = [
    ("Q1-1", "payments", "SEV2", "final", "2025-01-10T10:00", 10, 2, 40, 60, ["api"], ["deploy-safety", "testing-gap"]),
    ("Q1-2", "payments", "SEV3", "final", "2025-02-03T09:00", 20, 5, 60, 90, ["api", "db"], ["deploy-safety"]),
    ("Q1-3", "search", "SEV3", "final", "2025-02-20T22:00", 30, None, None, 120, ["index"], ["monitoring-gap"]),
    ("Q1-4", "search", "SEV4", "final", "2025-03-05T08:00", 40, 1, 100, 150, ["index"], ["capacity-limits"]),
    (
        "Q1-5",
        "payments",
        "SEV1",
        "final",
        "2025-03-28T13:00",
        50,
        3,
        300,
        600,
        ["api"],
        ["deploy-safety", "config-change"],
    ),
    ("Q2-1", "payments", "SEV2", "final", "2025-04-02T10:00", 2, 1, 20, 30, ["api"], ["deploy-safety"]),
    ("Q2-2", "search", "SEV3", "draft", "2025-04-15T11:00", 4, 1, 30, 40, ["index"], ["monitoring-gap", "security"]),
    ("Q2-3", "search", "SEV3", "final", "2025-05-01T12:00", 6, 2, 40, 50, ["index", "db"], ["monitoring-gap"]),
    ("Q2-4", "payments", "SEV4", "in review", "2025-05-20T13:00", 8, None, None, 60, ["api"], ["security"]),
    ("Q2-5", "payments", "SEV2", "final", "2025-06-10T14:00", 10, 2, 50, 70, ["db"], ["deploy-safety", "testing-gap"]),
    ("Q2-6", "search", "SEV5", "draft", "2025-06-25T15:00", 12, 3, 60, 80, ["index"], []),
]

# Action items: (incident, priority, action, owners, due, ticket, status in the document)
ACTION_ITEMS = [
    ("Q1-1", "P0", "Add canary stage", ["alice"], "2025-01-20", "PAY-1", None),
    ("Q1-1", "P1", "Test rollback path", ["bob"], "2025-02-10", "PAY-2", None),
    ("Q1-3", "P1", "Alert on index lag", ["carol"], "2025-03-01", "SRCH-1", None),
    ("Q1-5", "P0", "Validate config in CI", ["alice", "bob"], "2025-04-15", "PAY-3", None),
    ("Q2-1", "P1", "Gradual rollout for api", ["alice"], "2025-04-20", "PAY-4", None),
    ("Q2-2", "P2", "Rotate leaked token", ["carol"], "2025-05-01", "SRCH-2", None),
    ("Q2-3", "P1", "Freshness alert", ["dave"], "2025-06-01", None, "done"),
    ("Q2-4", "P0", "Pin dependency versions", [], "2025-06-15", "PAY-5", None),
    ("Q2-5", "P2", "Integration test for db", ["bob"], None, "PAY-6", None),
    ("Q2-6", "P3", "Document index rebuild", ["dave"], "2025-08-01", None, None),
]

TICKETS = """\
Issue key,Summary,Status,Assignee,Resolved,Due date
PAY-1,Add canary stage,Done,alice,2025-01-18,
PAY-2,Test rollback path,Done,bob,2025-02-20,
SRCH-1,Alert on index lag,In Progress,carol,,
PAY-3,Validate config in CI,Done,alice,2025-08-01,
PAY-4,Gradual rollout,Won't Do,alice,,
SRCH-2,Rotate token,Open,carol,,
PAY-5,Pin dependencies,To Do,,,
PAY-6,Integration test,Done,bob,2025-07-01,
"""

PEOPLE = """\
people:
  alice: {name: Alice Chen, team: payments, manager: maria}
  bob: {name: Bob Stone, team: payments, manager: maria}
  carol: {name: Carol Diaz, team: search, manager: sam}
  dave: {name: Dave Eke, team: search, manager: sam}
"""


def item_yaml(prio, action, owners, due, ticket, status) -> str:
    """One action item as a line of a structured document's action_items list."""
    parts = [f"priority: {prio}", f"action: {action}", f"owners: [{', '.join(owners)}]"]
    parts += [f"{k}: {v}" for k, v in (("due_date", due), ("ticket", ticket), ("status", status)) if v]
    return "  - {" + ", ".join(parts) + "}"


def build(tmp, rules):
    """The corpus with its tickets and people files, built into tmp/db.duckdb."""
    from tests.conftest import build_corpus

    return build_corpus(tmp, files(), rules, tickets=TICKETS, people=PEOPLE, as_of=AS_OF)


def _iso(start: datetime, minutes: int | None) -> str | None:
    return None if minutes is None else (start + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:00Z")


def files() -> dict[str, str]:
    out = {}
    for iid, team, sev, status, start, ttd, tta, ttm, ttr, services, cats in INCIDENTS:
        t0 = datetime.fromisoformat(start)
        detected = t0 + timedelta(minutes=ttd)
        lines = [
            f"id: {iid}",
            f"title: Incident {iid}",
            f"team: {team}",
            f"severity: {sev}",
            f"status: {status}",
            f"services: [{', '.join(services)}]",
            "timeline:",
            f"  - {{at: '{_iso(t0, 0)}', kind: start, text: Change deployed}}",
            f"  - {{at: '{_iso(t0, ttd)}', kind: detect, text: Alert fired}}",
        ]
        if tta is not None:
            lines.append(f"  - {{at: '{_iso(detected, tta)}', kind: acknowledge, text: On-call acknowledged}}")
        if ttm is not None:
            lines.append(f"  - {{at: '{_iso(t0, ttm)}', kind: mitigate, text: Rolled back}}")
        lines.append(f"  - {{at: '{_iso(t0, ttr)}', kind: resolve, text: Resolved}}")
        if cats:
            lines.append("contributing_factors:")
            lines += [f"  - {{text: Factor {c} of {iid}, category: {c}}}" for c in cats]
        items = [a for a in ACTION_ITEMS if a[0] == iid]
        if items:
            lines.append("action_items:")
            lines += [item_yaml(*a[1:]) for a in items]
        out[f"{team}/{iid}.yaml"] = "\n".join(lines) + "\n"
    return out
