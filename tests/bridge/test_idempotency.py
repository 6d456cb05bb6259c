"""Retries never duplicate: message posts take an Idempotency-Key the way handoffs do, and a
key reused for a different request is refused instead of answered with the first one."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from bridge.app import make_app
from bridge.store import EventStore, open_store

from .support import agent_headers, attachment, bearer, bridge_of, call, hand_off, make_settings
from .test_streams import agent_stream

ALICE = agent_headers("alice", ("Acme/GENERAL",))


def key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


async def post(
    client: TestClient, path: str, headers: dict[str, str], text: str, status: int
) -> dict[str, Any]:
    return await call(client, "POST", path, status, headers, {"text": text})


async def messages(client: TestClient, chat_id: str) -> list[str]:
    rows = bridge_of(client).store.chat_rows(chat_id)
    return [r["payload"]["text"] for r in rows if r["type"] == "MessagePosted"]


async def test_a_retried_user_message_is_posted_once_and_answered_alike(client: TestClient):
    chat = await hand_off(client)
    path = f"/api/v1/chats/{chat['chat_id']}/messages"
    user = {**bearer(chat["user_token"]), **key("m-1")}
    first = await post(client, path, user, "hello", 201)
    again = await post(client, path, user, "hello", 200)
    assert again == first
    assert await messages(client, chat["chat_id"]) == ["hello"]


async def test_concurrent_retries_of_one_message_post_it_once(client: TestClient):
    chat = await hand_off(client)
    path = f"/api/v1/chats/{chat['chat_id']}/messages"
    user = {**bearer(chat["user_token"]), **key("burst")}
    answers = await asyncio.gather(
        *(client.post(path, json={"text": "once"}, headers=user) for _ in range(5))
    )
    assert sorted(r.status for r in answers) == [200, 200, 200, 200, 201]
    assert len({(await r.json())["seq"] for r in answers}) == 1
    assert await messages(client, chat["chat_id"]) == ["once"]


async def test_a_key_reused_for_another_message_is_refused_and_changes_nothing(
    client: TestClient,
):
    chat = await hand_off(client)
    path = f"/api/v1/chats/{chat['chat_id']}/messages"
    user = {**bearer(chat["user_token"]), **key("m-1")}
    await post(client, path, user, "first", 201)
    seq = bridge_of(client).runner.last_seq
    refused = await post(client, path, user, "second", 422)
    assert refused["code"] == "idempotency_key_reused"
    assert "'m-1'" in refused["detail"] and "new key" in refused["detail"]
    assert bridge_of(client).runner.last_seq == seq
    assert await messages(client, chat["chat_id"]) == ["first"]


async def test_keys_are_scoped_to_the_chat_and_the_sender(client: TestClient):
    one, two = await hand_off(client), await hand_off(client)
    ws = await agent_stream(client, ALICE)
    try:
        await call(client, "POST", f"/api/v1/agent/chats/{one['chat_id']}/accept", headers=ALICE)
        for chat in (one, two):
            path = f"/api/v1/chats/{chat['chat_id']}/messages"
            await post(client, path, {**bearer(chat["user_token"]), **key("k")}, "hi", 201)
        agent_path = f"/api/v1/agent/chats/{one['chat_id']}/messages"
        first = await post(client, agent_path, {**ALICE, **key("k")}, "hello", 201)
        again = await post(client, agent_path, {**ALICE, **key("k")}, "hello", 200)
        reused = await post(client, agent_path, {**ALICE, **key("k")}, "bye", 422)
    finally:
        await ws.close()
    assert reused["code"] == "idempotency_key_reused"
    assert await messages(client, one["chat_id"]) == ["hi", "hello"]
    assert await messages(client, two["chat_id"]) == ["hi"]
    assert again == first


async def test_a_refused_message_does_not_burn_its_key(client: TestClient):
    chat = await hand_off(client)  # a virtual-agent chat: no attachments
    path = f"/api/v1/chats/{chat['chat_id']}/messages"
    user = {**bearer(chat["user_token"]), **key("k")}
    bad = {"text": "file", "attachments": [attachment()]}
    for _ in range(2):  # refused each time, never answered from a kept refusal
        refused = await call(client, "POST", path, 422, user, bad)
        assert refused["code"] == "attachments_not_allowed"
    await post(client, path, user, "file", 201)
    assert await messages(client, chat["chat_id"]) == ["file"]


async def test_an_overlong_message_key_is_refused(client: TestClient):
    chat = await hand_off(client)
    path = f"/api/v1/chats/{chat['chat_id']}/messages"
    body = await post(client, path, {**bearer(chat["user_token"]), **key("k" * 201)}, "x", 422)
    assert body["code"] == "invalid_idempotency_key"
    assert await messages(client, chat["chat_id"]) == []


async def test_a_handoff_key_reused_with_another_body_is_refused(client: TestClient):
    first = await hand_off(client, headers=key("h-1"))
    chats = len(bridge_of(client).engine.chats)
    refused = await hand_off(client, status=422, headers=key("h-1"), question="Other question")
    assert refused["code"] == "idempotency_key_reused"
    assert len(bridge_of(client).engine.chats) == chats
    again = await hand_off(client, status=200, headers=key("h-1"))
    assert again["chat_id"] == first["chat_id"]


async def test_a_message_retried_after_a_restart_is_not_posted_again(aiohttp_client, tmp_path):
    settings = make_settings(tmp_path / "e.db")
    first = await aiohttp_client(make_app(settings))
    chat = await hand_off(first)
    path = f"/api/v1/chats/{chat['chat_id']}/messages"
    user = {**bearer(chat["user_token"]), **key("m-1")}
    posted = await post(first, path, user, "before the crash", 201)
    await first.close()
    second = await aiohttp_client(make_app(settings))
    assert await post(second, path, user, "before the crash", 200) == posted
    assert await messages(second, chat["chat_id"]) == ["before the crash"]


async def test_answers_kept_before_request_hashes_still_answer_retries(
    aiohttp_client, tmp_path: Path
):
    settings = make_settings(tmp_path / "e.db")
    store = open_store(settings)
    old = {"chat_id": "c-old", "status": "queued"}
    store.write([], [EventStore.idempotency_write("bot", "old", "c-old", old)])  # no hash
    store.close()
    client = await aiohttp_client(make_app(settings))
    assert await hand_off(client, status=200, headers=key("old")) == old
