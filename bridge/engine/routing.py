"""Routing decisions shared by commands and timers: offer a waiting chat, fill a free agent.

Invariant (auto-accept): a queue with waiting chats has no free agent. So a chat that starts
waiting goes straight to a free agent if its queue has one, and a slot that frees up goes
straight to the oldest chat the agent can take.
"""

from __future__ import annotations

from collections.abc import Callable

from . import events as ev
from .model import QUEUED, Agent, Chat
from .state import _APPLY, State


def discard(event: ev.Event) -> None:
    """The sink of an engine nobody listens to: cheaper than testing for None per event."""


ENDED_TEXT = "The chat has ended."


class Routing:
    """Owns the routing decisions and the one way events get out: ``emit`` applies an event to
    the state, records it in the command's list and hands it to the sink."""

    def __init__(self, state: State, sink: Callable[[ev.Event], None]) -> None:
        self.state = state
        self.config = state.config
        self.chats = state.chats
        self.agents = state.agents
        self.queues = state.queues
        self._sink = sink

    def emit(self, out: list[ev.Event], event: ev.Event) -> None:
        state = self.state
        _APPLY[type(event)](state, event)
        state.last_at = event.at
        out.append(event)
        self._sink(event)

    def say(
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
            self.state.last_at = at
            out.append(event)
            self._sink(event)

    def note(self, out: list[ev.Event], chat: Chat, at: float, text: str) -> None:
        """A note the engine writes itself (no agent) for the agents who handle the chat next."""
        self.emit(out, ev.NoteAdded(at, chat.id, chat.n + 1, None, text))

    def assign(self, out: list[ev.Event], chat: Chat, agent: Agent, at: float, how: str) -> None:
        self.emit(out, ev.ChatAssigned(at, chat.id, agent.id, at - chat.enqueued_at, how))
        self.say(out, chat, at, "joined", agent.joined_text)

    def close(
        self, out: list[ev.Event], chat: Chat, agent: Agent, at: float, reason: str, text: str = ""
    ) -> None:
        """Say goodbye, close the chat and give the agent's freed slot to the next chat."""
        self.say(out, chat, at, "ended", text or ENDED_TEXT)
        self.emit(out, ev.ChatClosed(at, chat.id, agent.id, reason))
        self.fill(out, agent, at)

    def offer(self, out: list[ev.Event], chat: Chat, at: float, skip: str | None = None) -> None:
        """A chat starts waiting: give it to a free agent now if auto-accept has one."""
        config = self.config
        if not config.auto_accept or chat.state != QUEUED:
            return
        if chat.target_agent is not None:
            agent = self.agents[chat.target_agent]
            if agent.listed:  # serving with a spare slot
                self.assign(out, chat, agent, at, "auto")
            return
        free = self.queues[chat.queue].free
        # The agent giving the chat away does not get it straight back.
        if skip is not None and skip in free:
            free = {key: agent for key, agent in free.items() if key != skip}
        if free:
            self.assign(out, chat, config.policy.pick(free), at, "auto")

    def fill(self, out: list[ev.Event], agent: Agent, at: float) -> None:
        """An agent has room: assign the oldest chats it can take until it is full."""
        while agent.listed:  # auto-accept, serving, a spare slot
            chat_id = self.next_for(agent)
            if chat_id is None:
                return
            self.assign(out, self.chats[chat_id], agent, at, "auto")

    def next_for(self, agent: Agent) -> str | None:
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

    def requeue_all(self, out: list[ev.Event], agent: Agent, at: float, reason: str) -> None:
        """Give every chat the agent holds or was sent back to a queue's front lane.

        A chat whose user cancelled closes instead: nobody is left to wait for an agent.
        """
        chats = []
        for chat_id in (*agent.chats, *agent.inbox):
            chat = self.chats[chat_id]
            if chat.user_cancelled:
                self.emit(out, ev.ChatClosed(at, chat.id, agent.id, ev.CLOSE_CANCELLED))
            else:
                chats.append(chat)
        for chat in chats:
            target = self.config.agent_gone_queue or chat.queue
            self.say(
                out,
                chat,
                at,
                "requeued",
                "Your agent is no longer available: you are first in line for the next.",
            )
            self.note(out, chat, at, f"Returned to {target}: {agent.display_name} left ({reason}).")
            self.emit(out, ev.ChatRequeued(at, chat.id, agent.id, target, reason))
        for chat in chats:
            self.offer(out, chat, at, skip=agent.id)
