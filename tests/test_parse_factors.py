"""Contributing factors, the 5 whys, categories from the taxonomy (FORMAT.md: Contributing factors, 5 whys)."""

from __future__ import annotations

import textwrap

import pytest

from ingest.understand.parser import parse_bytes


def parse(text: str, rules, relpath: str = "pm.md") -> dict:
    return parse_bytes(textwrap.dedent(text).lstrip("\n").encode("utf-8"), relpath, rules).to_json()


def factors(view: dict) -> list[tuple[str, str, str]]:
    """(section, category, text), sorted: the order factors are listed in is not part of the contract."""
    return sorted((f["section"], f["category"], f["text"]) for f in view["contributing_factors"])


STANDARD = """
    # Postmortem: Payment Processing Outage

    **Date:** 2024-01-15
    **Incident Severity:** SEV2

    ## Timeline (All times UTC)

    | Time | Event |
    |------|-------|
    | 14:23 | Deployment v2.3.4 completed to production |
    | 14:31 | First alert: payment_error_rate > 5% |

    ## Root Cause Analysis

    ### What Happened

    The v2.3.4 deployment removed connection pooling for a frequently-called endpoint.

    ### Why It Happened

    1. **Proximate Cause:** Code change in `PaymentRepository.java` replaced pooled `DataSource` with direct calls.

    2. **Contributing Factors:**
       - Code review did not catch the connection handling change
       - No integration tests specifically for connection pool behavior
       - Staging environment has lower traffic, masking the issue
       - Database connection metrics alert threshold was too high (90%)

    3. **5 Whys Analysis:**
       - Why did the service fail? → Database connections exhausted
       - Why were connections exhausted? → Each request opened new connection
       - Why did each request open new connection? → Code bypassed connection pool
       - Why did code bypass connection pool? → Developer unfamiliar with codebase patterns
       - Why was developer unfamiliar? → No documentation on connection management patterns

    ## Lessons Learned

    ### What Went Well
    - Alerting detected the issue before customer reports

    ### What Went Wrong
    - Code review missed critical change
    - Staging environment doesn't reflect production traffic

    ## Action Items

    | Priority | Action | Owner | Due Date | Ticket |
    |----------|--------|-------|----------|--------|
    | P0 | Add integration test for connection pool behavior | @alice | 2024-01-22 | ENG-1234 |
"""


def test_standard_template_factors_sections_and_categories(rules):
    view = parse(STANDARD, rules)
    assert factors(view) == sorted(
        [
            ("proximate_cause", "software-bug", "Code change in PaymentRepository.java replaced pooled DataSource with direct calls."),
            ("contributing_factors", "code-review-gap", "Code review did not catch the connection handling change"),
            ("contributing_factors", "testing-gap", "No integration tests specifically for connection pool behavior"),
            ("contributing_factors", "staging-parity", "Staging environment has lower traffic, masking the issue"),
            ("contributing_factors", "monitoring-gap", "Database connection metrics alert threshold was too high (90%)"),
            ("five_whys", "documentation-gap", "No documentation on connection management patterns"),
            ("what_went_wrong", "code-review-gap", "Code review missed critical change"),
            ("what_went_wrong", "staging-parity", "Staging environment doesn't reflect production traffic"),
        ]
    )  # fmt: skip
    assert view["problems"] == []


def test_list_whys_are_kept_in_order_with_question_and_answer(rules):
    view = parse(STANDARD, rules)
    assert [(w["level"], w["question"], w["answer"]) for w in view["whys"]] == [
        (1, "Why did the service fail?", "Database connections exhausted"),
        (2, "Why were connections exhausted?", "Each request opened new connection"),
        (3, "Why did each request open new connection?", "Code bypassed connection pool"),
        (4, "Why did code bypass connection pool?", "Developer unfamiliar with codebase patterns"),
        (5, "Why was developer unfamiliar?", "No documentation on connection management patterns"),
    ]


def test_only_the_last_why_is_a_factor(rules):
    view = parse(STANDARD, rules)
    texts = [f["text"] for f in view["contributing_factors"]]
    for earlier in (
        "Database connections exhausted",
        "Each request opened new connection",
        "Code bypassed connection pool",
        "Developer unfamiliar with codebase patterns",
    ):
        assert earlier not in texts
    assert [f["text"] for f in view["contributing_factors"] if f["section"] == "five_whys"] == [
        "No documentation on connection management patterns"
    ]


def test_whys_with_ascii_arrow(rules):
    text = """
        # Postmortem: X

        **Date:** 2024-01-15

        ## 5 Whys

        - Why did the job fail? -> The disk was full
        - Why was the disk full? -> Log rotation was never configured
        - Why was rotation never configured? -> No runbook for new hosts
    """
    view = parse(text, rules)
    assert [(w["level"], w["question"], w["answer"]) for w in view["whys"]] == [
        (1, "Why did the job fail?", "The disk was full"),
        (2, "Why was the disk full?", "Log rotation was never configured"),
        (3, "Why was rotation never configured?", "No runbook for new hosts"),
    ]
    assert factors(view) == [("five_whys", "documentation-gap", "No runbook for new hosts")]


def test_quick_root_cause_section(rules):
    text = """
        # Quick Postmortem: Disk full

        **Date:** 2024-03-04 | **Duration:** 12 min | **Severity:** SEV3

        ## Timeline

        - 10:00 - Disk filled on the primary
        - 10:12 - Disk cleaned up, resolved

        ## Root Cause

        Disk on the primary filled up because log rotation was off.

        ## Fix

        - Turn log rotation on
    """
    view = parse(text, rules)
    assert factors(view) == [
        ("root_cause", "capacity-limits", "Disk on the primary filled up because log rotation was off.")
    ]


def test_contributing_factors_heading_section(rules):
    text = """
        # Postmortem: X

        **Date:** 2024-02-29

        ## Contributing Factors

        - Batch job and checkout share one queue with no priority lanes
        - No load test covers the nightly batch at month end
    """
    view = parse(text, rules)
    assert factors(view) == [
        ("contributing_factors", "capacity-limits", "Batch job and checkout share one queue with no priority lanes"),
        ("contributing_factors", "testing-gap", "No load test covers the nightly batch at month end"),
    ]


def test_proximate_cause_heading_section(rules):
    text = """
        # Postmortem: X

        **Date:** 2024-02-29

        ## Proximate Cause

        An expired TLS certificate on the edge proxy.
    """
    view = parse(text, rules)
    assert factors(view) == [("proximate_cause", "security", "An expired TLS certificate on the edge proxy.")]


def test_factor_matching_nothing_is_kept_uncategorized(rules):
    text = """
        # Postmortem: X

        **Date:** 2024-02-29

        ## Contributing Factors

        - The moon was in the wrong phase
        - No integration tests for the batch job
    """
    view = parse(text, rules)
    assert factors(view) == [
        ("contributing_factors", "testing-gap", "No integration tests for the batch job"),
        ("contributing_factors", "uncategorized", "The moon was in the wrong phase"),
    ]


# --- Template 2: 5 Whys Analysis ----------------------------------------------------------------------------------------

FIVE_WHYS = """
    # 5 Whys Analysis: Payment Processing Outage

    ## Problem Statement

    Payment service experienced 47-minute outage due to database connection exhaustion.

    ## Analysis

    ### Why #1: Why did the service fail?
    **Answer:** Database connections were exhausted, causing all new requests to fail.
    **Evidence:** Metrics showed connection count at 100/100 (max), with 500+ pending requests.

    ### Why #2: Why were database connections exhausted?
    **Answer:** Each incoming request opened a new database connection instead of using the connection pool.
    **Evidence:** Code diff shows direct DriverManager.getConnection() instead of pooled DataSource.

    ### Why #3: Why did the code bypass the connection pool?
    **Answer:** A developer refactored the repository class and changed the connection acquisition method.
    **Evidence:** PR #1234 shows the change, made while fixing a different bug.

    ## Root Causes Identified

    - **Primary:** Missing automated tests for infrastructure behavior
    - **Secondary:** Insufficient documentation of architectural patterns
    - **Tertiary:** Code review checklist doesn't include infrastructure considerations

    ## Systemic Improvements

    | Root Cause | Improvement | Type |
    |---|---|---|
    | Missing tests | Add infrastructure behavior tests | Prevention |
"""


def test_template_2_whys_question_answer_evidence(rules):
    view = parse(FIVE_WHYS, rules)
    assert view["kind"] == "five_whys"
    assert [(w["level"], w["question"], w["answer"], w["evidence"]) for w in view["whys"]] == [
        (
            1,
            "Why did the service fail?",
            "Database connections were exhausted, causing all new requests to fail.",
            "Metrics showed connection count at 100/100 (max), with 500+ pending requests.",
        ),
        (
            2,
            "Why were database connections exhausted?",
            "Each incoming request opened a new database connection instead of using the connection pool.",
            "Code diff shows direct DriverManager.getConnection() instead of pooled DataSource.",
        ),
        (
            3,
            "Why did the code bypass the connection pool?",
            "A developer refactored the repository class and changed the connection acquisition method.",
            "PR #1234 shows the change, made while fixing a different bug.",
        ),
    ]


def test_template_2_factors_root_causes_identified_and_last_why(rules):
    view = parse(FIVE_WHYS, rules)
    assert factors(view) == sorted(
        [
            ("problem_statement", "capacity-limits", "Payment service experienced 47-minute outage due to database connection exhaustion."),
            ("root_causes_identified", "testing-gap", "Missing automated tests for infrastructure behavior"),
            ("root_causes_identified", "documentation-gap", "Insufficient documentation of architectural patterns"),
            ("root_causes_identified", "code-review-gap", "Code review checklist doesn't include infrastructure considerations"),
            ("five_whys", "software-bug", "A developer refactored the repository class and changed the connection acquisition method."),
        ]
    )  # fmt: skip


def test_template_2_earlier_answers_are_not_factors(rules):
    view = parse(FIVE_WHYS, rules)
    texts = {f["text"] for f in view["contributing_factors"]}
    assert "Database connections were exhausted, causing all new requests to fail." not in texts
    assert "Each incoming request opened a new database connection instead of using the connection pool." not in texts


def test_five_whys_with_incident_front_matter_is_attached(rules):
    view = parse("---\nincident: payment-outage-2024-01-15\n---\n" + textwrap.dedent(FIVE_WHYS), rules)
    assert (view["outcome"], view["attach_to"], view["kind"]) == ("attached", "payment-outage-2024-01-15", "five_whys")
    assert len(view["whys"]) == 3


def test_five_whys_without_incident_is_an_incident_of_its_own(rules):
    view = parse(FIVE_WHYS, rules, relpath="whys/payment.md")
    assert (view["outcome"], view["attach_to"], view["kind"]) == ("incident", None, "five_whys")
    assert view["incident_id"] == "whys/payment"


# --- front matter tags name categories ----------------------------------------------------------------------------------


def test_front_matter_tags_naming_a_category_add_it(rules):
    text = """
        ---
        date: 2024-03-11
        tags: [config-change, database, security]
        ---
        # Postmortem: X

        ## Contributing Factors

        - No integration tests for the indexer
    """
    view = parse(text, rules)
    cats = sorted((f["section"], f["category"]) for f in view["contributing_factors"])
    assert cats == [
        ("contributing_factors", "testing-gap"),
        ("front_matter", "config-change"),
        ("front_matter", "security"),
    ]
    assert view["tags"] == ["config-change", "database", "security"]


def test_front_matter_contributing_factors_name_categories(rules):
    text = """
        ---
        date: 2024-03-11
        contributing_factors: [capacity-limits]
        ---
        # Postmortem: X

        ## Timeline

        - 10:00 - Errors began
    """
    view = parse(text, rules)
    assert sorted(f["category"] for f in view["contributing_factors"]) == ["capacity-limits"]


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("No integration tests for the payment flow", "testing-gap"),
        ("Code review did not catch the change", "code-review-gap"),
        ("Alert threshold was too high", "monitoring-gap"),
        ("Staging has a tenth of production traffic", "staging-parity"),
        ("The rollout went to every region at once with no canary", "deploy-safety"),
        ("Connection pool exhausted under load", "capacity-limits"),
        ("Upstream provider outage at the DNS provider", "dependency-failure"),
        ("No runbook for failover", "documentation-gap"),
        ("An expired certificate on the load balancer", "security"),
        ("A race condition in the cache client", "software-bug"),
        ("Nobody had a good afternoon", "uncategorized"),
    ],
)
def test_taxonomy_categories(text, category, rules):
    assert rules.taxonomy.categorize(text) == category
    assert category in rules.taxonomy.by_id
