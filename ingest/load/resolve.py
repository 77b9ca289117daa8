"""Across files: unique incident ids, and 5-whys documents joined to their incident."""

from __future__ import annotations


def resolve(docs: list[tuple]) -> tuple[dict[str, tuple[str, str | None, str | None]], list[tuple]]:
    """docs: (path, outcome, reason, doc_id, id_explicit, attach_to), sorted by path.

    Returns {path: (final outcome, reason, incident_id)} and build problems
    (source_path, incident_id, line, level, code, message).

    - Two incidents with one id: the first by path keeps it, the others become
      '<id>#2', '<id>#3' (a warning on each; nothing is dropped).
    - An attached document joins the incident whose id equals its `incident:`
      value, else the one whose id ends with '/<value>' when exactly one does;
      when none does, it stands as an incident of its own (a warning says so).
    """
    out: dict[str, tuple[str, str | None, str | None]] = {}
    problems: list[tuple] = []
    ids: dict[str, str] = {}  # final id -> path
    by_first: dict[str, str] = {}
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
        by_first.setdefault(doc_id, path)
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
