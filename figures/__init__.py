"""The dashboard's pictures as Altair specs, for the pages and for the files a meeting reads.

Pure drawing: altair, pandas and analytics' names and formats; no Streamlit, no SQL. Pages draw these
specs with st.altair_chart; the quarterly review report renders the same specs to static SVG."""
