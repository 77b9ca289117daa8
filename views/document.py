"""One postmortem as written, rendered safely, with the lines the ingest used marked.

URL: document?incident=ID[&path=SOURCE_PATH][&line=N]. Every document of the incident is shown (or the one
`path` names), read from where the build read it; the lines each milestone, factor, action item and impact
figure rests on are marked with what they were used for, and `line` is the one the link points to."""

import streamlit as st

from analytics import documents
from views import doc_render, drill, links, ui

MARKS_KEY = "document_marks"
LEGEND = (f'<div class="pm-legend" style="font-size:0.875rem"><span class="{doc_render.MARK}">Highlighted</span> '
          f'blocks hold a line the ingest used, with a <span class="{doc_render.LABEL}">label</span> saying what '
          f'for; the <span class="{doc_render.FOCUS}">outlined</span> block holds the line the link points to. Raw '
          "HTML shows as text, images as their address, and only web and mail links are links.</div>")  # fmt: skip
STATUS_NOTE = {
    "missing": "The file is not where the build read it",
    "too_large": "The file is too large to show here",
    "unreadable": "The file cannot be read",
}


def positive_int(value: str | None) -> int | None:
    """A line number from the URL, or None when there is none; anything else is not a line."""
    if value is None or value == "":
        return None
    text = value.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 9 or int(text) < 1:
        raise ValueError(value)
    return int(text)


@st.cache_data(max_entries=16, show_spinner=False)
def rendered(text: str, structured: bool, marks: tuple, focus: int | None, prefix: str) -> doc_render.Rendered:
    """The document's HTML, kept while the text, marks and focus stay the same (a rerun re-renders nothing)."""
    return doc_render.render(text, structured=structured, marks=dict(marks), focus=focus, prefix=prefix)


def repository_link(relpath: str, line: int | None, label: str = "Open in the repository") -> None:
    """A link to the file in the repository's web view, when the settings have a document_url_template."""
    url = ui.settings().document_url(relpath, line)
    if url:
        st.link_button(label, url, icon=":material/open_in_new:")


def focus_note(relpath: str, line: int, uses: dict[int, tuple[str, ...]]) -> None:
    """Say at the top which line the link points to and what it was used for."""
    where = f"Line {line} of {ui.md(relpath)}"
    if line in uses:
        st.info(f"{where}, used for: {ui.md('; '.join(uses[line]))}. It is outlined below.")
    else:
        st.info(f"{where} is outlined below; the ingest used nothing on it.")


def scroll_to(anchor: str | None) -> None:
    """Scroll the page to the focused block. The script is static apart from the element id, which is
    'L' or 'docN-L' and an integer (never document text)."""
    if not anchor or not doc_render.ANCHOR_ID.match(anchor):
        return
    st.html(
        "<script>setTimeout(function () { var el = document.getElementById('" + anchor + "');"
        " if (el) { el.scrollIntoView({block: 'center'}); } }, 300);</script>",
        unsafe_allow_javascript=True,
    )


def marked_lines(incident_id: str, doc: dict, main_path: str, mine) -> None:
    """The legend's list: every marked line of the file, what it was used for and the words; picking a row
    opens the document at that line."""
    if mine.empty:
        st.caption("A YAML or JSON postmortem records no lines: its fields are shown as written."
                   if documents.is_structured(doc["path"]) else "The ingest used no line of this file for a figure.")  # fmt: skip
        return
    with st.expander(f"Marked lines ({len(mine)})"):
        view = mine[["line", "used_for", "detail"]].copy()
        s = ui.settings()
        config = {
            "line": st.column_config.NumberColumn("line", format="%d"),
            "used_for": st.column_config.TextColumn("used for", width="medium"),
            "detail": st.column_config.TextColumn("the words", width="large"),
        }
        if s.document_url_template:
            view["source"] = [s.document_url(doc["relpath"], int(n)) for n in view["line"]]
            config["source"] = st.column_config.LinkColumn("in the repository", display_text="open")
        key = f"{MARKS_KEY}_{doc['position']}"
        st.dataframe(view, hide_index=True, placeholder="", width="stretch", column_config=config, key=key,
                     on_select=drill.to_document(key, incident_id, main_path, list(view["line"]),
                                                 [doc["path"]] * len(view), skip=("source",)),
                     selection_mode=drill.PICK)  # fmt: skip
        st.caption("Pick a row to outline its line.")


def show(incident_id: str, doc: dict, main_path: str, marked, focus: int | None, prefix: str) -> None:
    """One file: where it was read from, its repository link, the legend, then the rendered text."""
    ui.drawing(incident_id, doc["path"], focus)
    st.subheader(ui.md(doc["relpath"]))
    part = "main document" if doc["main"] else "attached to the incident"
    st.caption(f"{part} · {ui.md(doc['kind'] or 'unknown kind')} · read from {ui.md(doc['path'])}")
    got = documents.read_text(doc["path"], doc["content_hash"])
    if not got.readable:
        st.warning(f"{STATUS_NOTE.get(got.status, 'The file cannot be shown')} ({ui.md(got.reason or '')}). The "
                   f"build read it from {ui.md(doc['path'])}.")  # fmt: skip
        repository_link(doc["relpath"], focus)
        return
    if got.status == "changed":
        st.warning("This file has changed since the database was built: it is shown as it is now, and the marks "
                   "(placed at the lines the build read) may be off. Rebuild the database to place them again.")  # fmt: skip
    uses = documents.uses_by_line(marked, doc["path"])
    n_lines = got.text.count("\n") + (not got.text.endswith("\n"))
    if focus is not None and focus > n_lines:
        st.warning(f"The link points to line {focus}, but the file has only {n_lines:,} lines now.")
    repository_link(doc["relpath"], focus)
    st.html(LEGEND)
    mine = marked[marked["source_path"] == doc["path"]]
    marked_lines(incident_id, doc, main_path, mine)
    out = rendered(got.text, documents.is_structured(doc["path"]), tuple(sorted(uses.items())), focus, prefix)
    if out.fallback:
        st.warning("The document could not be rendered safely; it is shown as plain text.")
    if out.unplaced:
        st.caption("Marked lines outside any shown block (a blank line, a table's separator row): "
                   + ", ".join(str(n) for n in out.unplaced) + ".")  # fmt: skip
    st.html(doc_render.CSS + out.html)
    if focus is not None:
        scroll_to(out.focus_anchor)


def page() -> None:
    qp = st.query_params
    incident_id = qp.get("incident")
    if not incident_id:
        st.title("Postmortem")
        st.info("Open a postmortem from an incident: its page links here.")
        st.html(links.anchor("All incidents →", "incidents", incident=None))
        return
    ui.drawing(incident_id[:200])
    head = ui.call(documents.header, incident_id)
    if head is None:
        st.title("Postmortem")
        st.warning(f"There is no incident with the id '{ui.md(incident_id)}' in this database. It may have been "
                   "renamed or removed since the link was made.")  # fmt: skip
        st.html(links.anchor("All incidents →", "incidents", incident=None))
        return
    ui.drawing(head["incident_id"], head["source_path"])
    st.html(links.anchor("← The incident", "incidents", incident=head["incident_id"]))
    st.title(ui.md(head["title"] or head["incident_id"]))
    docs = ui.call(documents.documents, incident_id)
    st.caption(ui.md(f"{head['incident_id']} · {len(docs)} file(s)"))
    try:
        focus = positive_int(qp.get("line"))
    except ValueError:
        st.warning(f"Ignored in the link: line '{ui.md(str(qp.get('line'))[:60])}' (not a line number).")
        focus = None
    wanted = qp.get("path")
    rows = docs.to_dict("records")
    for pos, r in enumerate(rows):
        r["position"] = pos
    if wanted:
        picked = [r for r in rows if wanted in (r["path"], r["relpath"])]
        if picked:
            rows = picked
        else:
            st.warning(f"Ignored in the link: '{ui.md(wanted[:200])}' is not one of this incident's files; all of "
                       "them are shown.")  # fmt: skip
    if not rows:
        st.info("The database records no file for this incident.")
        return
    marked = ui.call(documents.marks, incident_id)
    focus_doc = rows[0]["path"]  # the file `path` names, else the main document
    if focus is not None:
        focus_note(rows[0]["relpath"], focus, documents.uses_by_line(marked, focus_doc))
    for r in rows:
        mine = r["path"] == focus_doc
        show(head["incident_id"], r, head["source_path"], marked, focus if mine else None,
             "L" if mine else f"doc{r['position']}-L")  # fmt: skip


page()
