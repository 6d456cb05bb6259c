"""Supervision through HTTP: the Supervise view, a chat's live stream, whisper, barge-in,
take-over and reassign, and every refusal an attacker would try (status, code, sentence, and
nothing written)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from bridge.app import make_app
from bridge.engine.events import (
    SupervisorJoined,
    SupervisorMonitored,
    SupervisorReassigned,
    SupervisorTookOver,
    SupervisorWhispered,
)

from .support import (
    accept,
    agent_headers,
    bridge_of,
    call,
    hand_off,
    make_settings,
    on_duty,
    store_query,
)

S = "/api/v1/supervise"
SUE = agent_headers("sue", ("Acme/GENERAL",), roles=("IT Agent", "Supervisor"))
ALICE = agent_headers("alice", ("Acme/GENERAL",))
BOB = agent_headers("bob", ("Acme/GENERAL", "Acme/NETWORK"))
GLOBEX_SUPERVISOR = agent_headers("gus", ("Globex/GENERAL",), roles=("IT Agent", "Supervisor"))
NETWORK_SUPERVISOR = agent_headers("nel", ("Acme/NETWORK",), roles=("IT Agent", "Supervisor"))
# The role without Live Chat's permission: the dashboard's kind of supervisor, not this one.
BARE_SUPERVISOR = agent_headers("sam", ("Acme/GENERAL",), roles=("Supervisor",), permissions=())


async def held_chat(client: TestClient, **handoff: Any) -> dict[str, Any]:
    """A chat of Acme/GENERAL that Alice holds."""
    chat = await hand_off(client, **handoff)
    await accept(client, chat["chat_id"], ALICE)
    return chat


def trace(client: TestClient) -> tuple[int, dict[str, Any]]:
    bridge = bridge_of(client)
    return bridge.store.max_seq(), bridge.engine.snapshot()


def rows_of(client: TestClient, chat_id: str, kind: type) -> list[dict[str, Any]]:
    return [r for r in bridge_of(client).store.chat_rows(chat_id) if r["type"] == kind.__name__]


async def user_events(client: TestClient, chat: dict[str, Any]) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {chat['user_token']}"}
    path = f"/api/v1/chats/{chat['chat_id']}/events"
    return (await call(client, "GET", path, headers=headers))["events"]


async def test_the_supervise_view_counts_my_queues_and_lists_their_live_chats(client: TestClient):
    held = await held_chat(client)
    waiting = await hand_off(client)
    await hand_off(client, company="Globex")
    view = await call(client, "GET", S, headers=SUE)
    assert view["queues"] == [{"queue": "Acme/GENERAL", "waiting": 1, "assigned": 1}]
    assert [c["chat_id"] for c in view["chats"]] == [waiting["chat_id"], held["chat_id"]]
    (alice,) = [a for a in view["agents"] if a["agent_id"] == "alice"]
    assert alice["chats"] == 1 and alice["display_name"] == "Alice Tester"


async def test_a_whisper_reaches_the_agent_and_never_the_user_or_a_callback(
    client: TestClient, tmp_path: Path
):
    chat = await held_chat(client, callback_url="http://127.0.0.1:9/hook")
    chat_id = chat["chat_id"]
    path = f"{S}/chats/{chat_id}/whisper"
    posted = await call(client, "POST", path, 201, SUE, {"text": "ask for the asset tag"})
    (row,) = rows_of(client, chat_id, SupervisorWhispered)
    assert (row["seq"], row["agent_id"], row["payload"]["to_agent"]) == (
        posted["seq"],
        "sue",
        "alice",
    )
    history = await call(client, "GET", f"/api/v1/agent/chats/{chat_id}", headers=ALICE)
    assert "ask for the asset tag" in json.dumps(history["history"])
    assert "ask for the asset tag" not in json.dumps(await user_events(client, chat))
    other = await call(client, "GET", f"/api/v1/agent/chats/{chat_id}", headers=BOB)
    assert other["history"] and "asset tag" not in json.dumps(other["history"]), "only Alice's"
    mine = await call(client, "GET", f"/api/v1/agent/chats/{chat_id}", headers=SUE)
    assert "asset tag" in json.dumps(mine["history"])
    bodies = store_query(tmp_path / "events.db", "SELECT body FROM callback_outbox")
    assert bodies, "the callback source does get the user's rows"
    assert not any(b"asset tag" in bytes(body) for (body,) in bodies)


async def test_the_agent_stream_carries_the_whisper_to_the_holder(client: TestClient):
    chat_id = (await held_chat(client))["chat_id"]
    token = ALICE["Authorization"].split()[1]
    async with client.ws_connect(f"/api/v1/agent/stream?token={token}") as ws:
        await ws.receive_json(timeout=5)  # Counts
        await call(client, "POST", f"{S}/chats/{chat_id}/whisper", 201, SUE, {"text": "psst"})
        message = await ws.receive_json(timeout=5)
        assert (message["type"], message["payload"]["text"]) == ("SupervisorWhispered", "psst")


async def test_barge_in_tells_the_user_and_the_supervisor_may_then_write(client: TestClient):
    chat = await held_chat(client)
    chat_id = chat["chat_id"]
    early = await call(client, "POST", f"{S}/chats/{chat_id}/messages", 409, SUE, {"text": "hi"})
    assert early["code"] == "not_joined" and "barge" in early["detail"]
    await call(client, "POST", f"{S}/chats/{chat_id}/barge-in", 200, SUE, {})
    await call(client, "POST", f"{S}/chats/{chat_id}/messages", 201, SUE, {"text": "Sue here"})
    events = await user_events(client, chat)
    seen = [e["payload"].get("text") for e in events]
    assert "Sue Tester (supervisor) joined the chat." in seen and "Sue here" in seen
    (said,) = [e for e in events if e["payload"].get("text") == "Sue here"]
    assert said["payload"]["agent_name"] == "Sue Tester (supervisor)", "the user knows who wrote"
    again = await call(client, "POST", f"{S}/chats/{chat_id}/barge-in", 409, SUE, {})
    assert again["code"] == "already_joined"
    assert len(rows_of(client, chat_id, SupervisorJoined)) == 1


async def test_take_over_moves_the_chat_to_the_supervisor(client: TestClient):
    chat_id = (await held_chat(client))["chat_id"]
    await on_duty(client, SUE)
    answer = await call(client, "POST", f"{S}/chats/{chat_id}/take-over", 200, SUE, {})
    assert answer["status"] == "assigned"
    assert answer["events"][0]["type"] == SupervisorTookOver.__name__
    mine = await call(client, "GET", "/api/v1/agent/chats", headers=SUE)
    assert [c["chat_id"] for c in mine["chats"]] == [chat_id]
    assert (await call(client, "GET", "/api/v1/agent/chats", headers=ALICE))["chats"] == []


async def test_reassign_moves_the_chat_to_another_agent_of_the_company(client: TestClient):
    chat_id = (await held_chat(client))["chat_id"]
    await on_duty(client, BOB)
    body = {"to_agent": "bob", "note": "network issue"}
    answer = await call(client, "POST", f"{S}/chats/{chat_id}/reassign", 200, SUE, body)
    assert answer["events"][0]["type"] == SupervisorReassigned.__name__
    sent = await call(client, "GET", "/api/v1/agent/transferred", headers=BOB)
    assert [c["chat_id"] for c in sent["chats"]] == [chat_id]


async def test_the_live_stream_is_recorded_and_carries_notes_and_whispers(client: TestClient):
    chat_id = (await held_chat(client))["chat_id"]
    token = SUE["Authorization"].split()[1]
    async with client.ws_connect(f"{S}/chats/{chat_id}/stream?token={token}") as ws:
        backlog = [await ws.receive_json(timeout=5) for _ in range(2)]
        assert backlog[0]["type"] == "ChatOpened"
        await call(
            client, "POST", f"/api/v1/agent/chats/{chat_id}/notes", 201, ALICE, {"text": "n1"}
        )
        while (row := await ws.receive_json(timeout=5))["type"] != "NoteAdded":
            pass
        assert row["payload"]["text"] == "n1"
    assert [r["agent_id"] for r in rows_of(client, chat_id, SupervisorMonitored)] == ["sue"]


async def test_the_stream_of_a_chat_out_of_reach_is_refused_before_it_opens(client: TestClient):
    chat_id = (await hand_off(client, company="Globex"))["chat_id"]
    token = SUE["Authorization"].split()[1]
    before = trace(client)
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await client.ws_connect(f"{S}/chats/{chat_id}/stream?token={token}")
    assert info.value.status == 403
    assert trace(client)[0] == before[0] + 1  # Sue's sign-in, nothing about the chat
    assert rows_of(client, chat_id, SupervisorMonitored) == []


def supervisor_routes(chat_id: str) -> list[tuple[str, str, Any]]:
    chat = f"{S}/chats/{chat_id}"
    return [
        ("POST", f"{chat}/whisper", {"text": "psst"}),
        ("POST", f"{chat}/barge-in", {}),
        ("POST", f"{chat}/messages", {"text": "hello"}),
        ("POST", f"{chat}/take-over", {}),
        ("POST", f"{chat}/reassign", {"to_queue": "NETWORK"}),
    ]


async def refused_everywhere(
    client: TestClient, headers: dict[str, str], chat_id: str, status: int, code: str, words: str
) -> None:
    await call(client, "GET", "/api/v1/agent/me", headers=headers)  # signed in first
    before = trace(client)
    for method, path, body in supervisor_routes(chat_id):
        refused = await call(client, method, path, status, headers, body)
        assert (refused["code"], refused["status"]) == (code, status), (path, refused)
        assert words in refused["detail"], (path, refused)
        assert trace(client) == before, f"{path} changed something"


async def test_a_supervisor_of_another_company_reaches_nothing(client: TestClient):
    chat_id = (await held_chat(client))["chat_id"]
    await refused_everywhere(
        client, GLOBEX_SUPERVISOR, chat_id, 403, "forbidden", "not in 'gus''s support queues"
    )
    view = await call(client, "GET", S, headers=GLOBEX_SUPERVISOR)
    assert view["chats"] == [] and view["queues"][0]["queue"] == "Globex/GENERAL"


async def test_a_supervisor_of_another_queue_of_the_same_company_reaches_nothing(
    client: TestClient,
):
    chat_id = (await held_chat(client))["chat_id"]
    await refused_everywhere(
        client, NETWORK_SUPERVISOR, chat_id, 403, "forbidden", "support queues"
    )


async def test_an_agent_without_the_supervisor_role_is_refused(client: TestClient):
    chat_id = (await held_chat(client))["chat_id"]
    await refused_everywhere(client, BOB, chat_id, 403, "not_supervisor", "Supervisor role")
    refused = await call(client, "GET", S, 403, BOB)
    assert refused["code"] == "not_supervisor"


async def test_the_supervisor_role_without_the_live_chat_permission_writes_nothing(
    client: TestClient,
):
    chat_id = (await held_chat(client))["chat_id"]
    before = trace(client)
    for method, path, body in [("GET", S, None), *supervisor_routes(chat_id)]:
        refused = await call(client, method, path, 403, BARE_SUPERVISOR, body)
        assert refused["code"] == "not_permitted" and "ESChat_Agent" in refused["detail"]
    assert trace(client) == before


async def test_no_token_or_a_forged_one_is_refused(client: TestClient):
    chat_id = (await held_chat(client))["chat_id"]
    before = trace(client)
    forged = {"Authorization": SUE["Authorization"][:-3] + "abc"}
    for headers in ({}, forged):
        for method, path, body in [("GET", S, None), *supervisor_routes(chat_id)]:
            refused = await call(client, method, path, 401, headers, body)
            assert refused["code"] == "unauthorized"
    assert trace(client) == before


async def test_reassigning_into_another_company_is_refused_and_moves_nothing(client: TestClient):
    chat_id = (await held_chat(client))["chat_id"]
    await call(client, "GET", "/api/v1/agent/me", headers=SUE)
    await on_duty(client, GLOBEX_SUPERVISOR)
    before = trace(client)
    for body in ({"to_queue": "Globex/GENERAL"}, {"to_agent": "gus"}):
        refused = await call(client, "POST", f"{S}/chats/{chat_id}/reassign", 403, SUE, body)
        assert refused["code"] == "forbidden" and "Acme" in refused["detail"]
    assert trace(client) == before


async def test_bad_bodies_and_unknown_chats_are_refused_and_change_nothing(client: TestClient):
    chat_id = (await held_chat(client))["chat_id"]
    await call(client, "GET", "/api/v1/agent/me", headers=SUE)
    before = trace(client)
    cases = [
        (f"{S}/chats/{chat_id}/whisper", {"text": ""}, 422, "invalid_body"),
        (f"{S}/chats/{chat_id}/whisper", {"text": "x", "to": "user"}, 422, "invalid_body"),
        (f"{S}/chats/{chat_id}/reassign", {}, 422, "invalid_body"),
        (f"{S}/chats/{chat_id}/messages", {"text": "   "}, 422, "invalid_body"),
        (f"{S}/chats/nope/take-over", {}, 404, "unknown_chat"),
    ]
    for path, body, status, code in cases:
        refused = await call(client, "POST", path, status, SUE, body)
        assert refused["code"] == code and refused["detail"], (path, refused)
    assert trace(client) == before


async def test_the_supervisor_role_name_comes_from_the_settings(aiohttp_client, tmp_path: Path):
    settings = make_settings(tmp_path / "events.db", supervision={"role": "Team Lead"})
    client = await aiohttp_client(make_app(settings))
    lead = agent_headers("tia", ("Acme/GENERAL",), roles=("IT Agent", "Team Lead"))
    chat_id = (await held_chat(client))["chat_id"]
    refused = await call(client, "GET", S, 403, SUE)
    assert refused["code"] == "not_supervisor" and "Team Lead role" in refused["detail"]
    view = await call(client, "GET", S, headers=lead)
    assert [c["chat_id"] for c in view["chats"]] == [chat_id]
