"""Engine state: plain slotted classes, mutated only by the appliers in ``state.py``."""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Collection, Iterable
from typing import Any

from .config import QueueConfig

QUEUED = "queued"
ASSIGNED = "assigned"
CLOSED = "closed"

IT_AGENT_ROLE = "IT Agent"
CHAT_PERMISSION = "ESChat_Agent"


def is_permitted(roles: Collection[str], permissions: Collection[str]) -> bool:
    """Live Chat needs the IT Agent role and the ESChat_Agent permission (the reports ask too)."""
    return IT_AGENT_ROLE in roles and CHAT_PERMISSION in permissions


def is_present(signed_in: Any, available: Any, connected: Any, leased: Any) -> Any:
    """The one rule of presence: signed in, available, and there — an open agent stream or an
    unexpired heartbeat lease. Never a one-off request: both ways in end by themselves.

    Written with ``&``/``|`` so that it takes plain bools (the engine) and boolean arrays alike
    (the reports' agent facts apply the same rule to a whole log at once).
    """
    return signed_in & available & (connected | leased)


class Chat:
    __slots__ = (
        "agent_id",
        "agents_seen",
        "assigned_at",
        "closed_reason",
        "company",
        "created_at",
        "customer_id",
        "enqueued_at",
        "front",
        "id",
        "last_user_at",
        "n",
        "queue",
        "source",
        "state",
        "stint",
        "target_agent",
        "tickets",
        "transferred",
        "user_cancelled",
        "watch",
    )

    def __init__(self, chat_id: str, source: str, company: str, queue: str, at: float) -> None:
        self.id = chat_id
        self.source = source
        self.company = company
        self.queue = queue
        self.created_at = at
        self.enqueued_at = at
        self.assigned_at: float | None = None
        self.state = QUEUED
        self.agent_id: str | None = None
        self.target_agent: str | None = None  # waiting in this agent's Transferred list
        self.transferred = False  # shows under Transferred rather than Queue
        self.front = False  # waits in the front lane (requeued after an agent left)
        self.user_cancelled = False
        self.customer_id: str | None = None
        self.closed_reason: str | None = None
        self.tickets: dict[str, str] = {}  # ticket id -> status
        self.n = 0  # last per-chat sequence number used
        self.stint = 0  # bumps each time the chat starts waiting; stale timers compare it
        self.last_user_at = at
        self.watch = 0  # bumps when the user speaks, is assigned or warned; stale timers compare
        self.agents_seen: list[str] = []

    def snapshot(self) -> dict[str, object]:
        return {name: _copy(getattr(self, name)) for name in self.__slots__}


class Agent:
    """An agent's profile and chats, plus flags derived from the profile by ``refresh``.

    The derived flags (``permitted``, ``present``, ``serving``, ``accepting``, ``display_name``,
    ``joined_text``) are plain attributes rather than properties: routing reads them on every
    assignment.
    """

    __slots__ = (
        "accepting",
        "available",
        "capacity",
        "chats",
        "connected",
        "contribution",
        "display_name",
        "first_name",
        "gone_token",
        "homes",
        "id",
        "inbox",
        "joined_text",
        "last_name",
        "lease_until",
        "leases",
        "listed",
        "permissions",
        "permitted",
        "present",
        "queues",
        "roles",
        "screen_name",
        "serving",
        "signed_in",
        "touched",
    )
    # Derived or cached: left out of snapshots, which hold the state proper.
    DERIVED = frozenset(
        {
            "accepting",
            "display_name",
            "homes",
            "joined_text",
            "listed",
            "permitted",
            "present",
            "serving",
        }
    )

    def __init__(self, agent_id: str) -> None:
        self.id = agent_id
        self.first_name = ""
        self.last_name = ""
        self.screen_name: str | None = None
        self.queues: tuple[str, ...] = ()
        self.homes: tuple[Queue, ...] = ()  # the Queue objects of ``queues``
        self.roles: frozenset[str] = frozenset()
        self.permissions: frozenset[str] = frozenset()
        self.signed_in = False
        self.available = False
        self.connected = True  # an agent stream (console) is open, as the driver reports it
        self.lease_until: float | None = None  # a heartbeat's lease keeps the agent there until
        self.leases = 0  # bumps with each renewal; stale lease timers compare it
        self.capacity = 0
        self.chats: dict[str, None] = {}  # My chats, in acceptance order
        self.inbox: dict[str, None] = {}  # chats transferred to this agent by name
        self.touched = 0  # order of last assignment, release or availability change
        self.listed = False  # in the free dict of each of its queues (auto-accept, spare slot)
        self.contribution = 0  # serving slots this agent adds to each of its queues
        self.gone_token = 0  # bumps when the agent leaves or returns; stale grace timers compare
        self.refresh(auto_accept=False)

    def refresh(self, auto_accept: bool) -> None:
        """Derive the flags again after the profile or presence changed."""
        self.display_name = (
            self.screen_name or f"{self.first_name} {self.last_name}".strip() or self.id
        )
        self.joined_text = f"{self.display_name} has joined the chat."  # said per assignment
        self.permitted = is_permitted(self.roles, self.permissions)
        leased = self.lease_until is not None
        self.present = is_present(self.signed_in, self.available, self.connected, leased)
        self.serving = self.present and self.permitted  # only such agents receive chats
        self.accepting = self.serving and auto_accept  # gets chats without a click

    @property
    def free_slots(self) -> int:
        return self.capacity - len(self.chats) if self.serving else 0

    def snapshot(self) -> dict[str, object]:
        return {
            name: _copy(getattr(self, name)) for name in self.__slots__ if name not in self.DERIVED
        }


class Queue:
    """One support queue: two FIFO lanes (front lane for requeued chats) and its free agents."""

    __slots__ = (
        "company",
        "free",
        "front",
        "handles",
        "key",
        "n_transferred",
        "name",
        "rules",
        "slots",
        "waiting",
        "waits",
    )

    def __init__(
        self,
        key: str,
        history: int = 10,
        handle_history: int = 50,
        rules: QueueConfig | None = None,
    ) -> None:
        self.key = key
        self.rules = rules or QueueConfig()  # the queue's timers and hours, looked up once
        self.company, _, self.name = key.partition("/")
        # OrderedDicts, not dicts: a dict used as a FIFO keeps the holes its removed heads leave
        # and skips them on every ``next(iter(...))``, which makes draining a long queue O(n²).
        self.front: OrderedDict[str, None] = OrderedDict()
        self.waiting: OrderedDict[str, None] = OrderedDict()
        self.n_transferred = 0
        # Auto-accepting agents with a free slot, least recently touched first.
        self.free: OrderedDict[str, Agent] = OrderedDict()
        self.slots = 0  # serving capacity of present agents
        self.waits: deque[tuple[float, float]] = deque(maxlen=history)  # (accepted at, waited)
        self.handles: deque[float] = deque(maxlen=handle_history)  # recent handle times

    def __len__(self) -> int:
        return len(self.front) + len(self.waiting)

    def head(self) -> str | None:
        if self.front:
            return next(iter(self.front))
        if self.waiting:
            return next(iter(self.waiting))
        return None

    def position(self, chat_id: str) -> int:
        """1-based place: the front lane first (raises ValueError if the chat does not wait)."""
        if chat_id in self.front:
            return list(self.front).index(chat_id) + 1
        return len(self.front) + list(self.waiting).index(chat_id) + 1

    def ordered(self) -> list[str]:
        return [*self.front, *self.waiting]

    def record_handle(self, seconds: float) -> None:
        self.handles.append(seconds)

    def mean_handle(self) -> float | None:
        """Summed when asked (only waiting chats ask): exact, and free for chats that never wait."""
        return sum(self.handles) / len(self.handles) if self.handles else None

    def snapshot(self) -> dict[str, object]:
        return {
            "front": list(self.front),
            "waiting": list(self.waiting),
            "n_transferred": self.n_transferred,
            "free": sorted(self.free),
            "slots": self.slots,
            "waits": list(self.waits),
            "handles": [round(h, 9) for h in self.handles],
        }


def distinct(names: Iterable[str]) -> tuple[str, ...]:
    """The names in their first order, each once (an agent listing a queue twice serves it once)."""
    return tuple(dict.fromkeys(names))


def _copy(value: object) -> object:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, (list, set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    return value
