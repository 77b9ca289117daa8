"""`python -m analytics overdue`: the CSV a weekly job sends around. It must be
the page's overdue table, row for row, for any as-of date; exact and stable."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys

import pytest

from analytics import actions, export
from tests import actions_corpus
from tests.apptest import open_page
from tests.conftest import ROOT

HEADER = ("incident_id,incident_title,team,quarter,priority,action,owner,owner_name,owner_team,manager,due_date,"
          "days_overdue,ticket,status,status_source,document,line")  # fmt: skip


@pytest.fixture(scope="module")
def db(tmp_path_factory, rules):
    path = actions_corpus.build(tmp_path_factory.mktemp("overdue_cli"), rules)
    (path.parent / "no-links.yaml").write_text("fiscal_year_start_month: 1\n")  # no ticket_url column here
    return path


def run(db, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**(env or os.environ), "INCIDENTS_SETTINGS": str(db.parent / "no-links.yaml")}
    return subprocess.run([sys.executable, "-m", "analytics", "overdue", "--db", str(db), *args], cwd=ROOT,
                          capture_output=True, timeout=120, env=env)  # fmt: skip


def out(db, *args: str) -> str:
    """The CSV's text after the UTF-8 byte order mark it starts with (the page's download has it too)."""
    r = run(db, *args)
    assert r.returncode == 0, r.stderr.decode()
    text = r.stdout.decode("utf-8")
    assert text.startswith(export.BOM)
    return text.removeprefix(export.BOM)


def page_table(db, **params):
    at = open_page(db, "views/actions.py", **params)
    found = [d.value for d in at.dataframe if {"days_overdue", "owner", "status_source"} <= set(d.value.columns)]
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize(
    ("as_of", "quarter", "n_rows"),
    [("2025-07-15", "2025Q2", 10), ("2025-05-10", "2025Q1", 5)],
)
def test_cli_csv_is_the_page_table_row_for_row(db, as_of, quarter, n_rows):
    cli = out(db, "--as-of", as_of)
    shown = page_table(db, quarter=quarter, as_of=as_of)
    assert len(shown) == n_rows
    assert cli == export.csv_text(shown[list(actions.OVERDUE_COLUMNS)])
    # and the same rows when parsed, cell by cell, in the same order
    parsed = list(csv.reader(io.StringIO(cli)))
    assert len(parsed) == n_rows + 1
    assert [r[0] for r in parsed[1:]] == list(shown["incident_id"])
    assert [int(r[11]) for r in parsed[1:]] == list(shown["days_overdue"])


def test_cli_with_a_team_matches_the_page_with_that_team(db):
    cli = out(db, "--as-of", "2025-07-15", "--team", "search")
    shown = page_table(db, quarter="2025Q2", as_of="2025-07-15", team="search")
    assert cli == export.csv_text(shown[list(actions.OVERDUE_COLUMNS)])
    assert [r[0] for r in csv.reader(io.StringIO(cli))][1:] == ["A-2", "A-2", "A-2", "B-2", "B-2", "B-2", "C-1"]


def test_cli_exact_output_as_of_a_fixed_date(db):
    # As of 2025-05-10 (days overdue = 05-10 - due): OLD-1 99, A-2 70, A-2 25 for each of its two owners, B-1 9.
    # PAY-3 is resolved 2025-08-01, after the date: open then, and said so.
    assert out(db, "--as-of", "2025-05-10") == "\r\n".join([
        HEADER,
        "OLD-1,Incident OLD-1,payments,2024Q4,P1,Retire legacy queue,carol,Carol Diaz,search,sam,2025-01-31,99,PAY-10,"
        "In Progress,ticket,payments/OLD-1.yaml,",
        "A-2,Incident A-2,search,2025Q1,P1,Alert on index lag,carol,Carol Diaz,search,sam,2025-03-01,70,SRCH-1,"
        "In Progress,ticket,search/A-2.yaml,",
        "A-2,Incident A-2,search,2025Q1,P0,Validate config in CI,alice,Alice Chen,payments,maria,2025-04-15,25,PAY-3,"
        '"Done on 2025-08-01, after the as-of date",ticket,search/A-2.yaml,',
        "A-2,Incident A-2,search,2025Q1,P0,Validate config in CI,bob,Bob Stone,payments,maria,2025-04-15,25,PAY-3,"
        '"Done on 2025-08-01, after the as-of date",ticket,search/A-2.yaml,',
        "B-1,Incident B-1,payments,2025Q2,P2,Rotate leaked token,zoë,Zoë Brontë,search,sam,2025-05-01,9,SRCH-2,Open,"
        "ticket,payments/B-1.yaml,",
        "",
    ])  # fmt: skip


def test_cli_is_stable_and_totally_ordered(db):
    a, b = out(db, "--as-of", "2025-07-15"), out(db, "--as-of", "2025-07-15")
    assert a == b
    body = list(csv.reader(io.StringIO(a)))[1:]
    keys = [(-int(r[11]), r[0], r[15], r[6]) for r in body]
    assert keys == sorted(keys)  # days overdue desc, then incident, item, owner
    assert len(set(keys)) == len(keys)
    # ties broken as documented: 91 days alice before bob; 14 days B-2 (no owner) before B-3
    assert [(r[0], r[6], r[11]) for r in body if r[11] in ("91", "14")] == [
        ("A-2", "alice", "91"), ("A-2", "bob", "91"), ("B-2", "", "14"), ("B-3", "erin", "14"),
    ]  # fmt: skip


def test_cli_owner_is_normalised(db):
    want = out(db, "--as-of", "2025-07-15", "--owner", "carol")
    assert [r[6] for r in csv.reader(io.StringIO(want))][1:] == ["carol", "carol", "carol"]
    for spelling in ("@Carol", "CAROL", "Carol Diaz"):
        assert out(db, "--as-of", "2025-07-15", "--owner", spelling) == want


def test_cli_csv_is_safe_utf8(db):
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    r = run(db, "--as-of", "2025-07-15", env=env)
    assert r.returncode == 0, r.stderr.decode()
    text = r.stdout.decode("utf-8")
    assert "zoë,Zoë Brontë" in text
    assert ",'+1 the alert threshold," in text  # would be a formula in a spreadsheet
    assert text.startswith("\ufeff")  # the byte order mark Excel needs, as in the page's download


def test_cli_nothing_overdue_gives_just_the_header(db):
    assert out(db, "--as-of", "2024-12-01") == HEADER + "\r\n"


def test_cli_bad_date(db):
    r = run(db, "--as-of", "yesterday")
    assert r.returncode == 2
    assert b"is not a date" in r.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("overdue", "--as-of", "0001-01-01"), "error: --as-of: 0001-01-01 is outside the years 1900 to 9998\n"),
        (("overdue", "--as-of", "9999-12-31"), "error: --as-of: 9999-12-31 is outside the years 1900 to 9998\n"),
        (("report", "--quarter", "0000Q1"), "error: --quarter: '0000Q1' is outside the years 1900 to 9998\n"),
        (("report", "--quarter", "9999Q4"), "error: --quarter: '9999Q4' is outside the years 1900 to 9998\n"),
    ],
)
def test_dates_and_quarters_out_of_the_calendar_are_one_line_errors(db, args, message):
    r = subprocess.run([sys.executable, "-m", "analytics", *args, "--db", str(db)], capture_output=True, cwd=ROOT)
    assert (r.returncode, r.stdout, r.stderr.decode()) == (2, b"", message)


def test_report_output_writes_the_file_the_page_would_download(db, tmp_path):
    out_file = tmp_path / "review.md"
    args = ["report", "--quarter", "2025Q2", "--as-of", "2025-07-15", "--db", str(db)]
    r = subprocess.run([sys.executable, "-m", "analytics", *args, "--output", str(out_file)], capture_output=True,
                       cwd=ROOT)  # fmt: skip
    assert (r.returncode, r.stdout, r.stderr.decode()) == (0, b"", f"wrote {out_file}\n")
    same = subprocess.run([sys.executable, "-m", "analytics", *args], capture_output=True, cwd=ROOT)
    assert out_file.read_bytes() == same.stdout and same.stdout.startswith(b"# Quarterly incident review: 2025Q2")
    bad = subprocess.run([sys.executable, "-m", "analytics", *args, "--output", str(tmp_path / "no" / "x.md")],
                         capture_output=True, cwd=ROOT)  # fmt: skip
    assert (bad.returncode, bad.stderr.decode().count("\n")) == (2, 1)
