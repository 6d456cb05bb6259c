"""Timers inside the engine: maximum wait, agent-gone grace, user inactivity and heartbeat leases.

Appliers schedule deadlines in one heap; drivers ask ``next_deadline()`` and call
``advance(now)``. A fired timer re-checks the state through its token, so a timer made stale
by an accept, transfer or cancel does nothing: nothing needs cancelling.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

from . import events as ev
from .model import ASSIGNED, QUEUED
from .presence import AGENT_GONE
from .routing import Routing
from .state import (
    INACTIVITY_CLOSE,
    INACTIVITY_WARN,
    LEASE,
    MAX_WAIT,
    OFFER,
    RELAX,
    TIMED_OUT,
    WRAP,
    State,
)


class Timers:
    """Owns firing the deadlines the appliers put on the state's heap: which are live, and
    what each kind does when due (through the routing collaborator's emit)."""

    def __init__(self, state: State, routing: Routing, clock: Callable[[], float]) -> None:
        self.state = state
        self.routing = routing
        self.chats = state.chats
        self.agents = state.agents
        self.queues = state.queues
        self._clock = clock

    def next_deadline(self) -> float | None:
        """The earliest live deadline; stale entries at the top are dropped on the way."""
        timers = self.state.timers
        while timers:
            at, _, kind, key, token = timers[0]
            if self._live(kind, key, token):
                return at
            heapq.heappop(timers)
        return None

    def advance(self, now: float | None = None) -> list[ev.Event]:
        """Fire every timer due by ``now``, in deadline order.

        Events are stamped with the deadline, or with the latest event already applied if that
        is later (a command slipped in before a late timer): the log's time never runs back.
        """
        now = self._clock() if now is None else now
        out: list[ev.Event] = []
        state = self.state
        timers = state.timers
        while timers and timers[0][0] <= now:
            at, _, kind, key, token = heapq.heappop(timers)
            if self._live(kind, key, token):
                _FIRE[kind](self, out, max(at, state.last_at), key)
        return out

    def _live(self, kind: str, key: str, token: Any) -> bool:
        if kind == AGENT_GONE:
            agent = self.agents[key]
            held = agent.chats or agent.inbox or agent.wraps or agent.offers
            return agent.gone_token == token and not agent.keeping and bool(held)
        if kind == LEASE:
            agent = self.agents[key]
            return agent.lease_until is not None and agent.leases == token
        if kind == WRAP:  # keyed by the chat; the token is the agent wrapping it up
            return key in self.agents[token].wraps
        chat = self.chats.get(key)
        if chat is None:
            return False  # a closed chat the driver had the engine forget
        if kind == MAX_WAIT:
            return chat.state == QUEUED and chat.stint == token and chat.target_agent is None
        if kind == RELAX:
            stint, step = token
            return chat.state == QUEUED and chat.stint == stint and chat.step == step - 1
        if kind == OFFER:
            return chat.offer_to is not None and chat.offers == token
        return chat.state == ASSIGNED and not chat.user_cancelled and chat.watch == token

    def _max_wait(self, out: list[ev.Event], at: float, chat_id: str) -> None:
        routing = self.routing
        chat = self.chats[chat_id]
        cfg = self.queues[chat.queue].rules
        offered = routing.withdraw(out, chat, at, "max_wait")
        target = cfg.max_wait_overflow
        if target is not None and target != chat.queue:
            routing.say(
                out,
                chat,
                at,
                "overflowed",
                "All agents here are busy: your chat moved to another support queue.",
            )
            routing.note(
                out, chat, at, f"Overflowed from {chat.queue} after waiting {cfg.max_wait:g} s."
            )
            routing.emit(out, ev.ChatOverflowed(at, chat.id, chat.queue, target, "max_wait"))
            routing.offer(out, chat, at)
        else:
            text = "No agent is available right now. Please try later."
            routing.say(out, chat, at, "no_agent", text)
            routing.emit(out, ev.ChatClosed(at, chat.id, None, ev.CLOSE_NO_AGENT))
        if offered is not None:
            routing.fill(out, offered, at)

    def _relax(self, out: list[ev.Event], at: float, chat_id: str) -> None:
        """The chat reached its queue's next relaxation step: more agents qualify now."""
        chat = self.chats[chat_id]
        step = chat.step + 1
        level = self.queues[chat.queue].rules.relax[step - 1].level
        self.routing.emit(out, ev.ChatRelaxed(at, chat.id, step, level))
        self.routing.offer(out, chat, at)

    def _offer_over(self, out: list[ev.Event], at: float, chat_id: str) -> None:
        """Nobody accepted the offer in time: the chat goes to the next agent who qualifies."""
        self.routing.end_offer(out, self.chats[chat_id], at, TIMED_OUT)

    def _wrap_over(self, out: list[ev.Event], at: float, chat_id: str) -> None:
        """The wrap-up's longest time passed: the agent who ended the chat is ready again."""
        agent = self.agents[self.chats[chat_id].agents_seen[-1]]
        self.routing.emit(out, ev.WrapUpEnded(at, chat_id, agent.id, "timeout"))
        self.routing.fill(out, agent, at)

    def _lease_over(self, out: list[ev.Event], at: float, agent_id: str) -> None:
        """No heartbeat renewed the lease: the agent is gone unless a stream is open."""
        self.routing.emit(out, ev.AgentLeaseExpired(at, agent_id))

    def _agent_gone(self, out: list[ev.Event], at: float, agent_id: str) -> None:
        agent = self.agents[agent_id]
        self.routing.requeue_all(out, agent, at, "agent_gone")

    def _inactivity_warn(self, out: list[ev.Event], at: float, chat_id: str) -> None:
        chat = self.chats[chat_id]
        close = self.queues[chat.queue].rules.inactivity_close_after
        self.routing.emit(out, ev.InactivityWarned(at, chat.id, chat.agent_id))
        later = f" It will close in {close:g} s without a reply." if close is not None else ""
        self.routing.say(out, chat, at, "inactivity", f"Are you still there?{later}")

    def _inactivity_close(self, out: list[ev.Event], at: float, chat_id: str) -> None:
        chat = self.chats[chat_id]
        agent = self.agents[chat.agent_id]  # type: ignore[index]
        text = "The chat was closed after a period of inactivity."
        self.routing.close(out, chat, agent, at, ev.CLOSE_INACTIVE, text)


_FIRE = {
    MAX_WAIT: Timers._max_wait,
    AGENT_GONE: Timers._agent_gone,
    INACTIVITY_WARN: Timers._inactivity_warn,
    INACTIVITY_CLOSE: Timers._inactivity_close,
    LEASE: Timers._lease_over,
    RELAX: Timers._relax,
    OFFER: Timers._offer_over,
    WRAP: Timers._wrap_over,
}
