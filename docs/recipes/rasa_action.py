"""Rasa custom actions: hand the conversation to a live agent, then relay the user's messages.

Add to the action server's actions module; set HANDOFF_BRIDGE_URL and HANDOFF_API_KEY (a
source key of the bridge). Slots: ``company`` (required), ``queue`` (optional), and the two
this action fills, ``livechat_chat_id`` and ``livechat_user_token``. Agent replies come back
on the source's ``callback_url``; verify them with ``bridge.client.webhooks.verify``.
"""

from __future__ import annotations

import os
from typing import Any

from bridge.client import LivechatClient, LivechatClientError, wait_message

try:
    from rasa_sdk import Action
except ImportError:  # the bridge's test suite runs this file without rasa installed
    Action = object  # type: ignore[assignment,misc]


def _client() -> LivechatClient:
    return LivechatClient(os.environ["HANDOFF_BRIDGE_URL"], os.environ["HANDOFF_API_KEY"])


def _slot(name: str, value: Any) -> dict[str, Any]:
    """What ``rasa_sdk.events.SlotSet(name, value)`` returns."""
    return {"event": "slot", "timestamp": None, "name": name, "value": value}


class ActionHandoffToAgent(Action):
    def name(self) -> str:
        return "action_handoff_to_agent"

    async def run(self, dispatcher: Any, tracker: Any, domain: dict) -> list[dict[str, Any]]:
        latest = tracker.latest_message
        transcript = [
            {"from": e["event"], "text": e["text"]}
            for e in tracker.events
            if e.get("event") in ("user", "bot") and e.get("text")
        ][-50:]
        try:
            async with _client() as client:
                chat = await client.handoff(
                    company=tracker.get_slot("company"),
                    queue=tracker.get_slot("queue"),
                    customer={"id": tracker.sender_id, "name": tracker.get_slot("name") or "User"},
                    question=latest.get("text") or "Live agent requested",
                    transcript=transcript,
                    context={"intent": (latest.get("intent") or {}).get("name")},
                    # A retried action for the same message gets the same chat.
                    idempotency_key=f"rasa:{tracker.sender_id}:{latest.get('message_id')}",
                )
        except LivechatClientError as exc:
            closed = exc.code == "queue_closed"
            dispatcher.utter_message(
                text="Our agents are not available right now."
                if closed
                else "Sorry, I could not reach an agent."
            )
            return []
        dispatcher.utter_message(text=wait_message(chat))
        return [
            _slot("livechat_chat_id", chat.chat_id),
            _slot("livechat_user_token", chat.user_token),
        ]


class ActionRelayToAgent(Action):
    """Run for every user message while ``livechat_chat_id`` is set (a rule or a policy)."""

    def name(self) -> str:
        return "action_relay_to_agent"

    async def run(self, dispatcher: Any, tracker: Any, domain: dict) -> list[dict[str, Any]]:
        latest = tracker.latest_message
        async with _client() as client:
            chat = client.user_chat(
                tracker.get_slot("livechat_chat_id"), tracker.get_slot("livechat_user_token")
            )
            await chat.post(latest["text"], idempotency_key=f"rasa:{latest.get('message_id')}")
        return []
