"""Amazon Lex V2 fulfilment Lambda: hand the session over to a live agent.

Attach to the intent that asks for an agent (slot ``Company``, optional ``Queue``); set
HANDOFF_BRIDGE_URL and HANDOFF_API_KEY in the function's environment. The chat id and user
token go back in the session attributes, for the channel that relays the rest of the chat.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from bridge.client import LivechatClient, LivechatClientError, wait_message


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return asyncio.run(_fulfil(event))


def _slot(slots: dict[str, Any], name: str) -> str | None:
    value = (slots.get(name) or {}).get("value") or {}
    return value.get("interpretedValue") or value.get("originalValue")


async def _fulfil(event: dict[str, Any]) -> dict[str, Any]:
    state = event["sessionState"]
    intent, attributes = state["intent"], dict(state.get("sessionAttributes") or {})
    slots = intent.get("slots") or {}
    try:
        async with LivechatClient(
            os.environ["HANDOFF_BRIDGE_URL"], os.environ["HANDOFF_API_KEY"]
        ) as client:
            chat = await client.handoff(
                company=_slot(slots, "Company") or "",
                queue=_slot(slots, "Queue"),
                customer={
                    "id": attributes.get("customer_id") or event["sessionId"],
                    "name": attributes.get("customer_name") or "User",
                },
                question=event.get("inputTranscript") or intent["name"],
                context={"intent": intent["name"], "language": event["bot"]["localeId"][:35]},
                idempotency_key=f"lex:{event['sessionId']}",  # one chat per Lex session
            )
    except LivechatClientError as exc:
        return _close(intent, attributes, "Failed", f"No agent could take the chat ({exc.code}).")
    attributes.update(livechat_chat_id=chat.chat_id, livechat_user_token=chat.user_token)
    return _close(intent, attributes, "Fulfilled", wait_message(chat))


def _close(intent: dict, attributes: dict, outcome: str, text: str) -> dict[str, Any]:
    return {
        "sessionState": {
            "sessionAttributes": attributes,
            "dialogAction": {"type": "Close"},
            "intent": {**intent, "state": outcome},
        },
        "messages": [{"contentType": "PlainText", "content": text}],
    }
