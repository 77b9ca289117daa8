"""Walking the corpus: every file seen, none followed out of it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath


@dataclass(slots=True)
class Entry:
    abs_path: str  # what to open
    root: str  # the corpus root as given
    relpath: str  # POSIX path under the root
    path: str  # display path: root + relpath
    note: str | None = None  # set when the file cannot be opened as found (broken or outside link)


def walk(roots: list[Path]) -> list[Entry]:
    """Every file under the roots, sorted, hidden folders (.git, .github, ...)
    not entered. A link is read when it points to a file inside the same
    root; one pointing outside the corpus, to a folder, or nowhere is listed
    with a note (and rejected by the build), never followed."""
    entries: list[Entry] = []
    seen_roots: set[str] = set()
    for root in roots:
        real_root = os.path.realpath(root)
        if real_root in seen_roots:
            continue
        seen_roots.add(real_root)
        shown = str(PurePosixPath(*Path(root).parts)) if str(root) else "."
        if os.path.isfile(root):
            rel = os.path.basename(root)
            entries.append(Entry(os.path.abspath(root), str(Path(root).parent), rel, shown))
            continue
        _scan(str(root), shown, real_root, entries)
    entries.sort(key=lambda e: e.path)
    return entries


def _scan(root: str, shown: str, real_root: str, entries: list[Entry]) -> None:
    """Append every file under `root` (one directory read per folder; the
    file type comes from the directory entry, not from a stat per file)."""
    stack = [(root, "")]
    while stack:
        top, prefix = stack.pop()
        try:
            with os.scandir(top) as it:
                found = sorted(it, key=lambda d: d.name)
        except OSError:
            continue  # an unreadable folder: as os.walk, skipped
        for de in found:
            if de.name.startswith("."):
                continue
            rel = prefix + de.name
            full = de.path
            note = None
            if de.is_symlink():
                target = os.path.realpath(full)
                if os.path.isdir(target):
                    note = "a link to a folder; links to folders are not followed"
                elif not os.path.exists(target):
                    note = "a link that points nowhere"
                elif os.path.commonpath([target, real_root]) != real_root:
                    note = "a link that points outside the corpus; not followed"
                elif not os.path.isfile(target):
                    note = "a link to something that is not a file"
            elif de.is_dir(follow_symlinks=False):
                stack.append((full, rel + "/"))
                continue
            elif not de.is_file(follow_symlinks=False):
                note = "not a regular file (device, pipe or socket)"
            entries.append(Entry(full, shown, rel, _join(shown, rel), note))


def _join(root: str, rel: str) -> str:
    return rel if root in ("", ".") else f"{root.rstrip('/')}/{rel}"
