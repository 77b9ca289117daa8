"""Understanding: one document's blocks into facts, as a ParsedDocument.

Takes one file's bytes (read through ingest.read) and the rule files in data/; gives a ParsedDocument:
kind, title, header fields, timeline and milestones in UTC, factors, action items, impact, links,
blame hits and problems. Entry point: parser.parse_bytes / parse_file. Imports nothing from ingest.load.
"""
