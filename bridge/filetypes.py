"""What a file is, read from its bytes: the sender's name and declared type are not evidence.

One table of the types the bridge can recognise. The settings refuse an allowed attachment
type that is not in it (a type nobody can check would be trusted on the sender's word), and
attachments are kept only when their bytes are what they claim to be.
"""

from __future__ import annotations

from collections.abc import Callable

# Control characters a plain-text file may hold: tab, newline, form feed, carriage return.
_TEXT_CONTROLS = frozenset("\t\n\f\r")


def _starts(*prefixes: bytes) -> Callable[[bytes], bool]:
    return lambda data: data.startswith(prefixes)


def _webp(data: bytes) -> bool:
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def is_text(data: bytes) -> bool:
    """UTF-8 with no control characters but whitespace: what a browser would show as text."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return not any((ch < " " and ch not in _TEXT_CONTROLS) or ch == "\x7f" for ch in text)


# Binary formats by signature, checked before text (a PDF is also mostly ASCII).
SIGNATURES: dict[str, Callable[[bytes], bool]] = {
    "image/png": _starts(b"\x89PNG\r\n\x1a\n"),
    "image/jpeg": _starts(b"\xff\xd8\xff"),
    "image/gif": _starts(b"GIF87a", b"GIF89a"),
    "image/webp": _webp,
    "application/pdf": _starts(b"%PDF-"),
    "application/zip": _starts(b"PK\x03\x04", b"PK\x05\x06"),
}
# Text formats: any text is one of these; which one is the sender's choice.
TEXT_TYPES = frozenset({"text/plain", "text/csv", "text/markdown"})
KNOWN_TYPES = frozenset(SIGNATURES) | TEXT_TYPES


def sniff(data: bytes) -> str | None:
    """The binary type the bytes carry, ``text/plain`` for text, or None."""
    for name, matches in SIGNATURES.items():
        if matches(data):
            return name
    return "text/plain" if is_text(data) else None


def matches(content_type: str, data: bytes) -> bool:
    """Are these bytes a ``content_type`` file? (A known type; others never match.)"""
    if content_type in TEXT_TYPES:
        return sniff(data) == "text/plain"
    check = SIGNATURES.get(content_type)
    return check is not None and check(data)
