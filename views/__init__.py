"""Dashboard pages, one short file each (each only draws, its numbers come from analytics/), and what they
share (ui: filters and cached calls; charts; the sections and tables pages are built from).

The folder is not called `pages/`. Tried again with Streamlit 1.67: with a `pages/` folder beside the entry
point, the first request a freshly started server gets runs the folder as an old-style page list before
st.navigation is reached, so a deep link such as /action-items shows "Page not found" over the right page
(tests/e2e/test_browser.py opens a deep link first and fails that way). Here every link works from the
first request."""
