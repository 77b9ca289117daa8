"""The build: every file accounted for, ids resolved, tickets and people merged,
durations and the guide's rules computed; exact values on a hand-written corpus."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from ingest import PARSER_VERSION

STANDARD = """
    ---
    id: PAY-1
    published_at: 2024-01-16T10:00:00Z
    ---
    # Postmortem: Payment outage

    **Date:** 2024-01-15
    **Incident Severity:** SEV2
    **Status:** Final
    **Team:** payments
    **Services:** payments-api, postgres
    **Incident Duration:** 55 minutes

    ## Timeline (All times UTC)

    | Time | Event |
    |------|-------|
    | 14:23 | Deployment v2.3.4 completed to production |
    | 14:31 | First alert: payment_error_rate > 5% |
    | 14:33 | On-call engineer @alice acknowledges alert |
    | 15:10 | Rollback complete, error rate dropping |
    | 15:18 | Service fully recovered, incident resolved |

    ## Contributing Factors

    - Code review did not catch the connection handling change
    - No integration tests for connection pool behavior

    ## Lessons Learned

    ### What Went Well
    - Rollback procedure worked smoothly

    ## Action Items

    | Priority | Action | Owner | Due Date | Ticket |
    |---|---|---|---|---|
    | P0 | Add integration test for pool behavior | @alice | 2024-01-22 | ENG-1 |
    | P1 | Document connection patterns | @Alice Chen, @bob | 2024-01-29 | ENG-2 |
    | P2 | Evaluate canary deployments | TBD | 2024-02-15 | ENG-3 |
    | P2 | Write the runbook | @carol | 2024-02-20 | |
"""
WHYS = """
    ---
    incident: PAY-1
    ---
    # 5 Whys Analysis: Payment outage

    ### Why #1: Why did payments fail?
    **Answer:** Connections were exhausted.

    ### Why #2: Why were they exhausted?
    **Answer:** Each request opened its own connection.

    ### Why #3: Why did nobody notice in review?
    **Answer:** There is no documentation of the connection patterns.
"""
QUICK = """
    # Quick Postmortem: Cache miss storm

    **Date:** 2024-04-02 | **Duration:** 12 min | **Severity:** SEV3

    ## Timeline

    - 10:00 - Cache flush initiated for config update
    - 10:02 - Latency alerts fire
    - 10:12 - Latency normalized

    ## Root Cause

    Full cache flush for a minor config update caused a thundering herd.

    ## Fix

    - Long-term: Implement partial cache invalidation (SRCH-9)
"""
DUPLICATE = """
    ---
    id: PAY-1
    ---
    # Postmortem: Another outage claiming the same id

    **Date:** 2024-02-01
    **Severity:** SEV4

    ## Timeline

    | Time | Event |
    |---|---|
    | 09:00 | Alert fired |
    | 09:30 | Resolved |
"""
TICKETS = """
    Issue key,Summary,Status,Assignee,Resolved,Due date,Sprint
    ENG-1,Add test,Done,alice,2024-01-20,,S1
    ENG-2,Docs,In Progress,bob,,,S1
    eng-3,Canary,Won't Do,,,,S2
    SRCH-9,Partial invalidation,To Do,dana,,2024-05-01,S2
    ENG-1,Add test again,Open,alice,,,S3
    ,junk row without key,Done,,,,
"""
PEOPLE = """
    people:
      alice: {name: Alice Chen, team: payments, manager: maria, aliases: [Alice Chen]}
      bob: {name: Bob Stone, team: platform, manager: pete}
"""
CORPUS = {
    "payments/2024-01-15-payment-outage.md": STANDARD,
    "payments/2024-01-15-payment-outage-whys.md": WHYS,
    "search/2024-04-02-cache.md": QUICK,
    "search/dup.md": DUPLICATE,
    "README.md": "# Incident reports\n\nAn index of our postmortems.\n",
    "payments/diagram.png": b"\x89PNG\r\n\x1a\n\x00\x00",
    "payments/empty.md": "",
}


@pytest.fixture
def con(build_db):
    return build_db(CORPUS, tickets=TICKETS, people=PEOPLE, as_of=date(2024, 3, 1))


def test_every_file_is_accounted_for(con):
    rows = con.execute("SELECT relpath, outcome, incident_id FROM sources ORDER BY relpath").fetchall()
    assert rows == [
        ("README.md", "skipped", None),
        ("payments/2024-01-15-payment-outage-whys.md", "attached", "PAY-1"),
        ("payments/2024-01-15-payment-outage.md", "incident", "PAY-1"),
        ("payments/diagram.png", "skipped", None),
        ("payments/empty.md", "rejected", None),
        ("search/2024-04-02-cache.md", "incident", "search/2024-04-02-cache"),
        ("search/dup.md", "incident", "PAY-1#2"),
    ]
    reasons = dict(con.execute("SELECT relpath, reason FROM sources").fetchall())
    assert reasons["payments/empty.md"] == "empty file"
    assert reasons["payments/diagram.png"] == "not a document type the ingest reads (.png)"
    assert reasons["payments/2024-01-15-payment-outage-whys.md"] == "part of incident PAY-1"


def test_summary_counts(con):
    s = con.summary
    assert (s.files, s.incidents, s.attached, s.skipped, s.rejected) == (7, 3, 1, 2, 1)
    assert s.with_detected_and_resolved == 3
    assert "3 of 3 incidents have a detected and a resolved time" in s.text()


def test_duplicate_id_is_kept_and_reported(con):
    row = con.execute("SELECT level, code, message FROM problems WHERE code = 'duplicate-id'").fetchone()
    assert row[0:2] == ("warning", "duplicate-id")
    assert "kept as 'PAY-1#2'" in row[2]
    assert con.execute("SELECT title FROM incidents WHERE incident_id = 'PAY-1#2'").fetchone() == (
        "Another outage claiming the same id",
    )


def test_incident_fields_and_durations(con):
    row = con.execute(
        "SELECT title, date, severity, status, team, services, started_at, detected_at, acknowledged_at, "
        "mitigated_at, resolved_at, published_at, published_source, ttd_minutes, tta_minutes, ttm_minutes, "
        "ttr_minutes, reported_duration_minutes, n_documents FROM incidents WHERE incident_id = 'PAY-1'"
    ).fetchone()
    assert row == (
        "Payment outage", date(2024, 1, 15), "SEV2", "final", "payments", ["payments-api", "postgres"],
        datetime(2024, 1, 15, 14, 23), datetime(2024, 1, 15, 14, 31), datetime(2024, 1, 15, 14, 33),
        datetime(2024, 1, 15, 15, 10), datetime(2024, 1, 15, 15, 18), datetime(2024, 1, 16, 10, 0), "document",
        8.0, 2.0, 47.0, 55.0, 55.0, 2,
    )  # fmt: skip
    durations = dict(
        con.execute("SELECT duration_id, minutes FROM incident_durations WHERE incident_id = 'PAY-1'").fetchall()
    )
    assert durations == {
        "ttd": 8.0,
        "tta": 2.0,
        "ttm": 47.0,
        "ttr": 55.0,
        "ttr_from_detect": 47.0,
        "postmortem_lag": 1122.0,
    }


def test_team_defaults_to_first_folder(con):
    assert con.execute("SELECT team FROM incidents WHERE incident_id = 'search/2024-04-02-cache'").fetchone() == (
        "search",
    )


def test_attached_whys_belong_to_their_incident(con):
    whys = con.execute("SELECT level, answer FROM whys WHERE incident_id = 'PAY-1' ORDER BY level").fetchall()
    assert whys == [
        (1, "Connections were exhausted."),
        (2, "Each request opened its own connection."),
        (3, "There is no documentation of the connection patterns."),
    ]
    cats = con.execute(
        "SELECT section, category FROM contributing_factors WHERE incident_id = 'PAY-1' ORDER BY source_path, seq"
    ).fetchall()
    assert cats == [
        ("five_whys", "documentation-gap"),
        ("contributing_factors", "code-review-gap"),
        ("contributing_factors", "testing-gap"),
    ]


def test_ticket_status_wins_and_is_matched_case_insensitively(con):
    items = con.execute(
        "SELECT ticket, status, status_source, ticket_status, done_at, owners, due_date FROM action_items "
        "ORDER BY source_path, seq"
    ).fetchall()
    assert items == [
        ("ENG-1", "done", "ticket", "Done", date(2024, 1, 20), ["alice"], date(2024, 1, 22)),
        ("ENG-2", "open", "ticket", "In Progress", None, ["alice", "bob"], date(2024, 1, 29)),
        ("ENG-3", "dropped", "ticket", "Won't Do", None, [], date(2024, 2, 15)),
        (None, "open", "none", None, None, ["carol"], date(2024, 2, 20)),
        ("SRCH-9", "open", "ticket", "To Do", None, ["dana"], date(2024, 5, 1)),
    ]


def test_ticket_file_problems_are_reported_not_fatal(con):
    rows = con.execute(
        "SELECT line, level, code FROM problems WHERE source_path LIKE '%tickets.csv' ORDER BY line, code"
    ).fetchall()
    assert rows == [
        (1, "warning", "tickets-columns"),
        (6, "warning", "tickets-duplicate"),
        (7, "warning", "tickets-row"),
    ]
    msg = con.execute("SELECT message FROM problems WHERE code = 'tickets-columns'").fetchone()[0]
    assert msg == "tickets file: columns not used: Sprint"


def test_people_resolve_aliases_and_give_manager(con):
    rows = con.execute(
        "SELECT o.owner, o.owner_name, o.owner_team, o.manager FROM action_item_owners o "
        "JOIN action_items a USING (item_id) WHERE a.ticket = 'ENG-2' ORDER BY o.owner"
    ).fetchall()
    assert rows == [("alice", "Alice Chen", "payments", "maria"), ("bob", "Bob Stone", "platform", "pete")]
    assert con.execute("SELECT doc_owners FROM action_items WHERE ticket = 'ENG-2'").fetchone() == (
        ["alice chen", "bob"],
    )


def test_guide_rules_per_incident(con):
    rows = con.execute(
        "SELECT rule, outcome FROM quality_findings WHERE incident_id = 'PAY-1' ORDER BY rule"
    ).fetchall()
    assert rows == [
        ("action_items_complete", "fail"),
        ("blameless", "pass"),
        ("has_action_items", "pass"),
        ("measurable", "pass"),
        ("reported_duration", "pass"),
        ("what_went_well", "pass"),
        ("whys_depth", "pass"),
        ("written_within_48h", "pass"),
    ]
    detail = con.execute(
        "SELECT detail FROM quality_findings WHERE incident_id = 'PAY-1' AND rule = 'action_items_complete'"
    ).fetchone()[0]
    assert detail == "1 of 4 item(s) incomplete: 1 without owner, 0 without priority, 0 without due date"
    quick = dict(
        con.execute(
            "SELECT rule, outcome FROM quality_findings WHERE incident_id = 'search/2024-04-02-cache'"
        ).fetchall()
    )
    assert quick["what_went_well"] == "fail"
    assert quick["whys_depth"] == "fail"
    assert quick["written_within_48h"] == "unknown"


def test_meta_records_the_build(con):
    meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    assert meta["as_of"] == "2024-03-01"
    assert meta["parser_version"] == str(PARSER_VERSION)
    assert set(meta) >= {"built_at", "tool_version", "rules_fingerprint", "corpus_roots", "tickets_file"}
