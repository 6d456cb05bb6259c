"""The ``engine:`` settings: routing policy, capacities, presence leases, queues and their hours.

Kept beside ``bridge.settings`` (which holds one ``EngineSettings``) so that file stays small.
Each section builds the engine's own config (``to_engine``) and is checked by building it, so
a rule the engine would refuse (a bad time zone, an overflow to no queue) is a ``file:line``
error at start. The per-queue routing fields and ``engine.routing`` are issue 13's
(``bridge.routing_settings``).
"""

from __future__ import annotations

from datetime import date
from typing import Self
from zoneinfo import ZoneInfoNotFoundError

from pydantic import Field, model_validator

from bridge.config_files import Duration, EstimatorNames, PolicyName, Positive, Strict
from bridge.engine import BusinessHours, EngineConfig, QueueConfig, policy_named
from bridge.engine.config import AGENT_GONE_GRACE, AGENT_LEASE
from bridge.engine.ewt import estimators_named
from bridge.feedback_settings import OfflineSettings
from bridge.routing_settings import QueueRouting, RoutingSettings


class HoursSettings(Strict):
    """Weekly spans ``{"mon": [["08:00", "18:00"]]}`` in a time zone; a day left out is closed."""

    timezone: str = "UTC"
    weekly: dict[str, list[tuple[str, str]]] = Field(default_factory=dict)
    holidays: list[date] = Field(default_factory=list)

    @model_validator(mode="after")
    def _valid_hours(self) -> Self:
        """Refuse a bad zone, day or span now, not when the bridge starts."""
        self.to_engine()
        return self

    def to_engine(self) -> BusinessHours:
        try:
            return BusinessHours(self.timezone, dict(self.weekly), set(self.holidays))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"invalid business hours: {exc}") from exc


class QueueSettings(QueueRouting):
    """A queue's rules; skills, priority, weight, relax and wrap_up come from ``QueueRouting``."""

    max_wait: Positive | None = None
    max_wait_overflow: str | None = None
    hours: HoursSettings | None = None
    closed_overflow: str | None = None
    inactivity_warn_after: Positive | None = None
    inactivity_close_after: Positive | None = None
    # Closed or no agent: take a message that becomes a ticket (bridge only; not routing).
    offline: OfflineSettings = Field(default_factory=OfflineSettings)

    @model_validator(mode="after")
    def _no_dead_rules(self) -> Self:
        self.to_engine().check("this queue")
        return self

    def to_engine(self) -> QueueConfig:
        return QueueConfig(
            self.max_wait,
            self.max_wait_overflow,
            None if self.hours is None else self.hours.to_engine(),
            self.closed_overflow,
            self.inactivity_warn_after,
            self.inactivity_close_after,
            **self.routing_fields(),
        )


class EngineSettings(Strict):
    auto_accept: bool = True
    policy: PolicyName = "longest_idle"
    default_capacity: int = Field(default=1, ge=1)
    max_capacity: int = Field(default=10, ge=1)
    # Seconds a disconnected agent keeps their chats (null: forever, which strands chats).
    agent_gone_grace: Duration | None = AGENT_GONE_GRACE
    # Seconds one POST /api/v1/agent/heartbeat keeps an agent without an open stream there.
    agent_lease: Positive = AGENT_LEASE
    agent_gone_queue: str | None = None
    # Keys are "Company/QUEUE".
    queues: dict[str, QueueSettings] = Field(default_factory=dict)
    strict_queues: bool = False
    # EWT estimators by name: the first is what users and bots are told, all are recorded.
    estimators: EstimatorNames = Field(
        default_factory=lambda: ["recent_history", "queue_state"], min_length=1
    )
    # Load tests only (livechat-sim drive --speed): engine time runs this many times faster
    # than the wall clock (bridge.runtime.clock). 1 in production.
    clock_speed: float = Field(default=1.0, gt=0, le=1000, allow_inf_nan=False)
    # Skills, priorities, presence states, offers and retrials (bridge.routing_settings).
    routing: RoutingSettings = Field(default_factory=RoutingSettings)

    @model_validator(mode="after")
    def _known_targets(self) -> Self:
        """With strict queues, a rule may only send chats to a configured queue."""
        self.to_engine().check()
        return self

    def to_engine(self) -> EngineConfig:
        return EngineConfig(
            auto_accept=self.auto_accept,
            policy=policy_named(self.policy),
            default_capacity=self.default_capacity,
            manual_capacity=self.max_capacity,
            agent_gone_grace=self.agent_gone_grace,
            agent_lease=self.agent_lease,
            agent_gone_queue=self.agent_gone_queue,
            queues={key: q.to_engine() for key, q in self.queues.items()},
            strict_queues=self.strict_queues,
            estimators=estimators_named(self.estimators),
            **self.routing.engine_fields(),
        )
