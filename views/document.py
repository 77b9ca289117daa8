"""One postmortem as written, rendered safely, with the lines the ingest used marked."""

import streamlit as st

st.title("Postmortem")
st.info("Coming in this change.")
