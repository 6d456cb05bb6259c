"""The event log schema: the single source of truth for bridge, simulator and reports.

Events are facts in the past tense. They are ``slots=True`` dataclasses, not frozen (freezing
makes each one about 3x slower to build); treat them as immutable by convention.

A stored row (``to_row``) has the same shape everywhere — the SQLite store, the WebSocket
streams, the simulator's Parquet file and the reports' DataFrames::

    {"seq": int, "at": float, "type": str, "version": int,
     "chat_id": str | None, "agent_id": str | None, "payload": {...}}

``at`` is seconds: epoch time in the bridge, simulated time in the simulator. ``type`` is the
class name, a stable identifier (never a module path); other modules never spell it, they use
``ChatOpened.__name__`` (or ``EVENT_TYPES``), so a typo is a NameError, not a silent miss.

Each type carries its own ``version``: bumping one type leaves every other type's rows as they
are. An old row is upgraded on read by its type's chain of ``UPCASTERS``, keyed by
``(type, version)``, each step taking a row one version up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

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
    # This type's row version; bump it (and add an upcaster from the old one) to change fields.
    version: ClassVar[int] = 1


class UnreadableRow(ValueError):
    """A stored row this code cannot read: an unknown type, or newer than its type's version."""


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
    # Whether an agent stream was open when a signed-out agent signed in (v1 rows: always).
    connected: bool = True
    version: ClassVar[int] = 2  # v1 had no ``connected``: a sign-in counted as connected


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


@dataclass(slots=True)
class AgentLeaseRenewed(Event):
    """A heartbeat: the agent counts as there until ``until`` (log time) unless renewed."""

    agent_id: str
    until: float


@dataclass(slots=True)
class AgentLeaseExpired(Event):
    """No heartbeat renewed the lease in time: it ended, and the agent-gone grace may start."""

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
        AgentLeaseRenewed,
        AgentLeaseExpired,
    )
}

_HEADER = ("at", "chat_id", "agent_id")
_PAYLOAD_FIELDS: dict[type[Event], tuple[str, ...]] = {
    cls: tuple(f.name for f in fields(cls) if f.name not in _HEADER) for cls in EVENT_TYPES.values()
}

# (type, version) -> function upgrading a row of that type from that version to the next.
UPCASTERS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {}


def _v1_signed_in_connected(row: dict[str, Any]) -> dict[str, Any]:
    """Before v2 every sign-in counted as connected."""
    return {**row, "payload": {**(row.get("payload") or {}), "connected": True}}


UPCASTERS[(AgentSignedIn.__name__, 1)] = _v1_signed_in_connected


def to_row(event: Event, seq: int | None = None) -> dict[str, Any]:
    """The one row shape the store writes, streams send and DataFrames read."""
    cls = type(event)
    return {
        "seq": seq,
        "at": event.at,
        "type": cls.__name__,
        "version": cls.version,
        "chat_id": getattr(event, "chat_id", None),
        "agent_id": getattr(event, "agent_id", None),
        "payload": {name: getattr(event, name) for name in _PAYLOAD_FIELDS[cls]},
    }


def event_type(row: Mapping[str, Any]) -> type[Event]:
    """The class of a stored row; refuses an unknown type or a version newer than the class."""
    cls = EVENT_TYPES.get(row.get("type"))  # type: ignore[arg-type]
    if cls is None:
        raise UnreadableRow(f"unknown event type {row.get('type')!r}")
    if row.get("version", cls.version) > cls.version:
        raise UnreadableRow(
            f"{cls.__name__} version {row['version']} is newer than this code's {cls.version}"
        )
    return cls


def upcast(row: Mapping[str, Any]) -> dict[str, Any]:
    """Bring a stored row up to its type's current version, one upcaster step at a time."""
    cls = event_type(row)
    current = dict(row)
    version = current.get("version", cls.version)
    for step in range(version, cls.version):
        upgrade = UPCASTERS.get((cls.__name__, step))
        if upgrade is None:
            raise UnreadableRow(f"no upcaster for {cls.__name__} version {step}")
        current = upgrade(current)
    current["version"] = cls.version
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
