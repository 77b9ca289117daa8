"""Small text and time helpers shared by the passes and the renderers."""

from __future__ import annotations

import functools
import json
import re
from datetime import UTC, date, datetime, tzinfo

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # fmt: skip
_SLUG = re.compile(r"[^a-z0-9]+")
_SPECIAL = {"api": "API", "db": "DB", "bff": "BFF", "sso": "SSO", "ci": "CI", "k8s": "k8s", "ios": "iOS",
            "etl": "ETL", "coredns": "CoreDNS"}  # fmt: skip


def local(at: datetime, tz: tzinfo | None) -> datetime:
    """Naive UTC -> naive local time in `tz` (UTC when None)."""
    if tz is None:
        return at
    return at.replace(tzinfo=UTC).astimezone(tz).replace(tzinfo=None)


def round_trips(at: datetime, tz: tzinfo) -> bool:
    """Whether the local time reads back as the same instant (it does not in a DST gap or fold)."""
    return local(at, tz).replace(tzinfo=tz).astimezone(UTC).replace(tzinfo=None) == at


@functools.cache
def service_title(svc: str) -> str:
    """'payments-api' -> 'Payments API', for titles."""
    return " ".join(_SPECIAL.get(p, p.capitalize()) for p in svc.split("-"))


def slugify(title: str) -> str:
    return _SLUG.sub("-", title.lower()).strip("-")[:60].rstrip("-")


def iso_z(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat(timespec="seconds") + "Z"


def hhmm(at: datetime) -> str:
    return f"{at.hour:02d}:{at.minute:02d}"


def h12(at: datetime) -> str:
    h = at.hour % 12 or 12
    return f"{h}:{at.minute:02d} {'AM' if at.hour < 12 else 'PM'}"


def long_date(d: date) -> str:
    return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"


def minutes_text(minutes: int, style: int) -> str:
    """A duration as people write it (style 0, 1, 2); the parser reads every form."""
    if minutes < 60 or style == 0:
        return f"{minutes} minutes" if style != 2 else f"{minutes} min"
    h, m = divmod(minutes, 60)
    if style == 1:
        hours = f"{h} hour{'s' if h > 1 else ''}"
        return f"{hours} {m} minutes" if m else hours
    return f"{h}h {m}m" if m else f"{h}h"


def q(value: str) -> str:
    """A YAML (and JSON) double-quoted scalar."""
    return json.dumps(value, ensure_ascii=False)
