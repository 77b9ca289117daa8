"""Bytes to text: the encodings people's editors and export tools really write."""

from __future__ import annotations

import codecs

from ingest.problems import Problems


class Unreadable(Exception):
    """The bytes are not a text document (binary content)."""


def decode(data: bytes, problems: Problems) -> str:
    """Decode a document, normalise line endings to \\n, report what was guessed.

    UTF-8 (with or without BOM) and UTF-16/32 with a BOM are read as such.
    Anything else that is not valid UTF-8 is read as Windows-1252 (a superset
    of Latin-1 for printable text) with a warning. NUL bytes outside UTF-16/32
    mean binary content: `Unreadable` is raised.
    """
    if data.startswith(codecs.BOM_UTF8):
        text = data[3:].decode("utf-8", errors="replace")
    elif data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        text = _decode_bom(data, "utf-32", problems)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _decode_bom(data, "utf-16", problems)
    else:
        if b"\x00" in data:
            raise Unreadable("binary content (NUL bytes); not a text document")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            try:
                text = data.decode("cp1252")
                name = "Windows-1252"
            except UnicodeDecodeError:
                text = data.decode("latin-1")
                name = "Latin-1"
            problems.warn(
                "encoding",
                line,
                f"not valid UTF-8 (first bad byte on line {line}); read as {name}. "
                "Save the file as UTF-8 to be sure accents and symbols are right.",
            )
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _decode_bom(data: bytes, codec: str, problems: Problems) -> str:
    text = data.decode(codec, errors="replace")
    if "\ufffd" in text:
        problems.warn("encoding", None, f"{codec.upper()} text has invalid sequences; they read as \ufffd")
    return text.lstrip("\ufeff")
