"""When each file first entered git: the publication date of a postmortem
that does not state one (the guide's 48-hour rule needs it).

Git history is input too: a commit dated past year 9999 (or before year 1)
or a file name holding a newline, a tab or bytes that are not UTF-8 must
cost at most that file's date, never the build."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

TIMEOUT_S = 120
# Each commit starts with a NUL, so its header is the token after an empty one: a file
# named "@123" (or holding a newline) is never taken for a date.
LOG_FORMAT = "--format=%x00@%ct"


def first_commit_times(root: Path, notes: list[tuple[str, str]] | None = None) -> dict[str, datetime]:
    """{absolute path: naive UTC time of the commit that added it} for the files
    under `root` when it is inside a git work tree; {} otherwise (no git, not a
    repository, or git failing: the rule is then 'not measurable'). A commit
    whose date cannot be a date gives its files no date, and a
    (absolute path, message) in `notes`."""
    git = shutil.which("git")
    if git is None:
        return {}
    try:
        top = subprocess.run([git, "-C", str(root), "rev-parse", "--show-toplevel"], capture_output=True,
                             timeout=TIMEOUT_S, check=False)  # fmt: skip
        if top.returncode != 0:
            return {}
        toplevel = Path(os.fsdecode(top.stdout.removesuffix(b"\n")))
        rel = os.path.relpath(Path(root).resolve(), toplevel.resolve())
        log = subprocess.run(
            [git, "-C", str(toplevel), "-c", "core.quotepath=off", "log", "--diff-filter=A", "--no-renames",
             LOG_FORMAT, "--name-only", "-z", "--", "." if rel == "." else rel],
            capture_output=True, timeout=TIMEOUT_S, check=False,
        )  # fmt: skip
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return {}
    if log.returncode != 0:
        return {}
    return _added_times(log.stdout, toplevel, notes if notes is not None else [])


def _added_times(out: bytes, toplevel: Path, notes: list[tuple[str, str]]) -> dict[str, datetime]:
    """Parse `git log -z` output in LOG_FORMAT: per commit, "" then "@<seconds>",
    then the names it added, the first after a newline."""
    times: dict[str, datetime | None] = {}
    bad: dict[str, str] = {}
    when: datetime | None = None
    stamp = ""
    header = True
    for token in out.split(b"\0"):
        if not token:
            header = True
            continue
        if header:
            header = False
            stamp = token.decode("ascii", "replace").removeprefix("@")
            when = _when(stamp)
            continue
        name = os.fsdecode(token.removeprefix(b"\n"))
        path = os.path.realpath(toplevel / name)
        # git log lists newest first: the last commit seen is the first add.
        times[path] = when
        if when is None:
            bad[path] = stamp
        else:
            bad.pop(path, None)
    for path, stamp in bad.items():
        notes.append((path, f"the commit that added this file has a date no calendar holds ({stamp[:30]} seconds); "
                            "it has no publication date from git"))  # fmt: skip
    return {p: t for p, t in times.items() if t is not None}


def _when(stamp: str) -> datetime | None:
    """A commit's Unix time as naive UTC; None when no date can be it."""
    try:
        return datetime.fromtimestamp(int(stamp), tz=UTC).replace(tzinfo=None)
    except (ValueError, OverflowError, OSError):
        return None
