"""The dashboard's entry point: page config, navigation, the shared filters."""

import streamlit as st

st.set_page_config(
    page_title="Incident patterns", page_icon="🔎", layout="wide"
)  # an emoji icon is a data: URL: no request leaves the machine

from views import links, ui  # noqa: E402  (set_page_config must come first)

ui.style()

pages = {
    "review": st.Page(ui.PAGES["review"], title="Quarterly review", icon=":material/event_note:", default=True),
    "response_times": st.Page(
        ui.PAGES["response_times"], title="Response times", icon=":material/timer:", url_path="response-times"
    ),
    "factors": st.Page(
        ui.PAGES["factors"], title="Contributing factors", icon=":material/account_tree:", url_path="factors"
    ),
    "actions": st.Page(ui.PAGES["actions"], title="Action items", icon=":material/checklist:", url_path="action-items"),
    "impact": st.Page(ui.PAGES["impact"], title="Impact", icon=":material/paid:", url_path="impact"),
    "team": st.Page(ui.PAGES["team"], title="Team over time", icon=":material/groups:", url_path="team"),
    "incidents": st.Page(ui.PAGES["incidents"], title="Incidents", icon=":material/list_alt:", url_path="incidents"),
    "document": st.Page(
        ui.PAGES["document"],
        title="Postmortem",
        icon=":material/description:",
        url_path="document",
        visibility="hidden",
    ),
    "data_quality": st.Page(
        ui.PAGES["data_quality"], title="Data quality", icon=":material/rule:", url_path="data-quality"
    ),
}
nav = st.navigation(list(pages.values()))
links.follow(pages, nav)  # a table selection asked for another page: go there before drawing this one
with ui.page_guard():  # a failure is a short message and a log record, never a traceback
    st.session_state["_filters"] = ui.sidebar_filters()
    ui.sample_banner()
    nav.run()
