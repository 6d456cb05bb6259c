"""Routing decisions shared by commands and timers: offer a waiting chat, fill a free agent.

Invariant (auto-accept): a queue with waiting chats has no free agent. So a chat that starts
waiting goes straight to a free agent if its queue has one, and a slot that frees up goes
straight to the oldest chat the agent can take.
"""

from __future__ import annotations

from collections.abc import Callable

from . import events as ev
from .model import QUEUED, Agent, Chat
from .state import _APPLY, EngineState


class Routing(EngineState):
    _sink: Callable[[ev.Event], None] | None

    def _emit(self, out: list[ev.Event], event: ev.Event) -> None:
        _APPLY[type(event)](self, event)
        out.append(event)
        if self._sink is not None:
            self._sink(event)

    def _say(self, out: list[ev.Event], chat: Chat, at: float, kind: str, text: str,
             audience: str = ev.AUDIENCE_ALL) -> None:
        if self.config.system_messages:
            self._emit(out, ev.SystemMessage(at, chat.id, chat.n + 1, kind, text, audience))

    def _assign(self, out: list[ev.Event], chat: Chat, agent: Agent, at: float, how: str) -> None:
        self._emit(out, ev.ChatAssigned(at, chat.id, agent.id, at - chat.enqueued_at, how))
        self._say(out, chat, at, "joined", f"{agent.display_name} has joined the chat.")

    def _offer(self, out: list[ev.Event], chat: Chat, at: float, skip: str | None = None) -> None:
        """A chat starts waiting: give it to a free agent now if auto-accept has one."""
        if not self.config.auto_accept or chat.state != QUEUED:
            return
        if chat.target_agent is not None:
            agent = self.agents[chat.target_agent]
            if agent.free_slots > 0:
                self._assign(out, chat, agent, at, "auto")
            return
        free = self.queues[chat.queue].free
        held = free.pop(skip, None) if skip is not None else None
        if free:
            self._assign(out, chat, self.config.policy.pick(free), at, "auto")
        if held is not None and held.free_slots > 0:
            free[held.id] = held

    def _fill(self, out: list[ev.Event], agent: Agent, at: float) -> None:
        """An agent has room: assign the oldest chats it can take until it is full."""
        if not self.config.auto_accept:
            return
        while agent.free_slots > 0:
            chat_id = self._next_for(agent)
            if chat_id is None:
                return
            self._assign(out, self.chats[chat_id], agent, at, "auto")

    def _next_for(self, agent: Agent) -> str | None:
        """Chats transferred to the agent by name first, then the oldest head of its queues."""
        if agent.inbox:
            return next(iter(agent.inbox))
        best: str | None = None
        best_rank = (2, 0.0)
        for key in agent.queues:
            queue = self.queues.get(key)
            head = queue.head() if queue is not None else None
            if head is None:
                continue
            rank = (0 if queue.front else 1, self.chats[head].enqueued_at)  # type: ignore[union-attr]
            if rank < best_rank:
                best, best_rank = head, rank
        return best
