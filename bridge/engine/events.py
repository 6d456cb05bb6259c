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
    # What routing asks of it: its priority (the highest of its own, its source's, its
    # context's and its arrival queue's; it keeps it when it moves), the skills it asks itself
    # (each queue it waits in adds its own), the skills it needs in the arrival queue (for the
    # record: reports group by them), and the same customer's recently abandoned chat it retries.
    priority: int = 0
    skills: dict[str, int] | None = None
    retrial_of: str | None = None
    needs: dict[str, int] | None = None
    version: ClassVar[int] = 2  # v1 had no priority, skills, retrial_of or needs


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
    # "auto" (auto-accept), "manual" (the agent clicked Accept in the Queue) or "offer" (the
    # agent accepted the chat offered to it)
    how: str = "auto"


@dataclass(slots=True)
class ChatRelaxed(Event):
    """The chat waited long enough for its queue's relaxation ``step``: from now on agents
    whose level of each required skill is at least ``level`` qualify (None: any agent)."""

    chat_id: str
    step: int
    level: int | None


@dataclass(slots=True)
class ChatOffered(Event):
    """Auto-accept with reservations: the chat is held for ``agent_id`` until ``until`` (log
    time); it keeps its place in the queue meanwhile."""

    chat_id: str
    agent_id: str
    until: float


@dataclass(slots=True)
class OfferEnded(Event):
    """An offer that was not accepted: ``declined`` (with the agent's reason), ``timed_out``,
    or ``withdrawn`` (the agent left or changed state, the user cancelled, a timer moved it)."""

    chat_id: str
    agent_id: str
    outcome: str
    reason: str = ""


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
    skills: dict[str, int] | None = None  # skill -> proficiency level
    # v1 had no ``connected`` (a sign-in counted as connected); v2 had no ``skills``
    version: ClassVar[int] = 3


@dataclass(slots=True)
class AgentAvailabilityChanged(Event):
    """Presence state (``Available`` takes chats, for ``capacity`` units) and its reason."""

    agent_id: str
    available: bool
    capacity: int
    status: str = "Available"
    version: ClassVar[int] = 2  # v1 had no status: Available, or Away when unavailable


@dataclass(slots=True)
class WrapUpStarted(Event):
    """After-chat work: the agent's units for the closed chat stay held until Ready or
    ``until`` (log time; None: until Ready)."""

    chat_id: str
    agent_id: str
    until: float | None


@dataclass(slots=True)
class WrapUpEnded(Event):
    chat_id: str
    agent_id: str
    how: str  # ready, timeout, signed_out or agent_gone


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


# --- conversation (issue 16) ---


@dataclass(slots=True)
class TranscriptRequested(Event):
    """Someone asked for the chat's transcript by email; the mailer sends it after this commits.

    ``by`` is ``"user"`` or ``"agent"`` (then ``agent_id`` says who); ``to`` the address."""

    chat_id: str
    agent_id: str | None
    by: str
    to: str


@dataclass(slots=True)
class TranscriptSent(Event):
    """The SMTP server accepted the transcript asked for by the row ``request_seq``."""

    chat_id: str
    request_seq: int
    to: str
    attempts: int


@dataclass(slots=True)
class TranscriptFailed(Event):
    """The mailer gave up on the request ``request_seq`` (every retry failed)."""

    chat_id: str
    request_seq: int
    to: str
    attempts: int
    reason: str


@dataclass(slots=True)
class ScreenShareOffered(Event):
    """The agent posted a screen-share / remote-session link from the configured provider."""

    chat_id: str
    n: int
    agent_id: str
    url: str


@dataclass(slots=True)
class MessagesRead(Event):
    """One side of the chat has read the other's messages up to number ``up_to`` (the per-chat
    ``n``). ``reader`` is ``"user"`` or ``"agent"`` (then ``agent_id`` says who). Kept in the log
    (unlike typing) because reports and a reopened page need it."""

    chat_id: str
    agent_id: str | None
    reader: str
    up_to: int


@dataclass(slots=True)
class SurveyAnswered(Event):
    """The post-chat survey (CSAT): a 1-5 rating with an optional comment, once per chat.

    ``agent_id`` is the agent who held the chat when it closed and ``queue`` the queue it was
    in, so reports group by them without a join; ``by`` is ``"user"`` or ``"virtual_agent"``."""

    chat_id: str
    agent_id: str
    queue: str
    rating: int
    comment: str
    by: str


@dataclass(slots=True)
class OfflineMessageLeft(Event):
    """A user left a message for a queue that was closed or had no agent; it became a ticket.

    Not a chat (no ``chat_id``): ``message_id`` names it; ``reason`` is ``closed`` or
    ``no_agent``; ``ticket_id``/``kind`` the ITSM ticket it was filed as."""

    message_id: str
    company: str
    queue: str
    customer_id: str
    reason: str
    ticket_id: str
    kind: str
    source: str


# Supervision (issue 16 item 7): ``agent_id`` is always the supervisor who acted.


@dataclass(slots=True)
class SupervisorMonitored(Event):
    """A supervisor opened the chat's live stream (the audit trail of who read what)."""

    chat_id: str
    agent_id: str


@dataclass(slots=True)
class SupervisorWhispered(Event):
    """A supervisor's note to the agent holding the chat: that agent sees it, the user never
    (not on the user's stream, in callbacks or in Bot Framework activities)."""

    chat_id: str
    n: int
    agent_id: str
    to_agent: str
    text: str


@dataclass(slots=True)
class SupervisorJoined(Event):
    """A supervisor barged into the chat ``holder`` holds: the user is told, and the supervisor
    may now write to the user until the chat changes hands."""

    chat_id: str
    agent_id: str
    holder: str


@dataclass(slots=True)
class SupervisorTookOver(Event):
    """A supervisor took the chat (from ``from_agent``, or from its queue when None)."""

    chat_id: str
    agent_id: str
    from_agent: str | None


@dataclass(slots=True)
class SupervisorReassigned(Event):
    """A supervisor moved the chat to another agent or support queue (exactly one is set)."""

    chat_id: str
    agent_id: str
    from_agent: str | None
    to_agent: str | None
    to_queue: str | None
    note: str = ""


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
        SupervisorMonitored,
        SupervisorWhispered,
        SupervisorJoined,
        SupervisorTookOver,
        SupervisorReassigned,
        MessagesRead,
        SurveyAnswered,
        OfflineMessageLeft,
        TranscriptRequested,
        TranscriptSent,
        TranscriptFailed,
        ScreenShareOffered,
        ChatRelaxed,
        ChatOffered,
        OfferEnded,
        WrapUpStarted,
        WrapUpEnded,
    )
}

_HEADER = ("at", "chat_id", "agent_id")
_PAYLOAD_FIELDS: dict[type[Event], tuple[str, ...]] = {
    cls: tuple(f.name for f in fields(cls) if f.name not in _HEADER) for cls in EVENT_TYPES.values()
}

# (type, version) -> function upgrading a row of that type from that version to the next.
UPCASTERS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {}


def _payload_defaults(**defaults: Any) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """An upcaster that adds fields with the values old rows meant."""

    def upgrade(row: dict[str, Any]) -> dict[str, Any]:
        return {**row, "payload": {**defaults, **(row.get("payload") or {})}}

    return upgrade


def _v1_availability_status(row: dict[str, Any]) -> dict[str, Any]:
    """Before v2 an agent was available or not: Available, or Away."""
    payload = dict(row.get("payload") or {})
    payload.setdefault("status", "Available" if payload.get("available") else "Away")
    return {**row, "payload": payload}


UPCASTERS[(AgentSignedIn.__name__, 1)] = _payload_defaults(connected=True)  # v1: all connected
UPCASTERS[(AgentSignedIn.__name__, 2)] = _payload_defaults(skills=None)
UPCASTERS[(ChatOpened.__name__, 1)] = _payload_defaults(
    priority=0, skills=None, retrial_of=None, needs=None
)
UPCASTERS[(AgentAvailabilityChanged.__name__, 1)] = _v1_availability_status


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
