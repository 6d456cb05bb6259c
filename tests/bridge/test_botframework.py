"""The Bot Framework handoff protocol, with wire JSON made by Microsoft's botbuilder-schema.

These run with ``botframework.auth: false`` (the development mode: the source's X-API-Key, no
tokens); ``test_botframework_auth`` runs the channel with Bot Connector tokens both ways.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    Transcript,
)
from standardwebhooks import Webhook

from bridge.http import handoffs
from bridge.http.botframework import HandoffActivity, to_handoff
from bridge.settings import Settings

from .support import (
    CALLBACK_SECRET,
    OTHER_KEY,
    QUEUES,
    SOURCE_KEY,
    accept,
    agent_headers,
    bearer,
    bridge_of,
    call,
    make_settings,
)

# The route reuses the JSON handoff's idempotent path, ``handoffs.hand_off``.
through_the_bridge = pytest.mark.skipif(
    not hasattr(handoffs, "hand_off"), reason="waits for handoffs.hand_off(..., extra=)"
)
ALICE = agent_headers("alice", ("Acme/GENERAL", "Acme/NETWORK"))
URL = "/api/v1/botframework/activities"
USER = ChannelAccount(id="user-42", name="Ann Smith", role="user")
BOT = ChannelAccount(id="it-help-bot", name="IT Help", role="bot")


def handoff_initiation(turn: Activity, context: Any, transcript: Transcript) -> Activity:
    """``EventFactory.createHandoffInitiation`` of the Bot Framework SDK, step by step.

    The Python SDK ships the schema but not this factory; the JS and .NET factories build the
    event exactly so: an event named handoff.initiate, the context as value, the transcript as
    an ``application/json`` attachment named "Transcript", and the turn's from, conversation
    reference, id, serviceUrl and channelId.
    """
    event = Activity(
        type=ActivityTypes.event,
        name="handoff.initiate",
        value=context,
        id=str(uuid4()),
        timestamp=datetime.now(UTC),
        local_timezone="UTC",
        conversation=turn.conversation,
        attachments=[],
        entities=[],
    )
    event.from_property = turn.from_property
    event.relates_to = turn.get_conversation_reference()
    event.reply_to_id = turn.id
    event.service_url = turn.service_url
    event.channel_id = turn.channel_id
    event.attachments.append(
        Attachment(content=transcript, content_type="application/json", name="Transcript")
    )
    return event


def wire(
    service_url: str,
    context: dict[str, Any],
    conversation: str = "conv-1",
    extra: list[Attachment] = (),
) -> dict[str, Any]:
    """A handoff.initiate activity as the SDK serializes it."""

    def said(who: ChannelAccount, text: str) -> Activity:
        return Activity(
            type=ActivityTypes.message,
            text=text,
            from_property=who,
            conversation=ConversationAccount(id=conversation),
        )

    turn = Activity(
        type=ActivityTypes.message,
        id="turn-9",
        text="talk to a human",
        from_property=USER,
        recipient=BOT,
        channel_id="webchat",
        locale="en-US",
        conversation=ConversationAccount(id=conversation),
        service_url=service_url,
    )
    transcript = Transcript(
        activities=[
            said(USER, "My VPN keeps dropping"),
            said(BOT, "Have you restarted the client?"),
            said(USER, "Yes, twice"),
            Activity(type=ActivityTypes.typing, from_property=BOT),
        ]
    )
    event = handoff_initiation(turn, context, transcript)
    event.attachments += list(extra)
    return event.serialize()


class Receiver:
    """The bot side: collects the activities the bridge posts to the conversation."""

    def __init__(self) -> None:
        self.inbox: asyncio.Queue[tuple[str, dict[str, str], bytes]] = asyncio.Queue()
        self.app = web.Application()
        self.app.router.add_post("/v3/conversations/{conversation}/activities", self.post)

    async def post(self, request: web.Request) -> web.Response:
        await self.inbox.put(
            (request.match_info["conversation"], dict(request.headers), await request.read())
        )
        return web.json_response({"id": "ok"})

    async def next(self) -> tuple[str, Activity]:
        conversation, headers, body = await asyncio.wait_for(self.inbox.get(), 5)
        Webhook(CALLBACK_SECRET).verify(body, headers)  # Standard Webhooks, as any receiver
        return conversation, Activity().deserialize(json.loads(body))

    async def said(self) -> Activity:
        """The next message an agent wrote (skipping statuses and the hub's notices)."""
        while True:
            _, activity = await self.next()
            if activity.type == "message" and activity.from_property.name != "Live chat":
                return activity

    async def status(self) -> tuple[str, dict[str, Any]]:
        """The next handoff.status event (skipping relayed agent messages)."""
        while True:
            conversation, activity = await self.next()
            if activity.name == "handoff.status":
                return conversation, activity.value


@pytest.fixture
async def bot(aiohttp_server: Any) -> tuple[Receiver, str]:
    receiver = Receiver()
    server: TestServer = await aiohttp_server(receiver.app)
    return receiver, str(server.make_url("/"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    queues: dict[str, Any] = {key: {} for key in QUEUES}
    queues["Acme/NIGHT"] = {"hours": {"timezone": "UTC", "weekly": {}}}  # never open
    queues["Acme/BRIEF"] = {"max_wait": 0.05}  # no agent answers in time: closed
    return make_settings(
        tmp_path / "events.db",
        engine={"auto_accept": False, "strict_queues": True, "queues": queues},
        botframework={"auth": False},
    )


async def initiate(
    client: TestClient, body: dict[str, Any], status: int = 201, key: str = SOURCE_KEY
) -> dict[str, Any]:
    return await call(client, "POST", URL, status, {"X-API-Key": key}, body)


def test_the_sdk_activity_maps_to_a_virtual_agent_handoff():
    body = wire(
        "https://bot.example.com/", {"company": "Acme", "skill": "NETWORK", "intent": "vpn"}
    )
    handoff = to_handoff(HandoffActivity.model_validate(body))
    assert (handoff.source, handoff.company, handoff.queue) == ("virtual_agent", "Acme", "NETWORK")
    assert (handoff.customer.id, handoff.customer.name) == ("user-42", "Ann Smith")
    assert [(line.sender, line.text) for line in handoff.transcript] == [
        ("user", "My VPN keeps dropping"), ("bot", "Have you restarted the client?"),
        ("user", "Yes, twice")]  # fmt: skip
    assert handoff.question == "Yes, twice" and handoff.attachments == []
    assert handoff.context is not None and handoff.context.language == "en-US"


@through_the_bridge
async def test_a_round_trip_initiate_accepted_completed(client: TestClient, bot: Any):
    receiver, service_url = bot
    body = wire(service_url, {"company": "Acme", "skill": "NETWORK"})
    answer = await initiate(client, body)
    chat_id = answer["chat_id"]
    assert (answer["status"], answer["queue"]) == ("queued", "Acme/NETWORK")
    again = await initiate(client, body, status=200)
    assert again["chat_id"] == chat_id, "the conversation id is the idempotency key"
    history = await accept(client, chat_id, ALICE)
    opened = history["history"][0]["payload"]["detail"]
    assert opened["transcript"][0]["text"] == "My VPN keeps dropping"

    conversation, status = await receiver.status()
    assert (conversation, status["state"], status["chatId"]) == ("conv-1", "accepted", chat_id)
    await call(
        client,
        "POST",
        f"/api/v1/agent/chats/{chat_id}/messages",
        201,
        ALICE,
        {"text": "Hi Ann, Alice here"},
    )
    relayed = await receiver.said()
    assert (relayed.type, relayed.text, relayed.from_property.name) == (
        "message",
        "Hi Ann, Alice here",
        "Alice Tester",
    )
    await call(client, "POST", f"/api/v1/agent/chats/{chat_id}/end", headers=ALICE)
    _, status = await receiver.status()
    assert status["state"] == "completed"


@through_the_bridge
async def test_a_handoff_to_a_closed_queue_fails_with_its_reason(client: TestClient, bot: Any):
    receiver, service_url = bot
    refused = await initiate(client, wire(service_url, {"company": "Acme", "skill": "NIGHT"}), 409)
    assert refused["code"] == "queue_closed"
    _, status = await receiver.status()
    assert (status["state"], status["message"]) == ("failed", "queue_closed")
    assert bridge_of(client).engine.chats == {}


@through_the_bridge
async def test_a_chat_nobody_answers_in_time_fails_as_no_agent(client: TestClient, bot: Any):
    receiver, service_url = bot
    await initiate(client, wire(service_url, {"company": "Acme", "skill": "BRIEF"}))
    _, status = await receiver.status()
    assert (status["state"], status["message"]) == ("failed", "no_agent")


@through_the_bridge
async def test_a_user_who_cancels_while_waiting_ends_the_handoff_as_cancelled(
    client: TestClient, bot: Any
):
    receiver, service_url = bot
    answer = await initiate(client, wire(service_url, {"company": "Acme"}))
    await call(
        client,
        "POST",
        f"/api/v1/chats/{answer['chat_id']}/cancel",
        headers=bearer(answer["user_token"]),
    )
    _, status = await receiver.status()
    assert (status["state"], status["message"]) == ("failed", "cancelled")


@through_the_bridge
async def test_any_attachment_besides_the_transcript_is_refused_and_nothing_is_kept(
    client: TestClient, bot: Any
):
    _, service_url = bot
    photo = Attachment(
        content_type="image/png", content_url="https://x.example/p.png", name="screenshot.png"
    )
    refused = await initiate(client, wire(service_url, {"company": "Acme"}, extra=[photo]), 422)
    assert refused["code"] == "attachments_not_allowed"
    bridge = bridge_of(client)
    assert bridge.engine.chats == {} and bridge.store.counts()["events"] == 0


@through_the_bridge
async def test_an_activity_that_is_neither_a_handoff_nor_a_message_is_refused(
    client: TestClient,
):
    message = Activity(
        type=ActivityTypes.invoke,
        name="handoff.initiate",
        from_property=USER,
        conversation=ConversationAccount(id="c"),
        service_url="https://bot.example.com",
    ).serialize()
    refused = await initiate(client, message, 422)
    assert refused["code"] == "invalid_body"


@through_the_bridge
async def test_a_source_without_a_callback_secret_cannot_use_the_protocol(
    client: TestClient, bot: Any
):
    _, service_url = bot
    refused = await initiate(client, wire(service_url, {"company": "Acme"}), 422, OTHER_KEY)
    assert refused["code"] == "callback_not_allowed"
