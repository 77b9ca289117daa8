"""The rendered postmortem: Markdown shown safely (nothing in a document ever runs or loads), the lines the
ingest used marked on the block that holds them, and the page's messages for a missing or changed file."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from analytics import documents
from analytics.db import connect
from tests.apptest import open_page, texts
from tests.conftest import build_corpus
from views import doc_render
from views.doc_render import render

# ------------------------------------------------------------------ marks land on the right block


def test_table_row_is_marked():
    out = render("| Time | Event |\n|------|-------|\n| 10:00 | Errors began |\n| 10:05 | Alert fired |\n",
                 marks={4: ("detected_at evidence",)})  # fmt: skip
    assert out.html == (
        '<div class="pm-doc">\n<table>\n<thead>\n<tr id="L1">\n<th>Time</th>\n<th>Event</th>\n</tr>\n</thead>\n'
        '<tbody>\n<tr id="L3">\n<td>10:00</td>\n<td>Errors began</td>\n</tr>\n<tr id="L4" class="pm-mark">\n'
        '<td><span class="pm-label">detected_at evidence</span>10:05</td>\n<td>Alert fired</td>\n</tr>\n'
        "</tbody>\n</table>\n</div>"
    )
    assert out.anchors == {4: "L4"}


def test_list_item_is_marked_and_focused():
    out = render("- one\n- two\n- three\n", marks={2: ("action item",)}, focus=2)
    assert out.html == (
        '<div class="pm-doc">\n<ul>\n<li id="L1">one</li>\n<li id="L2" class="pm-focus pm-mark">'
        '<span class="pm-label">action item</span>two</li>\n<li id="L3">three</li>\n</ul>\n</div>'
    )
    assert out.focus_anchor == "L2"


def test_paragraph_is_marked_by_any_of_its_lines():
    out = render("First line\nsecond line\n\nOther\n", marks={2: ("factor: deploy-safety",),
                                                             4: ("factor: testing-gap", "impact: users_affected")})  # fmt: skip
    assert out.html == (
        '<div class="pm-doc">\n<p id="L1" class="pm-mark"><span class="pm-label">factor: deploy-safety</span>'
        'First line\nsecond line</p>\n<p id="L4" class="pm-mark"><span class="pm-label">factor: testing-gap; '
        "impact: users_affected</span>Other</p>\n</div>"
    )
    assert out.anchors == {2: "L1", 4: "L4"}


def test_front_matter_is_shown_as_written_and_lines_keep_their_numbers():
    text = "---\ntitle: T\ndetected_at: 2025-01-01 10:00\n---\n# T\n\nAlert fired\n"
    out = render(text, marks={3: ("detected_at evidence",), 7: ("detected_at evidence",)}, focus=7)
    assert out.html == (
        '<div class="pm-doc">\n<pre class="pm-src"><code><span id="L1" class="pm-line">---\n</span>'
        '<span id="L2" class="pm-line">title: T\n</span><span id="L3" class="pm-line pm-mark">'
        '<span class="pm-label">detected_at evidence</span>detected_at: 2025-01-01 10:00\n</span>'
        '<span id="L4" class="pm-line">---\n</span></code></pre>\n<h1 id="L5">T</h1>\n'
        '<p id="L7" class="pm-focus pm-mark"><span class="pm-label">detected_at evidence</span>Alert fired</p>\n'
        "</div>"
    )
    assert out.focus_anchor == "L7"


def test_structured_document_is_shown_whole_line_by_line():
    out = render('{\n  "title": "x"\n}', structured=True, marks={2: ("factor: security",)}, focus=3)
    assert out.html == (
        '<div class="pm-doc">\n<pre class="pm-src"><code><span id="L1" class="pm-line">{\n</span>'
        '<span id="L2" class="pm-line pm-mark"><span class="pm-label">factor: security</span>  &quot;title&quot;: '
        '&quot;x&quot;\n</span><span id="L3" class="pm-line pm-focus">}\n</span></code></pre>\n</div>'
    )


def test_a_line_no_block_holds_is_reported():
    out = render("a\n\n\nb\n", marks={2: ("x",)})
    assert out.unplaced == (2,) and "pm-mark" not in out.html


def test_ids_of_another_document_on_the_page_are_prefixed():
    assert render("x\n", marks={1: ("y",)}, prefix="doc1-L").html == (
        '<div class="pm-doc">\n<p id="doc1-L1" class="pm-mark"><span class="pm-label">y</span>x</p>\n</div>'
    )


# ------------------------------------------------------------------ hostile content never runs or loads

HOSTILE = """\
# Postmortem <script>alert(1)</script>

<script>alert("x")</script>
<SCRIPT SRC=http://evil.example/x.js></SCRIPT>
<img src=http://evil.example/x.png onerror=alert(1)>
![x](http://evil.example/x.png)
![y](data:image/png;base64,AAAA)
[a](javascript:alert(1))
[b](JaVaScRiPt:alert(1))
[c](&#106;avascript:alert(1))
[c2](&#x6A;avascript&colon;alert(1))
[sp]( java\tscript:alert(1) )
[lt](<javascript:alert(1)>)
<javascript:alert(1)>
[d](data:text/html;base64,PHNjcmlwdD4=)
[v](vbscript:msgbox(1))
[f](file:///etc/passwd)
[pr](//evil.example/x)
<!-- a comment -->
<iframe src="http://evil.example/"></iframe>
<style>body{display:none}</style>
<div onclick="alert(1)" onmouseover=alert(2)>x</div>
<a href="javascript:alert(1)">raw anchor</a>
[ref link][r1] and [r2] and [r3]
[t](http://ok.example "x\\" onmouseover=\\"alert(1)")
[<b onclick=x>bold</b>](https://ok.example)
[![inner](http://evil.example/i.png)](https://ok.example/page)

[r1]: javascript:alert(3)

[r2]: http://evil.example/x.png

[r3]: data:text/html,<script>alert(4)</script>

- <svg onload=alert(1)>

| h | <img src=x> |
|---|---|
| <script>x</script> | ![i](https://evil.example/i.png) |

```html" onclick="alert(1)
<script>alert(1)</script>
```

    <iframe src=x></iframe>
"""


class Collect(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.comments = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(tag, k, v or "") for k, v in attrs]

    handle_startendtag = handle_starttag

    def handle_comment(self, data):
        self.comments.append(data)


def parsed(markup: str) -> Collect:
    c = Collect()
    c.feed(markup)
    c.close()
    return c


@pytest.mark.parametrize("text", [HOSTILE, *HOSTILE.split("\n\n")])
def test_hostile_document_renders_nothing_that_runs_or_loads(text):
    out = render(text, marks={1: ("x",), 3: ("y",)}, focus=5)
    assert not out.fallback
    low = out.html.lower()
    for tag in ("<script", "<img", "<iframe", "<style", "<svg", "<!--", "<object", "<embed", "<link", "<meta"):
        assert tag not in low
    p = parsed(out.html)
    assert set(p.tags) <= set(doc_render.ALLOWED_TAGS)
    assert not p.comments
    assert not [a for a in p.attrs if a[1] in ("src", "srcset", "style") and a[0] not in ("th", "td")]
    assert not [a for a in p.attrs if a[1].startswith("on")]
    hrefs = [v for t, k, v in p.attrs if k == "href"]
    assert all(re.match(r"^(https?://|mailto:|#)", h) for h in hrefs), hrefs


def test_hostile_document_keeps_the_safe_links_and_shows_the_rest_as_text():
    out = render(HOSTILE)
    hrefs = [v for _, k, v in parsed(out.html).attrs if k == "href"]
    # [r2] is a web link (to an image, but a link loads nothing until followed); the other references are refused
    assert hrefs == ["http://evil.example/x.png", "http://ok.example", "https://ok.example", "https://ok.example/page"]
    assert "[a](javascript:alert(1))" in out.html  # a refused link shows as written
    assert "[pr](//evil.example/x)" in out.html and "[lt](&lt;javascript:alert(1)&gt;)" in out.html
    assert '<span class="pm-image">[image: x] (http://evil.example/x.png)</span>' in out.html
    assert "&lt;!-- a comment --&gt;" in out.html
    assert 'rel="noopener noreferrer nofollow" target="_blank"' in out.html


@pytest.mark.parametrize(
    ("url", "ok"),
    [("https://a.example/x", True), ("HTTP://A.EXAMPLE", True), ("mailto:a@b.example", True), ("#L3", True),
     ("javascript:alert(1)", False), ("JaVaScRiPt:x", False), ("&#106;avascript:x", False), (" \tjavascript:x", False),
     ("java\u200bscript:x", False), ("data:text/html,x", False), ("vbscript:x", False), ("file:///etc/passwd", False),
     ("//evil.example", False), ("runbook.md", False), ("", False)],
)  # fmt: skip
def test_safe_href(url, ok):
    assert doc_render.safe_href(url) is ok


@pytest.mark.parametrize(
    "markup",
    ['<img src="x">', '<p onclick="x">a</p>', '<a href="javascript:x">a</a>', "<!-- c -->", '<p id="x1">a</p>',
     '<td style="background:url(x)">a</td>', "<script>x</script>", '<a href="http://x" target="_self">a</a>'],
)  # fmt: skip
def test_the_allowlist_refuses(markup):
    with pytest.raises(doc_render.UnsafeHtml):
        doc_render.verify(markup)


def test_a_link_the_parser_let_through_is_still_no_anchor(monkeypatch):
    """Second layer: were a refused scheme parsed as a link, the renderer shows its text only."""
    monkeypatch.setattr(doc_render.MD, "validateLink", lambda url: True)
    out = render("[a](javascript:alert(1)) [b](https://ok.example)\n")
    assert out.html == (
        '<div class="pm-doc">\n<p id="L1">a <a href="https://ok.example" rel="noopener noreferrer nofollow" '
        'target="_blank">b</a></p>\n</div>'
    )


def test_unsafe_rendering_falls_back_to_escaped_text(monkeypatch):
    monkeypatch.setattr(doc_render.MD.renderer, "render", lambda *a, **k: '<img src="http://evil.example/x.png">')
    out = render("# <b>T</b>\n")
    assert out.fallback
    assert out.html == '<div class="pm-doc">\n<pre class="pm-src"><code># &lt;b&gt;T&lt;/b&gt;\n</code></pre>\n</div>'


# ------------------------------------------------------------------ the analytics: files, marks, reading

DOC = """\
---
severity: SEV2
team: payments
---
# Postmortem: Checkout errors after deploy

Date: 2025-03-10 | Status: Final

## Impact

- 120 customers affected

## Timeline (All times UTC)

| Time | Event |
|------|-------|
| 10:00 | Deploy of checkout v42 started; errors began |
| 10:05 | Alert fired for checkout 5xx rate |
| 10:08 | On-call acknowledged the page |
| 10:30 | Rolled back; errors stopped |
| 10:45 | Confirmed recovery, incident resolved |

## Contributing Factors

- The deploy had no canary stage

## Notes

<script>alert("pm")</script> ![graph](http://evil.example/x.png) [run](javascript:alert(1))

## Action Items

| Priority | Action | Owner | Due Date |
|----------|--------|-------|----------|
| P1 | Add a canary stage to checkout deploys | @alice | 2025-04-01 |
"""
REL = "payments/2025-03-10-checkout.md"
ID = "payments/2025-03-10-checkout"
TEMPLATE = 'document_url_template: "https://git.example.com/pm/blob/main/{path}#L{line}"\n'


@pytest.fixture
def built(tmp_path, rules):
    db = build_corpus(tmp_path, {REL: DOC}, rules)
    return db, tmp_path / "corpus" / REL


def test_documents_and_marks(built):
    db, file = built
    con = connect(db)
    docs = documents.documents(con, ID)
    assert docs[["path", "relpath", "kind", "outcome", "main"]].values.tolist() == [
        [str(file), REL, "standard", "incident", True]
    ]
    assert documents.header(con, ID)["title"] == "Checkout errors after deploy"
    assert documents.header(con, "nope") is None
    m = documents.marks(con, ID)
    assert m[["line", "used_for", "kinds"]].values.tolist() == [
        [11, "impact: customers_affected", "impact"],
        [17, "started_at evidence", "milestone"],
        [18, "detected_at evidence", "milestone"],
        [19, "acknowledged_at evidence", "milestone"],
        [20, "mitigated_at evidence", "milestone"],
        [21, "resolved_at evidence", "milestone"],
        [25, "factor: deploy-safety", "factor"],
        [35, "action item", "action_item"],
    ]
    assert documents.uses_by_line(m, str(file))[18] == ("detected_at evidence",)


def test_read_text(built, tmp_path):
    _, file = built
    h = documents.content_hash(file.read_bytes())
    got = documents.read_text(str(file), h)
    assert (got.status, got.text) == ("ok", DOC)
    assert documents.read_text(str(file), "0" * 32).status == "changed"
    assert documents.read_text(str(file), h, max_bytes=100).status == "too_large"
    assert documents.read_text(str(tmp_path / "gone.md"), h).status == "missing"
    (tmp_path / "bin.md").write_bytes(b"a\x00b")
    assert documents.read_text(str(tmp_path / "bin.md"), None).status == "unreadable"
    (tmp_path / "crlf.md").write_bytes(b"a\r\nb" + "\u2028".encode() + b"c")
    assert documents.read_text(str(tmp_path / "crlf.md"), None).text == "a\nb\nc"  # lines as the ingest counts them


# ------------------------------------------------------------------ the page


def doc_html(at) -> str:
    bodies = [e.proto.body for e in at.get("html") if 'class="pm-doc"' in e.proto.body]
    assert len(bodies) == 1, len(bodies)
    return bodies[0]


def test_page_marks_the_evidence_line_and_renders_safely(built):
    db, _ = built
    at = open_page(db, "views/document.py", incident=ID, line="18")
    assert [t.value for t in at.title] == ["Checkout errors after deploy"]
    assert "Line 18 of payments/2025\\-03\\-10\\-checkout\\.md, used for: detected\\_at evidence" in texts(at)
    body = doc_html(at)
    assert ('<tr id="L18" class="pm-focus pm-mark">\n<td><span class="pm-label">detected_at evidence</span>10:05</td>'
            in body)  # fmt: skip
    assert '<li id="L25" class="pm-mark"><span class="pm-label">factor: deploy-safety</span>' in body
    assert '<tr id="L35" class="pm-mark">\n<td><span class="pm-label">action item</span>P1</td>' in body
    assert "<script" not in body and "<img" not in body
    assert "[run](javascript:alert(1))" in body and not [a for a in parsed(body).attrs if a[1] == "href"]
    scripts = [e.proto.body for e in at.get("html") if "<script" in e.proto.body]
    assert scripts and all("getElementById('L18')" in s and "pm" not in s for s in scripts)
    assert not at.get("link_button")  # no template: no repository link
    assert not at.warning


def test_page_with_document_url_template_links_to_the_repository(built, tmp_path, monkeypatch):
    db, _ = built
    settings = tmp_path / "dashboard.yaml"
    settings.write_text(TEMPLATE, encoding="utf-8")
    monkeypatch.setenv("INCIDENTS_SETTINGS", str(settings))
    at = open_page(db, "views/document.py", incident=ID, line="25")
    assert [b.proto.url for b in at.get("link_button")] == [
        "https://git.example.com/pm/blob/main/payments/2025-03-10-checkout.md#L25"
    ]


def test_page_says_when_the_file_is_missing(built, tmp_path, monkeypatch):
    db, file = built
    settings = tmp_path / "dashboard.yaml"
    settings.write_text(TEMPLATE, encoding="utf-8")
    monkeypatch.setenv("INCIDENTS_SETTINGS", str(settings))
    file.unlink()
    at = open_page(db, "views/document.py", incident=ID)
    warned = " ".join(w.value for w in at.warning)
    assert "The file is not where the build read it" in warned
    assert "2025\\-03\\-10\\-checkout\\.md" in warned and "corpus/payments" in warned
    assert not [e for e in at.get("html") if 'class="pm-doc"' in e.proto.body]
    assert [b.proto.url for b in at.get("link_button")] == [
        "https://git.example.com/pm/blob/main/payments/2025-03-10-checkout.md"
    ]


def test_page_warns_when_the_file_changed(built):
    db, file = built
    file.write_text("Inserted line\n" + DOC, encoding="utf-8")
    at = open_page(db, "views/document.py", incident=ID)
    assert any("changed since the database was built" in w.value for w in at.warning)
    assert "Inserted line" in doc_html(at)  # shown as it is now


def test_page_says_so_for_an_unknown_incident_and_a_bad_line(built):
    db, _ = built
    at = open_page(db, "views/document.py", incident="no/such-thing")
    assert "There is no incident with the id 'no/such\\-thing'" in texts(at)
    at = open_page(db, "views/document.py", incident=ID, line="x<1", path="elsewhere.md")
    warned = " ".join(w.value for w in at.warning)
    assert (
        "line 'x&lt;1' (not a line number)" in warned
        and "'elsewhere\\.md' is not one of this incident's files" in warned
    )
    assert doc_html(at)


def test_page_without_an_incident(built):
    db, _ = built
    at = open_page(db, "views/document.py")
    assert "Open a postmortem from an incident" in texts(at)


def test_no_unsafe_javascript_on_document_text(built, monkeypatch):
    """Only the page's own scroll script may run: the document's HTML is drawn without JavaScript."""
    import streamlit as st

    calls = []
    real = st.html

    def spy(body, *a, **kw):
        calls.append((str(body), kw.get("unsafe_allow_javascript", False)))
        return real(body, *a, **kw)

    monkeypatch.setattr(st, "html", spy)
    db, _ = built
    open_page(db, "views/document.py", incident=ID, line="18")
    unsafe = [b for b, js in calls if js]
    assert unsafe and all(re.fullmatch(r"<script>[^<]*getElementById\('L18'\)[^<]*</script>", b) for b in unsafe)
    assert any('class="pm-doc"' in b for b, js in calls if not js)


def test_path_is_only_ever_one_of_the_incidents_files(built, tmp_path):
    db, _ = built
    secret = tmp_path / "secret.md"
    secret.write_text("# top secret\n", encoding="utf-8")
    at = open_page(db, "views/document.py", incident=ID, path=str(secret))
    assert "top secret" not in doc_html(at)
    assert Path(secret).exists()


def test_milestones_given_in_the_front_matter_are_marked_on_their_keys_line(tmp_path, rules):
    doc = ("---\nseverity: SEV3\ndetected_at: 2025-03-10T10:05:00Z\nresolved_at: 2025-03-10T10:45:00Z\n---\n"
           "# Postmortem: Queue backlog\n\nDate: 2025-03-10\n\n## Summary\n\nThe queue backed up.\n")  # fmt: skip
    db = build_corpus(tmp_path, {"search/q.md": doc}, rules)
    con = connect(db)
    m = documents.marks(con, "search/q")
    assert m[["line", "used_for"]].values.tolist() == [[3, "detected_at evidence"], [4, "resolved_at evidence"]]
    ev = con.execute("SELECT milestone, source, line, rule, confidence FROM milestone_evidence ORDER BY 1").fetchall()
    assert ev == [("detected", "front_matter", 3, "stated as detected_at", "clear"),
                  ("resolved", "front_matter", 4, "stated as resolved_at", "clear")]  # fmt: skip
