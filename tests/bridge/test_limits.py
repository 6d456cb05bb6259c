"""Input limits, hit the way a hostile client hits them: oversized bodies on a raw socket,
floods of logins and web handoffs, and files whose bytes are not what they claim."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bridge.app import make_app
from bridge.filetypes import matches, sniff
from bridge.http.limits import RateLimits, rate_limits_key
from bridge.runtime.ratelimit import TokenBuckets
from bridge.settings import Settings

from .support import (
    PNG,
    SOURCE_KEY,
    WEB_KEY,
    attachment,
    bearer,
    bridge_of,
    call,
    hand_off,
    make_settings,
)

THIRTY_MB = 30 * 1024 * 1024


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], Any]:
    """One HTTP/1.1 response off a raw socket: status, headers, JSON body."""
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers["content-length"]))
    return int(status_line.split()[1]), headers, json.loads(body)


async def raw_post(client: TestClient, path: str, headers: dict[str, str]) -> Any:
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    lines = [f"POST {path} HTTP/1.1", f"Host: {client.server.host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    return reader, writer


async def test_a_30_mb_login_is_refused_before_its_body_is_read(client: TestClient):
    reader, writer = await raw_post(
        client,
        "/api/v1/login",
        {"Content-Type": "application/json", "Content-Length": str(THIRTY_MB)},
    )
    writer.write(b'{"username": "alice", "password": "' + b"x" * 1024)  # and nothing more
    await writer.drain()
    try:
        async with asyncio.timeout(5):  # had the bridge waited for 30 MB, this would time out
            status, _, body = await read_answer(reader)
    finally:
        writer.close()
    assert status == 413
    assert body["code"] == "body_too_large"
    assert str(THIRTY_MB) in body["detail"] and "at most 65536" in body["detail"]


async def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(client: TestClient):
    reader, writer = await raw_post(
        client,
        "/api/v1/login",
        {"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
    )
    answer = asyncio.create_task(read_answer(reader))
    chunk = b"x" * 16384
    sent = 0
    try:
        async with asyncio.timeout(10):
            while not answer.done() and sent < THIRTY_MB:
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                try:
                    await writer.drain()
                except ConnectionError:
                    break  # the bridge answered and hung up
                sent += len(chunk)
            status, _, body = await answer
    finally:
        writer.close()
    assert status == 413 and body["code"] == "body_too_large"
    assert sent < THIRTY_MB, "the bridge read the whole body before answering"


@pytest.fixture
def roomy(tmp_path: Path) -> Settings:
    """Attachments up to 200 kB: bigger than the JSON limit."""
    return make_settings(tmp_path / "e.db", attachments={"max_bytes": 200_000})


async def test_routes_with_attachments_take_more_than_the_json_limit(aiohttp_client, roomy):
    client = await aiohttp_client(make_app(roomy))
    chat = await hand_off(client, source="self_service")
    path, user = f"/api/v1/chats/{chat['chat_id']}", bearer(chat["user_token"])
    big = attachment(b"a" * 100_000)  # 133 kB as base64
    await call(client, "POST", f"{path}/messages", 201, user, {"text": "", "attachments": [big]})
    refused = await call(client, "POST", f"{path}/cancel", 413, user, {"pad": "a" * 100_000})
    assert refused["code"] == "body_too_large"
    assert bridge_of(client).engine.chats[chat["chat_id"]].state == "queued"


def limited(tmp_path: Path, **limits: Any) -> tuple[web.Application, FakeClock]:
    settings = make_settings(tmp_path / "e.db", limits=limits)
    app = make_app(settings)
    clock = FakeClock()
    app[rate_limits_key] = RateLimits.of(settings.limits, clock)
    return app, clock


async def test_logins_from_one_address_are_rate_limited_with_retry_after(aiohttp_client, tmp_path):
    app, clock = limited(tmp_path, login_per_address={"rate": 0.25, "burst": 2})
    client = await aiohttp_client(app)
    wrong = {"username": "alice", "password": "guess"}
    for _ in range(2):
        await call(client, "POST", "/api/v1/login", 401, json=wrong)
    response = await client.post("/api/v1/login", json={"username": "alice", "password": "pw"})
    body = await response.json()
    assert response.status == 429 and body["code"] == "rate_limited"
    assert response.headers["Retry-After"] == "4"
    assert "token" not in body, "a refused login issues nothing, even with the right password"
    clock.now += 4
    assert "token" in await call(
        client, "POST", "/api/v1/login", json={"username": "alice", "password": "pw"}
    )


async def test_web_key_handoffs_are_limited_per_address_and_per_key(aiohttp_client, tmp_path):
    app, _ = limited(
        tmp_path,
        handoff_per_address={"rate": 0.01, "burst": 2},
        handoff_per_key={"rate": 0.01, "burst": 3},
        client_address_header="X-Forwarded-For",
    )
    client = await aiohttp_client(app)
    engine = bridge_of(client).engine

    async def web(address: str, status: int) -> dict[str, Any]:
        forwarded = {"X-Forwarded-For": f"203.0.113.9, {address}"}  # the proxy's entry counts
        return await hand_off(
            client, key=WEB_KEY, status=status, headers=forwarded, source="self_service"
        )

    await web("198.51.100.1", 201)
    await web("198.51.100.1", 201)
    before = len(engine.chats)
    refused = await web("198.51.100.1", 429)
    assert refused["code"] == "rate_limited" and "address" in refused["detail"]
    assert len(engine.chats) == before, "a refused handoff opens no chat"
    await web("198.51.100.2", 201)  # another address has its own bucket...
    shared = await web("198.51.100.3", 429)  # ...but the key's own bucket is empty now
    assert "'web' key" in shared["detail"]
    await hand_off(client, key=SOURCE_KEY)  # a secret key is not limited here
    assert len(engine.chats) == before + 2


async def test_attachment_types_are_checked_from_the_bytes(client: TestClient):
    chat = await hand_off(client, source="self_service")
    path, user = f"/api/v1/chats/{chat['chat_id']}", bearer(chat["user_token"])
    script = attachment(b"#!/bin/sh\nrm -rf /\n", "image/png", "shot.png")
    image_as_text = attachment(PNG, "text/plain", "notes.txt")
    for item in (script, image_as_text):
        refused = await call(
            client, "POST", f"{path}/messages", 415, user, {"text": "", "attachments": [item]}
        )
        assert refused["code"] == "attachment_type_mismatch"
        assert item["name"] in refused["detail"]
    assert "its bytes are image/png" in refused["detail"]
    store = bridge_of(client).store
    assert store.counts()["attachments"] == 0
    history = await call(client, "GET", f"{path}/events", headers=user)
    assert not [r for r in history["events"] if r["type"] == "MessagePosted"]
    chats = len(bridge_of(client).engine.chats)
    body = await hand_off(client, status=415, source="self_service", attachments=[script])
    assert body["code"] == "attachment_type_mismatch"
    assert len(bridge_of(client).engine.chats) == chats


def test_an_allowed_type_the_bridge_cannot_recognise_is_a_config_error(tmp_path: Path):
    with pytest.raises(ValueError, match="cannot be recognised from their bytes"):
        make_settings(tmp_path / "e.db", attachments={"allowed_types": ["application/x-msi"]})


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"GIF89a\x01\x00", "image/gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"%PDF-1.7\n", "application/pdf"),
        (b"PK\x03\x04\x14\x00", "application/zip"),
        ("Grüße, 1\tzwei\r\n".encode(), "text/plain"),
        (b"\xef\xbb\xbfwith a BOM", "text/plain"),
        (b"MZ\x90\x00\x03\x00", None),  # a Windows program
        (b"text with a NUL\x00", None),
        (b"\xc3\x28 not UTF-8", None),
    ],
)
def test_file_types_are_read_from_the_first_bytes(data: bytes, found: str | None):
    assert sniff(data) == found
    assert matches("text/csv", data) == (found == "text/plain")


def test_a_token_bucket_refills_at_its_rate_and_forgets_the_oldest_callers():
    clock = FakeClock()
    buckets = TokenBuckets(rate=2.0, burst=2, clock=clock, max_keys=2)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.5]
    clock.now += 0.5  # one token back
    assert buckets.take("a") == 0.0 and buckets.take("a") == 0.5
    buckets.take("b")
    buckets.take("c")  # a third caller: the least recently seen ("a") is forgotten
    assert len(buckets) == 2 and buckets.take("a") == 0.0
