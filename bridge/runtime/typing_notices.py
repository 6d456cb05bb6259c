"""Typing notices: ephemeral, rate-limited, fanned out over the open streams, never stored.

A notice is shaped like a row with ``seq`` None (``{"seq": None, "type": "Typing", ...}``), so
the hub carries it with committed rows but no stream counts it, a resumed stream never replays
it and no report sees it. The user's streams get the agent's notices; an agent's stream gets the
user's notices of the chats the agent holds. Clients clear the indicator on ``typing: false``,
on the next message from that side, or after ``EXPIRES`` seconds without a notice.

A chat handed over by a virtual agent gets the agent's notices as callbacks: a Bot Framework
conversation as ``typing`` activities (channels without typing left out), a ``callback_url`` as
the notice itself. Best effort: a lost notice is harmless, so they go through the delivery's
in-memory queue (in order with the chat's other callbacks), not the durable outbox.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bridge.feedback_settings import TypingSettings
from bridge.store import Row

from .handoff_status import DETAIL_KEY, activities_url, message_activity
from .ratelimit import TokenBuckets, check

if TYPE_CHECKING:
    from .bridge import Bridge
    from .projection import ChatMeta

TYPING = "Typing"  # a stream message, not an event type
EXPIRES = 6.0  # seconds a client shows "typing" after the last notice
SIDES = ("user", "agent")
# Bot Framework channels that show no typing indicator: nothing is sent to them.
NO_TYPING_CHANNELS = frozenset({"email", "sms", "groupme", "kik"})


def notice(
    chat_id: str, sender: str, typing: bool, at: float, agent_id: str | None = None, name: str = ""
) -> Row:
    return {
        "seq": None,
        "at": at,
        "type": TYPING,
        "chat_id": chat_id,
        "agent_id": agent_id,
        "payload": {"sender": sender, "typing": typing, "name": name, "expires": EXPIRES},
    }


def is_notice(row: Row) -> bool:
    return row["seq"] is None and row["type"] == TYPING


def for_user(row: Row) -> Row | None:
    """The user sees the agent's notices only (never their own echoed back)."""
    return row if row["payload"]["sender"] == "agent" else None


def for_agent(row: Row, agent_id: str, holder: str | None) -> bool:
    """An agent sees the user's notices of the chats it holds."""
    return row["payload"]["sender"] == "user" and holder == agent_id


class TypingNotices:
    """Rate limit per chat and side, then publish; ``clock`` is monotonic (tests inject one)."""

    def __init__(self, settings: TypingSettings, clock: Callable[[], float] = time.monotonic):
        self._buckets = TokenBuckets(settings.rate, settings.burst, clock)

    def send(self, bridge: Bridge, row: Row) -> None:
        """Publish the notice, or raise ``RateLimited`` (429) and publish nothing."""
        payload = row["payload"]
        if payload["typing"]:  # "stopped typing" always passes: it only clears an indicator
            check(self._buckets, f"{row['chat_id']}|{payload['sender']}", "typing notices")
        bridge.hub.signal(row)
        meta = bridge.projection.get(row["chat_id"])
        if meta is not None and payload["sender"] == "agent":
            _relay(bridge, meta, row)


def _relay(bridge: Bridge, meta: ChatMeta, row: Row) -> None:
    """The agent's notice to a virtual agent's platform, if it has one that shows typing."""
    reference = meta.detail.get(DETAIL_KEY)
    shows = reference and reference.get("channel_id") not in NO_TYPING_CHANNELS
    if shows and row["payload"]["typing"]:
        activity = typing_activity(reference, row["payload"]["name"])
        url = activities_url(reference)
        bridge.delivery.submit(meta.chat_id, url, activity, meta.origin, activity["id"])
    if meta.callback_url is not None and bridge.source_secret(meta.origin) is not None:
        msg_id = f"typing-{uuid.uuid4().hex}"
        bridge.delivery.submit(meta.chat_id, meta.callback_url, row, meta.origin, msg_id)


def typing_activity(reference: dict[str, Any], agent: str) -> dict[str, Any]:
    """A Bot Framework ``typing`` activity from the agent (no text), like a message's shape."""
    activity = message_activity(reference, "", agent or "Agent")
    activity["type"] = "typing"
    activity.pop("text", None)
    return activity
