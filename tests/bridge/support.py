"""Shared test helpers: settings on a temp DB, tokens, and one-line API calls."""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from bridge.http.keys import bridge_key
from bridge.runtime import Bridge, TokenSigner
from bridge.settings import Settings
from tests.pg import PgStores

SECRET = "test-secret-" + "x" * 40
SOURCE_KEY = "source-key"
OTHER_KEY = "other-source-key"
WEB_KEY = "web-key"
# A Standard Webhooks secret (whsec_ + base64 of 32 bytes), so receivers verify as is.
CALLBACK_SECRET = "whsec_" + base64.b64encode(b"livechat-test-callback-key-32byt").decode()
# The test receivers listen on 127.0.0.1, so the bot source must allow loopback targets.
BOT_SOURCE: dict[str, Any] = {
    "name": "bot",
    "api_key": SOURCE_KEY,
    "callback_secret": CALLBACK_SECRET,
    "callback_allow": ["127.0.0.1"],
    "allow_private_callbacks": True,
}
# The demo user every bridge under test has (POST /api/v1/login as alice / pw).
ALICE_LOGIN: dict[str, Any] = {
    "username": "alice",
    "password": "pw",
    "profile": {
        "agent_id": "alice",
        "first_name": "Alice",
        "last_name": "Adams",
        "queues": ["Acme/GENERAL"],
    },
}
ACME = "Acme"
QUEUES = ("Acme/GENERAL", "Acme/NETWORK", "Acme/HARDWARE", "Globex/GENERAL")
# The smallest file the bridge takes for a PNG: its signature (types are checked from bytes).
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR"


# Set by the bridge tests' conftest under --store postgres: a database per SQLite path.
pg_stores: PgStores | None = None


def make_settings(db_path: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "db_path": db_path,
        "secret": SECRET,
        "sources": [
            BOT_SOURCE,
            {"name": "other", "api_key": OTHER_KEY, "kinds": ["virtual_agent"]},
            {"name": "web", "api_key": WEB_KEY, "kinds": ["self_service"], "publishable": True},
        ],
        "demo_users": [ALICE_LOGIN],
        "engine": {
            "auto_accept": False,
            "strict_queues": True,
            "queues": {key: {} for key in QUEUES},
        },
        "attachments": {"max_bytes": 1000, "allowed_types": ["image/png", "text/plain"]},
        "callbacks": {"first_delay": 0.01, "max_delay": 0.05, "attempts": 4, "timeout": 2},
        "queue_update_interval": 0.05,
        # Development mode (the source's X-API-Key, no tokens) unless a test is about the Bot
        # Connector's authentication (test_botframework_auth turns it on).
        "botframework": {"auth": False},
        # Tests that are not about rate limits (the fuzzer's hundreds of logins) are not slowed
        # by them; test_limits sets its own.
        "limits": {
            name: {"rate": 1000, "burst": 1000}
            for name in ("login_per_address", "handoff_per_key", "handoff_per_address")
        },
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    if pg_stores is not None and "database_url" not in overrides:  # --store postgres
        base["database_url"] = pg_stores.url_for(db_path)
    return Settings(**base)


def signer() -> TokenSigner:
    return TokenSigner(SECRET, 3600)


def agent_headers(
    agent_id: str = "alice",
    queues: tuple[str, ...] = ("Acme/GENERAL",),
    roles: tuple[str, ...] = ("IT Agent",),
    permissions: tuple[str, ...] = ("ESChat_Agent",),
) -> dict[str, str]:
    token = signer().agent_token(agent_id, agent_id.title(), "Tester", queues, roles, permissions)
    return {"Authorization": f"Bearer {token}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def handoff_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source": "virtual_agent",
        "company": ACME,
        "customer": {"id": "cust-1", "name": "Ann Smith", "email": "ann@example.com"},
        "question": "My VPN does not connect",
        "transcript": [{"from": "user", "text": "vpn?"}, {"from": "bot", "text": "an agent"}],
        "context": {"intent": "vpn", "language": "en"},
    }
    body.update(overrides)
    return body


def attachment(
    data: bytes = b"hello", content_type: str = "text/plain", name: str = "note.txt"
) -> dict[str, str]:
    return {"name": name, "content_type": content_type, "data": base64.b64encode(data).decode()}


async def hand_off(
    client: TestClient,
    key: str = SOURCE_KEY,
    status: int = 201,
    headers: dict[str, str] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/handoffs",
        json=handoff_body(**overrides),
        headers={"X-API-Key": key, **(headers or {})},
    )
    body = await response.json()
    assert response.status == status, body
    return body


async def call(
    client: TestClient,
    method: str,
    path: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
    json: Any = None,
) -> Any:
    response = await client.request(method, path, headers=headers or {}, json=json)
    body = await response.json()
    assert response.status == status, (response.status, body)
    return body


def store_query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    """Read the test's store directly: the SQLite file ``db``, or under ``--store postgres``
    the database ``make_settings`` gave that path (see conftest)."""
    if pg_stores is None:
        with sqlite3.connect(db) as conn:
            return conn.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(pg_stores.url_for(db)) as conn:
        return conn.execute(sql).fetchall()


def bridge_of(client: TestClient) -> Bridge:
    return client.server.app[bridge_key]


async def on_duty(client: TestClient, *agents: dict[str, str]) -> None:
    """Agents without a console say they are there: one heartbeat each (a lease that expires).

    A request alone is no presence: without this (or an open agent stream) an agent gets no
    chat and may accept none."""
    for headers in agents:
        await call(client, "POST", "/api/v1/agent/heartbeat", headers=headers, json={})


async def accept(client: TestClient, chat_id: str, headers: dict[str, str]) -> Any:
    """Accept as an agent who is there: a heartbeat's lease first (a request is no presence)."""
    await on_duty(client, headers)
    return await call(client, "POST", f"/api/v1/agent/chats/{chat_id}/accept", headers=headers)
