"""Hostile values for the hostile corpus: each keeps its document and costs
only the value (tests/test_hostile_values.py has the exact expectations)."""

from __future__ import annotations

import json

BODY = """\
# Postmortem: {title}

**Severity:** SEV2

## Timeline

| Time | Event |
|---|---|
| 10:00 | Alert fired |
| 10:30 | Incident resolved |
"""


def _fm(title: str, front: str) -> str:
    return f"---\n{front}\n---\n" + BODY.format(title=title)


def cases() -> list[tuple[str, str, bytes | str, tuple[str, ...]]]:
    """(relative path, what it is, content, acceptable outcomes)."""
    deep = "[" * 2000 + "]" * 2000
    timeline = [{"at": f"2024-03-05T10:{i % 60:02d}:00Z", "text": f"step {i}"} for i in range(5000)]
    return [
        ("values/2024-03-05-bad-date.md", "a front-matter date that does not exist (2024-02-30)",
         _fm("bad date", "date: 2024-02-30"), ("incident",)),
        ("values/bad-time.md", "a front-matter time 25:61", _fm("bad time", "started_at: 2024-03-05T25:61:00Z"),
         ("incident",)),
        ("values/huge-number.md", "a 400-digit figure in front matter",
         _fm("huge number", "customers_affected: " + "9" * 400), ("incident",)),
        ("values/nan.md", "NaN, infinity and a negative duration in front matter",
         _fm("nan", "duration: .nan\nusers_affected: .inf\nrevenue_loss_usd: -5"), ("incident",)),
        ("values/deep.md", "a front-matter value nested 500 deep", _fm("deep", "x: " + "[" * 500 + "]" * 500),
         ("incident",)),
        ("values/out-of-calendar.md", "dates before year 1000 and after 9999",
         _fm("calendar", "date: 0999-01-01\nstarted_at: 9999-12-31 23:59:00"), ("incident",)),
        ("values/duplicate-keys.md", "a front-matter key given twice", _fm("dups", "title: a\ntitle: b"),
         ("incident",)),
        ("values/offsets.md", "zone offsets no zone has (UTC+15, +25:00)",
         _fm("offsets", "timezone: +25:00").replace("| 10:00 |", "| 10:00 UTC+15 |"), ("incident",)),
        ("values/separators.md", "U+2028 and U+2029 line separators",
         BODY.format(title="separators").replace("| 10:30", "\u2028| 10:30").replace("SEV2", "SEV2\u2029"),
         ("incident",)),
        ("values/bom-cp1252.md", "a UTF-8 BOM followed by Windows-1252 bytes",
         b"\xef\xbb\xbf" + BODY.format(title="caf\xe9 \u201cquoted\u201d").encode("cp1252"), ("incident",)),
        ("values/values.json", "a JSON export with NaN, Infinity, 1e400, a 5000-digit number, keys twice, "
         "a value 2000 deep",
         '{"title": "a", "title": "json values", "severity": "SEV2", "date": "2024-02-30", "users_affected": NaN,'
         ' "customers_affected": 1e400, "support_tickets": ' + "1" * 5000 + ', "deep": ' + deep + "}",
         ("incident",)),
        ("values/values.yaml", "a YAML export with a date that does not exist and a base-60 time",
         "title: yaml values\nseverity: SEV2\ndate: 2024-02-30\ntimeline:\n  - at: 25:61\n    text: x\n",
         ("incident",)),
        ("values/long.json", "a JSON export with 5,000 timeline entries (no aliases: no alias guard)",
         json.dumps({"title": "long", "severity": "SEV3", "timeline": timeline}), ("incident",)),
    ]  # fmt: skip
