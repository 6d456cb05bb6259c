"""Routing decisions shared by commands and timers: offer a waiting chat, fill a free agent.

Invariant (auto-accept): no waiting chat has a free agent who qualifies for it (its queue, its
skills at the levels asked now, room for its weight, not one who passed on it). So a chat that
starts waiting (or relaxes) goes straight to such an agent if there is one, and units that free
up go straight to the best chat the agent can take: the front lane first, then the highest
priority, then the longest waiting (or, with ageing, the best rank).

The plain queue (no skills, one priority, weight 1) keeps the old fast path: the first free
agent of the queue, and the head of the front lane or of the one lane.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from . import events as ev
from .model import QUEUED, Agent, Chat, Lane
from .skills import qualifies, score
from .state import _APPLY, TIMED_OUT, WITHDRAWN, State


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
        # Auto-accept's hand-over, chosen once: straight to the agent, or an offer.
        self.give: Callable[[list[ev.Event], Chat, Agent, float], None] = (
            partial(self.assign, how="auto") if self.config.offers is None else self._reserve
        )

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

    def _reserve(self, out: list[ev.Event], chat: Chat, agent: Agent, at: float) -> None:
        timeout = self.config.offers.timeout  # type: ignore[union-attr]
        self.emit(out, ev.ChatOffered(at, chat.id, agent.id, at + timeout))

    def close(
        self, out: list[ev.Event], chat: Chat, agent: Agent, at: float, reason: str, text: str = ""
    ) -> None:
        """Say goodbye, close the chat, start the agent's wrap-up if the queue has one, and
        give the agent's freed units to the next chat."""
        self.say(out, chat, at, "ended", text or ENDED_TEXT)
        self.emit(out, ev.ChatClosed(at, chat.id, agent.id, reason))
        wrap = self.queues[chat.queue].rules.wrap_up
        if wrap is not None and agent.keeping:
            self.emit(out, ev.WrapUpStarted(at, chat.id, agent.id, at + wrap))
        self.fill(out, agent, at)

    def offer(self, out: list[ev.Event], chat: Chat, at: float, skip: str | None = None) -> None:
        """A chat starts waiting (or relaxes, or was passed on): give it to a free agent who
        qualifies, if auto-accept has one."""
        config = self.config
        if not config.auto_accept or chat.state != QUEUED or chat.offer_to is not None:
            return
        if chat.target_agent is not None:
            agent = self.agents[chat.target_agent]
            if agent.listed and agent.fits(chat.weight) and not _passed(chat, agent):
                self.give(out, chat, agent, at)
            return
        free = self.queues[chat.queue].free
        if not free:
            return
        # The plain case picks from the free agents as they are; otherwise only those who
        # qualify (the agent giving the chat away does not get it straight back).
        if chat.req or chat.passed or chat.weight != 1 or (skip is not None and skip in free):
            free = {k: a for k, a in free.items() if k != skip and _can_have(a, chat)}
            if not free:
                return
        if config.prefer_skill_level and chat.needs and len(free) > 1:
            free = _best_levels(free, chat)
        self.give(out, chat, config.policy.pick(free), at)

    def fill(self, out: list[ev.Event], agent: Agent, at: float) -> None:
        """An agent has room: give it the best chats it can take until it is full."""
        while agent.listed:  # auto-accept, serving, a spare unit
            chat_id = self.next_for(agent)
            if chat_id is None:
                return
            self.give(out, self.chats[chat_id], agent, at)

    def next_for(self, agent: Agent) -> str | None:
        """Chats transferred to the agent by name first, then the best chat of its queues it
        qualifies for: requeued chats (front lanes) before all others, then by rank."""
        chats = self.chats
        for chat_id in agent.inbox:
            chat = chats[chat_id]
            if chat.offer_to is None and agent.fits(chat.weight) and not _passed(chat, agent):
                return chat_id
        best: str | None = None
        best_rank: tuple[float, ...] | None = None
        room = agent.capacity - agent.load
        for queue in agent.homes:
            if not queue.size or queue.rules.weight > room:
                continue
            level: tuple[bool, int] | None = None
            for lane in queue.lanes:
                if level is not None and (lane.front, lane.priority) != level:
                    break  # strict priority: later lanes of this queue rank lower
                waiting = lane.chats
                if not waiting:
                    continue
                found = next(iter(waiting))
                head = chats[found]
                if head.req or head.offer_to is not None or head.passed is not None:
                    found = _first_for(lane, agent, chats)
                    if found is None:
                        continue
                rank = waiting[found]
                if best_rank is None or rank < best_rank:
                    best, best_rank = found, rank
                if queue.strict:
                    level = (lane.front, lane.priority)
        return best

    # --- offers and wrap-up -------------------------------------------------------------

    def end_offer(
        self, out: list[ev.Event], chat: Chat, at: float, outcome: str, reason: str = ""
    ) -> Agent:
        """The offer ends unaccepted: the chat keeps its place and goes to the next agent who
        qualifies; the agent gets the next chat it can take (not this one)."""
        agent = self.agents[chat.offer_to]  # type: ignore[index]
        self.emit(out, ev.OfferEnded(at, chat.id, agent.id, outcome, reason))
        offers = self.config.offers
        limit = offers.max_missed if offers is not None else None
        if outcome == TIMED_OUT and limit is not None and agent.missed >= limit:
            state = offers.missed_state  # type: ignore[union-attr]
            self.emit(out, ev.AgentAvailabilityChanged(at, agent.id, False, agent.capacity, state))
            self.withdraw_offers(out, agent, at, "not_ready")
        if outcome != WITHDRAWN:
            self.offer(out, chat, at)
            self.fill(out, agent, at)
        return agent

    def withdraw(self, out: list[ev.Event], chat: Chat, at: float, reason: str) -> Agent | None:
        """Take back a pending offer before the chat moves or closes; the caller fills the
        agent it returns once the chat is gone (else the agent would get it straight back)."""
        if chat.offer_to is None:
            return None
        return self.end_offer(out, chat, at, WITHDRAWN, reason)

    def withdraw_offers(self, out: list[ev.Event], agent: Agent, at: float, reason: str) -> None:
        """The agent stopped taking chats: its offers go to the next agents who qualify."""
        for chat_id in list(agent.offers):
            chat = self.chats[chat_id]
            self.end_offer(out, chat, at, WITHDRAWN, reason)
            self.offer(out, chat, at, skip=agent.id)

    def end_wrap_ups(self, out: list[ev.Event], agent: Agent, at: float, how: str) -> None:
        for chat_id in list(agent.wraps):
            self.emit(out, ev.WrapUpEnded(at, chat_id, agent.id, how))

    def requeue_all(self, out: list[ev.Event], agent: Agent, at: float, reason: str) -> None:
        """Give every chat the agent holds or was sent back to a queue's front lane.

        A chat whose user cancelled closes instead: nobody is left to wait for an agent.
        """
        self.end_wrap_ups(out, agent, at, reason)
        self.withdraw_offers(out, agent, at, reason)
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


def _passed(chat: Chat, agent: Agent) -> bool:
    passed = chat.passed
    return passed is not None and agent.id in passed


def _can_have(agent: Agent, chat: Chat) -> bool:
    """The free agent qualifies for the waiting chat: skills now, room, not passed on it."""
    return (
        agent.fits(chat.weight) and qualifies(agent.skills, chat.req) and not _passed(chat, agent)
    )


def _first_for(lane: Lane, agent: Agent, chats: dict[str, Chat]) -> str | None:
    """The lane's first chat the agent may get. Its head decides for the whole lane: chats
    behind it ask at least as much (see ``skills``), unless the head is held by an offer or
    was passed on by this agent."""
    for chat_id in lane.chats:
        chat = chats[chat_id]
        if chat.offer_to is not None or _passed(chat, agent):
            continue
        if chat.req and not qualifies(agent.skills, chat.req):
            return None
        return chat_id
    return None


def _best_levels(free: dict[str, Agent], chat: Chat) -> dict[str, Agent]:
    """The free agents with the best levels in the chat's skills, in idle order."""
    scores = {k: score(a.skills, chat.needs) for k, a in free.items()}
    top = max(scores.values())
    return {k: a for k, a in free.items() if scores[k] == top}
