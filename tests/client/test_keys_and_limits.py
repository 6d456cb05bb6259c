"""Message keys and rate limits through the client, against a real bridge."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from bridge.app import make_app
from bridge.client import LivechatClient, LivechatClientError, RetryPolicy
from bridge.http.keys import bridge_key
from tests.bridge.support import WEB_KEY, make_settings

from .support import open_chat, present_agent


async def test_a_retried_message_post_lands_once(source: LivechatClient, base_url: str):
    chat = await open_chat(source)
    user = source.user_chat(chat.chat_id, chat.user_token)
    first = await user.post("hello", idempotency_key="msg-1")
    again = await user.post("hello", idempotency_key="msg-1")
    async with present_agent(base_url) as agent:
        await agent.accept(chat.chat_id)
        said = await agent.post(chat.chat_id, "hi", idempotency_key="a-1")
        assert (await agent.post(chat.chat_id, "hi", idempotency_key="a-1")).seq == said.seq
    assert again.seq == first.seq
    texts = [e.payload["text"] for e in await user.events() if e.type == "MessagePosted"]
    assert texts == ["hello", "hi"]


async def test_a_key_reused_for_another_message_is_refused_and_changes_nothing(
    source: LivechatClient,
):
    chat = await open_chat(source)
    user = source.user_chat(chat.chat_id, chat.user_token)
    await user.post("hello", idempotency_key="msg-1")
    before = await user.events()
    with pytest.raises(LivechatClientError) as caught:
        await user.post("something else", idempotency_key="msg-1")
    assert caught.value.code == "idempotency_key_reused"  # the contract is the code
    assert 400 <= caught.value.status < 500 and caught.value.status not in (408, 429)
    assert caught.value.message
    assert await user.events() == before


class SleepLog:
    """Sleeps for real (the bucket must refill) and records how long it was asked to."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        await asyncio.sleep(seconds)


async def test_a_rate_limited_handoff_waits_retry_after_and_then_succeeds(
    aiohttp_server, tmp_path: Path
):
    settings = make_settings(
        tmp_path / "events.db", limits={"handoff_per_address": {"rate": 2, "burst": 1}}
    )
    server: TestServer = await aiohttp_server(make_app(settings))
    slept = SleepLog()
    policy = RetryPolicy(attempts=3, sleep=slept)
    async with LivechatClient(str(server.make_url("")), WEB_KEY, retry=policy) as web:
        first = await open_chat(web, source="self_service")
        second = await open_chat(web, source="self_service")
    assert first.chat_id != second.chat_id
    assert slept.asked == [1.0]  # the bridge's Retry-After, whole seconds
    assert len(server.app[bridge_key].engine.chats) == 2
