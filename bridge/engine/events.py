"""The event log schema, version 1: the single source of truth for bridge, simulator and reports.

Events are facts in the past tense. They are ``slots=True`` dataclasses, not frozen (freezing
makes each one about 3x slower to build); treat them as immutable by convention.

A stored row (``to_row``) has the same shape everywhere — the SQLite store, the WebSocket
streams, the simulator's Parquet file and the reports' DataFrames::

    {"seq": int, "at": float, "type": str, "version": int,
     "chat_id": str | None, "agent_id": str | None, "payload": {...}}

``at`` is seconds: epoch time in the bridge, simulated time in the simulator. ``type`` is the
class name, a stable identifier (never a module path). Old rows are upgraded on read by
``UPCASTERS``, keyed by ``(type, version)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

SCHEMA_VERSION = 1

# Who a system message is for: everybody in the chat, or the agents only.
AUDIENCE_ALL = "all"
AUDIENCE_AGENTS = "agents"

# Why a chat closed (ChatClosed.reason).
CLOSE_ENDED = "ended"
CLOSE_ABANDONED = "abandoned"
CLOSE_CANCELLED = "cancelled"
CLOSE_NO_AGENT = "no_agent"
CLOSE_INACTIVE = "inactive"


@dataclass(slots=True)
class Event:
    at: float


# --- chats -------------------------------------------------------------------------------


@dataclass(slots=True)
class ChatOpened(Event):
    """A source handed a chat over; it waits in ``queue`` (a queue key, ``company/NAME``)."""

    chat_id: str
    source: str
    company: str
    queue: str
    customer_id: str | None = None
    question: str = ""
    detail: dict[str, Any] | None = None


@dataclass(slots=True)
class WaitEstimated(Event):
    """What the waiting user was told on arrival: position and each estimator's wait."""

    chat_id: str
    queue: str
    position: int
    estimates: dict[str, float | None]


@dataclass(slots=True)
class ChatAssigned(Event):
    chat_id: str
    agent_id: str
    waited: float
    how: str = "auto"  # "auto" (auto-accept) or "manual" (the agent clicked Accept)


@dataclass(slots=True)
class MessagePosted(Event):
    chat_id: str
    n: int
    sender: str  # "user" or "agent"
    agent_id: str | None
    text: str
    attachments: list[dict[str, Any]] | None = None


@dataclass(slots=True)
class NoteAdded(Event):
    """A note for agents only; ``agent_id`` is None for notes the engine writes itself."""

    chat_id: str
    n: int
    agent_id: str | None
    text: str


@dataclass(slots=True)
class SystemMessage(Event):
    chat_id: str
    n: int
    kind: str  # joined, transferred, ended, overflowed, requeued, inactivity, user_cancelled
    text: str
    audience: str = AUDIENCE_ALL


@dataclass(slots=True)
class ChatTransferred(Event):
    chat_id: str
    agent_id: str
    to_agent: str | None
    to_queue: str | None
    note: str = ""


@dataclass(slots=True)
class ChatOverflowed(Event):
    """Moved from one queue to another by a rule: ``max_wait`` or ``closed`` (business hours)."""

    chat_id: str
    from_queue: str
    to_queue: str
    reason: str


@dataclass(slots=True)
class ChatRequeued(Event):
    """Taken back from an agent who went away; waits at the front of ``queue``."""

    chat_id: str
    agent_id: str
    queue: str
    reason: str  # agent_gone or signed_out


@dataclass(slots=True)
class ChatCancelled(Event):
    """The user cancelled; ``agent_id`` is the holding agent, None when the chat was waiting."""

    chat_id: str
    agent_id: str | None


@dataclass(slots=True)
class InactivityWarned(Event):
    chat_id: str
    agent_id: str | None


@dataclass(slots=True)
class ChatClosed(Event):
    chat_id: str
    agent_id: str | None
    reason: str


# --- tickets and knowledge ---------------------------------------------------------------


@dataclass(slots=True)
class TicketLinked(Event):
    chat_id: str
    agent_id: str
    ticket_id: str
    kind: str  # incident or work_order
    status: str = "Assigned"


@dataclass(slots=True)
class TicketStatusChanged(Event):
    chat_id: str
    agent_id: str | None
    ticket_id: str
    status: str
    reason: str = ""


@dataclass(slots=True)
class ArticleShared(Event):
    chat_id: str
    n: int
    agent_id: str
    article_id: str
    title: str
    url: str


@dataclass(slots=True)
class ArticlePinned(Event):
    chat_id: str
    agent_id: str
    ticket_id: str
    article_id: str


# --- agents ------------------------------------------------------------------------------


@dataclass(slots=True)
class AgentSignedIn(Event):
    agent_id: str
    first_name: str
    last_name: str
    queues: list[str]
    roles: list[str]
    permissions: list[str]
    screen_name: str | None = None


@dataclass(slots=True)
class AgentAvailabilityChanged(Event):
    agent_id: str
    available: bool
    capacity: int


@dataclass(slots=True)
class AgentScreenNameSet(Event):
    agent_id: str
    screen_name: str | None


@dataclass(slots=True)
class AgentConnectionChanged(Event):
    agent_id: str
    connected: bool


@dataclass(slots=True)
class AgentSignedOut(Event):
    agent_id: str


EVENT_TYPES: dict[str, type[Event]] = {
    cls.__name__: cls
    for cls in (
        ChatOpened,
        WaitEstimated,
        ChatAssigned,
        MessagePosted,
        NoteAdded,
        SystemMessage,
        ChatTransferred,
        ChatOverflowed,
        ChatRequeued,
        ChatCancelled,
        InactivityWarned,
        ChatClosed,
        TicketLinked,
        TicketStatusChanged,
        ArticleShared,
        ArticlePinned,
        AgentSignedIn,
        AgentAvailabilityChanged,
        AgentScreenNameSet,
        AgentConnectionChanged,
        AgentSignedOut,
    )
}

_HEADER = ("at", "chat_id", "agent_id")
_PAYLOAD_FIELDS: dict[type[Event], tuple[str, ...]] = {
    cls: tuple(f.name for f in fields(cls) if f.name not in _HEADER) for cls in EVENT_TYPES.values()
}

# (type, version) -> function upgrading a row of that version to the next one.
UPCASTERS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {}


def to_row(event: Event, seq: int | None = None) -> dict[str, Any]:
    """The one row shape the store writes, streams send and DataFrames read."""
    cls = type(event)
    return {
        "seq": seq,
        "at": event.at,
        "type": cls.__name__,
        "version": SCHEMA_VERSION,
        "chat_id": getattr(event, "chat_id", None),
        "agent_id": getattr(event, "agent_id", None),
        "payload": {name: getattr(event, name) for name in _PAYLOAD_FIELDS[cls]},
    }


def upcast(row: Mapping[str, Any]) -> dict[str, Any]:
    """Bring a stored row of any older version up to ``SCHEMA_VERSION``."""
    current = dict(row)
    while current.get("version", SCHEMA_VERSION) < SCHEMA_VERSION:
        step = UPCASTERS[(current["type"], current["version"])]
        current = step(current)
        current["version"] += 1
    return current


def from_row(row: Mapping[str, Any]) -> Event:
    """Rebuild an event from a stored row (upgrading old versions first)."""
    current = upcast(row)
    cls = EVENT_TYPES[current["type"]]
    kwargs = dict(current.get("payload") or {})
    kwargs["at"] = current["at"]
    names = {f.name for f in fields(cls)}
    for key in ("chat_id", "agent_id"):
        if key in names:
            kwargs[key] = current.get(key)
    return cls(**kwargs)
