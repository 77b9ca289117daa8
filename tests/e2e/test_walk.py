"""The walk a reader takes from the quarterly review to the line a number rests on, in the real browser:
review -> the overdue count -> an owner -> one of their items -> the incident -> the rendered postmortem
with the item's line marked. One click per step (no typing), and every step's URL, opened afresh in a new
browser context, reopens the same view. Then a hostile postmortem in the document view: nothing in it
runs, loads or becomes a script link.

Run with `pytest --e2e tests/e2e/test_walk.py`. Needs Debian's chromium; screenshots of every step go to
tests/e2e/screenshots/walk-<n>.png."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import build_corpus
from tests.e2e.server import chromium, dashboard, need_chromium

pytestmark = pytest.mark.e2e
SHOTS = Path(__file__).parent / "screenshots"
AS_OF = "2025-07-15"
START = f"/?quarter=2025Q2&as_of={AS_OF}"
WAIT = 60_000
ROW_PX = 35  # st.dataframe's header and row height (glide data grid defaults in Streamlit)
ITEM_LINE = 21  # the line of 'Freshness alert' in W-1.md (front matter 1-9, table rows from 21)

PEOPLE = """\
people:
  alice: {name: Alice Chen, team: payments, manager: maria}
  carol: {name: Carol Diaz, team: search, manager: sam}
  dave: {name: Dave Eke, team: search, manager: sam}
"""


def postmortem(iid: str, title: str, team: str, day: str, items: list[tuple[str, str, str, str]]) -> str:
    """A Markdown postmortem whose action items table starts on line 21."""
    rows = "\n".join(f"| {p} | {a} | {o} | {d} |" for p, a, o, d in items)
    return f"""\
---
id: {iid}
title: {title}
team: {team}
severity: SEV2
services: [{team}-api]
started_at: {day}T10:00:00Z
detected_at: {day}T10:06:00Z
resolved_at: {day}T10:50:00Z
---
# Postmortem: {title}

## Summary

Something went wrong and was put right.

## Action Items

| Priority | Action | Owner | Due Date |
|---|---|---|---|
{rows}
"""


HOSTILE = """\
---
id: H-1
title: Hostile document
team: payments
severity: SEV3
started_at: 2025-02-20T10:00:00Z
detected_at: 2025-02-20T10:06:00Z
resolved_at: 2025-02-20T10:50:00Z
---
# Postmortem: Hostile document

<script>alert(1)</script>

<img src="http://127.0.0.1:9/x.png" onerror="alert(2)">

![remote](http://127.0.0.1:9/y.png)

[click](javascript:alert(3))

<!-- comment -->

<iframe src="http://127.0.0.1:9/"></iframe>

The end.
"""

# As of 2025-07-15, in 2025Q2: dave owes two overdue items (W-1 due 06-01, 44 days; W-2 due 06-15, 30 days),
# carol one (25 days), alice one (14 days): 4 overdue. dave's W-0 item (2025Q1) is overdue too, but not one
# of the quarter's; his 'Write the runbook' is not due yet.
FILES = {
    "search/W-1.md": postmortem("W-1", "Stale search results", "search", "2025-05-01", [
        ("P1", "Freshness alert", "@dave", "2025-06-01"),
        ("P2", "Tidy dashboards", "@carol", "2025-06-20"),
        ("P3", "Write the runbook", "@dave", "2025-08-30"),
    ]),
    "payments/W-2.md": postmortem("W-2", "Checkout errors", "payments", "2025-04-10", [
        ("P1", "Rebuild the index nightly", "@dave", "2025-06-15"),
        ("P2", "Load test the db", "@alice", "2025-07-01"),
    ]),
    "payments/W-0.md": postmortem("W-0", "Old queue stall", "payments", "2025-02-10", [
        ("P1", "Retire legacy queue", "@dave", "2025-03-01"),
    ]),
    "payments/H-1.md": HOSTILE,
}  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory, rules):
    need_chromium()
    db = build_corpus(tmp_path_factory.mktemp("walk"), FILES, rules, people=PEOPLE, as_of=AS_OF)
    with dashboard(db) as url:
        yield url


@pytest.fixture(scope="module")
def browser(server):
    with chromium() as b:
        yield b


# ------------------------------------------------------------------ reading the page


def fresh(browser):
    """A page in a browser context of its own: no session, cookie or history shared with another."""
    ctx = browser.new_context(viewport={"width": 1500, "height": 1100})
    return ctx, ctx.new_page()


def settle(page) -> None:
    """Wait until the script run is over: a title is drawn and Streamlit shows no running status."""
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=WAIT)
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => !document.querySelector(\"[data-testid='stStatusWidget'] button\")"
        " && !document.querySelector(\"[data-stale='true']\")",
        timeout=WAIT,
    )


def title(page) -> str:
    return page.locator("[data-testid='stMain'] h1").first.inner_text().strip()


def metric(page, label: str) -> str:
    """The value of the metric whose label is exactly `label`."""
    box = page.locator("[data-testid='stMetric']").filter(
        has=page.locator("[data-testid='stMetricLabel']", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    )
    return box.locator("[data-testid='stMetricValue']").first.inner_text().strip()


def table(page, heading: str):
    """The first st.dataframe after the subheading `heading`."""
    return page.locator(
        f"xpath=//h3[normalize-space(.)={heading!r}]/ancestor::div[contains(@class,'stElementContainer') or "
        f"@data-testid='stElementContainer'][1]/following::div[@data-testid='stDataFrame'][1]"
    )


def rows(grid) -> list[dict[str, str]]:
    """The rows of a dataframe as {column header: cell text}, from the grid's accessible table."""
    # the grid fills its (hidden) accessible table a moment after the page has settled
    grid.locator("tbody tr").first.wait_for(state="attached", timeout=WAIT)
    heads = [h.strip() for h in grid.locator("thead th").all_text_contents()]
    out = []
    for tr in grid.locator("tbody tr").all():
        cells = [c.strip() for c in tr.locator("td").all_text_contents()]
        out.append(dict(zip(heads[-len(cells) :] if cells else [], cells, strict=False)))
    return out


def owner_box(page) -> str:
    """What the Action items page's Owner box shows: the owner chosen, else its placeholder."""
    box = page.get_by_role("combobox", name="Owner", exact=True)
    return box.input_value() or box.get_attribute("placeholder")


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def shot(page, n: int, focus=None) -> None:
    """walk-<n>.png: the viewport, scrolled to what the step is about."""
    if focus is not None:
        focus.scroll_into_view_if_needed()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"walk-{n}.png"))


def click_row(page, grid, row: int, x_offset: int = 70) -> None:
    """One click on a cell of a dataframe row (row 0 = the first below the header). The mouse first moves
    over the row: after a rerun the grid ignores a click that comes with no movement before it."""
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    x, y = box["x"] + x_offset, box["y"] + ROW_PX * (row + 1) + ROW_PX / 2
    page.mouse.move(x - 20, y)
    page.mouse.move(x, y, steps=4)
    page.mouse.click(x, y)


# ------------------------------------------------------------------ the views each step must show


def review_view(page) -> dict:
    return {"title": title(page), "overdue": metric(page, "Overdue")}


def actions_view(page) -> dict:
    overdue = table(page, "Overdue items")
    return {
        "title": title(page),
        "overdue": metric(page, "Overdue (in 2025Q2)"),
        "owner box": owner_box(page),
        "owners": [r["owner"] for r in rows(table(page, "Overdue owners"))],
        "overdue items": [(r["incident"], r["action"], r["owner"]) for r in rows(overdue)],
    }


def incident_view(page) -> dict:
    came = page.locator("[data-testid='stAlert'] [data-testid='stMarkdownContainer']").filter(
        has_text="You came from the action item"
    )
    return {"title": title(page), "came from": came.first.inner_text().strip() if came.count() else None}


MARKED = "[data-testid='stMain'] .pm-doc .pm-mark"


def cells(block) -> list[str]:
    """The cells of a table row as written, without the mark's label drawn in the first."""
    return [c.strip() for c in block.evaluate(
        "el => [...el.querySelectorAll('td')].map(td => [...td.childNodes]"
        "  .filter(n => !(n.classList && n.classList.contains('pm-label'))).map(n => n.textContent).join(''))")]  # fmt: skip


def document_view(page) -> dict:
    """The outlined block (the line the link points to): its id, classes, label and cells; and every marked
    block's id and label."""
    marks = page.locator(MARKED)
    focus = page.locator("[data-testid='stMain'] .pm-doc .pm-focus")
    return {
        "title": title(page),
        "focus": [{"id": el.get_attribute("id"), "class": sorted((el.get_attribute("class") or "").split()),
                   "label": el.locator(".pm-label").all_text_contents(),
                   "cells": cells(el)} for el in focus.all()],
        "marks": [(el.get_attribute("id"), el.locator(".pm-label").first.text_content()) for el in marks.all()],
    }  # fmt: skip


def seen(page, view, expected: dict, seconds: float = 20) -> dict:
    """The view once it shows `expected`, or as it stands after `seconds`: the grids redraw their rows a
    moment after the script run ends."""
    got = view(page)
    for _ in range(int(seconds * 2)):
        if got == expected:
            break
        page.wait_for_timeout(500)
        got = view(page)
    return got


def reopens(browser, url: str, view, expected: dict) -> None:
    """The URL, opened in a new browser context (no session), shows the same view."""
    ctx, page = fresh(browser)
    try:
        page.goto(url)
        settle(page)
        assert seen(page, view, expected) == expected, f"{url} reopened another view"
    finally:
        ctx.close()


# ------------------------------------------------------------------ the walk

REVIEW = {"title": "Quarterly review: 2025Q2", "overdue": "4"}
ACTIONS = {
    "title": "Action items",
    "overdue": "4",
    "owner box": "All owners",
    "owners": ["dave", "carol", "alice"],
    "overdue items": [("W-1", "Freshness alert", "dave"), ("W-2", "Rebuild the index nightly", "dave"),
                      ("W-1", "Tidy dashboards", "carol"), ("W-2", "Load test the db", "alice")],
}  # fmt: skip
DAVE = {
    "title": "Action items",
    "overdue": "2",
    "owner box": "dave",
    "owners": ["dave"],
    "overdue items": [("W-1", "Freshness alert", "dave"), ("W-2", "Rebuild the index nightly", "dave")],
}
INCIDENT = {"title": "Stale search results",
            "came from": f"You came from the action item on line {ITEM_LINE}: Freshness alert"}  # fmt: skip
DOCUMENT = {
    "title": "Stale search results",
    "focus": [{"id": f"L{ITEM_LINE}", "class": ["pm-focus", "pm-mark"], "label": ["action item"],
               "cells": ["P1", "Freshness alert", "@dave", "2025-06-01"]}],
    # the front matter's times are marked on their keys' lines, the items on their rows
    "marks": [("L7", "started_at evidence"), ("L8", "detected_at evidence"), ("L9", "resolved_at evidence"),
              ("L21", "action item"), ("L22", "action item"), ("L23", "action item")],
}  # fmt: skip


def row_of(grid, **cells) -> int:
    """The position of the first row whose cells read `cells` ({column header: text})."""
    found = [i for i, r in enumerate(rows(grid)) if all(r.get(k) == v for k, v in cells.items())]
    assert found, f"no row with {cells}"
    return found[0]


def test_review_to_the_marked_line_one_click_each_and_every_url_reopens(browser, server):
    ctx, page = fresh(browser)
    try:
        # 0. the review of 2025Q2
        page.goto(server + START)
        settle(page)
        assert seen(page, review_view, REVIEW) == REVIEW
        shot(page, 0, page.get_by_text("the 4 overdue items →"))
        reopens(browser, page.url, review_view, REVIEW)

        # 1. the overdue count's link: the Action items page over the quarter's incidents
        page.locator("a.drill", has_text="the 4 overdue items").click()
        page.wait_for_url("**/action-items?**", timeout=WAIT)
        settle(page)
        assert seen(page, actions_view, ACTIONS) == ACTIONS
        assert query(page.url)["overdue"] == ["period"] and query(page.url)["quarter"] == ["2025Q2"]
        shot(page, 1, table(page, "Overdue owners"))
        reopens(browser, page.url, actions_view, ACTIONS)

        # 2. dave's row of the overdue owners: the page now shows his items only
        owners = table(page, "Overdue owners")
        click_row(page, owners, row_of(owners, owner="dave"))
        page.wait_for_url(re.compile(r"[?&]owner=dave(&|$)"), timeout=WAIT)
        settle(page)
        assert seen(page, actions_view, DAVE) == DAVE
        assert query(page.url)["overdue"] == ["period"] and query(page.url)["quarter"] == ["2025Q2"]
        shot(page, 2, table(page, "Overdue items"))
        reopens(browser, page.url, actions_view, DAVE)

        # 3. his item 'Freshness alert': the incident, saying which item the reader came from
        items = table(page, "Overdue items")
        click_row(page, items, row_of(items, action="Freshness alert"))
        page.wait_for_url("**/incidents?**", timeout=WAIT)
        settle(page)
        assert query(page.url)["incident"] == ["W-1"] and query(page.url)["line"] == [str(ITEM_LINE)]
        assert seen(page, incident_view, INCIDENT) == INCIDENT
        shot(page, 3)
        reopens(browser, page.url, incident_view, INCIDENT)

        # 4. 'Read the postmortem': the document, the item's line outlined and marked 'action item'
        page.locator("a.drill", has_text="Read the postmortem").click()
        page.wait_for_url("**/document?**", timeout=WAIT)
        settle(page)
        assert query(page.url)["incident"] == ["W-1"] and query(page.url)["line"] == [str(ITEM_LINE)]
        assert seen(page, document_view, DOCUMENT) == DOCUMENT
        shot(page, 4, page.locator(f"#L{ITEM_LINE}"))
        reopens(browser, page.url, document_view, DOCUMENT)
    finally:
        ctx.close()


# ------------------------------------------------------------------ a hostile postmortem

# Every href on the page, with the blanks and control characters a browser skips in a scheme removed.
HREFS = (
    """() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href').replace(/[\\x00-\\x20]/g, ''))"""
)


@pytest.fixture(scope="module")
def hostile(browser, server):
    """The document view of H-1 opened once in a fresh context: (what it shows, every request the page made,
    every dialog it opened)."""
    ctx, page = fresh(browser)
    requests, dialogs = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(f"{server}/document?incident=H-1")
        settle(page)
        doc = page.locator("[data-testid='stMain'] .pm-doc")
        doc.wait_for(timeout=WAIT)
        doc.scroll_into_view_if_needed()
        page.wait_for_timeout(2000)  # anything the document could load or run has had its chance
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "walk-hostile.png"))
        shown = {
            "title": title(page),
            "documents": doc.count(),
            "text": doc.inner_text(),
            "embedded": doc.locator("img, iframe, script, object, embed, style, link").count(),
            "hrefs": page.evaluate(HREFS),
        }
        yield shown, requests, dialogs
    finally:
        ctx.close()


def test_a_hostile_postmortem_neither_runs_nor_loads_anything(hostile):
    shown, requests, dialogs = hostile
    assert (shown["title"], shown["documents"]) == ("Hostile document", 1)
    for written in ("<script>alert(1)</script>", "<!-- comment -->", '<iframe src="http://127.0.0.1:9/">',
                    "[click](javascript:alert(3))", "[image: remote] (http://127.0.0.1:9/y.png)"):  # fmt: skip
        assert written in shown["text"]  # shown as the text that was written
    assert dialogs == []
    assert [u for u in requests if "127.0.0.1:9" in u] == []
    assert shown["embedded"] == 0
    assert [h for h in shown["hrefs"] if h.lower().startswith("javascript:")] == []


def test_the_document_page_requests_nothing_from_another_host(hostile, server):
    """Known to fail: app.py's page_icon ':material/troubleshoot:' makes Streamlit's front end load the
    favicon from fonts.gstatic.com on every page (an emoji icon is a data: URL, a local image is served by
    the dashboard itself)."""
    _, requests, _ = hostile
    own = urlsplit(server).netloc
    elsewhere = [u for u in requests if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).netloc != own]
    assert elsewhere == [], "the page asked another host (product: app.py page_icon, see the docstring)"
