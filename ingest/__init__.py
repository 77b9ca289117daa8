"""Read postmortems (Markdown, YAML, JSON) into records and load them into DuckDB.

The stages, in order: read/ (bytes -> text and blocks), understand/ (blocks -> one ParsedDocument per
file), load/ (ParsedDocuments -> DuckDB tables). build.py runs them (parse_files.py runs the parser over the
files, in worker processes, each file guarded); cli.py and check.py are the commands.
"""

__version__ = "0.1.0"

# Bump when a change to the parser changes what it makes of an unchanged file:
# incremental builds reuse the records of unchanged files only when the
# parser version and the rule files are the same as last time.
PARSER_VERSION = 10
