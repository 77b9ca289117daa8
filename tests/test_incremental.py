"""A rebuild in place gives exactly the database a full build gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from ingest.build import BuildOptions, build
from ingest.load.schema import TABLES
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "sample"


KEYED = [name for name, _, cols in TABLES if any(c == "incident_key" for c, _, _ in cols)]


def _keys_agree(con) -> None:
    """Each incident has one incident_key of its own, and every row of an incident carries it."""
    n, keys = con.execute("SELECT count(*), count(DISTINCT incident_key) FROM incidents").fetchone()
    assert n == keys
    for name in KEYED:
        assert con.execute(f"SELECT count(*) FROM {name} x LEFT JOIN incidents i USING (incident_id) "
                           "WHERE x.incident_key IS DISTINCT FROM i.incident_key").fetchone()[0] == 0, name  # fmt: skip


def _dump(db: Path) -> dict:
    """Every table's rows but the numbers of the incidents (incident_key: a rebuild in place numbers a new
    incident after the others, a full build in id order), which must agree within the database."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        _keys_agree(con)
        out = {}
        for name, _, cols in TABLES:
            if name == "meta":
                continue
            keep = [c for c, _, _ in cols if c not in ("reused", "incident_key")]
            out[name] = con.execute(f"SELECT {', '.join(repr(c).replace(chr(39), chr(34)) for c in keep)} "
                                    f"FROM {name} ORDER BY ALL").fetchall()  # fmt: skip
        return out
    finally:
        con.close()


def _opts(corpus: Path, db: Path, **kw) -> BuildOptions:
    return BuildOptions(corpus=[corpus], db=db, tickets=ROOT / "data" / "tickets.csv", people=ROOT / "data" / "people.yaml",
                        git=False, jobs=1, **kw)  # fmt: skip


@pytest.fixture
def corpus(tmp_path):
    dst = tmp_path / "sample"
    shutil.copytree(SAMPLE, dst)
    return dst


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def test_in_place_rebuild_equals_a_full_build(corpus, tmp_path, rules):
    db = tmp_path / "x.duckdb"
    build(_opts(corpus, db), rules)
    md = sorted(p for p in corpus.rglob("*.md") if "Postmortem:" in p.read_text() and "| Time |" in p.read_text())
    _edit(
        md[0],
        "| Time | Event |",
        "| Time | Event |\n|---|---|\n| 00:01 | Alert fired for an extra check |\n| Time | Event |",
    )
    _edit(md[1], "## Action Items", "## Action Items\n\n- [ ] Add one more runbook (@zoe, due 2026-12-01, OPS-999)\n")
    whys = next(p for p in sorted(corpus.rglob("*.md")) if p.read_text().startswith("---\nincident:"))
    _edit(whys, "**Answer:**", "**Answer:** (edited)")
    structured = next(corpus.rglob("*.yaml"))
    structured.write_text(structured.read_text() + "\nwhat_went_wrong: [A new lesson written later]\n")
    md[2].unlink()
    (corpus / "payments" / "2026-10-20-new-incident.md").write_text(
        "# Postmortem: A new one\n\n**Date:** 2026-10-20\n**Severity:** SEV2\n\n## Timeline\n\n"
        "| Time | Event |\n|---|---|\n| 10:00 | Deployment completed to production |\n| 10:04 | Alert fired |\n"
        "| 10:30 | Service fully recovered, incident resolved |\n"
    )
    again = build(_opts(corpus, db), rules)
    assert "in place, abandoned" not in again.stages and "load" not in again.stages  # it was refreshed in place
    assert again.parsed < 20 and again.reused > 150
    full = tmp_path / "full.duckdb"
    build(_opts(corpus, full, full=True), rules)
    assert _dump(db) == _dump(full)


def _keys(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(con.execute("SELECT incident_id, incident_key FROM incidents").fetchall())
    finally:
        con.close()


def test_a_rebuild_in_place_keeps_each_incidents_key_and_numbers_a_new_one_after_them(corpus, tmp_path, rules):
    db = tmp_path / "x.duckdb"
    build(_opts(corpus, db), rules)
    before = _keys(db)
    assert sorted(before.values()) == list(range(1, len(before) + 1))  # a full build: 1..n in id order
    assert [k for _, k in sorted(before.items())] == list(range(1, len(before) + 1))
    (corpus / "payments" / "0000-first-by-id.md").write_text(
        "---\nid: AAA-0001\n---\n# Postmortem: Sorts first\n\n**Date:** 2026-10-20\n\n## Timeline\n\n"
        "- 10:00 - Alert fired\n- 10:30 - Resolved\n"
    )
    again = build(_opts(corpus, db), rules)
    assert "in place: per incident" in again.stages
    after = _keys(db)
    assert {i: after[i] for i in before} == before
    assert after["AAA-0001"] == len(before) + 1
    full = tmp_path / "full.duckdb"
    build(_opts(corpus, full, full=True), rules)
    assert _keys(full)["AAA-0001"] == 1


def test_a_change_of_ids_falls_back_to_a_full_build(corpus, tmp_path, rules):
    db = tmp_path / "x.duckdb"
    build(_opts(corpus, db), rules)
    first = next(p for p in sorted(corpus.rglob("*.md")) if p.read_text().startswith("---\nid: "))
    declared = first.read_text().split("\n", 2)[1].split(": ", 1)[1]
    (corpus / "a-first").mkdir()
    (corpus / "a-first" / "2026-10-21-same-id.md").write_text(  # sorts first: it takes the id, the other is now #2
        f"---\nid: {declared}\n---\n# Postmortem: Claims the same id\n\n**Date:** 2026-10-21\n\n## Timeline\n\n"
        "- 10:00 - Alert fired\n- 10:30 - Resolved\n"
    )
    again = build(_opts(corpus, db), rules)
    full = tmp_path / "full.duckdb"
    build(_opts(corpus, full, full=True), rules)
    assert _dump(db) == _dump(full)
    assert again.incidents == 151
    assert "in place, abandoned" in again.stages


def test_a_changed_tickets_file_means_a_full_rebuild(corpus, tmp_path, rules):
    db = tmp_path / "x.duckdb"
    tickets = tmp_path / "tickets.csv"
    shutil.copy(ROOT / "data" / "tickets.csv", tickets)
    opts = dict(corpus=[corpus], db=db, tickets=tickets, people=ROOT / "data" / "people.yaml", git=False, jobs=1)
    build(BuildOptions(**opts), rules)
    lines = tickets.read_text().splitlines()
    tickets.write_text("\n".join(lines[:1] + [ln.replace(",To Do,", ",Done,") for ln in lines[1:]]) + "\n")
    again = build(BuildOptions(**opts), rules)
    full = tmp_path / "full.duckdb"
    build(BuildOptions(**{**opts, "db": full, "full": True}), rules)
    assert _dump(db) == _dump(full)
    assert again.reused > 150 and "load" in again.stages  # a new tickets export: not in place


def test_content_edits_redo_only_their_incidents_and_still_equal_a_full_build(corpus, tmp_path, rules):
    """No file added, removed or renamed, no id changed: only the edited files' incidents are recomputed,
    links included; the incident another one links to keeps its incoming link."""
    db = tmp_path / "x.duckdb"
    build(_opts(corpus, db), rules)
    ident = corpus / "identity" / "2026"
    target = ident / "2026-06-26-session-store-outage-after-config-push.md"  # linked to from 2026-09-01
    _edit(target, "## Timeline", "## Timeline\n\nOne more sentence about the timeline.\n")
    linking = ident / "2026-07-04-user-directory-errors-from-vendor-api.md"
    _edit(linking, "### Related Incidents", "### Related Incidents\n- See identity/2025/2025-12-06-session-store-"
          "failover-stalled and INC-2025-0066")  # fmt: skip
    again = build(_opts(corpus, db), rules)
    assert "in place: per incident" in again.stages
    assert again.parsed == 2 + again.skipped + again.rejected  # skipped and rejected files are always read
    full = tmp_path / "full.duckdb"
    build(_opts(corpus, full, full=True), rules)
    assert _dump(db) == _dump(full)
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM incident_links WHERE target_id = 'INC-2025-0066'").fetchone()[0] >= 1
    finally:
        con.close()


def test_a_changed_declared_id_re_resolves_every_link(corpus, tmp_path, rules):
    db = tmp_path / "x.duckdb"
    build(_opts(corpus, db), rules)
    ident = corpus / "identity"
    _edit(ident / "2026" / "2026-07-04-user-directory-errors-from-vendor-api.md", "### Related Incidents",
          "### Related Incidents\n- Also INC-2025-0066")  # fmt: skip
    build(_opts(corpus, db), rules)
    _edit(ident / "2025" / "2025-12-06-session-store-failover-stalled.md", "id: INC-2025-0066", "id: INC-2025-9066")
    again = build(_opts(corpus, db), rules)
    full = tmp_path / "full.duckdb"
    build(_opts(corpus, full, full=True), rules)
    assert _dump(db) == _dump(full)
    assert "in place: per incident" in again.stages
