"""GET /api/v1/queues: the public list of companies and support queues the web chat offers."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from bridge.app import make_app

from .support import QUEUES, SOURCE_KEY, WEB_KEY, call, make_settings

NEVER = {"timezone": "UTC", "weekly": {}}  # business hours that never open


@pytest.mark.parametrize("key", [WEB_KEY, SOURCE_KEY])
async def test_any_source_key_lists_the_configured_queues(client: TestClient, key: str):
    listed = await call(client, "GET", "/api/v1/queues", headers={"X-API-Key": key})
    assert [q["key"] for q in listed["queues"]] == list(QUEUES)
    assert listed["queues"][1] == {
        "key": "Acme/NETWORK",
        "company": "Acme",
        "name": "NETWORK",
        "open": True,
    }


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}])
async def test_the_queue_list_needs_a_source_key(client: TestClient, headers: dict[str, str]):
    refused = await call(client, "GET", "/api/v1/queues", 401, headers)
    assert refused["code"] == "unauthorized"


async def test_a_queue_outside_its_business_hours_is_listed_closed(aiohttp_client, tmp_path: Path):
    queues = {key: {} for key in QUEUES} | {"Acme/NIGHT": {"hours": NEVER}}
    settings = make_settings(tmp_path / "e.db", engine={"queues": queues})
    client = await aiohttp_client(make_app(settings))
    listed = await call(client, "GET", "/api/v1/queues", headers={"X-API-Key": WEB_KEY})
    is_open = {q["key"]: q["open"] for q in listed["queues"]}
    assert is_open["Acme/NIGHT"] is False and is_open["Acme/GENERAL"] is True


async def test_the_openapi_document_describes_the_queue_list(client: TestClient):
    document = await call(client, "GET", "/openapi.json")
    operation = document["paths"]["/api/v1/queues"]["get"]
    assert operation["security"] == [{"source": []}]
    schema = document["components"]["schemas"]["QueueOut"]
    assert set(schema["properties"]) == {"key", "company", "name", "open"}
