"""What the bridge remembers about each chat beyond routing state, rebuilt from the log.

The engine knows where a chat is now; streams resuming from an old ``seq`` need to know where
it was then (which queue, which agent held it) to decide who may see a row, and the user's
view of ``ChatAssigned`` names the agent as they were called at that moment. A chat's ``trail``
records those transitions, so one rule serves live fan-out and replayed backlogs alike.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bridge.engine.events import (
    ChatAssigned,
    ChatClosed,
    ChatOpened,
    ChatOverflowed,
    ChatRequeued,
    ChatTransferred,
    SupervisorJoined,
)
from bridge.store import Row


@dataclass(slots=True)
class ChatMeta:
    chat_id: str
    source: str  # self_service or virtual_agent
    company: str
    question: str
    created_at: float
    detail: dict[str, Any]
    origin: str | None = None  # the configured source (API key) that created it
    callback_url: str | None = None
    # (seq, queue, holding agent) in force from that seq on.
    trail: list[tuple[int, str, str | None]] = field(default_factory=list)
    agent_names: dict[int, str] = field(default_factory=dict)  # ChatAssigned seq -> name
    # Supervisors who barged in -> how the user is shown their messages (issue 16 item 7).
    supervisor_names: dict[str, str] = field(default_factory=dict)
    closed_at: float | None = None  # when ChatClosed was logged (the survey window runs from it)

    def at(self, seq: int) -> tuple[str, str | None]:
        """The queue and holder in force when row ``seq`` happened (before it applied)."""
        index = bisect_right(self.trail, seq, key=lambda step: step[0]) - 1
        if index >= 0 and self.trail[index][0] == seq:
            index -= 1
        _, queue, holder = self.trail[max(index, 0)]
        return queue, holder

    @property
    def customer(self) -> dict[str, Any]:
        return dict(self.detail.get("customer") or {})

    def _move(self, seq: int, queue: str | None = None, holder: str | None = None) -> None:
        _, old_queue, _ = self.trail[-1]
        self.trail.append((seq, queue or old_queue, holder))


class Projection:
    """Chat metadata by id; ``apply`` sees every row once, in seq order."""

    def __init__(self) -> None:
        self.chats: dict[str, ChatMeta] = {}

    def get(self, chat_id: str) -> ChatMeta | None:
        return self.chats.get(chat_id)

    def set_origin(self, chat_id: str, origin: str, callback_url: str | None) -> None:
        meta = self.chats.get(chat_id)
        if meta is not None:
            meta.origin, meta.callback_url = origin, callback_url

    def apply(self, row: Row, name_of: Callable[[str], str]) -> None:
        kind, chat_id, seq, p = row["type"], row["chat_id"], row["seq"], row["payload"]
        if kind == ChatOpened.__name__:
            detail = p.get("detail") or {}
            meta = ChatMeta(
                chat_id,
                p["source"],
                p["company"],
                p.get("question", ""),
                row["at"],
                detail,
                detail.get("origin"),
            )
            meta.trail.append((seq, p["queue"], None))
            self.chats[chat_id] = meta
            return
        meta = self.chats.get(chat_id) if chat_id is not None else None
        if meta is None:
            return
        if kind == ChatAssigned.__name__:
            meta._move(seq, holder=row["agent_id"])
            meta.agent_names[seq] = name_of(row["agent_id"])
        elif kind == SupervisorJoined.__name__:
            meta.supervisor_names[row["agent_id"]] = f"{name_of(row['agent_id'])} (supervisor)"
        elif kind == ChatTransferred.__name__:
            meta._move(seq, queue=p.get("to_queue"))
        elif kind == ChatOverflowed.__name__:
            meta._move(seq, queue=p["to_queue"])
        elif kind == ChatRequeued.__name__:
            meta._move(seq, queue=p["queue"])
        elif kind == ChatClosed.__name__:
            meta._move(seq)
            meta.closed_at = row["at"]
