"""A build killed at any moment, the swap included, leaves the previous
database whole and readable; the next build cleans up what it left."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analytics.db import connect
from tests.conftest import ROOT

KILL_AT_SWAP = """
import os, sys
import ingest.build as b
real = os.replace
def replace(src, dst):
    if {before}:
        os.kill(os.getpid(), 9)
    real(src, dst)
    os.kill(os.getpid(), 9)
b.os.replace = replace
from ingest.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("crash") / "corpus"
    subprocess.run([sys.executable, "-m", "benchmarks.corpusgen", "--out", str(out), "--count", "400", "--seed", "7"],
                   cwd=ROOT, check=True, capture_output=True)  # fmt: skip
    return out


def _build(corpus: Path, db: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ingest", "build", str(corpus), "--db", str(db), "--no-git", "--quiet",
                             "--full", *extra], cwd=ROOT)  # fmt: skip


def _state(db: Path) -> tuple:
    con = connect(db)
    try:
        return (con.execute("SELECT count(*) FROM incidents").fetchone()[0],
                con.execute("SELECT count(*) FROM action_items").fetchone()[0],
                con.execute("SELECT count(*) FROM sources").fetchone()[0])  # fmt: skip
    finally:
        con.close()


def _leftovers(db: Path) -> list[str]:
    return sorted(p.name for p in db.parent.iterdir() if p.name.startswith(f".{db.name}.building-"))


def test_random_kills_leave_the_previous_database_whole(corpus, tmp_path):
    db = tmp_path / "x.duckdb"
    assert _build(corpus, db).wait(timeout=300) == 0
    before = _state(db)
    assert before[0] >= 400
    t0 = time.monotonic()
    assert _build(corpus, db).wait(timeout=300) == 0
    full = time.monotonic() - t0
    rng = random.Random(20241127)
    for _ in range(10):
        p = _build(corpus, db)
        time.sleep(rng.uniform(0.05, max(0.1, full * 1.1)))
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=60)
        assert _state(db) == before
    assert _build(corpus, db).wait(timeout=300) == 0
    assert _state(db) == before
    assert _leftovers(db) == []


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(d.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _workers_of(p: subprocess.Popen) -> list[int]:
    """The build's parser workers, once its pool has started."""
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while not workers and time.monotonic() < deadline and p.poll() is None:
        workers = _children(p.pid)
        time.sleep(0.02)
    assert workers, "the build finished before its parser pool was seen"
    return workers


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_killed_build_leaves_no_parser_worker_behind(corpus, tmp_path):
    p = _build(corpus, tmp_path / "x.duckdb", "--jobs", "2")
    workers = _workers_of(p)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=60)
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [w for w in workers if _alive(w)] == []


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_build_started_right_after_a_killed_one_is_not_locked_out(corpus, tmp_path):
    """The killed build's parser workers inherit its lock file; they close it when they start, so the lock
    ends with the build itself, not a second later when the workers notice and leave."""
    db = tmp_path / "x.duckdb"
    p = _build(corpus, db, "--jobs", "2")
    workers = _workers_of(p)
    time.sleep(0.3)  # the workers have started (and closed their copy of the lock)
    p.send_signal(signal.SIGKILL)
    p.wait(timeout=60)
    assert any(_alive(w) for w in workers)  # still finishing their chunk: they leave within a second
    again = subprocess.run([sys.executable, "-m", "ingest", "build", str(corpus), "--db", str(db), "--no-git",
                            "--quiet", "--jobs", "1"], cwd=ROOT, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize("before", [True, False], ids=["killed-just-before-the-swap", "killed-just-after-the-swap"])
def test_kill_at_the_swap(corpus, tmp_path, before):
    db = tmp_path / "x.duckdb"
    assert _build(corpus, db).wait(timeout=300) == 0
    first = _state(db)
    (corpus / "extra").mkdir(exist_ok=True)
    (corpus / "extra" / "one-more.md").write_text(
        "# Postmortem: one more\n\n**Date:** 2025-01-02\n\n## Timeline\n\n- 10:00 - Alert fired\n- 10:30 - Resolved\n"
    )
    try:
        script = KILL_AT_SWAP.format(before=before)
        p = subprocess.run([sys.executable, "-c", script, "build", str(corpus), "--db", str(db), "--no-git", "--quiet"],
                           cwd=ROOT, timeout=300)  # fmt: skip
        assert p.returncode == -9
        after = _state(db)
        if before:
            assert after == first and _leftovers(db) != []
        else:
            assert after[0] == first[0] + 1  # the new database is whole
        assert _build(corpus, db).wait(timeout=300) == 0
        assert _state(db)[0] == first[0] + 1
        assert _leftovers(db) == []
    finally:
        (corpus / "extra" / "one-more.md").unlink()
