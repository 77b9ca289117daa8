"""Action items: tables in any column order, checkbox lists, plain lists, the
quick template's Fix list; owners, priorities, due dates, tickets, status."""

from __future__ import annotations

import re
from datetime import date, timedelta

from ingest.read.folded import Folded
from ingest.read.mdblocks import HEADING, TABLE, Line, Section, checkbox, clean_inline, list_items, walk
from ingest.read.problems import Problems
from ingest.read.sections import section_key
from ingest.read.tables import Table, tables
from ingest.understand.document import ActionItem
from ingest.understand.factors import is_placeholder
from ingest.understand.timeparse import DATE_RE, BadValue, parse_date
from ingest.understand.vocab import NO_OWNER, BadPriority, normalise_priority, split_owners, status_class

ACTION_SECTIONS = {"action_items": "action_items", "fix": "fix", "systemic_improvements": "systemic_improvements"}
COLUMNS = {
    "action": ("action", "action item", "actions", "item", "task", "description", "improvement", "what",
               "follow up", "todo", "title", "summary", "remediation", "fix"),
    "priority": ("priority", "prio", "p", "pri", "severity", "importance"),
    "owner": ("owner", "owners", "assignee", "assignees", "who", "responsible", "assigned to", "dri", "lead"),
    "due": ("due date", "due", "deadline", "target date", "target", "by", "eta", "due by", "when"),
    "ticket": ("ticket", "tickets", "issue", "jira", "link", "tracking", "tracker", "ref", "reference", "pr", "bug"),
    "status": ("status", "state", "done", "progress", "completed"),
    "type": ("type", "category", "kind", "class"),
}  # fmt: skip
TICKET_KEY = re.compile(r"\b([A-Z][A-Z0-9]{1,14}-\d{1,7})\b")
_NOT_TICKETS = ("SEV-", "UTF-", "ISO-", "RFC-", "COVID-", "SHA-", "MD-", "IPV-", "TLS-", "HTTP-", "P-")
# Linear on any line: the part before /issues/ is read up to 500 characters
# (unbounded, every 'http://' of a long run was scanned to the run's end),
# and white space is taken from where its run begins (a run of spaces is not
# rescanned from each of its characters).
_ISSUE_URL = re.compile(
    r"https?://[^\s)>\]]{1,500}?/(?:issues|pull|pulls|browse|issue|tickets?|merge_requests)/[\w\-]+[^\s)>\]]*"
)
_HASH_REF = re.compile(r"(?<![\w&])#(\d{1,7})\b")
_META_GROUP = re.compile(
    r"(?:(?<!\s)\s+)?[(\[]([^()\[\]]*(?:@|\bdue\b|\bowner|\bassignee|\b[A-Z][A-Z0-9]+-\d)[^()\[\]]*)[)\]]\s*(?:\.\s*)?$"
)
_OWNER_FIELD = re.compile(
    r"\b(?:owners?|assignees?|assigned to|dri)\s*[:=]\s*([^,;()\]]+(?:,\s*@[\w.\-]+)*)", re.IGNORECASE
)
_DUE_FIELD = re.compile(r"\b(?:due(?:\s+date)?|deadline|by)\s*(?:on|by)?\s*[:=]?\s*", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w.])@([A-Za-z0-9][\w.\-]*[A-Za-z0-9_]|[A-Za-z0-9])")
_PRIORITY_TOKEN = re.compile(r"(?:^|[\s\[(])\(?(P[0-3])\)?(?=[\s\]):,]|$)")
# Each alternative starts with a fixed character, so a long line of brackets
# or asterisks cannot make the search quadratic.
_DONE_MARK = re.compile(
    r"\u2705|\u2714\ufe0f?|\u2611|\u2713|[(\[](?:\*\*|__)?\s{0,3}(?:done|completed?|fixed|resolved|closed|shipped)\b[^)\]\n]{0,80}[)\]]"
    r"|^\s*(?:done|completed?)\s*[:\-]",
    re.IGNORECASE,
)
_SECTION_DONE = re.compile(r"\b(?:completed?|done|shipped|finished|implemented)\b", re.IGNORECASE)
_SECTION_OPEN = re.compile(
    r"\b(?:planned|in progress|todo|to do|open|pending|upcoming|future|next steps)\b", re.IGNORECASE
)
_DROPPED_MARK = re.compile(
    r"[(\[]\s*(?:won'?t (?:do|fix)|wontfix|cancell?ed|dropped|duplicate|obsolete)\s*[)\]]|\u274c", re.IGNORECASE
)
_OPEN_MARK = re.compile(r"[(\[]\s*(?:in progress|wip|open|todo|to do|not started|pending)\s*[)\]]", re.IGNORECASE)
_STRUCK = re.compile(r"^~~(.+)~~$")
_LEAD_HANDLE = re.compile(r"^\s*@([\w.\-]+)\s*[:\-\u2013]\s+")  # '@alice: ...'
_TAIL_HANDLE = re.compile(r"\s[-\u2013\u2014]\s*@([\w.\-]+)\s*$")  # '... - @alice'
# The marks and fields, searched faster on ASCII text (read/folded.py): the same matches.
_DROPPED_F = Folded(_DROPPED_MARK)
_DONE_F = Folded(_DONE_MARK)
_OPEN_F = Folded(_OPEN_MARK)
_OWNER_F = Folded(_OWNER_FIELD)
_DUE_F = Folded(_DUE_FIELD)


def _ticket(text: str) -> str | None:
    for m in TICKET_KEY.finditer(text):
        key = m.group(1)
        if not key.startswith(_NOT_TICKETS):
            return key
    m = _ISSUE_URL.search(text)
    if m:
        return m.group(0).rstrip(".,;")
    m = _HASH_REF.search(text)
    return f"#{m.group(1)}" if m else None


_YEAR = re.compile(r"\d{4}")


def _due(raw: str, line: int | None, problems: Problems, item: ActionItem, base: date | None = None) -> None:
    s = clean_inline(raw).strip()
    if not s or s.lower() in NO_OWNER:
        return
    try:
        d = parse_date(s, base.year if base else None)
        if d is not None and base is not None and not _YEAR.search(s) and d < base - timedelta(days=31):
            d = d.replace(year=d.year + 1)  # 'due Jan 5' written in December
    except BadValue as exc:
        problems.warn("bad-due-date", line, f"action item due date: {exc}; kept as text")
        item.due_text = s
        return
    if d is None:
        problems.warn("bad-due-date", line, f"action item due date '{s[:40]}' is not a date; kept as text")
        item.due_text = s
        return
    item.due_date = d


def _priority(raw, line: int | None, problems: Problems) -> str | None:
    try:
        return normalise_priority(raw)
    except BadPriority as exc:
        problems.warn("bad-priority", line, f"action item: {exc}; left without priority")
        return None


def assign_types(items: list[ActionItem], types, problems: Problems) -> None:
    """Each item's type (data/action_types.yaml): the Type column's word when
    it names a type, else the first rule that matches the action's text, else
    none. A Type word that names no type is reported and the rules decide."""
    if types is None:
        return
    for item in items:
        if item.item_type:
            named = types.from_word(item.item_type)
            if named is not None:
                item.item_type, item.item_type_source = named, "column"
                continue
            problems.warn("bad-action-type", item.line, f"action item type '{item.item_type[:40]}' is not one of "
                          f"{', '.join(types.ids)} (data/action_types.yaml); the rules decide")  # fmt: skip
        item.item_type = types.classify(item.action)
        item.item_type_source = "rule" if item.item_type else "none"


def extract(root: Section, lines: list[Line], problems: Problems, base: date | None = None) -> list[ActionItem]:
    """Items of every action-items section (Action Items, Follow-ups, Fix,
    Systemic Improvements, ...). Each sub-heading block is read on its own: a
    sub-heading that says '(Completed)' makes its items done, one that names
    another known section (What went wrong) ends the action items."""
    items: list[ActionItem] = []
    covered: list[tuple[int, int]] = []
    for sec in walk(root):
        where = ACTION_SECTIONS.get(sec.key or "")
        if where is None or any(a <= sec.head < b for a, b in covered):
            continue
        covered.append((sec.head, sec.end))
        for block, default in _blocks(sec, lines):
            for t in tables(block):
                items.extend(_table_items(t, where, problems, base))
            plain = [ln for ln in block if ln.kind != TABLE]
            for it in list_items(plain, paragraphs=True):
                item = _list_item(it.text, it.head, it.line.no, where, problems, base)
                if item is not None:
                    if default is not None and item.status_source == "none":
                        item.status, item.status_source = default, "document"
                    items.append(item)
    return items


def _blocks(sec: Section, lines: list[Line]) -> list[tuple[list[Line], str | None]]:
    """The section's body cut at its sub-headings, each with the status its
    heading implies (done / open / None)."""
    blocks: list[tuple[list[Line], str | None]] = []
    current: list[Line] = []
    status: str | None = None
    if sec.label and sec.rest:
        current.append(Line(lines[sec.head].no, sec.rest, "list", 0, 0, sec.rest))
    for ln in lines[sec.start : sec.end]:
        if ln.kind == HEADING:
            key = section_key(ln.content)
            if key is not None and key not in ACTION_SECTIONS and key not in ("related_incidents",):
                break  # a What Went Wrong inside Action Items is not an action item
            blocks.append((current, status))
            current = []
            status = (
                "done" if _SECTION_DONE.search(ln.content) else "open" if _SECTION_OPEN.search(ln.content) else None
            )
            continue
        current.append(ln)
    blocks.append((current, status))
    return [(b, st) for b, st in blocks if b]


def _table_items(t: Table, where: str, problems: Problems, base: date | None = None) -> list[ActionItem]:
    cols = t.column(COLUMNS)
    if "action" not in cols:
        # The widest text column is the action when none is named so.
        cols["action"] = next((i for i in range(len(t.header)) if i not in cols.values()), 0)
    width = len(t.header)
    out = []
    for ln, cells in t.rows:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) < width:
            problems.warn(
                "short-row",
                ln.no,
                f"action items table row has {len(cells)} of {width} cells; the missing ones are left empty",
            )

        def cell(role: str, cells: list[str] = cells) -> str:
            return cells[cols[role]] if role in cols and cols[role] < len(cells) else ""

        raw_action = cell("action")
        action = clean_inline(raw_action)
        if not action:
            problems.warn("empty-action", ln.no, "action items table row has no action text; skipped")
            continue
        item = ActionItem(action=action, section=where, line=ln.no)
        item.priority = _priority(cell("priority"), ln.no, problems) if cell("priority") else None
        item.owners = split_owners(cell("owner"))
        _due(cell("due"), ln.no, problems, item, base)
        ticket_cell = cell("ticket")
        item.ticket = _ticket(ticket_cell) or (
            clean_inline(ticket_cell) or None if ticket_cell.strip() not in ("-", "") else None
        )
        if item.ticket is None:
            item.ticket = _ticket(raw_action)
        st = cell("status")
        cls = status_class(st) if st else None
        if cls:
            item.status, item.status_source, item.status_text = cls, "document", clean_inline(st)
        typ = clean_inline(cell("type")).lower()
        item.item_type = typ or None
        extra = {
            clean_inline(t.header[i]): clean_inline(cells[i])
            for i in range(min(len(cells), width))
            if i not in cols.values() and cells[i].strip()
        }
        item.extra = extra or None
        out.append(item)
    return out


def _list_item(text: str, head: str, line: int, where: str, problems: Problems, base: date | None) -> ActionItem | None:
    """One list item: checkbox or marks give the status (read from the item's
    own first line, so a detail bullet saying 'done' does not close it), a
    trailing '(@kim, due 2024-05-27, AUTH-12)' gives owners, due date and ticket."""
    done, text = checkbox(text.strip())
    head = checkbox(head.strip())[1]
    raw = text
    status, source = "open", "none"
    if done is not None:
        status, source = ("done" if done else "open"), "document"
    struck = _STRUCK.match(raw.strip())
    if struck:
        status, source, raw = "done", "document", struck.group(1)
    if _DROPPED_F.test(head):
        status, source = "dropped", "document"
    elif _DONE_F.test(head) and done is None:
        status, source = "done", "document"
    elif _OPEN_F.test(head) and done is None:
        status, source = "open", "document"
    raw = _OPEN_F.sub(" ", _DONE_F.sub(" ", _DROPPED_F.sub(" ", raw)))
    ticket = _ticket(raw)
    item = ActionItem(action="", status=status, status_source=source, section=where, line=line, ticket=ticket)
    meta = _META_GROUP.search(raw)
    body = raw[: meta.start()] if meta else raw
    meta_text = meta.group(1) if meta else ""
    owners = _HANDLE.findall(meta_text) if meta_text else []
    of = _OWNER_F.search(meta_text or raw)
    if of:
        owners = owners + split_owners(of.group(1))
    if not owners:
        lead = _LEAD_HANDLE.match(body)
        tail = _TAIL_HANDLE.search(body)
        if lead:
            owners, body = [lead.group(1)], body[lead.end() :]
        elif tail:
            owners, body = [tail.group(1)], body[: tail.start()]
    item.owners = split_owners(owners)
    if meta_text:
        dm = _DUE_F.search(meta_text)
        if dm:
            rest = meta_text[dm.end() :]
            date_m = DATE_RE.match(rest.strip())
            _due(date_m.group(0) if date_m else rest.split(",")[0], line, problems, item, base)
    pm = _PRIORITY_TOKEN.search(raw)
    if pm:
        item.priority = pm.group(1)
        body = body.replace(pm.group(1), "", 1) if body.lstrip(" [(").startswith(pm.group(1)) else body
    action = clean_inline(body).strip(" -:\u2013[]")
    if not action or len(action) < 3 or is_placeholder(action):
        return None
    item.action = action[:1000]
    return item
