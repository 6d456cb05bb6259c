"""Screen-share links and agent attachments through a running bridge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from bridge.app import make_app

from .support import (
    PNG,
    accept,
    agent_headers,
    attachment,
    bearer,
    bridge_of,
    call,
    hand_off,
    make_settings,
)
from .test_botframework import bot as bot  # the Bot Connector receiver fixture
from .test_botframework import initiate, through_the_bridge, wire

ALICE = agent_headers()
BOB = agent_headers("bob")
A = "/api/v1/agent"
TEMPLATE = "https://remote.example.com/session/{chat_id}?agent={agent_id}&s={session}"


async def held_chat(client: TestClient, source: str = "self_service") -> dict[str, Any]:
    chat = await hand_off(client, source=source)
    await accept(client, chat["chat_id"], ALICE)
    return chat


def rows(client: TestClient, chat_id: str) -> list[dict[str, Any]]:
    return bridge_of(client).store.chat_rows(chat_id)


async def test_the_agent_posts_the_providers_link_and_the_user_sees_it(
    aiohttp_client: Any, tmp_path: Path
):
    settings = make_settings(tmp_path / "events.db", screen_share={"url_template": TEMPLATE})
    client = await aiohttp_client(make_app(settings))
    features = await call(client, "GET", "/api/v1/features")
    assert features["screen_share"] is True and features["transcript_email"] is False
    chat = await held_chat(client)
    chat_id = chat["chat_id"]
    offered = await call(client, "POST", f"{A}/chats/{chat_id}/screen-share", 201, ALICE, {})
    url = offered["payload"]["url"]
    assert offered["type"] == "ScreenShareOffered"
    assert url.startswith(f"https://remote.example.com/session/{chat_id}?agent=alice&s=")
    seen = await call(
        client, "GET", f"/api/v1/chats/{chat_id}/events", headers=bearer(chat["user_token"])
    )
    assert [r["payload"]["url"] for r in seen["events"] if r["type"] == "ScreenShareOffered"] == [
        url
    ]
    refused = await call(client, "POST", f"{A}/chats/{chat_id}/screen-share", 409, BOB, {})
    assert refused["code"] == "chat_not_active"
    assert [r["type"] for r in rows(client, chat_id)].count("ScreenShareOffered") == 1


async def test_without_a_provider_the_link_is_refused_and_nothing_is_written(client: TestClient):
    chat_id = (await held_chat(client))["chat_id"]
    before = rows(client, chat_id)
    refused = await call(client, "POST", f"{A}/chats/{chat_id}/screen-share", 409, ALICE, {})
    assert refused["code"] == "screen_share_not_configured" and refused["detail"]
    assert rows(client, chat_id) == before


async def test_the_agent_sends_an_image_the_user_downloads(client: TestClient):
    chat = await held_chat(client)
    chat_id = chat["chat_id"]
    image = attachment(PNG, "image/png", "screenshot.png")
    posted = await call(
        client, "POST", f"{A}/chats/{chat_id}/messages", 201, ALICE,
        {"text": "Like this", "attachments": [image]},
    )  # fmt: skip
    message = next(r for r in rows(client, chat_id) if r["seq"] == posted["seq"])
    kept = message["payload"]["attachments"][0]
    assert (kept["name"], kept["content_type"], kept["size"]) == ("screenshot.png", "image/png", 16)
    response = await client.get(
        f"/api/v1/chats/{chat_id}/attachments/{kept['id']}", headers=bearer(chat["user_token"])
    )
    assert response.status == 200 and await response.read() == PNG


async def test_a_virtual_agent_chat_still_refuses_agent_attachments(client: TestClient):
    chat_id = (await held_chat(client, "virtual_agent"))["chat_id"]
    before = rows(client, chat_id)
    refused = await call(
        client, "POST", f"{A}/chats/{chat_id}/messages", 422, ALICE,
        {"text": "see", "attachments": [attachment(PNG, "image/png", "a.png")]},
    )  # fmt: skip
    assert refused["code"] == "attachments_not_allowed" and refused["detail"]
    assert rows(client, chat_id) == before
    assert bridge_of(client).store.counts()["attachments"] == 0


@through_the_bridge
async def test_a_bot_framework_user_gets_the_link_as_a_message(
    aiohttp_client: Any, tmp_path: Path, bot: Any
):
    receiver, service_url = bot
    settings = make_settings(
        tmp_path / "events.db",
        botframework={"auth": False},
        screen_share={"url_template": TEMPLATE},
    )
    client = await aiohttp_client(make_app(settings))
    chat_id = (await initiate(client, wire(service_url, {"company": "Acme"})))["chat_id"]
    await accept(client, chat_id, ALICE)
    offered = await call(client, "POST", f"{A}/chats/{chat_id}/screen-share", 201, ALICE, {})
    relayed = await receiver.said()
    assert relayed.text == f"Screen sharing: {offered['payload']['url']}"
