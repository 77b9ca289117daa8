"""Dashboard settings (data/dashboard.yaml): fiscal year, ticket and document links."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import yaml

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "dashboard.yaml"
_TEMPLATE = re.compile(r"^https?://[^\s{}]*\{ticket\}[^\s{}]*$")
# A document link: an http(s) URL with {path} and, optionally, {line}; no other placeholder, no blank.
_DOC_TEMPLATE = re.compile(r"^https?://(?:[^\s{}]|\{path\}|\{line\})*$")


@dataclass(frozen=True)
class Settings:
    fiscal_year_start_month: int = 1
    ticket_url_template: str | None = None
    min_n_for_change: int = 5
    bootstrap_samples: int = 2000
    document_url_template: str | None = None

    def ticket_url(self, ticket: str | None) -> str | None:
        """A link for a ticket key; ticket values that are links already stay."""
        if not ticket:
            return None
        if ticket.startswith(("http://", "https://")):
            return ticket
        if self.ticket_url_template and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*-\d+", ticket):
            return self.ticket_url_template.replace("{ticket}", ticket)
        return None

    def document_url(self, path: str | None, line: int | None = None) -> str | None:
        """A link to the postmortem (its path under the corpus root) at its line, so whoever reads the
        overdue list can open the document in the repository's web view. The path is URL-quoted (a space,
        '#' or '?' in a file name stays part of the path). A structured document gives no line: then a
        '#...{line}' fragment is left off, so the link opens the file, and a {line} elsewhere is empty."""
        tmpl = self.document_url_template
        if not tmpl or not path:
            return None
        if line is None:
            at = tmpl.find("{line}")
            hash_at = tmpl.rfind("#", 0, at) if at >= 0 else -1
            tmpl = tmpl[:hash_at] + tmpl[at + len("{line}") :] if hash_at >= 0 else tmpl
        return tmpl.replace("{path}", quote(path, safe="/")).replace("{line}", "" if line is None else str(int(line)))


def load_settings(path: str | os.PathLike | None = None) -> Settings:
    """Settings from the file (env INCIDENTS_SETTINGS, else data/dashboard.yaml).
    A missing file gives the defaults; a bad value raises ValueError naming it."""
    p = Path(path or os.environ.get("INCIDENTS_SETTINGS") or DEFAULT_PATH)
    if not p.is_file():
        return Settings()
    doc = yaml.safe_load(p.read_text(encoding="utf-8")[:100_000]) or {}
    if not isinstance(doc, dict):
        raise ValueError(f"{p}: expected a mapping")
    fs = doc.get("fiscal_year_start_month", 1)
    if not isinstance(fs, int) or not 1 <= fs <= 12:
        raise ValueError(f"{p}: fiscal_year_start_month must be a month number 1..12")
    tmpl = doc.get("ticket_url_template")
    if tmpl is not None and (not isinstance(tmpl, str) or not _TEMPLATE.match(tmpl)):
        raise ValueError(f"{p}: ticket_url_template must be an http(s) URL containing {{ticket}}")
    doc_tmpl = doc.get("document_url_template")
    if doc_tmpl is not None and (
        not isinstance(doc_tmpl, str) or "{path}" not in doc_tmpl or not _DOC_TEMPLATE.match(doc_tmpl)
    ):
        raise ValueError(
            f"{p}: document_url_template must be an http(s) URL containing {{path}} (and optionally {{line}})"
        )
    n = doc.get("min_n_for_change", 5)
    b = doc.get("bootstrap_samples", 2000)
    if not isinstance(n, int) or n < 2 or not isinstance(b, int) or not 100 <= b <= 100_000:
        raise ValueError(f"{p}: min_n_for_change must be >= 2 and bootstrap_samples 100..100000")
    return Settings(fs, tmpl, n, b, doc_tmpl)
