"""References to other incidents: links between postmortems.

Read from:

- the Appendix's `Related Incidents` section (also `Related`, `See also`, or
  a `Related incidents:` label): every item is a reference. The item names
  its incident by an id (`POSTMORTEM-42`, `INC-2024-0042`, any `KEY-123`
  when it names no incident-style id), a path id
  (`payments/2024/2024-01-12-outage`), a link to another postmortem file or a
  URL; an item that names none is kept as text (`2023-11-02: Similar
  connection issue in User Service`), with the date written beside it;
- front matter `related` / `related_incidents` / `see_also` (a list);
- anywhere else in the text: incident-style ids (`INC-2024-0042`,
  `INCIDENT-7`, `POSTMORTEM-42`, `PIR-3`) and Markdown links to other
  postmortem files (`[the March outage](../2024/2024-03-01-outage.md)`).

The build resolves them to incident ids where the target is in the corpus
(by id, declared id, path or file); the rest are kept as written. A link in
the body to a file that is not an incident of the corpus (a runbook, a
README) is dropped then; a document's references to itself are never kept.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote, urlsplit

from ingest.read.folded import Folded
from ingest.read.mdblocks import (
    HEADING,
    LIST,
    PARA,
    TABLE,
    Line,
    Section,
    clean_inline,
    label_of,
    list_items,
    own_lines,
    split_row,
    walk,
)
from ingest.read.sections import section_key
from ingest.understand.document import RelatedRef
from ingest.understand.timeparse import DATE_F, DATE_RE, BadValue, date_from_match

INCIDENT_ID = re.compile(r"(?<![\w/.\-])(?:INC|INCIDENT|POSTMORTEM|POST-MORTEM|PIR)-\d{1,7}(?:-\d{1,7})?(?![\w\-])")
_ANY_KEY = re.compile(r"(?<![\w/.\-])[A-Z][A-Z0-9]{1,14}-\d{1,7}(?:-\d{1,7})?(?![\w\-])")
# A link's text and target hold no '[' (the innermost brackets before '](' are
# the link): otherwise each '[' of a long run, or each '[x](' of a long line
# of them, is scanned to the end of the line (quadratic).
_MD_LINK = re.compile(r"\[([^\[\]]*)\]\(\s*<?([^)\s>\[]++)>?(?:\s+\"[^\"]*\")?\s*\)")
_URL = re.compile(r"https?://[^\s)<>\]\"'`]+")
_PATHLIKE = re.compile(r"(?<![\w/.:\-@])(?:[\w.\-]+/)+[\w.\-]*[A-Za-z0-9](?![\w/])")
_CODE = re.compile(r"`([^`\n]{2,200})`")
_DOC_SUFFIX = re.compile(r"\.(?:md|markdown|mdown|mkd|txt|ya?ml|json)$", re.IGNORECASE)
_FM_KEYS = ("related", "related_incidents", "related_to", "see_also")
_MAX_REFS = 200
_RELATED_HINT = re.compile(r"related|see also", re.IGNORECASE)
_RELATED_HINT_F = Folded(_RELATED_HINT)  # the same, faster on ASCII text (read/folded.py)
_ID_HINT = re.compile(r"INC|POST|PIR")
_HTTP = re.compile(r"https?://", re.IGNORECASE)
_SCHEME = re.compile(r"[a-z][a-z0-9+.\-]*:", re.IGNORECASE)  # a link's target with a scheme: not a file


def _date(text: str):
    for m in DATE_F.finditer(text):  # DATE_RE's matches, found faster (read/folded.py)
        if m.group("iy") or m.group("my") or m.group("dy") or m.group("ny"):
            try:
                return date_from_match(m)
            except BadValue:
                continue
    return None


def path_key(target: str, relpath: str) -> str:
    """A relative link from the document at `relpath` -> the path under the
    corpus root it points at ('..' left in when it leaves the root)."""
    t = unquote(target.split("#", 1)[0].split("?", 1)[0]).strip()
    if t.startswith("/"):
        return posixpath.normpath(t.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(relpath), t))


def ref_of(token: str, relpath: str, section: str, text: str, line: int | None, date=None) -> RelatedRef | None:
    """One written reference -> a RelatedRef (id, path or url), or None when
    it is a link that cannot name an incident (an anchor, a mail address)."""
    t = token.strip().strip("()[]<>\"'`").rstrip(".,;:")
    if not t or t.startswith(("#", "mailto:")):
        return None
    if _HTTP.match(t):
        path = unquote(urlsplit(t).path)
        last = path.rstrip("/").rsplit("/", 1)[-1]
        key = _ANY_KEY.fullmatch(_DOC_SUFFIX.sub("", last)) if last else None
        if key and not _DOC_SUFFIX.search(last):
            return RelatedRef(t[:500], "id", key.group(0), section, text, date, line)
        return RelatedRef(t[:500], "url", path[:500], section, text, date, line)
    if "/" in t or _DOC_SUFFIX.search(t):
        if _DOC_SUFFIX.search(t):
            return RelatedRef(t[:500], "path", path_key(t, relpath)[:500], section, text, date, line)
        return RelatedRef(t[:500], "id", t[:500], section, text, date, line)
    return RelatedRef(t[:200], "id", t[:200], section, text, date, line)


def refs_in_item(raw: str, relpath: str, section: str, line: int | None) -> list[RelatedRef]:
    """The references one Related Incidents item makes; the item itself (as
    text) when it names no id, path or link."""
    text = clean_inline(raw)[:300]
    when = _date(text)
    found: list[tuple[int, str]] = []
    rest = raw
    for m in _MD_LINK.finditer(raw):
        found.append((m.start(), m.group(2)))
    rest = _MD_LINK.sub(lambda m: " " + m.group(1) + " ", rest)
    for m in _URL.finditer(rest):
        found.append((m.start(), m.group(0)))
    rest = _URL.sub(" ", rest)
    for m in _CODE.finditer(rest):
        found.append((m.start(), m.group(1)))
    rest = _CODE.sub(" ", rest)
    ids = [m for m in INCIDENT_ID.finditer(rest)] or [m for m in _ANY_KEY.finditer(rest)]
    found += [(m.start(), m.group(0)) for m in ids]
    found += [(m.start(), m.group(0)) for m in _PATHLIKE.finditer(rest) if not DATE_RE.fullmatch(m.group(0))]
    out = [r for _, tok in sorted(found) if (r := ref_of(tok, relpath, section, text, line, when)) is not None]
    if not out and text and re.fullmatch(r"[\w.\-#:]{1,200}", text) and not DATE_RE.fullmatch(text):
        out.append(RelatedRef(text, "id", text, section, text, when, line))  # an item that is one id: 'INC-7', 'A'
    if not out and text:
        out.append(RelatedRef(text, "text", "", section, text, when, line))
    return out


class _Refs:
    def __init__(self, own: set[str]) -> None:
        self.own = {o.lower() for o in own if o}
        self.items: list[RelatedRef] = []
        self.seen: set[tuple[str, str]] = set()

    def add(self, r: RelatedRef) -> None:
        k = (r.kind, (r.key or r.text).lower())
        if k in self.seen or (r.kind == "id" and r.key.lower() in self.own) or len(self.items) >= _MAX_REFS:
            return
        self.seen.add(k)
        self.items.append(r)


def from_fields(fields: dict, relpath: str, refs: _Refs, section: str = "front_matter") -> None:
    for key in _FM_KEYS:
        value = fields.get(key)
        if isinstance(value, str | int):
            value = [v for v in re.split(r"[,\n]", str(value)) if v.strip()]
        if not isinstance(value, list):
            continue
        for v in value:
            if isinstance(v, dict):
                v = v.get("id") or v.get("incident") or v.get("url") or v.get("link") or v.get("path")
            if isinstance(v, str | int) and not isinstance(v, bool) and str(v).strip():
                r = ref_of(str(v), relpath, section, str(v)[:300], None, None)
                if r is not None:
                    refs.add(r)


def extract(root: Section, lines: list[Line], fm: dict, relpath: str, own: set[str]) -> list[RelatedRef]:
    """The references a Markdown document makes to other incidents."""
    refs = _Refs(own)
    from_fields(fm, relpath, refs)
    covered: list[tuple[int, int]] = []
    for sec in walk(root):
        if sec.key != "related_incidents" or any(a <= sec.head < b for a, b in covered):
            continue
        covered.append((sec.head, sec.end))
        body = own_lines(sec, lines) if sec.children else lines[sec.start : sec.end]
        for ln in body:
            if ln.kind == TABLE and not set(ln.content) <= set("|-: "):
                cells = [c for c in split_row(ln.content) if c.strip()]
                for r in refs_in_item(" ".join(cells), relpath, "related_incidents", ln.no):
                    if r.kind != "text" or len(cells) > 1:
                        refs.add(r)
        for it in list_items([ln for ln in body if ln.kind != TABLE], paragraphs=True):
            for r in refs_in_item(it.text, relpath, "related_incidents", it.line.no):
                refs.add(r)
    skip = [False] * len(lines)
    for a, b in covered:
        skip[a:b] = [True] * (b - a)
    for i, ln in enumerate(lines):
        if skip[i] or ln.kind not in (HEADING, LIST, PARA, TABLE) or not ln.content:
            continue
        content = ln.content
        lab = None
        if ln.kind in (PARA, LIST) and ":" in content and _RELATED_HINT_F.test(content[: content.find(":")]):
            lab = label_of(clean_inline(content))
        if lab is not None and section_key(lab[0], prefixes=False) == "related_incidents" and lab[1]:
            raw = content.split(":", 1)[1] if ":" in content else lab[1]
            for part in re.split(r",\s+|;\s+", raw):
                for r in refs_in_item(part, relpath, "related_incidents", ln.no):
                    refs.add(r)
            continue
        if "-" in content and _ID_HINT.search(content):
            for m in INCIDENT_ID.finditer(content):
                refs.add(RelatedRef(m.group(0), "id", m.group(0), "body", clean_inline(content)[:300], None, ln.no))
        if "](" in content:
            for m in _MD_LINK.finditer(content):
                target = m.group(2)
                if not _SCHEME.match(target) and _DOC_SUFFIX.search(target.split("#", 1)[0]):
                    refs.add(RelatedRef(target[:500], "path", path_key(target, relpath)[:500], "body",
                                        clean_inline(content)[:300], None, ln.no))  # fmt: skip
    return refs.items


def extract_structured(value: dict, relpath: str, own: set[str]) -> list[RelatedRef]:
    refs = _Refs(own)
    from_fields(value, relpath, refs, "related_incidents")
    return refs.items
