"""Engine state and the appliers: the only code that mutates it.

Commands decide and emit events; each event is applied here. Replay runs the same appliers,
so a log replayed into a fresh engine rebuilds the same state — timers included, because
appliers schedule them and a fired timer re-checks the state (a stale one does nothing).
"""

from __future__ import annotations

import heapq
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from . import conversation_state  # issue 16: facts beside the routing state
from . import errors as err
from . import events as ev
from .config import AVAILABLE, EngineConfig, QueueConfig
from .model import ASSIGNED, CLOSED, QUEUED, Agent, Chat, Queue, distinct
from .presence import Presence
from .skills import merged, relaxed, requirement

# Timer kinds: (deadline, order, kind, key, token) sit in one heap.
MAX_WAIT = "max_wait"
INACTIVITY_WARN = "inactivity_warn"
INACTIVITY_CLOSE = "inactivity_close"
LEASE = "lease"
RELAX = "relax"
OFFER = "offer"
WRAP = "wrap"
# How an offer ended (OfferEnded.outcome): the agent declined, let it time out, or left.
DECLINED = "declined"
TIMED_OUT = "timed_out"
WITHDRAWN = "withdrawn"


class State:
    """The routing state (chats, agents, queues, the timer heap) and the invariants the
    appliers keep on it: who waits where, who is listed free. Only appliers mutate it."""

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.presence = Presence(self)
        self.chats: dict[str, Chat] = {}
        self.agents: dict[str, Agent] = {}
        self.queues: dict[str, Queue] = {}
        self.timers: list[tuple[float, int, str, str, Any]] = []
        self._order = 0  # tie-breaker for timers and the agents' touch order
        self.last_at = float("-inf")  # latest event time: a late timer is never stamped before it
        # customer id -> (chat id, when) of their latest abandoned chat, oldest first: a new
        # handoff within ``retrial_window`` is a retrial of it. Pruned as it goes: bounded.
        self.abandoned: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._ageing = config.priority_ageing
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
            self.last_at = event.at

    # --- helpers the appliers share ----------------------------------------------------

    def _queue(self, key: str) -> Queue:
        """The queue, created on first use with its rules from the config (read once)."""
        queue = self.queues.get(key)
        if queue is None:
            rules = self.config.queue_config(key)
            strict = self.config.priority_ageing is None
            queue = self.queues[key] = Queue(key, self._history, rules=rules, strict=strict)
        return queue

    def rules_for(self, key: str) -> QueueConfig:
        queue = self.queues.get(key)
        return self.config.queue_config(key) if queue is None else queue.rules

    def schedule(self, at: float, kind: str, key: str, token: Any) -> None:
        self._order += 1
        heapq.heappush(self.timers, (at, self._order, kind, key, token))

    def touch(self, agent: Agent) -> None:
        """The agent goes to the back of the idle line, listed as free where it has room.

        Invariant: an agent is ``listed`` in the free dict of each of its queues exactly when
        auto-accept is on, it serves and it has a spare slot; every touch re-appends it, so the
        dicts stay in touch order (longest idle first).
        """
        self._order = agent.touched = self._order + 1
        room = agent.accepting and agent.load < agent.capacity
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

    def _enqueue(self, chat: Chat, key: str, at: float, *, front: bool, transferred: bool) -> None:
        """The chat starts waiting in ``key``: its priority, skills and weight in that queue,
        its rank, its lane; and the queue's timers on it."""
        queue = self._queue(key)
        rules = queue.rules
        chat.state = QUEUED
        chat.queue = key
        chat.target_agent = None
        chat.enqueued_at = at
        chat.stint += 1
        chat.front = front
        chat.transferred = transferred
        chat.passed = None
        chat.weight = rules.weight
        own = chat.own_priority
        chat.priority = priority = own if own > rules.priority else rules.priority
        own_needs = chat.own_needs
        queue_needs = rules.skills
        if own_needs and queue_needs:
            needs = merged(own_needs, queue_needs)
        else:
            needs = own_needs or queue_needs
        chat.needs = chat.req = needs
        chat.step = 0
        self._order = order = self._order + 1
        if self._ageing is None:
            rank: tuple[float, ...] = (0 if front else 1, -priority, at, order)
        else:
            rank = (0 if front else 1, at - priority * self._ageing, order)
        chat.rank = rank
        lane = queue.plain if not (front or priority or needs) else None
        if lane is None:
            lane = queue.lane(front, priority, needs)
        chat.lane = lane
        lane.chats[chat.id] = rank
        queue.size += 1
        if transferred:
            queue.n_transferred += 1
        max_wait = rules.max_wait
        if max_wait is not None:
            self.schedule(at + max_wait, MAX_WAIT, chat.id, chat.stint)
        if rules.relax and needs:
            self.schedule(at + rules.relax[0].after, RELAX, chat.id, (chat.stint, 1))

    def _dequeue(self, chat: Chat) -> None:
        if chat.target_agent is not None:
            del self.agents[chat.target_agent].inbox[chat.id]
            chat.target_agent = None
            return
        queue = self.queues[chat.queue]
        del chat.lane.chats[chat.id]  # type: ignore[union-attr]
        chat.lane = None
        queue.size -= 1
        if chat.transferred:
            queue.n_transferred -= 1

    def _release(self, chat: Chat) -> Agent:
        agent = self.agents[chat.agent_id]  # type: ignore[index]
        del agent.chats[chat.id]
        agent.load -= chat.weight
        chat.agent_id = None
        self.touch(agent)
        return agent

    def _leave(self, chat: Chat) -> None:
        """Take the chat out of wherever it is (a queue, an inbox or an agent's hands)."""
        if chat.state == QUEUED:
            self._dequeue(chat)
        elif chat.state == ASSIGNED:
            self._release(chat)

    def _unoffer(self, chat: Chat) -> Agent:
        """Take back the chat's reservation: the agent's units free up, the chat stays put."""
        agent = self.agents[chat.offer_to]  # type: ignore[index]
        del agent.offers[chat.id]
        agent.load -= chat.weight
        chat.offer_to = None
        return agent

    def _remember_abandoned(self, chat: Chat, at: float) -> None:
        window = self.config.retrial_window
        customer = chat.customer_id
        if window is None or customer is None:
            return
        abandoned = self.abandoned
        abandoned[customer] = (chat.id, at)
        abandoned.move_to_end(customer)
        while abandoned:
            first = next(iter(abandoned.values()))
            if at - first[1] <= window:
                break
            abandoned.popitem(last=False)

    def retrial_of(self, customer_id: str | None, now: float) -> str | None:
        """The customer's abandoned chat if it closed within the retrial window."""
        window = self.config.retrial_window
        if window is None or customer_id is None:
            return None
        found = self.abandoned.get(customer_id)
        return found[0] if found is not None and now - found[1] <= window else None

    def forget(self, chat_id: str) -> bool:
        """Drop a closed chat from memory once nobody works on it any more; False while its
        after-chat work goes on (then it is still needed). Memory only, no event: routing
        never reads a closed chat, and a replayed log brings every chat back."""
        chat = self.chats[chat_id]
        if chat.state != CLOSED:
            raise err.ChatNotClosed(f"chat {chat_id} is not closed")
        last = self.agents.get(chat.agents_seen[-1]) if chat.agents_seen else None
        if chat.offer_to is not None or (last is not None and chat_id in last.wraps):
            return False
        del self.chats[chat_id]
        conversation_state.forget(self, chat_id)
        return True

    def _watch_user(self, chat: Chat, at: float) -> None:
        warn = self.queues[chat.queue].rules.inactivity_warn_after
        chat.last_user_at = at
        chat.watch += 1
        if warn is not None and chat.state == ASSIGNED:
            self.schedule(at + warn, INACTIVITY_WARN, chat.id, chat.watch)


# --- appliers ------------------------------------------------------------------------------


def _opened(s: State, e: ev.ChatOpened) -> None:
    chat = s.chats[e.chat_id] = Chat(e.chat_id, e.source, e.company, e.queue, e.at)
    chat.customer_id = e.customer_id
    if e.retrial_of is not None:
        chat.retrial_of = e.retrial_of
    if e.priority:
        chat.own_priority = e.priority
    if e.skills:
        chat.own_needs = requirement(e.skills.items())
    s._enqueue(chat, e.queue, e.at, front=False, transferred=False)


def _assigned(s: State, e: ev.ChatAssigned) -> None:
    chat = s.chats[e.chat_id]
    agent = s.agents[e.agent_id]
    at = e.at
    if chat.target_agent is None:
        s.queues[chat.queue].waits.append((at, e.waited))
    s._dequeue(chat)
    if chat.offer_to is not None:  # the agent accepted its offer: the reserved units stay
        del agent.offers[chat.id]
        chat.offer_to = None
        agent.missed = 0
    else:
        agent.load += chat.weight
    chat.passed = None
    chat.state = ASSIGNED
    chat.agent_id = agent.id
    chat.assigned_at = at
    chat.transferred = chat.front = False
    chat.agents_seen.append(agent.id)
    agent.chats[chat.id] = None
    s.touch(agent)
    s._watch_user(chat, at)


def _numbered(s: State, e: Any) -> None:
    s.chats[e.chat_id].n = e.n


def _message(s: State, e: ev.MessagePosted) -> None:
    chat = s.chats[e.chat_id]
    chat.n = e.n
    if e.sender == "user":
        s._watch_user(chat, e.at)


def _transferred(s: State, e: ev.ChatTransferred) -> None:
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
    chat.passed = None
    s.agents[e.to_agent].inbox[chat.id] = None


def _overflowed(s: State, e: ev.ChatOverflowed) -> None:
    chat = s.chats[e.chat_id]
    s._dequeue(chat)
    s._enqueue(chat, e.to_queue, e.at, front=False, transferred=False)


def _requeued(s: State, e: ev.ChatRequeued) -> None:
    chat = s.chats[e.chat_id]
    s._leave(chat)
    s._enqueue(chat, e.queue, e.at, front=True, transferred=False)


def _cancelled(s: State, e: ev.ChatCancelled) -> None:
    s.chats[e.chat_id].user_cancelled = True


def _warned(s: State, e: ev.InactivityWarned) -> None:
    chat = s.chats[e.chat_id]
    chat.watch += 1  # the warning is given once: its timer is now stale
    close = s.queues[chat.queue].rules.inactivity_close_after
    if close is not None:
        s.schedule(e.at + close, INACTIVITY_CLOSE, chat.id, chat.watch)


def _closed(s: State, e: ev.ChatClosed) -> None:
    chat = s.chats[e.chat_id]
    if chat.state == ASSIGNED:
        s.queues[chat.queue].record_handle(e.at - chat.assigned_at)  # type: ignore[operator]
        s._release(chat)
    elif chat.state == QUEUED:
        s._dequeue(chat)
        if e.reason in ABANDONED:
            s._remember_abandoned(chat, e.at)
    chat.state = CLOSED
    chat.closed_reason = e.reason


ABANDONED = frozenset({ev.CLOSE_CANCELLED, ev.CLOSE_NO_AGENT})


def _relaxed(s: State, e: ev.ChatRelaxed) -> None:
    chat = s.chats[e.chat_id]
    steps = s.queues[chat.queue].rules.relax
    chat.step = e.step
    chat.req = relaxed(chat.needs, steps, e.step)
    if e.step < len(steps):
        s.schedule(chat.enqueued_at + steps[e.step].after, RELAX, chat.id, (chat.stint, e.step + 1))


def _offered(s: State, e: ev.ChatOffered) -> None:
    chat = s.chats[e.chat_id]
    agent = s.agents[e.agent_id]
    chat.offer_to = agent.id
    chat.offers += 1
    agent.offers[chat.id] = None
    agent.load += chat.weight
    s.touch(agent)
    s.schedule(e.until, OFFER, chat.id, chat.offers)


def _offer_ended(s: State, e: ev.OfferEnded) -> None:
    chat = s.chats[e.chat_id]
    agent = s._unoffer(chat)
    if e.outcome != WITHDRAWN:  # not offered to this agent again while it waits here
        if chat.passed is None:
            chat.passed = set()
        chat.passed.add(agent.id)
    if e.outcome == TIMED_OUT:
        agent.missed += 1
    elif e.outcome == DECLINED:
        agent.missed = 0
    s.touch(agent)


def _wrap_started(s: State, e: ev.WrapUpStarted) -> None:
    agent = s.agents[e.agent_id]
    agent.wraps[e.chat_id] = e.until
    agent.load += s.chats[e.chat_id].weight
    s.touch(agent)
    if e.until is not None:
        s.schedule(e.until, WRAP, e.chat_id, agent.id)


def _wrap_ended(s: State, e: ev.WrapUpEnded) -> None:
    agent = s.agents[e.agent_id]
    del agent.wraps[e.chat_id]
    agent.load -= s.chats[e.chat_id].weight
    s.touch(agent)


def _ticket(s: State, e: ev.TicketLinked | ev.TicketStatusChanged) -> None:
    s.chats[e.chat_id].tickets[e.ticket_id] = e.status


def _nothing(s: State, e: ev.Event) -> None:
    """Facts kept for the record (estimates, pins) that change no routing state."""


def _signed_in(s: State, e: ev.AgentSignedIn) -> None:
    agent = s.agents.get(e.agent_id)
    if agent is None:
        agent = s.agents[e.agent_id] = Agent(e.agent_id)
    was = agent.serving, agent.keeping
    s._unlist(agent)  # withdraw from the old queues before the profile changes
    agent.first_name, agent.last_name = e.first_name, e.last_name
    agent.screen_name = e.screen_name
    agent.queues = distinct(e.queues)
    agent.homes = tuple(s._queue(key) for key in agent.queues)
    agent.roles, agent.permissions = frozenset(e.roles), frozenset(e.permissions)
    agent.skills = dict(e.skills) if e.skills else {}
    if not agent.signed_in:
        agent.signed_in = agent.available = True
        agent.status, agent.status_since, agent.missed = AVAILABLE, e.at, 0
        agent.connected = e.connected
        cfg = s.config
        agent.capacity = cfg.default_capacity if cfg.auto_accept else cfg.manual_capacity
    s.presence.changed(agent, was, e.at)


def _availability(s: State, e: ev.AgentAvailabilityChanged) -> None:
    agent = s.agents[e.agent_id]
    was = agent.serving, agent.keeping
    if e.status != agent.status:
        agent.status, agent.status_since = e.status, e.at
    agent.available, agent.capacity = e.available, e.capacity
    if e.available:
        agent.missed = 0
    s.presence.changed(agent, was, e.at)


def _screen_name(s: State, e: ev.AgentScreenNameSet) -> None:
    agent = s.agents[e.agent_id]
    agent.screen_name = e.screen_name
    agent.refresh(s.config.auto_accept)


def _connection(s: State, e: ev.AgentConnectionChanged) -> None:
    agent = s.agents[e.agent_id]
    was = agent.serving, agent.keeping
    agent.connected = e.connected
    s.presence.changed(agent, was, e.at)


def _signed_out(s: State, e: ev.AgentSignedOut) -> None:
    agent = s.agents[e.agent_id]
    was = agent.serving, agent.keeping
    agent.signed_in = False
    agent.lease_until = None  # a sign-out ends the lease too: signing in again needs a new one
    s.presence.changed(agent, was, e.at)


def _lease_renewed(s: State, e: ev.AgentLeaseRenewed) -> None:
    agent = s.agents[e.agent_id]
    agent.leases += 1  # a token never reused: a deadline could repeat after a sign-out
    s.presence.lease(agent, e.until, e.at)
    s.schedule(e.until, LEASE, agent.id, agent.leases)


def _lease_expired(s: State, e: ev.AgentLeaseExpired) -> None:
    s.presence.lease(s.agents[e.agent_id], None, e.at)


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
    ev.SupervisorMonitored: _nothing,
    ev.SupervisorWhispered: _numbered,
    ev.SupervisorJoined: conversation_state.supervisor_joined,
    ev.SupervisorTookOver: _nothing,
    ev.SupervisorReassigned: _nothing,
    ev.MessagesRead: conversation_state.messages_read,
    ev.SurveyAnswered: conversation_state.survey_answered,
    ev.OfflineMessageLeft: _nothing,
    ev.TranscriptRequested: _nothing,
    ev.TranscriptSent: _nothing,
    ev.TranscriptFailed: _nothing,
    ev.ScreenShareOffered: _numbered,
    ev.ChatRelaxed: _relaxed,
    ev.ChatOffered: _offered,
    ev.OfferEnded: _offer_ended,
    ev.WrapUpStarted: _wrap_started,
    ev.WrapUpEnded: _wrap_ended,
}
assert set(_APPLY) == set(ev.EVENT_TYPES.values()), "every event type needs an applier"
