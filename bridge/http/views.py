"""Answers built from engine state plus chat metadata: what users and agents are shown."""

from __future__ import annotations

from typing import Any

from bridge.engine.errors import UnknownChat
from bridge.engine.views import ChatView
from bridge.runtime import Bridge
from bridge.runtime.runner import agent_name
from bridge.runtime.views import in_agent_history, user_view
from bridge.store import Row


def waiting_info(bridge: Bridge, chat_id: str) -> tuple[int | None, float | None]:
    """Position and estimated wait (seconds, 0.1 s steps) of a waiting chat, else None."""
    position = bridge.engine.position(chat_id)
    if position is None:
        return None, None
    wait = bridge.engine.estimated_wait(chat_id)
    return position, None if wait is None else round(wait, 1)


def chat_of(bridge: Bridge, chat_id: str) -> ChatView:
    chat = bridge.engine.chat_view(chat_id)
    if chat is None:
        raise UnknownChat(f"no chat {chat_id!r}")
    return chat


def chat_status(bridge: Bridge, chat_id: str) -> dict[str, Any]:
    """The user's view of where the chat stands."""
    chat = chat_of(bridge, chat_id)
    position, wait = waiting_info(bridge, chat_id)
    agent = None
    if chat.agent_id is not None:
        agent = {"screen_name": agent_name(bridge.engine, chat.agent_id)}
    return {
        "chat_id": chat_id,
        "status": chat.state,
        "queue": chat.queue,
        "position": position,
        "estimated_wait": wait,
        "agent": agent,
        "user_cancelled": chat.user_cancelled,
        "closed_reason": chat.closed_reason,
    }


def handoff_answer(bridge: Bridge, chat_id: str) -> dict[str, Any]:
    status = chat_status(bridge, chat_id)
    answer = {
        key: status[key] for key in ("chat_id", "status", "queue", "position", "estimated_wait")
    }
    answer["user_token"] = bridge.signer.user_token(chat_id)
    if status["agent"] is not None:
        answer["agent"] = status["agent"]
    return answer


def summary(bridge: Bridge, chat_id: str) -> dict[str, Any]:
    """A chat as listed on the agent console."""
    chat = chat_of(bridge, chat_id)
    meta = bridge.projection.get(chat_id)
    customer = meta.customer if meta is not None else {}
    position, _ = waiting_info(bridge, chat_id)
    return {
        "chat_id": chat_id,
        "source": chat.source,
        "company": chat.company,
        "queue": chat.queue,
        "question": meta.question if meta is not None else "",
        "customer": {"id": customer.get("id", chat.customer_id), "name": customer.get("name")},
        "created_at": chat.created_at,
        "waiting_since": chat.enqueued_at if position is not None else None,
        "position": position,
        "transferred": chat.transferred,
        "user_cancelled": chat.user_cancelled,
        "status": chat.state,
        "agent_id": chat.agent_id,
        "priority": chat.priority,
        "skills": chat.skills,
        "offered_to": chat.offered_to,
        "retrial_of": chat.retrial_of,
    }


def chat_with_history(bridge: Bridge, chat_id: str, agent_id: str) -> dict[str, Any]:
    """The chat and its history as ``agent_id`` may read it (whispers: ``in_agent_history``)."""
    supervises = bridge.engine.supervisor_reaches(chat_id, agent_id)
    rows = bridge.store.chat_rows(chat_id)
    history = [r for r in rows if in_agent_history(r, agent_id, supervises)]
    return {"chat": summary(bridge, chat_id), "history": history}


def user_rows(bridge: Bridge, chat_id: str, since: int) -> list[Row]:
    """The chat's committed rows after ``since`` that its user may see, seq ascending."""
    meta = bridge.projection.get(chat_id)
    if meta is None:
        return []
    views = (user_view(row, meta) for row in bridge.store.chat_rows(chat_id, since))
    return [view for view in views if view is not None]
