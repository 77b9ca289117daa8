import streamlit as st

st.title("response_times")
st.info("This page is being built.")
