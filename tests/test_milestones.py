"""Milestones decided from the whole timeline, on the shapes other teams write
(FORMAT.md Timeline, docs/MILESTONES.md): each hand-written document below is
a shape met in real postmortems, written anew, with the exact milestones,
evidence and doubts a careful reader gives it."""

from __future__ import annotations

import textwrap

from ingest.understand.parser import parse_bytes

MILESTONES = ("started", "detected", "acknowledged", "declared", "mitigated", "resolved")


def parse(text: str, rules, relpath: str = "pm.md") -> dict:
    return parse_bytes(textwrap.dedent(text).lstrip("\n").encode("utf-8"), relpath, rules).to_json()


def times(view: dict) -> dict[str, str | None]:
    """{milestone: its time, HH:MM of the UTC time when on the day of the first one}."""
    return {m: view[f"{m}_at"] for m in MILESTONES}


def rule(view: dict, milestone: str) -> tuple[int | None, str, str]:
    ev = view["milestone_evidence"][milestone]
    return ev["line"], ev["rule"], ev["confidence"]


def codes(view: dict) -> list[str]:
    return [p["code"] for p in view["problems"]]


def table(rows: str, date: str = "2024-06-12", extra: str = "", heading: str = "Timeline (UTC)") -> str:
    return f"# Postmortem: X\n\n**Date:** {date}\n{extra}\n## {heading}\n\n| Time | Event |\n|---|---|\n{rows}"


# --- shapes ---------------------------------------------------------------------------------------------------------


PDF_EXPORT = """
Cache node failure

IMPACT TIME
Mar 4 at 9:10 PM to Mar 4 at 9:52 PM
All times in Pacific Time (US &
Canada).

TIMELINE
Mar 4, 2026
9:10 PM Triggered through the API.
9:14 PM Acknowledgedby Dana Reyes
Acme Status Reports
1 of 2 05.03.2026, 10:02
9:30 PM Cache node replaced; hit rate back to
normal
Acme Status Reports
2 of 2 05.03.2026, 10:02
9:52 PM Resolvedby Dana Reyes
"""


def test_pdf_export_header_window_region_zone_wrapped_rows_and_page_footers(rules):
    v = parse(PDF_EXPORT, rules, "2026-03-04-cache.txt")
    # Pacific Time on 4 March, before the switch to summer time: UTC-8; the evening is the next day in UTC
    assert [(e["line"], e["at"], e["text"]) for e in v["timeline"]] == [
        (10, "2026-03-05T05:10:00Z", "Triggered through the API."),
        (11, "2026-03-05T05:14:00Z", "Acknowledgedby Dana Reyes"),
        (14, "2026-03-05T05:30:00Z", "Cache node replaced; hit rate back to normal"),  # footers are not events
        (18, "2026-03-05T05:52:00Z", "Resolvedby Dana Reyes"),
    ]
    assert times(v) == {
        "started": "2026-03-05T05:10:00Z",  # the impact window
        "detected": "2026-03-05T05:10:00Z",
        "acknowledged": "2026-03-05T05:14:00Z",
        "declared": None,
        "mitigated": "2026-03-05T05:30:00Z",
        "resolved": "2026-03-05T05:52:00Z",
    }
    assert rule(v, "started") == (4, "the stated start of impact", "clear")
    assert v["milestone_evidence"]["started"]["source"] == "header"
    assert rule(v, "mitigated") == (14, "the first recovery that held", "clear")  # 'Cache ...' is not 'ca. 9:30'
    assert v["duration_doubts"] == {}


def test_time_headings_with_the_event_below_and_an_outage_ends_marker(rules):
    v = parse(
        """
        # Search outage postmortem

        All times in UTC.

        ## Timeline

        ### 2024-05-02 08:52
        Error rate alert fires for search.

        ### 09:05
        On-call engineer acknowledges and starts investigating.

        ### 09:20
        **Outage ends.** Index rebuilt, queries served again.
        """,
        rules,
    )
    assert [(e["line"], e["at"]) for e in v["timeline"]] == [
        (7, "2024-05-02T08:52:00Z"),
        (10, "2024-05-02T09:05:00Z"),
        (13, "2024-05-02T09:20:00Z"),
    ]
    t = times(v)
    assert t["started"] is None  # the timeline opens with the alert: when impact began is not said, never guessed
    assert (t["detected"], t["acknowledged"], t["mitigated"], t["resolved"]) == (
        "2024-05-02T08:52:00Z",
        "2024-05-02T09:05:00Z",
        "2024-05-02T09:20:00Z",
        "2024-05-02T09:20:00Z",  # a single recovery event is both
    )
    assert v["ttd_minutes"] is None and v["durations_minutes"]["ttr_from_detect"] == 28


def test_timestamp_after_the_text_under_a_bold_label(rules):
    v = parse(
        """
        # Postmortem: queue stall

        ## Timeline

        **Events**
        - Outage begins 2021-03-02 11:45 UTC
        - Customers report failed checkouts 2021-03-02 11:58 UTC
        - Worker pool restarted, queue drains 2021-03-02 12:30 UTC
        """,
        rules,
    )
    assert [(e["at"], e["text"]) for e in v["timeline"]] == [
        ("2021-03-02T11:45:00Z", "Outage begins"),
        ("2021-03-02T11:58:00Z", "Customers report failed checkouts"),
        ("2021-03-02T12:30:00Z", "Worker pool restarted, queue drains"),
    ]
    assert rule(v, "started") == (6, "an explicit start of impact", "clear")
    assert (v["ttd_minutes"], v["ttr_minutes"]) == (13, 45)


def test_a_window_stated_in_prose_gives_start_and_end(rules):
    v = parse(
        """
        # Postmortem: API errors on 2024-02-10

        ## Summary
        Between 08:00 and 09:20 UTC on 2024-02-10 the API returned errors for one request in five.
        The first alert fired at 08:07 UTC.
        """,
        rules,
    )
    t = times(v)
    assert (t["started"], t["detected"], t["mitigated"], t["resolved"]) == (
        "2024-02-10T08:00:00Z",
        "2024-02-10T08:07:00Z",
        "2024-02-10T09:20:00Z",
        "2024-02-10T09:20:00Z",
    )
    assert rule(v, "started") == (4, "the stated start of impact", "clear")
    assert v["milestone_evidence"]["started"]["source"] == "prose"


def test_an_alert_quoting_utc_does_not_switch_a_timeline_in_an_emphasised_zone(rules):
    v = parse(
        table(
            '| 13:02 | Alert: webhook latency above 5 s, "Violation started: Aug 20, 2024 at 5:02PM UTC" |\n'
            "| 13:10 | On-call acknowledges |\n| 14:00 | Incident resolved |\n",
            date="2024-08-20",
            extra="\n_All times in EDT_\n",
            heading="Timeline",
        ),
        rules,
    )
    assert [e["at"] for e in v["timeline"]] == ["2024-08-20T17:02:00Z", "2024-08-20T17:10:00Z", "2024-08-20T18:00:00Z"]
    assert rule(v, "detected") == (11, "the first alert, report or noticing", "clear")


def test_a_summer_pst_means_pacific_local_time(rules):
    v = parse(table("| 10:00 | Alert fires for errors |\n| 10:30 | Incident resolved |\n", "2024-07-10",
                    "\nAll times PST.\n", "Timeline"), rules)  # fmt: skip
    assert v["detected_at"] == "2024-07-10T17:00:00Z"  # PDT, UTC-7, as the region's clocks read in July


def test_markdown_by_other_names_is_read(rules):
    for suffix in ("qmd", "mdx"):
        v = parse(
            """
            ---
            title: "Postmortem: notebook builds failing"
            date: 2024-10-02
            ---

            ## Timeline (UTC)

            - 10:00 Builds start failing
            - 10:12 Users report failed builds
            - 10:30 Builder image rolled back; builds succeed again
            """,
            rules,
            f"2024-10-02-builds.{suffix}",
        )
        assert v["outcome"] == "incident", suffix
        assert (v["ttd_minutes"], v["ttm_minutes"], v["ttr_minutes"]) == (12, 30, 30), suffix


def test_a_night_crossing_timeline_moves_to_the_next_day(rules):
    v = parse(
        """
        # Postmortem: nightly batch overrun

        **Date:** 2024-04-10

        ## Timeline (UTC)

        - 23:40 Batch job begins to fail on every partition
        - 23:50 Alert fires for the batch SLA
        - 00:10 On-call acknowledges
        - 01:30 Job restarted with more memory; batch recovered
        - 02:00 Incident resolved
        """,
        rules,
    )
    assert (v["started_at"], v["resolved_at"]) == ("2024-04-10T23:40:00Z", "2024-04-11T02:00:00Z")
    assert v["ttr_minutes"] == 140


def test_approximate_and_unknown_times(rules):
    v = parse(
        table("| ca. 18:30 | Users report timeouts |\n| 18:41 | On-call acknowledges |\n"
              "| 2X:XX | Resolver config reverted |\n| 19:20 | Incident resolved |\n", "2024-09-01"),
        rules,
    )  # fmt: skip
    assert [e["at"] for e in v["timeline"]] == ["2024-09-01T18:30:00Z", "2024-09-01T18:41:00Z", None,
                                               "2024-09-01T19:20:00Z"]  # fmt: skip
    assert codes(v) == ["unknown-time"]
    assert rule(v, "detected") == (9, "the first alert, report or noticing", "weak")
    assert v["duration_doubts"]["tta"].startswith("detected rests on weak evidence")
    assert "ttr" not in v["duration_doubts"]  # no start: no time to resolve to doubt


# --- decisions ------------------------------------------------------------------------------------------------------


def test_a_change_days_before_the_impact_is_not_its_start(rules):
    v = parse(
        table(
            "| 2024-06-09 10:00 | Cache client upgraded to v5 |\n"
            "| 2024-06-12 14:02 | Latency alert fires for checkout |\n"
            "| 2024-06-12 14:05 | On-call acknowledges |\n"
            "| 2024-06-12 14:40 | Cache client rolled back; latency back to normal |\n"
            "| 2024-06-12 15:10 | Incident resolved |\n"
        ),
        rules,
    )
    assert v["started_at"] is None
    assert (v["detected_at"], v["mitigated_at"], v["resolved_at"]) == (
        "2024-06-12T14:02:00Z",
        "2024-06-12T14:40:00Z",
        "2024-06-12T15:10:00Z",
    )


def test_a_change_the_alert_followed_at_once_is_the_start(rules):
    v = parse(
        table(
            "| 14:00 | Config change deployed to the edge |\n| 14:06 | Error rate alert fires |\n"
            "| 14:08 | On-call acknowledges |\n| 14:20 | Config rolled back |\n| 14:25 | Error rate back to baseline |\n"
            "| 14:50 | Incident resolved |\n"
        ),
        rules,
    )
    assert rule(v, "started") == (9, "the change the first alert or report followed at once", "judgment")
    assert rule(v, "mitigated") == (12, "the rollback or workaround that stopped impact", "clear")
    assert rule(v, "resolved") == (14, "declared resolved, or full recovery confirmed", "clear")
    assert (v["ttd_minutes"], v["tta_minutes"], v["ttm_minutes"], v["ttr_minutes"]) == (6, 2, 20, 50)


def test_a_later_still_failing_means_the_earlier_recovery_did_not_hold(rules):
    v = parse(
        table(
            "| 10:00 | Users report login failures |\n| 10:05 | On-call acknowledges |\n"
            "| 10:20 | Auth pods restarted; logins back to normal |\n| 10:35 | Logins still failing for EU users |\n"
            "| 10:50 | Session store failed over; logins recovered |\n| 11:30 | Incident resolved |\n",
            "2024-07-01",
        ),
        rules,
    )
    assert (v["mitigated_at"], v["resolved_at"]) == ("2024-07-01T10:50:00Z", "2024-07-01T11:30:00Z")
    assert [e["kind"] for e in v["timeline"]] == ["detect", "acknowledge", "mitigate", "other", "mitigate", "resolve"]


def test_a_recalled_earlier_outage_is_another_episode_not_this_incident(rules):
    v = parse(
        table(
            "| 2024-11-13 08:00 | Alert fires for queue depth (last week's outage) |\n"
            "| 2024-11-13 09:00 | Queue recovered |\n"
            "| 2024-11-20 14:00 | Queue depth alert fires again |\n"
            "| 2024-11-20 14:05 | On-call acknowledges |\n"
            "| 2024-11-20 14:45 | Consumers scaled up; queue drained and back to normal |\n"
            "| 2024-11-20 15:00 | Incident resolved |\n",
            "2024-11-20",
        ),
        rules,
    )
    assert [e["episode"] for e in v["timeline"]] == [-1, -1, 0, 0, 0, 0]  # before the incident
    assert (v["detected_at"], v["resolved_at"]) == ("2024-11-20T14:00:00Z", "2024-11-20T15:00:00Z")
    assert codes(v) == ["other-episode"]


def test_a_document_holding_two_incidents_gives_two_and_never_mixes_their_events(rules):
    v = parse(
        """
        # Postmortems: storage outages

        ## 2024-03-04: object store unavailable

        ### Timeline (UTC)

        - 09:00 Object store starts returning errors
        - 09:04 Alert fires for upload failures
        - 09:10 On-call acknowledges
        - 09:40 Failed disk replaced; uploads recovered
        - 10:00 Incident resolved

        ## 2024-03-18: object store slow

        ### Timeline (UTC)

        - 15:00 Latency alert fires for downloads
        - 15:03 On-call acknowledges
        - 15:30 Cache warmed; latency back to normal
        - 15:45 Incident resolved
        """,
        rules,
        "2024-03-storage.md",
    )
    assert [e["line"] for e in v["timeline"]] == [7, 8, 9, 10, 11]
    assert (v["started_at"], v["resolved_at"]) == ("2024-03-04T09:00:00Z", "2024-03-04T10:00:00Z")
    other = [i for i in v["incidents"] if i["incident_id"] != v["incident_id"]]
    assert [(i["incident_id"], i["detected_at"], i["resolved_at"]) for i in other] == [
        ("2024-03-storage#2", "2024-03-18T15:00:00Z", "2024-03-18T15:45:00Z")
    ]


def test_a_stated_duration_that_disagrees_makes_the_figures_doubtful(rules):
    v = parse(
        table(
            "| 10:00 | Payment errors begin |\n| 10:05 | Alert fires |\n| 10:10 | On-call acknowledges |\n"
            "| 10:30 | Provider failover; payments back to normal |\n| 10:40 | Incident resolved |\n",
            "2024-05-05",
            "**Duration:** 3 hours\n",
        ),
        rules,
    )
    assert v["duration_doubts"] == {
        "ttm": "the document says it lasted 180 min; its milestones give 30 min",
        "ttr": "the document says it lasted 180 min; its milestones give 40 min",
    }


def test_a_stated_duration_that_matches_either_span_is_no_doubt(rules):
    v = parse(
        table(
            "| 10:00 | Payment errors begin |\n| 10:05 | Alert fires |\n"
            "| 10:30 | Provider failover; payments back to normal |\n| 10:40 | Incident resolved |\n",
            "2024-05-05",
            "**Duration:** 30 minutes\n",
        ),
        rules,
    )
    assert (v["ttm_minutes"], v["ttr_minutes"]) == (30, 40)
    assert v["duration_doubts"] == {}


def test_a_file_name_date_weeks_from_the_documents_is_said_and_the_timeline_settles_it(rules):
    body = "# {title}\n\n## Timeline (UTC)\n\n- {first} Users report errors\n- 10:30 Incident resolved\n"
    settled = parse(body.format(title="2022-01-27, pod limit reached", first="2022-06-02 10:00"), rules,
                    "2022-06-02-pod-limit.md")  # fmt: skip
    assert settled["date"] == "2022-06-02"
    assert [p["message"] for p in settled["problems"]] == [
        "the document is dated 2022-01-27, but its file name and its timeline say 2022-06-02; the timeline's date "
        "is used"
    ]
    unsettled = parse(body.format(title="2020-08-28 - Memory overload", first="10:00"), rules, "2020-10-28-memory.md")
    assert (unsettled["date"], unsettled["detected_at"]) == ("2020-08-28", "2020-08-28T10:00:00Z")
    assert [p["code"] for p in unsettled["problems"]] == ["date-conflict"]
    near = parse(body.format(title="2020-10-26 - Memory overload", first="10:00"), rules, "2020-10-28-memory.md")
    assert near["problems"] == []  # written two days later: no conflict


def test_an_alert_quoting_its_start_hours_from_the_timeline_is_a_zone_conflict_not_a_new_zone(rules):
    v = parse(
        table("| 12:42 | Alert fired. Violation started: July 11, 2025 at 4:42PM UTC |\n"
              "| 16:22 | Incident resolved |\n", "2025-07-11", heading="Timeline (times in BST)"),
        rules,
    )  # fmt: skip
    assert (v["started_at"], v["resolved_at"]) == ("2025-07-11T11:42:00Z", "2025-07-11T15:22:00Z")
    assert rule(v, "started") == (
        9,
        "the start an alert states, quoted in another zone than the timeline's",
        "judgment",
    )
    assert codes(v) == ["zone-conflict"]
    assert v["ttr_minutes"] == 220


def test_an_alert_whose_condition_held_before_it_fired_starts_then(rules):
    v = parse(
        table("| 20:21 | Alert triggered. Violation started: Jan 29, 2026 at 8:11PM UTC |\n"
              "| 20:50 | Incident resolved |\n", "2026-01-29"),
        rules,
    )  # fmt: skip
    assert (v["started_at"], v["detected_at"]) == ("2026-01-29T20:11:00Z", "2026-01-29T20:21:00Z")
    assert rule(v, "started") == (9, "the start an alert states, before it fired", "clear")
    assert codes(v) == []
