"""Engine configuration: plain dataclasses, built by the bridge's settings or a scenario file."""

from __future__ import annotations

from dataclasses import dataclass, field

from .ewt import Estimator, default_estimators
from .hours import BusinessHours
from .policy import AssignmentPolicy, LongestIdle

GENERAL = "GENERAL"
# Presence states: Available takes chats; Away is where "unavailable" with no reason goes.
AVAILABLE = "Available"
AWAY = "Away"
PRESENCE_STATES = (AVAILABLE, "Break", "Lunch", "Training", "Meeting", AWAY)
DECLINE_REASONS = ("Busy with another task", "Wrong skill", "Other")
# Safe defaults: a console that drops gets 90 s to come back before its chats go back to the
# queue; a heartbeat keeps an agent without a console there for 60 s.
AGENT_GONE_GRACE = 90.0
AGENT_LEASE = 60.0


def queue_key(company: str, queue: str | None = None) -> str:
    """Support queues are per company; ``Company/GENERAL`` when no queue is named."""
    return f"{company}/{queue or GENERAL}"


@dataclass(frozen=True, slots=True)
class RelaxStep:
    """After a chat of the queue waited ``after`` seconds, accept agents whose level of each
    required skill is at least ``level``; ``level=None`` accepts any agent of the queue."""

    after: float
    level: int | None = None


@dataclass(frozen=True, slots=True)
class ContextRule:
    """A handoff whose context (``detail``) has ``field`` equal to ``value`` requires these
    skills and gets at least this priority: ``language: de`` needs German, ``vip: true`` jumps."""

    field: str
    value: str
    skills: tuple[tuple[str, int], ...] = ()
    priority: int | None = None

    def matches(self, detail: dict[str, object]) -> bool:
        found = detail.get(self.field)
        return found is not None and str(found).lower() == self.value.lower()


@dataclass(slots=True)
class OfferRules:
    """Auto-accept with reservations: an offered chat waits ``timeout`` seconds for the agent's
    Accept, may be declined with one of ``decline_reasons``, and then goes to the next agent
    without losing its place. ``max_missed`` timeouts in a row put the agent in ``missed_state``.
    """

    timeout: float = 30.0
    decline_reasons: tuple[str, ...] = DECLINE_REASONS
    max_missed: int | None = 3
    missed_state: str = AWAY


@dataclass(slots=True)
class QueueConfig:
    """Rules of one support queue. Timers are off when their seconds are None."""

    max_wait: float | None = None
    # Where a chat goes when max_wait passes; None closes it as "no agent available".
    max_wait_overflow: str | None = None
    hours: BusinessHours | None = None
    # Where a handoff goes while the queue is closed; None refuses it with QueueClosed.
    closed_overflow: str | None = None
    inactivity_warn_after: float | None = None
    inactivity_close_after: float | None = None
    # Higher is served first; a chat keeps the highest of its own and its queue's.
    priority: int = 0
    # Capacity units a chat of this queue uses (an agent's capacity counts units).
    weight: int = 1
    # Skills every chat of the queue requires: (skill, minimum level), and how they relax.
    skills: tuple[tuple[str, int], ...] = ()
    relax: tuple[RelaxStep, ...] = ()
    # After-chat work: the agent's slot stays held up to this many seconds, or until Ready.
    wrap_up: float | None = None

    def targets(self) -> list[str]:
        """The queues this queue's rules may send a chat to."""
        return [q for q in (self.max_wait_overflow, self.closed_overflow) if q is not None]

    def check(self, name: str) -> None:
        """A rule whose trigger is unset would silently never apply: say so instead."""
        if self.max_wait_overflow is not None and self.max_wait is None:
            raise ValueError(f"{name}: max_wait_overflow needs max_wait")
        if self.closed_overflow is not None and self.hours is None:
            raise ValueError(f"{name}: closed_overflow needs hours")
        if self.inactivity_close_after is not None and self.inactivity_warn_after is None:
            raise ValueError(f"{name}: inactivity_close_after needs inactivity_warn_after")
        if self.weight < 1:
            raise ValueError(f"{name}: weight must be at least 1, not {self.weight}")
        if self.wrap_up is not None and not self.wrap_up > 0:
            raise ValueError(f"{name}: wrap_up must be positive seconds, not {self.wrap_up}")
        afters = [step.after for step in self.relax]
        if afters != sorted(set(afters)) or any(a <= 0 for a in afters):
            raise ValueError(f"{name}: relax steps need increasing positive 'after' seconds")
        if self.relax and not self.skills:
            raise ValueError(f"{name}: relax steps need skills to relax")


@dataclass(slots=True)
class EngineConfig:
    # Administrator switch: agents set "available for N" and get chats without a click.
    auto_accept: bool = True
    policy: AssignmentPolicy = field(default_factory=LongestIdle)
    default_capacity: int = 1
    # Most chats an agent may hold: the cap in manual mode and the largest N of "available for N".
    manual_capacity: int = 10
    # Seconds an agent who disconnects or becomes unavailable keeps their chats; None = forever
    # (unsafe: a console that never comes back keeps its chats for good).
    agent_gone_grace: float | None = AGENT_GONE_GRACE
    # Seconds one heartbeat keeps an agent with no open stream present (``Engine.heartbeat``).
    agent_lease: float = AGENT_LEASE
    # Where such chats go; None = the front of the queue each chat came from.
    agent_gone_queue: str | None = None
    queues: dict[str, QueueConfig] = field(default_factory=dict)
    default_queue: QueueConfig = field(default_factory=QueueConfig)
    # Refuse handoffs to queues not configured above (the bridge's choice); else create them.
    strict_queues: bool = False
    system_messages: bool = True
    estimators: list[Estimator] = field(default_factory=default_estimators)
    # Emit WaitEstimated for every chat that has to wait (what the user was told on arrival).
    record_estimates: bool = True
    # Among agents with a chat's skills, prefer the highest level before the routing policy.
    prefer_skill_level: bool = True
    # Seconds of waiting worth one priority level (so no low-priority chat waits forever);
    # None: strict priority.
    priority_ageing: float | None = None
    # Priority of every chat from a source (``virtual_agent`` escalations, say).
    source_priority: dict[str, int] = field(default_factory=dict)
    context_rules: tuple[ContextRule, ...] = ()
    presence_states: tuple[str, ...] = PRESENCE_STATES
    # Reservations for auto-accept; None: chats are assigned without an offer (as before).
    offers: OfferRules | None = None
    # A handoff from a customer whose chat was abandoned this recently is a retrial of it.
    retrial_window: float | None = 3600.0

    def _check_presence(self) -> None:
        states = self.presence_states
        if AVAILABLE not in states or AWAY not in states or len(set(states)) != len(states):
            raise ValueError(f"presence_states must list {AVAILABLE!r} and {AWAY!r} once each")
        offers = self.offers
        if offers is not None:
            if not offers.timeout > 0:
                raise ValueError(f"offers.timeout must be positive, not {offers.timeout}")
            if offers.missed_state not in states or offers.missed_state == AVAILABLE:
                raise ValueError(
                    f"offers.missed_state must be a presence state other than {AVAILABLE}"
                )
            if offers.max_missed is not None and offers.max_missed < 1:
                raise ValueError("offers.max_missed must be at least 1")
        if self.priority_ageing is not None and not self.priority_ageing > 0:
            raise ValueError("priority_ageing must be positive seconds")

    def queue_config(self, key: str) -> QueueConfig:
        return self.queues.get(key, self.default_queue)

    def check(self) -> None:
        """Refuse rules that would silently never apply, or send chats to unknown queues."""
        rules = {**self.queues, "(default)": self.default_queue}
        for key, rule in rules.items():
            rule.check(key)
        if not self.agent_lease > 0:
            raise ValueError(f"agent_lease must be positive, not {self.agent_lease}")
        self._check_presence()
        if not self.strict_queues:
            return
        targets = [(k, t) for k, r in rules.items() for t in r.targets()]
        targets.append(("agent_gone_queue", self.agent_gone_queue))
        for where, target in targets:
            if target is not None and target not in self.queues:
                raise ValueError(f"{where}: {target!r} is not in queues (strict_queues)")
