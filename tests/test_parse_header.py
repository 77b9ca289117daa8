"""Header fields, document kinds, skipping, and the `parse` CLI (FORMAT.md: Documents, front matter, last section)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from ingest.understand.header import normalise_severity
from ingest.understand.parser import parse_bytes
from ingest.understand.timeparse import parse_duration_minutes
from tests.conftest import ROOT

TIMELINE = """
## Timeline

| Time | Event |
|---|---|
| 10:00 | Deployment of v1.2 completed to production |
| 10:05 | First alert fired for error rate |
| 10:30 | Service fully recovered, incident resolved |
"""


def parse(text: str | bytes, rules, relpath: str = "pm.md"):
    data = text if isinstance(text, bytes) else textwrap.dedent(text).lstrip("\n").encode("utf-8")
    return parse_bytes(data, relpath, rules).to_json()


def codes(view: dict) -> list[tuple[str, str, int | None]]:
    return [(p["level"], p["code"], p["line"]) for p in view["problems"]]


# --- every header shape reads the same ------------------------------------------------------------------------------

HEADER_SHAPES = {
    "plain": "Date: 2024-01-15\nSeverity: SEV2\nStatus: Final\nTeam: Payments\nIncident Duration: 47 minutes\n",
    "bold-colon-inside": (
        "**Date:** 2024-01-15\n**Severity:** SEV2\n**Status:** Final\n**Team:** Payments\n"
        "**Incident Duration:** 47 minutes\n"
    ),
    "bold-colon-outside": (
        "**Date**: 2024-01-15\n**Severity**: SEV2\n**Status**: Final\n**Team**: Payments\n"
        "**Incident Duration**: 47 minutes\n"
    ),
    "kv-table-with-header": (
        "| Field | Value |\n|---|---|\n| Date | 2024-01-15 |\n| Severity | SEV2 |\n| Status | Final |\n"
        "| Team | Payments |\n| Incident Duration | 47 minutes |\n"
    ),
    "kv-table-headerless": (
        "| Date | 2024-01-15 |\n| Severity | SEV2 |\n| Status | Final |\n| Team | Payments |\n"
        "| Incident Duration | 47 minutes |\n"
    ),
    "one-line-pipes": "Date: 2024-01-15 | Severity: SEV2 | Status: Final | Team: Payments | Incident Duration: 47 minutes\n",
    "one-line-pipes-bold": (
        "**Date:** 2024-01-15 | **Severity:** SEV2 | **Status:** Final | **Team:** Payments | "
        "**Incident Duration:** 47 minutes\n"
    ),
}


@pytest.mark.parametrize("shape", sorted(HEADER_SHAPES))
def test_header_shapes_all_read_the_same(shape, rules):
    text = "# Postmortem: Checkout outage\n\n" + HEADER_SHAPES[shape] + TIMELINE
    view = parse(text, rules)
    got = {k: view[k] for k in ("title", "date", "severity", "status", "team", "reported_duration_minutes")}
    assert got == {
        "title": "Checkout outage",
        "date": "2024-01-15",
        "severity": "SEV2",
        "status": "final",
        "team": "payments",
        "reported_duration_minutes": 47,
    }
    assert view["problems"] == []


def test_header_from_yaml_front_matter_reads_the_same(rules):
    text = (
        "---\ndate: 2024-01-15\nseverity: SEV2\nstatus: final\nteam: Payments\nduration: 47 minutes\n---\n"
        "# Postmortem: Checkout outage\n" + TIMELINE
    )
    view = parse(text, rules)
    got = {k: view[k] for k in ("title", "date", "severity", "status", "team", "reported_duration_minutes")}
    assert got == {
        "title": "Checkout outage",
        "date": "2024-01-15",
        "severity": "SEV2",
        "status": "final",
        "team": "payments",
        "reported_duration_minutes": 47,
    }
    assert view["problems"] == []


@pytest.mark.parametrize("shape", sorted(HEADER_SHAPES))
def test_header_date_places_timeline_times(shape, rules):
    text = "# Postmortem: Checkout outage\n\n" + HEADER_SHAPES[shape].replace("2024-01-15", "2023-11-02") + TIMELINE
    view = parse(text, rules)
    assert [e["at"] for e in view["timeline"]] == [
        "2023-11-02T10:00:00Z",
        "2023-11-02T10:05:00Z",
        "2023-11-02T10:30:00Z",
    ]


@pytest.mark.parametrize(
    "written",
    ["2024-01-15", "January 15, 2024", "Jan 15, 2024", "15 January 2024", "Monday, January 15, 2024", "2024/01/15"],
)
def test_header_date_forms(written, rules):
    view = parse("# Postmortem: X\n\n**Date:** " + written + "\n" + TIMELINE, rules)
    assert view["date"] == "2024-01-15"
    assert view["problems"] == []


def test_header_date_that_does_not_exist_is_a_warning(rules):
    view = parse("# Postmortem: X\n\n**Date:** 2024-02-30\n" + TIMELINE, rules, relpath="x.md")
    assert view["date"] is None
    assert codes(view)[0] == ("warning", "bad-date", 3)


# --- front matter wins over the body ---------------------------------------------------------------------------------


def test_front_matter_wins_over_body_header(rules):
    text = """
        ---
        title: Search results stale
        date: 2024-03-11
        severity: Sev-1
        status: in review
        team: search
        ---
        # Postmortem: Search index froze

        **Date:** 2024-03-09
        **Severity:** SEV3
        **Status:** Draft
        **Team:** indexing
    """
    view = parse(textwrap.dedent(text) + TIMELINE, rules)
    assert (view["title"], view["date"], view["severity"], view["status"], view["team"]) == (
        "Search results stale",
        "2024-03-11",
        "SEV1",
        "in review",
        "search",
    )


def test_front_matter_date_places_timeline_over_body_date(rules):
    text = "---\ndate: 2024-03-11\n---\n# Postmortem: X\n\n**Date:** 2024-03-09\n" + TIMELINE
    view = parse(text, rules)
    assert view["timeline"][0]["at"] == "2024-03-11T10:00:00Z"


def test_front_matter_milestone_wins_over_timeline(rules):
    text = "---\ndate: 2024-01-15\ndetected_at: 2024-01-15T10:02:00Z\n---\n# Postmortem: X\n" + TIMELINE
    view = parse(text, rules)
    assert view["detected_at"] == "2024-01-15T10:02:00Z"
    assert view["ttd_minutes"] == 2


def test_front_matter_id_services_and_unknown_keys(rules):
    text = """
        ---
        id: INC-2024-0042
        services: [payments-api, postgres]
        customers_affected: 12000
        ---
        # Postmortem: X
    """
    view = parse(textwrap.dedent(text) + TIMELINE, rules)
    assert view["incident_id"] == "INC-2024-0042"
    assert view["services"] == ["payments-api", "postgres"]
    assert view["custom_fields"] == {"customers_affected": 12000}


def test_id_derived_from_path_and_team_from_first_folder(rules):
    text = "# Postmortem: X\n" + TIMELINE
    first = parse(text, rules, relpath="payments/2024/2024-01-15-outage.md")
    second = parse(text, rules, relpath="payments/2024/2024-01-15-outage.md")
    assert first["incident_id"] == "payments/2024/2024-01-15-outage"
    assert second["incident_id"] == first["incident_id"]
    assert first["team"] == "payments"


def test_header_team_wins_over_folder(rules):
    text = "# Postmortem: X\n\n**Team:** Search\n" + TIMELINE
    assert parse(text, rules, relpath="payments/outage.md")["team"] == "search"


# --- severity ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("SEV2", "SEV2"),
        ("Sev-2", "SEV2"),
        ("sev2", "SEV2"),
        ("S2", "SEV2"),
        ("P2", "SEV2"),
        ("SEV1", "SEV1"),
        ("SEV5", "SEV5"),
        ("critical", "SEV1"),
        ("Critical", "SEV1"),
        ("major", "SEV2"),
        ("minor", "SEV4"),
    ],
)
def test_severity_normalised(written, expected, rules):
    text = f"# Postmortem: X\n\n**Date:** 2024-01-15\n**Severity:** {written}\n" + TIMELINE
    view = parse(text, rules)
    assert view["severity"] == expected
    assert view["problems"] == []


@pytest.mark.parametrize(("written", "expected"), [("SEV3", "SEV3"), ("Sev-4", "SEV4"), ("S1", "SEV1"), ("P3", "SEV3")])
def test_severity_normalised_in_front_matter(written, expected, rules):
    text = f"---\nseverity: {written}\n---\n# Postmortem: X\n" + TIMELINE
    assert parse(text, rules)["severity"] == expected


@pytest.mark.parametrize("written", ["purple", "SEV9", "urgent-ish", "S7"])
def test_normalise_severity_unknown_is_none(written):
    assert normalise_severity(written) is None


def test_unknown_severity_is_null_with_a_warning_on_its_line(rules):
    text = "# Postmortem: X\n\n**Date:** 2024-01-15\n**Severity:** purple\n" + TIMELINE
    view = parse(text, rules)
    assert view["severity"] is None
    assert codes(view) == [("warning", "bad-severity", 4)]
    assert "purple" in view["problems"][0]["message"]


def test_unknown_severity_in_front_matter_is_null_with_a_warning(rules):
    text = "---\ndate: 2024-01-15\nseverity: purple\n---\n# Postmortem: X\n" + TIMELINE
    view = parse(text, rules)
    assert view["severity"] is None
    assert [(p["level"], p["code"]) for p in view["problems"]] == [("warning", "bad-severity")]


def test_incident_severity_field_name(rules):
    text = "# Postmortem: X\n\n**Incident Severity:** SEV2\n" + TIMELINE
    assert parse(text, rules)["severity"] == "SEV2"


# --- status -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Draft", "draft"),
        ("In Review", "in review"),
        ("in review", "in review"),
        ("Final", "final"),
        ("FINAL", "final"),
    ],
)
def test_status_normalised(written, expected, rules):
    text = f"# Postmortem: X\n\n**Status:** {written}\n" + TIMELINE
    assert parse(text, rules)["status"] == expected


def test_unknown_status_is_null_with_a_warning(rules):
    text = "# Postmortem: X\n\n**Date:** 2024-01-15\n**Status:** banana\n" + TIMELINE
    view = parse(text, rules)
    assert view["status"] is None
    assert codes(view) == [("warning", "bad-status", 4)]


def test_status_in_front_matter(rules):
    text = "---\nstatus: in review\n---\n# Postmortem: X\n" + TIMELINE
    assert parse(text, rules)["status"] == "in review"


# --- reported duration ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "minutes"),
    [
        ("47 minutes", 47),
        ("12 min", 12),
        ("1 hour and 48 minutes", 108),
        ("2 hours", 120),
        ("1h 30m", 90),
        ("90 mins", 90),
    ],
)
def test_reported_duration_from_header(written, minutes, rules):
    text = f"# Postmortem: X\n\n**Incident Duration:** {written}\n" + TIMELINE
    assert parse(text, rules)["reported_duration_minutes"] == minutes


@pytest.mark.parametrize(
    ("written", "minutes"), [("47 minutes", 47), ("12 min", 12), ("1 hour and 48 minutes", 108), ("45s", 0.75)]
)
def test_parse_duration_minutes(written, minutes):
    assert parse_duration_minutes(written) == minutes


def test_reported_duration_absent_is_null(rules):
    assert parse("# Postmortem: X\n" + TIMELINE, rules)["reported_duration_minutes"] is None


def test_unreadable_duration_is_null_with_a_warning(rules):
    text = "# Postmortem: X\n\n**Date:** 2024-01-15\n**Duration:** a while\n" + TIMELINE
    view = parse(text, rules)
    assert view["reported_duration_minutes"] is None
    assert codes(view) == [("warning", "bad-duration", 4)]


def test_quick_header_duration(rules):
    text = "# Quick Postmortem: Cache storm\n\nDate: 2024-03-04 | Duration: 12 min | Severity: SEV3\n"
    text += "\n## Timeline\n\n- 10:00 - Cache flush initiated\n- 10:12 - Latency normalized\n"
    view = parse(text, rules)
    assert (view["date"], view["reported_duration_minutes"], view["severity"]) == ("2024-03-04", 12, "SEV3")


# --- title and kind ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("h1", "title", "kind"),
    [
        ("# Postmortem: Payment Processing Outage", "Payment Processing Outage", "standard"),
        ("# Post-mortem: Payment Processing Outage", "Payment Processing Outage", "standard"),
        ("# Quick Postmortem: Cache Miss Storm", "Cache Miss Storm", "quick"),
        ("# 5 Whys Analysis: Payment Processing Outage", "Payment Processing Outage", "five_whys"),
    ],
)
def test_title_and_kind_from_h1(h1, title, kind, rules):
    view = parse(h1 + "\n\n**Date:** 2024-01-15\n" + TIMELINE, rules)
    assert (view["title"], view["kind"], view["outcome"]) == (title, kind, "incident")


def test_standard_recognised_by_sections_without_title_prefix(rules):
    text = """
        # Checkout outage on Monday

        ## Timeline

        | Time | Event |
        |---|---|
        | 10:00 | Deployment completed to production |

        ## Root Cause Analysis

        A bad query.

        ## Action Items

        | Priority | Action | Owner | Due Date | Ticket |
        |---|---|---|---|---|
        | P1 | Fix the query | @ann | 2024-02-01 | DB-1 |
    """
    view = parse(text, rules)
    assert (view["outcome"], view["kind"], view["title"]) == ("incident", "standard", "Checkout outage on Monday")


def test_quick_recognised_by_one_line_header(rules):
    text = """
        # Cache Miss Storm

        Date: 2024-01-15 | Duration: 12 min | Severity: SEV3

        ## What Happened

        API latency spiked.
    """
    view = parse(text, rules)
    assert (view["outcome"], view["kind"], view["title"], view["severity"]) == (
        "incident",
        "quick",
        "Cache Miss Storm",
        "SEV3",
    )


def test_structured_kind(rules):
    text = """
        title: DNS failures
        date: 2024-06-12
        severity: SEV2
        timeline:
          - {at: "2024-06-12T03:14:00Z", kind: start, text: CoreDNS upgrade rolled out}
    """
    view = parse(text, rules, relpath="dns.yaml")
    assert (view["outcome"], view["kind"], view["title"], view["severity"]) == (
        "incident",
        "structured",
        "DNS failures",
        "SEV2",
    )


# --- not a postmortem: skipped ----------------------------------------------------------------------------------------

NOT_POSTMORTEMS = {
    "README.md": """
        # Postmortems

        This folder holds our postmortems. Copy the template, fill it in, open a pull request.

        - [2024-01-15 payment outage](2024-01-15-payment.md)
        - [2024-03-04 cache storm](2024-03-04-cache.md)
    """,
    "template.md": """
        # Postmortem: [Incident Title]

        **Date:** YYYY-MM-DD
        **Status:** Draft | In Review | Final
        **Incident Severity:** SEV?

        ## Timeline (All times UTC)

        | Time | Event |
        |---|---|
        | HH:MM | [event] |

        ## Action Items

        | Priority | Action | Owner | Due Date | Ticket |
        |---|---|---|---|---|
    """,
    "notes.md": """
        # Team handbook

        How we run on-call. See the templates folder for the postmortem template.
    """,
    "plain.txt": "Remember to buy milk.\n",
}


@pytest.mark.parametrize("name", sorted(NOT_POSTMORTEMS))
def test_not_a_postmortem_is_skipped_with_a_reason(name, rules):
    view = parse(NOT_POSTMORTEMS[name], rules, relpath=name)
    assert view["outcome"] == "skipped"
    assert isinstance(view["reason"], str) and len(view["reason"]) > 10
    assert view["timeline"] == []
    assert view["action_items"] == []


def test_image_is_skipped(rules):
    view = parse_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "diagram.png", rules).to_json()
    assert view["outcome"] == "skipped"


# --- the CLI ----------------------------------------------------------------------------------------------------------

VIEW_KEYS = {
    "incident_id", "title", "kind", "date", "severity", "status", "team", "services",
    "started_at", "detected_at", "acknowledged_at", "declared_at", "mitigated_at", "resolved_at",
    "ttd_minutes", "tta_minutes", "ttm_minutes", "ttr_minutes", "reported_duration_minutes",
    "timeline", "contributing_factors", "whys", "action_items", "problems",
}  # fmt: skip


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ingest", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_cli_parse_json_exit_0_with_the_contract_keys(tmp_path):
    f = tmp_path / "outage.md"
    f.write_text(
        "# Postmortem: Checkout outage\n\n**Date:** 2024-01-15\n**Severity:** Sev-2\n" + TIMELINE, encoding="utf-8"
    )
    run = run_cli("parse", str(f), "--json")
    assert run.returncode == 0, run.stderr
    view = json.loads(run.stdout)
    assert set(view) >= VIEW_KEYS
    assert (view["title"], view["severity"], view["started_at"], view["ttr_minutes"]) == (
        "Checkout outage",
        "SEV2",
        "2024-01-15T10:00:00Z",
        30,
    )
    assert [set(e) >= {"at", "kind", "text"} for e in view["timeline"]] == [True, True, True]


def test_cli_parse_not_a_postmortem_exits_1(tmp_path):
    f = tmp_path / "README.md"
    f.write_text("# Team handbook\n\nHow we run on-call.\n", encoding="utf-8")
    run = run_cli("parse", str(f), "--json")
    assert run.returncode == 1
    assert json.loads(run.stdout)["outcome"] == "skipped"


def test_cli_parse_rejected_exits_1(tmp_path):
    f = tmp_path / "blob.md"
    f.write_bytes(b"# Postmortem: X\x00\x01\x02\n")
    run = run_cli("parse", str(f), "--json")
    assert run.returncode == 1
    assert json.loads(run.stdout)["outcome"] == "rejected"


def test_cli_parse_missing_file_exits_2(tmp_path):
    run = run_cli("parse", str(tmp_path / "nope.md"), "--json")
    assert run.returncode == 2
    assert run.stdout == ""


def test_cli_parse_unknown_option_exits_2(tmp_path):
    f = tmp_path / "outage.md"
    f.write_text("# Postmortem: X\n" + TIMELINE, encoding="utf-8")
    run = run_cli("parse", str(f), "--jsonn")
    assert run.returncode == 2


def test_cli_parse_attached_five_whys_exits_0(tmp_path, capsys):
    from ingest.cli import main

    f = tmp_path / "whys.md"
    f.write_text(
        "---\nincident: INC-1\n---\n# 5 Whys Analysis: X\n\n### Why #1: Why?\n**Answer:** Because.\n",
        encoding="utf-8",
    )
    assert main(["parse", str(f), "--json"]) == 0
    view = json.loads(capsys.readouterr().out)
    assert (view["outcome"], view["attach_to"]) == ("attached", "INC-1")
