"""Agents answering offered chats (auto-accept with reservations): accept after a delay,
decline with a reason, or let the offer time out, each with its group's odds.

The engine decides what an answer does (the chat keeps its place, the next agent is offered
it, repeated timeouts set the agent not ready); the driver only plays the agents' side.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bridge.engine.config import AVAILABLE
from bridge.engine.events import AgentAvailabilityChanged, ChatOffered

if TYPE_CHECKING:
    from simpy.events import Timeout

    from .driver import Simulation

DECLINE_REASON = "Busy with another task"
BACK_AFTER = 60.0  # seconds an agent set not ready for missed offers takes to notice


def _now() -> float:
    return 0.0


class Responses:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        rng = sim.agent_rng
        self.draw = rng.random
        self.delays: dict[str, Callable[[], float]] = {}
        self.odds: dict[str, tuple[float, float]] = {}
        self.missed_state = sim.scenario.routing.offers.missed_state  # type: ignore[union-attr]
        for sid, seat in sim.seats.items():
            behaviour = seat.group.offers
            delay = behaviour.accept_after
            self.delays[sid] = delay.sampler(rng) if delay is not None else _now
            decline = behaviour.decline_probability
            self.odds[sid] = (decline, decline + behaviour.ignore_probability)

    def offered(self, event: ChatOffered) -> None:
        decline, ignore = self.odds[event.agent_id]
        roll = self.draw()
        if roll >= ignore:
            self.sim.after(self.delays[event.agent_id](), self._accept, event)
        elif roll < decline:
            self.sim.after(self.delays[event.agent_id](), self._decline, event)
        # else: the agent lets it time out

    def not_ready(self, event: AgentAvailabilityChanged) -> None:
        """The engine set the agent not ready after missed offers: it notices and comes back."""
        if event.status == self.missed_state and event.agent_id not in self.sim.staff.leaving:
            self.sim.after(BACK_AFTER, self._back, event)

    def _back(self, timeout: Timeout) -> None:
        event: AgentAvailabilityChanged = timeout.value
        engine = self.sim.engine
        if event.agent_id in self.sim.staff.leaving or not engine.is_signed_in(event.agent_id):
            return
        if engine.presence(event.agent_id)["status"] == self.missed_state:
            self.sim.settle(engine.set_presence(event.agent_id, AVAILABLE))

    def _pending(self, event: ChatOffered) -> bool:
        chat_id, sim = event.chat_id, self.sim
        return chat_id in sim.records and sim.engine.offered_to(chat_id) == event.agent_id

    def _accept(self, timeout: Timeout) -> None:
        event: ChatOffered = timeout.value
        if self._pending(event):
            self.sim.react(self.sim.engine.accept_offer(event.chat_id, event.agent_id))

    def _decline(self, timeout: Timeout) -> None:
        event: ChatOffered = timeout.value
        if self._pending(event):
            out = self.sim.engine.decline_offer(event.chat_id, event.agent_id, DECLINE_REASON)
            self.sim.react(out)
