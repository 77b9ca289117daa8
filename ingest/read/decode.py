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
        text = _utf8(data[3:], problems)
    elif data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        text = _decode_bom(data, "utf-32", problems)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _decode_bom(data, "utf-16", problems)
    else:
        if b"\x00" in data:
            raise Unreadable("binary content (NUL bytes); not a text document")
        text = _utf8(data, problems)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _utf8(data: bytes, problems: Problems) -> str:
    """UTF-8, else line by line (see _mixed) with a warning naming the lines.
    A UTF-8 BOM does not make the bytes after it UTF-8: editors that save
    Windows-1252 text sometimes keep a BOM an earlier save wrote."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text, bad = _mixed(data)
    problems.warn(
        "encoding",
        bad[0],
        f"not valid UTF-8 on line(s) {_lines(bad)}; those lines were read as Windows-1252 (Latin-1), "
        "the rest as UTF-8. Save the file as UTF-8 to be sure accents and symbols are right.",
    )
    return text


def _lines(numbers: list[int]) -> str:
    """'3, 7, 9, 12, 15 and 4 more'."""
    return ", ".join(str(n) for n in numbers[:5]) + (f" and {len(numbers) - 5} more" if len(numbers) > 5 else "")


_SEPARATORS = ("\u2028", "\u2029")


def unicode_line_breaks(text: str, problems: Problems) -> str:
    """U+2028 (line separator) and U+2029 (paragraph separator) as line breaks.

    Word processors and web forms write them where the author pressed
    Shift+Enter, and editors show a new line; left as they are, the rows or
    header fields after one would run into the line before it and be lost.
    A warning names the lines (counted as in the file, before the new breaks):
    every line number after them counts each separator as a break, as those
    editors do."""
    if _SEPARATORS[0] not in text and _SEPARATORS[1] not in text:
        return text
    bad = [n for n, line in enumerate(text.split("\n"), 1) if _SEPARATORS[0] in line or _SEPARATORS[1] in line]
    problems.warn(
        "line-separator",
        bad[0],
        f"Unicode line or paragraph separators (U+2028, U+2029) on line(s) {_lines(bad)} are read as line breaks; "
        "line numbers from there on count them as breaks",
    )
    return text.replace(_SEPARATORS[0], "\n").replace(_SEPARATORS[1], "\n")


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


def read_side_file(path, max_bytes: int, problems: Problems, what: str) -> bytes | None:
    """A side file's bytes (the tickets export, the people file), or None with an error saying why:
    `{what}-unreadable` when it cannot be read, `{what}-too-large` past `max_bytes`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.error(f"{what}-unreadable", None, f"cannot read the {what} file: {exc.strerror or exc}")
        return None
    if len(data) > max_bytes:
        problems.error(f"{what}-too-large", None, f"{what} file is larger than {max_bytes:,} bytes; not read")
        return None
    return data
