"""Who sees which row: the user's stream and callbacks, and an agent's notifications.

Pure functions of a row and the chat's ``ChatMeta`` (where the chat was at that seq), so live
fan-out and a resumed backlog apply exactly the same rule.
"""

from __future__ import annotations

from collections.abc import Collection

from bridge.engine.events import (
    AUDIENCE_ALL,
    ArticleShared,
    ChatAssigned,
    ChatCancelled,
    ChatClosed,
    ChatOffered,
    ChatOpened,
    ChatOverflowed,
    ChatRelaxed,
    ChatRequeued,
    ChatTransferred,
    MessagePosted,
    MessagesRead,
    NoteAdded,
    OfferEnded,
    ScreenShareOffered,
    SupervisorJoined,
    SupervisorReassigned,
    SupervisorTookOver,
    SupervisorWhispered,
    SurveyAnswered,
    SystemMessage,
    TicketLinked,
    TicketStatusChanged,
)
from bridge.store import Row

from .projection import ChatMeta

USER_TYPES = frozenset(
    {
        ChatAssigned.__name__,
        MessagePosted.__name__,
        SystemMessage.__name__,
        ArticleShared.__name__,
        ScreenShareOffered.__name__,
        ChatTransferred.__name__,
        ChatClosed.__name__,
        ChatCancelled.__name__,
        MessagesRead.__name__,
        SurveyAnswered.__name__,
    }
)
# Rows that concern an agent through the queue the chat sat in (so the console's counts move).
# Issue 13: offers and relaxation change what every agent of the queue sees on the item.
_QUEUE_TYPES = frozenset(
    {
        ChatAssigned.__name__,
        ChatClosed.__name__,
        ChatCancelled.__name__,
        ChatOffered.__name__,
        OfferEnded.__name__,
        ChatRelaxed.__name__,
    }
)
# Conversation rows that concern the agent holding the chat.
_HOLDER_TYPES = frozenset(
    {
        MessagePosted.__name__,
        SystemMessage.__name__,
        ArticleShared.__name__,
        ScreenShareOffered.__name__,
        NoteAdded.__name__,
        ChatCancelled.__name__,
        ChatClosed.__name__,
        TicketLinked.__name__,
        TicketStatusChanged.__name__,
        MessagesRead.__name__,
        # Supervision: a whisper is for the holder (never the user: not in USER_TYPES).
        SupervisorWhispered.__name__,
        SupervisorJoined.__name__,
        SupervisorTookOver.__name__,
        SupervisorReassigned.__name__,
    }
)


def user_view(row: Row, meta: ChatMeta) -> Row | None:
    """The row as the chat's user may see it, or None: notes and agents-only text never go."""
    kind = row["type"]
    if kind not in USER_TYPES:
        return None
    payload = row["payload"]
    if kind == SystemMessage.__name__ and payload.get("audience") != AUDIENCE_ALL:
        return None
    if kind == ChatAssigned.__name__:
        payload = {**payload, "agent_name": meta.agent_names.get(row["seq"], row["agent_id"])}
    elif kind == ChatTransferred.__name__:
        payload = {k: v for k, v in payload.items() if k != "note"}
    elif kind == MessagePosted.__name__ and row["agent_id"] in meta.supervisor_names:
        payload = {**payload, "agent_name": meta.supervisor_names[row["agent_id"]]}
    return {
        "seq": row["seq"],
        "at": row["at"],
        "type": kind,
        "chat_id": row["chat_id"],
        "agent_id": row["agent_id"],
        "payload": payload,
    }


def in_agent_history(row: Row, agent_id: str, supervises: bool) -> bool:
    """Whether an agent who sees the chat gets this row in its history: every row but a
    whisper, which is for its supervisor, the agent it went to, and the chat's supervisors."""
    if row["type"] != SupervisorWhispered.__name__:
        return True
    return supervises or agent_id in (row["agent_id"], row["payload"].get("to_agent"))


def concerns_agent(row: Row, agent_id: str, queues: Collection[str], meta: ChatMeta | None) -> bool:
    """New chats in my queues, my chats' conversation, transfers to me, counts-moving rows."""
    if row["agent_id"] == agent_id:
        return True
    if meta is None:
        return False
    kind, payload = row["type"], row["payload"]
    if kind == ChatOpened.__name__:
        return payload["queue"] in queues
    if kind == ChatOverflowed.__name__:
        return payload["to_queue"] in queues or payload["from_queue"] in queues
    if kind == ChatRequeued.__name__:
        return payload["queue"] in queues
    if kind == ChatTransferred.__name__:
        return payload["to_agent"] == agent_id or payload["to_queue"] in queues
    queue, holder = meta.at(row["seq"])
    if kind in _HOLDER_TYPES and holder == agent_id:
        return True
    return kind in _QUEUE_TYPES and queue in queues
