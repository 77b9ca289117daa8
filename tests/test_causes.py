"""Where a postmortem states its causes, and how each statement is filed (ingest/understand/causes.py,
categorize.py; docs/FACTORS.md): exact factors of small hand-written documents and sentences."""

from __future__ import annotations

import textwrap

import pytest

from ingest.understand.categorize import Categorizer, Rule
from ingest.understand.parser import parse_bytes
from ingest.understand.rulefiles import RulesError
from ingest.understand.rules import load_taxonomy

DOC = """
    # Postmortem: Checkout errors

    **Date:** 2025-03-04

    ## Summary

    On March 4 checkout failed for 40 minutes. The outage was caused by a config change that lowered the pool size. The incident was resolved by reverting the configuration change. Our team met on Friday.

    ## Timeline

    - 10:00 UTC - Config change deployed, errors began
    - 10:12 UTC - Customers report failed checkouts in #support
    - 10:40 UTC - Change reverted, errors stopped

    ## What went well

    - The rollback took two minutes

    ## What went wrong

    - \u274c Customer comms \u2013 never made a status page update while rate-limiting the API
    - The rate limiter worked as intended; the cache node ran out of memory

    ## Where we got unlucky

    - Nobody had a good afternoon

    ## Why #2: Why did the pool run dry?

    Because requests held connections while waiting on the cache.

    ## Lessons learned

    We learned that the pool size was never tested against production traffic. Dashboards were great.

    ## Action items

    | Action | Owner |
    |---|---|
    | Add an alert on checkout error rate | @ana |
    """


def parse(text: str, rules) -> dict:
    return parse_bytes(textwrap.dedent(text).lstrip("\n").encode("utf-8"), "pm.md", rules).to_json()


def found(view: dict) -> list[tuple]:
    return [(f["section"], f["category"], f["line"], f["text"], f["why"]) for f in view["contributing_factors"]]


def test_causes_are_read_where_the_document_states_them(rules):
    assert found(parse(DOC, rules)) == [
        # the summary's 'caused by' sentence; the fix ('resolved by reverting the configuration change') is not a cause
        ("summary", "config-change", 7, "The outage was caused by a config change that lowered the pool size.",
         "config change"),
        # a labelled item is about its label, not about the rate limiting it mentions
        ("what_went_wrong", "process-gap", 21,
         "Customer comms \u2013 never made a status page update while rate-limiting the API", "status page"),
        # the clause that says what worked is set aside
        ("what_went_wrong", "capacity-limits", 22,
         "The rate limiter worked as intended; the cache node ran out of memory", "ran out of"),
        # a cause section's statement that fits no category is kept
        ("what_went_wrong", "uncategorized", 26, "Nobody had a good afternoon", ""),
        # a lesson phrased as a gap
        ("lessons", "testing-gap", 34, "We learned that the pool size was never tested against production traffic.",
         "never tested"),
        # the timeline's first knowledge is a customer report, and an action item answers it
        ("detection", "monitoring-gap", 12, "Customers report failed checkouts in #support",
         'first known from a report, not from an alert (the timeline); answered by "Add an alert on checkout error rate"'),
    ]  # fmt: skip


def test_timeline_action_items_went_well_and_why_steps_are_not_causes(rules):
    texts = " ".join(f["text"] for f in parse(DOC, rules)["contributing_factors"])
    for never in ("Config change deployed", "The rollback took two minutes", "held connections", "Add an alert",
                  "Our team met", "resolved by reverting", "Dashboards were great"):  # fmt: skip
        assert never not in texts


def test_a_report_first_is_no_gap_unless_the_document_answers_it(rules):
    unanswered = DOC.replace("Add an alert on checkout error rate", "Raise the pool size")
    assert "detection" not in {f["section"] for f in parse(unanswered, rules)["contributing_factors"]}
    alerted = DOC.replace("Customers report failed checkouts in #support", "Alert fired: checkout error rate")
    assert "detection" not in {f["section"] for f in parse(alerted, rules)["contributing_factors"]}


def test_a_statement_of_two_causes_is_filed_under_both(rules):
    doc = """
        # Postmortem: Checkout

        ## Contributing Factors

        - The deploy went to every region at once and there was no alert on the error rate
        """
    assert [(f["category"], f["why"]) for f in parse(doc, rules)["contributing_factors"]] == [
        ("monitoring-gap", "no alert"),
        ("deploy-safety", "every region at once"),
    ]


@pytest.mark.parametrize(
    ("text", "stated", "expected"),
    [
        # the misfilings
        ("Customer comms \u2013 never made a status page update", True, ["process-gap"]),
        ("Insufficient observability around CPU-bound failure modes", True, ["monitoring-gap"]),
        # the incident named by its topic is not the cause
        ("Runbooks for the rate-limiting incident were out of date", True, ["documentation-gap"]),
        # a weak word is enough in a cause section, not in a sentence found elsewhere
        ("The health check looked at the TCP port", True, ["monitoring-gap"]),
        ("The health check looked at the TCP port", False, []),
        # what was ruled out
        ("The network was not the cause", True, []),
        ("Several small things went wrong at once", True, []),
    ],
)
def test_filing_by_meaning(rules, text, stated, expected):
    assert [a.category for a in rules.taxonomy.assign(text, stated=stated)] == expected


def test_a_sentence_like_an_example_is_filed_with_the_example_named(rules):
    [a] = rules.taxonomy.assign("The third-party payment provider was down for two hours", stated=False)
    assert (a.category, a.why) == (
        "dependency-failure",
        'like "The third-party payment provider was down for an hour."',
    )


def test_examples_need_two_words_in_common():
    import re

    cat = Categorizer(
        [("wombat", [Rule(re.compile(r"\bmarsupial\b"), 1.0)], ["The wombat scheduler skipped the batch"])]
    )
    assert cat.assign("wombat") == ()
    [a] = cat.assign("Wombat scheduler skipped it")
    assert (a.category, a.why) == ("wombat", 'like "The wombat scheduler skipped the batch"')
    [b] = cat.assign("A marsupial sat on the server")
    assert (b.category, b.why, b.score) == ("wombat", "marsupial", 1.0)


@pytest.mark.parametrize(
    ("category", "message"),
    [
        ("  - id: x\n    patterns: [{pattern: 'a', weight: 0}]\n", "weight 0 of 'a' must be above 0 and at most 10"),
        ("  - id: x\n    patterns: [{pattern: 'a', weight: 11}]\n", "weight 11 of 'a' must be above 0 and at most 10"),
        ("  - id: x\n    patterns: [{pattern: 'a', weight: true}]\n", "needs 'pattern' (text) and 'weight' (a number)"),
        ("  - id: x\n    patterns: [{weight: 1}]\n", "needs 'pattern' (text) and 'weight' (a number)"),
        ("  - id: x\n    examples: one sentence\n", "category x: 'examples' must be a list of sentences"),
        ("  - id: x\n    examples: ['']\n", "category x: 'examples' must be a list of sentences"),
    ],
)
def test_taxonomy_weights_and_examples_are_checked(tmp_path, category, message):
    path = tmp_path / "taxonomy.yaml"
    path.write_text("categories:\n" + category + "  - id: uncategorized\n", encoding="utf-8")
    with pytest.raises(RulesError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_taxonomy(path)


def test_uncategorized_takes_no_examples(tmp_path):
    path = tmp_path / "taxonomy.yaml"
    path.write_text("categories:\n  - id: uncategorized\n    examples: [It was bad]\n", encoding="utf-8")
    with pytest.raises(RulesError, match="'uncategorized' must have no patterns and no examples"):
        load_taxonomy(path)
