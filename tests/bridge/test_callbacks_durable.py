"""Callbacks come from the committed log's outbox: nothing is lost to a dead receiver or a crash."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bridge.app import make_app
from bridge.runtime.callbacks import Callback, CallbackDelivery
from bridge.settings import CallbackSettings, SourceSettings
from bridge.webhooks import ID_HEADER as DELIVERY_HEADER

from .support import (
    BOT_SOURCE,
    SECRET,
    SOURCE_KEY,
    accept,
    agent_headers,
    bearer,
    bridge_of,
    call,
    hand_off,
    handoff_body,
    make_settings,
    store_query,
)
from .test_botframework import URL as BOT_URL
from .test_botframework import Receiver as BotReceiver
from .test_botframework import wire
from .test_kill9 import start_bridge

PATIENT = {"attempts": 10_000, "first_delay": 0.005, "max_delay": 0.01, "timeout": 2}
Post = tuple[dict[str, str], dict[str, Any]]


class Hook:
    """A webhook that answers 503 while ``down``; ``failed`` is set once it refused a post."""

    def __init__(self, down: bool = True, status: int = 503) -> None:
        self.down, self.status = down, status
        self.posts: asyncio.Queue[Post] = asyncio.Queue()
        self.failed = asyncio.Event()
        self.refused = 0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if self.down:
            self.refused += 1
            self.failed.set()
            return web.Response(status=self.status)
        await self.posts.put((dict(request.headers), json.loads(body)))
        return web.Response(status=204)

    async def take(self, count: int) -> list[Post]:
        async with asyncio.timeout(10):
            return [await self.posts.get() for _ in range(count)]

    async def refusing(self) -> None:
        async with asyncio.timeout(10):
            await self.failed.wait()


async def serve(aiohttp_server: Any, hook: Hook) -> str:
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    return str((await aiohttp_server(app)).make_url("/hook"))


def outbox(db: Path) -> list[tuple[str, str]]:
    return store_query(db, "SELECT delivery_id, state FROM callback_outbox ORDER BY id")


def assert_in_order(posts: list[Post], chat_id: str) -> list[int]:
    seqs = [body["seq"] for _, body in posts]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    for headers, body in posts:
        assert headers[DELIVERY_HEADER] == f"{chat_id}:{body['seq']}"
    return seqs


async def cancel(client: TestClient, chat: dict[str, Any]) -> None:
    path = f"/api/v1/chats/{chat['chat_id']}/cancel"
    await call(client, "POST", path, headers=bearer(chat["user_token"]))


async def test_a_receiver_that_was_down_gets_every_callback_in_order_once_back(
    aiohttp_server, tmp_path: Path
):
    hook = Hook()
    url = await serve(aiohttp_server, hook)
    settings = make_settings(tmp_path / "events.db", callbacks=PATIENT)
    async with TestClient(TestServer(make_app(settings))) as client:
        chat = await hand_off(client, callback_url=url)
        chat_id, alice = chat["chat_id"], agent_headers()
        await accept(client, chat_id, alice)
        for text in ("one", "two", "three"):
            path = f"/api/v1/agent/chats/{chat_id}/messages"
            await call(client, "POST", path, 201, alice, {"text": text})
        await call(client, "POST", f"/api/v1/agent/chats/{chat_id}/end", headers=alice)
        await hook.refusing()
        hook.down = False
        posts = await hook.take(7)
        await bridge_of(client).delivery.idle()
    assert_in_order(posts, chat_id)
    texts = [body["payload"].get("text") for _, body in posts if body["type"] == "MessagePosted"]
    assert texts == ["one", "two", "three"]
    assert posts[-1][1]["type"] == "ChatClosed"
    assert outbox(settings.db_path) == [], "delivered callbacks leave the outbox"


async def test_callbacks_pending_at_shutdown_go_out_after_a_restart_and_only_once(
    aiohttp_server, tmp_path: Path
):
    hook = Hook()
    url = await serve(aiohttp_server, hook)
    settings = make_settings(tmp_path / "events.db", callbacks=PATIENT, shutdown_timeout=0.01)
    async with TestClient(TestServer(make_app(settings))) as client:
        chat = await hand_off(client, callback_url=url)
        await cancel(client, chat)
        await hook.refusing()
    chat_id = chat["chat_id"]
    assert [state for _, state in outbox(settings.db_path)] == ["pending", "pending"]

    hook.down = False
    async with TestClient(TestServer(make_app(settings))) as client:
        posts = await hook.take(2)
    assert [body["type"] for _, body in posts] == ["ChatCancelled", "ChatClosed"]
    first_ids = {headers[DELIVERY_HEADER] for headers, _ in posts}
    assert len(first_ids) == 2 and assert_in_order(posts, chat_id)
    assert outbox(settings.db_path) == []

    async with TestClient(TestServer(make_app(settings))) as client:
        other = await hand_off(client, callback_url=url, headers={"Idempotency-Key": "second"})
        await cancel(client, other)
        later = await hook.take(2)
        await bridge_of(client).delivery.idle()
    assert {headers[DELIVERY_HEADER].split(":")[0] for headers, _ in later} == {other["chat_id"]}
    assert hook.posts.empty(), "nothing already delivered was sent again"


async def test_exhausted_retries_are_marked_failed_and_not_resent_after_a_restart(
    aiohttp_server, tmp_path: Path
):
    hook = Hook(status=500)
    url = await serve(aiohttp_server, hook)
    brief = {**PATIENT, "attempts": 2}
    settings = make_settings(tmp_path / "events.db", callbacks=brief)
    async with TestClient(TestServer(make_app(settings))) as client:
        chat = await hand_off(client, callback_url=url)
        await cancel(client, chat)
        await hook.refusing()
        await bridge_of(client).delivery.idle()
    assert hook.refused == 4, "two callbacks, two attempts each"
    failed = outbox(settings.db_path)
    assert [state for _, state in failed] == ["failed", "failed"]

    hook.down = False
    async with TestClient(TestServer(make_app(settings))) as client:
        bridge = bridge_of(client)
        assert bridge.store.failed_callbacks() == [delivery for delivery, _ in failed]
        other = await hand_off(client, callback_url=url, headers={"Idempotency-Key": "second"})
        await cancel(client, other)
        posts = await hook.take(2)
        await bridge.delivery.idle()
    assert [body["chat_id"] for _, body in posts] == [other["chat_id"]] * 2
    assert hook.posts.empty() and hook.refused == 4


class FakeOutbox:
    """An outbox in memory: what ``pump`` reads and what ``settle`` records."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.entries: list[tuple[str, Callback]] = []
        self.settled: list[tuple[int, bool]] = []

    def add(self, key: str, outbox_id: int) -> None:
        body = json.dumps({"n": outbox_id}).encode()
        self.entries.append((key, Callback(self.url, body, "bot", f"{key}:{outbox_id}", outbox_id)))

    def pending(self, after: int) -> list[tuple[str, Callback]]:
        return [(k, c) for k, c in self.entries if (c.outbox_id or 0) > after]

    def settle(self, outbox_id: int, delivered: bool) -> None:
        self.settled.append((outbox_id, delivered))


async def test_pump_queues_each_outbox_entry_once_and_settles_it(aiohttp_server):
    hook = Hook(down=False)
    box = FakeOutbox(await serve(aiohttp_server, hook))
    sources = {"bot": SourceSettings(**BOT_SOURCE)}
    delivery = CallbackDelivery(CallbackSettings(**PATIENT), sources.get, outbox=box)
    await delivery.start()
    box.add("a", 1)
    box.add("a", 2)
    assert delivery.pump() == 2
    box.add("a", 3)
    assert delivery.pump() == 1, "entries already queued are not read again"
    posts = await hook.take(3)
    await delivery.close(1)
    assert [body["n"] for _, body in posts] == [1, 2, 3]
    assert [h[DELIVERY_HEADER] for h, _ in posts] == ["a:1", "a:2", "a:3"]
    assert box.settled == [(1, True), (2, True), (3, True)]


def write_config(tmp_path: Path) -> Path:
    config = {
        "secret": SECRET,
        "sources": [BOT_SOURCE],
        "engine": {"auto_accept": False},
        "callbacks": PATIENT,
    }
    path = tmp_path / "bridge.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


async def test_callbacks_survive_a_sigkill_and_go_out_in_order_after_restart(
    aiohttp_server, tmp_path: Path
):
    hook = Hook()
    url = await serve(aiohttp_server, hook)
    config, db, log = write_config(tmp_path), tmp_path / "events.db", tmp_path / "bridge.log"
    process, base = await start_bridge(config, db, log)
    try:
        async with aiohttp.ClientSession() as session:
            async with session.post(
                f"{base}/api/v1/handoffs",
                json=handoff_body(callback_url=url),
                headers={"X-API-Key": SOURCE_KEY},
            ) as response:
                chat = await response.json()
            async with session.post(
                f"{base}/api/v1/chats/{chat['chat_id']}/cancel",
                headers=bearer(chat["user_token"]),
            ) as response:
                assert response.status == 200, await response.text()
        await hook.refusing()
        os.kill(process.pid, signal.SIGKILL)
        await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
    hook.down = False
    process, _ = await start_bridge(config, db, log)
    try:
        posts = await hook.take(2)
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(15):
            await process.wait()
    assert [body["type"] for _, body in posts] == ["ChatCancelled", "ChatClosed"]
    assert_in_order(posts, chat["chat_id"])
    assert outbox(db) == [], "the restarted bridge settled what it delivered"


async def test_a_bot_framework_answer_carries_its_delivery_id_as_the_activity_id(
    aiohttp_server, tmp_path: Path
):
    bot = BotReceiver()
    service_url = str((await aiohttp_server(bot.app)).make_url("/"))
    settings = make_settings(tmp_path / "events.db")
    async with TestClient(TestServer(make_app(settings))) as client:
        body = wire(service_url, {"company": "Acme"})
        chat = await call(client, "POST", BOT_URL, 201, {"X-API-Key": SOURCE_KEY}, body)
        await accept(client, chat["chat_id"], agent_headers())
        async with asyncio.timeout(10):
            _, headers, raw = await bot.inbox.get()
    activity = json.loads(raw)
    assert activity["value"]["state"] == "accepted"
    assert headers[DELIVERY_HEADER] == activity["id"]
    assert activity["id"].startswith(f"{chat['chat_id']}:")
