"""No regular expression is super-linear on a line, and no document can hold
a build up: parsing one document has a time budget.

Nothing here asserts a speed. A pattern that was quadratic took minutes on
these inputs; the tests give each one a budget (20 s, far above the
milliseconds a linear pattern needs on a slow machine) and assert that it
ends inside it. The budget is the parser's own mechanism (time_budget)."""

from __future__ import annotations

import re
import signal
import threading
import time

import pytest

from ingest.build import BuildOptions, build
from ingest.read import mdblocks, sections
from ingest.understand import (
    actions,
    blame,
    categorize,
    causes,
    factors,
    header,
    impact,
    links,
    parser,
    prefilter,
    signals,
    timeparse,
    vocab,
    windows,
)
from ingest.understand.parser import OverBudget, parse_bytes, time_budget
from tests.hostile import more_regex

GENEROUS = 20.0  # seconds: a linear pattern needs milliseconds; the quadratic ones needed minutes
BIG = 300_000  # characters: large enough that each quadratic pattern needed far more than GENEROUS


def _within_budget(work):
    """Run work() under the generous budget; fail (not hang) when it is spent."""
    try:
        with time_budget(GENEROUS):
            return work()
    except OverBudget:
        pytest.fail(f"did not end within {GENEROUS:g} s: super-linear")


def _rep(unit: str, size: int = BIG) -> str:
    return unit * (size // len(unit))


# (what, the work on an adversarial line): each was quadratic (or worse) before.
PATTERN_CASES = [
    ("comments never closed", lambda: mdblocks.strip_comments(_rep("<!--"))),
    ("a run of '['", lambda: mdblocks.clean_inline(_rep("["))),
    ("'[' * n then '](' ", lambda: mdblocks.clean_inline("[" * (BIG // 2) + "](x")),
    ("links never closed", lambda: mdblocks.clean_inline(_rep("[x]("))),
    ("images never closed", lambda: mdblocks.clean_inline(_rep("![x]("))),
    ("autolinks never closed", lambda: mdblocks.clean_inline(_rep("<http://"))),
    ("a heading of spaces", lambda: mdblocks.classify("## a" + " " * BIG + "b")),
    ("a table row above a line of spaces", lambda: mdblocks.classify("a | b\n" + " " * BIG + "x")),
    ("a title of '('", lambda: sections.normalise_title(_rep("("))),
    ("a title of spaces", lambda: sections.normalise_title("a" + " " * BIG + "b")),
    ("a title of '[' and spaces", lambda: sections.normalise_title(_rep("[ "))),
    ("body links never closed", lambda: list(links._MD_LINK.finditer(_rep("[](")))),
    ("body links of '[x]('", lambda: list(links._MD_LINK.finditer(_rep("[x](")))),
    ("a related item of '['", lambda: links.refs_in_item(_rep("["), "a.md", "related_incidents", 1)),
    ("issue urls", lambda: actions._ISSUE_URL.search(_rep("http://"))),
    ("an action's owner group after spaces", lambda: actions._META_GROUP.search("a" + " " * BIG + "x")),
    ("an action's owner group then spaces", lambda: actions._META_GROUP.search("(@a)" + " " * BIG + "x")),
    ("clauses of spaces", lambda: categorize._CLAUSE.split("a" + " " * BIG + "b")),
    ("a factor of 'a.'", lambda: categorize._URL.sub(" ", _rep("a."))),
    ("a why heading of spaces", lambda: factors._WHY_HEAD.match("why" + " " * BIG + "x")),
    ("a why title of spaces", lambda: causes._WHY_TITLE.match("why" + " " * BIG + "x")),
    ("a ranked cause of spaces", lambda: factors._RANK.sub("", "1" + " " * BIG + "x")),
    ("arrows after spaces", lambda: factors._ARROW.split("a" + " " * BIG + "b", maxsplit=1)),
    ("sentences of spaces", lambda: signals.sentences("a" + " " * BIG + "b")),
    ("owners of spaces", lambda: vocab._OWNER_SPLIT.split("a" + " " * BIG + "b")),
    ("a duration of digits", lambda: windows._STATED_DURATION.search(_rep("1"))),
    ("a duration after spaces", lambda: windows._STATED_DURATION.search("lasted" + " " * BIG + "x")),
    ("a time then spaces", lambda: list(windows._TIMEX.finditer("1" + " " * BIG + "x"))),
    ("a window join of spaces", lambda: windows._JOIN.match(" " * BIG + "x")),
    ("a duration label of digits", lambda: timeparse._DURATION_PART.findall(_rep("1") + "x")),
    ("a clock duration of spaces", lambda: timeparse._CLOCK_DURATION.match(" " * BIG + "x")),
    ("services of spaces", lambda: header._SERVICE_SPLIT.split("a" + " " * BIG + "b")),
    ("header pipes of spaces", lambda: header._SPLIT_PIPES.split("a" + " " * BIG + "b")),
    ("impact clauses of spaces", lambda: impact._CLAUSE.split("a" + " " * BIG + "b")),
    ("a percent anywhere after spaces", lambda: impact._PERCENT_ANYWHERE.search("a" + " " * BIG + "b")),
]


@pytest.mark.parametrize("what,work", PATTERN_CASES, ids=[c[0] for c in PATTERN_CASES])
def test_each_pattern_is_linear_on_its_worst_line(what, work):
    _within_budget(work)


@pytest.mark.parametrize("name", sorted(more_regex.lines(1)))
def test_a_150kb_hostile_line_everywhere_in_a_document_is_read(rules, monkeypatch, name):
    """The line in the heading, summary, timeline, factors, related incidents,
    action items and a label: the document is an incident, inside the budget."""
    monkeypatch.setattr(parser, "PARSE_BUDGET_SECONDS", GENEROUS)
    doc = parse_bytes(more_regex.document(more_regex.lines()[name]).encode(), f"{name}.md", rules)
    assert (doc.outcome, doc.reason) == ("incident", None)


# Behaviour on ordinary text is what it was.


def test_comments_are_removed_and_an_unclosed_one_is_text():
    assert mdblocks.strip_comments("a<!-- x\ny -->b") == "a\nb"
    assert mdblocks.strip_comments("a<!-- x <!-- y -->b<!-- z") == "ab<!-- z"
    assert mdblocks.strip_comments("<!-->x") == "<!-->x"


def test_headings_lose_their_closing_hashes_only_after_a_space():
    got = [ln.content for ln in mdblocks.classify("## Timeline ##\n# C# notes\n### a # b ###  \n## #\n## foo#")]
    assert got == ["Timeline", "C# notes", "a # b", "#", "foo#"]


def test_links_keep_their_text_the_innermost_brackets_being_the_link():
    assert mdblocks.clean_inline("see [the outage](../a.md) and ![graph](g.png)") == "see the outage and graph"
    assert mdblocks.clean_inline("[ref][1] and <https://example.com/x>") == "ref and https://example.com/x"
    assert mdblocks.clean_inline("[Foo](https://en.wikipedia.org/wiki/Foo_(bar))") == "Foo)"  # as before
    assert mdblocks.clean_inline("[a [b](c)") == "[a b"  # CommonMark: the link is [b](c)


def test_section_titles_drop_their_asides():
    assert sections.normalise_title("Timeline (all times UTC)") == "timeline"
    assert sections.normalise_title("Impact  [draft] (x") == "impact x"
    assert sections.section_key("Root Cause (preliminary)") == "root_cause"


def test_ordinary_splits_are_unchanged():
    assert vocab._OWNER_SPLIT.split("ana , bob and  carl @dee") == ["ana", "bob", "carl", "@dee"]
    assert categorize._CLAUSE.split("a , b but c. d") == ["a", "b", "c", "d"]
    assert signals.sentences("Deploy. Alert fired | paged - Ops ack") == ["Deploy.", "Alert fired", "paged", "Ops ack"]
    assert windows._STATED_DURATION.search("the outage lasted : about 2 hours").group("a") == "2 hours"
    assert windows._STATED_DURATION.search("a 45 minute outage").group("b") == "45 minute"
    assert windows._JOIN.match(" , to  ").group("w") == "to"
    assert windows._JOIN.match(" and was resolved at ").group("v") == "was resolved at"
    assert factors._WHY_HEAD.match("**Why # 2** : because").groups() == ("2", "because")
    assert actions._META_GROUP.search("Fix it  (owner: @ana) .").group(1) == "owner: @ana"


# User-written rule patterns see a bounded text per search.


def test_a_user_pattern_sees_at_most_the_rule_text_limit():
    slow = re.compile(r"\s*x")  # quadratic on a run of spaces: each start rescans the run
    m = prefilter.Matcher([slow])
    text = " " * 1_000_000
    assert _within_budget(lambda: m.search(text)) is None
    assert _within_budget(lambda: m.count(text)) == 0
    near, far = "x" + " " * 10, " " * prefilter.RULE_TEXT_LIMIT + "x"
    assert m.search(near) is not None and m.search(far) is None  # what lies past the limit is not read


def test_blame_patterns_search_one_bounded_sentence_at_a_time(rules):
    lines = mdblocks.classify("The engineer " + "a" * 200_000 + " was careless.\n")
    _within_budget(lambda: blame.scan(lines, rules.guide))


# The time budget.


def _slow_when_marked(real):
    """parse_markdown that, on a document saying SLOW, runs a catastrophic
    pattern: the budget must stop it inside the regular expression engine."""

    def parse_markdown(doc, text, *args, **kwargs):
        if "SLOW" in text:
            re.match(r"(a+)+b", "a" * 64)  # exponential: never ends by itself
        return real(doc, text, *args, **kwargs)

    return parse_markdown


GOOD = "# Postmortem: fine\n\n## Timeline\n\n- 10:00 alert fired\n- 10:30 resolved\n"


def test_a_document_over_its_budget_is_rejected_with_the_reason(rules, monkeypatch):
    monkeypatch.setattr(parser, "parse_markdown", _slow_when_marked(parser.parse_markdown))
    monkeypatch.setattr(parser, "PARSE_BUDGET_SECONDS", 0.2)
    doc = parse_bytes((GOOD + "SLOW\n").encode(), "slow.md", rules)
    assert doc.outcome == "rejected"
    assert doc.reason == "parsing took longer than 0.2 s; the document is too complex to read"
    assert [p.message for p in doc.problems if p.code == "rejected"] == [doc.reason]
    assert doc.content_hash and not doc.timeline
    assert parse_bytes(GOOD.encode(), "fine.md", rules).outcome == "incident"


def test_the_budget_is_cleaned_up_and_never_fires_later(rules):
    before = signal.getsignal(signal.SIGALRM)
    with time_budget(0.05):
        pass
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is before
    parse_bytes(GOOD.encode(), "fine.md", rules)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    time.sleep(0.1)  # past the budget: nothing is raised


def test_a_timer_set_by_someone_else_is_left_alone():
    signal.setitimer(signal.ITIMER_REAL, 100)
    try:
        with time_budget(0.05):
            time.sleep(0.1)  # no budget: the other timer is not replaced
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 50
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def test_outside_the_main_thread_parsing_runs_without_a_budget(rules):
    got = {}

    def run():
        with time_budget(0.01):
            time.sleep(0.05)  # would be over budget in the main thread
        got["doc"] = parse_bytes(GOOD.encode(), "fine.md", rules)

    t = threading.Thread(target=run)
    t.start()
    t.join()
    assert got["doc"].outcome == "incident"


def test_the_build_rejects_the_slow_document_and_goes_on(rules, monkeypatch, tmp_path):
    monkeypatch.setattr(parser, "parse_markdown", _slow_when_marked(parser.parse_markdown))
    monkeypatch.setattr(parser, "PARSE_BUDGET_SECONDS", 0.2)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "slow.md").write_text(GOOD + "SLOW\n")
    (corpus / "fine.md").write_text(GOOD)
    db = tmp_path / "db.duckdb"
    build(BuildOptions(corpus=[corpus], db=db, git=False, jobs=1), rules)
    from analytics.db import connect

    con = connect(db)
    try:
        got = dict(con.execute("SELECT relpath, outcome FROM sources").fetchall())
    finally:
        con.close()
    assert got == {"slow.md": "rejected", "fine.md": "incident"}
