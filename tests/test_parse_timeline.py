"""Timelines: shapes, times, dates, zones, event kinds, milestones and durations (FORMAT.md Timeline, METRICS.md)."""

from __future__ import annotations

import textwrap

import pytest

from ingest.understand.parser import parse_bytes
from ingest.understand.zones import zone_from_name


def parse(text: str, rules, relpath: str = "pm.md") -> dict:
    data = textwrap.dedent(text).lstrip("\n").encode("utf-8")
    return parse_bytes(data, relpath, rules).to_json()


def table_doc(rows: list[str], heading: str = "## Timeline", header: str = "**Date:** 2024-01-15", fm: str = "") -> str:
    body = "\n".join(f"| {r} |" for r in rows)
    front = f"---\n{fm}---\n" if fm else ""
    return f"{front}# Postmortem: X\n\n{header}\n\n{heading}\n\n| Time | Event |\n|---|---|\n{body}\n"


def ats(view: dict) -> list[str | None]:
    return [e["at"] for e in view["timeline"]]


def kinds(view: dict) -> list[str]:
    return [e["kind"] for e in view["timeline"]]


def problem_codes(view: dict) -> list[tuple[str, str, int | None]]:
    return [(p["level"], p["code"], p["line"]) for p in view["problems"]]


# --- shapes -------------------------------------------------------------------------------------------------------


def test_table_timeline_events_in_order(rules):
    view = parse(
        table_doc(
            [
                "14:23 | Deployment v2.3.4 completed to production",
                "14:31 | First alert: payment_error_rate > 5%",
                "14:45 | Database connection exhaustion identified",
            ]
        ),
        rules,
    )
    assert [(e["at"], e["text"]) for e in view["timeline"]] == [
        ("2024-01-15T14:23:00Z", "Deployment v2.3.4 completed to production"),
        ("2024-01-15T14:31:00Z", "First alert: payment_error_rate > 5%"),
        ("2024-01-15T14:45:00Z", "Database connection exhaustion identified"),
    ]
    assert view["problems"] == []


def test_table_with_extra_columns_in_other_order(rules):
    text = """
        # Postmortem: X

        **Date:** 2024-01-15

        ## Timeline

        | Who | Event | Time | Channel |
        |---|---|---|---|
        | @alice | Deployment v2.3.4 completed to production | 14:23 | #deploys |
        | @bob | First alert: error rate above 5% | 14:31 | #alerts |
    """
    view = parse(text, rules)
    assert [(e["at"], e["text"], e["kind"]) for e in view["timeline"]] == [
        ("2024-01-15T14:23:00Z", "Deployment v2.3.4 completed to production", "start"),
        ("2024-01-15T14:31:00Z", "First alert: error rate above 5%", "detect"),
    ]


@pytest.mark.parametrize("column", ["Milestone", "Type"])
def test_milestone_or_type_column_gives_the_kind_outright(column, rules):
    text = f"""
        # Postmortem: X

        **Date:** 2024-01-15

        ## Timeline

        | Time | {column} | Event |
        |---|---|---|
        | 09:00 | Started | Nightly batch kicked off |
        | 09:10 | Detected | Someone looked at a graph |
        | 09:12 | Acknowledged | Looking into it |
        | 09:15 | Declared | Opened a channel |
        | 09:40 | Mitigated | Paused the batch |
        | 10:00 | Resolved | Alert fired again by mistake |
    """
    view = parse(text, rules)
    assert kinds(view) == ["start", "detect", "acknowledge", "declare", "mitigate", "resolve"]
    assert [e["kind_source"] for e in view["timeline"]] == ["column"] * 6
    assert (view["started_at"], view["resolved_at"]) == ("2024-01-15T09:00:00Z", "2024-01-15T10:00:00Z")


def test_empty_milestone_cell_falls_back_to_the_rules(rules):
    text = """
        # Postmortem: X

        **Date:** 2024-01-15

        ## Timeline

        | Time | Milestone | Event |
        |---|---|---|
        | 09:10 | | First alert fired for latency |
        | 09:20 | | Looking at dashboards |
    """
    view = parse(text, rules)
    assert kinds(view) == ["detect", "acknowledge"]
    assert [e["kind_source"] for e in view["timeline"]] == ["milestone", "milestone"]


LIST_SHAPES = {
    "dash-dash": "- 10:00 - Cache flush initiated\n- 10:02 - Latency alerts fire\n",
    "bold-time": "- **10:00** Cache flush initiated\n- **10:02** Latency alerts fire\n",
    "star-utc-colon": "* 10:00 UTC: Cache flush initiated\n* 10:02 UTC: Latency alerts fire\n",
}


@pytest.mark.parametrize("shape", sorted(LIST_SHAPES))
def test_list_timeline_shapes_read_the_same(shape, rules):
    text = "# Postmortem: X\n\n**Date:** 2024-03-04\n\n## Timeline\n\n" + LIST_SHAPES[shape]
    view = parse(text, rules)
    assert [(e["at"], e["text"], e["kind"]) for e in view["timeline"]] == [
        ("2024-03-04T10:00:00Z", "Cache flush initiated", "start"),
        ("2024-03-04T10:02:00Z", "Latency alerts fire", "detect"),
    ]
    assert view["problems"] == []


def test_heading_per_event_with_text_in_paragraph_below(rules):
    text = """
        # Postmortem: X

        **Date:** 2024-01-15

        ## Timeline

        ### 14:23

        Deployment v2.3.4 completed to production.

        ### 14:31

        First alert fired for payment errors.
        The on-call was paged.

        ### 15:18

        Service fully recovered.

        ## Root Cause

        A bad query.
    """
    view = parse(text, rules)
    assert [(e["at"], e["text"], e["kind"]) for e in view["timeline"]] == [
        ("2024-01-15T14:23:00Z", "Deployment v2.3.4 completed to production.", "start"),
        ("2024-01-15T14:31:00Z", "First alert fired for payment errors. The on-call was paged.", "detect"),
        ("2024-01-15T15:18:00Z", "Service fully recovered.", "resolve"),
    ]


def test_heading_per_event_with_text_on_the_heading(rules):
    text = """
        # Postmortem: X

        **Date:** 2024-01-15

        ## Timeline

        ### 14:23 UTC - Deploy completed to production

        ### 14:31 - First alert fired
    """
    view = parse(text, rules)
    assert [(e["at"], e["text"], e["kind"]) for e in view["timeline"]] == [
        ("2024-01-15T14:23:00Z", "Deploy completed to production", "start"),
        ("2024-01-15T14:31:00Z", "First alert fired", "detect"),
    ]


def test_event_line_numbers(rules):
    view = parse(table_doc(["14:23 | Deploy completed to production", "14:31 | First alert fired"]), rules)
    assert [e["line"] for e in view["timeline"]] == [9, 10]


# --- times ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("14:23", "2024-01-15T14:23:00Z"),
        ("14:23:05", "2024-01-15T14:23:05Z"),
        ("2:23 PM", "2024-01-15T14:23:00Z"),
        ("2:23 pm", "2024-01-15T14:23:00Z"),
        ("12:05 AM", "2024-01-15T00:05:00Z"),
        ("12:05 PM", "2024-01-15T12:05:00Z"),
        ("14:23 UTC", "2024-01-15T14:23:00Z"),
        ("2024-01-15 14:23", "2024-01-15T14:23:00Z"),
        ("2024-01-15T14:23:00Z", "2024-01-15T14:23:00Z"),
        ("Jan 15 14:23", "2024-01-15T14:23:00Z"),
        ("2024-01-16 09:00", "2024-01-16T09:00:00Z"),
        ("Jan 16 09:00", "2024-01-16T09:00:00Z"),
        ("2:23 PM PST", "2024-01-15T22:23:00Z"),
        ("2024-01-15 14:23 PST", "2024-01-15T22:23:00Z"),
        ("Jan 15, 2024 14:23", "2024-01-15T14:23:00Z"),
    ],
)
def test_time_forms_in_a_table(written, expected, rules):
    view = parse(table_doc([f"{written} | Something happened"]), rules)
    assert ats(view) == [expected]
    assert view["problems"] == []


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("14:23", "2024-01-15T14:23:00Z"),
        ("14:23:05", "2024-01-15T14:23:05Z"),
        ("2:23 PM", "2024-01-15T14:23:00Z"),
        ("14:23 UTC", "2024-01-15T14:23:00Z"),
        ("2024-01-15 14:23", "2024-01-15T14:23:00Z"),
        ("2024-01-15T14:23:00Z", "2024-01-15T14:23:00Z"),
        ("Jan 15 14:23", "2024-01-15T14:23:00Z"),
    ],
)
def test_time_forms_in_a_list(written, expected, rules):
    text = f"# Postmortem: X\n\n**Date:** 2024-01-15\n\n## Timeline\n\n- {written} - Something happened\n"
    view = parse(text, rules)
    assert [(e["at"], e["text"]) for e in view["timeline"]] == [(expected, "Something happened")]


def test_iso_time_with_offset_is_converted(rules):
    view = parse(table_doc(["2024-01-15T14:23:00+02:00 | Something happened"]), rules)
    assert ats(view) == ["2024-01-15T12:23:00Z"]


def test_time_without_any_date_is_null_with_a_warning(rules):
    view = parse(table_doc(["14:23 | Something happened"], header="**Severity:** SEV3"), rules)
    assert ats(view) == [None]
    assert [(p["level"], p["code"]) for p in view["problems"]] == [("warning", "no-date")]


# --- dates carried row to row, midnight crossing ----------------------------------------------------------------------


def test_a_row_with_a_date_sets_the_date_for_later_rows(rules):
    view = parse(
        table_doc(
            ["2024-01-20 10:00 | Something happened", "10:30 | Something else", "2024-01-22 08:00 | Later", "08:15 | X"]
        ),
        rules,
    )
    assert ats(view) == [
        "2024-01-20T10:00:00Z",
        "2024-01-20T10:30:00Z",
        "2024-01-22T08:00:00Z",
        "2024-01-22T08:15:00Z",
    ]


def test_written_date_row_sets_the_date_for_later_rows(rules):
    view = parse(table_doc(["Jan 20 10:00 | Something happened", "10:30 | Something else"]), rules)
    assert ats(view) == ["2024-01-20T10:00:00Z", "2024-01-20T10:30:00Z"]


def test_midnight_crossing_goes_to_the_next_day(rules):
    view = parse(
        table_doc(
            ["23:40 | Batch started", "23:58 | Alert fired", "00:01 | Someone looks", "01:30 | Resolved"],
            header="**Date:** 2024-02-29",
        ),
        rules,
    )
    assert ats(view) == [
        "2024-02-29T23:40:00Z",
        "2024-02-29T23:58:00Z",
        "2024-03-01T00:01:00Z",
        "2024-03-01T01:30:00Z",
    ]
    assert view["ttr_minutes"] == 110
    assert view["problems"] == []


def test_midnight_crossing_at_year_end(rules):
    view = parse(
        table_doc(["23:50 | Batch started", "00:20 | Alert fired"], header="**Date:** 2023-12-31"),
        rules,
    )
    assert ats(view) == ["2023-12-31T23:50:00Z", "2024-01-01T00:20:00Z"]


def test_midnight_crossing_with_am_pm_in_pst(rules):
    text = """
        # Postmortem: X

        **Date:** 2024-02-29

        ## Timeline (All times PST)

        | Time | Event |
        |------|-------|
        | 11:40 PM | Nightly batch job started, queue depth climbing |
        | 11:52 PM | Alert fired: checkout_queue_depth > 10k |
        | 11:58 PM | On-call acknowledged the page |
        | 12:05 AM | Incident declared |
        | 12:40 AM | Batch job paused, queue draining (mitigated) |
        | 1:30 AM | Queue back to normal, incident resolved |
    """
    view = parse(text, rules)
    assert ats(view) == [
        "2024-03-01T07:40:00Z",
        "2024-03-01T07:52:00Z",
        "2024-03-01T07:58:00Z",
        "2024-03-01T08:05:00Z",
        "2024-03-01T08:40:00Z",
        "2024-03-01T09:30:00Z",
    ]
    assert kinds(view) == ["start", "detect", "acknowledge", "declare", "mitigate", "resolve"]
    assert (view["ttd_minutes"], view["tta_minutes"], view["ttm_minutes"], view["ttr_minutes"]) == (12, 6, 60, 110)


def test_dated_rows_do_not_need_midnight_guessing(rules):
    view = parse(
        table_doc(["2024-01-15 23:50 | Batch started", "2024-01-16 00:10 | Alert fired", "00:40 | Resolved"]),
        rules,
    )
    assert ats(view) == ["2024-01-15T23:50:00Z", "2024-01-16T00:10:00Z", "2024-01-16T00:40:00Z"]


def test_separate_date_and_time_columns(rules):
    text = """
        # Postmortem: X

        **Date:** 2024-01-15

        ## Timeline

        | Date | Time | Event |
        |---|---|---|
        | 2024-01-16 | 10:00 | Deploy completed to production |
        | | 10:05 | Alert fired |
        | 2024-01-17 | 09:00 | Incident resolved |
    """
    view = parse(text, rules)
    assert ats(view) == ["2024-01-16T10:00:00Z", "2024-01-16T10:05:00Z", "2024-01-17T09:00:00Z"]


def test_written_date_without_year_crossing_new_year(rules):
    view = parse(
        table_doc(["Dec 31 23:50 | Errors began", "Jan 1 00:10 | Alert fired"], header="**Date:** 2024-12-31"), rules
    )
    assert ats(view) == ["2024-12-31T23:50:00Z", "2025-01-01T00:10:00Z"]


def test_midnight_crossing_in_a_list_timeline(rules):
    text = """
        # Postmortem: X

        **Date:** 2024-01-15

        ## Timeline

        - 23:50 - Errors began
        - 00:10 - Alert fired
        - 00:40 - Incident resolved
    """
    view = parse(text, rules)
    assert ats(view) == ["2024-01-15T23:50:00Z", "2024-01-16T00:10:00Z", "2024-01-16T00:40:00Z"]
    assert view["ttr_minutes"] == 50


def test_a_later_instant_in_another_zone_is_not_a_midnight_crossing(rules):
    # 07:00 PST is 15:00 UTC: after 14:23 UTC on the same day, though its wall-clock reading is smaller.
    view = parse(
        table_doc(["14:23 UTC | Errors began", "07:00 | Alert fired"], heading="## Timeline (All times PST)"), rules
    )
    assert ats(view) == ["2024-01-15T14:23:00Z", "2024-01-15T15:00:00Z"]
    assert view["ttd_minutes"] == 37


# --- zones ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("UTC", "2024-01-15T12:00:00Z"),
        ("PST", "2024-01-15T20:00:00Z"),
        ("PDT", "2024-01-15T20:00:00Z"),  # PDT written in January: Pacific time, which is then UTC-8
        ("CET", "2024-01-15T11:00:00Z"),
        ("CEST", "2024-01-15T11:00:00Z"),
        ("IST", "2024-01-15T06:30:00Z"),
        ("UTC+1", "2024-01-15T11:00:00Z"),
        ("GMT+2", "2024-01-15T10:00:00Z"),
        ("UTC-5", "2024-01-15T17:00:00Z"),
        ("(UTC)", "2024-01-15T12:00:00Z"),
    ],
)
def test_zone_in_the_row(zone, expected, rules):
    view = parse(table_doc([f"12:00 {zone} | Something happened"]), rules)
    assert ats(view) == [expected]


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("PST", "2024-01-15T20:00:00Z"),
        ("PDT", "2024-01-15T20:00:00Z"),
        ("CET", "2024-01-15T11:00:00Z"),
        ("CEST", "2024-01-15T11:00:00Z"),
        ("IST", "2024-01-15T06:30:00Z"),
        ("UTC+1", "2024-01-15T11:00:00Z"),
        ("GMT+2", "2024-01-15T10:00:00Z"),
    ],
)
def test_zone_from_the_timeline_heading(zone, expected, rules):
    view = parse(table_doc(["12:00 | Something happened"], heading=f"## Timeline (All times {zone})"), rules)
    assert ats(view) == [expected]


def test_pst_written_in_summer_means_pacific_summer_time(rules):
    # Authors keep 'PST' all year; the logs quoted in such documents show the local (summer) clock.
    view = parse(
        table_doc(["10:00 | Something happened"], heading="## Timeline (All times PST)", header="**Date:** 2024-07-01"),
        rules,
    )
    assert ats(view) == ["2024-07-01T17:00:00Z"]


def test_cet_written_in_june_means_central_european_summer_time(rules):
    view = parse(
        table_doc(["10:00 | Something happened"], heading="## Timeline (All times CET)", header="**Date:** 2024-06-02"),
        rules,
    )
    assert ats(view) == ["2024-06-02T08:00:00Z"]


def test_an_offset_written_beside_the_abbreviation_wins(rules):
    view = parse(
        table_doc(["10:00 | Something happened"], heading="## Timeline (All times PST (UTC-8))",
                  header="**Date:** 2024-07-01"),
        rules,
    )  # fmt: skip
    assert ats(view) == ["2024-07-01T18:00:00Z"]


@pytest.mark.parametrize(("name", "hours"), [("IST", 5.5), ("UTC", 0), ("UTC+1", 1), ("GMT+2", 2), ("JST", 9)])
def test_zone_from_name_fixed_offsets(name, hours):
    from datetime import datetime

    zone = zone_from_name(name)
    assert zone.utcoffset(datetime(2024, 7, 1, 12)).total_seconds() == hours * 3600
    assert zone.utcoffset(datetime(2024, 1, 1, 12)).total_seconds() == hours * 3600


@pytest.mark.parametrize(
    ("name", "january", "july"), [("PST", -8, -7), ("PDT", -8, -7), ("CET", 1, 2), ("CEST", 1, 2), ("EDT", -5, -4)]
)
def test_zone_from_name_abbreviations_of_daylight_saving_regions_follow_the_season(name, january, july):
    from datetime import datetime

    zone = zone_from_name(name)
    assert zone.utcoffset(datetime(2024, 1, 1, 12)).total_seconds() == january * 3600
    assert zone.utcoffset(datetime(2024, 7, 1, 12)).total_seconds() == july * 3600


def test_all_times_in_line_under_the_timeline_heading(rules):
    text = """
        # Postmortem: X

        **Date:** 2024-01-15

        ## Timeline

        All times in CET.

        | Time | Event |
        |---|---|
        | 12:00 | Something happened |
        | 12:30 | Something else |
    """
    assert ats(parse(text, rules)) == ["2024-01-15T11:00:00Z", "2024-01-15T11:30:00Z"]


def test_all_times_in_line_for_a_list_timeline(rules):
    text = """
        # Postmortem: X

        **Date:** 2024-01-15

        ## Timeline

        All times in CET

        - 12:00 - Something happened
        - 12:30 - Something else
    """
    assert ats(parse(text, rules)) == ["2024-01-15T11:00:00Z", "2024-01-15T11:30:00Z"]


def test_all_times_line_elsewhere_in_the_document(rules):
    text = """
        # Postmortem: X

        **Date:** 2024-01-15

        All times in this report are CET.

        ## Summary

        Something broke.

        ## Timeline

        | Time | Event |
        |---|---|
        | 12:00 | Something happened |
    """
    assert ats(parse(text, rules)) == ["2024-01-15T11:00:00Z"]


def test_front_matter_timezone(rules):
    view = parse(table_doc(["12:00 | Something happened"], fm="timezone: IST\n"), rules)
    assert ats(view) == ["2024-01-15T06:30:00Z"]


@pytest.mark.parametrize(
    ("date", "expected"),
    [("2024-01-15", "2024-01-15T08:02:00Z"), ("2024-07-15", "2024-07-15T07:02:00Z")],
)
def test_front_matter_iana_zone_follows_daylight_saving(date, expected, rules):
    view = parse(
        table_doc(["09:02 | Something happened"], header=f"**Date:** {date}", fm="timezone: Europe/Berlin\n"), rules
    )
    assert ats(view) == [expected]


def test_iana_zone_switches_offset_inside_one_timeline(rules):
    # Berlin moves to summer time at 02:00 on 2024-03-31.
    view = parse(
        table_doc(
            ["01:30 | Something happened", "03:30 | Something else"],
            header="**Date:** 2024-03-31",
            fm="timezone: Europe/Berlin\n",
        ),
        rules,
    )
    assert ats(view) == ["2024-03-31T00:30:00Z", "2024-03-31T01:30:00Z"]


def test_no_zone_anywhere_means_utc(rules):
    assert ats(parse(table_doc(["12:00 | Something happened"]), rules)) == ["2024-01-15T12:00:00Z"]


def test_row_zone_wins_over_heading_zone(rules):
    view = parse(
        table_doc(["12:00 UTC | Something happened", "12:30 | Later"], heading="## Timeline (All times PST)"), rules
    )
    assert ats(view) == ["2024-01-15T12:00:00Z", "2024-01-15T20:30:00Z"]


def test_heading_zone_wins_over_front_matter_zone(rules):
    view = parse(
        table_doc(["12:00 | Something happened"], heading="## Timeline (All times PST)", fm="timezone: CET\n"),
        rules,
    )
    assert ats(view) == ["2024-01-15T20:00:00Z"]


def test_front_matter_timezone_applies_to_front_matter_milestones_without_offset(rules):
    view = parse(
        table_doc(["12:00 | Something happened"], fm="timezone: CET\nresolved_at: 2024-01-15 14:00\n"),
        rules,
    )
    assert view["resolved_at"] == "2024-01-15T13:00:00Z"


# --- kinds ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Customer email arrives [detected]", "detect"),
        ("Restarted the pods (mitigated)", "mitigate"),
        ("Looked at the logs [resolved]", "resolve"),
        ("Bad config pushed [start]", "start"),
        ("Paged the DB team (acknowledged)", "acknowledge"),
        ("Opened a channel [declared]", "declare"),
        ("First alert fired (mitigated)", "mitigate"),
    ],
)
def test_explicit_kind_tag_in_the_text(text, kind, rules):
    view = parse(table_doc([f"12:00 | {text}"]), rules)
    assert kinds(view) == [kind]
    assert view["timeline"][0]["kind_source"] == "tag"


@pytest.mark.parametrize(
    ("text", "signals"),
    [
        ("On-call acknowledges alert", ["ack"]),
        ("On-call engineer @alice acknowledges alert", ["ack"]),
        ("Latency recovering", ["recover"]),
        ("Service fully recovered", ["close", "recover"]),
        ("Service fully recovered, incident resolved", ["close", "recover"]),
        ("First alert: payment_error_rate > 5%", ["alert"]),
        ("Alert fired: checkout_queue_depth > 10k", ["alert"]),
        ("Customers report failed payments", ["report"]),
        ("Incident declared SEV2, @bob joins", ["declare", "respond"]),
        ("Rollback complete, error rate dropping", ["mitigate", "recover", "rollback"]),
        ("Deployment v2.3.4 completed to production", ["change"]),
        ("Decision to rollback deployment", ["respond"]),
        ("Rollback to v2.3.3 initiated", ["respond"]),
        ("Initial investigation begins, error rate at 23%", ["respond"]),
        ("Database connection exhaustion identified", ["respond"]),
        ("Errors began", ["onset"]),
        ("Launch success drops to zero", ["onset"]),
        ("Users report all launches are failing", ["report"]),
        ("Support engineer notices two similar customer reports", ["report"]),
        ("Federation members notice a drop in traffic", ["report"]),
        ("We realized that builds were failing", ["notice"]),
        ("The fix did not help; errors still persist", ["relapse"]),
        ("Service is back to normal, though no actual fixes have been applied", ["recover"]),
        ("A restart of the job usually resolves the error", []),
        ("I don't think that worked", []),
        ("Will try deleting the hub pod", ["respond"]),
        ("Servers are taking long to start and getting killed", []),
    ],
)
def test_what_an_event_says_sentence_by_sentence(text, signals, rules):
    view = parse(table_doc([f"12:00 | {text}"]), rules)
    assert view["timeline"][0]["signals"] == signals


def test_an_event_keeps_the_kind_its_words_give_when_no_milestone_rests_on_it(rules):
    view = parse(table_doc(["10:00 | First alert fired", "10:05 | Deployment v2.3.4 completed to production"]), rules)
    assert kinds(view) == ["detect", "other"]


def test_template_timeline_kinds_and_milestones(rules):
    view = parse(
        table_doc(
            [
                "14:23 | Deployment v2.3.4 completed to production",
                "14:31 | First alert: payment_error_rate > 5%",
                "14:33 | On-call engineer @alice acknowledges alert",
                "14:35 | Initial investigation begins, error rate at 23%",
                "14:41 | Incident declared SEV2, @bob joins",
                "14:45 | Database connection exhaustion identified",
                "14:52 | Decision to rollback deployment",
                "14:58 | Rollback to v2.3.3 initiated",
                "15:10 | Rollback complete, error rate dropping",
                "15:18 | Service fully recovered, incident resolved",
            ],
            heading="## Timeline (All times UTC)",
        ),
        rules,
    )
    assert kinds(view) == [
        "start", "detect", "acknowledge", "other", "declare", "other", "other", "other", "mitigate", "resolve",
    ]  # fmt: skip
    assert {
        k: view[f"{k}_at"] for k in ("started", "detected", "acknowledged", "declared", "mitigated", "resolved")
    } == {
        "started": "2024-01-15T14:23:00Z",
        "detected": "2024-01-15T14:31:00Z",
        "acknowledged": "2024-01-15T14:33:00Z",
        "declared": "2024-01-15T14:41:00Z",
        "mitigated": "2024-01-15T15:10:00Z",
        "resolved": "2024-01-15T15:18:00Z",
    }
    assert (view["ttd_minutes"], view["tta_minutes"], view["ttm_minutes"], view["ttr_minutes"]) == (8, 2, 47, 55)


def test_first_event_of_each_kind_sets_the_milestone(rules):
    view = parse(
        table_doc(
            [
                "10:00 | Deployment completed to production",
                "10:05 | First alert fired",
                "10:20 | Alert fired again",
                "10:40 | Incident resolved",
                "11:00 | Incident resolved for real",
            ]
        ),
        rules,
    )
    assert (view["detected_at"], view["resolved_at"]) == ("2024-01-15T10:05:00Z", "2024-01-15T10:40:00Z")


# --- started from the first event ---------------------------------------------------------------------------------------


def test_a_change_the_first_alert_follows_at_once_is_the_start(rules):
    view = parse(
        table_doc(
            ["10:00 | Cache flush for the config update", "10:02 | Latency alerts fire", "10:12 | Latency normalized"]
        ),
        rules,
    )
    assert kinds(view) == ["start", "detect", "mitigate"]
    assert (view["started_at"], view["detected_at"], view["resolved_at"]) == (
        "2024-01-15T10:00:00Z",
        "2024-01-15T10:02:00Z",
        "2024-01-15T10:12:00Z",
    )
    assert (view["ttd_minutes"], view["ttr_minutes"]) == (2, 12)


def test_first_event_is_not_started_when_it_is_the_detection(rules):
    view = parse(table_doc(["10:02 | First alert fired", "10:12 | Incident resolved"]), rules)
    assert view["started_at"] is None
    assert (view["ttd_minutes"], view["ttr_minutes"]) == (None, None)


def test_explicit_start_event_wins_over_the_first_event(rules):
    view = parse(
        table_doc(["09:50 | Routine maintenance window opens", "10:00 | Errors began", "10:05 | First alert fired"]),
        rules,
    )
    assert kinds(view) == ["other", "start", "detect"]
    assert view["started_at"] == "2024-01-15T10:00:00Z"
    assert view["ttd_minutes"] == 5


def test_front_matter_started_at_wins_over_the_first_event(rules):
    view = parse(
        table_doc(
            ["10:00 | Routine maintenance", "10:05 | First alert fired"], fm="started_at: 2024-01-15T09:30:00Z\n"
        ),
        rules,
    )
    assert view["started_at"] == "2024-01-15T09:30:00Z"
    assert view["ttd_minutes"] == 35


def test_first_event_is_not_started_when_front_matter_detection_precedes_it(rules):
    view = parse(
        table_doc(
            ["10:00 | Routine maintenance", "10:30 | Incident resolved"], fm="detected_at: 2024-01-15T09:00:00Z\n"
        ),
        rules,
    )
    assert (view["started_at"], view["detected_at"]) == (None, "2024-01-15T09:00:00Z")
    assert view["ttd_minutes"] is None


def test_kind_tag_in_a_list_timeline(rules):
    text = """
        # Postmortem: X

        **Date:** 2024-01-15

        ## Timeline

        - 10:00 - Routine maintenance [detected]
        - 10:05 - Restarted the pods (mitigated)
    """
    view = parse(text, rules)
    assert [(e["kind"], e["kind_source"]) for e in view["timeline"]] == [("detect", "tag"), ("mitigate", "tag")]
    assert (view["detected_at"], view["mitigated_at"]) == ("2024-01-15T10:00:00Z", "2024-01-15T10:05:00Z")


# --- durations --------------------------------------------------------------------------------------------------------


def test_durations_with_seconds_are_fractional_minutes(rules):
    view = parse(
        table_doc(["10:00:00 | Errors began", "10:02:30 | First alert fired", "10:03:00 | Acknowledged"]), rules
    )
    assert (view["ttd_minutes"], view["tta_minutes"]) == (2.5, 0.5)


def test_missing_milestone_gives_null_duration(rules):
    view = parse(table_doc(["10:00 | Errors began", "10:05 | First alert fired"]), rules)
    assert (view["ttd_minutes"], view["tta_minutes"], view["ttm_minutes"], view["ttr_minutes"]) == (5, None, None, None)


def test_negative_duration_is_null_with_a_problem(rules):
    view = parse(
        table_doc(["10:00 | Errors began", "10:05 | First alert fired"], fm="resolved_at: 2024-01-15T09:00:00Z\n"),
        rules,
    )
    assert view["resolved_at"] == "2024-01-15T09:00:00Z"
    assert view["ttd_minutes"] == 5
    assert view["ttr_minutes"] is None
    assert view["durations_minutes"]["ttr_from_detect"] is None
    assert [(p["level"], p["code"]) for p in view["problems"]] == [("warning", "negative-duration")] * 2
    assert sorted(p["message"].split(" would be negative")[0] for p in view["problems"]) == [
        "Time to resolve",
        "Time to resolve from detection",
    ]


def test_resolve_from_detection_and_postmortem_lag(rules):
    view = parse(
        table_doc(
            ["10:00 | Errors began", "10:05 | First alert fired", "10:30 | Incident resolved"],
            fm="published_at: 2024-01-16T11:00:00Z\n",
        ),
        rules,
    )
    assert view["durations_minutes"]["ttr_from_detect"] == 25
    assert view["durations_minutes"]["postmortem_lag"] == 1470


def test_ttr_across_days(rules):
    view = parse(table_doc(["2024-01-15 22:00 | Errors began", "2024-01-17 01:00 | Incident resolved"]), rules)
    assert view["ttr_minutes"] == 27 * 60


# --- unreadable times ---------------------------------------------------------------------------------------------------


def test_impossible_time_is_a_warning_and_the_event_is_kept(rules):
    view = parse(
        table_doc(["08:00 | Disk filled on reports-db primary", "25:61 | Alert fired for disk usage", "08:20 | Ack"]),
        rules,
    )
    assert [(e["at"], e["text"]) for e in view["timeline"]] == [
        ("2024-01-15T08:00:00Z", "Disk filled on reports-db primary"),
        (None, "Alert fired for disk usage"),
        ("2024-01-15T08:20:00Z", "Ack"),
    ]
    assert problem_codes(view) == [("warning", "bad-time", 10)]


def test_question_mark_time_in_a_table_is_a_warning_and_the_event_is_kept(rules):
    view = parse(table_doc(["08:00 | Errors began", "[???] | Someone noticed"]), rules)
    assert [(e["at"], e["text"]) for e in view["timeline"]] == [
        ("2024-01-15T08:00:00Z", "Errors began"),
        (None, "Someone noticed"),
    ]
    assert [(p["level"], p["line"]) for p in view["problems"]] == [("warning", 10)]


def test_question_mark_time_in_a_list_is_a_warning_and_the_event_is_kept(rules):
    text = """
        # Postmortem: X

        **Date:** 2024-01-15

        ## Timeline

        - 08:00 - Errors began
        - [???] - Someone noticed
        - 08:30 - Incident resolved
    """
    view = parse(text, rules)
    assert [(e["at"], e["text"]) for e in view["timeline"]] == [
        ("2024-01-15T08:00:00Z", "Errors began"),
        (None, "Someone noticed"),
        ("2024-01-15T08:30:00Z", "Incident resolved"),
    ]
    assert [(p["level"], p["line"]) for p in view["problems"]] == [("warning", 8)]


def test_impossible_time_in_a_list_is_a_warning_and_the_event_is_kept(rules):
    text = """
        # Postmortem: X

        **Date:** 2024-01-15

        ## Timeline

        - 08:00 - Errors began
        - 25:61 - Alert fired
    """
    view = parse(text, rules)
    assert [(e["at"], e["text"], e["kind"]) for e in view["timeline"]] == [
        ("2024-01-15T08:00:00Z", "Errors began", "start"),
        (None, "Alert fired", "detect"),
    ]
    assert problem_codes(view) == [("warning", "bad-time", 8)]


def test_event_without_time_does_not_set_a_milestone(rules):
    view = parse(table_doc(["08:00 | Errors began", "25:61 | First alert fired"]), rules)
    assert view["detected_at"] is None
    assert view["ttd_minutes"] is None


def test_timeline_row_with_missing_cells_is_kept_with_a_warning(rules):
    view = parse(table_doc(["08:00 | Errors began", "08:45", "09:10 | Incident resolved"]), rules)
    assert ats(view) == ["2024-01-15T08:00:00Z", "2024-01-15T08:45:00Z", "2024-01-15T09:10:00Z"]
    assert problem_codes(view) == [("warning", "short-row", 10)]
