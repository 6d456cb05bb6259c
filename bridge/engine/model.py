"""Engine state: plain slotted classes, mutated only by the appliers in ``state.py``."""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Collection, Iterable
from typing import Any

from .config import AVAILABLE, QueueConfig
from .skills import Requirement

QUEUED = "queued"
ASSIGNED = "assigned"
CLOSED = "closed"

IT_AGENT_ROLE = "IT Agent"
CHAT_PERMISSION = "ESChat_Agent"


def is_permitted(roles: Collection[str], permissions: Collection[str]) -> bool:
    """Live Chat needs the IT Agent role and the ESChat_Agent permission (the reports ask too)."""
    return IT_AGENT_ROLE in roles and CHAT_PERMISSION in permissions


def is_there(signed_in: Any, connected: Any, leased: Any) -> Any:
    """Signed in, with an open agent stream or an unexpired heartbeat lease: the agent keeps
    its chats (whatever its presence state); losing this starts the agent-gone grace."""
    return signed_in & (connected | leased)


def is_present(signed_in: Any, available: Any, connected: Any, leased: Any) -> Any:
    """The one rule of presence: signed in, available, and there — an open agent stream or an
    unexpired heartbeat lease. Never a one-off request: both ways in end by themselves.

    Written with ``&``/``|`` so that it takes plain bools (the engine) and boolean arrays alike
    (the reports' agent facts apply the same rule to a whole log at once).
    """
    return available & is_there(signed_in, connected, leased)


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
        "lane",
        "last_user_at",
        "n",
        "needs",
        "offer_to",
        "offers",
        "own_needs",
        "own_priority",
        "passed",
        "priority",
        "queue",
        "rank",
        "req",
        "retrial_of",
        "source",
        "state",
        "step",
        "stint",
        "target_agent",
        "tickets",
        "transferred",
        "user_cancelled",
        "watch",
        "weight",
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
        self.retrial_of: str | None = None  # the same customer's abandoned chat, if recent
        self.closed_reason: str | None = None
        self.tickets: dict[str, str] = {}  # ticket id -> status
        self.n = 0  # last per-chat sequence number used
        self.stint = 0  # bumps each time the chat starts waiting; stale timers compare it
        self.last_user_at = at
        self.watch = 0  # bumps when the user speaks, is assigned or warned; stale timers compare
        self.agents_seen: list[str] = []
        # Routing: the handoff's own asks. What they are in the current queue (priority, needs:
        # required skills before relaxation, req: after ``step`` steps, weight, rank: order in
        # the queue, lower first; passed: agents who declined or missed it while it waits; lane:
        # where it waits, a cache left out of snapshots) is set by ``State._enqueue``, which
        # every chat goes through as it opens.
        self.own_priority = 0
        self.own_needs: Requirement = ()
        self.offer_to: str | None = None  # reserved for this agent's Accept (offers)
        self.offers = 0  # bumps per offer; stale offer timers compare it
        self.priority: int
        self.needs: Requirement
        self.req: Requirement
        self.step: int
        self.weight: int
        self.rank: tuple[float, ...]
        self.passed: set[str] | None
        self.lane: Lane | None

    def snapshot(self) -> dict[str, object]:
        return {name: _copy(getattr(self, name)) for name in self.__slots__ if name != "lane"}


class Agent:
    """An agent's profile and chats, plus flags derived from the profile by ``refresh``.

    The derived flags (``permitted``, ``present``, ``serving``, ``accepting``, ``keeping``,
    ``display_name``, ``joined_text``) are plain attributes rather than properties: routing
    reads them on every assignment. Capacity is in units: ``load`` counts the weights of the
    chats held, offered to the agent and in wrap-up.
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
        "keeping",
        "last_name",
        "lease_until",
        "leases",
        "listed",
        "load",
        "missed",
        "offers",
        "permissions",
        "permitted",
        "present",
        "queues",
        "roles",
        "screen_name",
        "serving",
        "signed_in",
        "skills",
        "status",
        "status_since",
        "touched",
        "wraps",
    )
    # Derived or cached: left out of snapshots, which hold the state proper.
    DERIVED = frozenset(
        {
            "accepting",
            "display_name",
            "homes",
            "joined_text",
            "keeping",
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
        self.status = AVAILABLE  # the presence state; ``available`` is status == Available
        self.status_since = 0.0
        self.skills: dict[str, int] = {}  # skill -> proficiency level
        self.load = 0  # capacity units in use: chats held, offered and in wrap-up
        self.offers: dict[str, None] = {}  # chats offered to the agent, awaiting Accept
        self.wraps: dict[str, float | None] = {}  # chats in wrap-up -> when it times out
        self.missed = 0  # offers timed out in a row
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
        # Keeps its chats: there and permitted, in any presence state (else the grace runs).
        self.keeping = self.permitted and is_there(self.signed_in, self.connected, leased)

    @property
    def free_slots(self) -> int:
        return self.capacity - self.load if self.serving else 0

    def fits(self, weight: int) -> bool:
        return self.load + weight <= self.capacity

    def snapshot(self) -> dict[str, object]:
        return {
            name: _copy(getattr(self, name)) for name in self.__slots__ if name not in self.DERIVED
        }


class Lane:
    """Chats of one queue that share a band (front lane or not), a priority and a skill
    requirement: FIFO, each id mapped to its rank (lower goes first)."""

    __slots__ = ("chats", "front", "needs", "priority")

    def __init__(self, front: bool, priority: int, needs: Requirement) -> None:
        self.front = front
        self.priority = priority
        self.needs = needs
        # OrderedDicts, not dicts: a dict used as a FIFO keeps the holes its removed heads leave
        # and skips them on every ``next(iter(...))``, which makes draining a long queue O(n²).
        self.chats: OrderedDict[str, tuple[float, ...]] = OrderedDict()

    def order(self) -> tuple[int, int, Requirement]:
        return (0 if self.front else 1, -self.priority, self.needs)


class Queue:
    """One support queue: lanes of waiting chats (front lane for requeued chats, higher
    priorities first), and its free agents."""

    __slots__ = (
        "_lanes",
        "company",
        "free",
        "handles",
        "key",
        "lanes",
        "n_transferred",
        "name",
        "plain",
        "rules",
        "size",
        "slots",
        "strict",
        "waits",
    )

    def __init__(
        self,
        key: str,
        history: int = 10,
        handle_history: int = 50,
        rules: QueueConfig | None = None,
        strict: bool = True,
    ) -> None:
        self.key = key
        self.rules = rules or QueueConfig()  # the queue's timers and hours, looked up once
        self.company, _, self.name = key.partition("/")
        # Strict priority (no ageing): the first lane in order with a chat holds the best one.
        self.strict = strict
        self._lanes: dict[tuple[bool, int, Requirement], Lane] = {}
        self.lanes: list[Lane] = []  # in lane order: front band, then priority, then skills
        self.plain: Lane | None = None  # the lane of priority 0 and no skills (the fast path)
        self.size = 0
        self.n_transferred = 0
        # Auto-accepting agents with a free slot, least recently touched first.
        self.free: OrderedDict[str, Agent] = OrderedDict()
        self.slots = 0  # serving capacity of present agents
        self.waits: deque[tuple[float, float]] = deque(maxlen=history)  # (accepted at, waited)
        self.handles: deque[float] = deque(maxlen=handle_history)  # recent handle times

    def __len__(self) -> int:
        return self.size

    def lane(self, front: bool, priority: int, needs: Requirement) -> Lane:
        key = (front, priority, needs)
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = Lane(front, priority, needs)
            self.lanes.append(lane)
            self.lanes.sort(key=Lane.order)
            if not (front or priority or needs):
                self.plain = lane
        return lane

    def position(self, chat_id: str, rank: tuple[float, ...]) -> int:
        """1-based place: how many waiting chats rank before this one, plus one."""
        ahead = 0
        for lane in self.lanes:
            for r in lane.chats.values():
                if r >= rank:
                    break  # ranks rise along a lane
                ahead += 1
        return ahead + 1

    def back_position(self, chat: Chat) -> int:
        """The place of a chat that just started waiting (the newest of its lane). Strict
        priority needs only lane sizes: every chat of a lane before or level with its own is
        ahead (they all waited longer)."""
        if len(self.lanes) == 1:
            return self.size
        if not self.strict:
            return self.position(chat.id, chat.rank)
        band = (0 if chat.front else 1, -chat.priority)
        return sum(len(lane.chats) for lane in self.lanes if lane.order()[:2] <= band)

    def ordered(self) -> list[str]:
        """Waiting chats in the order they will be served (as far as skills allow)."""
        lanes = self.lanes
        if len(lanes) == 1 or (
            self.strict and len({(x.front, x.priority) for x in lanes}) == len(lanes)
        ):
            return [c for lane in lanes for c in lane.chats]
        pairs = sorted((r, c) for lane in self.lanes for c, r in lane.chats.items())
        return [c for _, c in pairs]

    def record_handle(self, seconds: float) -> None:
        self.handles.append(seconds)

    def mean_handle(self) -> float | None:
        """Summed when asked (only waiting chats ask): exact, and free for chats that never wait."""
        return sum(self.handles) / len(self.handles) if self.handles else None

    def snapshot(self) -> dict[str, object]:
        return {
            "lanes": {
                f"{int(lane.front)}/{lane.priority}/{lane.needs}": list(lane.chats)
                for lane in self.lanes
                if lane.chats
            },
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
