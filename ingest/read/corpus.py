"""Walking the corpus: every file seen, none followed out of it, none dropped
without a word.

File names are bytes on POSIX; Python hands them over with the bytes that
are not UTF-8 as lone surrogates (surrogateescape), which no database or
Arrow column can hold. The walk keeps that name to open the file and stores
`fs_text(name)`: the same name with a backslash written as two and every
byte that is not UTF-8 as `\\xNN` -- one consistent, reversible escape
(`fs_unescape`), so two names never become one.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

HIDDEN_FILE = "a hidden file (its name starts with a dot); not read"
HIDDEN_FOLDER = "a hidden folder (its name starts with a dot, like .git); nothing in it is read"


@dataclass(slots=True)
class Entry:
    abs_path: str  # what to open (the name as the file system has it)
    root: str  # the corpus root as given (escaped)
    relpath: str  # POSIX path under the root (escaped)
    path: str  # display path: root + relpath (escaped)
    note: str | None = None  # set when the file is not read as found: the reason
    outcome: str = "rejected"  # what a noted entry becomes: rejected, or skipped (hidden files and folders)


def fs_text(name: str) -> str:
    """A file name as text any column can hold: `\\` as `\\\\`, a byte that
    is not UTF-8 (a lone surrogate from surrogateescape) as `\\xNN`."""
    if "\\" in name:
        name = name.replace("\\", "\\\\")
    if name.isascii():
        return name
    return "".join(f"\\x{ord(c) - 0xDC00:02x}" if 0xDC80 <= ord(c) <= 0xDCFF else c for c in name)


_ESCAPE = re.compile(r"\\(\\|x[0-9a-f]{2})")


def fs_unescape(text: str) -> str:
    """The file name `fs_text` was given (with surrogateescape bytes)."""
    return _ESCAPE.sub(lambda m: "\\" if m.group(1) == "\\" else chr(0xDC00 + int(m.group(1)[1:], 16)), text)


def corpus_roots(roots: list[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The roots to walk and (root, note) for each one dropped: a root given twice
    (by any spelling: relative, absolute, through a link) or inside another
    root would count its documents twice. Roots are compared as real paths."""
    kept: list[tuple[Path, str]] = []
    notes: list[tuple[Path, str]] = []
    for root in roots:
        real = os.path.realpath(root)
        outer = next((k for k, kr in kept if kr == real or _under(real, kr)), None)
        if outer is not None:
            notes.append((root, _dropped(root, outer, same=os.path.realpath(outer) == real)))
            continue
        for k, kr in [(k, kr) for k, kr in kept if _under(kr, real)]:
            notes.append((k, _dropped(k, root, same=False)))
            kept.remove((k, kr))
        kept.append((root, real))
    return [k for k, _ in kept], notes


def _under(path: str, folder: str) -> bool:
    return path != folder and os.path.commonpath([path, folder]) == folder


def _dropped(root: Path, outer: Path, same: bool) -> str:
    where = "the same folder as" if same else "inside"
    return (f"corpus root {fs_text(str(root))} is {where} {fs_text(str(outer))}; "
            f"its files are read once, under {fs_text(str(outer))}")  # fmt: skip


def walk(roots: list[Path]) -> list[Entry]:
    """Every file under the roots, sorted. A link is read when it points to a
    file inside the same root; one pointing outside the corpus, to a folder,
    or nowhere is listed with a note (and rejected by the build), never
    followed. Hidden files and folders (.git, .github, ...) are listed as
    skipped, a folder as one entry; a folder that cannot be read is listed
    as rejected, with the reason."""
    entries: list[Entry] = []
    seen_roots: set[str] = set()
    for root in roots:
        real_root = os.path.realpath(root)
        if real_root in seen_roots:
            continue
        seen_roots.add(real_root)
        shown = fs_text(str(PurePosixPath(*Path(root).parts))) if str(root) else "."
        if os.path.isfile(root):
            rel = fs_text(os.path.basename(root))
            entries.append(Entry(os.path.abspath(root), fs_text(str(Path(root).parent)), rel, shown))
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
        except OSError as exc:
            rel = prefix.rstrip("/") or "."
            path = _join(shown, rel) if prefix else shown
            entries.append(Entry(top, shown, rel, path, f"cannot read this folder: {exc.strerror or exc}"))
            continue
        for de in found:
            rel = prefix + fs_text(de.name)
            full = de.path
            note, outcome = None, "rejected"
            if de.name.startswith("."):
                folder = de.is_dir(follow_symlinks=False)
                note, outcome = (HIDDEN_FOLDER if folder else HIDDEN_FILE), "skipped"
            elif de.is_symlink():
                note = _link_note(full, real_root)
            elif de.is_dir(follow_symlinks=False):
                stack.append((full, rel + "/"))
                continue
            elif not de.is_file(follow_symlinks=False):
                note = "not a regular file (device, pipe or socket)"
            entries.append(Entry(full, shown, rel, _join(shown, rel), note, outcome))


def _link_note(full: str, real_root: str) -> str | None:
    """Why a link is not read (None: it points to a file inside the root)."""
    target = os.path.realpath(full)
    if os.path.isdir(target):
        return "a link to a folder; links to folders are not followed"
    if not os.path.exists(target):
        return "a link that points nowhere"
    if os.path.commonpath([target, real_root]) != real_root:
        return "a link that points outside the corpus; not followed"
    if not os.path.isfile(target):
        return "a link to something that is not a file"
    return None


def _join(root: str, rel: str) -> str:
    return rel if root in ("", ".") else f"{root.rstrip('/')}/{rel}"
