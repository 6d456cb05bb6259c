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


def discard(event: ev.Event) -> None:
    """The sink of an engine nobody listens to: cheaper than testing for None per event."""


ENDED_TEXT = "The chat has ended."


class Routing(EngineState):
    _sink: Callable[[ev.Event], None]

    def _emit(self, out: list[ev.Event], event: ev.Event) -> None:
        _APPLY[type(event)](self, event)
        self._last_at = event.at
        out.append(event)
        self._sink(event)

    def _say(
        self,
        out: list[ev.Event],
        chat: Chat,
        at: float,
        kind: str,
        text: str,
        audience: str = ev.AUDIENCE_ALL,
    ) -> None:
        """Emit a system message; two go out per chat, so it applies itself (what the
        SystemMessage applier does: number the chat) instead of paying the dispatch."""
        if self.config.system_messages:
            chat.n = n = chat.n + 1
            event = ev.SystemMessage(at, chat.id, n, kind, text, audience)
            self._last_at = at
            out.append(event)
            self._sink(event)

    def _note(self, out: list[ev.Event], chat: Chat, at: float, text: str) -> None:
        """A note the engine writes itself (no agent) for the agents who handle the chat next."""
        self._emit(out, ev.NoteAdded(at, chat.id, chat.n + 1, None, text))

    def _assign(self, out: list[ev.Event], chat: Chat, agent: Agent, at: float, how: str) -> None:
        self._emit(out, ev.ChatAssigned(at, chat.id, agent.id, at - chat.enqueued_at, how))
        self._say(out, chat, at, "joined", agent.joined_text)

    def _close(
        self, out: list[ev.Event], chat: Chat, agent: Agent, at: float, reason: str, text: str = ""
    ) -> None:
        """Say goodbye, close the chat and give the agent's freed slot to the next chat."""
        self._say(out, chat, at, "ended", text or ENDED_TEXT)
        self._emit(out, ev.ChatClosed(at, chat.id, agent.id, reason))
        self._fill(out, agent, at)

    def _offer(self, out: list[ev.Event], chat: Chat, at: float, skip: str | None = None) -> None:
        """A chat starts waiting: give it to a free agent now if auto-accept has one."""
        config = self.config
        if not config.auto_accept or chat.state != QUEUED:
            return
        if chat.target_agent is not None:
            agent = self.agents[chat.target_agent]
            if agent.listed:  # serving with a spare slot
                self._assign(out, chat, agent, at, "auto")
            return
        free = self.queues[chat.queue].free
        # The agent giving the chat away does not get it straight back.
        if skip is not None and skip in free:
            free = {key: agent for key, agent in free.items() if key != skip}
        if free:
            self._assign(out, chat, config.policy.pick(free), at, "auto")

    def _fill(self, out: list[ev.Event], agent: Agent, at: float) -> None:
        """An agent has room: assign the oldest chats it can take until it is full."""
        while agent.listed:  # auto-accept, serving, a spare slot
            chat_id = self._next_for(agent)
            if chat_id is None:
                return
            self._assign(out, self.chats[chat_id], agent, at, "auto")

    def _next_for(self, agent: Agent) -> str | None:
        """Chats transferred to the agent by name first, then the oldest head of its queues.

        Requeued chats (front lanes) go before all others; then the longest waiting head.
        """
        if agent.inbox:
            return next(iter(agent.inbox))
        best: str | None = None
        best_rank = (2, 0.0)
        for queue in agent.homes:
            lane = queue.front or queue.waiting
            if not lane:
                continue
            head = next(iter(lane))
            rank = (0 if lane is queue.front else 1, self.chats[head].enqueued_at)
            if rank < best_rank:
                best, best_rank = head, rank
        return best
