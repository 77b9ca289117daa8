"""Dashboard pages, one short file each; each only draws, its numbers come from analytics/.

The folder is not called `pages/`: Streamlit treats a `pages/` folder next to
the entry point as an old-style page list, and a deep link such as
/action-items opened on a freshly started server then shows "Page not found"
before st.navigation takes over."""
