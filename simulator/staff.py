"""Agents' side of the run: coming on duty, winding down, and consoles that drop.

Going off duty (shift end, break) is a wind-down, as agents do it: the agent lowers "available
for N" to the units still held (chats, wrap-ups), so nothing new arrives, and once nothing is
held takes the break's presence state (Break, Lunch, ...) or, at the end of the shift, signs
out. Only a dropped console (``disconnects``) leaves chats behind: then the engine's agent-gone
grace decides what happens to them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .roster import OFF_SHIFT, Duty, Seat

if TYPE_CHECKING:
    from simpy.events import Timeout

    from .driver import Simulation

from bridge.engine.config import AVAILABLE, AWAY

ROLES = ("IT Agent",)
PERMISSIONS = ("ESChat_Agent",)


class Staff:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.leaving: dict[str, Duty] = {}  # agent -> where it goes once nothing is held
        pool = sim.pool
        self.names = {
            sid: (pool.first_names[i % len(pool.first_names)],
                  pool.last_names[(i * 7) % len(pool.last_names)])
            for i, sid in enumerate(sim.seats)
        }  # fmt: skip
        for seat in sim.seats.values():
            for at, on in seat.toggles:
                sim.after(at, self._duty, (seat, on))

    def _duty(self, event: Timeout) -> None:
        seat, duty = event.value
        engine, settle = self.sim.engine, self.sim.settle
        if duty is not None:
            self.leaving[seat.id] = duty
            self.wind_down(seat.id)
            return
        self.leaving.pop(seat.id, None)
        if not engine.is_signed_in(seat.id):
            first, last = self.names[seat.id]
            skills = dict(seat.group.skills) or None
            settle(engine.sign_in(seat.id, first, last, seat.queues, ROLES, PERMISSIONS,
                                  skills=skills))  # fmt: skip
            if seat.group.disconnects is not None:
                self._next_drop(seat)
        settle(engine.set_presence(seat.id, AVAILABLE, seat.group.capacity))

    def wind_down(self, agent_id: str) -> None:
        """At the end of duty: offer only the units still held, or, holding no chat, take the
        break's presence state (Away at the end of the shift); holding nothing, go."""
        engine, settle = self.sim.engine, self.sim.settle
        if not engine.is_signed_in(agent_id):
            return
        if engine.held_count(agent_id) == 0:
            settle(engine.set_presence(agent_id, self._state(agent_id)))
        elif engine.held_units(agent_id) >= 1:
            settle(engine.set_availability(agent_id, True, engine.held_units(agent_id)))
        self.done(agent_id)

    def releasing(self, agent_id: str, units: int) -> None:
        """Called just before a leaving agent ends or passes on a chat of ``units``: so that the
        units it frees are not given a new chat."""
        engine, settle = self.sim.engine, self.sim.settle
        if engine.held_count(agent_id) <= 1:
            settle(engine.set_presence(agent_id, self._state(agent_id)))
        else:
            settle(engine.set_availability(agent_id, True, engine.held_units(agent_id) - units))

    def done(self, agent_id: str) -> None:
        """Holding nothing (chats, wrap-ups, offers), a leaving agent is gone: signed out at
        the end of its shift, else in its break's state already."""
        engine = self.sim.engine
        gone = agent_id in self.leaving and engine.held_units(agent_id) == 0
        if gone and self.leaving.pop(agent_id) == OFF_SHIFT:
            self.sim.settle(engine.sign_out(agent_id))

    def _state(self, agent_id: str) -> str:
        duty = self.leaving[agent_id]
        return AWAY if duty == OFF_SHIFT else duty  # type: ignore[return-value]

    def _next_drop(self, seat: Seat) -> None:
        rate = seat.group.disconnects.per_hour / 3600.0  # type: ignore[union-attr]
        self.sim.after(self.sim.agent_rng.expovariate(rate), self._drop, seat)

    def _drop(self, event: Timeout) -> None:
        seat: Seat = event.value
        sim = self.sim
        sim.settle(sim.engine.set_connected(seat.id, False))
        desk = sim.desks.get(seat.id)
        if desk is not None:
            desk.pause(sim.env.now, True)
        duration = seat.group.disconnects.duration.sampler(sim.agent_rng)()  # type: ignore[union-attr]
        sim.after(duration, self._reconnect, seat)

    def _reconnect(self, event: Timeout) -> None:
        seat: Seat = event.value
        sim = self.sim
        desk = sim.desks.get(seat.id)
        if desk is not None:
            desk.pause(sim.env.now, False)
        sim.settle(sim.engine.set_connected(seat.id, True))
        self._next_drop(seat)
