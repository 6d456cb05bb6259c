"""Transcripts: the user's download, email through a real local SMTP server, End Chat's option."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bridge.app import make_app
from bridge.http.transcripts import mailer_key
from tests.smtp import Inbox, mail_settings

from .support import accept, agent_headers, bearer, bridge_of, call, hand_off, make_settings

ALICE = agent_headers()
A = "/api/v1/agent"


@pytest.fixture
async def inbox() -> AsyncIterator[Inbox]:
    server = await Inbox().start()
    yield server
    await server.close()


async def bridge_with(aiohttp_client: Any, tmp_path: Path, **overrides: Any) -> TestClient:
    return await aiohttp_client(make_app(make_settings(tmp_path / "events.db", **overrides)))


async def conversation(client: TestClient, **overrides: Any) -> dict[str, Any]:
    """A self-service chat: the user writes, Alice accepts, answers, and adds a note."""
    chat = await hand_off(client, source="self_service", transcript=[], context=None, **overrides)
    chat_id, user = chat["chat_id"], bearer(chat["user_token"])
    await call(client, "POST", f"/api/v1/chats/{chat_id}/messages", 201, user, {"text": "Hello?"})
    await accept(client, chat_id, ALICE)
    base = f"{A}/chats/{chat_id}"
    await call(client, "POST", f"{base}/messages", 201, ALICE, {"text": "Restart the client"})
    await call(client, "POST", f"{base}/notes", 201, ALICE, {"text": "secret agents-only note"})
    return {**chat, "user": user}


def types(client: TestClient, chat_id: str) -> list[str]:
    return [row["type"] for row in bridge_of(client).store.chat_rows(chat_id)]


async def test_the_user_downloads_the_conversation_without_agents_only_notes(client: TestClient):
    chat = await conversation(client)
    path = f"/api/v1/chats/{chat['chat_id']}/transcript"
    response = await client.get(path, headers=chat["user"])
    text = await response.text()
    assert response.status == 200 and response.content_type == "text/plain"
    assert "attachment" in response.headers["Content-Disposition"]
    for line in ("Ann Smith: My VPN does not connect", "Ann Smith: Hello?",
                 "Alice Tester: Restart the client"):  # fmt: skip
        assert line in text
    assert "secret" not in text
    other = await hand_off(client, source="self_service")
    refused = await call(client, "GET", path, 403, bearer(other["user_token"]))
    assert refused["code"] == "forbidden"


async def test_the_user_asks_by_email_and_the_smtp_server_receives_it(
    aiohttp_client: Any, tmp_path: Path, inbox: Inbox
):
    client = await bridge_with(aiohttp_client, tmp_path, mail=mail_settings(inbox.port))
    chat = await conversation(client)
    chat_id = chat["chat_id"]
    path = f"/api/v1/chats/{chat_id}/transcript/email"
    queued = await call(client, "POST", path, 202, chat["user"], {"email": "ann@home.example"})
    assert queued["to"] == "ann@home.example"

    recipients, message = await inbox.next()
    assert recipients == ["ann@home.example"] and chat_id in message["Subject"]
    body = message.get_content()
    assert "Alice Tester: Restart the client" in body and "secret" not in body
    await client.server.app[mailer_key].settled(queued["seq"])
    sent = [r for r in bridge_of(client).store.chat_rows(chat_id) if r["type"] == "TranscriptSent"]
    assert [(r["payload"]["request_seq"], r["payload"]["attempts"]) for r in sent] == [
        (queued["seq"], 1)
    ]


async def test_end_chat_can_mail_the_transcript_to_the_handoffs_address(
    aiohttp_client: Any, tmp_path: Path, inbox: Inbox
):
    client = await bridge_with(aiohttp_client, tmp_path, mail=mail_settings(inbox.port))
    chat = await conversation(client)
    ended = await call(
        client, "POST", f"{A}/chats/{chat['chat_id']}/end", 200, ALICE, {"send_transcript": True}
    )
    assert ended["status"] == "closed"
    request = ended["events"][-1]
    assert (request["type"], request["payload"]["by"]) == ("TranscriptRequested", "agent")
    recipients, message = await inbox.next()
    assert recipients == ["ann@example.com"]
    assert "Alice Tester: Restart the client" in message.get_content()


async def test_refused_requests_change_nothing(aiohttp_client: Any, tmp_path: Path, inbox: Inbox):
    off = await bridge_with(aiohttp_client, tmp_path / "off")
    chat = await conversation(off)
    chat_id, before = chat["chat_id"], types(off, chat["chat_id"])
    path = f"/api/v1/chats/{chat_id}/transcript/email"
    refused = await call(off, "POST", path, 409, chat["user"], {})
    assert refused["code"] == "email_not_configured" and refused["detail"]
    end = f"{A}/chats/{chat_id}/end"
    refused = await call(off, "POST", end, 409, ALICE, {"send_transcript": True})
    assert refused["code"] == "email_not_configured"
    assert types(off, chat_id) == before  # nothing written ...
    assert bridge_of(off).engine.chat_state(chat_id) == "assigned"  # ... and not ended

    on = await bridge_with(
        aiohttp_client, tmp_path / "on", mail=mail_settings(inbox.port, max_per_chat=1)
    )
    nobody = await conversation(on, customer={"id": "c9", "name": "No Mail"})
    path = f"/api/v1/chats/{nobody['chat_id']}/transcript/email"
    before = types(on, nobody["chat_id"])
    for body, status, code in (({}, 409, "no_email_address"),
                               ({"email": "not an address"}, 422, "invalid_body")):  # fmt: skip
        refused = await call(on, "POST", path, status, nobody["user"], body)
        assert refused["code"] == code
    assert types(on, nobody["chat_id"]) == before
    await call(on, "POST", path, 202, nobody["user"], {"email": "x@example.com"})
    await inbox.next()
    refused = await call(on, "POST", path, 409, nobody["user"], {"email": "y@example.com"})
    assert refused["code"] == "transcript_limit_reached"
    assert types(on, nobody["chat_id"]).count("TranscriptRequested") == 1


async def test_a_refusing_server_is_retried_and_the_outcome_recorded(
    aiohttp_client: Any, tmp_path: Path
):
    flaky = await Inbox(refuse=1).start()
    client = await bridge_with(aiohttp_client, tmp_path, mail=mail_settings(flaky.port, attempts=2))
    chat = await conversation(client)
    path = f"/api/v1/chats/{chat['chat_id']}/transcript/email"
    first = await call(client, "POST", path, 202, chat["user"], {})
    await flaky.next()
    mailer = client.server.app[mailer_key]
    await mailer.settled(first["seq"])
    flaky.handler.refuse, flaky.handler.refused = 5, 0  # now it refuses every try
    second = await call(client, "POST", path, 202, chat["user"], {})
    await mailer.settled(second["seq"])
    outcomes = [(r["type"], r["payload"]["request_seq"], r["payload"]["attempts"])
                for r in bridge_of(client).store.chat_rows(chat["chat_id"])
                if r["type"] in ("TranscriptSent", "TranscriptFailed")]  # fmt: skip
    assert outcomes == [
        ("TranscriptSent", first["seq"], 2), ("TranscriptFailed", second["seq"], 2)
    ]  # fmt: skip
    await flaky.close()


async def test_a_request_the_bridge_stopped_before_sending_is_sent_after_a_restart(
    aiohttp_client: Any, tmp_path: Path, inbox: Inbox
):
    mute = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)  # accepts, never speaks
    mute_port = mute.sockets[0].getsockname()[1]
    db = tmp_path / "events.db"
    client = await aiohttp_client(make_app(make_settings(db, mail=mail_settings(mute_port))))
    chat = await conversation(client)
    path = f"/api/v1/chats/{chat['chat_id']}/transcript/email"
    queued = await call(client, "POST", path, 202, chat["user"], {})
    await client.close()  # the mailer is still waiting for the mute server's greeting
    mute.close()

    again = await aiohttp_client(make_app(make_settings(db, mail=mail_settings(inbox.port))))
    recipients, _ = await inbox.next()
    assert recipients == ["ann@example.com"]
    await again.server.app[mailer_key].settled(queued["seq"])
    assert types(again, chat["chat_id"]).count("TranscriptSent") == 1
