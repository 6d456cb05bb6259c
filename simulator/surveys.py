"""Post-chat surveys (CSAT) in a simulation: how many users answer, and what they give.

A scenario's ``behaviour.survey`` (or a stream's) says it::

    behaviour:
      survey: {response_rate: 0.3, ratings: {5: 0.5, 4: 0.3, 3: 0.1, 2: 0.05, 1: 0.05}, after: 1m}

A chat the agent ends (the user still there: not cancelled, not closed for inactivity) is
answered with probability ``response_rate``, ``after`` seconds later, with a rating drawn from
``ratings``, through the engine's own ``answer_survey`` command, so the simulated log has the
``SurveyAnswered`` rows a live bridge writes and the report's CSAT tables show the sample size a
planner will get per queue, agent and interval. The draws come from their own random stream, so
adding a survey changes no other draw of the run.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, field_validator

from .distributions import Duration, Strict

if TYPE_CHECKING:
    from .work import ChatRecord

Rating = Annotated[int, Field(ge=1, le=5)]


class SurveySpec(Strict):
    response_rate: Annotated[float, Field(ge=0, le=1)]
    ratings: dict[Rating, Annotated[float, Field(ge=0)]]
    after: Duration = 60.0  # how long after the end the user answers

    @field_validator("ratings")
    @classmethod
    def _a_distribution(cls, value: dict[int, float]) -> dict[int, float]:
        total = sum(value.values())
        if abs(total - 1) > 1e-6:
            raise ValueError(f"rating probabilities add up to {total:g}, not 1")
        return value


class Surveys:
    """The driver's survey helper: ``ended(rec)`` after each chat the agent ended."""

    def __init__(self, sim: Any) -> None:
        self._sim = sim
        scenario = sim.scenario
        specs = [scenario.behaviour_of(stream).survey for stream in scenario.streams]
        self._specs = {id(users): s for users, s in zip(sim.users, specs, strict=True) if s}
        self._rng = random.Random(f"{sim.seed}/surveys")
        self.answered = 0
        self.pending: set[str] = set()  # chats whose answer is still to come: not forgotten

    def ended(self, rec: ChatRecord) -> None:
        if not self._specs:
            return
        spec = self._specs.get(id(rec.users))
        rng = self._rng
        if spec is None or rng.random() >= spec.response_rate:
            return
        ratings = list(spec.ratings)
        rating = rng.choices(ratings, weights=[spec.ratings[r] for r in ratings])[0]
        self.pending.add(rec.id)
        self._sim.after(spec.after, self._answer, (rec.id, rating))

    def _answer(self, event: Any) -> None:
        chat_id, rating = event.value
        self.pending.discard(chat_id)
        self._sim.engine.answer_survey(chat_id, rating)  # into the log through the sink
        self.answered += 1
