"""`python -m analytics` rejects what it does not know, in one line with exit status 2: a misspelt team
or owner names the close matches instead of giving an empty report (a weekly job would mail 'nothing
overdue'), and a --db that is no database is said so, never a traceback."""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from analytics.cli import unknown
from tests import actions_corpus
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def db(tmp_path_factory, rules):
    return actions_corpus.build(tmp_path_factory.mktemp("cli_unknown"), rules)


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--team", "paymnets"), "--team 'paymnets': no team of that name in the database; did you mean 'payments'?"),
        (("--team", "Search"), "--team 'Search': no team of that name in the database; did you mean 'search'?"),
        (("--team", "payments", "--team", "wombats"),
         "--team 'wombats': no team of that name in the database; it has 2: payments, search"),
        (("--service", "search-apu"),
         "--service 'search-apu': no service of that name in the database; did you mean 'search-api'?"),
        (("--owner", "carl"), "--owner 'carl': no owner of that name in the database; did you mean 'carol'?"),
        (("--owner-team", "serch"),
         "--owner-team 'serch': no owner's team of that name in the database; did you mean 'search'?"),
        (("--manager", "mara"), "--manager 'mara': no manager of that name in the database; did you mean 'maria'?"),
        (("--severity", "SEV9"), "--severity 'SEV9': not a severity; they are SEV1, SEV2, SEV3, SEV4, SEV5"),
        (("--severity", "high"), "--severity 'high': not a severity; they are SEV1, SEV2, SEV3, SEV4, SEV5"),
    ],
)  # fmt: skip
def test_overdue_rejects_an_unknown_value_naming_the_close_ones(db, args, message):
    r = run("overdue", "--db", str(db), "--as-of", "2025-07-15", *args)
    assert (r.returncode, r.stdout, r.stderr) == (2, "", f"error: {message}\n")


def test_report_rejects_an_unknown_team_too(db):
    r = run("report", "--db", str(db), "--quarter", "2025Q2", "--team", "paymnets")
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == "error: --team 'paymnets': no team of that name in the database; did you mean 'payments'?\n"


@pytest.mark.parametrize(
    "args",
    [
        ("--team", "search", "--as-of", "2024-12-01"),  # a known team with nothing overdue yet
        ("--severity", "sev1"),  # a severity no incident has, in any case
        ("--owner", "Carol Diaz"),  # the people file's name
        ("--owner", "@CAROL"),
        ("--owner-team", "Payments"),
        ("--manager", "@Sam"),
    ],
)
def test_known_values_are_accepted_even_when_they_select_nothing(db, args):
    r = run("overdue", "--db", str(db), *args)
    assert r.returncode == 0, r.stderr


def test_unknown_without_a_people_file():
    assert unknown("--manager", "sam", "sam", {}, "manager") == (
        "--manager 'sam': no manager of that name in the database; it has none (build with --people)"
    )
    many = {f"team{i:02}": f"team{i:02}" for i in range(12)}
    assert unknown("--team", "zzz", "zzz", many, "team") == (
        "--team 'zzz': no team of that name in the database; it has 12: "
        "team00, team01, team02, team03, team04, team05, team06, team07, ..."
    )
    assert unknown("--team", "team03", "team03", many, "team") is None


def _random(p):
    p.write_bytes(bytes(range(256)) * 40)


def _text(p):
    p.write_text("incident_id,title\nA-1,Outage\n", encoding="utf-8")


def _empty(p):
    p.write_bytes(b"")


def _folder(p):
    p.mkdir()


def _foreign(p):
    con = duckdb.connect(str(p))
    con.execute("CREATE TABLE notes (x INTEGER)")
    con.close()


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (_random, "not a database DuckDB can read"),
        (_text, "not a database DuckDB can read"),
        (_empty, "not a database DuckDB can read"),
        (_folder, "a folder, not a database file"),
        (_foreign, "not a database built by `python -m ingest build`"),
    ],
)
@pytest.mark.parametrize("command", ["report", "overdue"])
def test_db_that_is_not_a_database_is_a_one_line_error(tmp_path, make, says, command):
    p = tmp_path / "x.duckdb"
    make(p)
    r = run(command, "--db", str(p))
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr.startswith(f"error: --db {p}: {says}") and r.stderr.count("\n") == 1, r.stderr
    assert "Traceback" not in r.stderr
