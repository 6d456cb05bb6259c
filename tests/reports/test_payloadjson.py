"""The payload column's JSON is byte for byte the standard encoder's, field by field."""

from __future__ import annotations

import json
import math

from reports.payloadjson import encode_payloads

ENCODER = json.JSONEncoder(separators=(",", ":"), default=str)


def reference(rows: list[dict[str, object]], defaults: dict[str, object]) -> list[str | None]:
    out: list[str | None] = []
    for row in rows:
        kept = {k: v for k, v in row.items() if k not in defaults or v != defaults[k]}
        out.append(ENCODER.encode(kept) if kept else None)
    return out


def test_every_kind_of_value_encodes_as_the_standard_encoder_does() -> None:
    rows = [
        {"text": 'Grüße, "quoted"\n\u2603', "n": 3, "w": 0.1, "ok": True, "x": None},
        {"text": "", "n": 0, "w": math.nan, "ok": False, "x": {"b": [1, 2.5, "z"]}},
        {"text": "plain", "n": -7, "w": math.inf, "ok": True, "x": ("t", 1)},
        {"text": "plain", "n": 10**20, "w": 1e16, "ok": True, "x": -math.inf},
    ]
    defaults = {"text": "plain", "ok": True, "x": None}
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    assert encode_payloads(columns, defaults) == reference(rows, defaults)


def test_a_row_whose_fields_all_have_their_defaults_has_no_json() -> None:
    columns = {"a": [1, 2], "b": ["x", "x"]}
    assert encode_payloads(columns, {"a": 1, "b": "x"}) == [None, '{"a":2}']
