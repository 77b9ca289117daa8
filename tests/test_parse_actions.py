"""Action items: tables, checkbox lists, the quick template's Fix list; owners, due dates, priorities, status
(FORMAT.md: Action items)."""

from __future__ import annotations

import textwrap

import pytest

from ingest.understand.parser import parse_bytes
from ingest.understand.vocab import normalise_owner, normalise_priority, split_owners, status_class

HEAD = "# Postmortem: X\n\n**Date:** 2024-05-20\n\n## Action Items\n\n"


def parse(text: str, rules) -> dict:
    return parse_bytes(textwrap.dedent(text).lstrip("\n").encode("utf-8"), "pm.md", rules).to_json()


def table(header: str, rows: list[str]) -> str:
    cols = header.count("|") - 1
    sep = "|" + "---|" * cols
    return HEAD + header + "\n" + sep + "\n" + "\n".join(rows) + "\n"


STD_HEADER = "| Priority | Action | Owner | Due Date | Ticket |"


def items(view: dict, *keys: str) -> list[tuple]:
    return [tuple(a[k] for k in keys) for a in view["action_items"]]


def problem_codes(view: dict) -> list[tuple[str, str, int | None]]:
    return [(p["level"], p["code"], p["line"]) for p in view["problems"]]


# --- tables ---------------------------------------------------------------------------------------------------------


def test_standard_table(rules):
    view = parse(
        table(
            STD_HEADER,
            [
                "| P0 | Add integration test for connection pool behavior | @alice | 2024-01-22 | ENG-1234 |",
                "| P1 | Document connection management patterns | @bob | 2024-01-29 | DOC-89 |",
            ],
        ),
        rules,
    )
    assert items(view, "priority", "action", "owners", "due_date", "ticket", "status") == [
        ("P0", "Add integration test for connection pool behavior", ["alice"], "2024-01-22", "ENG-1234", "open"),
        ("P1", "Document connection management patterns", ["bob"], "2024-01-29", "DOC-89", "open"),
    ]
    assert view["problems"] == []


def test_columns_in_any_order_with_extra_columns_kept(rules):
    view = parse(
        table(
            "| Ticket | Owner | Notes | Due Date | Action | Priority |",
            ["| ENG-7 | @kim | see the thread | 2024-06-01 | Add a canary stage | P2 |"],
        ),
        rules,
    )
    assert items(view, "priority", "action", "owners", "due_date", "ticket", "extra") == [
        ("P2", "Add a canary stage", ["kim"], "2024-06-01", "ENG-7", {"Notes": "see the thread"}),
    ]


def test_action_item_line_number(rules):
    view = parse(
        table(STD_HEADER, ["| P1 | First | @a | 2024-06-01 | A-1 |", "| P2 | Second | @b | 2024-06-02 | A-2 |"]), rules
    )
    assert [a["line"] for a in view["action_items"]] == [9, 10]


@pytest.mark.parametrize(
    ("written", "status"),
    [
        ("Done", "done"),
        ("done", "done"),
        ("Closed", "done"),
        ("Completed", "done"),
        ("Fixed", "done"),
        ("Resolved", "done"),
        ("In Progress", "open"),
        ("Open", "open"),
        ("To Do", "open"),
        ("Won't Do", "dropped"),
        ("Cancelled", "dropped"),
        ("Duplicate", "dropped"),
    ],
)
def test_status_column(written, status, rules):
    view = parse(
        table(STD_HEADER + " Status |", [f"| P1 | Add a canary stage | @kim | 2024-06-01 | ENG-7 | {written} |"]),
        rules,
    )
    assert items(view, "status", "status_source") == [(status, "document")]


def test_no_status_recorded_is_open(rules):
    view = parse(table(STD_HEADER, ["| P1 | Add a canary stage | @kim | 2024-06-01 | ENG-7 |"]), rules)
    assert items(view, "status", "status_source") == [("open", "none")]


def test_empty_status_cell_is_open_with_no_status_recorded(rules):
    view = parse(table(STD_HEADER + " Status |", ["| P1 | Add a canary stage | @kim | 2024-06-01 | ENG-7 | |"]), rules)
    assert items(view, "status", "status_source") == [("open", "none")]


def test_row_with_missing_cells_is_kept_with_a_warning(rules):
    view = parse(
        table(
            STD_HEADER,
            ["| P1 | Add disk usage forecast alert | @nia | 2024-03-01 | REP-5 |", "| P2 | Rotate logs daily |"],
        ),
        rules,
    )
    assert items(view, "priority", "action", "owners", "due_date", "ticket") == [
        ("P1", "Add disk usage forecast alert", ["nia"], "2024-03-01", "REP-5"),
        ("P2", "Rotate logs daily", [], None, None),
    ]
    assert problem_codes(view) == [("warning", "short-row", 10)]


# --- owners ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["@lee, @mo", "lee and mo", "@lee @mo", "Lee, Mo", "@lee and @mo", "lee & mo"])
def test_several_owners_in_one_cell(cell, rules):
    view = parse(table(STD_HEADER, [f"| P1 | Add an alert | {cell} | 2024-06-01 | A-1 |"]), rules)
    assert items(view, "owners") == [(["lee", "mo"],)]


@pytest.mark.parametrize("cell", ["@alice", "Alice", "alice", "@Alice", "**@alice**"])
def test_owner_spellings_are_one_person(cell, rules):
    view = parse(table(STD_HEADER, [f"| P1 | Add an alert | {cell} | 2024-06-01 | A-1 |"]), rules)
    assert items(view, "owners") == [(["alice"],)]


@pytest.mark.parametrize("cell", ["TBD", "-", "", "tbd"])
def test_no_owner(cell, rules):
    view = parse(table(STD_HEADER, [f"| P1 | Add an alert | {cell} | 2024-06-01 | A-1 |"]), rules)
    assert items(view, "owners") == [([],)]


def test_duplicate_owner_in_one_cell_counts_once(rules):
    view = parse(table(STD_HEADER, ["| P1 | Add an alert | @alice, Alice | 2024-06-01 | A-1 |"]), rules)
    assert items(view, "owners") == [(["alice"],)]


@pytest.mark.parametrize(("raw", "owner"), [("@alice", "alice"), ("Alice", "alice"), ("alice", "alice"), ("TBD", None)])
def test_normalise_owner(raw, owner):
    assert normalise_owner(raw) == owner


def test_split_owners():
    assert split_owners("@lee, @mo") == ["lee", "mo"]
    assert split_owners("lee and mo") == ["lee", "mo"]
    assert split_owners("@lee @mo") == ["lee", "mo"]
    assert split_owners("TBD") == []


# --- due dates ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["2024-01-22", "Jan 22, 2024", "January 22, 2024", "22 January 2024", "22 Jan 2024", "01/22/2024", "2024/01/22"],
)
def test_due_date_forms(written, rules):
    view = parse(table(STD_HEADER, [f"| P1 | Add an alert | @a | {written} | A-1 |"]), rules)
    assert items(view, "due_date", "due_text") == [("2024-01-22", None)]
    assert view["problems"] == []


@pytest.mark.parametrize("written", ["next sprint", "Q3", "soon-ish"])
def test_unreadable_due_date_kept_as_text_with_a_warning(written, rules):
    view = parse(table(STD_HEADER, [f"| P1 | Add an alert | @a | {written} | A-1 |"]), rules)
    assert items(view, "due_date", "due_text") == [(None, written)]
    assert problem_codes(view) == [("warning", "bad-due-date", 9)]


def test_due_date_that_does_not_exist_kept_as_text_with_a_warning(rules):
    view = parse(table(STD_HEADER, ["| P1 | Add an alert | @a | 2024-02-30 | A-1 |"]), rules)
    assert items(view, "due_date", "due_text") == [(None, "2024-02-30")]
    assert problem_codes(view) == [("warning", "bad-due-date", 9)]


@pytest.mark.parametrize("written", ["TBD", "-", ""])
def test_no_due_date_is_null_without_a_warning(written, rules):
    view = parse(table(STD_HEADER, [f"| P1 | Add an alert | @a | {written} | A-1 |"]), rules)
    assert items(view, "due_date", "due_text") == [(None, None)]
    assert view["problems"] == []


# --- priorities -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "priority"), [("P0", "P0"), ("P1", "P1"), ("P2", "P2"), ("P3", "P3"), ("p2", "P2")]
)
def test_priorities(written, priority, rules):
    view = parse(table(STD_HEADER, [f"| {written} | Add an alert | @a | 2024-06-01 | A-1 |"]), rules)
    assert items(view, "priority") == [(priority,)]
    assert view["problems"] == []


@pytest.mark.parametrize("written", ["P9", "P4", "whenever"])
def test_bad_priority_is_null_with_a_warning(written, rules):
    view = parse(table(STD_HEADER, [f"| {written} | Add an alert | @a | 2024-06-01 | A-1 |"]), rules)
    assert items(view, "priority", "action") == [(None, "Add an alert")]
    assert problem_codes(view) == [("warning", "bad-priority", 9)]


def test_normalise_priority():
    assert [normalise_priority(p) for p in ("P0", "P1", "P2", "P3", "TBD")] == ["P0", "P1", "P2", "P3", None]


# --- checkbox lists ---------------------------------------------------------------------------------------------------


def test_checkbox_list_with_owner_due_and_ticket(rules):
    text = HEAD + textwrap.dedent(
        """\
        - [x] Roll out session store behind a percentage ramp (@kim, due 2024-05-27, AUTH-12)
        - [ ] Add p99 login latency SLO alert (@lee, @mo, due 2024-06-10, AUTH-13)
        - [ ] Write runbook for session store failover (owner: TBD, due: TBD)
        """
    )
    view = parse(text, rules)
    assert items(view, "action", "owners", "due_date", "ticket", "status", "status_source") == [
        ("Roll out session store behind a percentage ramp", ["kim"], "2024-05-27", "AUTH-12", "done", "document"),
        ("Add p99 login latency SLO alert", ["lee", "mo"], "2024-06-10", "AUTH-13", "open", "document"),
        ("Write runbook for session store failover", [], None, None, "open", "document"),
    ]
    assert view["problems"] == []


def test_checkbox_capital_x_is_done(rules):
    view = parse(HEAD + "- [X] Add an alert (@kim)\n", rules)
    assert items(view, "action", "owners", "status") == [("Add an alert", ["kim"], "done")]


@pytest.mark.parametrize("due", ["due May 30, 2024", "due 30 May 2024", "due: 2024-05-30", "due 2024-05-30"])
def test_checkbox_due_date_forms(due, rules):
    view = parse(HEAD + f"- [ ] Write the runbook (@kim, {due}, AUTH-14)\n", rules)
    assert items(view, "action", "owners", "due_date", "ticket") == [
        ("Write the runbook", ["kim"], "2024-05-30", "AUTH-14")
    ]


def test_checkbox_unreadable_due_date_kept_as_text_with_a_warning(rules):
    view = parse(HEAD + "- [ ] Write the runbook (@kim, due next sprint)\n", rules)
    assert items(view, "owners", "due_date", "due_text") == [(["kim"], None, "next sprint")]
    assert problem_codes(view) == [("warning", "bad-due-date", 7)]


# --- quick template Fix list --------------------------------------------------------------------------------------------


def test_quick_fix_list_items_are_action_items_without_owner_or_due(rules):
    text = """
        # Quick Postmortem: Cache Miss Storm

        **Date:** 2024-03-04 | **Duration:** 12 min | **Severity:** SEV3

        ## Timeline

        - 10:00 - Cache flush initiated for config update
        - 10:12 - Latency normalized

        ## Fix

        - Immediate: Enabled cache warming
        - Long-term: Implement partial cache invalidation (ENG-999)
    """
    view = parse(text, rules)
    assert len(view["action_items"]) == 2
    assert [(a["owners"], a["due_date"], a["priority"]) for a in view["action_items"]] == [([], None, None)] * 2
    assert [a["ticket"] for a in view["action_items"]] == [None, "ENG-999"]
    assert "Enabled cache warming" in view["action_items"][0]["action"]
    assert "Implement partial cache invalidation" in view["action_items"][1]["action"]
    assert [a["line"] for a in view["action_items"]] == [12, 13]


# --- status words (shared with the ticket tracker export) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "cls"),
    [
        ("Done", "done"),
        ("Closed", "done"),
        ("Resolved", "done"),
        ("Fixed", "done"),
        ("Completed", "done"),
        ("Won't Do", "dropped"),
        ("Duplicate", "dropped"),
        ("Cancelled", "dropped"),
        ("In Progress", "open"),
        ("Backlog", "open"),
        ("Blocked", "open"),
    ],
)
def test_status_class(word, cls):
    assert status_class(word) == cls
