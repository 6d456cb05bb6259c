"""Shared test helpers: settings on a temp DB, tokens, and one-line API calls."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from bridge.http.keys import bridge_key
from bridge.runtime import Bridge, TokenSigner
from bridge.settings import Settings

SECRET = "test-secret-" + "x" * 40
SOURCE_KEY = "source-key"
OTHER_KEY = "other-source-key"
WEB_KEY = "web-key"
CALLBACK_SECRET = "callback-secret"
ACME = "Acme"
QUEUES = ("Acme/GENERAL", "Acme/NETWORK", "Acme/HARDWARE", "Globex/GENERAL")


def make_settings(db_path: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "db_path": db_path,
        "secret": SECRET,
        "sources": [
            {"name": "bot", "api_key": SOURCE_KEY, "callback_secret": CALLBACK_SECRET},
            {"name": "other", "api_key": OTHER_KEY, "kinds": ["virtual_agent"]},
            {"name": "web", "api_key": WEB_KEY, "kinds": ["self_service"], "publishable": True},
        ],
        "demo_users": [
            {
                "username": "alice",
                "password": "pw",
                "profile": {
                    "agent_id": "alice",
                    "first_name": "Alice",
                    "last_name": "Adams",
                    "queues": ["Acme/GENERAL"],
                },
            }
        ],
        "engine": {
            "auto_accept": False,
            "strict_queues": True,
            "queues": {key: {} for key in QUEUES},
        },
        "attachments": {"max_bytes": 1000, "allowed_types": ["image/png", "text/plain"]},
        "callbacks": {"first_delay": 0.01, "max_delay": 0.05, "attempts": 4, "timeout": 2},
        "queue_update_interval": 0.05,
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
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


def bridge_of(client: TestClient) -> Bridge:
    return client.server.app[bridge_key]
