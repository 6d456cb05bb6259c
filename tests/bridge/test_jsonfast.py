"""``bridge.jsonfast``: the same values as the standard library's JSON, read and written."""

from __future__ import annotations

import json
import math

import pytest

from bridge.jsonfast import dumps, dumps_bytes, loads

VALUES = [
    {"n": 1, "text": "message 1", "attachments": None},
    {"text": 'é ☃ \u2028 "quoted" \\', "nested": [1, 2.5, None, True, {"a": []}]},
    {"at": 1764660000.1234567, "tiny": 1e-300, "neg": -0.0},
    {"big": 2**70},  # past 64 bits: orjson refuses it, the standard library writes it
    {1: "int key"},  # the standard library writes it as "1"
    ("a", "tuple"),
]


@pytest.mark.parametrize("value", VALUES)
def test_values_read_back_as_the_standard_library_reads_them(value: object):
    text = dumps(value)
    assert loads(text) == json.loads(json.dumps(value))
    assert json.loads(text) == json.loads(json.dumps(value))  # plain JSON for any reader
    assert dumps_bytes(value) == text.encode()
    assert text == json.dumps(value, separators=(",", ":"), ensure_ascii=False)  # compact


def test_non_ascii_is_written_as_utf8_not_escaped():
    assert dumps({"t": "é"}) == '{"t":"é"}'


def test_what_orjson_cannot_read_is_read_by_the_standard_library():
    assert math.isnan(loads('{"x": NaN}')["x"])
    assert loads('{"big": 1180591620717411303424}') == {"big": 2**70}


@pytest.mark.parametrize("text", ["nope", "{", ""])
def test_what_is_not_json_raises_value_error(text: str):
    with pytest.raises(ValueError):
        loads(text)


def test_an_unknown_type_raises_type_error_as_json_does():
    with pytest.raises(TypeError):
        dumps({"x": object()})
