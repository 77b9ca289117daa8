import streamlit as st

st.title("incidents")
st.info("This page is being built.")
