"""Reading: the corpus's files and bytes into text and blocks.

Takes a corpus folder or one file's bytes; gives the files found (with their git dates), decoded text,
front matter, Markdown lines classified into headings, lists, tables and sections, and the Problems
collector every later stage reports into. Imports nothing from the later stages.
"""
