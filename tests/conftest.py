"""Shared fixtures: rules, hand-written corpora built into real databases."""

from __future__ import annotations

import textwrap
from pathlib import Path

import duckdb
import pytest

from ingest.build import BuildOptions, build
from ingest.understand.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def pytest_addoption(parser):
    parser.addoption("--e2e", action="store_true", default=False, help="run the browser tests (needs chromium)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--e2e"):
        return
    skip = pytest.mark.skip(reason="browser test: run with --e2e (needs Debian's chromium)")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def rules():
    return load_rules()


def write_corpus(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write {relative path: text} under root; text is dedented."""
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


def build_corpus(
    tmp: Path, files: dict, rules, tickets: str | None = None, people: str | None = None, as_of: str | None = None
) -> Path:
    """Write a hand-written corpus (plus tickets CSV and people file) under tmp
    and build it into tmp/db.duckdb; returns the database path."""
    from datetime import date

    corpus = write_corpus(tmp / "corpus", files)
    t = p = None
    if tickets is not None:
        t = tmp / "tickets.csv"
        t.write_text(tickets, encoding="utf-8")
    if people is not None:
        p = tmp / "people.yaml"
        p.write_text(people, encoding="utf-8")
    path = tmp / "db.duckdb"
    build(BuildOptions(corpus=[corpus], db=path, tickets=t, people=p, git=False, jobs=1,
                       as_of=date.fromisoformat(as_of) if as_of else None), rules)  # fmt: skip
    return path


class Built:
    """A read-only connection to a freshly built database, with the build's summary."""

    def __init__(self, con, summary, db: Path):
        self.con, self.summary, self.db = con, summary, db

    def execute(self, *args):
        return self.con.execute(*args)


@pytest.fixture
def build_db(tmp_path, rules):
    """build_db(files, tickets=None, people=None, **options) -> read-only connection."""
    opened = []

    def _build(files: dict, tickets: str | None = None, people: str | None = None, **kw):
        corpus = write_corpus(tmp_path / "corpus", files)
        t = p = None
        if tickets is not None:
            t = tmp_path / "tickets.csv"
            t.write_text(textwrap.dedent(tickets).lstrip("\n"), encoding="utf-8")
        if people is not None:
            p = tmp_path / "people.yaml"
            p.write_text(textwrap.dedent(people).lstrip("\n"), encoding="utf-8")
        db = kw.pop("db", tmp_path / "test.duckdb")
        opts = BuildOptions(corpus=[corpus], db=db, tickets=t, people=p, git=False, jobs=1, **kw)
        summary = build(opts, rules)
        con = duckdb.connect(str(db), read_only=True)
        opened.append(con)
        return Built(con, summary, db)

    yield _build
    for con in opened:
        con.close()
