"""A hand-written corpus for the action-item figures, with known answers.

Eight incidents over four quarters and two teams, a ticket tracker export with
known junk in it, and a people file. The default as-of date is 2025-07-15: the
review quarter is 2025Q2, an incident of 2025Q3 (C-1, 2025-07-05) lies after
the review quarter but before the as-of date, and one (D-1, 2025-08-10) after
the as-of date, so it must never be counted.

Every item, its status as of 2025-07-15, and why (days overdue = 2025-07-15 - due):

  id   incident q       team      prio action                         owners        due         ticket  -> status
  o1   OLD-1  2024Q4   payments  P1   Retire legacy queue             carol         2025-01-31  PAY-10 In Progress -> open, 165 d overdue
  a1   A-1    2025Q1   payments  P0   Add canary stage                alice         2025-01-20  PAY-1 Done 01-18    -> done, on time
  a2   A-1    2025Q1   payments  P1   Test rollback path              bob           2025-02-10  PAY-2 Done 02-20    -> done, late
  a3   A-1    2025Q1   payments  P2   =1+1 check the totals           zoë           2025-03-15  PAY-7 Done 03-10    -> done, on time
  a4   A-2    2025Q1   search    P1   Alert on index lag              carol         2025-03-01  SRCH-1 In Progress  -> open, 136 d
  a5   A-2    2025Q1   search    P0   Validate config in CI           alice, bob    2025-04-15  PAY-3 Done 08-01    -> open as of 07-15 (resolved later), 91 d
  b1   B-1    2025Q2   payments  P1   Gradual rollout for api         alice         2025-04-20  PAY-4 Won't Do      -> dropped
  b2   B-1    2025Q2   payments  P2   Rotate leaked token             zoë           2025-05-01  SRCH-2 Open         -> open, 75 d
  b3   B-1    2025Q2   payments  P3   -1 replica in staging           dave          (none)      (none)              -> open, no status recorded
  m1   B-2    2025Q2   search    P1   Freshness alert                 @Dave         2025-06-01  SRCH-3 Done 05-28   -> done, on time
  m2   B-2    2025Q2   search    P2   +1 the alert threshold          Alice, @bob   2025-06-30  SRCH-4 (not in export) -> open, no status, 15 d
  m3   B-2    2025Q2   search    -    Write the runbook               TBD           2025-07-01  (none)              -> open, no status, 14 d
  m4   B-2    2025Q2   search    P0   @here announce the freeze       ALICE         (none)      SRCH-5 Done, no date -> done (date unknown)
  m5   B-2    2025Q2   search    P3   Tidy dashboards                 dave          2025-07-20  (none), Status: Done -> done (document)
  c1   B-3    2025Q2   payments  P1   Load test the db                (ticket: erin) 2025-07-01  PAY-6 To Do         -> open, 14 d
  c2   C-1    2025Q3   search    P0   Hotfix the index                carol         2025-07-10  SRCH-6 In Review    -> open, 5 d
  d1   D-1    2025Q3   payments  P0   After the as-of date            alice         2025-07-01  (none)              -> never counted

B-2 is Markdown, so its owners go through the document parser's normalisation:
'@Dave' -> dave, 'Alice, @bob' -> [alice, bob], 'TBD' -> none, 'ALICE' -> alice.
c1 names no owner; the ticket's assignee (erin, not in the people file) is used.
"""

from __future__ import annotations

from tests.small_corpus import item_yaml

AS_OF = "2025-07-15"

# (id, team, started, [(priority, action, owners, due, ticket, document status)])
INCIDENTS = [
    ("OLD-1", "payments", "2024-11-05T10:00:00Z", [("P1", "Retire legacy queue", ["carol"], "2025-01-31", "PAY-10", None)]),
    ("A-1", "payments", "2025-01-10T10:00:00Z", [
        ("P0", "Add canary stage", ["alice"], "2025-01-20", "PAY-1", None),
        ("P1", "Test rollback path", ["bob"], "2025-02-10", "PAY-2", None),
        ("P2", "=1+1 check the totals", ["Zoë"], "2025-03-15", "PAY-7", None),
    ]),
    ("A-2", "search", "2025-02-20T22:00:00Z", [
        ("P1", "Alert on index lag", ["carol"], "2025-03-01", "SRCH-1", None),
        ("P0", "Validate config in CI", ["alice", "bob"], "2025-04-15", "PAY-3", None),
    ]),
    ("B-1", "payments", "2025-04-02T10:00:00Z", [
        ("P1", "Gradual rollout for api", ["alice"], "2025-04-20", "PAY-4", None),
        ("P2", "Rotate leaked token", ["zoë"], "2025-05-01", "SRCH-2", None),
        ("P3", "-1 replica in staging", ["dave"], None, None, None),
    ]),
    ("B-3", "payments", "2025-06-10T14:00:00Z", [("P1", "Load test the db", [], "2025-07-01", "PAY-6", None)]),
    ("C-1", "search", "2025-07-05T15:00:00Z", [("P0", "Hotfix the index", ["carol"], "2025-07-10", "SRCH-6", None)]),
    ("D-1", "payments", "2025-08-10T09:00:00Z", [("P0", "After the as-of date", ["alice"], "2025-07-01", None, None)]),
]  # fmt: skip

MARKDOWN = {
    "search/B-2.md": """\
---
id: B-2
title: Stale search results
team: search
severity: SEV3
services: [search-api]
started_at: 2025-05-01T12:00:00Z
detected_at: 2025-05-01T12:06:00Z
resolved_at: 2025-05-01T12:50:00Z
---
# Postmortem: Stale search results

## Action Items

| Priority | Action | Owner | Due Date | Ticket | Status |
|---|---|---|---|---|---|
| P1 | Freshness alert | @Dave | 2025-06-01 | SRCH-3 | |
| P2 | +1 the alert threshold | Alice, @bob | 2025-06-30 | SRCH-4 | |
| | Write the runbook | TBD | 2025-07-01 | | |
| P0 | @here announce the freeze | ALICE | | SRCH-5 | |
| P3 | Tidy dashboards | dave | 2025-07-20 | | Done |
""",
}

# Junk on purpose: an unknown column (Sprint Goal), a duplicate key (PAY-1
# again, line 11: the first row wins), a short row (line 12) and a row with no
# key (line 13). A ticket no item names (PAY-99).
TICKETS = """\
Issue key,Summary,Status,Assignee,Resolved,Due date,Sprint Goal
PAY-10,Retire legacy queue,In Progress,carol,,,q1
PAY-1,Add canary stage,Done,alice,2025-01-18,,
PAY-2,Test rollback path,Done,bob,2025-02-20,,
PAY-7,Check totals,Done,zoë,2025-03-10,,
SRCH-1,Alert on index lag,In Progress,carol,,,
PAY-3,Validate config in CI,Done,alice,2025-08-01,,
PAY-4,Gradual rollout,Won't Do,alice,,,
SRCH-2,Rotate token,Open,zoë,,,
SRCH-3,Freshness alert,Done,dave,2025-05-28,,
PAY-1,Add canary stage again,Open,alice,,,
garbage
,Done,,,,,
SRCH-5,Announce freeze,Done,alice,,,
PAY-6,Load test,To Do,erin,,,
SRCH-6,Hotfix the index,In Review,carol,,,
PAY-99,Nobody names this,Open,,,,
"""

PEOPLE = """\
people:
  alice: {name: Alice Chen, team: payments, manager: maria}
  bob: {name: Bob Stone, team: payments, manager: maria}
  carol: {name: Carol Diaz, team: search, manager: sam}
  dave: {name: Dave Eke, team: search, manager: sam}
  zoë: {name: Zoë Brontë, team: search, manager: sam}
"""


def _q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def files() -> dict[str, str]:
    out = dict(MARKDOWN)
    for iid, team, started, items in INCIDENTS:
        lines = [
            f"id: {iid}",
            f"title: Incident {iid}",
            f"team: {team}",
            "severity: SEV2",
            "status: final",
            f"services: [{team}-api]",
            f"started_at: {started}",
            "action_items:",
        ]
        lines += [
            item_yaml(prio, _q(action), owners, due, ticket, status)
            for prio, action, owners, due, ticket, status in items
        ]
        out[f"{team}/{iid}.yaml"] = "\n".join(lines) + "\n"
    return out


def build(tmp, rules, as_of: str = AS_OF, tickets: str | None = TICKETS, people: str | None = PEOPLE):
    """The corpus built into tmp/db.duckdb."""
    from tests.conftest import build_corpus

    return build_corpus(tmp, files(), rules, tickets=tickets, people=people, as_of=as_of)
