"""Loading: ParsedDocuments into the DuckDB tables the dashboard reads.

Takes parsed documents (as staging rows), the tickets and people files; gives the final tables
defined in schema.py: ids resolved across files, durations, the guide's rules, derived tables,
filled from scratch or refreshed in place for changed files.
"""
