"""When each file first entered git: the publication date of a postmortem
that does not state one (the guide's 48-hour rule needs it)."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

TIMEOUT_S = 120


def first_commit_times(root: Path) -> dict[str, datetime]:
    """{absolute path: naive UTC time of the commit that added it} for the files
    under `root` when it is inside a git work tree; {} otherwise (no git, not a
    repository, or git failing: the rule is then 'not measurable')."""
    git = shutil.which("git")
    if git is None:
        return {}
    try:
        top = subprocess.run([git, "-C", str(root), "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, timeout=TIMEOUT_S, check=False)  # fmt: skip
        if top.returncode != 0:
            return {}
        toplevel = Path(top.stdout.strip())
        rel = os.path.relpath(root.resolve(), toplevel.resolve())
        log = subprocess.run(
            [git, "-C", str(toplevel), "-c", "core.quotepath=off", "log", "--diff-filter=A", "--no-renames",
             "--format=@%ct", "--name-only", "-z", "--", "." if rel == "." else rel],
            capture_output=True, timeout=TIMEOUT_S, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return {}
    if log.returncode != 0:
        return {}
    out: dict[str, datetime] = {}
    when: datetime | None = None
    for token in log.stdout.decode("utf-8", errors="replace").split("\0"):
        for part in token.split("\n"):
            part = part.strip()
            if not part:
                continue
            if part.startswith("@") and part[1:].isdigit():
                when = datetime.fromtimestamp(int(part[1:]), tz=UTC).replace(tzinfo=None)
                continue
            if when is not None:
                # git log lists newest first: the last time seen is the first add.
                out[str((toplevel / part).resolve())] = when
    return out
