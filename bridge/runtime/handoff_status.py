"""Bot Framework handoff answers: ``handoff.status`` events (and the agent's side of the chat).

A chat handed over by a ``handoff.initiate`` activity keeps the bot conversation's reference
in ``ChatOpened.detail["botframework"]`` (durable: it is in the log). For each committed row
the bridge posts Bot Framework activities to the conversation, the way a Bot Framework agent
hub answers: ``POST {serviceUrl}/v3/conversations/{conversation.id}/activities``, signed with
the source's callback secret, checked against its allow-list (``bridge.webhooks``: when the
activity arrives and before each attempt) and retried by ``CallbackDelivery``. ``outgoing``
is the rule: the bridge's writer applies it in the commit that holds the row, so an answer goes
to the callback outbox with its row and survives a crash; the activity's ``id`` is the
delivery id (and the ``webhook-id``).

* the chat's *first* ``ChatAssigned`` -> ``handoff.status`` ``{"state": "accepted"}``;
* ``ChatClosed`` after an agent held the chat -> ``{"state": "completed"}``;
* ``ChatClosed`` before any agent did -> ``{"state": "failed", "message": <reason>}``
  (``cancelled``, ``no_agent``); a handoff refused outright (``queue_closed``, ...) is
  answered with its error and the same ``failed`` event;
* the agent's messages and shared articles -> ``message`` activities, so the bot can relay
  them to the user;
* notices the user is meant to see (an agent joined, the chat was transferred or ended) ->
  ``message`` activities from the hub.

Each post carries the bot's bearer token, added at delivery (``connector_auth``).

Activities have the shape of the Bot Framework SDK's ``EventFactory.createHandoffStatus``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from bridge.engine.events import (
    AUDIENCE_ALL,
    ArticleShared,
    ChatAssigned,
    ChatClosed,
    MessagePosted,
    ScreenShareOffered,
    SystemMessage,
)
from bridge.store import Row

from .callbacks import delivery_id
from .projection import ChatMeta

if TYPE_CHECKING:
    from .bridge import Bridge

DETAIL_KEY = "botframework"
HUB = {"id": "livechat-bridge", "name": "Live chat", "role": "bot"}
ACCEPTED, FAILED, COMPLETED = "accepted", "failed", "completed"


def activities_url(reference: dict[str, Any]) -> str:
    """The Bot Framework Connector route that posts an activity into the conversation."""
    base = str(reference["service_url"]).rstrip("/")
    return f"{base}/v3/conversations/{quote(reference['conversation']['id'], safe='')}/activities"


def _activity(reference: dict[str, Any], kind: str, **fields: Any) -> dict[str, Any]:
    activity = {
        "type": kind,
        "id": str(uuid.uuid4()),
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "serviceUrl": str(reference["service_url"]),
        "channelId": reference.get("channel_id"),
        "from": HUB,
        "conversation": reference["conversation"],
        "recipient": reference.get("user"),
        "attachments": [],
        "entities": [],
        **fields,
    }
    return {key: value for key, value in activity.items() if value is not None}


def status_activity(
    reference: dict[str, Any], state: str, message: str | None = None, chat_id: str | None = None
) -> dict[str, Any]:
    value: dict[str, Any] = {"state": state}
    if message is not None:
        value["message"] = message
    if chat_id is not None:
        value["chatId"] = chat_id
    return _activity(reference, "event", name="handoff.status", value=value)


def message_activity(reference: dict[str, Any], text: str, agent: str) -> dict[str, Any]:
    return _activity(
        reference, "message", text=text, **{"from": {"id": HUB["id"], "name": agent, "role": "bot"}}
    )


def answer_for(row: Row, meta: ChatMeta, reference: dict[str, Any]) -> dict[str, Any] | None:
    """The activity a committed row of a Bot Framework chat becomes, if any."""
    kind, payload, chat_id = row["type"], row["payload"], row["chat_id"]
    if kind == ChatAssigned.__name__ and min(meta.agent_names) == row["seq"]:
        return status_activity(reference, ACCEPTED, chat_id=chat_id)
    if kind == ChatClosed.__name__:
        if row["agent_id"] is not None:
            return status_activity(reference, COMPLETED, chat_id=chat_id)
        return status_activity(reference, FAILED, payload["reason"], chat_id)
    if kind == MessagePosted.__name__ and payload["sender"] == "agent":
        return message_activity(reference, payload["text"], _name(meta, row))
    if kind == SystemMessage.__name__ and payload.get("audience") == AUDIENCE_ALL:
        return message_activity(reference, payload["text"], HUB["name"])
    if kind == ArticleShared.__name__:
        text = f"{payload['title']}: {payload['url']}"
        return message_activity(reference, text, _name(meta, row))
    if kind == ScreenShareOffered.__name__:
        return message_activity(reference, f"Screen sharing: {payload['url']}", _name(meta, row))
    return None


def outgoing(row: Row, meta: ChatMeta) -> tuple[str, dict[str, Any]] | None:
    """Where and what a committed row of a Bot Framework chat posts, if anything."""
    reference = meta.detail.get(DETAIL_KEY)
    if not reference:
        return None
    activity = answer_for(row, meta, reference)
    if activity is None:
        return None
    activity["id"] = delivery_id(row["chat_id"], row["seq"])
    return activities_url(reference), activity


def _name(meta: ChatMeta, row: Row) -> str:
    if row["agent_id"] in meta.supervisor_names:  # a supervisor who barged in
        return meta.supervisor_names[row["agent_id"]]
    names = [name for seq, name in meta.agent_names.items() if seq <= row["seq"]]
    return names[-1] if names else "Agent"


class HandoffStatusNotifier:
    """Answers that belong to no committed row (a handoff refused outright).

    Rows are answered durably by the bridge's outbox (see ``outgoing``).
    """

    def __init__(self, bridge: Bridge) -> None:
        self._bridge = bridge

    def send(
        self, origin: str | None, key: str, reference: dict[str, Any], activity: dict[str, Any]
    ) -> None:
        """Signed and checked like every callback; the activity's id is its ``webhook-id``."""
        url = activities_url(reference)
        self._bridge.delivery.submit(key, url, activity, origin, activity["id"])
