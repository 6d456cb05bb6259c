"""Garbage in, a problem answer out: never a 500, never a change of state."""

from __future__ import annotations

import json
import random
from typing import Any

from aiohttp.test_utils import TestClient

from .support import (
    SOURCE_KEY,
    accept,
    agent_headers,
    bearer,
    bridge_of,
    call,
    hand_off,
    handoff_body,
)

ALLOWED = {400, 401, 403, 404, 409, 413, 415, 422}
ODD_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    10**30,
    1.5e308,
    "",
    " ",
    "\u0000",
    "é" * 500,
    "x" * 20_000,
    [],
    [1, "a"],
    {},
    {"a": {"b": []}},
    "null",
    "🙂",
]


def mutations(body: dict[str, Any], rng: random.Random, count: int) -> list[Any]:
    """Valid bodies bent out of shape: fields dropped, retyped, nested, or the whole thing."""
    out: list[Any] = list(ODD_VALUES)
    keys = list(body)
    for _ in range(count):
        bent = json.loads(json.dumps(body))
        for _ in range(rng.randint(1, 3)):
            key = rng.choice([*keys, "extra", ""])
            move = rng.random()
            if move < 0.3:
                bent.pop(key, None)
            elif move < 0.8:
                bent[key] = rng.choice(ODD_VALUES)
            elif isinstance(bent.get(key), dict) and bent[key]:
                inner = rng.choice(list(bent[key]))
                bent[key][inner] = rng.choice(ODD_VALUES)
            else:
                bent[key] = [bent.get(key)]
        out.append(bent)
    return out


def raw_garbage(rng: random.Random, count: int) -> list[bytes]:
    fixed = [
        b"",
        b"{",
        b"}",
        b"[",
        b'{"a":',
        b"\xff\xfe\x00",
        b"nul",
        b'"text"',
        b"1e999999",
        b'{"text": "\xed\xa0\x80"}',
        b"[" * 5000 + b"]" * 5000,
    ]
    return fixed + [rng.randbytes(rng.randint(1, 64)) for _ in range(count)]


async def test_garbage_bodies_never_crash_or_change_anything(client: TestClient):
    rng = random.Random(20240601)
    chat = await hand_off(client)
    chat_id, user, agent = chat["chat_id"], bearer(chat["user_token"]), agent_headers()
    await accept(client, chat_id, agent)
    targets = [
        ("POST", "/api/v1/handoffs", {"X-API-Key": SOURCE_KEY}, handoff_body()),
        ("POST", f"/api/v1/chats/{chat_id}/messages", user, {"text": "hi"}),
        ("POST", f"/api/v1/agent/chats/{chat_id}/notes", agent, {"text": "n"}),
        (
            "POST",
            f"/api/v1/agent/chats/{chat_id}/transfer",
            agent,
            {"to_queue": "NOWHERE", "note": "x"},
        ),
        ("POST", f"/api/v1/agent/chats/{chat_id}/abandon", agent, {"confirm": False}),
        ("PUT", "/api/v1/agent/availability", agent, {"available": True, "capacity": 1}),
        ("PUT", "/api/v1/agent/screen-name", agent, {"screen_name": "A"}),
        ("POST", "/api/v1/login", {}, {"username": "x", "password": "y"}),
    ]
    seq = bridge_of(client).runner.last_seq
    for method, path, headers, valid in targets:
        for body in mutations(valid, rng, 25):
            response = await client.request(method, path, headers=headers, json=body)
            assert response.status in ALLOWED | {200, 201}, (path, body, response.status)
            if response.status >= 400:
                assert "code" in await response.json()
        for raw in raw_garbage(rng, 10):
            response = await client.request(method, path, headers=headers, data=raw)
            assert response.status in ALLOWED, (path, raw, response.status)
    # Only the few mutations that happened to stay valid may have changed state.
    assert bridge_of(client).engine.chats[chat_id].state in ("assigned", "queued", "closed")
    assert bridge_of(client).runner.last_seq >= seq


async def test_garbage_query_strings_and_paths_get_problem_answers(client: TestClient):
    chat = await hand_off(client)
    user = bearer(chat["user_token"])
    for since in ("x", "1.5", "-3", "9" * 40, "%00"):
        body = await call(
            client, "GET", f"/api/v1/chats/{chat['chat_id']}/events?since={since}", 422, user
        )
        assert body["code"] == "invalid_query"
    for token in ("", "a.b.c", "Bearer", "\u00e9"):
        response = await client.get("/api/v1/agent/me", headers={"Authorization": token})
        assert response.status == 401
    odd = await client.get("/api/v1/chats/%2e%2e%2f/events", headers=user)
    assert odd.status in (403, 404)
