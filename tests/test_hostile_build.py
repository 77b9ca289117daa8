"""Hostile input to the build as a whole: one file never stops a build or a
check, git history is input too, a build's inputs are its own, an empty or
wrong corpus never replaces a database that has incidents, nothing the walk
passes over vanishes, and the command line answers bad values in one line."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

import ingest.parse_files as build_module
from ingest.build import BuildError, BuildOptions, UsageError, build
from ingest.cli import main, printable, printable_json
from ingest.load.rows import _json
from ingest.read.corpus import HIDDEN_FILE, HIDDEN_FOLDER, fs_text, fs_unescape
from ingest.read.gitdates import first_commit_times
from tests.conftest import ROOT, write_corpus

DOC = """
# Postmortem: Outage {n}

**Date:** 2024-03-0{n}
**Severity:** SEV3

## Timeline

| Time | Event |
|---|---|
| 10:00 | Config pushed to production |
| 10:05 | Alert fired |
| 10:40 | Service fully recovered, incident resolved |
"""
SURROGATE_JSON = ('{"title": "bad \\ud800 text", "severity": "SEV1", '
                  '"timeline": [{"at": "2025-01-01T10:00Z", "text": "Alert fired \\udfff"}]}')  # fmt: skip


def _opts(corpus, db: Path, **kw) -> BuildOptions:
    roots = corpus if isinstance(corpus, list) else [corpus]
    return BuildOptions(corpus=roots, db=db, git=kw.pop("git", False), jobs=1, **kw)


def _q(db: Path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _run(*args, cwd=ROOT, timeout=120):
    return subprocess.run([sys.executable, "-m", "ingest", *args], cwd=cwd, capture_output=True, timeout=timeout)


# ---------------------------------------------------------------- one document never aborts a build


def test_a_lone_surrogate_in_json_is_made_safe_and_the_build_goes_on(tmp_path, rules):
    corpus = write_corpus(tmp_path / "c", {"a.md": DOC.format(n=1), "bad.json": SURROGATE_JSON})
    db = tmp_path / "x.duckdb"
    build(_opts(corpus, db), rules)
    assert _q(db, "SELECT incident_id, title FROM incidents ORDER BY 1") == [("a", "Outage 1"),
                                                                         ("bad", "bad \ufffd text")]  # fmt: skip
    assert _q(db, "SELECT text FROM timeline_events WHERE source_path LIKE '%bad.json'") == [("Alert fired \ufffd",)]
    assert _q(db, "SELECT level, code FROM problems WHERE code = 'bad-text'") == [("warning", "bad-text")]


def test_a_lone_surrogate_in_the_parallel_parser_costs_nothing_else(tmp_path, rules, monkeypatch):
    monkeypatch.setattr(build_module, "PARALLEL_THRESHOLD", 2)
    corpus = write_corpus(
        tmp_path / "c", {"a.md": DOC.format(n=1), "b.md": DOC.format(n=2), "bad.json": SURROGATE_JSON}
    )
    db = tmp_path / "x.duckdb"
    summary = build(BuildOptions(corpus=[corpus], db=db, git=False, jobs=2), rules)
    assert (summary.incidents, summary.rejected) == (3, 0)


def test_a_file_name_that_is_not_utf8_is_stored_escaped(tmp_path, rules):
    corpus = tmp_path / "c"
    (corpus / os.fsdecode(b"t\xfeam")).mkdir(parents=True)
    (corpus / os.fsdecode(b"t\xfeam") / os.fsdecode(b"bad\xffname.md")).write_text(DOC.format(n=1))
    db = tmp_path / "x.duckdb"
    build(_opts(corpus, db), rules)
    assert _q(db, "SELECT relpath, outcome FROM sources") == [("t\\xfeam/bad\\xffname.md", "incident")]
    assert _q(db, "SELECT incident_id, team FROM incidents") == [("t\\xfeam/bad\\xffname", "t\\xfeam")]


def test_file_names_are_escaped_reversibly():
    for name in ("plain.md", "a\\b.md", "a\\xffb.md", os.fsdecode(b"bad\xff.md"), "caf\u00e9.md"):
        assert fs_unescape(fs_text(name)) == name
    assert fs_text(os.fsdecode(b"bad\xff.md")) != fs_text("bad\\xff.md")  # two names never become one
    assert fs_text("a\\b.md") == "a\\\\b.md"


def test_a_failure_turning_a_document_into_rows_rejects_only_that_file(tmp_path, rules, monkeypatch):
    real = build_module.document_rows

    def rows(doc, path, root):
        if path.endswith("b.md") and doc.outcome == "incident":
            raise RuntimeError("cannot make rows\nsecond line")
        return real(doc, path, root)

    monkeypatch.setattr(build_module, "document_rows", rows)
    corpus = write_corpus(tmp_path / "c", {"a.md": DOC.format(n=1), "b.md": DOC.format(n=2)})
    db = tmp_path / "x.duckdb"
    build(_opts(corpus, db), rules)
    assert _q(db, "SELECT relpath, outcome, reason FROM sources ORDER BY 1") == [
        ("a.md", "incident", None),
        ("b.md", "rejected", "the build failed on this file (RuntimeError: cannot make rows); please report it"),
    ]


def test_rows_that_do_not_fit_their_columns_reject_only_that_file(tmp_path, rules, monkeypatch):
    real = build_module.document_rows

    def rows(doc, path, root):
        out = real(doc, path, root)
        if path.endswith("b.md") and doc.outcome == "incident":
            row = out["timeline_events"][0]
            out["timeline_events"][0] = (*row[:2], "not a line number", *row[3:])
        return out

    monkeypatch.setattr(build_module, "document_rows", rows)
    corpus = write_corpus(tmp_path / "c", {"a.md": DOC.format(n=1), "b.md": DOC.format(n=2)})
    db = tmp_path / "x.duckdb"
    build(_opts(corpus, db), rules)
    got = dict(_q(db, "SELECT relpath, outcome FROM sources"))
    assert got == {"a.md": "incident", "b.md": "rejected"}
    reason = _q(db, "SELECT reason FROM sources WHERE relpath = 'b.md'")[0][0]
    assert reason.startswith("what the parser read from this file cannot be stored (")


def test_json_columns_are_valid_json_whatever_the_values():
    out = _json({"a": float("nan"), date(2025, 1, 1): [float("inf")], 7: "x"})
    assert out == '{"2025-01-01": ["inf"], "7": "x", "a": "nan"}'
    assert _json({"b": 1, "a": [datetime(2025, 1, 1, 10, 0)]}) == '{"a": ["2025-01-01 10:00:00"], "b": 1}'


def test_check_survives_a_surrogate_and_a_bad_file_name(tmp_path):
    corpus = write_corpus(tmp_path / "c", {"bad.json": SURROGATE_JSON})
    (corpus / os.fsdecode(b"bad\xffname.md")).write_text(DOC.format(n=1))
    out = _run("check", str(corpus), "--no-git", "--fail-on", "never")
    assert out.returncode == 0, out.stderr
    assert b"Traceback" not in out.stderr
    text = out.stdout.decode()
    assert "bad.json:1: warning: bad-text: " in text
    assert "/bad\\xffname.md:" in text


# ---------------------------------------------------------------- git history is input too


def _git(repo: Path, *args: str, date_: str | None = None) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@example.com", "GIT_COMMITTER_NAME": "a",
           "GIT_COMMITTER_EMAIL": "a@example.com"}  # fmt: skip
    if date_:
        env["GIT_COMMITTER_DATE"] = env["GIT_AUTHOR_DATE"] = date_
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_a_commit_dated_past_9999_costs_only_its_files(tmp_path, rules):
    corpus = write_corpus(tmp_path / "c", {"a.md": DOC.format(n=1)})
    _git(corpus, "init", "-q")
    _git(corpus, "add", "a.md")
    _git(corpus, "commit", "-qm", "a", date_="@1709290000 +0000")
    write_corpus(corpus, {"b.md": DOC.format(n=2)})
    _git(corpus, "add", "b.md")
    _git(corpus, "commit", "-qm", "b", date_="@253402300800 +0000")  # 10000-01-01
    db = tmp_path / "x.duckdb"
    build(_opts(corpus, db, git=True), rules)
    assert _q(db, "SELECT incident_id, published_at, published_source FROM incidents ORDER BY 1") == [
        ("a", datetime(2024, 3, 1, 10, 46, 40), "git"), ("b", None, None)]  # fmt: skip
    assert _q(db, "SELECT source_path, level, code FROM problems WHERE stage = 'build'") == [
        (f"{corpus}/b.md", "warning", "git-date")]  # fmt: skip


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_committed_names_with_a_newline_or_an_at_sign_keep_their_dates(tmp_path):
    repo = tmp_path / "r"
    repo.mkdir()
    _git(repo, "init", "-q")
    for name in ("new\nline.md", "@123", "tab\there.md"):
        (repo / name).write_text("x\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "a", date_="@1709290000 +0000")
    got = {Path(p).name: t for p, t in first_commit_times(repo).items()}
    assert got == {name: datetime(2024, 3, 1, 10, 46, 40) for name in ("new\nline.md", "@123", "tab\there.md")}


# ---------------------------------------------------------------- a build's inputs are its own


def test_a_second_build_of_the_same_database_stops_with_a_clear_message(tmp_path, rules):
    corpus = write_corpus(tmp_path / "c", {"a.md": DOC.format(n=1)})
    db = tmp_path / "x.duckdb"
    build(_opts(corpus, db), rules)
    write_corpus(corpus, {"b.md": DOC.format(n=2)})
    fd = os.open(tmp_path / "x.duckdb.lock", os.O_RDWR)
    try:
        os.pwrite(fd, b"4242\n", 0)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another build holds the database
        with pytest.raises(BuildError) as err:
            build(_opts(corpus, db), rules)
    finally:
        os.close(fd)
    assert str(err.value) == f"another build is writing {db} (process 4242); run this one when it has finished"
    assert _q(db, "SELECT incident_id FROM incidents") == [("a",)]
    build(_opts(corpus, db), rules)  # the lock ends with its holder
    assert _q(db, "SELECT count(*) FROM incidents") == [(2,)]


def test_overlapping_corpus_roots_count_each_document_once(tmp_path, rules):
    corpus = write_corpus(tmp_path / "pm", {"a.md": DOC.format(n=1), "team/b.md": DOC.format(n=2)})
    db = tmp_path / "x.duckdb"
    summary = build(_opts([corpus / "team", corpus, Path(os.path.relpath(corpus))], db), rules)
    assert (summary.files, summary.incidents) == (2, 2)
    assert _q(db, "SELECT incident_id FROM incidents ORDER BY 1") == [("a",), ("team/b",)]
    assert summary.notes == [
        f"corpus root {corpus}/team is inside {corpus}; its files are read once, under {corpus}",
        f"corpus root {os.path.relpath(corpus)} is the same folder as {corpus}; its files are read once, "
        f"under {corpus}",
    ]
    assert _q(db, "SELECT source_path, code FROM problems WHERE stage = 'build' ORDER BY 1") == [
        (os.path.relpath(corpus), "corpus-root"), (f"{corpus}/team", "corpus-root")]  # fmt: skip


# ---------------------------------------------------------------- an empty or wrong corpus


def test_an_empty_corpus_never_replaces_a_database_that_has_incidents(tmp_path, rules):
    db = tmp_path / "x.duckdb"
    build(_opts(write_corpus(tmp_path / "c", {"a.md": DOC.format(n=1)}), db), rules)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(BuildError) as err:
        build(_opts(empty, db), rules)
    assert str(err.value) == (f"no postmortems under {empty} (0 files seen); the previous database has 1 incidents "
                              "and is kept: pass --allow-empty to replace it with an empty one")  # fmt: skip
    assert _q(db, "SELECT incident_id FROM incidents") == [("a",)]
    assert [p.name for p in tmp_path.iterdir() if ".building-" in p.name] == []
    only_images = write_corpus(tmp_path / "img", {"x.png": b"\x89PNG"})
    with pytest.raises(BuildError, match=r"no postmortems under .* \(1 files seen\)"):
        build(_opts(only_images, db), rules)
    summary = build(_opts(empty, db, allow_empty=True), rules)
    assert summary.notes == [f"no postmortems under {empty} (0 files seen): replaced a database of 1 incidents "
                             "with an empty one (--allow-empty)"]  # fmt: skip
    assert _q(db, "SELECT count(*) FROM incidents") == [(0,)]


def test_a_first_build_of_an_empty_folder_says_so(tmp_path):
    (tmp_path / "empty").mkdir()
    out = _run("build", str(tmp_path / "empty"), "--db", str(tmp_path / "x.duckdb"), "--no-git", "--quiet")
    assert out.returncode == 0
    assert (
        out.stderr.decode() == f"note: no postmortems under {tmp_path}/empty (0 files seen): wrote an empty database\n"
    )


def test_a_corpus_that_is_not_a_folder_is_a_usage_error(tmp_path, rules):
    db = tmp_path / "x.duckdb"
    build(_opts(write_corpus(tmp_path / "c", {"a.md": DOC.format(n=1)}), db), rules)
    os.mkfifo(tmp_path / "fifo")
    for root in (Path("/dev/null"), tmp_path / "fifo"):
        out = _run("build", str(root), "--db", str(db), "--no-git")
        assert (out.returncode, out.stderr.decode()) == (
            2, f"error: {root}: not a folder or a file (a device, pipe or socket); nothing to read\n")  # fmt: skip
        with pytest.raises(UsageError):
            build(_opts(root, db), rules)
    assert _q(db, "SELECT incident_id FROM incidents") == [("a",)]


# ---------------------------------------------------------------- nothing dropped without a word


def test_hidden_files_and_folders_are_listed_as_skipped(tmp_path, rules):
    corpus = write_corpus(tmp_path / "c", {"a.md": DOC.format(n=1), ".draft.md": DOC.format(n=2),
                                           ".git/config": "[core]\n", ".github/x.md": DOC.format(n=3)})  # fmt: skip
    db = tmp_path / "x.duckdb"
    build(_opts(corpus, db), rules)
    assert _q(db, "SELECT relpath, outcome, reason FROM sources ORDER BY 1") == [
        (".draft.md", "skipped", HIDDEN_FILE), (".git", "skipped", HIDDEN_FOLDER), (".github", "skipped", HIDDEN_FOLDER),
        ("a.md", "incident", None)]  # fmt: skip


def test_an_unreadable_folder_is_rejected_with_the_reason(tmp_path, rules, monkeypatch):
    corpus = write_corpus(tmp_path / "c", {"a.md": DOC.format(n=1), "locked/b.md": DOC.format(n=2)})
    real = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr("ingest.read.corpus.os.scandir", scandir)
    db = tmp_path / "x.duckdb"
    build(_opts(corpus, db), rules)
    assert _q(db, "SELECT relpath, outcome, reason FROM sources ORDER BY 1") == [
        ("a.md", "incident", None), ("locked", "rejected", "cannot read this folder: Permission denied")]  # fmt: skip
    assert _q(db, "SELECT level, code FROM problems WHERE source_path LIKE '%locked'") == [("error", "rejected")]


# ---------------------------------------------------------------- the command line


def _one_line_usage_error(out) -> str:
    err = out.stderr.decode()
    assert out.returncode == 2, err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err
    return err


def test_bad_database_paths_are_one_line_usage_errors(tmp_path):
    corpus = write_corpus(tmp_path / "c", {"a.md": DOC.format(n=1)})
    os.mkfifo(tmp_path / "fifo")
    assert _one_line_usage_error(_run("build", str(corpus), "--db", "")) == (
        "error: --db '': give the database file to write\n")  # fmt: skip
    assert _one_line_usage_error(_run("build", str(corpus), "--db", str(tmp_path))) == (
        f"error: {tmp_path}: is a folder; the database must be a file\n")  # fmt: skip
    assert _one_line_usage_error(_run("build", str(corpus), "--db", str(tmp_path / "fifo"))) == (
        f"error: {tmp_path}/fifo: not a regular file (a pipe, socket or device); the database must be a file\n")  # fmt: skip


@pytest.mark.parametrize(("args", "message"), [
    (["--max-bytes", "-1"], "--max-bytes -1: must be from 1 to 1,073,741,824 (1 GiB)"),
    (["--max-bytes", str(10**20)], f"--max-bytes {10**20}: must be from 1 to 1,073,741,824 (1 GiB)"),
    (["--jobs", "-1"], "--jobs -1: must be 0 (one per core) or more"),
    (["--as-of", "0001-01-01"], "--as-of 0001-01-01: out of range (1900-01-01 to 9998-12-31)"),
    (["--as-of", "9999-12-31"], "--as-of 9999-12-31: out of range (1900-01-01 to 9998-12-31)"),
    (["--as-of", "2025-13-01"], "--as-of '2025-13-01' is not a date (YYYY-MM-DD)"),
])  # fmt: skip
def test_values_out_of_range_are_one_line_usage_errors(tmp_path, capsys, args, message):
    corpus = write_corpus(tmp_path / "c", {"a.md": DOC.format(n=1)})
    assert main(["build", str(corpus), "--db", str(tmp_path / "x.duckdb"), "--no-git", *args]) == 2
    assert capsys.readouterr().err == f"error: {message}\n"
    assert not (tmp_path / "x.duckdb").exists()


def test_jobs_far_above_the_cores_are_clamped_with_a_note(tmp_path, capsys):
    from ingest.cli import cores

    corpus = write_corpus(tmp_path / "c", {"a.md": DOC.format(n=1)})
    assert main(["build", str(corpus), "--db", str(tmp_path / "x.duckdb"), "--no-git", "--quiet",
                 "--jobs", "100000"]) == 0  # fmt: skip
    assert capsys.readouterr().err == f"note: --jobs 100000 is more than the {cores()} cores here; using {cores()}\n"


def test_a_pipe_given_as_a_rule_file_or_corrections_never_hangs(tmp_path):
    corpus = write_corpus(tmp_path / "c", {"a.md": DOC.format(n=1)})
    os.mkfifo(tmp_path / "fifo")
    out = _run("build", str(corpus), "--db", str(tmp_path / "x.duckdb"), "--taxonomy", str(tmp_path / "fifo"),
               timeout=60)  # fmt: skip
    assert _one_line_usage_error(out) == f"error: --taxonomy {tmp_path}/fifo: not a regular file\n"
    os.mkfifo(corpus / "corrections.yaml")
    out = _run("check", str(corpus), "--no-git", "--format", "json", timeout=60)
    findings = json.loads(out.stdout)["findings"]
    assert {"path": f"{corpus}/corrections.yaml", "line": None, "level": "error", "code": "rejected",
            "message": "not a regular file (device, pipe or socket)"} in findings  # fmt: skip


def test_an_unreadable_previous_database_is_replaced_with_a_note(tmp_path):
    corpus = write_corpus(tmp_path / "c", {"a.md": DOC.format(n=1)})
    db = tmp_path / "x.duckdb"
    db.write_bytes(bytes(range(256)) * 20)
    out = _run("build", str(corpus), "--db", str(db), "--no-git", "--quiet")
    assert out.returncode == 0
    assert (
        out.stderr.decode()
        == f"note: the previous database {db} cannot be read; every file is parsed anew and it is replaced\n"
    )
    assert _q(db, "SELECT incident_id FROM incidents") == [("a",)]


def test_a_previous_database_that_fails_while_reused_says_to_rebuild_with_full(tmp_path, rules, monkeypatch):
    corpus = write_corpus(tmp_path / "c", {"a.md": DOC.format(n=1)})
    db = tmp_path / "x.duckdb"
    build(_opts(corpus, db), rules)
    write_corpus(corpus, {"b.md": DOC.format(n=2)})

    def corrupt(*a, **k):
        raise duckdb.IOException("Corrupt database file: computed checksum 1 does not match stored checksum 2\nmore")

    monkeypatch.setattr("ingest.load.incremental.refresh", corrupt)
    with pytest.raises(BuildError) as err:
        build(_opts(corpus, db), rules)
    assert str(err.value) == (f"the previous database {db} cannot be reused (Corrupt database file: "
                              "computed checksum 1 does not match stored checksum 2); rebuild it with --full")  # fmt: skip
    build(_opts(corpus, db, full=True), rules)
    assert _q(db, "SELECT count(*) FROM incidents") == [(2,)]


# ---------------------------------------------------------------- terminal escapes in output

EVIL_TITLE = "Outage \x1b]0;owned\x07 \x1b[2J \u202eevil\u202c \x9b31m"


def test_printable_escapes_what_a_terminal_would_act_on():
    assert printable(EVIL_TITLE) == "Outage \\x1b]0;owned\\x07 \\x1b[2J \\u202eevil\\u202c \\x9b31m"
    assert printable("caf\u00e9 \u4e2d\u6587 ok") == "caf\u00e9 \u4e2d\u6587 ok"
    assert printable_json({"t": EVIL_TITLE + "\ud800"}) == (
        '{\n  "t": "Outage \\u001b]0;owned\\u0007 \\u001b[2J \\u202eevil\\u202c \\u009b31m\\ud800"\n}')  # fmt: skip


def _no_raw_controls(data: bytes) -> None:
    text = data.decode("utf-8")
    assert not any(c in text for c in ("\x1b", "\x07", "\u202e", "\x9b")), text


def test_parse_and_check_never_print_raw_escape_sequences(tmp_path):
    name = "evil\x1b[31m\u202e.md"
    corpus = write_corpus(tmp_path / "c", {name: DOC.format(n=1).replace("Outage 1", EVIL_TITLE)})
    for args in (["parse", str(corpus / name)], ["parse", "--json", str(corpus / name)],
                 ["check", str(corpus), "--no-git", "--fail-on", "never"],
                 ["check", str(corpus), "--no-git", "--fail-on", "never", "--format", "json"]):  # fmt: skip
        out = _run(*args)
        assert out.returncode == 0, out.stderr
        _no_raw_controls(out.stdout)
        _no_raw_controls(out.stderr)
    out = _run("parse", str(corpus / name))
    assert out.stdout.decode().splitlines()[:2] == [
        "evil\\x1b[31m\\u202e.md: incident",
        "  evil\\x1b[31m\\u202e  Outage \\x1b]0;owned\\x07 \\x1b[2J \\u202eevil\\u202c \\x9b31m  [standard]"]  # fmt: skip


def test_output_into_a_closed_pipe_ends_quietly(tmp_path):
    corpus = write_corpus(tmp_path / "c", {f"a{n}.md": DOC.format(n=n % 9 + 1) for n in range(30)})
    proc = subprocess.Popen([sys.executable, "-m", "ingest", "check", str(corpus), "--no-git", "--fail-on", "never"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    proc.stdout.close()  # the reader (`| head`) went away
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in err and "BrokenPipeError" not in err
