"""Engine configuration: plain dataclasses, built by the bridge's settings or a scenario file."""

from __future__ import annotations

from dataclasses import dataclass, field

from .ewt import Estimator, default_estimators
from .hours import BusinessHours
from .policy import AssignmentPolicy, LongestIdle

GENERAL = "GENERAL"
# Safe defaults: a console that drops gets 90 s to come back before its chats go back to the
# queue; a heartbeat keeps an agent without a console there for 60 s.
AGENT_GONE_GRACE = 90.0
AGENT_LEASE = 60.0


def queue_key(company: str, queue: str | None = None) -> str:
    """Support queues are per company; ``Company/GENERAL`` when no queue is named."""
    return f"{company}/{queue or GENERAL}"


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

    def queue_config(self, key: str) -> QueueConfig:
        return self.queues.get(key, self.default_queue)

    def check(self) -> None:
        """Refuse rules that would silently never apply, or send chats to unknown queues."""
        rules = {**self.queues, "(default)": self.default_queue}
        for key, rule in rules.items():
            rule.check(key)
        if not self.agent_lease > 0:
            raise ValueError(f"agent_lease must be positive, not {self.agent_lease}")
        if not self.strict_queues:
            return
        targets = [(k, t) for k, r in rules.items() for t in r.targets()]
        targets.append(("agent_gone_queue", self.agent_gone_queue))
        for where, target in targets:
            if target is not None and target not in self.queues:
                raise ValueError(f"{where}: {target!r} is not in queues (strict_queues)")
