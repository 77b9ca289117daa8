"""A hand-written corpus with known recurring categories, repeats and near misses.

Nine incidents: two before the period (2024Q4), seven in the period
2025Q1..2025Q2 (as of 2025-07-15). Markdown (the guide's Template 1) except
Q2-3, a structured YAML export; every factor's category follows from the
default data/taxonomy.yaml. The known answers, for the period:

  incidents 7 (Q1: 3, Q2: 4); Q2-4 has no factors
  monitoring-gap   4 incidents (Q1-1, Q1-2, Q1-3, Q2-2)   per quarter [3, 1]
  config-change    2 (Q1-3, Q2-3), 3 mentions            [1, 1]  new (first 2025-03-20)
  capacity-limits  2 (Q1-2, Q1-3)                        [2, 0]
  code-review-gap  2 (Q1-1, Q2-1)                        [1, 1]  new (first 2025-01-15)
  deploy-safety    2 (Q1-1, Q2-1)                        [1, 1]
  security         1 (Q2-2)                              [0, 1]  new (first 2025-05-05)
  testing-gap      1 (Q2-1)                              [0, 1]

Repeats (the incident, the latest earlier one sharing a category and a service):
  Q1-1 <- H-1  deploy-safety, monitoring-gap on checkout; H-1's items: 1 of 2 done before (1 dropped)
  Q1-2 <- H-2  capacity-limits on index; H-2's item still open
  Q2-1 <- Q1-1 code-review-gap, deploy-safety on checkout; Q1-1's item open
  Q2-1 <- H-1  testing-gap on checkout; H-1's items 2 of 2 done before: the fix did not hold
  Q2-2 <- Q1-2 monitoring-gap on index; Q1-2 had no action items
  Q2-3 <- Q1-3 config-change on ledger; Q1-3's items 2 of 2 done before (one done without a date)

Uncategorized factors (all time): four about the gizmo cache eviction, two
about the wombat scheduler, one 'Still under investigation'.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

AS_OF = "2025-07-15"


@dataclass
class Inc:
    id: str
    team: str
    severity: str
    start: str
    services: list[str]
    proximate: str | None = None
    contributing: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    lucky: list[str] = field(default_factory=list)
    # (priority, action, owner, due, ticket, status written in the document)
    items: list[tuple] = field(default_factory=list)
    structured: bool = False


GIZMO = "Gizmo cache eviction stalled the indexer"
WOMBAT = "The wombat scheduler skipped the ledger batch"
TERRAFORM = "A Terraform change removed the NAT gateway route"
WEEKLY_LOW = "Traffic was at its weekly low"
RESPONDER = "A responder happened to know the legacy code path"

INCIDENTS = [
    Inc("H-1", "payments", "SEV2", "2024-11-05T10:00", ["checkout"],
        proximate="The deployment went to every region at once",
        contributing=["No integration tests covered the retry path"],
        wrong=["Alert thresholds were not tuned properly"],
        lucky=[WEEKLY_LOW],
        items=[("P0", "Add canary stage", "alice", "2024-11-30", "PAY-10", None),
               ("P1", "Add retry tests", "bob", "2025-01-31", "PAY-11", None),
               ("P2", "Rewrite the deploy tool", "bob", "2025-03-31", "PAY-12", None)]),
    Inc("H-2", "search", "SEV3", "2024-12-10T08:00", ["index"],
        proximate="Disk on the primary filled up with WAL files",
        contributing=[GIZMO],
        items=[("P1", "Add disk usage forecast alert", "carol", "2025-01-15", "SRCH-10", None)]),
    Inc("Q1-1", "payments", "SEV2", "2025-01-15T10:00", ["checkout"],
        proximate="Deploys of checkout do not use a staged rollout",
        contributing=["Flaky gizmo cache eviction", "Code review did not catch the connection handling change"],
        wrong=["Nobody was paged for the disk usage warning"],
        lucky=[WEEKLY_LOW, RESPONDER],
        items=[("P1", "Ramp checkout releases by percentage", "alice", "2025-02-15", "PAY-20", None)]),
    Inc("Q1-2", "search", "SEV3", "2025-02-10T09:00", ["index", "query"],
        proximate="Gizmo cache eviction surprised the query tier",
        contributing=["Queue depth grew faster than consumers could drain it", "Still under investigation"],
        wrong=["There was no monitoring on the replication lag"],
        lucky=["No other incidents occurred simultaneously"]),
    Inc("Q1-3", "payments", "SEV1", "2025-03-20T22:00", ["ledger"],
        proximate=TERRAFORM,
        contributing=[WOMBAT, "The ledger batch job ran out of memory"],
        wrong=["Alerting was routed to a channel nobody watches"],
        lucky=[WEEKLY_LOW],
        items=[("P0", "Validate terraform plans in CI", "dave", "2025-04-15", "PAY-30", None),
               ("P2", "Document the NAT route", "dave", "2025-04-30", None, "done")]),
    Inc("Q2-1", "payments", "SEV2", "2025-04-10T14:00", ["checkout"],
        proximate="Rollback took 12 minutes because images had to be rebuilt",
        contributing=["Test coverage for the currency conversion module was below 20%"],
        wrong=["Wombat scheduler retried the ledger batch twice",
               "Code review focused on style comments, not on failure modes"],
        lucky=["Incident occurred during business hours with full team available"]),
    Inc("Q2-2", "search", "SEV3", "2025-05-05T11:00", ["index"],
        proximate="Credential stuffing attack against the login endpoint",
        contributing=[GIZMO],
        wrong=["Missing dashboard for queue consumer lag"]),
    Inc("Q2-3", "payments", "SEV4", "2025-06-01T06:00", ["ledger"],
        contributing=[TERRAFORM, "The cron scheduler was misconfigured"],
        lucky=[RESPONDER], structured=True),
    Inc("Q2-4", "search", "SEV2", "2025-06-20T16:00", ["query"], lucky=[WEEKLY_LOW]),
]  # fmt: skip

TICKETS = """\
Issue key,Summary,Status,Assignee,Resolved,Due date
PAY-10,Add canary stage,Done,alice,2024-11-20,
PAY-11,Add retry tests,Done,bob,2025-02-20,
PAY-12,Rewrite the deploy tool,Won't Do,bob,,
PAY-20,Ramp releases,In Progress,alice,,
PAY-30,Validate terraform plans,Done,dave,2025-04-01,
SRCH-10,Disk forecast alert,Open,carol,,
"""


def _iso(start: datetime, minutes: int = 0) -> str:
    return (start + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:00Z")


def _markdown(inc: Inc) -> tuple[str, dict[tuple[str, str], int]]:
    """The document, and the line of each (section, text) factor/lesson in it."""
    t0 = datetime.fromisoformat(inc.start)
    out = [
        "---",
        f"id: {inc.id}",
        f"title: Incident {inc.id}",
        f"date: {t0.date().isoformat()}",
        f"severity: {inc.severity}",
        "status: final",
        f"team: {inc.team}",
        f"services: [{', '.join(inc.services)}]",
        f"started_at: {_iso(t0)}",
        f"detected_at: {_iso(t0, 10)}",
        f"resolved_at: {_iso(t0, 90)}",
        "---",
        f"# Postmortem: Incident {inc.id}",
        "",
    ]
    lines: dict[tuple[str, str], int] = {}

    def add(text: str, key: tuple[str, str] | None = None) -> None:
        out.append(text)
        if key:
            lines[key] = len(out)

    if inc.proximate or inc.contributing:
        add("## Root Cause Analysis")
        add("")
        add("### Why It Happened")
        add("")
        if inc.proximate:
            add(f"1. **Proximate Cause:** {inc.proximate}", ("proximate_cause", inc.proximate))
            add("")
        if inc.contributing:
            add("2. **Contributing Factors:**")
            for c in inc.contributing:
                add(f"   - {c}", ("contributing_factors", c))
            add("")
    add("## Lessons Learned")
    add("")
    add("### What Went Well")
    add("- The incident channel kept everyone on one page")
    add("")
    if inc.wrong:
        add("### What Went Wrong")
        for w in inc.wrong:
            add(f"- {w}", ("what_went_wrong", w))
        add("")
    if inc.lucky:
        add("### Where We Got Lucky")
        for x in inc.lucky:
            add(f"- {x}", ("lucky", x))
        add("")
    if inc.items:
        add("## Action Items")
        add("")
        add("| Priority | Action | Owner | Due Date | Ticket | Status |")
        add("|---|---|---|---|---|---|")
        for prio, action, owner, due, ticket, status in inc.items:
            add(f"| {prio} | {action} | @{owner} | {due} | {ticket or ''} | {status or ''} |", ("item", action))
    return "\n".join(out) + "\n", lines


def _structured(inc: Inc) -> str:
    t0 = datetime.fromisoformat(inc.start)
    out = [
        f"id: {inc.id}",
        f"title: Incident {inc.id}",
        f"team: {inc.team}",
        f"severity: {inc.severity}",
        "status: final",
        f"services: [{', '.join(inc.services)}]",
        "timeline:",
        f"  - {{at: '{_iso(t0)}', kind: start, text: Change applied}}",
        f"  - {{at: '{_iso(t0, 10)}', kind: detect, text: Alert fired}}",
        f"  - {{at: '{_iso(t0, 90)}', kind: resolve, text: Resolved}}",
        "contributing_factors:",
        *[f"  - {{text: {c}}}" for c in inc.contributing],
    ]
    if inc.lucky:
        out += ["where_we_got_lucky:", *[f"  - {x}" for x in inc.lucky]]
    return "\n".join(out) + "\n"


def files() -> dict[str, str]:
    out = {}
    for inc in INCIDENTS:
        if inc.structured:
            out[f"{inc.team}/{inc.id}.yaml"] = _structured(inc)
        else:
            out[f"{inc.team}/{inc.id}.md"] = _markdown(inc)[0]
    return out


def line_of(incident_id: str, section: str, text: str) -> int | None:
    """The line a factor (section 'proximate_cause', ...), lesson ('lucky') or
    action item ('item', by action) is on; None in structured documents."""
    inc = next(i for i in INCIDENTS if i.id == incident_id)
    if inc.structured:
        return None
    return _markdown(inc)[1][(section, text)]


def build(tmp, rules, taxonomy_rules=None):
    """Build the corpus into tmp/db.duckdb (with the tickets file) -> the path."""

    from tests.conftest import build_corpus

    return build_corpus(tmp, files(), taxonomy_rules or rules, tickets=TICKETS, as_of=AS_OF)
