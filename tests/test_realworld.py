"""Real postmortems by other teams (../shared/realworld): the build finishes,
every file is accounted for, and most incidents get their key times."""

import pytest

from ingest.build import BuildOptions, build
from tests.conftest import SHARED

REALWORLD = SHARED / "realworld"
pytestmark = pytest.mark.skipif(not REALWORLD.is_dir(), reason="../shared/realworld is not beside the project")


@pytest.fixture(scope="module")
def realworld(tmp_path_factory, rules):
    db = tmp_path_factory.mktemp("rw") / "rw.duckdb"
    summary = build(BuildOptions(corpus=[REALWORLD], db=db, git=False, jobs=1), rules)
    from analytics.db import connect

    con = connect(db)
    yield summary, con
    con.close()


def test_every_file_is_an_incident_attachment_skipped_or_rejected_with_a_reason(realworld):
    summary, con = realworld
    files = sum(1 for p in REALWORLD.rglob("*") if p.is_file())
    assert summary.files == files
    assert con.execute("SELECT count(*) FROM sources").fetchone()[0] == files
    outcomes = dict(con.execute("SELECT outcome, count(*) FROM sources GROUP BY 1").fetchall())
    assert set(outcomes) <= {"incident", "attached", "skipped", "rejected"}
    assert sum(outcomes.values()) == files
    unexplained = con.execute(
        "SELECT path FROM sources WHERE outcome IN ('skipped', 'rejected') AND (reason IS NULL OR reason = '')"
    ).fetchall()
    assert unexplained == []


def test_templates_licences_and_indexes_are_not_incidents(realworld):
    _, con = realworld
    wrong = con.execute(
        "SELECT relpath FROM sources WHERE outcome = 'incident' AND (lower(relpath) LIKE '%template%' "
        "OR relpath LIKE '%LICENSE' OR relpath LIKE '%README.md' OR relpath LIKE '%index.md')"
    ).fetchall()
    assert wrong == []


def test_most_incidents_have_detected_and_resolved_times(realworld):
    summary, _ = realworld
    assert summary.incidents >= 60
    assert summary.with_detected_and_resolved / summary.incidents >= 0.5


def test_contradictory_times_are_reported_and_never_shown_as_durations(realworld):
    """Some authors mislabel a date; the parser must not invent a fix, but it
    must say so and must not turn the contradiction into a number."""
    _, con = realworld
    bad = con.execute(
        "SELECT incident_id, ttd_minutes, ttr_minutes FROM incidents "
        "WHERE resolved_at < started_at OR detected_at < started_at ORDER BY 1"
    ).fetchall()
    assert len(bad) <= 3
    for incident_id, ttd, ttr in bad:
        codes = {r[0] for r in con.execute("SELECT code FROM problems WHERE incident_id = ?", [incident_id]).fetchall()}
        assert "negative-duration" in codes, incident_id
        assert ttd is None or ttd >= 0
        assert ttr is None or ttr >= 0


def test_durations_are_never_negative(realworld):
    _, con = realworld
    assert con.execute("SELECT count(*) FROM incident_durations WHERE minutes < 0").fetchone() == (0,)
