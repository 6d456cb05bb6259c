"""A refused agent request changes nothing: no row in the log, no change in the engine.

Found through HTTP: a token without the ESChat_Agent permission used to be signed into the
engine (an ``AgentSignedIn`` row) and only then refused with 403; a bad body on a presence route
signed the agent in and then answered 422. These tests hit the routes the way a client does.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from .support import agent_headers, bridge_of, call, hand_off

A = "/api/v1/agent"
S = "/api/v1/supervise"
VISITOR = agent_headers("vic", permissions=())  # the IT Agent role, not the permission
VIEWER = agent_headers("val", roles=("Viewer",))  # the permission, not the role
SUPERVISOR = agent_headers("sue", roles=("Supervisor",), permissions=())


def trace(client: TestClient) -> tuple[int, dict[str, Any]]:
    """What a refusal must leave as it was: the store's last seq and the engine's state."""
    bridge = bridge_of(client)
    return bridge.store.max_seq(), bridge.engine.snapshot()


def agent_routes(chat_id: str) -> list[tuple[str, str, Any]]:
    """Every route behind the agent permission, with a body it would accept."""
    chat = f"{A}/chats/{chat_id}"
    return [
        ("GET", f"{A}/me", None),
        ("PUT", f"{A}/availability", {"available": True, "capacity": 1}),
        ("PUT", f"{A}/screen-name", {"screen_name": "Vic"}),
        ("POST", f"{A}/heartbeat", {}),
        ("GET", f"{A}/counts", None),
        ("GET", f"{A}/queue", None),
        ("GET", f"{A}/transferred", None),
        ("GET", f"{A}/chats", None),
        ("GET", f"{A}/directory", None),
        ("GET", chat, None),
        ("POST", f"{chat}/accept", {}),
        ("POST", f"{chat}/messages", {"text": "hi"}),
        ("POST", f"{chat}/end", {}),
        ("GET", f"{chat}/customer", None),
    ]


@pytest.mark.parametrize("headers", [VISITOR, VIEWER], ids=["no_permission", "no_role"])
async def test_a_token_without_the_role_or_permission_is_refused_and_writes_nothing(
    client: TestClient, headers: dict[str, str]
):
    chat_id = (await hand_off(client))["chat_id"]
    before = trace(client)
    for method, path, body in agent_routes(chat_id):
        refused = await call(client, method, path, 403, headers, body)
        assert refused["code"] == "not_permitted", (path, refused)
        assert "ESChat_Agent" in refused["detail"], (path, refused)
        assert trace(client) == before, f"{method} {path} changed the log or the engine"
    assert set(bridge_of(client).engine.agents) == set(), "a refused token signed someone in"


async def test_the_agent_stream_refuses_such_a_token_before_anything_is_counted(
    client: TestClient,
):
    before = trace(client)
    token = VISITOR["Authorization"].removeprefix("Bearer ")
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect(f"{A}/stream?token={token}")
    assert refused.value.status == 403
    plain = await call(client, "GET", f"{A}/stream?token={token}", 403)  # the code, readable
    assert plain["code"] == "not_permitted"
    assert trace(client) == before
    assert "vic" not in bridge_of(client).agent_connections


async def test_a_new_token_without_the_permission_does_not_rewrite_a_known_agent(
    client: TestClient,
):
    await call(client, "GET", f"{A}/me", headers=agent_headers("vic"))  # permitted: signed in
    before = trace(client)
    refused = await call(client, "POST", f"{A}/heartbeat", 403, VISITOR, {})
    assert refused["code"] == "not_permitted"
    assert trace(client) == before
    assert bridge_of(client).engine.presence("vic")["present"] is False


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", f"{A}/heartbeat", {"extra": 1}),
        ("PUT", f"{A}/availability", {"available": "maybe"}),
        ("PUT", f"{A}/screen-name", {"name": "Ally"}),
        ("PUT", f"{A}/presence", {"status": ""}),
        ("POST", f"{A}/presence", {}),
        ("POST", f"{A}/ready", {"chat_id": 7}),
    ],
)
async def test_a_bad_body_from_a_new_agent_is_422_and_signs_nobody_in(
    client: TestClient, method: str, path: str, body: Any
):
    before = trace(client)
    refused = await call(client, method, path, 422, agent_headers("nia"), body)
    assert refused["code"] == "invalid_body"
    assert trace(client) == before
    assert "nia" not in bridge_of(client).engine.agents


@pytest.mark.parametrize(
    ("path", "body"),
    [
        # The agent console's chat actions, then the supervisor's: one order for all of them.
        (f"{A}/chats/{{}}/accept", {"x": 1}),
        (f"{A}/chats/{{}}/messages", {"txt": "hi"}),
        (f"{A}/chats/{{}}/notes", {}),
        (f"{A}/chats/{{}}/transfer", []),
        (f"{A}/chats/{{}}/end", {"send_transcript": "maybe"}),
        (f"{A}/chats/{{}}/abandon", {"confirm": "sure"}),
        (f"{A}/chats/{{}}/offer/accept", {"x": 1}),
        (f"{A}/chats/{{}}/offer/decline", {}),
        (f"{A}/chats/{{}}/typing", {"typing": "maybe"}),
        (f"{A}/chats/{{}}/read", {}),
        (f"{A}/chats/{{}}/screen-share", {"url": "https://x.example"}),
        (f"{A}/chats/{{}}/canned/render", {}),
        (f"{A}/chats/{{}}/articles/KBA00000001/pin", {"ticket": "INC1"}),
        (f"{A}/chats/{{}}/tickets", {"kind": "problem"}),
        (f"{S}/chats/{{}}/whisper", {"text": ""}),
        (f"{S}/chats/{{}}/barge-in", {"x": 1}),
        (f"{S}/chats/{{}}/messages", {"text": " "}),
        (f"{S}/chats/{{}}/take-over", []),
        (f"{S}/chats/{{}}/reassign", {"note": "no target"}),
    ],
)
async def test_a_bad_body_on_a_chat_action_is_422_and_signs_nobody_in(
    client: TestClient, path: str, body: Any
):
    chat_id = (await hand_off(client))["chat_id"]
    before = trace(client)
    path = path.format(chat_id)
    refused = await call(client, "POST", path, 422, agent_headers("nia"), body)
    assert refused["code"] == "invalid_body"
    assert trace(client) == before
    assert "nia" not in bridge_of(client).engine.agents


async def test_a_supervisor_without_the_permission_reads_the_dashboard_and_writes_nothing(
    client: TestClient,
):
    await hand_off(client)
    before = trace(client)
    board = await call(client, "GET", "/api/v1/dashboard", headers=SUPERVISOR)
    assert board["queues"], "a Supervisor sees every queue"
    assert trace(client) == before
    refused = await call(client, "GET", f"{A}/me", 403, SUPERVISOR)
    assert refused["code"] == "not_permitted"
    assert trace(client) == before


async def test_a_token_without_the_permission_learns_nothing_about_a_ticket(client: TestClient):
    before = trace(client)
    refused = await call(client, "GET", f"{A}/tickets/INC000000000999", 403, VISITOR)
    assert refused["code"] == "not_permitted", "403 before the ticket is looked up (no 404)"
    assert trace(client) == before
