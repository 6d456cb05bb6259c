"""Issue 13's routing settings: skills, priorities, presence states, offers, wrap-up, retrials.

Kept beside ``bridge.settings`` (which names ``engine.routing`` and lets ``QueueSettings``
inherit the per-queue fields) so that file stays small. Every value is checked here the way
the engine will judge it (``bridge.engine.config`` and ``bridge.engine.skills``), so a typo is
a ``file:line`` error at start, not a rule that silently never applies. Durations read like
every other setting (``bridge.durations``: ``90``, ``"2m"``, ``"1.5h"``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, field_validator

from bridge.config_files import Positive, Strict
from bridge.engine.config import (
    DECLINE_REASONS,
    PRESENCE_STATES,
    ContextRule,
    OfferRules,
    RelaxStep,
)
from bridge.engine.skills import check_levels

Level = int  # 0-10, checked by ``check_levels``
SourceKind = Literal["self_service", "virtual_agent"]


def known_levels(value: dict[str, int]) -> dict[str, int]:
    """Skill names and levels the engine accepts (0-10), or a validation error now."""
    check_levels(value, "skills")
    return value


# Skill -> level, checked the engine's way wherever it is set: a queue's or a context rule's
# requirement, an agent profile's or an OIDC group's proficiency.
Skills = Annotated[dict[str, Level], AfterValidator(known_levels)]


class RelaxStepSettings(Strict):
    """After a chat waited ``after``, agents with each required skill at ``level`` or more
    qualify; ``level: null`` lets any agent of the queue take it."""

    after: Positive
    level: int | None = Field(default=None, ge=0, le=10)


class QueueRouting(Strict):
    """The per-queue fields of issue 13; ``QueueSettings`` inherits them."""

    # Higher is served first; a chat keeps the highest of its own and its queue's.
    priority: int = Field(default=0, ge=-100, le=100)
    # Capacity units a chat of this queue uses (a complex queue may count as two).
    weight: int = Field(default=1, ge=1, le=100)
    # Skills every chat of the queue requires: skill -> minimum level (0-10).
    skills: Skills = Field(default_factory=dict)
    relax: list[RelaxStepSettings] = Field(default_factory=list)
    # After-chat work: the agent's slot stays held up to this long, or until Ready (null: none).
    wrap_up: Positive | None = None

    def routing_fields(self) -> dict[str, Any]:
        """The ``QueueConfig`` keyword arguments these settings mean."""
        return {
            "priority": self.priority,
            "weight": self.weight,
            "skills": tuple(sorted(self.skills.items())),
            "relax": tuple(RelaxStep(step.after, step.level) for step in self.relax),
            "wrap_up": self.wrap_up,
        }


class ContextRuleSettings(Strict):
    """A handoff whose context has ``field`` equal to ``value`` (case-insensitive) requires
    ``skills`` and gets at least ``priority``: ``language: de`` needs German."""

    field: str = Field(min_length=1, max_length=100)
    value: str = Field(min_length=1, max_length=200)
    skills: Skills = Field(default_factory=dict)
    priority: int | None = Field(default=None, ge=-100, le=100)

    def to_engine(self) -> ContextRule:
        return ContextRule(
            self.field, self.value, tuple(sorted(self.skills.items())), self.priority
        )


class OfferSettings(Strict):
    """Auto-accept with reservations: a chat is offered and waits for Accept or Decline."""

    # How long an offer waits for the agent's Accept before it goes to the next agent.
    timeout: Positive = 30.0
    decline_reasons: list[str] = Field(default_factory=lambda: list(DECLINE_REASONS), min_length=1)
    # Timed-out offers in a row that set the agent to missed_state (null: never).
    max_missed: int | None = Field(default=3, ge=1)
    missed_state: str = "Away"

    def to_engine(self) -> OfferRules:
        return OfferRules(
            self.timeout, tuple(self.decline_reasons), self.max_missed, self.missed_state
        )


class RoutingSettings(Strict):
    """``engine.routing``: the desk-wide rules of skills, priorities, presence and offers."""

    # Among agents with a chat's skills, prefer the highest level before the routing policy.
    prefer_skill_level: bool = True
    # Waiting this long is worth one priority level (no chat waits forever); null: strict.
    priority_ageing: Positive | None = None
    # Priority of every chat of a kind (virtual_agent escalations, say).
    source_priority: dict[SourceKind, int] = Field(default_factory=dict)
    context_rules: list[ContextRuleSettings] = Field(default_factory=list)
    # The presence selector's states; Available takes chats, Away is "unavailable".
    presence_states: list[str] = Field(default_factory=lambda: list(PRESENCE_STATES))
    # Reservations (auto-accept only); null: chats are assigned without an offer.
    offers: OfferSettings | None = None
    # A handoff from a customer whose chat was abandoned this recently is its retrial.
    retrial_window: Positive | None = 3600.0

    @field_validator("presence_states")
    @classmethod
    def _named(cls, value: list[str]) -> list[str]:
        if any(not state.strip() or len(state) > 40 for state in value):
            raise ValueError("a presence state needs a name of at most 40 characters")
        return value

    def engine_fields(self) -> dict[str, Any]:
        """The ``EngineConfig`` keyword arguments these settings mean (checked there)."""
        return {
            "prefer_skill_level": self.prefer_skill_level,
            "priority_ageing": self.priority_ageing,
            "source_priority": dict(self.source_priority),
            "context_rules": tuple(rule.to_engine() for rule in self.context_rules),
            "presence_states": tuple(self.presence_states),
            "offers": None if self.offers is None else self.offers.to_engine(),
            "retrial_window": self.retrial_window,
        }
