"""The benchmark harness runs end to end on a tiny corpus and writes every section.

No timing is asserted here (DESIGN.md: speed is checked by benchmarks that record
their figures); this only keeps `make bench` from rotting between real runs."""

from __future__ import annotations

import json

from benchmarks import results, run


def test_the_harness_writes_every_section_on_a_tiny_corpus(tmp_path):
    out = tmp_path / "RESULTS.md"
    argv = ["--count", "200", "--only", "build,analytics", "--corpus-dir", str(tmp_path / "corpus"),
            "--work-dir", str(tmp_path / "work"), "--out", str(out)]  # fmt: skip
    assert run.main(argv) == 0

    text = out.read_text(encoding="utf-8")
    for heading in ["## Machine", "## Summary", *(f"## {t}" for t in results.TITLES.values())]:
        assert heading in text, heading
    assert results.READING_START in text and results.READING_END in text
    for figure in ("documents/s", "markdown-it-py tokenising rate", "peak memory", "slowest analytics call"):
        assert figure in text, figure
    assert text.count("Not run yet") == 3  # rebuild, pages, profile were not asked for
    assert "AMD" in text or "CPU |" in text

    raw = json.loads((tmp_path / "work" / "n200-s1" / "results.json").read_text(encoding="utf-8"))
    build = raw["sections"]["build"]["data"]
    assert build["returncode"] == 0 and build["incidents"] == 200
    assert build["docs_per_s"] > 0 and build["markdown_it"]["parse_docs_per_s"] > 0
    assert build["peak_tree_rss_mib"] > 0
    ana = raw["sections"]["analytics"]["data"]
    assert [r for r in ana["rows"] if "error" in r] == []
    assert ana["not_measured"] == [], "a page calls an analytics function the benchmark does not measure"

    # a second run of one section keeps the other and the hand-written reading
    out.write_text(text.replace(results.READING_DEFAULT, "Bounded by X."), encoding="utf-8")
    assert run.main([*argv[:2], "--only", "build", *argv[4:]]) == 0
    again = out.read_text(encoding="utf-8")
    assert "Bounded by X." in again
    assert "carried over from an earlier run" in again and "slowest analytics call" in again


def test_the_parser_comparison_measures_the_builds_own_parser_and_names_the_libraries(tmp_path, capsys):
    from benchmarks import parsers

    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(3):
        (docs / f"2026-01-0{i + 1}-x.md").write_text(
            f"# Postmortem: Thing {i}\n\n**Date:** 2026-01-0{i + 1}\n\n## Timeline\n\n- 10:00 - Alert fired\n"
            "- 10:30 - Resolved\n\n## Root Cause\n\nA bad config.\n"
        )
    assert parsers.main(["--count", "2", "--corpus", str(docs)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 .md files of ")
    rows = [line for line in out.splitlines() if line.startswith("| ") and not line.startswith("| parser")]
    assert [r.split(" | ")[0][2:] for r in rows] == [name for name, _ in parsers.candidates({})]
    for row in rows[-3:]:  # markdown-it-py and the build's own: always installed, always measured
        cells = row.strip("|").split("|")
        assert float(cells[1].replace(",", "")) > 0 and float(cells[2]) > 0, row
