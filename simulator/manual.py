"""Manual accept: agents notice waiting chats and click Accept after a pickup delay.

The engine assigns nothing by itself in this mode. Whenever a chat starts waiting or an agent
gets room, idle agents of that queue (a free slot, not already reaching for a chat) start a
pickup, at most one per waiting chat not already being reached for; which idle agent notices
first is chance. At the click the agent accepts the first chat of its Transferred list, else
of its Queue list (by priority, then oldest, as the console shows them) that its skills and
room allow — whatever is there by then.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING

from bridge.engine.events import (
    AgentAvailabilityChanged,
    AgentConnectionChanged,
    AgentSignedIn,
    ChatClosed,
    ChatOpened,
    ChatOverflowed,
    ChatRequeued,
    ChatTransferred,
    Event,
)

if TYPE_CHECKING:
    from simpy.events import Timeout

    from .driver import Simulation

_AGENT_ROOM = (AgentAvailabilityChanged, AgentConnectionChanged, AgentSignedIn)


def _zero() -> float:
    return 0.0


class Pickups:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.by_queue: dict[str, list[str]] = defaultdict(list)
        self.delays: dict[str, Callable[[], float]] = {}
        for sid, seat in sim.seats.items():
            for key in seat.queues:
                self.by_queue[key].append(sid)
            delay = seat.group.pickup_delay
            self.delays[sid] = delay.sampler(sim.agent_rng) if delay is not None else _zero
        self.picking: set[str] = set()
        self.inflight: Counter[str] = Counter()

    def wake(self, out: list[Event]) -> None:
        """Find the queues where a chat started waiting or an agent got room, and dispatch."""
        queues: dict[str, None] = {}
        seats = self.sim.seats
        for event in out:
            kind = type(event)
            if kind is ChatOpened or kind is ChatRequeued:
                queues[event.queue] = None  # type: ignore[attr-defined]
            elif kind is ChatOverflowed:
                queues[event.to_queue] = None  # type: ignore[attr-defined]
            elif kind is ChatTransferred:
                if event.to_queue is not None:  # type: ignore[attr-defined]
                    queues[event.to_queue] = None  # type: ignore[attr-defined]
                queues.update(dict.fromkeys(seats[event.agent_id].queues))  # type: ignore[attr-defined]
            elif (kind is ChatClosed and event.agent_id is not None) or kind in _AGENT_ROOM:  # type: ignore[attr-defined]
                queues.update(dict.fromkeys(seats[event.agent_id].queues))  # type: ignore[attr-defined]
        for key in queues:
            self.dispatch(key)

    def _free(self, agent_id: str) -> bool:
        """Room, not reaching for a chat already, and a chat it may take (skills, weight)."""
        engine = self.sim.engine
        return (
            engine.free_slots(agent_id) > 0
            and agent_id not in self.picking
            and engine.next_chat_for(agent_id) is not None
        )

    def dispatch(self, key: str) -> None:
        waiting = self.sim.engine.queue_length(key)
        draw = self.sim.agent_rng.random
        while waiting > self.inflight[key]:
            idle = [a for a in self.by_queue.get(key, ()) if self._free(a)]
            if not idle:
                return
            agent_id = idle[int(draw() * len(idle))]
            self.picking.add(agent_id)
            self.inflight[key] += 1
            self.sim.after(self.delays[agent_id](), self._click, (agent_id, key))

    def _click(self, event: Timeout) -> None:
        agent_id, key = event.value
        self.picking.discard(agent_id)
        self.inflight[key] -= 1
        engine = self.sim.engine
        if engine.free_slots(agent_id) > 0:
            chats = [*engine.transferred_list(agent_id), *engine.queue_list(agent_id)]
            chat_id = next((c for c in chats if engine.may_accept(c, agent_id)), None)
            if chat_id is not None:
                self.sim.react(engine.accept(chat_id, agent_id))
        for queue in dict.fromkeys((key, *self.sim.seats[agent_id].queues)):
            self.dispatch(queue)
