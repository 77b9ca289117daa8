"""python -m ingest check: the guide's rules and parse problems, as a linter.

It runs the same build as `ingest build` into a throw-away database, so what
it reports is exactly what the dashboard's Data quality page will show."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import duckdb

from ingest.build import BuildError, BuildOptions, build
from ingest.cli import error, printable, printable_json
from ingest.load.quality import RULES
from ingest.understand.rules import Rules

LEVELS = {"error": 2, "warning": 1}

FINDINGS = """
SELECT s.path, coalesce(p.line, 0) AS line, p.level, p.code, p.message
FROM problems p JOIN sources s ON s.path = p.source_path
UNION ALL
SELECT i.source_path, coalesce(q.line, 0), 'warning', 'guide/' || q.rule,
       q.detail || CASE WHEN q.quote IS NOT NULL THEN ': "' || q.quote || '"' ELSE '' END
FROM quality_findings q JOIN incidents i USING (incident_id)
WHERE q.outcome = 'fail'
ORDER BY 1, 2, 4
"""


def cmd_check(args, rules: Rules) -> int:
    """Findings on stdout, one line each (or JSON); text from documents and
    file names is escaped, so a title cannot drive the terminal."""
    with tempfile.TemporaryDirectory(prefix="ingest-check-") as tmp:
        db = Path(tmp) / "check.duckdb"
        opts = BuildOptions(corpus=args.corpus, db=db, git=not args.no_git, max_bytes=args.max_bytes, jobs=0)
        try:
            summary = build(opts, rules)
        except BuildError as exc:
            return error(str(exc))
        for note in summary.notes:
            print(f"note: {printable(note)}", file=sys.stderr)
        con = duckdb.connect(str(db), read_only=True, config={"autoinstall_known_extensions": False})
        try:
            rows = con.execute(FINDINGS).fetchall()
        finally:
            con.close()
    threshold = LEVELS.get(args.fail_on, 99)
    worst = max((LEVELS.get(r[2], 0) for r in rows), default=0)
    if args.format == "json":
        print(printable_json({
            "files": summary.files, "incidents": summary.incidents, "skipped": summary.skipped,
            "rejected": summary.rejected,
            "findings": [{"path": p, "line": ln or None, "level": lv, "code": c, "message": m} for p, ln, lv, c, m in rows],
        }))  # fmt: skip
    else:
        for path, line, level, code, message in rows:
            print(f"{printable(path)}:{line or 1}: {level}: {code}: {printable(message)}")
        n_err = sum(1 for r in rows if r[2] == "error")
        print(f"{summary.files} files, {summary.incidents + summary.attached} postmortems: "
              f"{n_err} errors, {len(rows) - n_err} warnings", file=sys.stderr)  # fmt: skip
    return 1 if worst >= threshold else 0


__all__ = ["RULES", "cmd_check"]
