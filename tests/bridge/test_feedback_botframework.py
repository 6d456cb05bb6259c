"""Typing both ways on a Bot Framework conversation (issue 16 item 2): the agent's typing goes to
the conversation as a ``typing`` activity; the user's ``typing`` activity reaches the agent."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from botbuilder.schema import Activity, ActivityTypes, ConversationAccount

from .support import SOURCE_KEY, accept, call
from .test_botframework import (  # noqa: F401 (fixtures used by name)
    ALICE,
    URL,
    USER,
    bot,
    initiate,
    settings,
    wire,
)
from .test_feedback import typing_of
from .test_streams import agent_stream, receive_until


async def accepted(client: TestClient, service_url: str) -> str:
    answer = await initiate(client, wire(service_url, {"company": "Acme", "skill": "NETWORK"}))
    await accept(client, answer["chat_id"], ALICE)
    return answer["chat_id"]


def typing_activity(service_url: str, conversation: str = "conv-1") -> dict[str, Any]:
    return Activity(
        type=ActivityTypes.typing,
        from_property=USER,
        conversation=ConversationAccount(id=conversation),
        service_url=service_url,
        channel_id="webchat",
    ).serialize()


async def test_the_agents_typing_reaches_the_conversation_as_a_typing_activity(
    client: TestClient,
    bot: Any,  # noqa: F811
):
    receiver, service_url = bot
    chat_id = await accepted(client, service_url)
    await call(client, "POST", f"/api/v1/agent/chats/{chat_id}/typing", 202, ALICE, {})
    while True:
        conversation, activity = await receiver.next()  # signed like every callback
        if activity.type == "typing":
            break
    assert conversation == "conv-1" and activity.from_property.name == "Alice Tester"
    assert activity.text is None and activity.recipient.id == USER.id


async def test_the_users_typing_activity_is_shown_to_the_agent(
    client: TestClient,
    bot: Any,  # noqa: F811
):
    _, service_url = bot
    chat_id = await accepted(client, service_url)
    ws = await agent_stream(client, ALICE)
    await receive_until(ws, lambda got: any(m.get("type") == "Counts" for m in got))
    answer = await call(
        client, "POST", URL, 202, {"X-API-Key": SOURCE_KEY}, typing_activity(service_url)
    )
    assert answer == {"typing": True}
    got = await receive_until(ws, lambda got: typing_of(got) == [("user", True)])
    assert got[-1]["chat_id"] == chat_id
    await ws.close()
    unknown = typing_activity(service_url, "never-handed-over")
    refused = await call(client, "POST", URL, 404, {"X-API-Key": SOURCE_KEY}, unknown)
    assert refused["code"] == "unknown_conversation"
