"""Related incidents: references read from documents, resolved at build time, counted with the repeats."""

from __future__ import annotations

import textwrap
from datetime import date

from analytics import impact, repeats
from analytics.db import connect
from analytics.filters import Filters
from analytics.periods import parse_quarter
from ingest.understand.parser import parse_bytes


def parse(text: str, rules, relpath: str = "team/2024/pm.md") -> dict:
    return parse_bytes(textwrap.dedent(text).lstrip("\n").encode(), relpath, rules).to_json()


def refs(view: dict) -> list[tuple]:
    return [(r["kind"], r["key"], r["section"]) for r in view["related_incidents"]]


TL = """
## Timeline

| Time | Event |
|---|---|
| 10:00 | Config pushed |
| 10:05 | Alert fired |
| 10:40 | Service fully recovered, incident resolved |
"""


def test_the_guides_related_incidents_item(rules):
    view = parse(
        "# Postmortem: X\n\n**Date:** 2024-01-15\n"
        + TL
        + """
## Appendix

### Related Incidents
- 2023-11-02: Similar connection issue in User Service (POSTMORTEM-42)
""",
        rules,
    )
    assert view["related_incidents"] == [{
        "ref": "POSTMORTEM-42", "kind": "id", "key": "POSTMORTEM-42", "section": "related_incidents",
        "text": "2023-11-02: Similar connection issue in User Service (POSTMORTEM-42)", "date": "2023-11-02",
        "line": 16,
    }]  # fmt: skip


def test_ids_paths_links_urls_and_plain_items(rules):
    view = parse("---\nid: INC-2024-0042\nrelated: [INC-2023-0007]\n---\n# Postmortem: X\n\n**Date:** 2024-01-15\n"
                 + TL + """
Like INC-2023-0099 and our own INC-2024-0042; see the [runbook](../../runbooks/db.md) and https://example.com.

## Related Incidents

- payments/2023/2023-11-02-user-service-outage
- [The March outage](../2023/2023-03-01-outage.md)
- https://github.com/acme/postmortems/blob/main/team/2022/2022-05-05-db.md
- https://incidents.example.com/incidents/INC-2021-0003
- A similar issue in 2023 that nobody wrote up
- `OPS-12` and ENG-99
""", rules)  # fmt: skip
    assert refs(view) == [
        ("id", "INC-2023-0007", "front_matter"),
        ("id", "payments/2023/2023-11-02-user-service-outage", "related_incidents"),
        ("path", "team/2023/2023-03-01-outage.md", "related_incidents"),
        ("url", "/acme/postmortems/blob/main/team/2022/2022-05-05-db.md", "related_incidents"),
        ("id", "INC-2021-0003", "related_incidents"),
        ("text", "", "related_incidents"),
        ("id", "OPS-12", "related_incidents"),
        ("id", "ENG-99", "related_incidents"),
        ("id", "INC-2023-0099", "body"),  # its own id is never a reference
        ("path", "runbooks/db.md", "body"),
    ]
    assert view["related_incidents"][5]["text"] == "A similar issue in 2023 that nobody wrote up"


def test_structured_related_incidents(rules):
    view = parse("id: INC-2\ntitle: X\nseverity: SEV3\nrelated_incidents: [INC-1, ../a/b.md]\n", rules, "x/y.yaml")
    assert refs(view) == [("id", "INC-1", "related_incidents"), ("path", "a/b.md", "related_incidents")]


def _md(iid: str | None, day: str, body: str = "", services: str = "api", factor: str = "Config typo") -> str:
    fm = f"---\nid: {iid}\nservices: [{services}]\n---\n" if iid else f"---\nservices: [{services}]\n---\n"
    return (fm + f"# Postmortem: {iid or 'Untitled'}\n\n**Date:** {day}\n**Severity:** SEV3\n" + TL
            + f"\n## Contributing Factors\n\n- {factor}\n\n{body}")  # fmt: skip


def test_references_resolve_at_build_time(build_db):
    built = build_db({
        "team/2024/a.md": _md("INC-1", "2024-01-10"),
        "team/2024/b.md": _md(None, "2024-02-10", factor="Missing alert"),
        "other/2024/c.md": _md("payments/x/INC-7", "2024-03-10", factor="Slow failover"),
        "team/2024/d.md": _md("INC-4", "2024-04-10", body="""
## What Happened

We also mention INC-4 (ourselves) and the [runbook](../../runbooks/x.md), and [a](a.md).

## Related Incidents

- INC-1 (the January one)
- [February](b.md)
- https://git.example.com/postmortems/blob/main/other/2024/c.md
- INC-7, by the last part of its id
- POSTMORTEM-42, not in this corpus
"""),
    }, as_of=date(2024, 7, 1))  # fmt: skip
    rows = built.execute("SELECT ref, section, ref_kind, target_id, resolved, counts FROM incident_links "
                         "ORDER BY seq").fetchall()  # fmt: skip
    assert rows == [
        ("INC-1", "related_incidents", "id", "INC-1", True, True),
        ("b.md", "related_incidents", "path", "team/2024/b", True, True),
        ("https://git.example.com/postmortems/blob/main/other/2024/c.md", "related_incidents", "url",
         "payments/x/INC-7", True, True),
        ("INC-7", "related_incidents", "id", "payments/x/INC-7", True, True),
        ("POSTMORTEM-42", "related_incidents", "id", None, False, True),
        ("../../runbooks/x.md", "body", "path", None, False, False),  # a file that is no incident: not counted
        ("a.md", "body", "path", "INC-1", True, True),  # INC-4 itself is never a reference
    ]  # fmt: skip


def test_related_incidents_count_with_the_repeats(build_db):
    """B names A (different factors and services): a repeat by the link alone; C shares A's factor and
    service and names it too: both; D names a later incident: the later one is the repeat."""
    built = build_db({
        "a.md": _md("A", "2025-01-10", factor="Config typo in the deploy"),
        "b.md": _md("B", "2025-02-10", services="web", factor="Missing alert on latency",
                    body="## Related Incidents\n\n- A\n"),
        "c.md": _md("C", "2025-03-10", body="## Related Incidents\n\n- A\n", factor="Config typo again"),
        "d.md": _md("D", "2024-12-01", services="db", factor="Disk full", body="## Related Incidents\n\n- E\n"),
        "e.md": _md("E", "2025-03-20", services="queue", factor="Slow consumer"),
    }, as_of=date(2025, 7, 1))  # fmt: skip
    con = connect(built.db)
    try:
        q = parse_quarter("2025Q1")
        r = repeats.repeats(con, Filters(q, q, date(2025, 7, 1)))
        assert list(zip(r["incident_id"], r["earlier_id"], r["basis"], strict=True)) == [
            ("B", "A", "link"), ("C", "A", "both"), ("E", "D", "link"),
        ]  # fmt: skip
        assert r.set_index("incident_id").loc["B", "categories"] == []
        assert repeats.link_counts(r) == {"linked": 3, "link_only": 2, "factors_only": 0, "linked_pairs": 3,
                                          "both_pairs": 1}  # fmt: skip
        rel = impact.related(con, "A")
        assert list(zip(rel["direction"], rel["other_id"], strict=True)) == [("named by", "C"), ("named by", "B")]
        rel = impact.related(con, "D")
        assert list(zip(rel["direction"], rel["other_id"], rel["resolved"], strict=True)) == [("names", "E", True)]
    finally:
        con.close()
