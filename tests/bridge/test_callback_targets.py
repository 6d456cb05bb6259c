"""Callbacks cannot be aimed anywhere: allow-lists, internal addresses, DNS, redirects.

Written the way an attacker with a source key tries it: a handoff or a Bot Framework activity
naming an internal or foreign target, a host name that resolves to loopback, a receiver that
redirects elsewhere, and a target the operator has since removed from the allow-list.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.test_utils import TestClient, TestServer

from bridge.app import make_app
from bridge.runtime.callbacks import CallbackDelivery, GuardedResolver, TargetRefused
from bridge.settings import CallbackSettings, Settings, SourceSettings

from .support import (
    BOT_SOURCE,
    CALLBACK_SECRET,
    SOURCE_KEY,
    bearer,
    bridge_of,
    call,
    hand_off,
    make_settings,
)
from .test_botframework import URL as BOT_URL
from .test_botframework import Receiver as BotReceiver
from .test_botframework import wire
from .test_callbacks_durable import PATIENT, Hook, outbox, serve

PUBLIC_KEY, NAMED_KEY, PREFIX_KEY = "public-key", "named-key", "prefix-key"
SOURCES: list[dict[str, Any]] = [
    BOT_SOURCE,  # 127.0.0.1, loopback explicitly allowed: where the other tests' receivers are
    {"name": "public", "api_key": PUBLIC_KEY, "callback_secret": CALLBACK_SECRET,
     "callback_allow": ["*"]},
    {"name": "named", "api_key": NAMED_KEY, "callback_secret": CALLBACK_SECRET,
     "callback_allow": ["localhost"]},
    {"name": "prefix", "api_key": PREFIX_KEY, "callback_secret": CALLBACK_SECRET,
     "callback_allow": ["https://hooks.example.com/livechat/"]},
]  # fmt: skip


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "events.db", sources=SOURCES)


def assert_nothing_stored(client: TestClient) -> None:
    bridge = bridge_of(client)
    assert bridge.engine.chats == {}
    assert bridge.store.counts()["events"] == 0


async def cancel(client: TestClient, chat: dict[str, Any]) -> None:
    path = f"/api/v1/chats/{chat['chat_id']}/cancel"
    await call(client, "POST", path, headers=bearer(chat["user_token"]))


@pytest.mark.parametrize("url", [
    "https://evil.example.net/hook",
    "https://hooks.example.com.evil.example.net/livechat/hook",
    "https://hooks.example.com/livechatx",
    "https://hooks.example.com/other/hook",
    "http://hooks.example.com/livechat/hook",
    "https://hooks.example.com:8443/livechat/hook",
])  # fmt: skip
async def test_a_handoff_naming_a_target_outside_the_allow_list_is_refused_and_nothing_stored(
    client: TestClient, url: str
):
    refused = await hand_off(client, key=PREFIX_KEY, status=422, callback_url=url)
    assert refused["code"] == "callback_not_allowed"
    assert "callback_allow" in refused["detail"] and "'prefix'" in refused["detail"]
    assert_nothing_stored(client)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/hook",
    "http://10.1.2.3/hook",
    "http://192.168.0.10/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/hook",
    "http://0.0.0.0:8080/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[fe80::1]/hook",
    "http://2130706433/hook",
])  # fmt: skip
async def test_internal_addresses_are_refused_even_when_any_host_is_allowed(
    client: TestClient, url: str
):
    refused = await hand_off(client, key=PUBLIC_KEY, status=422, callback_url=url)
    assert refused["code"] == "callback_not_allowed"
    assert "allow_private_callbacks" in refused["detail"] or "canonical" in refused["detail"]
    assert_nothing_stored(client)


async def test_a_source_that_allows_loopback_may_use_it(client: TestClient):
    chat = await hand_off(client, callback_url="http://127.0.0.1:9/hook")
    assert bridge_of(client).engine.chats.keys() == {chat["chat_id"]}


async def test_a_bot_framework_service_url_is_checked_by_the_same_rule(
    client: TestClient, aiohttp_server: Any
):
    bot = BotReceiver()
    service_url = str((await aiohttp_server(bot.app)).make_url("/"))  # on 127.0.0.1
    for key, url in ((PUBLIC_KEY, service_url), (PREFIX_KEY, "https://bot.example.org/")):
        body = wire(url, {"company": "Acme", "skill": "NIGHT"})  # a refusal would be answered
        refused = await call(client, "POST", BOT_URL, 422, {"X-API-Key": key}, body)
        assert refused["code"] == "callback_not_allowed"
    assert_nothing_stored(client)
    await bridge_of(client).delivery.idle()
    assert bot.inbox.empty(), "a refused serviceUrl is not even told about the refusal"
    accepted = await call(
        client,
        "POST",
        BOT_URL,
        201,
        {"X-API-Key": SOURCE_KEY},
        wire(service_url, {"company": "Acme"}),
    )
    assert accepted["status"] == "queued", "the bot source allows loopback: the control case"


class Recorder:
    """A receiver that counts every request, on /hook and wherever a redirect points."""

    def __init__(self, status: int = 204, location: str = "/landing") -> None:
        self.status, self.location = status, location
        self.hits: dict[str, int] = {"/hook": 0, "/landing": 0}
        self.app = web.Application()
        self.app.router.add_post("/hook", self.hook)
        self.app.router.add_route("*", "/landing", self.landing)

    async def hook(self, request: web.Request) -> web.Response:
        self.hits["/hook"] += 1
        await request.read()
        if 300 <= self.status < 400:
            return web.Response(status=self.status, headers={"Location": self.location})
        return web.Response(status=self.status)

    async def landing(self, request: web.Request) -> web.Response:
        self.hits["/landing"] += 1
        return web.Response(status=204)


@pytest.mark.parametrize(("key", "allow_private", "delivered"), [
    (NAMED_KEY, False, False),
    (NAMED_KEY, True, True),
])  # fmt: skip
async def test_a_host_name_that_resolves_to_loopback_is_refused_at_delivery(
    aiohttp_server: Any, tmp_path: Path, key: str, allow_private: bool, delivered: bool
):
    sources = [{**s, "allow_private_callbacks": allow_private} if s["api_key"] == key else s
               for s in SOURCES]  # fmt: skip
    settings = make_settings(tmp_path / "events.db", sources=sources)
    recorder = Recorder()
    server = await aiohttp_server(recorder.app)
    url = f"http://localhost:{server.port}/hook"  # passes the allow-list: a name, not an address
    async with TestClient(TestServer(make_app(settings))) as client:
        chat = await hand_off(client, key=key, callback_url=url)
        await cancel(client, chat)
        bridge = bridge_of(client)
        await bridge.delivery.idle()
        refused = (
            bridge.metrics.registry.get_sample_value(
                "livechat_callbacks_total", {"outcome": "refused"}
            )
            or 0
        )
    if delivered:
        assert recorder.hits["/hook"] == 2 and refused == 0
        assert outbox(settings.db_path) == []
    else:
        assert recorder.hits["/hook"] == 0, "localhost resolves to loopback: never connected"
        assert refused == 2
        assert [state for _, state in outbox(settings.db_path)] == ["failed", "failed"]


async def test_a_redirect_is_not_followed_and_counts_as_a_failed_delivery(
    aiohttp_server: Any, settings: Settings
):
    recorder = Recorder(status=307)
    url = str((await aiohttp_server(recorder.app)).make_url("/hook"))
    async with TestClient(TestServer(make_app(settings))) as client:
        chat = await hand_off(client, callback_url=url)
        await cancel(client, chat)
        await bridge_of(client).delivery.idle()
    assert recorder.hits == {"/hook": 2, "/landing": 0}, "one attempt each, never redirected"
    assert [state for _, state in outbox(settings.db_path)] == ["failed", "failed"]


async def test_a_target_taken_off_the_allow_list_is_refused_for_the_backlog(
    aiohttp_server: Any, tmp_path: Path
):
    hook = Hook()
    url = await serve(aiohttp_server, hook)
    db = tmp_path / "events.db"
    before = make_settings(db, callbacks=PATIENT, shutdown_timeout=0.01)
    async with TestClient(TestServer(make_app(before))) as client:
        await cancel(client, await hand_off(client, callback_url=url))
        await hook.refusing()
    assert [state for _, state in outbox(db)] == ["pending", "pending"]

    hook.down = False
    moved = {**BOT_SOURCE, "callback_allow": ["hooks.example.com"]}
    after = make_settings(db, callbacks=PATIENT, sources=[moved])
    async with TestClient(TestServer(make_app(after))) as client:
        await bridge_of(client).delivery.idle()
    assert hook.posts.empty(), "the backlog is checked against today's allow-list"
    assert [state for _, state in outbox(db)] == ["failed", "failed"]


class FakeDns(AbstractResolver):
    """A resolver that answers from a table, as a rebinding DNS server would answer."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        return [
            ResolveResult(hostname=host, host=address, port=port, proto=0,
                          family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                          flags=socket.AI_NUMERICHOST)
            for address in self.answers[host]
        ]  # fmt: skip

    async def close(self) -> None:
        return None


async def test_the_guard_refuses_a_name_if_any_of_its_addresses_is_internal():
    guard = GuardedResolver(FakeDns({"mixed.example": ["93.184.215.14", "127.0.0.1"],
                                     "public.example": ["93.184.215.14"]}))  # fmt: skip
    with pytest.raises(TargetRefused, match=r"127\.0\.0\.1"):
        await guard.resolve("mixed.example", 443)
    assert [r["host"] for r in await guard.resolve("public.example", 443)] == ["93.184.215.14"]


@pytest.mark.parametrize(("allow_private", "outcome"), [(False, "refused"), (True, "delivered")])
async def test_delivery_connects_to_the_address_it_checked(
    aiohttp_server: Any, allow_private: bool, outcome: str
):
    recorder = Recorder()
    server = await aiohttp_server(recorder.app)
    dns = FakeDns({"hooks.example.test": ["127.0.0.1"]})  # a public name rebound to loopback
    source = SourceSettings(name="s", api_key="k", callback_secret=CALLBACK_SECRET,
                            callback_allow=["hooks.example.test"],
                            allow_private_callbacks=allow_private)  # fmt: skip
    outcomes: list[str] = []
    settings = CallbackSettings(attempts=2, first_delay=0.01, max_delay=0.01, timeout=2)
    delivery = CallbackDelivery(settings, {"s": source}.get, outcomes.append, resolver=dns)
    await delivery.start()
    try:
        url = f"http://hooks.example.test:{server.port}/hook"
        delivery.submit("k", url, {"n": 1}, "s", "msg-1")
        async with asyncio.timeout(10):
            await delivery.idle()
    finally:
        await delivery.close(1)
    assert outcomes == [outcome] and dns.asked == ["hooks.example.test"]
    assert recorder.hits["/hook"] == (1 if allow_private else 0)
