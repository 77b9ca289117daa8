import streamlit as st

st.title("data_quality")
st.info("This page is being built.")
