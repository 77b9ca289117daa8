"""A line-oriented reading of Markdown: lines classified once, sections as ranges.

This is not a Markdown renderer. It recovers the structure a postmortem
carries (headings, pseudo-headings, key/value labels, tables, lists) from the
lines in one pass, which is what makes it fast and what lets it read documents
whose Markdown marks were lost (text extracted from PDF exports).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from operator import methodcaller

from ingest.read.memo import remembered
from ingest.read.sections import MINOR_KEYS, section_key

BLANK, HEADING, TABLE, LIST, PARA, FENCE, RULE = "blank", "heading", "table", "list", "para", "fence", "rule"

# A heading's text is cut from its closing #s in code (_atx): the pattern
# `(.*?)(?:[ \t]+#+)?[ \t]*$` retried its tail at every character of a long
# run of spaces (quadratic).
_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*)$")
_ATX_EMPTY = re.compile(r"^ {0,3}(#{1,6})[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```+|~~~+)")
_LIST = re.compile(r"^([ \t]*)([-*+\u2022]|\d{1,3}[.)])[ \t]+(.*)$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
# Possessive runs: no part after a run of spaces or dashes starts with one,
# so each run is read once (with plain `[ \t]*\|?[ \t]*`, a line of spaces
# was quadratic).
_TABLE_SEP = re.compile(r"^[ \t]*+\|?[ \t]*+:?-{2,}+:?[ \t]*+(?:\|[ \t]*+:?-{2,}+:?[ \t]*+)*+\|?[ \t]*+$")
_BOLD_LINE = re.compile(r"^[ \t]*(\*\*|__)(.+?)\1[ \t]*:?[ \t]*$")
# **Label:** rest | **Label**: rest | Label: rest
_LABEL = re.compile(
    r"^(?:\*\*|__)([^*_:]{2,60}?):?(?:\*\*|__)[ \t]*:?[ \t]*(.*)$|^([A-Za-z0-9][\w ,&'/\-#]{1,60}?)[ \t]*:[ \t]+(.*)$"
)
# Every pattern here runs on whole lines, so none may scan the same text
# from many starting points (a 150 KB line of '[' or '[x](' or '<http://'
# took minutes): a link's text and target cannot hold a '[' (the innermost
# brackets before '](' are the link, as in CommonMark), and an autolink
# cannot hold a '<'. Each attempt then stops where the next one starts.
_IMAGE = re.compile(r"!\[([^\[\]]*)\]\([^)\[]*\)")
_LINK = re.compile(r"\[([^\[\]]+)\](?:\([^)\[]*\)|\[[^\]]*\])")
_AUTOLINK = re.compile(r"<(https?://[^<>\s]+)>")
# Formatting tags people put in Markdown are dropped (an image keeps its alt
# text); any other tag, <script> included, stays as the literal text it is.
_TAG = re.compile(
    r"</?(?:img|br|hr|p|div|span|b|i|u|em|strong|sub|sup|kbd|code|pre|details|summary|small|big|center|font|a|ul|ol|li|table|tr|td|th|thead|tbody)\b[^<>]{0,2000}?/?>",
    re.IGNORECASE,
)
_ALT = re.compile(r"\balt\s*=\s*[\"']([^\"']*)[\"']", re.IGNORECASE)
_EMPH = re.compile(r"(\*\*|__|~~)(.+?)\1")
_EM1 = re.compile(r"(?<![\w*])\*(?!\s)([^*]+?)(?<!\s)\*(?![\w*])|(?<![\w_])_(?!\s)([^_]+?)(?<!\s)_(?![\w_])")
_CHECKBOX = re.compile(r"^\[([ xX])\][ \t]+")


@dataclass(slots=True)
class Line:
    no: int  # 1-based line number in the file
    text: str  # the line, trailing whitespace removed
    kind: str
    indent: int = 0
    level: int = 0  # heading level
    content: str = ""  # heading text, list item text, or the stripped line


@dataclass(slots=True)
class Section:
    key: str | None
    title: str
    level: float
    head: int  # index of the heading line, -1 for the document root
    start: int  # index of the first body line
    end: int  # index after the last line (children included)
    rest: str = ""  # text after an inline label on the heading line
    label: bool = False  # an inline label (**Contributing Factors:** ...) rather than a heading
    children: list[Section] = field(default_factory=list)
    flat: list[Section] | None = None  # walk()'s answer, once asked


def strip_comments(text: str) -> str:
    """Remove HTML comments, keeping their line breaks so line numbers hold.
    A scan with str.find, not a pattern: `<!--.*?-->` tries every '<!--' of
    an unclosed run up to the end of the text (quadratic)."""
    if "<!--" not in text:
        return text
    out: list[str] = []
    at = 0
    while (start := text.find("<!--", at)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:  # never closed: the rest is text (found by find, never rescanned)
            break
        out.append(text[at:start])
        out.append("\n" * text.count("\n", start, end))
        at = end + 3
    out.append(text[at:])
    return "".join(out)


def _tag_text(m: re.Match) -> str:
    alt = _ALT.search(m.group(0)) if m.group(0)[1:4].lower() == "img" else None
    return f" {alt.group(1)} " if alt else " "


_SPECIAL = re.compile(r"[<\[`*_~\\]")
_SPACES = re.compile(r"\s\s|[\t\n\r\f\v]")


# clean_inline's answers for short texts: the extractors clean the same cells, items and sentences again
# and again (a pure function of the text, so a remembered answer is the answer; read/memo.py).
_CLEANED: dict[str, str] = {}
_CLEANED_LEN = 300  # longer texts are cleaned each time


def clean_inline(s: str) -> str:
    """Markdown inline marks -> plain text (links keep their text, code its content)."""
    if len(s) > _CLEANED_LEN:
        return _clean_inline(s)
    return remembered(_CLEANED, s, lambda: _clean_inline(s))


def _clean_inline(s: str) -> str:
    if not _SPECIAL.search(s):  # most text: nothing to clean but white space
        s = s.strip()
        return " ".join(s.split()) if _SPACES.search(s) else s
    if "<" in s:
        s = _AUTOLINK.sub(_GROUP1, s)
        s = _TAG.sub(_tag_text, s)
    if "[" in s:
        s = _IMAGE.sub(_GROUP1, s)
        s = _LINK.sub(_GROUP1, s)
    if "`" in s:
        s = s.replace("`", "")
    if "*" in s or "_" in s or "~" in s:
        s = _EMPH.sub(_GROUP2, s)
        s = _EMPH.sub(_GROUP2, s)
        s = _EM1.sub(lambda m: m.group(1) or m.group(2), s)
    if "\\" in s:
        s = _ESCAPED.sub(_GROUP1, s)
    return " ".join(s.split())


# Replacements by a group, as functions: a replacement text such as r"\1" is made into a function by
# Python code at every sub(), before the text is even searched. Every group here takes part in each match,
# so the group's text is what the replacement text gave.
_GROUP1 = methodcaller("group", 1)
_GROUP2 = methodcaller("group", 2)
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|])")


def split_row(text: str) -> list[str]:
    """Cells of a table row; escaped \\| stays in the cell."""
    s = text.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    if "\\|" in s:
        return [c.strip().replace("\x00", "|") for c in s.replace("\\|", "\x00").split("|")]
    return [c.strip() for c in s.split("|")]


def is_table_separator(text: str) -> bool:
    return bool(_TABLE_SEP.match(text)) and "-" in text


def classify(text: str) -> list[Line]:
    """Classify every line once. `text` has \\n line ends and no front matter
    (front matter lines are passed as blanks so numbering stays true). A code
    fence also closes at a line that ends with ``` (exports glue it to the
    text); a fence still open at the end is read as text, not code."""
    raw = strip_comments(text).split("\n")
    ignore: set[int] = set()
    lines = _classify(raw, ignore)
    while (opened := _unclosed_fence(lines)) is not None:
        ignore.add(opened)
        lines = _classify(raw, ignore)
    return lines


def _unclosed_fence(lines: list[Line]) -> int | None:
    last_open = None
    for i, ln in enumerate(lines):
        if ln.kind == FENCE and ln.level == 1:
            last_open = i
        elif ln.kind == FENCE and ln.level == 2:
            last_open = None
    return last_open


def _classify(raw: list[str], ignore_open: set[int]) -> list[Line]:
    lines: list[Line] = []
    append = lines.append
    in_fence = ""
    n = len(raw)
    for i, t in enumerate(raw):
        t = t.rstrip()
        no = i + 1
        if in_fence:
            stripped = t.lstrip()
            if stripped.startswith(in_fence) or (len(stripped) > 3 and stripped.endswith(in_fence)):
                in_fence = ""
                append(Line(no, t, FENCE, 0, 2))
            else:
                append(Line(no, t, FENCE))
            continue
        if not t:
            append(Line(no, t, BLANK))
            continue
        s = t.lstrip()  # the line without its indent (and, as t has none, t.strip())
        first = s[0]
        if first in "`~" and i not in ignore_open:
            fm = _FENCE.match(t)
            if fm:
                fence = fm.group(1)[:3]
                rest = s[len(fm.group(1)) :]
                if rest.rstrip().endswith(fence):  # ```inline``` on one line
                    append(Line(no, t, FENCE, 0, 3))
                    continue
                in_fence = fence
                append(Line(no, t, FENCE, 0, 1))
                continue
        if first == "#":
            m = _ATX.match(t)
            if m:
                append(Line(no, t, HEADING, 0, len(m.group(1)), _atx_text(m.group(2))))
                continue
            if _ATX_EMPTY.match(t):
                append(Line(no, t, BLANK))
                continue
        if first == "|" or ("|" in t and i + 1 < n and is_table_separator(raw[i + 1]) and "|" in raw[i + 1]):
            append(Line(no, t, TABLE, len(t) - len(s), 0, s))
            continue
        # a rule or a setext underline is made of its marks and spaces alone (most such lines are list items)
        if first in "-*_=" and not t.strip(" \t-*_=") and (_RULE.match(t) or _SETEXT.match(t)):
            prev = lines[-1] if lines else None
            if prev is not None and prev.kind == PARA and _SETEXT.match(t) and prev.indent < 4:
                prev.kind, prev.level = HEADING, 1 if first == "=" else 2
                prev.content = prev.content.strip()
                append(Line(no, t, BLANK))
                continue
            if _RULE.match(t):
                append(Line(no, t, RULE))
                continue
        m = _LIST.match(t) if (first in "-*+\u2022" or first.isdigit()) else None
        if m:
            append(Line(no, t, LIST, len(m.group(1).expandtabs(4)), 0, m.group(3).strip()))
            continue
        if "|" in t and lines and lines[-1].kind == TABLE:
            append(Line(no, t, TABLE, len(t) - len(s), 0, s))
            continue
        append(Line(no, t, PARA, len(t) - len(s), 0, s))
    return lines


def _atx_text(rest: str) -> str:
    """A heading's text from what follows its '#'s and spaces: without the
    optional closing sequence (spaces, then #s, then spaces) and stripped."""
    text = rest.rstrip(" \t")
    bare = text.rstrip("#")
    if bare != text and bare[-1:] in (" ", "\t"):
        text = bare
    return text.strip()


def label_of(content: str) -> tuple[str, str] | None:
    """('Contributing Factors', 'rest') for '**Contributing Factors:** rest' and
    the other label shapes; None when the line is not a label."""
    colon = content.find(":", 0, 200)
    if colon < 0 or colon > 68:  # a label is at most 60 characters (and its marks)
        return None
    if len(content) > _CLEANED_LEN:
        return _label_of(content)
    return remembered(_LABELS, content, lambda: _label_of(content))


_LABELS: dict[str, tuple[str, str] | None] = {}  # label_of's answers for short lines (as _CLEANED)


def _label_of(content: str) -> tuple[str, str] | None:
    m = _LABEL.match(content[:2000])
    if not m:
        return None
    if m.group(1) is not None:
        return m.group(1).strip(), m.group(2).strip()
    return m.group(3).strip(), m.group(4).strip()


# Section names that are ordinary words in running text: never a label.
_NO_LABEL_KEYS = frozenset({"summary", "metadata", "responders", "supporting_data", "related_incidents", "response",
                            "detection", "resolution", "analysis"})  # fmt: skip


def _pseudo_level(key: str) -> int:
    return 3 if key in MINOR_KEYS else 2


def build_sections(lines: list[Line]) -> Section:
    """The section tree. Besides real headings it recognises pseudo-headings:
    a line that is only a known section title (bold or plain, as in text
    extracted from PDFs) and inline labels such as '**Contributing Factors:**'
    or '2. **Proximate Cause:** text', whose section runs over the lines that
    belong to that label."""
    heads: list[Section] = []
    heading_level = 0  # the level of the last real heading: a pseudo-heading sits inside it
    for i, ln in enumerate(lines):
        if ln.kind == HEADING:
            heads.append(Section(section_key(ln.content), ln.content, ln.level, i, i + 1, -1))
            heading_level = ln.level
        elif ln.kind == PARA and len(ln.content) <= 80:
            bold = _BOLD_LINE.match(ln.content) if ln.content[:2] in ("**", "__") else None
            title = bold.group(2) if bold else ln.content
            key = section_key(title, prefixes=False) if (bold or not ln.content.endswith(".")) else None
            if key is not None and (bold or _plain_heading_ok(lines, i, title)):
                level = max(_pseudo_level(key), heading_level + 0.5)
                heads.append(Section(key, title.strip().rstrip(":"), level, i, i + 1, -1))
                continue
            _maybe_label(lines, i, ln, heads)
        elif ln.kind == LIST:
            _maybe_label(lines, i, ln, heads)
    root = Section(None, "", 0, -1, 0, len(lines))
    # Headings: a section ends where a heading of the same or a higher level starts.
    stack = [root]
    for s in heads:
        if s.label:
            continue
        while stack[-1].level >= s.level:
            stack.pop().end = s.head
        stack[-1].children.append(s)
        stack.append(s)
    while len(stack) > 1:
        stack.pop().end = len(lines)
    # Labels live inside the heading section that holds them; inside a
    # timeline, a label is part of an event's text, never a section.
    for s in heads:
        if s.label:
            parent = _innermost(root, s.head)
            if parent.key == "timeline":
                continue
            s.end = min(s.end, parent.end)
            parent.children.append(s)
            parent.children.sort(key=lambda c: c.head)
    return root


def _plain_heading_ok(lines: list[Line], i: int, title: str) -> bool:
    """A plain line that equals a section title is a heading unless it sits in
    the middle of a paragraph of prose."""
    return not len(title.split()) > 8


def _maybe_label(lines: list[Line], i: int, ln: Line, heads: list[Section]) -> None:
    lab = label_of(ln.content)
    if lab is None:
        return
    key = section_key(lab[0], prefixes=False)
    if key is None or key in _NO_LABEL_KEYS:
        return
    is_list = ln.kind == LIST
    end = len(lines)
    seen_blank = False
    for j in range(i + 1, len(lines)):
        nx = lines[j]
        if nx.kind == HEADING:
            end = j
            break
        if nx.kind == BLANK:
            seen_blank = True
            continue
        if nx.kind in (FENCE, RULE):
            continue
        if is_list:
            if nx.indent <= ln.indent and nx.kind in (LIST, PARA, TABLE):
                end = j
                break
        else:
            if nx.kind in (PARA, TABLE) and nx.indent == 0 and (seen_blank or label_of(nx.content)):
                end = j
                break
            if nx.kind == LIST and nx.indent == 0 and label_of(nx.content) and section_key(label_of(nx.content)[0]):
                end = j
                break
    heads.append(Section(key, lab[0], 7, i, i + 1, end, lab[1], True))


def _innermost(root: Section, index: int) -> Section:
    node = root
    while True:
        for c in node.children:
            if not c.label and c.head < index < c.end:
                node = c
                break
        else:
            return node


def walk(section: Section) -> list[Section]:
    """Every section below `section`, depth first, in document order
    (computed once per section: every extractor walks the same tree)."""
    if section.flat is None:
        out: list[Section] = []
        stack = list(reversed(section.children))
        while stack:
            c = stack.pop()
            out.append(c)
            stack.extend(reversed(c.children))
        section.flat = out
    return section.flat


def own_lines(section: Section, lines: list[Line]) -> list[Line]:
    """The section's body without the bodies (and headings) of its children."""
    out = []
    cuts = [(c.head, c.end) for c in section.children]
    i = section.start
    for head, end in cuts:
        out.extend(lines[i:head])
        i = max(i, end)
    out.extend(lines[i : section.end])
    return out


def all_lines(section: Section, lines: list[Line]) -> list[Line]:
    return lines[section.start : section.end]


MAX_ITEM = 5000  # an item longer than this is kept up to here


@dataclass(slots=True)
class Item:
    line: Line  # the item's first line
    head: str  # the text of its first line only (without nested details)
    text: str  # the whole item: wrapped lines and nested details joined


def list_items(body: list[Line], paragraphs: bool = False) -> list[Item]:
    """Top-level list items of a body. Wrapped lines and nested items join
    their item; so do same-level bullets that follow an item ending in ':'
    (they detail it). A paragraph after a blank line ends the item before it;
    with `paragraphs`, such paragraphs (and any paragraph when the body has no
    list at all) are items of their own. Block quotes and code are skipped."""
    items: list[tuple[Line, list[str]]] = []
    base = min((ln.indent for ln in body if ln.kind == LIST), default=None)
    current: list[str] | None = None
    para: list[str] = []
    para_first: Line | None = None
    blank = False
    detail_of: list[str] | None = None

    def end_para() -> None:
        nonlocal para, para_first
        if para and (paragraphs or base is None) and not para[-1].endswith(":"):
            items.append((para_first, para))
        para, para_first = [], None

    for ln in body:
        k = ln.kind
        if k in (FENCE, RULE) or ln.text.lstrip().startswith(">"):
            continue
        if k == BLANK:
            blank = True
            end_para()
            continue
        if k in (HEADING, TABLE):
            end_para()
            current, detail_of, blank = None, None, False
            continue
        if k == LIST and base is not None and ln.indent <= base + 1:
            end_para()
            if detail_of is not None and not blank:
                detail_of.append(ln.content)
                current = detail_of
            else:
                current = [ln.content]
                items.append((ln, current))
                detail_of = current if ln.content.endswith(":") else None
            blank = False
            continue
        if current is not None and (
            k == LIST or (k == PARA and (ln.indent > (base or 0) or (not blank and _continues(current))))
        ):
            current.append(ln.content)
            blank = False
            continue
        if k == PARA:
            current, detail_of = None, None
            if para_first is None:
                para_first = ln
            para.append(ln.content)
        blank = False
    end_para()
    return [Item(f, p[0][:MAX_ITEM], " ".join(p)[:MAX_ITEM]) for f, p in sorted(items, key=lambda it: it[0].no)]


def _continues(parts: list[str]) -> bool:
    # A lazily wrapped list item: the next line carries on the sentence.
    last = parts[-1]
    return bool(last) and last[-1] not in ".:!?)"


def checkbox(content: str) -> tuple[bool | None, str]:
    """(True, rest) for '[x] rest', (False, rest) for '[ ] rest', (None, content)."""
    m = _CHECKBOX.match(content)
    if not m:
        return None, content
    return m.group(1) != " ", content[m.end() :]
