"""JSON on the hot paths, written once: compact ``dumps`` and ``loads`` backed by orjson.

Every message is encoded a few times (its stored row, its HTTP answer, each stream that shows
it) and decoded when the log is read back; the standard library's encoder is several times
slower at that. ``dumps`` gives compact JSON text (no spaces, UTF-8 rather than ``\\u``
escapes: the same values once decoded). What orjson refuses (integers past 64 bits,
non-string keys, unknown types) goes through the standard library instead, so no caller
sees a new error; ``NaN`` and infinities, which are not JSON, become ``null``.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS


def dumps(value: Any) -> str:
    """Compact JSON text of ``value``."""
    return dumps_bytes(value).decode()


def dumps_bytes(value: Any) -> bytes:
    """Compact JSON as UTF-8 bytes (what a response body or a socket takes)."""
    try:
        return orjson.dumps(value, option=_OPTIONS)
    except TypeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def loads(text: str | bytes) -> Any:
    """The value of a JSON text; what orjson refuses (``NaN``, integers past 64 bits) is read
    by the standard library, which raises ``ValueError`` on what is not JSON at all."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
