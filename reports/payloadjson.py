"""The payload column's JSON, built a field at a time for a block of events of one type.

Byte for byte what ``json.JSONEncoder(separators=(",", ":"), default=str).encode`` gives for
each event's non-default fields, in field order, but without a dict and an encoder call per
event: each field's ``"name":value`` fragments are made for the whole block (strings through
the C quoting function the encoder itself uses), then each row joins its own. Fields still at
their dataclass default are left out; a row with none left is None (no JSON at all).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from json.encoder import encode_basestring_ascii as _quote  # type: ignore[attr-defined]
from typing import Any

JSON = json.JSONEncoder(separators=(",", ":"), default=str)
_MISSING = object()


def _value(v: Any) -> str:
    """One value as the encoder writes it (``repr`` of floats, NaN/Infinity as Python's)."""
    kind = type(v)
    if kind is str:
        return _quote(v)
    if kind is int:
        return int.__repr__(v)
    if kind is float:
        return float.__repr__(v) if math.isfinite(v) else JSON.encode(v)
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    return JSON.encode(v)


def _fragments(name: str, values: Sequence[Any], default: Any) -> list[str | None]:
    key = _quote(name) + ":"
    kinds = set(map(type, values))
    # A column of one plain kind (the common case) skips the per-value dispatch.
    encode = _quote if kinds == {str} else int.__repr__ if kinds == {int} else _value
    if default is _MISSING:
        return [key + encode(v) for v in values]
    return [None if v == default else key + encode(v) for v in values]


def encode_payloads(
    columns: Mapping[str, Sequence[Any]], defaults: Mapping[str, Any]
) -> list[str | None]:
    """Per row, the JSON object of the fields in ``columns`` (name -> the block's values, in
    field order) that differ from ``defaults``; None where every field has its default."""
    per_field = [_fragments(n, vs, defaults.get(n, _MISSING)) for n, vs in columns.items()]
    out: list[str | None] = []
    for fragments in zip(*per_field, strict=True):
        kept = [f for f in fragments if f is not None]
        out.append("{" + ",".join(kept) + "}" if kept else None)
    return out
