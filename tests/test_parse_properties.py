"""Property-based: whatever Markdown-ish text is thrown at the parser, it
reads it without an internal failure and gives a well-formed result."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.understand.parser import parse_bytes

SECTIONS = ["Timeline", "Timeline (All times PST)", "Action Items", "Root Cause", "Contributing Factors",
            "What Went Well", "What Went Wrong", "5 Whys", "Lessons Learned", "Fix", "Impact", "Why #1: why?"]  # fmt: skip
TIMES = ["10:00", "23:59", "25:61", "2:30 PM", "2024-02-30 10:00", "[???]", "2X:XX", "Jan 15 14:23", "~13:30-13:45",
         "2024-01-15T14:23:00+02:00", "12:05 AM", "00:00", "9999-12-31 23:59", "0001-01-01 00:00"]  # fmt: skip
WORDS = ["alert fired", "resolved", "rolled back", "@alice", "P0", "TBD", "due 2024-05-27", "ABC-12", "(DONE)",
         "**bold**", "`code`", "<script>x</script>", "|", "\\|", "=cmd", "✅", "~~x~~", "::", "(", "[", "->", "→",
         "Date:", "**Severity:** SEV2", "Status: Final", "", "---", "```", ">", "<!--", "-->"]  # fmt: skip

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
line = st.one_of(
    st.builds(lambda lv, s: "#" * lv + " " + s, st.integers(1, 4), st.sampled_from(SECTIONS)),
    st.builds(lambda t, w: f"| {t} | {w} |", st.sampled_from(TIMES), st.sampled_from(WORDS)),
    st.builds(lambda t, w: f"- {t} - {w}", st.sampled_from(TIMES), st.sampled_from(WORDS)),
    st.builds(
        lambda c, w, x: f"{'  ' * c}- [{'x' if c % 2 else ' '}] {w} {x}",
        st.integers(0, 6),
        st.sampled_from(WORDS),
        text,
    ),
    st.builds(lambda a, b: f"{a} {b}", st.sampled_from(WORDS), st.sampled_from(WORDS)),
    st.just("| Priority | Action | Owner | Due Date | Ticket |"),
    st.just("|---|---|---|---|---|"),
    text,
)
document = st.builds(
    lambda fm, head, lines: fm + head + "\n".join(lines),
    st.sampled_from(
        [
            "",
            "---\nid: x\ndate: 2024-01-15\n---\n",
            "---\n: : bad\n---\n",
            "---\nincident: y\n---\n",
            "---\nstarted_at: 9999-12-31T23:59:00-14:00\nresolved_at: 0001-01-01T00:00:00+14:00\n---\n",
        ]
    ),
    st.sampled_from(
        ["# Postmortem: t\n\n**Date:** 2024-01-15\n\n", "# Quick Postmortem: q\n\n", "", "# 5 Whys Analysis: w\n"]
    ),
    st.lists(line, max_size=40),
)


@settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(document)
def test_any_markdown_reads_without_an_internal_failure(rules, doc):
    d = parse_bytes(doc.encode("utf-8"), "t/doc.md", rules)
    assert "the parser failed" not in (d.reason or ""), d.reason
    assert d.outcome in ("incident", "attached", "skipped", "rejected")
    view = d.to_json()
    assert all(p["level"] in ("error", "warning") for p in view["problems"])
    for key in ("ttd_minutes", "tta_minutes", "ttm_minutes", "ttr_minutes"):
        assert view[key] is None or view[key] >= 0


@settings(max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "200")), deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_read_without_an_internal_failure(rules, data):
    for name in ("x.md", "x.yaml", "x.json"):
        d = parse_bytes(data, name, rules)
        assert "the parser failed" not in (d.reason or ""), d.reason
        assert d.outcome in ("incident", "attached", "skipped", "rejected")
