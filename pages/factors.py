import streamlit as st

st.title("factors")
st.info("This page is being built.")
