"""A postmortem as HTML that is safe to show: Markdown rendered, nothing in it ever runs or loads.

Postmortems are written by many hands and pasted from many tools, so their text is hostile by default:
raw HTML is never rendered (markdown-it with html=False shows tags and comments as text), images are
never loaded (shown as text with their URL), and only http(s), mailto and in-page links become links
(anything else, however spelt, stays the text that was written). After rendering, an allowlist of tags
and attributes is checked with html.parser; anything outside it falls back to the escaped text.

Every block with a source line gets an id `L<first line>` (1-based, as the ingest counts lines), and the
blocks holding a line the ingest used are marked with what it was used for, so a reader sees why a
number is what it is."""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

MARK = "pm-mark"  # a block holding a line the ingest used
FOCUS = "pm-focus"  # the block holding the line the link points to
LABEL = "pm-label"  # what the marked lines were used for
SAFE_LINK = re.compile(r"^(?:https?://|mailto:|#)", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]+")
_FM_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)  # as the ingest ends front matter
_LANG = re.compile(r"[^A-Za-z0-9_+-]")

# Blocks a marked line is shown on: the innermost of these holding it (a table row, a list item, a
# paragraph...). Open tokens and self-contained blocks; a tight list's paragraphs are hidden, so their
# list item is marked.
MARKABLE = frozenset({"paragraph_open", "heading_open", "list_item_open", "tr_open", "blockquote_open",
                      "table_open", "fence", "code_block", "hr"})  # fmt: skip
# Where the label goes: inside the block, first (these), else in a block of its own before it.
LABEL_INSIDE = frozenset({"paragraph_open", "heading_open", "list_item_open", "blockquote_open"})

# What may remain after rendering: tag -> attributes beyond id and class.
PLAIN_TAGS = "div p h1 h2 h3 h4 h5 h6 ul li blockquote pre code em strong s table thead tbody tr hr br"
ALLOWED_TAGS = {
    **{t: set() for t in PLAIN_TAGS.split()},
    "span": {"title"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
    "a": {"href", "title", "rel", "target"},
}
REL = "noopener noreferrer nofollow"
ANCHOR_ID = re.compile(r"^(?:doc\d+-)?L\d+$")  # the ids render gives: 'L12', or 'doc2-L12' for another document
_ATTR_VALUES = {
    "id": ANCHOR_ID,
    "class": re.compile(r"^[A-Za-z0-9_+ -]*$"),
    "style": re.compile(r"^text-align:(?:left|right|center)$"),
    "start": re.compile(r"^\d{1,9}$"),
    "rel": re.compile(rf"^{REL}$"),
    "target": re.compile(r"^_blank$"),
    "title": re.compile(r"^.*$", re.DOTALL),
}


class UnsafeHtml(ValueError):
    """The rendered HTML holds something outside the allowlist."""


@dataclass(frozen=True)
class Rendered:
    """The document as HTML, and where its marks landed. `anchors`: each marked (or focused) line -> the
    id of the element to scroll to; `unplaced`: marked lines no block holds (a blank line, a table's
    delimiter row...); `fallback`: the allowlist check failed and the text is shown escaped instead."""

    html: str
    focus_anchor: str | None = None
    anchors: dict[int, str] = field(default_factory=dict)
    unplaced: tuple[int, ...] = ()
    fallback: bool = False


def safe_href(url: str) -> bool:
    """Whether a link may be followed: http(s), mailto or in-page only. Entities are decoded and the blanks
    and control characters a browser would skip are removed before the scheme is read, so 'JaVaScRiPt:',
    '&#106;avascript:' or 'java\\tscript:' are refused like 'javascript:'."""
    return bool(SAFE_LINK.match(_INVISIBLE.sub("", html.unescape(url or ""))))


def _markdown() -> MarkdownIt:
    """CommonMark with tables and strikethrough, no raw HTML, no linkify; links and images validated by
    safe_href (a refused one is not parsed as a link, so it shows as written)."""
    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    md.validateLink = safe_href
    default_fence = md.renderer.rules["fence"]

    def fence(self, tokens, idx, options, env):
        tokens[idx].info = _LANG.sub("", (tokens[idx].info or "").split(" ", 1)[0])[:40]
        return default_fence(tokens, idx, options, env)

    def link_open(self, tokens, idx, options, env):
        tok = tokens[idx]
        href = tok.attrGet("href") or ""
        closing = next((j for j in range(idx + 1, len(tokens)) if tokens[j].type == "link_close"), None)
        if not safe_href(str(href)):  # validateLink refused it already; never an anchor all the same
            if closing is not None:
                tokens[closing].meta["drop"] = True
            return ""
        title = tok.attrGet("title")
        attrs = f' href="{escapeHtml(str(href))}"' + (f' title="{escapeHtml(str(title))}"' if title else "")
        attrs += f' rel="{REL}"' + ("" if str(href).startswith("#") else ' target="_blank"')
        return f"<a{attrs}>"

    def link_close(self, tokens, idx, options, env):
        return "" if tokens[idx].meta.get("drop") else "</a>"

    def image(self, tokens, idx, options, env):
        tok = tokens[idx]
        alt = self.renderInlineAsText(tok.children or [], options, env)
        src = str(tok.attrGet("src") or "")
        return f'<span class="pm-image">[image: {escapeHtml(alt)}] ({escapeHtml(src)})</span>'

    def raw_html(self, tokens, idx, options, env):  # never produced with html=False; text if ever
        return escapeHtml(tokens[idx].content)

    def label(self, tokens, idx, options, env):
        tok = tokens[idx]
        tag = "div" if tok.block else "span"
        return f'<{tag} class="{LABEL}">{escapeHtml(tok.content)}</{tag}>' + ("\n" if tok.block else "")

    for name, fn in (("fence", fence), ("link_open", link_open), ("link_close", link_close), ("image", image),
                     ("html_block", raw_html), ("html_inline", raw_html), ("pm_label", label)):  # fmt: skip
        md.add_render_rule(name, fn)
    return md


MD = _markdown()


def split_front_matter(text: str) -> tuple[int, str]:
    """(lines the front matter takes, the text with them blanked), as the ingest splits it: a first line
    '---' up to a line '---' or '...'. Blanking keeps every later line where it was, so the Markdown's
    line maps are the file's lines."""
    first_nl = text.find("\n")
    if not text.startswith("---") or first_nl < 0 or text[:first_nl].strip() != "---":
        return 0, text
    m = _FM_END.search(text, first_nl + 1)
    if m is None:
        return 0, text
    n_lines = text.count("\n", 0, m.start()) + 1
    rest = text[m.end() :]
    return n_lines, "\n" * n_lines + (rest[1:] if rest.startswith("\n") else rest)


def _label_text(uses: Sequence[str]) -> str:
    return "; ".join(dict.fromkeys(uses))


def _source_lines(lines: Sequence[str], first: int, marks: Mapping[int, Sequence[str]], focus: int | None,
                  prefix: str) -> str:  # fmt: skip
    """Lines shown as written (front matter, a YAML or JSON document), one element per line, each with its
    id and its mark."""
    out = []
    for n, line in enumerate(lines, first):
        classes = ["pm-line"] + ([MARK] if n in marks else []) + ([FOCUS] if n == focus else [])
        label = f'<span class="{LABEL}">{escapeHtml(_label_text(marks[n]))}</span>' if n in marks else ""
        out.append(f'<span id="{prefix}{n}" class="{" ".join(classes)}">{label}{escapeHtml(line)}\n</span>')
    return '<pre class="pm-src"><code>' + "".join(out) + "</code></pre>\n"


def _anchor_blocks(tokens: list[Token], prefix: str) -> list[int]:
    """Give every shown block with a line map an id: of the blocks starting on a line, the innermost takes
    it (a table row rather than its table, a list item rather than its list), so the id sits on the element
    a mark lands on. Returns the indexes of the blocks a mark may land on, in document order."""
    innermost: dict[int, int] = {}
    markable = []
    for i, t in enumerate(tokens):
        if t.map is None or t.nesting == -1 or t.type == "inline" or t.hidden:
            continue
        innermost[t.map[0] + 1] = i
        if t.type in MARKABLE:
            markable.append(i)
    for first, i in innermost.items():
        tokens[i].attrSet("id", f"{prefix}{first}")
    return markable


def _holders(tokens: list[Token], markable: list[int], lines: Sequence[int]) -> dict[int, int]:
    """{line: the innermost markable block holding it} for the given 1-based lines: blocks come in document
    order and a block nested in another comes after it, so the last block holding a line is the innermost."""
    wanted = sorted(set(lines))
    found: dict[int, int] = {}
    for i in markable:
        start, end = tokens[i].map
        for k in range(bisect.bisect_left(wanted, start + 1), bisect.bisect_right(wanted, end)):
            found[wanted[k]] = i
    return found


def _label_token(text: str, block: bool) -> Token:
    tok = Token("pm_label", "", 0, content=text, block=block)
    tok.hidden = not block  # keeps the renderer from breaking the line after the opening tag
    return tok


def _mark(tokens: list[Token], marks: Mapping[int, Sequence[str]], focus: int | None, prefix: str):
    """Mark the blocks holding marked lines and the focus line; returns (anchors, unplaced, focus anchor)."""
    markable = _anchor_blocks(tokens, prefix)
    uses: dict[int, list[str]] = {}
    anchors: dict[int, str] = {}
    unplaced = []
    lines = sorted({*marks, *([focus] if focus else [])})
    holders = _holders(tokens, markable, lines)
    for line in lines:
        i = holders.get(line)
        if i is None:
            if line in marks:
                unplaced.append(line)
            continue
        anchors[line] = f"{prefix}{tokens[i].map[0] + 1}"
        if line in marks:
            uses.setdefault(i, []).extend(marks[line])
        if line == focus:
            tokens[i].attrJoin("class", FOCUS)
    inserts: list[tuple[int, Token]] = []
    for i, labels in uses.items():
        tok = tokens[i]
        tok.attrJoin("class", MARK)
        text = _label_text(labels)
        if tok.type in LABEL_INSIDE:
            inserts.append((i + 1, _label_token(text, block=False)))
        elif tok.type == "tr_open":
            cell = next(j for j in range(i + 1, len(tokens)) if tokens[j].type in ("th_open", "td_open", "tr_close"))
            inserts.append((cell + 1 if tokens[cell].type != "tr_close" else cell, _label_token(text, block=False)))
        else:
            inserts.append((i, _label_token(text, block=True)))
    for at, tok in sorted(inserts, key=lambda x: x[0], reverse=True):
        tokens.insert(at, tok)
    return anchors, tuple(unplaced), (anchors.get(focus) if focus else None)


def render(text: str, *, structured: bool = False, marks: Mapping[int, Sequence[str]] | None = None,
           focus: int | None = None, prefix: str = "L") -> Rendered:  # fmt: skip
    """The document as safe HTML inside <div class="pm-doc">. Markdown is rendered (front matter shown as
    written); a structured (YAML/JSON) document is shown whole as written. `marks`: {line: what it was
    used for}; `focus`: the line the link points to; `prefix`: of the ids ('L', or 'doc2-L' for a second
    document on the same page)."""
    marks = {int(k): tuple(v) for k, v in (marks or {}).items()}
    focus = int(focus) if focus else None
    if structured:
        lines = text.split("\n")
        body = _source_lines(lines, 1, marks, focus, prefix)
        anchors = {n: f"{prefix}{n}" for n in {*marks, *([focus] if focus else [])} if 1 <= n <= len(lines)}
        unplaced = tuple(sorted(n for n in marks if n not in anchors))
        out = Rendered(f'<div class="pm-doc">\n{body}</div>', anchors.get(focus), anchors, unplaced)
    else:
        n_fm, body_text = split_front_matter(text)
        head = ""
        fm_anchors: dict[int, str] = {}
        if n_fm:
            fm_lines = text.split("\n", n_fm)[:n_fm]
            head = _source_lines(fm_lines, 1, {k: v for k, v in marks.items() if k <= n_fm}, focus, prefix)
            fm_anchors = {n: f"{prefix}{n}" for n in {*marks, *([focus] if focus else [])} if 1 <= n <= n_fm}
        env: dict = {}
        tokens = MD.parse(body_text, env)
        anchors, unplaced, focus_anchor = _mark(tokens, {k: v for k, v in marks.items() if k > n_fm},
                                                focus if focus and focus > n_fm else None, prefix)  # fmt: skip
        body = MD.renderer.render(tokens, MD.options, env)
        out = Rendered(f'<div class="pm-doc">\n{head}{body}</div>', fm_anchors.get(focus) or focus_anchor,
                       {**fm_anchors, **anchors}, unplaced)  # fmt: skip
    try:
        verify(out.html)
    except UnsafeHtml:
        return Rendered(escaped(text), fallback=True)
    return out


def escaped(text: str) -> str:
    """The document as plain escaped text: what is shown when the rendered HTML fails the check."""
    return f'<div class="pm-doc">\n<pre class="pm-src"><code>{escapeHtml(text)}</code></pre>\n</div>'


class _Allowlist(HTMLParser):
    """Walks rendered HTML and records everything outside ALLOWED_TAGS and their attribute values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.bad: list[str] = []

    def handle_starttag(self, tag, attrs):
        allowed = ALLOWED_TAGS.get(tag)
        if allowed is None:
            self.bad.append(f"tag <{tag}>")
            return
        for name, value in attrs:
            value = value or ""
            if name not in allowed and name not in ("id", "class"):
                self.bad.append(f"attribute {name} on <{tag}>")
            elif name == "href":
                if not safe_href(value):
                    self.bad.append(f"href {value[:40]!r}")
            elif not _ATTR_VALUES[name].match(value):
                self.bad.append(f"{name}={value[:40]!r} on <{tag}>")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag not in ALLOWED_TAGS:
            self.bad.append(f"end tag </{tag}>")

    def handle_comment(self, data):
        self.bad.append("a comment")

    def handle_decl(self, decl):
        self.bad.append("a declaration")

    def handle_pi(self, data):
        self.bad.append("a processing instruction")

    def unknown_decl(self, data):
        self.bad.append("a declaration")


def verify(markup: str) -> None:
    """Raise UnsafeHtml unless `markup` holds only allowed tags and attribute values (defence in depth:
    the renderer should never produce anything else)."""
    check = _Allowlist()
    check.feed(markup)
    check.close()
    if check.bad:
        raise UnsafeHtml("; ".join(dict.fromkeys(check.bad))[:500])


# The page's styles for the rendered document (static: no document text in it).
CSS = """<style>
.pm-doc { border: 1px solid rgba(128,128,128,.25); border-radius: .5rem; padding: .5rem 1rem; overflow-x: auto; }
.pm-doc .pm-mark { background: rgba(255, 196, 0, .16); box-shadow: inset 3px 0 0 rgba(230, 150, 0, .85); }
.pm-doc .pm-focus { background: rgba(255, 120, 0, .28); outline: 2px solid rgba(230, 100, 0, .95); }
.pm-doc .pm-label, .pm-legend .pm-label { display: inline-block; font-size: .72em; line-height: 1.3;
  padding: 0 .4em; margin: 0 .5em 0 0; border-radius: .3em; background: rgba(230, 150, 0, .25); }
.pm-doc div.pm-label { margin: .5em 0 .2em 0; }
.pm-doc pre.pm-src .pm-line { display: block; }
.pm-doc .pm-image { font-style: italic; opacity: .8; }
.pm-legend .pm-mark { background: rgba(255, 196, 0, .16); box-shadow: inset 3px 0 0 rgba(230, 150, 0, .85);
  padding: 0 .4em; }
.pm-legend .pm-focus { background: rgba(255, 120, 0, .28); outline: 2px solid rgba(230, 100, 0, .95);
  padding: 0 .4em; }
</style>"""
