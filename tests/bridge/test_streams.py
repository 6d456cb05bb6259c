from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import ClientWebSocketResponse, WSMsgType
from aiohttp.test_utils import TestClient

from bridge.app import make_app

from .support import accept, agent_headers, bearer, bridge_of, call, hand_off, make_settings

ALICE = ("alice", ("Acme/GENERAL",))
Msg = dict[str, Any]


async def receive_until(
    ws: ClientWebSocketResponse, done: Callable[[list[Msg]], bool], timeout: float = 5.0
) -> list[Msg]:
    """Collect JSON messages until ``done(messages)``; fail after ``timeout`` seconds."""
    got: list[Msg] = []
    async with asyncio.timeout(timeout):
        while not done(got):
            msg = await ws.receive()
            assert msg.type == WSMsgType.TEXT, msg
            got.append(msg.json())
    return got


def rows(messages: list[Msg]) -> list[Msg]:
    return [m for m in messages if "seq" in m]


def texts(messages: list[Msg]) -> list[str]:
    return [m["payload"]["text"] for m in messages if m.get("type") == "MessagePosted"]


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


async def user_stream(client: TestClient, chat: Msg, since: int = 0) -> ClientWebSocketResponse:
    return await client.ws_connect(
        f"/api/v1/chats/{chat['chat_id']}/stream?token={chat['user_token']}&since={since}"
    )


async def agent_stream(
    client: TestClient, headers: dict[str, str], since: int | None = None
) -> ClientWebSocketResponse:
    resume = "" if since is None else f"&since={since}"
    return await client.ws_connect(f"/api/v1/agent/stream?token={token_of(headers)}{resume}")


async def post_user(client: TestClient, chat: Msg, text: str) -> Msg:
    return await call(
        client,
        "POST",
        f"/api/v1/chats/{chat['chat_id']}/messages",
        201,
        bearer(chat["user_token"]),
        {"text": text},
    )


async def test_the_user_stream_resumes_after_since_without_loss_or_duplicates(
    client: TestClient,
):
    chat = await hand_off(client)
    await accept(client, chat["chat_id"], agent_headers(*ALICE))
    ws = await user_stream(client, chat)
    await post_user(client, chat, "m1")
    first = await receive_until(ws, lambda got: texts(got) == ["m1"])
    await ws.close()
    last_seen = rows(first)[-1]["seq"]
    for n in (2, 3, 4):
        await post_user(client, chat, f"m{n}")
    ws = await user_stream(client, chat, since=last_seen)
    await post_user(client, chat, "m5")
    second = await receive_until(ws, lambda got: "m5" in texts(got))
    await ws.close()
    seqs = [m["seq"] for m in rows(first) + rows(second)]
    assert seqs == sorted(set(seqs)), "no duplicates, in order"
    assert texts(first) + texts(second) == ["m1", "m2", "m3", "m4", "m5"]
    history = await call(
        client, "GET", f"/api/v1/chats/{chat['chat_id']}/events", headers=bearer(chat["user_token"])
    )
    assert [r["seq"] for r in history["events"]] == seqs


async def test_rows_committed_while_connecting_arrive_exactly_once(client: TestClient):
    chat = await hand_off(client)
    posts = [asyncio.create_task(post_user(client, chat, f"m{n}")) for n in range(30)]
    ws = await user_stream(client, chat)
    await asyncio.gather(*posts)
    got = await receive_until(ws, lambda got: len(texts(got)) == 30)
    await ws.close()
    assert sorted(texts(got)) == sorted(f"m{n}" for n in range(30))
    seqs = [m["seq"] for m in rows(got)]
    assert seqs == sorted(set(seqs))


async def test_a_waiting_user_gets_queue_updates_when_the_position_changes(
    client: TestClient,
):
    ahead, mine = await hand_off(client), await hand_off(client)
    ws = await user_stream(client, mine)
    first = await receive_until(ws, lambda got: any(m["type"] == "QueueUpdate" for m in got))
    assert first[-1]["payload"]["position"] == 2
    await call(
        client,
        "POST",
        f"/api/v1/chats/{ahead['chat_id']}/cancel",
        headers=bearer(ahead["user_token"]),
    )
    later = await receive_until(ws, lambda got: any(m["type"] == "QueueUpdate" for m in got))
    assert later[-1]["payload"]["position"] == 1
    assert "seq" not in later[-1]
    await ws.close()


async def test_the_user_stream_shows_the_agent_joining_by_screen_name(client: TestClient):
    chat = await hand_off(client)
    ws = await user_stream(client, chat)
    alice = agent_headers(*ALICE)
    await call(
        client, "PUT", "/api/v1/agent/screen-name", headers=alice, json={"screen_name": "Ally"}
    )
    await accept(client, chat["chat_id"], alice)
    got = await receive_until(ws, lambda got: any(m["type"] == "SystemMessage" for m in got))
    assigned = next(m for m in got if m["type"] == "ChatAssigned")
    assert assigned["payload"]["agent_name"] == "Ally"
    await ws.close()


async def test_a_stream_with_another_chats_token_is_refused(client: TestClient):
    mine, theirs = await hand_off(client), await hand_off(client)
    response = await client.get(
        f"/api/v1/chats/{theirs['chat_id']}/stream?token={mine['user_token']}"
    )
    assert response.status == 403
    assert (await client.get(f"/api/v1/chats/{theirs['chat_id']}/stream")).status == 401


async def test_the_agent_stream_notifies_my_queues_only_then_counts(client: TestClient):
    alice = agent_headers(*ALICE)
    zed = agent_headers("zed", ("Globex/GENERAL",))
    ws_alice, ws_zed = await agent_stream(client, alice), await agent_stream(client, zed)
    await receive_until(ws_alice, lambda got: got[-1:] and got[-1]["type"] == "Counts")
    await receive_until(ws_zed, lambda got: got[-1:] and got[-1]["type"] == "Counts")
    acme = await hand_off(client)
    globex = await hand_off(client, company="Globex")
    got = await receive_until(ws_alice, lambda got: any(m["type"] == "Counts" for m in got))
    assert [m["type"] for m in got] == ["ChatOpened", "Counts"]
    assert got[0]["chat_id"] == acme["chat_id"]
    assert got[-1]["payload"]["queue"] == 1
    zed_got = await receive_until(ws_zed, lambda got: any(m.get("seq") for m in got))
    assert zed_got[0]["chat_id"] == globex["chat_id"], "zed never sees the Acme chat"
    await ws_alice.close()
    await ws_zed.close()


async def test_the_agent_stream_tells_of_messages_and_cancel_in_my_chats(client: TestClient):
    alice = agent_headers(*ALICE)
    chat = await hand_off(client)
    await accept(client, chat["chat_id"], alice)
    ws = await agent_stream(client, alice)
    await post_user(client, chat, "help")
    await call(
        client,
        "POST",
        f"/api/v1/chats/{chat['chat_id']}/cancel",
        headers=bearer(chat["user_token"]),
    )
    got = await receive_until(
        ws,
        lambda got: any(m["type"] == "ChatCancelled" for m in got) and got[-1]["type"] == "Counts",
    )
    assert "help" in texts(got)
    said = [m["payload"]["text"] for m in got if m["type"] == "SystemMessage"]
    assert "End user has cancelled chat." in said
    await ws.close()


async def test_the_agent_stream_resumes_after_since(client: TestClient):
    alice = agent_headers(*ALICE)
    ws = await agent_stream(client, alice)
    await receive_until(ws, lambda got: bool(got))
    first = await hand_off(client)
    got = await receive_until(ws, lambda got: any(m["type"] == "Counts" for m in got))
    await ws.close()
    last = max(m["seq"] for m in got if "seq" in m)
    second = await hand_off(client)
    ws = await agent_stream(client, alice, since=last)
    again = await receive_until(ws, lambda got: any(m["type"] == "Counts" for m in got))
    await ws.close()
    opened = [m["chat_id"] for m in again if m.get("type") == "ChatOpened"]
    assert opened == [second["chat_id"]]
    assert first["chat_id"] not in {m.get("chat_id") for m in again}


async def test_closing_the_console_starts_the_agent_gone_grace(aiohttp_client, tmp_path):
    settings = make_settings(tmp_path / "e.db", engine={"agent_gone_grace": 0.05})
    client = await aiohttp_client(make_app(settings))
    alice, bob = agent_headers(*ALICE), agent_headers("bob", ("Acme/GENERAL",))
    chat = await hand_off(client)
    ws_alice = await agent_stream(client, alice)  # her presence: the console, no lease
    assert bridge_of(client).engine.agents["alice"].connected
    await call(client, "POST", f"/api/v1/agent/chats/{chat['chat_id']}/accept", headers=alice)
    ws_bob = await agent_stream(client, bob)
    await receive_until(ws_bob, lambda got: bool(got))
    await ws_alice.close()
    got = await receive_until(ws_bob, lambda got: any(m["type"] == "ChatRequeued" for m in got))
    requeued = next(m for m in got if m["type"] == "ChatRequeued")
    assert requeued["payload"]["reason"] == "agent_gone"
    assert bridge_of(client).engine.agents["alice"].connected is False
    await ws_bob.close()


async def test_timers_fire_without_any_request(aiohttp_client, tmp_path):
    settings = make_settings(
        tmp_path / "e.db", engine={"queues": {"Acme/GENERAL": {"max_wait": 0.05}}}
    )
    client = await aiohttp_client(make_app(settings))
    chat = await hand_off(client)
    ws = await user_stream(client, chat)
    got = await receive_until(ws, lambda got: any(m["type"] == "ChatClosed" for m in got))
    closed = next(m for m in got if m["type"] == "ChatClosed")
    assert closed["payload"]["reason"] == "no_agent"
    await ws.close()


async def test_shutdown_closes_open_streams(aiohttp_client, tmp_path):
    client = await aiohttp_client(make_app(make_settings(tmp_path / "e.db")))
    chat = await hand_off(client)
    ws = await user_stream(client, chat)
    await client.server.close()
    async with asyncio.timeout(5):
        msg = await ws.receive()
        while msg.type == WSMsgType.TEXT:  # a QueueUpdate may come first
            msg = await ws.receive()
    assert (msg.type, msg.data) == (WSMsgType.CLOSE, 1001)
