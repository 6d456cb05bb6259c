"""Engine state and the appliers: the only code that mutates it.

Commands decide and emit events; each event is applied here. Replay runs the same appliers,
so a log replayed into a fresh engine rebuilds the same state — timers included, because
appliers schedule them and a fired timer re-checks the state (a stale one does nothing).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from typing import Any

from . import events as ev
from .config import EngineConfig, QueueConfig
from .model import ASSIGNED, CLOSED, QUEUED, Agent, Chat, Queue, distinct

# Timer kinds: (deadline, order, kind, key, token) sit in one heap.
MAX_WAIT = "max_wait"
AGENT_GONE = "agent_gone"
INACTIVITY_WARN = "inactivity_warn"
INACTIVITY_CLOSE = "inactivity_close"
LEASE = "lease"


class EngineState:
    def __init__(self, clock: Callable[[], float], config: EngineConfig | None = None) -> None:
        self._clock = clock
        self.config = config or EngineConfig()
        self.config.check()
        self.chats: dict[str, Chat] = {}
        self.agents: dict[str, Agent] = {}
        self.queues: dict[str, Queue] = {}
        self._timers: list[tuple[float, int, str, str, Any]] = []
        self._order = 0  # tie-breaker for timers and the agents' touch order
        self._last_at = float("-inf")  # latest event time: a late timer is never stamped before it
        # Keep as many recent waits per queue as the deepest estimator reads.
        self._history = max([10, *(getattr(e, "depth", 0) for e in self.config.estimators)])
        for key in self.config.queues:
            self._queue(key)

    # --- replay ------------------------------------------------------------------------

    def replay(self, events: Iterable[ev.Event]) -> None:
        """Rebuild state from a log: the same appliers the live commands use."""
        apply = _APPLY
        for event in events:
            apply[type(event)](self, event)
            self._last_at = event.at

    # --- helpers the appliers share ----------------------------------------------------

    def _queue(self, key: str) -> Queue:
        """The queue, created on first use with its rules from the config (read once)."""
        queue = self.queues.get(key)
        if queue is None:
            rules = self.config.queue_config(key)
            queue = self.queues[key] = Queue(key, self._history, rules=rules)
        return queue

    def _rules(self, key: str) -> QueueConfig:
        queue = self.queues.get(key)
        return self.config.queue_config(key) if queue is None else queue.rules

    def _schedule(self, at: float, kind: str, key: str, token: Any) -> None:
        self._order += 1
        heapq.heappush(self._timers, (at, self._order, kind, key, token))

    def _touch(self, agent: Agent) -> None:
        """The agent goes to the back of the idle line, listed as free where it has room.

        Invariant: an agent is ``listed`` in the free dict of each of its queues exactly when
        auto-accept is on, it serves and it has a spare slot; every touch re-appends it, so the
        dicts stay in touch order (longest idle first).
        """
        self._order = agent.touched = self._order + 1
        room = agent.accepting and len(agent.chats) < agent.capacity
        if agent.listed:
            if room:
                for queue in agent.homes:
                    queue.free.move_to_end(agent.id)
            else:
                for queue in agent.homes:
                    del queue.free[agent.id]
        elif room:
            for queue in agent.homes:
                queue.free[agent.id] = agent
        agent.listed = room

    def _unlist(self, agent: Agent) -> None:
        """Withdraw the agent from its queues (before its queues change)."""
        if agent.listed:
            for queue in agent.homes:
                del queue.free[agent.id]
            agent.listed = False
        for queue in agent.homes:
            queue.slots -= agent.contribution
        agent.contribution = 0

    def _presence(self, agent: Agent, was_serving: bool, at: float) -> None:
        """Start (or cancel) the agent-gone grace timer when the agent stops (resumes) serving.

        Any change of presence or capacity also touches the agent: it joins the back of the
        idle line. Its serving slots (read by the queue-state estimator) follow.
        """
        agent.refresh(self.config.auto_accept)
        contribution = agent.capacity if agent.serving else 0
        if contribution != agent.contribution:
            for queue in agent.homes:
                queue.slots += contribution - agent.contribution
            agent.contribution = contribution
        self._touch(agent)
        if agent.serving == was_serving:
            return
        agent.gone_token += 1
        grace = self.config.agent_gone_grace
        if not agent.serving and grace is not None:
            self._schedule(at + grace, AGENT_GONE, agent.id, agent.gone_token)

    def _enqueue(self, chat: Chat, key: str, at: float, *, front: bool, transferred: bool) -> None:
        queue = self._queue(key)
        chat.state = QUEUED
        chat.queue = key
        chat.target_agent = None
        chat.enqueued_at = at
        chat.stint += 1
        chat.front = front
        chat.transferred = transferred
        (queue.front if front else queue.waiting)[chat.id] = None
        if transferred:
            queue.n_transferred += 1
        max_wait = queue.rules.max_wait
        if max_wait is not None:
            self._schedule(at + max_wait, MAX_WAIT, chat.id, chat.stint)

    def _dequeue(self, chat: Chat) -> None:
        if chat.target_agent is not None:
            del self.agents[chat.target_agent].inbox[chat.id]
            chat.target_agent = None
            return
        queue = self.queues[chat.queue]
        del (queue.front if chat.front else queue.waiting)[chat.id]
        if chat.transferred:
            queue.n_transferred -= 1

    def _release(self, chat: Chat) -> Agent:
        agent = self.agents[chat.agent_id]  # type: ignore[index]
        del agent.chats[chat.id]
        chat.agent_id = None
        self._touch(agent)
        return agent

    def _leave(self, chat: Chat) -> None:
        """Take the chat out of wherever it is (a queue, an inbox or an agent's hands)."""
        if chat.state == QUEUED:
            self._dequeue(chat)
        elif chat.state == ASSIGNED:
            self._release(chat)

    def _watch_user(self, chat: Chat, at: float) -> None:
        warn = self.queues[chat.queue].rules.inactivity_warn_after
        chat.last_user_at = at
        chat.watch += 1
        if warn is not None and chat.state == ASSIGNED:
            self._schedule(at + warn, INACTIVITY_WARN, chat.id, chat.watch)


# --- appliers ------------------------------------------------------------------------------


def _opened(s: EngineState, e: ev.ChatOpened) -> None:
    chat = s.chats[e.chat_id] = Chat(e.chat_id, e.source, e.company, e.queue, e.at)
    chat.customer_id = e.customer_id
    s._enqueue(chat, e.queue, e.at, front=False, transferred=False)


def _assigned(s: EngineState, e: ev.ChatAssigned) -> None:
    chat = s.chats[e.chat_id]
    agent = s.agents[e.agent_id]
    at = e.at
    if chat.target_agent is None:
        s.queues[chat.queue].waits.append((at, e.waited))
    s._dequeue(chat)
    chat.state = ASSIGNED
    chat.agent_id = agent.id
    chat.assigned_at = at
    chat.transferred = chat.front = False
    chat.agents_seen.append(agent.id)
    agent.chats[chat.id] = None
    s._touch(agent)
    s._watch_user(chat, at)


def _numbered(s: EngineState, e: Any) -> None:
    s.chats[e.chat_id].n = e.n


def _message(s: EngineState, e: ev.MessagePosted) -> None:
    chat = s.chats[e.chat_id]
    chat.n = e.n
    if e.sender == "user":
        s._watch_user(chat, e.at)


def _transferred(s: EngineState, e: ev.ChatTransferred) -> None:
    chat = s.chats[e.chat_id]
    s._release(chat)
    if e.to_agent is None:
        s._enqueue(chat, e.to_queue, e.at, front=False, transferred=True)  # type: ignore[arg-type]
        return
    chat.state = QUEUED
    chat.target_agent = e.to_agent
    chat.transferred = True
    chat.front = False
    chat.enqueued_at = e.at
    chat.stint += 1
    s.agents[e.to_agent].inbox[chat.id] = None


def _overflowed(s: EngineState, e: ev.ChatOverflowed) -> None:
    chat = s.chats[e.chat_id]
    s._dequeue(chat)
    s._enqueue(chat, e.to_queue, e.at, front=False, transferred=False)


def _requeued(s: EngineState, e: ev.ChatRequeued) -> None:
    chat = s.chats[e.chat_id]
    s._leave(chat)
    s._enqueue(chat, e.queue, e.at, front=True, transferred=False)


def _cancelled(s: EngineState, e: ev.ChatCancelled) -> None:
    s.chats[e.chat_id].user_cancelled = True


def _warned(s: EngineState, e: ev.InactivityWarned) -> None:
    chat = s.chats[e.chat_id]
    chat.watch += 1  # the warning is given once: its timer is now stale
    close = s.queues[chat.queue].rules.inactivity_close_after
    if close is not None:
        s._schedule(e.at + close, INACTIVITY_CLOSE, chat.id, chat.watch)


def _closed(s: EngineState, e: ev.ChatClosed) -> None:
    chat = s.chats[e.chat_id]
    if chat.state == ASSIGNED:
        s.queues[chat.queue].record_handle(e.at - chat.assigned_at)  # type: ignore[operator]
        s._release(chat)
    elif chat.state == QUEUED:
        s._dequeue(chat)
    chat.state = CLOSED
    chat.closed_reason = e.reason


def _ticket(s: EngineState, e: ev.TicketLinked | ev.TicketStatusChanged) -> None:
    s.chats[e.chat_id].tickets[e.ticket_id] = e.status


def _nothing(s: EngineState, e: ev.Event) -> None:
    """Facts kept for the record (estimates, pins) that change no routing state."""


def _signed_in(s: EngineState, e: ev.AgentSignedIn) -> None:
    agent = s.agents.get(e.agent_id)
    if agent is None:
        agent = s.agents[e.agent_id] = Agent(e.agent_id)
    was_serving = agent.serving
    s._unlist(agent)  # withdraw from the old queues before the profile changes
    agent.first_name, agent.last_name = e.first_name, e.last_name
    agent.screen_name = e.screen_name
    agent.queues = distinct(e.queues)
    agent.homes = tuple(s._queue(key) for key in agent.queues)
    agent.roles, agent.permissions = frozenset(e.roles), frozenset(e.permissions)
    if not agent.signed_in:
        agent.signed_in = agent.available = True
        agent.connected = e.connected
        cfg = s.config
        agent.capacity = cfg.default_capacity if cfg.auto_accept else cfg.manual_capacity
    s._presence(agent, was_serving, e.at)


def _availability(s: EngineState, e: ev.AgentAvailabilityChanged) -> None:
    agent = s.agents[e.agent_id]
    was_serving = agent.serving
    agent.available, agent.capacity = e.available, e.capacity
    s._presence(agent, was_serving, e.at)


def _screen_name(s: EngineState, e: ev.AgentScreenNameSet) -> None:
    agent = s.agents[e.agent_id]
    agent.screen_name = e.screen_name
    agent.refresh(s.config.auto_accept)


def _connection(s: EngineState, e: ev.AgentConnectionChanged) -> None:
    agent = s.agents[e.agent_id]
    was_serving = agent.serving
    agent.connected = e.connected
    s._presence(agent, was_serving, e.at)


def _signed_out(s: EngineState, e: ev.AgentSignedOut) -> None:
    agent = s.agents[e.agent_id]
    was_serving = agent.serving
    agent.signed_in = False
    agent.lease_until = None  # a sign-out ends the lease too: signing in again needs a new one
    s._presence(agent, was_serving, e.at)


def _lease_renewed(s: EngineState, e: ev.AgentLeaseRenewed) -> None:
    agent = s.agents[e.agent_id]
    agent.leases += 1  # a token never reused: a deadline could repeat after a sign-out
    _lease(s, agent, e.until, e.at)
    s._schedule(e.until, LEASE, agent.id, agent.leases)


def _lease_expired(s: EngineState, e: ev.AgentLeaseExpired) -> None:
    _lease(s, s.agents[e.agent_id], None, e.at)


def _lease(s: EngineState, agent: Agent, until: float | None, at: float) -> None:
    """A renewal or an expiry that leaves presence as it was (a stream is open, or the lease
    just got longer) does not touch the agent: its place in the idle line stays."""
    was_serving, was_present = agent.serving, agent.present
    agent.lease_until = until
    agent.refresh(s.config.auto_accept)
    if agent.present != was_present:
        s._presence(agent, was_serving, at)


_APPLY: dict[type, Callable[[Any, Any], None]] = {
    ev.ChatOpened: _opened,
    ev.WaitEstimated: _nothing,
    ev.ChatAssigned: _assigned,
    ev.MessagePosted: _message,
    ev.NoteAdded: _numbered,
    ev.SystemMessage: _numbered,
    ev.ArticleShared: _numbered,
    ev.ChatTransferred: _transferred,
    ev.ChatOverflowed: _overflowed,
    ev.ChatRequeued: _requeued,
    ev.ChatCancelled: _cancelled,
    ev.InactivityWarned: _warned,
    ev.ChatClosed: _closed,
    ev.TicketLinked: _ticket,
    ev.TicketStatusChanged: _ticket,
    ev.ArticlePinned: _nothing,
    ev.AgentSignedIn: _signed_in,
    ev.AgentAvailabilityChanged: _availability,
    ev.AgentScreenNameSet: _screen_name,
    ev.AgentConnectionChanged: _connection,
    ev.AgentSignedOut: _signed_out,
    ev.AgentLeaseRenewed: _lease_renewed,
    ev.AgentLeaseExpired: _lease_expired,
}
assert set(_APPLY) == set(ev.EVENT_TYPES.values()), "every event type needs an applier"
