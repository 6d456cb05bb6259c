"""Agents' side of the run: coming on duty, winding down, and consoles that drop.

Going off duty (shift end, break) is a wind-down, as agents do it: the agent lowers "available
for N" to the chats still held, so nothing new arrives, and goes unavailable as the last one
ends. Only a dropped console (``disconnects``) leaves chats behind: then the engine's
agent-gone grace decides what happens to them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .roster import Seat

if TYPE_CHECKING:
    from simpy.events import Timeout

    from .driver import Simulation

ROLES = ("IT Agent",)
PERMISSIONS = ("ESChat_Agent",)


class Staff:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.leaving: set[str] = set()
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
        seat, on = event.value
        engine, settle = self.sim.engine, self.sim.settle
        if not on:
            self.leaving.add(seat.id)
            self._shrink(seat.id, engine.held_count(seat.id))
            return
        self.leaving.discard(seat.id)
        if not engine.is_signed_in(seat.id):
            first, last = self.names[seat.id]
            settle(engine.sign_in(seat.id, first, last, seat.queues, ROLES, PERMISSIONS))
            if seat.group.disconnects is not None:
                self._next_drop(seat)
        settle(engine.set_availability(seat.id, True, seat.group.capacity))

    def _shrink(self, agent_id: str, keep: int) -> None:
        """Offer only ``keep`` slots; with none left, become unavailable."""
        engine = self.sim.engine
        if keep >= 1:
            self.sim.settle(engine.set_availability(agent_id, True, keep))
        else:
            self.leaving.discard(agent_id)
            self.sim.settle(engine.set_availability(agent_id, False))

    def releasing(self, agent_id: str) -> None:
        """Called just before a leaving agent ends or passes on a chat."""
        if agent_id in self.leaving:
            self._shrink(agent_id, self.sim.engine.held_count(agent_id) - 1)

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
