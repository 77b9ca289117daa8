"""The ingest CLI: exit statuses, and every option documented in the README."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from ingest.cli import make_parser
from tests.conftest import ROOT, write_corpus

README = (ROOT / "README.md").read_text()


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "ingest", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def _options(command: str) -> set[str]:
    sub = make_parser()._subparsers._group_actions[0].choices[command]
    return {o for a in sub._actions for o in a.option_strings if o.startswith("--") and o != "--help"}


@pytest.mark.parametrize("command", ["build", "parse", "check"])
def test_every_option_is_documented_in_the_readme(command):
    section = README.split(f"### `python -m ingest {command}", 1)[1].split("\n### ", 1)[0]
    shared = README.split("### `python -m ingest build", 1)[1].split("\n### ", 1)[0]
    documented = set(re.findall(r"(--[a-z][a-z\-]+)", section + shared))
    missing = _options(command) - documented
    assert missing == set()


def test_parse_prints_the_one_document_view(tmp_path):
    doc = write_corpus(
        tmp_path,
        {
            "a.md": "# Postmortem: X\n\n**Date:** 2024-01-02\n**Severity:** SEV3\n\n## Timeline\n\n- 10:00 - Alert fired\n- 10:30 - Resolved\n"
        },
    )
    out = run("parse", str(doc / "a.md"), "--json")
    assert out.returncode == 0
    view = json.loads(out.stdout)
    assert (view["incident_id"], view["title"], view["detected_at"], view["resolved_at"]) == (
        "a", "X", "2024-01-02T10:00:00Z", "2024-01-02T10:30:00Z",
    )  # fmt: skip


def test_parse_exit_status_1_when_not_a_postmortem(tmp_path):
    write_corpus(tmp_path, {"notes.md": "# Team handbook\n\nHow we work.\n"})
    out = run("parse", str(tmp_path / "notes.md"), "--json")
    assert out.returncode == 1
    assert json.loads(out.stdout)["outcome"] == "skipped"


def test_parse_exit_status_2_on_bad_usage(tmp_path):
    assert run("parse", str(tmp_path / "missing.md")).returncode == 2
    assert run("parse", "--no-such-option").returncode == 2
    assert "no such file" in run("parse", str(tmp_path / "missing.md")).stderr


def test_invalid_rule_file_is_reported_before_any_document(tmp_path):
    bad = tmp_path / "tax.yaml"
    bad.write_text("categories:\n  - id: x\n    patterns: ['(unclosed']\n")
    out = run("build", str(tmp_path), "--db", str(tmp_path / "x.duckdb"), "--taxonomy", str(bad))
    assert out.returncode == 2
    assert "category x: pattern '(unclosed' is not a valid regular expression" in out.stderr
    assert not (tmp_path / "x.duckdb").exists()


def test_build_prints_a_summary(tmp_path):
    write_corpus(
        tmp_path / "c",
        {
            "t/a.md": "# Postmortem: X\n\n**Date:** 2024-01-02\n\n## Timeline\n\n- 10:00 - Alert fired\n- 10:30 - Resolved\n",
            "README.md": "# index\n",
        },
    )
    out = run("build", str(tmp_path / "c"), "--db", str(tmp_path / "x.duckdb"), "--no-git")
    assert out.returncode == 0, out.stderr
    assert "2 files seen: 1 incidents, 0 attached, 1 skipped, 0 rejected" in out.stderr
    assert "1 of 1 incidents have a detected and a resolved time" in out.stderr


def test_check_exit_status_follows_fail_on(tmp_path):
    write_corpus(
        tmp_path / "c",
        {
            "a.md": "# Postmortem: X\n\n**Date:** 2024-01-02\n\n## Timeline\n\n- 10:00 - Alert fired\n- 10:30 - Resolved\n\nBob forgot to renew the certificate.\n"
        },
    )
    out = run("check", str(tmp_path / "c"), "--no-git")
    assert out.returncode == 0
    assert "guide/blameless" in out.stdout and "Bob forgot" in out.stdout
    assert run("check", str(tmp_path / "c"), "--no-git", "--fail-on", "warning").returncode == 1


@pytest.mark.parametrize("command", ["report", "overdue"])
def test_every_analytics_option_is_documented_in_the_readme(command):
    from analytics.cli import make_parser as analytics_parser

    sub = analytics_parser()._subparsers._group_actions[0].choices[command]
    options = {o for a in sub._actions for o in a.option_strings if o.startswith("--") and o != "--help"}
    section = README.split("### `python -m analytics report", 1)[1].split("\n## ", 1)[0]
    assert options - set(re.findall(r"(--[a-z][a-z\-]+)", section)) == set()
