"""Bytes to text: the encodings people's editors and export tools really write."""

from __future__ import annotations

import codecs

from ingest.read.problems import Problems


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
        except UnicodeDecodeError:
            text, bad = _mixed(data)
            shown = ", ".join(str(n) for n in bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
            problems.warn(
                "encoding",
                bad[0],
                f"not valid UTF-8 on line(s) {shown}; those lines were read as Windows-1252 (Latin-1), "
                "the rest as UTF-8. Save the file as UTF-8 to be sure accents and symbols are right.",
            )
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _mixed(data: bytes) -> tuple[str, list[int]]:
    """Line by line: UTF-8 where it is valid, Windows-1252 (else Latin-1) where
    not, so one stray byte does not garble a whole UTF-8 file."""
    out, bad = [], []
    for n, raw in enumerate(data.split(b"\n"), 1):
        try:
            out.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            bad.append(n)
            try:
                out.append(raw.decode("cp1252"))
            except UnicodeDecodeError:
                out.append(raw.decode("latin-1"))
    return "\n".join(out), bad


def _decode_bom(data: bytes, codec: str, problems: Problems) -> str:
    text = data.decode(codec, errors="replace")
    if "\ufffd" in text:
        problems.warn("encoding", None, f"{codec.upper()} text has invalid sequences; they read as \ufffd")
    return text.lstrip("\ufeff")
