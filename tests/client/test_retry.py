"""Retries: backoff with jitter on 429/502/503/504 and refused connections, one key throughout,
never on other 4xx; errors carry the server's code from either error shape."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable

import pytest
from aiohttp import web

from bridge.client import ConnectionFailed, LivechatClient, LivechatClientError, RetryPolicy
from bridge.client.retry import parse_retry_after

from .support import open_chat

HANDOFF = {
    "chat_id": "c1",
    "status": "queued",
    "queue": "Acme/GENERAL",
    "position": 1,
    "estimated_wait": None,
    "user_token": "t",
}


class Recorder:
    """Sleeps recorded instead of slept, jitter fixed, so delays are asserted exactly."""

    def __init__(self, rand: float = 1.0) -> None:
        self.slept: list[float] = []
        self.rand = rand

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def policy(self, attempts: int = 5) -> RetryPolicy:
        return RetryPolicy(
            attempts=attempts,
            first_delay=0.1,
            max_delay=0.3,
            sleep=self.sleep,
            rand=lambda: self.rand,
        )


async def fake_bridge(aiohttp_server, answers: list[Callable[[], web.Response]]):
    """A server answering the handoff with ``answers`` in turn; records each request's key."""
    keys: list[str | None] = []

    async def handoff(request: web.Request) -> web.Response:
        keys.append(request.headers.get("Idempotency-Key"))
        return answers[min(len(keys), len(answers)) - 1]()

    app = web.Application()
    app.router.add_post("/api/v1/handoffs", handoff)
    server = await aiohttp_server(app)
    return str(server.make_url("")).rstrip("/"), keys


def status(code: int, body: dict | None = None, **headers: str) -> Callable[[], web.Response]:
    return lambda: web.json_response(
        body or {"code": "busy", "detail": "later"}, status=code, headers=headers
    )


async def test_503_502_and_504_are_retried_with_one_key_and_growing_jittered_delays(aiohttp_server):
    base, keys = await fake_bridge(
        aiohttp_server, [status(503), status(502), status(504), status(201, HANDOFF)]
    )
    recorder = Recorder(rand=0.0)  # the shortest jitter: half of each step
    async with LivechatClient(base, "k", retry=recorder.policy()) as client:
        answer = await open_chat(client)
    assert answer.chat_id == "c1"
    assert len(keys) == 4 and len(set(keys)) == 1 and keys[0]  # one key on every attempt
    assert recorder.slept == pytest.approx([0.05, 0.1, 0.15])  # 0.1, 0.2, 0.4->cap 0.3; halved


async def test_429_waits_as_long_as_retry_after_says(aiohttp_server):
    base, keys = await fake_bridge(
        aiohttp_server,
        [
            status(429, {"code": "rate_limited", "detail": "slow"}, **{"Retry-After": "2"}),
            status(201, HANDOFF),
        ],
    )
    recorder = Recorder()
    async with LivechatClient(base, "k", retry=recorder.policy()) as client:
        await open_chat(client, idempotency_key="conv-9")
    assert keys == ["conv-9", "conv-9"]
    assert recorder.slept == [2.0]


@pytest.mark.parametrize(
    "body",
    [
        {"code": "queue_closed", "detail": "Acme/GENERAL is closed"},
        {
            "type": "https://livechat.example/problems/queue_closed",
            "title": "Queue closed",
            "status": 409,
            "detail": "Acme/GENERAL is closed",
            "code": "queue_closed",
        },
        {
            "type": "https://livechat.example/problems/queue_closed",
            "title": "Queue closed",
            "status": 409,
            "detail": "Acme/GENERAL is closed",
        },
    ],
    ids=["code-detail", "problem-details", "problem-type-only"],
)
async def test_other_4xx_are_not_retried_and_carry_code_status_and_message(aiohttp_server, body):
    base, keys = await fake_bridge(aiohttp_server, [status(409, body)])
    recorder = Recorder()
    async with LivechatClient(base, "k", retry=recorder.policy()) as client:
        with pytest.raises(LivechatClientError) as caught:
            await open_chat(client)
    assert len(keys) == 1 and recorder.slept == []
    error = caught.value
    assert (error.code, error.status, error.message) == (
        "queue_closed",
        409,
        "Acme/GENERAL is closed",
    )


async def test_retries_stop_after_the_last_attempt_with_the_last_answer(aiohttp_server):
    base, keys = await fake_bridge(aiohttp_server, [status(503)])
    recorder = Recorder()
    async with LivechatClient(base, "k", retry=recorder.policy(attempts=3)) as client:
        with pytest.raises(LivechatClientError) as caught:
            await open_chat(client)
    assert (caught.value.status, caught.value.code) == (503, "busy")
    assert len(keys) == 3 and len(recorder.slept) == 2


async def test_a_refused_connection_is_retried_then_reported():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    recorder = Recorder()
    async with LivechatClient(
        f"http://127.0.0.1:{port}", "k", retry=recorder.policy(attempts=4)
    ) as client:
        with pytest.raises(ConnectionFailed) as caught:
            await client.availability("Acme")
    assert caught.value.code == "connection_failed" and caught.value.status == 0
    assert recorder.slept == pytest.approx([0.1, 0.2, 0.3])


async def test_a_post_cut_off_mid_call_without_a_key_is_not_repeated(aiohttp_server):
    """An agent action may have happened before the cut: repeating it blindly is wrong."""
    from bridge.client import AgentClient

    calls: list[str] = []

    async def accept(request: web.Request) -> web.Response:
        calls.append(request.path)
        request.transport.abort()  # the answer never comes
        return web.Response()

    app = web.Application()
    app.router.add_post("/api/v1/agent/chats/{chat_id}/accept", accept)
    server = await aiohttp_server(app)
    recorder = Recorder()
    async with AgentClient(
        str(server.make_url("")).rstrip("/"), "t", retry=recorder.policy()
    ) as agent:
        with pytest.raises(ConnectionFailed):
            await agent.accept("c1")
    assert len(calls) == 1 and recorder.slept == []


def test_retry_after_reads_seconds_and_http_dates():
    from datetime import UTC, datetime

    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_a_non_json_error_body_still_gives_a_code():
    error = LivechatClientError.from_body(502, "<html>Bad gateway</html>")
    assert (error.code, error.status) == ("http_502", 502)
    assert "Bad gateway" in error.message
    assert json.dumps(error.detail) == "null"
