"""What a bad file gets: encodings, line endings, binary, empty, broken YAML/JSON, alias bombs, size limits,
and problem line numbers (FORMAT.md: What a bad document gets)."""

from __future__ import annotations

import codecs
import textwrap
import time
import tracemalloc

import pytest

from ingest.understand.parser import parse_bytes, parse_file

DOC = """\
# Postmortem: Café menu service down

**Date:** 2024-07-01
**Severity:** SEV4

## Timeline

| Time | Event |
|---|---|
| 12:00 | Menu service crashed on a résumé upload |
| 12:05 | Alert fired |
| 12:30 | Restarted; resolved |

## Action Items

| Priority | Action | Owner | Due Date | Ticket |
|---|---|---|---|---|
| P1 | Validate uploads | @zoë | 2024-07-15 | MENU-1 |
"""


def view_of(data: bytes, rules, relpath: str = "pm.md", **kw) -> dict:
    return parse_bytes(data, relpath, rules, **kw).to_json()


def md(text: str) -> bytes:
    return textwrap.dedent(text).lstrip("\n").encode("utf-8")


def problem_codes(view: dict) -> list[tuple[str, str, int | None]]:
    return [(p["level"], p["code"], p["line"]) for p in view["problems"]]


def comparable(view: dict) -> dict:
    """The view without what legitimately differs between two encodings of the same text."""
    out = dict(view)
    out.pop("problems")
    return out


# --- encodings ------------------------------------------------------------------------------------------------------


def test_utf8_reference_parse(rules):
    view = view_of(DOC.encode("utf-8"), rules)
    assert (view["outcome"], view["title"], view["severity"], view["ttd_minutes"], view["ttr_minutes"]) == (
        "incident",
        "Café menu service down",
        "SEV4",
        5,
        30,
    )
    assert view["timeline"][0]["text"] == "Menu service crashed on a résumé upload"
    assert view["action_items"][0]["owners"] == ["zoë"]
    assert view["problems"] == []


def test_latin1_bytes_read_with_an_encoding_warning(rules):
    view = view_of(DOC.encode("latin-1"), rules)
    assert comparable(view) == comparable(view_of(DOC.encode("utf-8"), rules))
    assert problem_codes(view) == [("warning", "encoding", 1)]


def test_latin1_warning_points_at_the_first_bad_line(rules):
    text = DOC.replace("Café", "Cafe")
    view = view_of(text.encode("latin-1"), rules)
    assert view["title"] == "Cafe menu service down"
    assert view["timeline"][0]["text"] == "Menu service crashed on a résumé upload"
    assert problem_codes(view) == [("warning", "encoding", 10)]


def test_windows_1252_bytes_read_with_an_encoding_warning(rules):
    text = DOC.replace("Café menu service down", "\u201cMenu\u201d service down \u2013 \u20ac5 lost")
    view = view_of(text.encode("cp1252"), rules)
    assert view["title"] == "\u201cMenu\u201d service down \u2013 \u20ac5 lost"
    assert [(p["level"], p["code"]) for p in view["problems"]] == [("warning", "encoding")]


def test_utf8_bom_is_dropped_without_a_warning(rules):
    view = view_of(codecs.BOM_UTF8 + DOC.encode("utf-8"), rules)
    assert comparable(view) == comparable(view_of(DOC.encode("utf-8"), rules))
    assert view["problems"] == []


def test_utf8_bom_before_front_matter(rules):
    data = codecs.BOM_UTF8 + b"---\nseverity: SEV1\nteam: menus\n---\n" + DOC.encode("utf-8")
    view = view_of(data, rules)
    assert (view["severity"], view["team"]) == ("SEV1", "menus")
    assert view["problems"] == []


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(codec, rules):
    bom = {"utf-16": b"", "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}[codec]
    data = bom + DOC.encode(codec)
    assert data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    view = view_of(data, rules)
    assert comparable(view) == comparable(view_of(DOC.encode("utf-8"), rules))
    assert view["problems"] == []


# --- line endings ---------------------------------------------------------------------------------------------------


def test_crlf_gives_the_same_parse_as_lf(rules):
    lf = view_of(DOC.encode("utf-8"), rules)
    crlf = view_of(DOC.replace("\n", "\r\n").encode("utf-8"), rules)
    assert crlf == lf


def test_crlf_with_front_matter_gives_the_same_parse_as_lf(rules):
    text = "---\nid: INC-7\nseverity: SEV1\ntimezone: CET\n---\n" + DOC
    lf = view_of(text.encode("utf-8"), rules)
    crlf = view_of(text.replace("\n", "\r\n").encode("utf-8"), rules)
    assert crlf == lf
    # 'CET' in July is Central European summer time (UTC+2)
    assert (crlf["incident_id"], crlf["severity"], crlf["started_at"]) == ("INC-7", "SEV1", "2024-07-01T10:00:00Z")


def test_old_mac_cr_line_endings_give_the_same_parse_as_lf(rules):
    assert view_of(DOC.replace("\n", "\r").encode("utf-8"), rules) == view_of(DOC.encode("utf-8"), rules)


# --- binary, empty ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data", [b"# Postmortem: X\n\x00\x00\x01\x02binary", b"\x00" * 64, b"PK\x03\x04\x14\x00\x00\x00"]
)
def test_binary_content_is_rejected_with_a_reason(data, rules):
    view = view_of(data, rules)
    assert view["outcome"] == "rejected"
    assert "binary" in view["reason"]
    assert [p["level"] for p in view["problems"]] == ["error"]


@pytest.mark.parametrize("data", [b"", b"\n\n   \n", b"\xef\xbb\xbf", b"\r\n\r\n"])
def test_empty_file_is_rejected(data, rules):
    view = view_of(data, rules)
    assert view["outcome"] == "rejected"
    assert "empty" in view["reason"]


@pytest.mark.parametrize("relpath", ["empty.yaml", "empty.json"])
def test_empty_structured_file_is_rejected(relpath, rules):
    view = view_of(b"", rules, relpath=relpath)
    assert view["outcome"] == "rejected"
    assert "empty" in view["reason"]


# --- front matter -------------------------------------------------------------------------------------------------------


def test_invalid_front_matter_is_an_error_and_the_body_is_still_read(rules):
    data = md(
        """
        ---
        title: From front matter
        severity: SEV1
        team: a: b
        ---
        # Postmortem: From the body

        **Date:** 2024-07-01
        **Severity:** SEV3
        """
    )
    view = view_of(data, rules)
    assert (view["outcome"], view["title"], view["severity"], view["date"]) == (
        "incident",
        "From the body",
        "SEV3",
        "2024-07-01",
    )
    assert problem_codes(view) == [("error", "front-matter", 4)]


def test_unclosed_front_matter_is_an_error_and_the_rest_is_still_read(rules):
    data = md(
        """
        ---
        title: never closed
        # Postmortem: From the body

        **Date:** 2024-07-01
        **Severity:** SEV3
        """
    )
    view = view_of(data, rules)
    assert (view["outcome"], view["severity"], view["date"]) == ("incident", "SEV3", "2024-07-01")
    assert [(p["level"], p["code"]) for p in view["problems"]] == [("error", "front-matter")]


def test_front_matter_that_is_not_a_mapping_is_an_error(rules):
    data = b"---\n- a\n- b\n---\n# Postmortem: X\n\n**Date:** 2024-07-01\n"
    view = view_of(data, rules)
    assert (view["outcome"], view["title"], view["date"]) == ("incident", "X", "2024-07-01")
    assert [(p["level"], p["code"]) for p in view["problems"]] == [("error", "front-matter")]


def test_front_matter_python_tag_is_not_executed(rules, tmp_path):
    marker = tmp_path / "pwned"
    data = f'---\ntitle: !!python/object/apply:os.system ["touch {marker}"]\n---\n# Postmortem: X\n\n**Date:** 2024-07-01\n'
    view = view_of(data.encode(), rules)
    assert not marker.exists()
    assert (view["outcome"], view["title"]) == ("incident", "X")
    assert [(p["level"], p["code"]) for p in view["problems"]] == [("error", "front-matter")]


ALIAS_BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_alias_bomb_in_front_matter_does_not_hang_or_explode_memory(rules):
    data = ("---\n" + ALIAS_BOMB + "---\n# Postmortem: X\n\n**Date:** 2024-07-01\n**Severity:** SEV2\n").encode()
    tracemalloc.start()
    start = time.perf_counter()
    try:
        view = view_of(data, rules)
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < 2
    assert peak < 50 * 1024 * 1024
    assert (view["outcome"], view["title"], view["severity"]) == ("incident", "X", "SEV2")
    assert view["custom_fields"] == {}
    assert [(p["level"], p["code"]) for p in view["problems"]] == [("error", "front-matter")]


def test_alias_bomb_in_structured_yaml_is_rejected(rules):
    data = ("title: X\nseverity: SEV2\n" + ALIAS_BOMB).encode()
    start = time.perf_counter()
    view = view_of(data, rules, relpath="bomb.yaml")
    assert time.perf_counter() - start < 2
    assert view["outcome"] == "rejected"
    assert len(view["reason"]) > 10


# --- structured files -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relpath", "data"),
    [
        ("values.yaml", b"replicaCount: 3\nimage:\n  repository: nginx\n  tag: 1.25\n"),
        ("package.json", b'{"name": "web", "version": "1.0.0", "dependencies": {}}'),
        ("list.yaml", b"- a\n- b\n"),
    ],
)
def test_structured_file_that_is_not_a_postmortem_is_skipped(relpath, data, rules):
    view = view_of(data, rules, relpath=relpath)
    assert view["outcome"] == "skipped"
    assert len(view["reason"]) > 10


def test_invalid_yaml_is_rejected_with_the_reason(rules):
    view = view_of(b"title: X\nseverity: SEV2\ntimeline: [unclosed\n", rules, relpath="bad.yaml")
    assert view["outcome"] == "rejected"
    assert "YAML" in view["reason"]
    assert [p["level"] for p in view["problems"]] == ["error"]


def test_invalid_json_is_rejected_with_the_reason(rules):
    view = view_of(b'{"title": "X", "severity": }', rules, relpath="bad.json")
    assert view["outcome"] == "rejected"
    assert "JSON" in view["reason"]
    assert [p["level"] for p in view["problems"]] == ["error"]


def test_structured_json_postmortem_is_read(rules):
    data = b'{"title": "DNS failures", "severity": "Sev-2", "timeline": [{"at": "2024-06-12T03:14:00Z", "kind": "start", "text": "Upgrade"}, {"at": "2024-06-12T03:20:00Z", "kind": "detect", "text": "Alert"}]}'
    view = view_of(data, rules, relpath="dns.json")
    assert (view["outcome"], view["kind"], view["severity"], view["ttd_minutes"]) == (
        "incident",
        "structured",
        "SEV2",
        6,
    )


# --- size limit -------------------------------------------------------------------------------------------------------------


def test_document_over_the_size_limit_is_rejected(rules):
    data = DOC.encode("utf-8")
    view = view_of(data, rules, max_bytes=len(data) - 1)
    assert view["outcome"] == "rejected"
    assert "limit" in view["reason"]
    assert view["timeline"] == []


def test_document_at_the_size_limit_is_read(rules):
    data = DOC.encode("utf-8")
    assert view_of(data, rules, max_bytes=len(data))["outcome"] == "incident"


def test_parse_file_over_the_size_limit_is_rejected(rules, tmp_path):
    f = tmp_path / "big.md"
    f.write_bytes(DOC.encode("utf-8"))
    doc = parse_file(f, rules, max_bytes=100)
    assert (doc.outcome, doc.path) == ("rejected", "big.md")
    assert "limit" in doc.reason


# --- line numbers -----------------------------------------------------------------------------------------------------------


BROKEN_BODY = """\
# Postmortem: Partial outage of the reports service

**Date:** 2024-02-30
**Severity:** purple
**Status:** Final

## Timeline

| Time | Event |
|------|-------|
| 08:00 | Disk filled on reports-db primary |
| 25:61 | Alert fired for disk usage |
| 08:20 | On-call acknowledged |
| 08:45 |
| 09:10 | Service resolved after cleanup |

## Action Items

| Priority | Action | Owner | Due Date | Ticket |
|---|---|---|---|---|
| P1 | Add disk usage forecast alert | @nia | next sprint | REP-5 |
| P9 | Rotate logs daily |
"""


def test_problem_line_numbers(rules):
    view = view_of(BROKEN_BODY.encode(), rules, relpath="2024-02-29-reports.md")
    assert sorted((p["line"], p["level"], p["code"]) for p in view["problems"]) == [
        (3, "warning", "bad-date"),
        (4, "warning", "bad-severity"),
        (12, "warning", "bad-time"),
        (14, "warning", "short-row"),
        (21, "warning", "bad-due-date"),
        (22, "warning", "bad-priority"),
        (22, "warning", "short-row"),
    ]
    assert (view["date"], view["severity"], len(view["action_items"])) == ("2024-02-29", None, 2)


def test_problem_line_numbers_after_front_matter(rules):
    front = "---\nid: INC-1\nteam: reports\n---\n"
    view = view_of((front + BROKEN_BODY).encode(), rules, relpath="2024-02-29-reports.md")
    assert sorted((p["line"], p["code"]) for p in view["problems"]) == [
        (7, "bad-date"),
        (8, "bad-severity"),
        (16, "bad-time"),
        (18, "short-row"),
        (25, "bad-due-date"),
        (26, "bad-priority"),
        (26, "short-row"),
    ]
    assert [e["line"] for e in view["timeline"]] == [15, 16, 17, 18, 19]
    assert [a["line"] for a in view["action_items"]] == [25, 26]


def test_line_numbers_hold_after_an_html_comment(rules):
    text = "# Postmortem: X\n\n<!--\na comment\nover lines\n-->\n**Date:** 2024-07-01\n**Severity:** purple\n"
    view = view_of(text.encode(), rules)
    assert problem_codes(view) == [("warning", "bad-severity", 8)]


def test_line_numbers_hold_with_crlf_and_a_bom(rules):
    data = codecs.BOM_UTF8 + BROKEN_BODY.replace("\n", "\r\n").encode()
    view = view_of(data, rules, relpath="2024-02-29-reports.md")
    assert [(p["code"], p["line"]) for p in view["problems"]][:3] == [
        ("bad-date", 3),
        ("bad-severity", 4),
        ("bad-time", 12),
    ]


def test_every_problem_has_level_code_line_and_message(rules):
    view = view_of(BROKEN_BODY.encode(), rules, relpath="2024-02-29-reports.md")
    assert len(view["problems"]) == 7
    for p in view["problems"]:
        assert p["level"] in ("warning", "error")
        assert isinstance(p["code"], str) and p["code"]
        assert isinstance(p["line"], int) and p["line"] >= 1
        assert isinstance(p["message"], str) and len(p["message"]) > 15
