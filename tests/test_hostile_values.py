"""Hostile values: a bad value costs its field, never the document; size
guards fit the format; nothing is dropped without a problem saying so.
Every case is a small hand-written input with exact expectations."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml

from ingest.load.people import read_people
from ingest.load.tickets import MAX_ROW_LINES, read_tickets
from ingest.read.decode import decode
from ingest.read.problems import Problems
from ingest.read.values import MAX_DEPTH, TooComplex, _Loader, check_aliases, cut_deep_json, load_structured
from ingest.understand import impact
from ingest.understand.parser import parse_bytes
from ingest.understand.timeparse import BadValue, parse_date, parse_duration_minutes
from ingest.understand.zones import impossible_offset, zone_from_name
from tests.conftest import build_corpus

BODY = """\
# Postmortem: Checkout errors

**Severity:** SEV2

## Timeline

| Time | Event |
|---|---|
| 10:00 | Alert fired |
| 10:30 | Incident resolved |
"""


def _parse(rules, text: str | bytes, name: str = "2024-03-05-checkout.md"):
    doc = parse_bytes(text.encode() if isinstance(text, str) else text, name, rules)
    assert doc.outcome == "incident", doc.reason
    return doc


def _fm(rules, front: str):
    return _parse(rules, f"---\ntitle: Kept title\n{front}\n---\n{BODY}")


def _codes(doc) -> list[tuple[str, int | None]]:
    return [(p.code, p.line) for p in doc.problems]


# ----------------------------------------------------------------- 1. a bad value costs the field


@pytest.mark.parametrize(
    ("front", "code", "shown"),
    [
        ("date: 2024-02-30", "bad-date", "'2024-02-30' is not a date that exists"),
        ("date: 2024-13-01", "bad-date", "'2024-13-01' is not a date that exists"),
        ("date: 0999-01-01", "bad-date", "'0999-01-01' is outside the years 1970..2100"),
        ("date: 9999-12-31", "bad-date", "'9999-12-31' is outside the years 1970..2100"),
        ("started_at: 2024-03-05T25:61:00Z", "bad-time", "'2024-03-05T25:61:00Z' is not a time of day"),
        ("started_at: 25:61", "bad-time", "'25:61' is not a time of day"),
        ("started_at: 0001-01-01 00:00:00", "bad-time", "is outside the years 1970..2100"),
        ("started_at: 2024-03-05T10:00:00+15:00", "bad-time", "is not one a time zone has"),
        ("started_at: 2024-03-05T10:00:00+25:00", "bad-time", "'+25:00' is not an offset a time zone has"),
    ],
)
def test_a_front_matter_value_that_cannot_exist_costs_that_field(rules, front, code, shown):
    doc = _fm(rules, front)
    assert doc.title == "Kept title" and doc.severity == "SEV2"
    assert doc.date == date(2024, 3, 5)  # from the file name: the front matter's date was dropped
    assert doc.milestones.get("started") is None
    (p,) = [p for p in doc.problems if p.code == code]
    assert p.line == 3 and shown in p.message


@pytest.mark.parametrize(
    ("front", "code", "shown"),
    [
        ("duration: .nan", "bad-field", "duration: '.nan' is not a finite number"),
        ("duration: -.inf", "bad-field", "duration: '-.inf' is not a finite number"),
        ("duration: -5", "bad-duration", "duration '-5' is negative"),
        ("duration: 99999999999", "bad-duration", "is longer than ten years"),
        ("customers_affected: .inf", "bad-field", "customers_affected: '.inf' is not a finite number"),
        ("customers_affected: " + "9" * 400, "bad-impact", "is not a finite number"),
        ("customers_affected: 5000000000000000", "bad-impact", "beyond any real figure"),
        ("revenue_loss_usd: -45000", "bad-impact", "is negative"),
        ("custom_score: .nan", "bad-field", "custom_score: '.nan' is not a finite number"),
    ],
)
def test_nan_infinity_negative_and_huge_numbers_are_problems_never_stored(rules, front, code, shown):
    doc = _fm(rules, front)
    assert doc.title == "Kept title"
    assert doc.reported_duration_minutes is None and doc.impact == [] and "custom_score" not in doc.custom_fields
    (p,) = [p for p in doc.problems if p.code == code]
    assert p.line == 3 and shown in p.message


def test_a_front_matter_value_nested_500_deep_costs_that_value(rules):
    doc = _fm(rules, "extra: " + "[" * 500 + "]" * 500 + "\nteam: payments")
    assert (doc.title, doc.team) == ("Kept title", "payments")
    (p,) = [p for p in doc.problems if p.code == "bad-field"]
    assert p.line == 3 and f"nested more than {MAX_DEPTH} deep" in p.message


def test_yaml_base_60_numbers_stay_the_time_or_offset_written(rules):
    doc = _fm(rules, "date: 2024-03-05\ntimezone: +05:30\nstarted_at: 10:30\nslot: 10:30")
    assert doc.timezone == "+05:30"
    assert doc.milestones["started"] == datetime(2024, 3, 5, 5, 0)  # 10:30 at +05:30
    assert doc.custom_fields["slot"] == "10:30"  # not 630


def test_a_structured_json_document_keeps_its_good_fields(rules):
    deep = "[" * 2000 + "]" * 2000
    text = (
        '{"title": "Export", "severity": "SEV2", "date": "2024-02-30", "customers_affected": 1e400,\n'
        '"users_affected": NaN, "support_tickets": ' + "1" * 5000 + ', "duration": -5,\n'
        '"deep": ' + deep + ',\n"timeline": [{"at": "2024-03-05T10:00:00Z", "text": "Alert fired"},\n'
        '{"at": "2024-03-05T25:61:00Z", "text": "Rolled back"}]}'
    )
    doc = _parse(rules, text, "export.json")
    # the date came from the first timed event: the written one does not exist
    assert (doc.title, doc.severity, doc.date, doc.impact) == ("Export", "SEV2", date(2024, 3, 5), [])
    assert [(e.at, e.text) for e in doc.timeline] == [
        (datetime(2024, 3, 5, 10, 0), "Alert fired"),
        (None, "Rolled back"),
    ]
    got = sorted(((p.code, p.line, p.message[:40]) for p in doc.problems), key=str)
    assert got == [
        ("bad-date", None, "date: '2024-02-30' is not a date that ex"),
        ("bad-duration", None, "duration '-5' is negative; ignored"),
        ("bad-field", 3, "a value nested more than 100 deep; ignor"),
        ("bad-field", None, "customers_affected: '1e400' is not a fin"),
        ("bad-field", None, "users_affected: 'NaN' is not a finite nu"),
        ("bad-impact", None, "support tickets 'support_tickets: 111111"),
        ("bad-time", None, "timeline entry 2: timeline: '2024-03-05T"),
    ]


def test_a_structured_yaml_document_keeps_its_good_fields(rules):
    text = "title: Export\nseverity: SEV2\ndate: 2024-02-30\ntimeline:\n  - at: 2024-03-05 10:00:00\n    text: x\n"
    doc = _parse(rules, text, "export.yaml")
    # the bad date costs the date field; the timeline's first day dates the incident instead
    assert (doc.title, doc.date, doc.timeline[0].at) == ("Export", date(2024, 3, 5), datetime(2024, 3, 5, 10, 0))
    assert _codes(doc) == [("bad-date", 3)]


def test_dates_outside_the_calendar_bounds_are_refused_everywhere():
    assert parse_date("2024-03-05") == date(2024, 3, 5)
    for written in ("1969-12-31", "2101-01-01", "0001-01-01"):
        with pytest.raises(BadValue, match=r"outside the years 1970\.\.2100"):
            parse_date(written)
    with pytest.raises(BadValue):
        parse_date(date(1, 1, 1))


def test_durations_that_are_no_duration():
    assert parse_duration_minutes("1h 30m") == 90.0
    assert [parse_duration_minutes(v) for v in (-5, float("nan"), float("inf"), 10**400, "9" * 400 + " days")] == [
        None
    ] * 5


def test_a_body_figure_of_400_digits_is_a_problem(rules):
    doc = _parse(rules, BODY + "\n## Impact\n\n- Customers affected: " + "9" * 400 + "\n")
    assert doc.impact == []
    (p,) = [p for p in doc.problems if p.code == "bad-impact"]
    assert p.line == 14 and "is not a finite number" in p.message
    assert impact.number_problem(1e15) and impact.number_problem(-1) and impact.number_problem(12_000) is None


def test_the_build_stores_no_value_outside_its_bounds(tmp_path, rules):
    db = build_corpus(tmp_path, {"a.md": "---\ndate: 0001-01-01\ncustomers_affected: " + "9" * 400 +
                                 "\nduration: .inf\n---\n" + BODY}, rules)  # fmt: skip
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT date, reported_duration_minutes FROM incidents").fetchall() == [(None, None)]
    assert con.execute("SELECT count(*) FROM incident_impact").fetchone() == (0,)
    codes = sorted(r[0] for r in con.execute("SELECT code FROM problems WHERE source_path LIKE '%a.md'").fetchall())
    assert {"bad-date", "bad-impact", "bad-field"} <= set(codes)
    con.close()


# ----------------------------------------------------------------- 2. size guards fit the input


def test_a_json_export_with_5000_timeline_entries_is_read(rules):
    rows = [
        {"at": f"2024-03-05T{10 + i // 3600}:{i // 60 % 60:02d}:{i % 60:02d}Z", "text": "step"} for i in range(5000)
    ]
    doc = _parse(rules, json.dumps({"title": "Long", "severity": "SEV3", "timeline": rows}), "long.json")
    assert len(doc.timeline) == 5000 and doc.timeline[-1].at == datetime(2024, 3, 5, 11, 23, 19)


def test_a_yaml_export_with_5000_entries_written_out_is_read(rules):
    rows = "".join(f"  - at: 2024-03-05 10:{i % 60:02d}:00\n    text: step {i}\n" for i in range(5000))
    doc = _parse(rules, "title: Long\nseverity: SEV3\ntimeline:\n" + rows, "long.yaml")
    assert len(doc.timeline) == 5000


def _node(text: str):
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def test_the_alias_guard_counts_what_aliases_add():
    assert check_aliases(_node("a: [1, 2]\nb: [3, 4]")) == 0
    assert check_aliases(_node("a: &a [1, 2]\nb: [*a, *a]")) == 6  # each *a adds the list and its two values
    with pytest.raises(TooComplex, match="alias bomb"):
        check_aliases(_node("a: &a [1, 2]\nb: [*a, *a, *a]"), limit=8)
    with pytest.raises(TooComplex, match="contains itself"):
        check_aliases(_node("a: &a [1, *a]"))


def test_json_nested_beyond_the_reader_is_cut_not_rejected():
    text, cuts = cut_deep_json('{"a": 1,\n"b": [[[["x"]]]], "c": "[[[["}', limit=2)
    assert (text, cuts) == ('{"a": 1,\n"b": [[null]], "c": "[[[["}', [2])  # b[1][1] is 3 deep: cut


def test_a_people_file_of_2500_people_is_read(tmp_path):
    people = "people:\n" + "".join(
        f"  p{i}: {{name: Person {i}, team: t{i % 7}, manager: m{i % 13}, aliases: [x{i}, y{i}]}}\n"
        for i in range(2500)
    )
    (tmp_path / "people.yaml").write_text(people)
    problems = Problems()
    got = read_people(tmp_path / "people.yaml", problems)
    assert len(got) == 2500 and list(problems) == []
    assert (got[-1].handle, got[-1].aliases) == ("p2499", ["x2499", "y2499"])


def test_a_people_file_alias_bomb_is_still_refused(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdef", "bcdefg", strict=True)
    )
    (tmp_path / "people.yaml").write_text(bomb)
    problems = Problems()
    assert read_people(tmp_path / "people.yaml", problems) == []
    assert [p.code for p in problems] == ["people-invalid"] and "alias bomb" in problems[0].message


# ----------------------------------------------------------------- 3. nothing dropped without a word


def test_unicode_line_separators_are_line_breaks_with_a_warning(rules):
    text = "# Postmortem: x\n\n**Date:** 2024-03-05\n\n## Timeline\n\n- 10:00 Alert fired\u2028- 10:05 Acked\n- 10:30 Resolved\n"
    doc = _parse(rules, text)
    assert [(e.at.strftime("%H:%M"), e.text) for e in doc.timeline] == [
        ("10:00", "Alert fired"),
        ("10:05", "Acked"),
        ("10:30", "Resolved"),
    ]
    assert _codes(doc) == [("line-separator", 7)]


def test_a_utf8_bom_followed_by_windows_1252_bytes():
    problems = Problems()
    assert decode(b"\xef\xbb\xbfcaf\xe9\nok\n\x93q\x94\n", problems) == "caf\u00e9\nok\n\u201cq\u201d\n"
    assert [(p.code, p.line) for p in problems] == [("encoding", 1)] and "line(s) 1, 3;" in problems[0].message


def test_an_impossible_zone_offset_on_a_row_is_reported_and_the_zone_kept(rules):
    text = ("# Postmortem: x\n\n**Date:** 2024-01-15\n\n## Timeline\n\n- 10:00 PST Alert fired\n"
            "- 10:30 UTC+15 Rolled back\n- 11:00 Resolved\n")  # fmt: skip
    doc = _parse(rules, text)
    assert [e.at for e in doc.timeline] == [datetime(2024, 1, 15, h, m) for h, m in ((18, 0), (18, 30), (19, 0))]
    (p,) = [p for p in doc.problems if p.code == "unknown-zone"]
    assert p.line == 8 and "'UTC+15' is not an offset a time zone has" in p.message


def test_an_impossible_offset_in_all_times_is_reported(rules):
    text = "# Postmortem: x\n\n**Date:** 2024-03-05\n\nAll times UTC+15.\n\n## Timeline\n\n- 10:00 Alert\n"
    doc = _parse(rules, text)
    assert [p.code for p in doc.problems] == ["unknown-zone"]


def test_zone_offsets_have_bounds():
    assert [zone_from_name(z) is None for z in ("UTC+14", "UTC-12", "UTC+15", "UTC-13", "+25:00", "UTC+05:75")] == [
        False, False, True, True, True, True,
    ]  # fmt: skip
    assert impossible_offset("times in UTC+15 (Kiribati)") == "UTC+15"
    assert impossible_offset("at 10:00 +05:30") is None


def test_an_impossible_offset_in_front_matter_names_what_was_written(rules):
    doc = _fm(rules, "timezone: +25:00")
    (p,) = [p for p in doc.problems if p.code == "bad-field"]
    assert p.line == 3 and "'+25:00'" in p.message


def test_duplicate_front_matter_keys_are_reported_and_the_last_kept(rules):
    doc = _parse(rules, "---\ntitle: First\nteam: a\ntitle: Second\n---\n" + BODY)
    assert doc.title == "Second"
    assert _codes(doc) == [("duplicate-key", 4)]
    assert "key 'title' is given more than once; the last value is used" in doc.problems[0].message


def test_duplicate_json_keys_are_reported_and_the_last_kept():
    value = load_structured('{"title": "a", "timeline": [{"at": 1, "at": 2}], "title": "b"}', ".json")
    assert value == {"title": "b", "timeline": [{"at": 2}]}
    assert sorted(n.message for n in value.notes) == [
        "timeline[1].at: the key is given more than once; the last value is used",
        "title: the key is given more than once; the last value is used",
    ]


def test_a_merge_key_override_is_no_duplicate():
    value = load_structured("base: &b {team: a, sev: 1}\ntitle: t\nother:\n  <<: *b\n  team: c\n", ".yaml")
    assert value["other"] == {"team": "c", "sev": 1} and value.notes == []


def _people(tmp_path, text: str):
    (tmp_path / "people.yaml").write_text(text)
    problems = Problems()
    got = read_people(tmp_path / "people.yaml", problems)
    return {p.handle: p.aliases for p in got}, [(p.code, p.line, p.message) for p in problems]


def test_a_people_alias_that_is_another_persons_handle_is_dropped(tmp_path):
    got, problems = _people(tmp_path, "alice: {aliases: [bob, ali, alice]}\nbob: {aliases: [ali, bobby]}\n")
    assert got == {"alice": ["ali"], "bob": ["bobby"]}
    assert problems == [
        (
            "people-alias",
            None,
            "people file: alice's alias 'bob' is the handle of another person; ignored (bob stays bob)",
        ),
        ("people-alias", None, "people file: bob's alias 'ali' is already alice's; ignored"),
    ]


def test_a_handle_given_twice_in_the_people_file_is_reported(tmp_path):
    got, problems = _people(tmp_path, "alice: {name: A}\nbob: {name: B}\nalice: {name: C}\n")
    assert sorted(got) == ["alice", "bob"]
    assert problems == [("people-entry", 3, "people file: key 'alice' is given more than once; the last value is used")]


def _tickets(tmp_path, text: str | bytes):
    p = tmp_path / "tickets.csv"
    p.write_bytes(text.encode() if isinstance(text, str) else text)
    problems = Problems()
    got = read_tickets(p, problems)
    return [(t.key, t.status, t.line) for t in got], [(q.code, q.line) for q in problems]


def test_an_unbalanced_quote_costs_one_ticket(tmp_path):
    got, problems = _tickets(tmp_path, 'Key,Status\nA-1,Done\nA-2,"Open\nA-3,Done\nA-4,Closed\n')
    assert got == [("A-1", "Done", 2), ("A-3", "Done", 4), ("A-4", "Closed", 5)]
    assert problems == [("tickets-row", 3)]


def test_a_quote_open_for_too_many_lines_costs_its_row(tmp_path):
    text = 'Key,Status,Summary\nA-1,Done,x\nA-2,Open,"' + "y\n" * (MAX_ROW_LINES + 5) + "A-3,Done,z\n"
    got, problems = _tickets(tmp_path, text)
    assert got == [("A-1", "Done", 2), ("A-3", "Done", MAX_ROW_LINES + 8)]
    assert problems[0] == ("tickets-row", 3)


def test_a_one_megabyte_field_costs_one_ticket(tmp_path):
    got, problems = _tickets(tmp_path, "Key,Status,Summary\nA-1,Done,x\nA-2,Open," + "y" * 1_000_000 + "\nA-3,Done,z\n")
    assert got == [("A-1", "Done", 2), ("A-3", "Done", 4)]
    assert problems == [("tickets-row", 3)]


def test_a_nul_byte_in_the_tickets_file_is_removed_with_a_warning(tmp_path):
    got, problems = _tickets(tmp_path, b"Key,Status\nA-1,Done\nA-2,Op\x00en\nA-3,Done\n")
    assert got == [("A-1", "Done", 2), ("A-2", "Open", 3), ("A-3", "Done", 4)]
    assert problems == [("tickets-row", 3)]


def test_a_multi_line_quoted_field_is_still_one_row(tmp_path):
    got, problems = _tickets(tmp_path, 'Key,Status,Summary\nA-1,Done,"two\nlines"\nA-2,Open,x\n')
    assert (got, problems) == ([("A-1", "Done", 3), ("A-2", "Open", 4)], [])


def test_the_yaml_loader_keeps_plain_values_unchanged():
    text = "a: 2024-03-05\nb: 2024-03-05 10:00:00\nc: 12\nd: 1.5\ne: yes\nf: [1, x]\n"
    assert dict(load_structured(text, ".yaml")) == yaml.safe_load(text)


def test_more_values_cases_are_well_formed():
    from tests.hostile import more_values

    for rel, what, content, outcomes in more_values.cases():
        assert not Path(rel).is_absolute() and what and isinstance(content, str | bytes) and outcomes


def test_an_impossible_offset_in_the_header_or_the_timeline_heading_is_reported(rules):
    text = ("# Postmortem: zone test\n\n**Date:** 2025-03-04\n**Timezone:** UTC+15\n\n## Timeline (UTC+15)\n\n"
            "| Time (UTC+15) | Event |\n|---|---|\n| 10:00 | Alert fired |\n| 10:40 | Resolved |\n")  # fmt: skip
    doc = _parse(rules, text)
    got = [(p.line, p.message) for p in doc.problems if p.code == "unknown-zone"]
    rest = "; times are read as the rest of the document says"
    assert got == [
        (4, "time zone 'UTC+15' holds an offset no zone has (UTC+15)" + rest),
        (6, "the timeline heading names an offset no zone has (UTC+15); its times are read as the rest of the "
            "document says"),
        (None, "the timeline's time column names an offset no zone has (UTC+15); its times are read as the rest "
               "of the document says"),
    ]  # fmt: skip
    assert [e.at.hour for e in doc.timeline] == [10, 10]  # read as UTC, the document naming no other zone


def test_a_header_duration_that_is_no_duration_says_why(rules):
    doc = _parse(
        rules,
        "# Postmortem: P\n\n**Date:** 2025-03-04\n**Duration:** 999999999 hours\n\n## Timeline\n\n"
        "- 10:00 - Alert fired\n",
    )
    [p] = [p for p in doc.problems if p.code == "bad-duration"]
    assert (p.line, p.message) == (4, "duration '999999999 hours' is longer than ten years; ignored")
    assert doc.reported_duration_minutes is None
