from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from standardwebhooks import Webhook, WebhookVerificationError

from bridge.app import make_app
from bridge.runtime.callbacks import CallbackDelivery
from bridge.settings import CallbackSettings, Settings, SourceSettings
from bridge.webhooks import REPLAY_WINDOW, signed_headers

from .support import BOT_SOURCE, CALLBACK_SECRET, accept, agent_headers, bearer, call, hand_off


class Receiver:
    """A webhook endpoint that fails the first ``failures`` posts, then records each one."""

    def __init__(self, failures: int = 0, status: int = 500) -> None:
        self.failures, self.status = failures, status
        self.posts: asyncio.Queue[tuple[dict[str, str], bytes]] = asyncio.Queue()
        self.attempts = 0
        self.tried: list[dict[str, str]] = []  # the headers of every attempt, failed ones too

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        self.tried.append(dict(request.headers))
        if self.attempts <= self.failures:
            return web.Response(status=self.status)
        await self.posts.put((dict(request.headers), await request.read()))
        return web.Response(status=204)

    async def take(self, count: int) -> list[tuple[dict[str, str], bytes]]:
        async with asyncio.timeout(5):
            return [await self.posts.get() for _ in range(count)]


async def start(aiohttp_server, receiver: Receiver) -> str:
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    server = await aiohttp_server(app)
    return str(server.make_url("/hook"))


async def test_user_facing_rows_are_posted_signed_and_in_order(aiohttp_server, client):
    receiver = Receiver(failures=1)
    url = await start(aiohttp_server, receiver)
    chat = await hand_off(client, callback_url=url)
    chat_id, alice = chat["chat_id"], agent_headers()
    await accept(client, chat_id, alice)
    await call(
        client, "POST", f"/api/v1/agent/chats/{chat_id}/notes", 201, alice, {"text": "never sent"}
    )
    await call(
        client,
        "POST",
        f"/api/v1/agent/chats/{chat_id}/messages",
        201,
        alice,
        {"text": "hi from alice"},
    )
    await call(client, "POST", f"/api/v1/agent/chats/{chat_id}/end", headers=alice)
    posts = await receiver.take(5)
    rows = [json.loads(body) for _, body in posts]
    assert [r["type"] for r in rows] == [
        "ChatAssigned",
        "SystemMessage",
        "MessagePosted",
        "SystemMessage",
        "ChatClosed",
    ]
    assert [r["seq"] for r in rows] == sorted(r["seq"] for r in rows)
    assert rows[0]["payload"]["agent_name"] == "Alice Tester"
    verifier = Webhook(CALLBACK_SECRET)  # the Standard Webhooks reference verifier
    for headers, body in posts:
        assert verifier.verify(body, headers) == json.loads(body)
        assert headers["webhook-id"] == f"{chat_id}:{json.loads(body)['seq']}"
        assert not any(name.lower().startswith("x-livechat") for name in headers)
    assert receiver.attempts == 6, "the first post failed once and was retried"
    assert receiver.tried[0]["webhook-id"] == receiver.tried[1]["webhook-id"], (
        "a retry keeps its webhook-id"
    )


async def test_callbacks_keep_flowing_after_a_restart(aiohttp_server, settings: Settings):
    receiver = Receiver()
    url = await start(aiohttp_server, receiver)
    async with TestClient(TestServer(make_app(settings))) as client:
        chat = await hand_off(client, callback_url=url)
    async with TestClient(TestServer(make_app(settings))) as client:
        await call(
            client,
            "POST",
            f"/api/v1/chats/{chat['chat_id']}/cancel",
            headers=bearer(chat["user_token"]),
        )
        posts = await receiver.take(2)
    assert [json.loads(body)["type"] for _, body in posts] == ["ChatCancelled", "ChatClosed"]


async def test_a_callback_without_a_source_secret_is_refused(client):
    body = await hand_off(
        client, key="other-source-key", status=422, callback_url="http://127.0.0.1:9/hook"
    )
    assert body["code"] == "callback_not_allowed"


def settings_for_delivery(attempts: int = 3) -> CallbackSettings:
    return CallbackSettings(attempts=attempts, first_delay=0.01, max_delay=0.02, timeout=2)


LOCAL = SourceSettings(**{**BOT_SOURCE, "callback_secret": "s3cret"})


async def deliver(aiohttp_server, receiver: Receiver, attempts: int, payload: Any) -> list[str]:
    outcomes: list[str] = []
    delivery = CallbackDelivery(
        settings_for_delivery(attempts), {"bot": LOCAL}.get, outcomes.append
    )
    await delivery.start()
    delivery.submit("k", await start(aiohttp_server, receiver), payload, "bot", "msg-1")
    await delivery.idle()
    await delivery.close(1)
    return outcomes


async def test_delivery_gives_up_after_the_configured_attempts(aiohttp_server):
    receiver = Receiver(failures=10)
    assert await deliver(aiohttp_server, receiver, 3, {"a": 1}) == ["given_up"]
    assert receiver.attempts == 3


async def test_delivery_does_not_retry_a_client_error(aiohttp_server):
    receiver = Receiver(failures=10, status=400)
    assert await deliver(aiohttp_server, receiver, 3, {"a": 1}) == ["rejected"]
    assert receiver.attempts == 1


async def test_delivery_signs_the_exact_bytes_it_sends(aiohttp_server):
    receiver = Receiver()
    assert await deliver(aiohttp_server, receiver, 1, b'{"raw":true}') == ["delivered"]
    headers, body = (await receiver.take(1))[0]
    assert body == b'{"raw":true}'
    # A plain (not whsec_) secret is its UTF-8 bytes: a receiver passes those to the library.
    assert Webhook(b"s3cret").verify(body, headers) == {"raw": True}
    assert headers["webhook-id"] == "msg-1"


def test_the_timestamp_is_signed_with_the_body_so_a_replay_cannot_refresh_it():
    body, verifier = b'{"a":1}', Webhook(CALLBACK_SECRET)
    fresh = signed_headers(CALLBACK_SECRET, "chat:7", body, time.time())
    assert verifier.verify(body, fresh) == {"a": 1}
    captured = signed_headers(CALLBACK_SECRET, "chat:7", body, time.time() - REPLAY_WINDOW - 5)
    with pytest.raises(WebhookVerificationError, match="too old"):
        verifier.verify(body, captured)  # replayed after the window
    moved = {**captured, "webhook-timestamp": fresh["webhook-timestamp"]}
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        verifier.verify(body, moved)  # a replayer cannot bring the timestamp forward
    with pytest.raises(WebhookVerificationError, match="No matching signature"):
        verifier.verify(b'{"a":2}', fresh)


async def test_an_unreachable_receiver_never_blocks_requests(client):
    chat = await hand_off(client, callback_url="http://127.0.0.1:9/hook")
    await call(
        client,
        "POST",
        f"/api/v1/chats/{chat['chat_id']}/cancel",
        headers=bearer(chat["user_token"]),
    )
