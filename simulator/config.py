"""Scenario -> the engine's configuration: the simulator configures the engine, never routes.

Simulated time starts at 0 at the scenario's ``start``; the engine's business hours answer in
wall-clock time, so the simulator hands it hours shifted by that start.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridge.engine import BusinessHours, EngineConfig, QueueConfig, policy_named
from bridge.engine.config import OfferRules, RelaxStep
from bridge.engine.ewt import estimators_named
from bridge.engine.skills import requirement

from .scenario import Hours, QueueSpec, Scenario, queue_keys, resolve_queue


@dataclass(slots=True)
class ShiftedHours(BusinessHours):
    """Business hours read on the simulated clock: ``now`` seconds after ``offset`` (epoch)."""

    offset: float = 0.0

    def is_open(self, now: float) -> bool:
        return BusinessHours.is_open(self, now + self.offset)


def _hours(hours: Hours | None, offset: float) -> BusinessHours | None:
    if hours is None:
        return None
    weekly = {day: [tuple(span) for span in spans] for day, spans in hours.weekly.items()}
    return ShiftedHours(hours.timezone, weekly, set(hours.holidays), offset=offset)  # type: ignore[arg-type]


def _queue(scenario: Scenario, key: str, spec: QueueSpec) -> QueueConfig:
    company = key.partition("/")[0]

    def ref(name: str | None) -> str | None:
        return resolve_queue(scenario, name, company) if name is not None else None

    inactivity = spec.inactivity
    return QueueConfig(
        max_wait=spec.max_wait,
        max_wait_overflow=ref(spec.max_wait_overflow),
        hours=_hours(spec.hours, scenario.start.timestamp()),
        closed_overflow=ref(spec.closed_overflow),
        inactivity_warn_after=inactivity.warn_after if inactivity else None,
        inactivity_close_after=inactivity.close_after if inactivity else None,
        priority=spec.priority,
        weight=spec.weight,
        skills=requirement(spec.skills.items()),
        relax=tuple(RelaxStep(step.after, step.level) for step in spec.relax),
        wrap_up=spec.wrap_up,
    )


def engine_config(scenario: Scenario) -> EngineConfig:
    routing = scenario.routing
    gone_queue = routing.agent_gone_queue
    return EngineConfig(
        auto_accept=not scenario.manual,
        policy=policy_named(routing.policy),
        default_capacity=1,
        manual_capacity=max(group.capacity for group in scenario.agents),
        agent_gone_grace=routing.agent_gone_grace,
        agent_gone_queue=resolve_queue(scenario, gone_queue) if gone_queue else None,
        queues={key: _queue(scenario, key, spec) for key, spec in queue_keys(scenario).items()},
        strict_queues=True,
        system_messages=routing.system_messages,
        estimators=estimators_named(routing.estimators),
        record_estimates=True,
        prefer_skill_level=routing.prefer_skill_level,
        priority_ageing=routing.priority_ageing,
        presence_states=tuple(routing.presence_states),
        offers=_offers(scenario),
        # Linking retrials costs a lookup per handoff: only when some users come back.
        retrial_window=routing.retrial_window if has_retrials(scenario) else None,
    )


def has_retrials(scenario: Scenario) -> bool:
    return any(scenario.behaviour_of(s).retrial is not None for s in scenario.streams)


def _offers(scenario: Scenario) -> OfferRules | None:
    offers = scenario.routing.offers
    if offers is None:
        return None
    return OfferRules(
        timeout=offers.timeout, max_missed=offers.max_missed, missed_state=offers.missed_state
    )


def has_timers(scenario: Scenario) -> bool:
    """Whether the engine can hold deadlines at all: if not, the driver never asks."""
    queues = queue_keys(scenario).values()
    routing = scenario.routing
    return (
        routing.agent_gone_grace is not None
        or routing.offers is not None
        or any(
            q.max_wait is not None or q.inactivity is not None or q.relax or q.wrap_up
            for q in queues
        )
    )


def default_capacity(scenario: Scenario) -> int:
    """Capacity the engine gives a fresh sign-in (what reports assume before any change)."""
    return 1 if not scenario.manual else engine_config(scenario).manual_capacity
