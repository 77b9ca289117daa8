"""One file -> ParsedDocument: what kind of file it is, and what became of it.

Every file ends as exactly one outcome: an incident, attached to one (a 5
whys document naming its incident), skipped (not a postmortem) or rejected
(with the reason). Nothing a file contains can stop the caller: an
unexpected failure while parsing is itself a rejection with its reason."""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import traceback
from contextlib import contextmanager
from pathlib import Path

from ingest.read.corpus import fs_text
from ingest.read.decode import Unreadable, decode
from ingest.read.values import TooComplex, load_structured
from ingest.understand.corrections import CORRECTIONS_FILE
from ingest.understand.document import ParsedDocument
from ingest.understand.doubts import duration_doubts
from ingest.understand.markdown_doc import parse_markdown
from ingest.understand.rules import Rules
from ingest.understand.structured import looks_like_postmortem, parse_structured

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd", ".txt", ".text", ".qmd", ".mdx", ".rmd"})
STRUCTURED_SUFFIXES = frozenset({".yaml", ".yml", ".json"})
DEFAULT_MAX_BYTES = 8 * 1024 * 1024

# The time one document may take to parse. A document that takes longer is
# rejected with a reason and the build goes on: no text, however it is
# built, can hold a build up. Tests lower it (set the module attribute).
PARSE_BUDGET_SECONDS = 30.0


def suffix_of(name: str) -> str:
    """'a/b/c.MD' -> '.md' (string work: this runs for every file)."""
    base = name.rsplit("/", 1)[-1]
    dot = base.rfind(".")
    return base[dot:].lower() if 0 < dot < len(base) - 1 else ""


def derived_id(relpath: str) -> str:
    """The id of a document without one: its path under the corpus root,
    without the file suffix ('payments/2024-01-15-outage'). Stable across runs."""
    folder, _, name = relpath.rpartition("/")
    for suf in (".pdf.txt", ".md.txt"):
        if name.lower().endswith(suf):
            name = name[: -len(suf)]
            break
    else:
        dot = name.rfind(".")
        if dot > 0:
            name = name[:dot]
    return f"{folder}/{name}" if folder else name


def content_hash(data: bytes) -> str:
    """What 'unchanged' means for a rebuild: the SHA-256 of the bytes (32 hex digits)."""
    return hashlib.sha256(data).hexdigest()[:32]


def parse_bytes(data: bytes, relpath: str, rules: Rules, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedDocument:
    doc = ParsedDocument(path=relpath, size_bytes=len(data))
    doc.content_hash = content_hash(data)
    suffix = suffix_of(relpath)
    if relpath == CORRECTIONS_FILE:
        doc.outcome, doc.reason = "skipped", "the corrections for this corpus (applied to the incidents it names)"
        return doc
    if suffix not in MARKDOWN_SUFFIXES and suffix not in STRUCTURED_SUFFIXES:
        doc.outcome, doc.reason = "skipped", f"not a document type the ingest reads ({suffix or 'no suffix'})"
        return doc
    if len(data) > max_bytes:
        doc.outcome = "rejected"
        doc.reason = f"larger than the {max_bytes:,} byte limit ({len(data):,} bytes); raise --max-bytes to read it"
        return doc
    try:
        with time_budget(PARSE_BUDGET_SECONDS):
            _parse(doc, data, relpath, suffix, rules)
    except OverBudget:
        doc = _over_budget(relpath, data)
    except Exception as exc:
        where = traceback.extract_tb(exc.__traceback__)[-1]
        doc.outcome = "rejected"
        doc.reason = f"the parser failed on this file ({type(exc).__name__}: {exc}, at {Path(where.filename).name}:{where.lineno}); please report it"
    if doc.outcome == "rejected" and doc.reason:
        doc.problems.error("rejected", None, doc.reason)
    doc.problems.finish()
    return doc


class OverBudget(BaseException):
    """Raised inside the parser when a document's time budget is spent. A
    BaseException, so that no `except Exception` in the parser swallows it."""


@contextmanager
def time_budget(seconds: float | None):
    """Run the body with a budget of `seconds`: past it, OverBudget is raised
    wherever the body is (Python's regular expression engine checks for
    signals, so a runaway match is stopped too).

    It uses the process's real-time interval timer (SIGALRM), which only the
    main thread may handle: in any other thread, on a platform without
    setitimer, or when a timer is already set by someone else, the body runs
    without a budget. The timer is always disarmed on the way out, and an
    alarm arriving after the body has finished is ignored."""
    if not seconds or seconds <= 0 or not _can_use_alarm():
        yield
        return
    armed = [True]

    def on_alarm(signum, frame):
        if armed[0]:
            armed[0] = False
            raise OverBudget()

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _can_use_alarm() -> bool:
    """True in the main thread of a process where SIGALRM is free to use."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return False
    return signal.getitimer(signal.ITIMER_REAL)[0] == 0


def _over_budget(relpath: str, data: bytes) -> ParsedDocument:
    """A fresh rejected document (the half-parsed one is dropped: what the
    parser had made of it when the time ran out is not to be kept)."""
    doc = ParsedDocument(path=relpath, size_bytes=len(data), outcome="rejected")
    doc.content_hash = content_hash(data)
    doc.reason = f"parsing took longer than {PARSE_BUDGET_SECONDS:g} s; the document is too complex to read"
    return doc


def _parse(doc: ParsedDocument, data: bytes, relpath: str, suffix: str, rules: Rules) -> None:
    try:
        text = decode(data, doc.problems)
    except Unreadable as exc:
        doc.outcome, doc.reason = "rejected", str(exc)
        return
    if not text.strip():
        doc.outcome, doc.reason = "rejected", "empty file"
        return
    first, sep, _ = relpath.partition("/")
    folder_team = first.lower() if sep else None
    stem = derived_id(relpath.rsplit("/", 1)[-1])
    if suffix in STRUCTURED_SUFFIXES:
        try:
            value = load_structured(text, suffix)
        except (ValueError, TooComplex, RecursionError) as exc:
            doc.outcome, doc.reason = "rejected", f"{suffix[1:].upper()} file: {exc}"
            return
        if not looks_like_postmortem(value):
            doc.outcome = "skipped"
            doc.reason = (
                "a data file, not a postmortem (fewer than two of title, timeline, severity, action_items, ...)"
            )
            return
        parse_structured(doc, value, rules, folder_team, stem)
    else:
        parse_markdown(doc, text, rules, stem, folder_team)
        if doc.outcome != "incident":
            return
    if not doc.incident_id:
        doc.incident_id = derived_id(relpath)
    if doc.attach_to:
        doc.outcome = "attached"
    for n, other in enumerate(doc.others, 2):
        other.incident_id = f"{doc.incident_id}#{n}"
        other.content_hash, other.size_bytes = doc.content_hash, 0
    for d in (doc, *doc.others):
        rules.corrections.apply(d)
        d.compute_durations(rules.durations)
        d.duration_doubts = duration_doubts(d, rules.durations, rules.guide)


def parse_file(
    path: Path, rules: Rules, root: Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> ParsedDocument:
    """Parse one file; `root` is the corpus root its id and team derive from
    (default: the file's own folder)."""
    root = root or path.parent
    relpath = fs_text(os.path.relpath(path, root).replace(os.sep, "/"))  # a name that is not UTF-8 stays storable
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return _too_big(relpath, size, max_bytes)
        data = path.read_bytes()
    except OSError as exc:
        doc = ParsedDocument(path=relpath, outcome="rejected", reason=f"cannot read: {exc.strerror or exc}")
        doc.problems.error("rejected", None, doc.reason)
        return doc
    return parse_bytes(data, relpath, rules, max_bytes)


def _too_big(relpath: str, size: int, max_bytes: int) -> ParsedDocument:
    doc = ParsedDocument(path=relpath, size_bytes=size)
    if suffix_of(relpath) not in MARKDOWN_SUFFIXES | STRUCTURED_SUFFIXES:
        doc.outcome, doc.reason = (
            "skipped",
            f"not a document type the ingest reads ({suffix_of(relpath) or 'no suffix'})",
        )
        return doc
    doc.outcome = "rejected"
    doc.reason = f"larger than the {max_bytes:,} byte limit ({size:,} bytes); raise --max-bytes to read it"
    doc.problems.error("rejected", None, doc.reason)
    return doc
