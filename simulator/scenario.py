"""The scenario file schema: what a capacity planner writes, validated before anything runs.

Times are seconds or durations with a unit (``30s``, ``5m``, ``8h``); rates are per hour.
Times inside the run (shifts, breaks) are offsets from ``start``. Queue references are
``Company/Queue`` or, inside one company, just ``Queue``. Cross-references (queues named by
streams, groups, overflows and transfers) are checked by :mod:`simulator.loader`, which also
maps every error back to its line in the file.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfoNotFoundError

from pydantic import AwareDatetime, Field, field_validator, model_validator

from bridge.config_files import EstimatorNames, PolicyName
from bridge.engine import SOURCES, BusinessHours
from bridge.engine.config import AWAY, PRESENCE_STATES

from .distributions import Distribution, Duration, Positive, Strict
from .surveys import SurveySpec

Probability = Annotated[float, Field(ge=0, le=1)]
Rate = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, pattern=r"^[^/]+$")]
Level = Annotated[int, Field(ge=0, le=10)]
# Skill name -> proficiency level: what an agent holds, or the least a chat asks.
Skills = dict[Annotated[str, Field(min_length=1)], Level]


class Hours(Strict):
    """Weekly opening hours in a time zone, minus holidays: ``mon: [["08:00", "18:00"]]``."""

    timezone: str = "UTC"
    weekly: dict[str, list[tuple[str, str]]]
    holidays: list[date] = []

    @model_validator(mode="after")
    def _engine_can_run_it(self) -> Hours:
        """The engine's own reading of the zone, days and times: what passes here, runs."""
        try:
            BusinessHours(self.timezone, {d: list(s) for d, s in self.weekly.items()},
                          set(self.holidays))  # fmt: skip
        except ZoneInfoNotFoundError:
            raise ValueError(f"unknown time zone {self.timezone!r}") from None
        return self


class Inactivity(Strict):
    """Engine timers on a silent user of an assigned chat: warn, then close as ``inactive``."""

    warn_after: Positive
    close_after: Positive | None = None


class Relax(Strict):
    """After a chat waited ``after``, agents with at least ``level`` in each skill asked
    qualify; ``level: null`` lets any agent of the queue take it."""

    after: Positive
    level: Level | None = None


class QueueSpec(Strict):
    name: Name = "GENERAL"
    max_wait: Positive | None = None
    # Where a chat goes after max_wait; empty closes it as "no agent available".
    max_wait_overflow: str | None = None
    hours: Hours | None = None
    # Where a handoff goes while the queue is closed; empty refuses it (queue_closed).
    closed_overflow: str | None = None
    inactivity: Inactivity | None = None
    # Higher is served first (a stream's own priority counts if higher).
    priority: int = 0
    # Capacity units one chat of the queue takes (a complex queue can count as two chats).
    weight: Annotated[int, Field(ge=1, le=10)] = 1
    # Skills every chat of the queue requires, and how the requirement relaxes as it waits.
    skills: Skills = {}
    relax: list[Relax] = []
    # After-chat work: the agent's slot stays held at most this long (or until Ready).
    wrap_up: Positive | None = None

    @model_validator(mode="after")
    def _relax_in_order(self) -> QueueSpec:
        afters = [step.after for step in self.relax]
        if afters != sorted(set(afters)):
            raise ValueError("relax steps need increasing 'after' times")
        if self.relax and not self.skills:
            raise ValueError("relax steps need skills to relax")
        return self


class Company(Strict):
    name: Name
    queues: list[QueueSpec] = Field(default_factory=lambda: [QueueSpec()], min_length=1)


class Transfer(Strict):
    """After the first agent's work, the chat moves to ``to_queue`` with this probability."""

    probability: Probability
    to_queue: str
    # Work of the second agent; the stream's handle time when not given.
    handle_time: Distribution | None = None


class Retrial(Strict):
    """A user who abandoned (cancelled while waiting, or was closed unanswered) comes back
    with this probability after ``delay``, to ``to_queue`` (default: the same queue)."""

    probability: Probability
    delay: Distribution
    to_queue: str | None = None


class UserMessages(Strict):
    """Users write while assigned (resetting the inactivity timer), unless they went silent."""

    every: Distribution
    silent_probability: Probability = 0.0


TicketKind = Literal["incident", "work_order"]


class Behaviour(Strict):
    """What users and the work do. Fields a stream sets override the scenario's defaults."""

    # Agent work per chat, in seconds at the speed of an agent holding one chat.
    handle_time: Distribution | None = None
    # How long a waiting user waits before cancelling; none: users never give up.
    patience: Distribution | None = None
    # Share of users who cancel after an agent joined (at a uniform point of the work).
    cancel_after_assign: Probability = 0.0
    transfer: Transfer | None = None
    # Probability that the agent raises a ticket of each kind (at most one per chat).
    tickets: dict[TicketKind, Probability] = {}
    messages: UserMessages | None = None
    survey: SurveySpec | None = None  # post-chat survey answers (simulator.surveys)
    # How long agents take over after-chat work (capped by the queue's wrap_up; without a
    # distribution they use all of it).
    wrap_up: Distribution | None = None
    retrial: Retrial | None = None

    @field_validator("tickets")
    @classmethod
    def _at_most_one(cls, value: dict[str, float]) -> dict[str, float]:
        if sum(value.values()) > 1 + 1e-12:
            raise ValueError("ticket probabilities add up to more than 1")
        return value

    def merged(self, override: Behaviour | None) -> Behaviour:
        if override is None:
            return self
        return self.model_copy(update={k: getattr(override, k) for k in override.model_fields_set})


Cv = Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)]


class Overdispersion(Strict):
    """Random rate factors, gamma with mean 1: real arrival counts vary more than Poisson.

    The stream's rate in an interval is multiplied by a factor drawn once per day (24 h from
    ``start``) with coefficient of variation ``day_cv`` and by one drawn per interval with
    ``interval_cv``. A slot expecting m chats then has Var/mean = 1 + m * c2, where
    c2 = (1 + day_cv^2)(1 + interval_cv^2) - 1: what ``livechat-sim calibrate`` measures.
    """

    day_cv: Cv = 0.0
    interval_cv: Cv = 0.0

    @property
    def excess(self) -> float:
        """c2 above: the squared CV of the combined factor."""
        return (1 + self.day_cv**2) * (1 + self.interval_cv**2) - 1


class Stream(Strict):
    """Arrivals of one company, queue and source: a constant rate or a per-interval profile.

    ``profile`` lists chats per hour for consecutive intervals from ``start``; it repeats when
    the horizon is longer (a 96-entry profile of 15-minute intervals is a day). The rates are
    means: ``overdispersion`` (none: Poisson) scales them by random day and interval factors.
    """

    company: Name
    queue: str = "GENERAL"
    source: str = "self_service"
    rate: Rate | None = None
    profile: list[Rate] | None = Field(default=None, min_length=1)
    overdispersion: Overdispersion | None = None
    behaviour: Behaviour | None = None
    # What these chats ask of routing besides their queue's asks (VIPs, a language, a topic).
    priority: int | None = None
    skills: Skills = {}

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        if value not in SOURCES:
            raise ValueError(f"source must be one of {', '.join(SOURCES)}")
        return value

    @model_validator(mode="after")
    def _one_rate(self) -> Stream:
        if (self.rate is None) == (self.profile is None):
            raise ValueError("give exactly one of rate (per hour) or profile (per interval)")
        return self

    def rate_at(self, index: int) -> float:
        """Chats per hour in interval ``index``."""
        if self.profile is None:
            return self.rate or 0.0
        return self.profile[index % len(self.profile)]


class Shift(Strict):
    start: Duration = 0.0
    end: Duration | None = None  # none: to the end of the run

    @model_validator(mode="after")
    def _ordered(self) -> Shift:
        if self.end is not None and self.end <= self.start:
            raise ValueError("a shift must end after it starts")
        return self


class Break(Strict):
    """A break of every agent of the group; agent i of n starts at ``start + i*stagger/n``.

    The agent finishes the chats it holds, then spends the break in presence ``state``
    (Break, Lunch, Training, Meeting, ...): the report counts it as shrinkage by reason."""

    start: Duration
    duration: Positive
    stagger: Duration = 0.0
    state: str = "Break"


class OfferBehaviour(Strict):
    """How the group's agents answer offered chats (``routing.offers``): accept after a delay,
    decline, or let the offer time out."""

    accept_after: Distribution | None = None
    decline_probability: Probability = 0.0
    ignore_probability: Probability = 0.0

    @model_validator(mode="after")
    def _at_most_one(self) -> OfferBehaviour:
        if self.decline_probability + self.ignore_probability > 1 + 1e-12:
            raise ValueError("decline and ignore probabilities add up to more than 1")
        return self


class Disconnects(Strict):
    """Agents' consoles drop now and then (the engine's agent-gone grace then applies)."""

    per_hour: Positive
    duration: Distribution


class AgentGroup(Strict):
    name: Name
    # Agents on duty: one number, or one per interval (what `livechat-sim staff` prints).
    count: Annotated[int, Field(ge=0)] | list[Annotated[int, Field(ge=0)]]
    queues: list[str] = Field(min_length=1)
    # Auto-accept: "available for N". Manual: the most chats an agent holds at once.
    capacity: Annotated[int, Field(ge=1, le=50)] = 1
    shift: Shift = Shift()
    breaks: list[Break] = []
    # Manual accept only: time from a chat showing in the Queue to the agent's click.
    pickup_delay: Distribution | None = None
    # Relative speed of each chat while the agent holds k chats (k = 1, 2, ...): an agent
    # holding k serves each at rate mu_k = mu_1 * concurrency_rates[k-1]; the last repeats.
    concurrency_rates: list[Annotated[float, Field(gt=0, le=10)]] | None = Field(
        default=None, min_length=1
    )
    disconnects: Disconnects | None = None
    skills: Skills = {}
    offers: OfferBehaviour = OfferBehaviour()

    def count_at(self, index: int) -> int:
        if isinstance(self.count, int):
            return self.count
        return self.count[min(index, len(self.count) - 1)] if self.count else 0

    @property
    def most(self) -> int:
        return self.count if isinstance(self.count, int) else max(self.count, default=0)


class Offers(Strict):
    timeout: Positive = 30.0
    # Offers timed out in a row before the agent is set to ``missed_state``; none: never.
    max_missed: Annotated[int, Field(ge=1)] | None = 3
    missed_state: str = AWAY


class Routing(Strict):
    policy: PolicyName = "longest_idle"
    # The administrator's switch: auto-accept ("available for N") or agents click Accept.
    accept: Literal["auto", "manual"] = "auto"
    # Seconds a gone agent keeps their chats before they are requeued; none: forever.
    agent_gone_grace: Duration | None = None
    agent_gone_queue: str | None = None
    system_messages: bool = True
    # The first is what users are told; the others are recorded for comparison.
    estimators: EstimatorNames = Field(default_factory=lambda: ["recent_history", "queue_state"])
    # Among agents with a chat's skills, the best level first (then the policy).
    prefer_skill_level: bool = True
    # Waiting time worth one priority level (none: strict priority).
    priority_ageing: Positive | None = None
    # Auto-accept with reservations: offers time out after ``timeout``.
    offers: Offers | None = None
    presence_states: list[str] = Field(default_factory=lambda: list(PRESENCE_STATES))
    # A handoff from a customer who abandoned this recently counts as a retrial.
    retrial_window: Positive | None = 3600.0


class ServiceLevel(Strict):
    """Share of ALL arrivals answered within ``within`` (see reports.definitions)."""

    within: Duration = 30.0
    goal: Probability | None = None
    max_abandon: Probability | None = None


class EwtTolerance(Strict):
    seconds: Duration = 30.0
    relative: Probability = 0.25


class Scenario(Strict):
    name: str
    description: str = ""
    # Wall-clock date of t = 0, for business hours (and the report's readers).
    start: AwareDatetime = datetime(2024, 1, 1, tzinfo=UTC)
    horizon: Positive  # arrivals stop here
    interval: Positive = 900.0
    # Chats arriving before warmup are simulated but left out of the KPIs (steady state).
    warmup: Duration = 0.0
    # After the horizon the run goes on this long so chats in progress can finish.
    cooldown: Duration = 3600.0
    seed: int = 1
    service_level: ServiceLevel = ServiceLevel()
    routing: Routing = Routing()
    companies: list[Company] = Field(min_length=1)
    streams: list[Stream] = Field(min_length=1)
    agents: list[AgentGroup] = Field(min_length=1)
    behaviour: Behaviour = Behaviour()
    ewt_tolerance: EwtTolerance = EwtTolerance()

    @field_validator("start", mode="before")
    @classmethod
    def _aware(cls, value: object) -> object:
        """A start without a zone would be read in whatever zone the reader happens to be."""
        if isinstance(value, str) and _parsed_naive(value):
            example = "2024-03-04T08:00:00+01:00"
            raise ValueError(f"{value!r} has no time zone: add one, as in {example}")
        return value

    @model_validator(mode="after")
    def _warmup_inside(self) -> Scenario:
        if self.warmup >= self.horizon:
            raise ValueError("warmup must end before the horizon")
        return self

    @property
    def intervals(self) -> int:
        """Intervals that receive arrivals (the last one may be partial)."""
        return max(1, -int(-self.horizon // self.interval))

    @property
    def manual(self) -> bool:
        return self.routing.accept == "manual"

    def behaviour_of(self, stream: Stream) -> Behaviour:
        return self.behaviour.merged(stream.behaviour)


def _parsed_naive(text: str) -> bool:
    """True for a date or date-time with no offset (unparsable text is pydantic's to refuse)."""
    try:
        return datetime.fromisoformat(text).tzinfo is None
    except ValueError:
        return False


class UnresolvedQueue(ValueError):
    """A queue reference names no queue of the scenario."""


def queue_keys(scenario: Scenario) -> dict[str, QueueSpec]:
    """Every support queue of the scenario by engine key (``Company/Queue``)."""
    return {f"{c.name}/{q.name}": q for c in scenario.companies for q in c.queues}


def resolve_queue(scenario: Scenario, ref: str, company: str | None = None) -> str:
    """The engine key of ``ref``: ``Company/Queue``, or a bare name inside ``company``."""
    keys = queue_keys(scenario)
    if "/" in ref:
        key = ref
    elif company is not None:
        key = f"{company}/{ref}"
    elif len(scenario.companies) == 1:
        key = f"{scenario.companies[0].name}/{ref}"
    else:
        raise UnresolvedQueue(f"name the company too: 'Company/{ref}' (several companies)")
    if key not in keys:
        raise UnresolvedQueue(f"no support queue {key!r}; known: {', '.join(sorted(keys))}")
    return key
