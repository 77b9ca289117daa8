"""Across files: unique incident ids, and 5-whys documents joined to their incident.

The rules (`resolve`, in Python, is their reference):

- Two incidents with one id: the first by path keeps it, the others become
  '<id>#2', '<id>#3' (a warning on each; nothing is dropped).
- An attached document joins the incident whose id equals its `incident:`
  value, else the one whose id ends with '/<value>' when exactly one does;
  when none does, it stands as an incident of its own (a warning says so).

A build applies them in SQL over the staged sources (`resolve_staged`), so no
row per file passes through Python; the few corpora where numbering collides
with an id a document states itself ('x#2' beside two 'x'), or where a
document attaches to another that could not attach, are resolved in Python.
"""

from __future__ import annotations

import pyarrow as pa

from ingest.load.finalise import load

# Every attached document's incident (the id its `incident:` value names, exactly or as the one id ending
# in '/<value>'), and every claim of an id in claim order: the incidents by path, then the attached
# documents no id matches, by path; the n-th claim of an id is '<id>#n'. stage: 0 an incident, 1 an
# attached document standing alone, 2 one joined to its incident (final: that incident's id).
CLAIMS = """
CREATE TEMP TABLE _claims AS
WITH inc AS (
    SELECT path, doc_id, row_number() OVER (PARTITION BY doc_id ORDER BY path) AS n
    FROM _sources WHERE outcome = 'incident'
), finals AS (
    SELECT path, doc_id, CASE WHEN n = 1 THEN doc_id ELSE doc_id || '#' || n END AS final FROM inc
), tails AS (
    SELECT regexp_extract(final, '[^/]*$') AS tail, min(final) AS final FROM finals GROUP BY 1 HAVING count(*) = 1
), att AS (
    SELECT s.path, s.doc_id, s.attach_to, coalesce(f.final, t.final) AS target
    FROM _sources s
    LEFT JOIN finals f ON f.final = s.attach_to
    LEFT JOIN tails t ON t.tail = s.attach_to
    WHERE s.outcome = 'attached'
), lone AS (
    SELECT path, doc_id, attach_to,
           (SELECT count(*) FROM inc i WHERE i.doc_id = a.doc_id)
             + row_number() OVER (PARTITION BY doc_id ORDER BY path) AS n
    FROM att a WHERE target IS NULL
)
SELECT path, doc_id, final, NULL AS attach_to, 0 AS stage FROM finals
UNION ALL
SELECT path, doc_id, CASE WHEN n = 1 THEN doc_id ELSE doc_id || '#' || n END, attach_to, 1 FROM lone
UNION ALL
SELECT path, doc_id, target, attach_to, 2 FROM att WHERE target IS NOT NULL
"""

# SQL's numbering is the rules' when no two claims end with one id and no document attaches to one that
# stood alone (the rules read those ids as they are claimed, one by one).
CLAIMS_PLAIN = """
SELECT (SELECT count(*) = count(DISTINCT final) FROM _claims WHERE stage < 2)
   AND NOT EXISTS (SELECT 1 FROM _claims a JOIN _claims b ON a.attach_to = b.final WHERE a.stage > 0 AND b.stage = 1)
"""

RESOLVED = """
CREATE TEMP TABLE _resolved AS
SELECT s.path,
       CASE WHEN c.stage = 1 THEN 'incident' ELSE s.outcome END AS outcome,
       CASE WHEN c.stage = 2 THEN 'part of incident ' || c.final WHEN c.stage IS NULL THEN s.reason END AS reason,
       c.final AS incident_id
FROM _sources s LEFT JOIN _claims c USING (path)
"""

# The claims that are not their document's own id, and the attached documents that stand alone.
CLAIM_PROBLEMS = """
SELECT path, final, NULL, 'warning', code, message FROM (
    SELECT c.path, c.final, 'duplicate-id' AS code,
           'incident id ''' || c.doc_id || ''' is already used by ' || first.path
             || '; this document is kept as ''' || c.final || '''' AS message
    FROM _claims c JOIN _claims first ON first.final = c.doc_id AND first.stage < 2
    WHERE c.stage < 2 AND c.final <> c.doc_id
    UNION ALL
    SELECT path, final, 'unknown-incident',
           'names incident ''' || attach_to || ''', which no document in the corpus has; kept as an incident of its own'
    FROM _claims WHERE stage = 1
) ORDER BY path, code
"""

SOURCES_BY_PATH = "SELECT path, outcome, reason, doc_id, id_explicit, attach_to FROM _sources ORDER BY path"

# Every incident id's number (incident_key), which the dashboard's queries join on. A full build numbers the ids
# in order; a rebuild in place keeps the previous build's numbers (its incidents table) and numbers the new ids
# after the largest, so the rows it keeps still join.
KEYS = """
CREATE TEMP TABLE _keys AS
WITH ids AS (SELECT DISTINCT incident_id FROM _resolved WHERE incident_id IS NOT NULL),
old AS ({old}),
new AS (SELECT incident_id FROM ids WHERE incident_id NOT IN (SELECT incident_id FROM old))
SELECT incident_id, incident_key FROM old
UNION ALL
SELECT incident_id,
       CAST((SELECT coalesce(max(incident_key), 0) FROM old) + row_number() OVER (ORDER BY incident_id) AS INTEGER)
FROM new
"""
NO_KEYS = "SELECT CAST(NULL AS VARCHAR) AS incident_id, CAST(NULL AS INTEGER) AS incident_key WHERE false"
PREVIOUS_KEYS = "SELECT incident_id, incident_key FROM incidents"
KEYED = """
CREATE TEMP TABLE _keyed AS SELECT r.*, k.incident_key FROM _resolved r LEFT JOIN _keys k USING (incident_id)
"""


def resolve_staged(con, keep_keys: bool = False) -> list[tuple]:
    """The _resolved table (path, outcome, reason, incident_id, incident_key) of the staged _sources; with
    `keep_keys`, the keys of the incidents table `con` holds are kept.
    Returns the build problems (source_path, incident_id, line, level, code, message) the resolving found."""
    con.execute(CLAIMS)
    if con.execute(CLAIMS_PLAIN).fetchone()[0]:
        problems = con.execute(CLAIM_PROBLEMS).fetchall()
        con.execute(RESOLVED)
    else:
        resolved, problems = resolve(con.execute(SOURCES_BY_PATH).fetchall())
        load(con, "_resolved", resolved_table(resolved), temp=True)
    con.execute("DROP TABLE _claims")
    con.execute(KEYS.format(old=PREVIOUS_KEYS if keep_keys else NO_KEYS))
    con.execute(KEYED)
    con.execute("DROP TABLE _resolved")
    con.execute("DROP TABLE _keys")
    con.execute("ALTER TABLE _keyed RENAME TO _resolved")
    return problems


def resolved_table(resolved: dict) -> pa.Table:
    """{path: (outcome, reason, incident id)} as an Arrow table, built by column."""
    cols = list(zip(*resolved.values(), strict=True)) if resolved else [(), (), ()]
    return pa.table(
        [pa.array(list(resolved), pa.string()), *(pa.array(c, pa.string()) for c in cols)],
        names=["path", "outcome", "reason", "incident_id"],
    )


def resolve(docs: list[tuple]) -> tuple[dict[str, tuple[str, str | None, str | None]], list[tuple]]:
    """docs: (path, outcome, reason, doc_id, id_explicit, attach_to), sorted by path.

    Returns {path: (final outcome, reason, incident_id)} and build problems
    (source_path, incident_id, line, level, code, message), by the rules above."""
    out: dict[str, tuple[str, str | None, str | None]] = {}
    problems: list[tuple] = []
    ids: dict[str, str] = {}  # final id -> path
    counts: dict[str, int] = {}

    def claim(path: str, doc_id: str) -> str:
        final = doc_id
        if doc_id in ids:
            counts[doc_id] = counts.get(doc_id, 1) + 1
            final = f"{doc_id}#{counts[doc_id]}"
            while final in ids:
                counts[doc_id] += 1
                final = f"{doc_id}#{counts[doc_id]}"
            problems.append((path, final, None, "warning", "duplicate-id",
                             f"incident id '{doc_id}' is already used by {ids[doc_id]}; this document is kept as '{final}'"))  # fmt: skip
        ids[final] = path
        return final

    for path, outcome, reason, doc_id, _explicit, _attach in docs:
        if outcome == "incident":
            out[path] = ("incident", None, claim(path, doc_id))
        elif outcome not in ("attached",):
            out[path] = (outcome, reason, None)
    tails: dict[str, list[str]] = {}
    for final in ids:
        tails.setdefault(final.rsplit("/", 1)[-1], []).append(final)
    for path, outcome, _reason, doc_id, _explicit, attach in docs:
        if outcome != "attached":
            continue
        target = attach if attach in ids else None
        if target is None and len(tails.get(attach, [])) == 1:
            target = tails[attach][0]
        if target is not None:
            out[path] = ("attached", f"part of incident {target}", target)
        else:
            final = claim(path, doc_id)
            out[path] = ("incident", None, final)
            problems.append((path, final, None, "warning", "unknown-incident",
                             f"names incident '{attach}', which no document in the corpus has; kept as an incident of its own"))  # fmt: skip
    return out, problems
