"""Impact figures and action-item types, read from hand-written documents with known figures."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from ingest.understand.impact import quantities
from ingest.understand.parser import parse_bytes, parse_file
from ingest.understand.rules import RulesError, load_action_types, load_rules
from tests.conftest import ROOT, SHARED


def parse(text: str, rules, relpath: str = "pm.md") -> dict:
    return parse_bytes(textwrap.dedent(text).lstrip("\n").encode(), relpath, rules).to_json()


def figures(view: dict) -> dict:
    """{metric: (value, qualifier, currency, approximate)} or {metric: flag}."""
    out = {}
    for x in view["impact"]:
        if x["metric"] in ("data_loss", "security_impact"):
            out[x["metric"]] = x["flag"]
        else:
            out[x["metric"]] = (x["value"], x["qualifier"], x["currency"], x["approximate"])
    return out


def codes(view: dict) -> list[str]:
    return [p["code"] for p in view["problems"]]


TIMELINE = """
## Timeline

| Time | Event |
|---|---|
| 10:00 | Config pushed |
| 10:05 | Alert fired |
| 10:40 | Service fully recovered, incident resolved |
"""


def doc(body: str, fm: str = "") -> str:
    head = f"---\n{textwrap.dedent(fm).strip()}\n---\n" if fm else ""
    return head + "# Postmortem: X\n\n**Date:** 2024-01-15\n" + TIMELINE + "\n" + textwrap.dedent(body)


# ------------------------------------------------------------------ the guide's template


STANDARD = SHARED / "conformance" / "standard.md"
needs_shared = pytest.mark.skipif(not STANDARD.exists(), reason="../shared/conformance is not beside the project")


@needs_shared
def test_the_conformance_standard_postmortem_states_its_impact_exactly(rules):
    view = parse_file(STANDARD, rules).to_json()
    assert figures(view) == {
        "customers_affected": (12000, "exact", None, False),
        "revenue_loss": (45000, "exact", "USD", True),  # 'Estimated revenue loss'
        "support_tickets": (847, "exact", None, False),
        "data_loss": False,
        "security_impact": False,
    }
    by = {x["metric"]: x for x in view["impact"]}
    assert by["customers_affected"]["text"] == "12,000 customers unable to complete purchases"
    assert by["data_loss"]["text"] == "No data loss or security implications"
    assert by["revenue_loss"]["line"] == 15
    assert codes(view) == []


def test_the_guides_full_template_reads_each_figure_once(rules):
    """The summary's Impact list and the Impact section repeat the figures: one each, no conflict;
    the section adds engineering time and support cost; prose in the summary is not read."""
    view = parse(
        doc("""
        ## Executive Summary

        On January 15, 2024, the payment service had a 47-minute outage affecting approximately 12,000 customers.

        **Impact:**
        - 12,000 customers unable to complete purchases
        - Estimated revenue loss: $45,000
        - 847 support tickets created
        - No data loss or security implications

        ## Impact

        ### Customer Impact
        - 12,000 unique customers affected
        - Average impact duration: 35 minutes
        - 847 support tickets (23% of affected users)
        - Customer satisfaction score dropped 12 points

        ### Business Impact
        - Estimated revenue loss: $45,000
        - Support cost: ~$2,500 (agent time)
        - Engineering time: ~8 person-hours

        ### Technical Impact
        - Database primary experienced elevated load
        - No permanent damage to systems
    """),
        rules,
    )
    assert figures(view) == {
        "customers_affected": (12000, "exact", None, False),
        "revenue_loss": (45000, "exact", "USD", True),
        "support_cost": (2500, "exact", "USD", True),
        "support_tickets": (847, "exact", None, False),
        "engineering_hours": (8, "exact", None, True),
        "data_loss": False,
        "security_impact": False,
    }
    assert codes(view) == []


# ------------------------------------------------------------------ awkward figures


@pytest.mark.parametrize(
    ("line", "metric", "expected"),
    [
        ("Approximately 3,000 users saw errors", "users_affected", (3000, 3000, 3000, "exact", True)),
        ("Between 10,000 and 15,000 users", "users_affected", (12500, 10000, 15000, "range", False)),
        ("10-15k users affected", "users_affected", (12500, 10000, 15000, "range", False)),
        ("At least 6 customers reported issues", "customers_affected", (6, 6, None, "at_least", False)),
        ("12,000+ customers", "customers_affected", (12000, 12000, None, "at_least", False)),
        ("Up to 2,000 users", "users_affected", (2000, 0, 2000, "at_most", False)),
        ("Customers affected: 3 400", "customers_affected", (3400, 3400, 3400, "exact", False)),
        ("~8 hours of engineering time", "engineering_hours", (8, 8, 8, "exact", True)),
        ("Engineering effort: 2 person-days", "engineering_hours", (16, 16, 16, "exact", False)),
        ("Downtime: 1h 30m", "downtime_minutes", (90, 90, 90, "exact", False)),
        ("Downtime: 30-45 minutes", "downtime_minutes", (37.5, 30, 45, "range", False)),
        ("Support tickets: 0", "support_tickets", (0, 0, 0, "exact", False)),
    ],
)
def test_counts_keep_their_approximations_ranges_and_bounds(rules, line, metric, expected):
    view = parse(doc(f"## Impact\n\n- {line}\n"), rules)
    x = next(x for x in view["impact"] if x["metric"] == metric)
    assert (x["value"], x["low"], x["high"], x["qualifier"], x["approximate"]) == expected
    assert codes(view) == []


@pytest.mark.parametrize(
    ("line", "value", "low", "high", "currency"),
    [
        ("Revenue loss: €12,000", 12000, 12000, 12000, "EUR"),
        ("Revenue loss: 12,000 EUR", 12000, 12000, 12000, "EUR"),
        ("Revenue loss: £2,000-£3,000", 2500, 2000, 3000, "GBP"),
        ("Revenue loss: CHF 4,500", 4500, 4500, 4500, "CHF"),
        ("Revenue loss: ¥1.2M", 1200000, 1200000, 1200000, "JPY"),
        ("Lost ~$10k in revenue", 10000, 10000, 10000, "USD"),
        ("Revenue loss: 45,000", 45000, 45000, 45000, None),  # no currency written: none is invented
        ("Revenue loss: £3,000 (about $3,800)", 3000, 3000, 3000, "GBP"),  # the first amount, never converted
    ],
)
def test_money_keeps_its_currency(rules, line, value, low, high, currency):
    view = parse(doc(f"## Impact\n\n- {line}\n"), rules)
    x = next(x for x in view["impact"] if x["metric"] == "revenue_loss")
    assert (x["value"], x["low"], x["high"], x["currency"]) == (value, low, high, currency)


def test_no_figure_unknown_and_unreadable_are_not_zeros(rules):
    view = parse(
        doc("""
        ## Impact

        - Customers affected: unknown
        - Revenue loss: TBD
        - Support tickets: a lot
        - Users affected: 15% of EU users
        - Security implications: under review
        - Checkout was slow for everyone
    """),
        rules,
    )
    assert figures(view) == {
        "customers_affected": (None, "unknown", None, False),
        "revenue_loss": (None, "unknown", None, False),
        "security_impact": None,
    }
    probs = {(p["code"], p["line"]) for p in view["problems"]}
    body = 16  # the line of '- Customers affected: unknown'
    assert probs == {("impact-unknown", body), ("impact-unknown", body + 1), ("bad-impact", body + 2),
                     ("bad-impact", body + 3), ("impact-unknown", body + 4)}  # fmt: skip
    msgs = " ".join(p["message"] for p in view["problems"])
    assert "given as a share" in msgs and "'a lot' is not a figure" in msgs


def test_a_document_without_impact_has_no_figures_and_no_problems(rules):
    view = parse(doc("## Root Cause\n\nA bad config push.\n"), rules)
    assert view["impact"] == [] and codes(view) == []


def test_ambiguous_continental_thousands_are_a_problem_not_a_guess(rules):
    view = parse(doc("## Impact\n\n- Revenue loss: 45.000 €\n"), rules)
    assert view["impact"] == []
    assert codes(view) == ["bad-impact"]


def test_data_loss_and_security_statements(rules):
    view = parse(
        doc("""
        ## Impact

        - There was no data loss, but session tokens were exposed
    """),
        rules,
    )
    assert figures(view) == {"data_loss": False, "security_impact": True}
    view = parse(doc("## Impact\n\n- Data loss: yes, 200 index updates were dropped\n- Security: none\n"), rules)
    assert figures(view) == {"data_loss": True, "security_impact": False}
    view = parse(doc("## Impact\n\n- Potential data loss for events in the window\n"), rules)
    assert figures(view) == {}  # a hedge is not a figure


def test_labels_outside_impact_sections_and_prose_outside_them(rules):
    """A figure label is read anywhere but the timeline and the action items; a sentence only in an
    Impact section; ids, versions and dates are not counts."""
    view = parse(
        doc("""
        ## Summary

        **Customers affected:** 3,400

        ## What Happened

        v2.3.4 broke 12 customers on 2024-01-15 (OPS-567).

        ## Action Items

        | Priority | Action | Owner |
        |---|---|---|
        | P1 | Support tickets: triage 500 of them | @a |
    """),
        rules,
    )
    assert figures(view) == {"customers_affected": (3400, "exact", None, False)}
    assert view["impact"][0]["source"] == "label"


def test_front_matter_wins_and_body_conflicts_are_reported(rules):
    view = parse(
        doc(
            """
        ## Impact

        - Customers affected: 5,000
        - Support tickets: 90
        - Support tickets: 95
    """,
            fm="""
        customers_affected: 3400
        revenue_loss_eur: 12000
        data_loss: false
        engineering_time: 2 person-days
        impact:
          users_affected: ~800
    """,
        ),
        rules,
    )
    assert figures(view) == {
        "customers_affected": (3400, "exact", None, False),
        "users_affected": (800, "exact", None, True),
        "revenue_loss": (12000, "exact", "EUR", False),
        "support_tickets": (90, "exact", None, False),
        "engineering_hours": (16, "exact", None, False),
        "data_loss": False,
    }
    assert {x["metric"]: x["source"] for x in view["impact"]}["customers_affected"] == "front_matter"
    conflict = [p for p in view["problems"] if p["code"] == "impact-conflict"]
    assert (
        len(conflict) == 1
        and "'Support tickets: 95' here and as 'Support tickets: 90' before" in conflict[0]["message"]
    )
    # the keys stay in custom_fields, as written, as before
    assert view["custom_fields"]["customers_affected"] == 3400


def test_structured_documents(rules):
    text = """
        id: INC-1
        title: Export
        severity: SEV2
        timeline:
          - {at: "2024-06-12T03:14:00Z", kind: start, text: Upgrade rolled out}
        customers_affected: 1200
        revenue_loss_gbp: "2k-3k"
        support_tickets: unknown
        data_loss: false
        security_impact: true
        action_items:
          - {action: Add alert on SERVFAIL ratio, type: Detection}
          - {action: Require canary for CoreDNS upgrades}
    """
    view = parse(text, rules, relpath="x.yaml")
    assert figures(view) == {
        "customers_affected": (1200, "exact", None, False),
        "revenue_loss": (2500, "range", "GBP", False),
        "support_tickets": (None, "unknown", None, False),
        "data_loss": False,
        "security_impact": True,
    }
    assert codes(view) == ["impact-unknown"]
    assert [(a["type"], a["type_source"]) for a in view["action_items"]] == [("detection", "column"),
                                                                              ("mitigation", "rule")]  # fmt: skip


def test_quantities_ignore_percentages_keys_and_versions():
    found = [(q.value, q.qualifier) for q in quantities("v2.3.4 at 23% for OPS-567, then ~1.5k and 3 to 5")]
    assert found == [(1500.0, "exact"), (4.0, "range")]


# ------------------------------------------------------------------ action-item types


def test_action_types_from_a_type_column_else_the_rules(rules):
    view = parse(
        doc("""
        ## Action Items

        | Priority | Action | Type | Owner |
        |---|---|---|---|
        | P0 | Add integration test for connection pool behavior | Detect | @a |
        | P1 | Lower database connection alert threshold to 70% | | @b |
        | P1 | Evaluate canary deployment strategy | Tech debt | @c |
        | P2 | Define an owner for the ledger | | @d |
        | P3 | Enabled cache warming | | @e |
    """),
        rules,
    )
    got = [(a["type"], a["type_source"]) for a in view["action_items"]]
    assert got == [("detection", "column"), ("detection", "rule"), ("mitigation", "rule"), ("process", "rule"),
                   (None, "none")]  # fmt: skip
    assert codes(view) == ["bad-action-type"]


def test_the_guides_systemic_improvements_types(rules):
    view = parse(
        """
        # 5 Whys Analysis: Payment outage

        ## Systemic Improvements

        | Root Cause | Improvement | Type |
        |---|---|---|
        | Missing tests | Add infrastructure behavior tests | Prevention |
        | Missing docs | Document connection patterns | Prevention |
        | Review gaps | Update review checklist | Detection |
        | No canary | Implement canary deployments | Mitigation |
    """,
        rules,
    )
    assert [a["type"] for a in view["action_items"]] == ["prevention", "prevention", "detection", "mitigation"]


def test_the_action_types_file_is_validated(tmp_path):
    bad = tmp_path / "types.yaml"
    bad.write_text("types:\n  - {id: prevention, words: [fix]}\n  - {id: repair, words: [fix]}\nrules: []\n")
    with pytest.raises(RulesError, match="names two types"):
        load_action_types(bad)
    bad.write_text("types:\n  - {id: prevention}\nrules:\n  - {type: detection, patterns: [alert]}\n")
    with pytest.raises(RulesError, match="rule 1: needs 'type'"):
        load_action_types(bad)
    bad.write_text("types:\n  - {id: prevention}\nrules:\n  - {type: prevention, patterns: ['(']}\n")
    with pytest.raises(RulesError, match="not a valid regular expression"):
        load_action_types(bad)


def test_the_action_types_file_is_part_of_the_rules_fingerprint(tmp_path):
    src = (ROOT / "data" / "action_types.yaml").read_text()
    mine = tmp_path / "types.yaml"
    mine.write_text(src.replace("'\\btests?\\b|", "'\\bunit tests?\\b|"))
    assert load_rules(action_types=mine).fingerprint != load_rules().fingerprint


@needs_shared
def test_parse_json_keeps_its_keys_and_adds_impact_and_related(rules):
    out = subprocess.run([sys.executable, "-m", "ingest", "parse", str(STANDARD),
                          "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr
    view = json.loads(out.stdout)
    for key in ("incident_id", "title", "kind", "date", "severity", "status", "team", "services", "started_at",
                "ttd_minutes", "reported_duration_minutes", "timeline", "contributing_factors", "whys",
                "action_items", "problems", "custom_fields"):  # fmt: skip
        assert key in view
    assert [x["metric"] for x in view["impact"]][:3] == ["customers_affected", "revenue_loss", "support_tickets"]
    assert view["related_incidents"][0]["ref"] == "POSTMORTEM-42"
    assert {"type", "type_source"} <= set(view["action_items"][0])
