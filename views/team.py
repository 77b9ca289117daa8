"""One team over time: its quarters side by side, each cell a link to what it counts."""

import streamlit as st

st.title("Team over time")
st.info("Coming in this change.")
