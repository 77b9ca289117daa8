"""The command a page hands out gives the page's numbers: every filter in force goes into it, quoted
for a shell, and running it (as a reader would, in the project folder) answers the same question."""

from __future__ import annotations

import csv
import io
import json
import os
import shlex
import subprocess
import sys
from datetime import date

import pytest

from analytics import actions, export
from analytics.cli import DEFAULT_DB_NAME, PROJECT, command_for, db_argument, make_parser
from analytics.filters import Filters
from analytics.periods import parse_quarter
from tests import actions_corpus, small_corpus
from tests.apptest import metric, open_page
from tests.conftest import ROOT
from views.ui import minutes, pct

Q2 = parse_quarter("2025Q2")
AS_OF = date(2025, 7, 15)


@pytest.fixture(scope="module")
def review_db(tmp_path_factory, rules):
    return small_corpus.build(tmp_path_factory.mktemp("hints_review"), rules)


@pytest.fixture(scope="module")
def actions_db(tmp_path_factory, rules):
    return actions_corpus.build(tmp_path_factory.mktemp("hints_actions"), rules)


def hint(at) -> str:
    """The one command the page shows."""
    assert len(at.code) == 1, [c.value for c in at.code]
    return at.code[0].value


def run_hint(command: str, *extra: str) -> subprocess.CompletedProcess:
    """The command as a reader pastes it into a shell in the project folder, without the dashboard's
    INCIDENTS_DB (a weekly job's shell does not have it: the command must name the database itself)."""
    env = {k: v for k, v in os.environ.items() if k not in ("INCIDENTS_DB", "INCIDENTS_SETTINGS")}
    if not (ROOT / ".venv" / "bin" / "python").exists():  # a checkout installed another way
        command = command.replace(".venv/bin/python", shlex.quote(sys.executable), 1)
    line = command + "".join(" " + shlex.quote(x) for x in extra)
    r = subprocess.run(line, shell=True, cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr.decode()
    return r


# ------------------------------------------------------------------ the command, as a pure function


def test_command_for_carries_every_filter_quoted():
    f = Filters(Q2, Q2, AS_OF, teams=("payments", "search ops"), services=("api",), severities=("SEV1", "SEV2"))
    assert command_for("report", f, db="/data/it's here.duckdb") == (
        ".venv/bin/python -m analytics report --quarter 2025Q2 --as-of 2025-07-15 --team payments "
        "--team 'search ops' --service api --severity SEV1 --severity SEV2 --db '/data/it'\"'\"'s here.duckdb'"
    )
    assert command_for("overdue", f, owner="josé", owner_team="payments", manager="sam") == (
        ".venv/bin/python -m analytics overdue --as-of 2025-07-15 --team payments --team 'search ops' "
        "--service api --severity SEV1 --severity SEV2 --owner 'josé' --owner-team payments --manager sam"
    )


def test_command_for_reads_back_as_the_same_values():
    # A value starting with '-' must not be taken for an option; '$(...)' and quotes stay text.
    f = Filters(Q2, Q2, AS_OF, teams=("-ops", "$(rm -rf x)", "a'b"), services=("--db",))
    words = shlex.split(command_for("overdue", f, owner="-carol", manager='"m"'))
    assert words[:4] == [".venv/bin/python", "-m", "analytics", "overdue"]
    args = make_parser().parse_args(words[3:])
    assert (args.team, args.service, args.owner, args.manager) == (
        ["-ops", "$(rm -rf x)", "a'b"],
        ["--db"],
        "-carol",
        '"m"',
    )
    assert args.as_of == "2025-07-15"


def test_db_is_named_unless_it_is_the_default(tmp_path, monkeypatch):
    f = Filters(Q2, Q2, AS_OF)
    assert db_argument(PROJECT / DEFAULT_DB_NAME) is None
    monkeypatch.chdir(PROJECT)
    assert db_argument(DEFAULT_DB_NAME) is None  # the dashboard's default, relative to where it runs
    assert db_argument(PROJECT / "data" / "other.duckdb") == "data/other.duckdb"
    assert db_argument(tmp_path / "x.duckdb") == str((tmp_path / "x.duckdb").resolve())
    assert command_for("report", f, db=DEFAULT_DB_NAME).endswith("--as-of 2025-07-15")
    assert command_for("report", f, db="data/other.duckdb").endswith("--as-of 2025-07-15 --db data/other.duckdb")


def test_another_settings_file_is_named(tmp_path):
    f = Filters(Q2, Q2, AS_OF)
    from analytics.settings import DEFAULT_PATH

    assert command_for("report", f, settings_file=DEFAULT_PATH).startswith(".venv/bin/python ")
    other = tmp_path / "my settings.yaml"
    assert command_for("report", f, settings_file=other).startswith(
        f"INCIDENTS_SETTINGS={shlex.quote(str(other.resolve()))} .venv/bin/python -m analytics report"
    )


def test_report_has_no_owner_selection():
    with pytest.raises(ValueError):
        command_for("report", Filters(Q2, Q2, AS_OF), owner="alice")


# ------------------------------------------------------------------ the review page's command


REVIEW_VIEWS = [
    # (URL filters, incidents of 2025Q2 they select: small_corpus's table)
    ({}, 6),
    ({"team": "search"}, 3),  # Q2-2, Q2-3, Q2-6
    ({"service": "db"}, 2),  # Q2-3, Q2-5
    ({"service": "db", "severity": "SEV2"}, 1),  # Q2-5
    ({"team": "payments", "severity": ["SEV2", "SEV4"]}, 3),  # Q2-1, Q2-4, Q2-5
]


@pytest.mark.parametrize(("params", "incidents"), REVIEW_VIEWS)
def test_review_hint_gives_the_page_numbers(review_db, params, incidents):
    at = open_page(review_db, quarter="2025Q2", as_of="2025-07-15", **params)
    command = hint(at)
    assert "--quarter 2025Q2 --as-of 2025-07-15" in command and f"--db {review_db}" in command
    data = json.loads(run_hint(command, "--format", "json").stdout)
    assert data["incidents"]["total"] == incidents
    assert metric(at, "Incidents") == str(incidents)
    for label, m in (("Time to detect", "ttd"), ("Time to acknowledge", "tta"), ("Time to mitigate", "ttm"),
                     ("Time to resolve", "ttr")):  # fmt: skip
        assert metric(at, label) == minutes(data[m]["median"]), label
    a = data["action_items"]
    assert metric(at, "Overdue") == str(a["overdue"])
    assert metric(at, "Completion") == pct(a["completion_rate"])
    assert metric(at, "On time") == pct(a["on_time_rate"])


def test_review_hint_exact_text(review_db):
    at = open_page(review_db, quarter="2025Q2", as_of="2025-07-15", team="search", severity="SEV3")
    assert hint(at) == (
        ".venv/bin/python -m analytics report --quarter 2025Q2 --as-of 2025-07-15 --team search --severity SEV3 "
        f"--db {shlex.quote(str(review_db.resolve()))}"
    )


# ------------------------------------------------------------------ the action items page's command


def page_overdue(at):
    found = [d.value for d in at.dataframe if {"days_overdue", "owner", "status_source"} <= set(d.value.columns)]
    assert len(found) == 1
    return found[0]


ACTION_VIEWS = [
    # (URL filters, rows of the overdue list: actions_corpus's table)
    ({"as_of": "2025-07-15"}, 10),
    ({"as_of": "2025-07-15", "team": "search"}, 7),
    ({"as_of": "2025-07-15", "owner": "alice"}, 2),
    ({"as_of": "2025-07-15", "manager": "sam"}, 4),  # the manager selection the old hint dropped
    ({"as_of": "2025-07-15", "service": "search-api", "owner_team": "payments"}, 4),  # A-2 and B-2: alice, bob
    ({"as_of": "2025-07-15", "severity": "SEV3", "manager": "maria"}, 2),  # B-2 (the only SEV3): alice, bob
    ({"as_of": "2025-05-10", "owner": "zoë"}, 1),  # B-1, 9 days
]


@pytest.mark.parametrize(("params", "n_rows"), ACTION_VIEWS)
def test_overdue_hint_gives_the_page_table(actions_db, params, n_rows):
    at = open_page(actions_db, "views/actions.py", quarter="2025Q2", **params)
    shown = page_overdue(at)
    assert len(shown) == n_rows
    text = run_hint(hint(at)).stdout.decode("utf-8").removeprefix(export.BOM)
    cols = list(actions.OVERDUE_COLUMNS)
    got = [r[: len(cols)] for r in csv.reader(io.StringIO(text))]
    want = list(csv.reader(io.StringIO(export.csv_text(shown[cols]))))
    assert got == want


def test_overdue_hint_names_the_owner_selection(actions_db):
    at = open_page(actions_db, "views/actions.py", quarter="2025Q2", as_of="2025-07-15", manager="sam")
    assert hint(at) == (
        f".venv/bin/python -m analytics overdue --as-of 2025-07-15 --manager sam --db {actions_db.resolve()}"
    )
    at.selectbox(key="manager").set_value(None).run()
    at.selectbox(key="owner_team").set_value("payments").run()
    assert hint(at).startswith(".venv/bin/python -m analytics overdue --as-of 2025-07-15 --owner-team payments --db ")
