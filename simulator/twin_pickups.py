"""Manual accept in ``livechat-sim drive``: agents see waiting chats on their streams and click
Accept after their pickup delay, as :mod:`simulator.manual` does in a simulation.

The rule is the simulator's: whenever a chat starts waiting or an agent gets room, idle agents
of that queue (a free slot, not already reaching for a chat) start a pickup, at most one per
waiting chat not already reached for; which idle agent notices is chance. At the click the
agent accepts the first chat of its Transferred list, else of its Queue list, as the console
shows them. What is waiting is read from the rows the agents' streams carry; the accept goes
through the agent API, and a chat another agent took first is simply not there any more.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING

from bridge.client import LivechatClientError
from bridge.engine.events import (
    ChatAssigned,
    ChatClosed,
    ChatOpened,
    ChatOverflowed,
    ChatRequeued,
    ChatTransferred,
)
from bridge.http.schemas import RowOut

if TYPE_CHECKING:
    from .twin_agents import LiveAgent

_GONE = frozenset({ChatAssigned.__name__, ChatClosed.__name__})


class LivePickups:
    """The waiting chats per queue (from stream rows) and the agents reaching for them."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.agents: dict[str, LiveAgent] = {}
        self.by_queue: dict[str, list[str]] = defaultdict(list)
        self.delays: dict[str, Callable[[], float]] = {}
        self.waiting: dict[str, dict[str, None]] = defaultdict(dict)  # queue -> chat ids
        self.picking: set[str] = set()
        self.inflight: Counter[str] = Counter()
        self.tasks: set[asyncio.Task[None]] = set()

    def add(self, agent: LiveAgent) -> None:
        seat = agent.seat
        self.agents[seat.id] = agent
        for key in seat.queues:
            self.by_queue[key].append(seat.id)
        delay = seat.group.pickup_delay
        self.delays[seat.id] = delay.sampler(self.rng) if delay is not None else lambda: 0.0

    def saw(self, row: RowOut) -> None:
        """A row on some agent's stream: track what waits where, dispatch where it changed."""
        chat, payload = row.chat_id or "", row.payload
        queue = None
        if row.type in (ChatOpened.__name__, ChatRequeued.__name__):
            queue = payload.get("queue")
        elif row.type == ChatOverflowed.__name__:
            self.waiting[payload.get("from_queue", "")].pop(chat, None)
            queue = payload.get("to_queue")
        elif row.type == ChatTransferred.__name__:
            queue = payload.get("to_queue")
        elif row.type in _GONE:
            for waiting in self.waiting.values():
                waiting.pop(chat, None)
        if queue:
            self.waiting[queue][chat] = None
            self.dispatch(queue)

    def room(self, agent: LiveAgent) -> None:
        """The agent has a free slot again (or came on duty): its queues may have work."""
        for key in agent.seat.queues:
            self.dispatch(key)

    def dispatch(self, key: str) -> None:
        while len(self.waiting[key]) > self.inflight[key]:
            idle = [a for a in self.by_queue.get(key, ()) if self._free(a)]
            if not idle:
                return
            agent_id = idle[int(self.rng.random() * len(idle))]
            self.picking.add(agent_id)
            self.inflight[key] += 1
            task = asyncio.create_task(self._click(agent_id, key))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    def _free(self, agent_id: str) -> bool:
        agent = self.agents[agent_id]
        return agent.has_room() and agent_id not in self.picking

    async def _click(self, agent_id: str, key: str) -> None:
        agent = self.agents[agent_id]
        try:
            await agent.pace.wait(self.delays[agent_id]())
            if agent.has_room():
                chats = await agent.client.transferred() or await agent.client.queue()
                if chats:
                    agent.accepted.add(chats[0].chat_id)  # held from now, before its row
                    try:
                        await agent.client.accept(chats[0].chat_id)
                    except LivechatClientError:
                        agent.accepted.discard(chats[0].chat_id)
                        raise
        except LivechatClientError as exc:  # taken by another agent meanwhile: a lost race
            agent.tally.counts[f"accept lost ({exc.code})"] += 1
        finally:
            self.picking.discard(agent_id)
            self.inflight[key] -= 1
        for queue in dict.fromkeys((key, *agent.seat.queues)):
            self.dispatch(queue)
