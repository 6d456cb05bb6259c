"""Engine state: plain slotted classes, mutated only by the appliers in ``apply.py``."""

from __future__ import annotations

from collections import deque

QUEUED = "queued"
ASSIGNED = "assigned"
CLOSED = "closed"

IT_AGENT_ROLE = "IT Agent"
CHAT_PERMISSION = "ESChat_Agent"


class Chat:
    __slots__ = (
        "agent_id",
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
        "agents_seen",
        "assigned_at",
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
        self.agents_seen: list[str] = []

    def snapshot(self) -> dict[str, object]:
        return {name: _copy(getattr(self, name)) for name in self.__slots__}


class Agent:
    __slots__ = (
        "available",
        "capacity",
        "chats",
        "connected",
        "contribution",
        "first_name",
        "gone_token",
        "id",
        "inbox",
        "last_name",
        "permissions",
        "queues",
        "roles",
        "screen_name",
        "signed_in",
        "touched",
    )

    def __init__(self, agent_id: str) -> None:
        self.id = agent_id
        self.first_name = ""
        self.last_name = ""
        self.screen_name: str | None = None
        self.queues: tuple[str, ...] = ()
        self.roles: frozenset[str] = frozenset()
        self.permissions: frozenset[str] = frozenset()
        self.signed_in = False
        self.available = False
        self.connected = True
        self.capacity = 0
        self.chats: dict[str, None] = {}  # My chats, in acceptance order
        self.inbox: dict[str, None] = {}  # chats transferred to this agent by name
        self.touched = 0  # order of last assignment or release: longest idle = smallest
        self.contribution = 0  # serving slots this agent adds to each of its queues
        self.gone_token = 0  # bumps when the agent leaves or returns; stale grace timers compare

    @property
    def display_name(self) -> str:
        """What users see: the screen name if set, else first and last name."""
        return self.screen_name or f"{self.first_name} {self.last_name}".strip() or self.id

    @property
    def permitted(self) -> bool:
        return IT_AGENT_ROLE in self.roles and CHAT_PERMISSION in self.permissions

    @property
    def present(self) -> bool:
        return self.signed_in and self.available and self.connected

    @property
    def serving(self) -> bool:
        """Present and allowed to chat: only such agents receive chats."""
        return self.present and self.permitted

    @property
    def free_slots(self) -> int:
        return self.capacity - len(self.chats) if self.serving else 0

    def snapshot(self) -> dict[str, object]:
        return {name: _copy(getattr(self, name)) for name in self.__slots__}


class Queue:
    """One support queue: two FIFO lanes (front lane for requeued chats) and its free agents."""

    __slots__ = (
        "company",
        "front",
        "free",
        "handle_sum",
        "handles",
        "key",
        "n_transferred",
        "name",
        "slots",
        "waiting",
        "waits",
    )

    def __init__(self, key: str, history: int = 10, handle_history: int = 50) -> None:
        self.key = key
        self.company, _, self.name = key.partition("/")
        self.front: dict[str, None] = {}
        self.waiting: dict[str, None] = {}
        self.n_transferred = 0
        # Auto-accepting agents with a free slot, least recently touched first.
        self.free: dict[str, Agent] = {}
        self.slots = 0  # serving capacity of present agents
        self.waits: deque[tuple[float, float]] = deque(maxlen=history)  # (accepted at, waited)
        self.handles: deque[float] = deque(maxlen=handle_history)
        self.handle_sum = 0.0

    def __len__(self) -> int:
        return len(self.front) + len(self.waiting)

    def head(self) -> str | None:
        if self.front:
            return next(iter(self.front))
        if self.waiting:
            return next(iter(self.waiting))
        return None

    def position(self, chat_id: str) -> int:
        for index, other in enumerate(self.ordered(), start=1):
            if other == chat_id:
                return index
        raise KeyError(chat_id)

    def ordered(self) -> list[str]:
        return [*self.front, *self.waiting]

    def record_handle(self, seconds: float) -> None:
        if len(self.handles) == self.handles.maxlen:
            self.handle_sum -= self.handles[0]
        self.handles.append(seconds)
        self.handle_sum += seconds

    def mean_handle(self) -> float | None:
        return self.handle_sum / len(self.handles) if self.handles else None

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


def _copy(value: object) -> object:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, (list, set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    return value
