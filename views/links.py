"""Links from a number to what it counts: one click, the same tab, a URL that reopens the view.

Two ways, both ending on a URL that carries the whole view (the sidebar's filters and the page's own
selection), so it can be pasted into a chat or a ticket and reopens the same view:

- `anchor` / `href`: an HTML link drawn with st.html. Clicking it loads the URL in the same tab; the new
  session reads every filter from the URL. Use it for headline numbers and HTML tables, and whenever the
  link changes a sidebar filter (a quarter, a team).
- `go`: for a table row or cell the reader selects (st.dataframe on_select). Streamlit refuses to set a
  query parameter that a widget is bound to, and a bound widget keeps its value across pages, so `go`
  sets the sidebar filters (and any widget key the caller names) in session state and hands the other
  parameters to st.switch_page, which app.py calls on the next run (`follow`).

Page keys are those of ui.PAGES; a page's URL path is its st.Page url_path.
"""

from __future__ import annotations

import html
from datetime import date
from urllib.parse import urlencode

import streamlit as st

from analytics.filters import Filters

# st.Page url_path of each page (app.py), by the keys of ui.PAGES.
URL_PATHS = {
    "review": "",
    "response_times": "response-times",
    "factors": "factors",
    "actions": "action-items",
    "impact": "impact",
    "incidents": "incidents",
    "document": "document",
    "team": "team",
    "data_quality": "data-quality",
}
# The sidebar's filters as they appear in the URL (bound widgets, app.py / ui.sidebar_filters).
FILTER_KEYS = ("as_of", "quarter", "since", "team", "service", "severity")
LIST_KEYS = ("team", "service", "severity")
_PENDING = "_links_go"


def current_filters() -> dict[str, str | list[str]]:
    """The sidebar filters the reader chose, as the URL holds them now (defaults are left out, so a
    link keeps following the latest quarter when the reader did not pin one)."""
    qp = st.query_params
    out: dict[str, str | list[str]] = {}
    for k in FILTER_KEYS:
        if k in LIST_KEYS:
            vals = qp.get_all(k)
            if vals:
                out[k] = list(vals)
        elif qp.get(k):
            out[k] = qp.get(k)
    return out


def period_params(f: Filters, only_end: bool = False) -> dict[str, str]:
    """quarter/since pinned to what the filters show now: the review's quarter (only_end) or the
    whole trend period, so the target page counts over the same quarters as the number clicked."""
    return {"quarter": f.end.label, "since": (f.end if only_end else f.start).label}


def params(**extra) -> dict[str, str | list[str]]:
    """current_filters() with `extra` on top; an extra of None removes that key."""
    out = current_filters()
    for k, v in extra.items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, (list, tuple)):
            out[k] = [str(x) for x in v]
        else:
            out[k] = v.isoformat() if isinstance(v, date) else str(v)
    return out


def href(page: str, **extra) -> str:
    """A relative URL of `page` with the current filters and `extra` (see params)."""
    query = urlencode(params(**extra), doseq=True)
    return (URL_PATHS[page] or "./") + (f"?{query}" if query else "")


def anchor(text: str, page: str, title: str | None = None, **extra) -> str:
    """An HTML link (text escaped) to `page` with the current filters and `extra`; same tab."""
    tip = f' title="{html.escape(title, quote=True)}"' if title else ""
    return f'<a class="drill" href="{html.escape(href(page, **extra), quote=True)}"{tip}>{html.escape(str(text))}</a>'


LINK_CSS = """<style>
a.drill { color: inherit; text-decoration: underline; text-decoration-color: rgba(128,128,128,.6);
          text-underline-offset: 3px; }
a.drill:hover { text-decoration-color: currentColor; }
</style>"""


def go(page: str, state: dict | None = None, **query) -> None:
    """From an on_select callback: open `page` on the next run. `state` sets widget keys (the sidebar
    filters, or a widget of the target page that is on screen now); `query` are the target page's
    own URL parameters. The sidebar filters carry over as they are."""
    for k, v in (state or {}).items():
        st.session_state[k] = v
    st.session_state[_PENDING] = (page, dict(query))  # None: the target has no such parameter


def follow(pages: dict, current) -> None:
    """Called by app.py before drawing: go to the page a selection asked for. `pages` maps the keys of
    URL_PATHS to the st.Page objects, `current` is the page on screen. Another page is switched to; for
    the page on screen the parameters are set in its URL and it draws on (switching to it would drop the
    sidebar's filters from the URL)."""
    pending = st.session_state.pop(_PENDING, None)
    if not pending:
        return
    page, query = pending
    values = {k: [str(x) for x in v] if isinstance(v, (list, tuple)) else str(v)
              for k, v in query.items() if v is not None}  # fmt: skip
    if pages[page].url_path == current.url_path:
        for k in [k for k, v in query.items() if v is None and k in st.query_params]:
            del st.query_params[k]
        for k, v in values.items():
            st.query_params[k] = v
        return
    st.switch_page(pages[page], query_params=values)
