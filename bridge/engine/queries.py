"""Read-only questions the console, the user's stream, the bots, the dashboard, the metrics
and the simulator ask of the engine. Answers are plain data or frozen views (``views.py``):
nothing handed out lets a caller read or change the engine's model objects."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from .checks import Checks
from .config import queue_key
from .model import ASSIGNED, QUEUED, Agent, Chat, Queue
from .skills import qualifies
from .state import State
from .supervision import SUPERVISOR_ROLE, supervises
from .views import AgentView, ChatView


class Queries:
    """Owns every read-only answer about chats, agents and queues (presence's own questions
    live with ``Presence``)."""

    def __init__(self, state: State, checks: Checks, clock: Callable[[], float]) -> None:
        self.state = state
        self.config = state.config
        self.chats = state.chats
        self.agents = state.agents
        self.queues = state.queues
        self._clock = clock
        self._chat = checks.chat
        self._agent = checks.agent
        self._known_queue = checks.known_queue
        self._held = checks.held
        self.supervisor_role = SUPERVISOR_ROLE  # settings: supervision.role

    def can_see(self, agent: Agent, chat: Chat) -> bool:
        """Whether the agent may view the chat: its queues, sent to it, or held by it before.

        A chat sent to a named agent is hidden from the rest of its queue, but not from the
        agents who held it: the sender keeps reading what it transferred (its actions go)."""
        if agent.id in chat.agents_seen:
            return True
        if supervises(agent, chat, self.supervisor_role):  # every chat of their queues
            return True
        if chat.target_agent is not None:
            return chat.target_agent == agent.id
        return chat.queue in agent.queues

    def can_take(self, agent: Agent, chat: Chat) -> bool:
        """Whether the agent may accept the waiting chat: one of its own support queues (the
        transferred ones of those queues included), or sent to it by name."""
        if chat.target_agent is not None:
            return chat.target_agent == agent.id
        return chat.queue in agent.queues

    def counts(self, agent_id: str) -> dict[str, int]:
        """The console's three counts as this agent sees them."""
        agent = self._agent(agent_id)
        fresh = transferred = 0
        for key in agent.queues:
            queue = self.queues.get(key)
            if queue is not None:
                fresh += len(queue) - queue.n_transferred
                transferred += queue.n_transferred
        return {
            "queue": fresh,
            "transferred": transferred + len(agent.inbox),
            "my_chats": len(agent.chats),
        }

    def queue_list(self, agent_id: str) -> list[str]:
        """Waiting chats of the agent's queues that were not transferred, oldest first."""
        return [c for c in self._waiting_for(agent_id) if not self.chats[c].transferred]

    def transferred_list(self, agent_id: str) -> list[str]:
        agent = self._agent(agent_id)
        mine = [c for c in self._waiting_for(agent_id) if self.chats[c].transferred]
        return [*agent.inbox, *mine]

    def my_chats(self, agent_id: str) -> list[str]:
        return list(self._agent(agent_id).chats)

    def _waiting_for(self, agent_id: str) -> list[str]:
        agent = self._agent(agent_id)
        ordered: list[Chat] = []
        for key in agent.queues:
            queue = self.queues.get(key)
            if queue is not None:
                ordered += (self.chats[c] for c in queue.ordered())
        if len(agent.queues) > 1:
            ordered.sort(key=_rank)
        return [c.id for c in ordered]

    def position(self, chat_id: str) -> int | None:
        """1-based place in its queue (or in the named agent's Transferred list); None if not
        waiting."""
        chat = self._chat(chat_id)
        if chat.state != QUEUED:
            return None
        if chat.target_agent is not None:
            return list(self.agents[chat.target_agent].inbox).index(chat_id) + 1
        return self.queues[chat.queue].position(chat_id, chat.rank)

    def estimates_for(self, key: str, position: int, now: float) -> dict[str, float | None]:
        queue = self._peek(key)
        return {e.name: e.estimate(queue, position, now) for e in self.config.estimators}

    def estimated_wait(self, chat_id: str) -> float | None:
        """What the user is told: the first configured estimator's answer."""
        position = self.position(chat_id)
        if position is None:
            return None
        chat, now = self.chats[chat_id], self._clock()
        estimator = self.config.estimators[0]
        return estimator.estimate(self._peek(chat.queue), position, now, now - chat.enqueued_at)

    def availability(self, company: str, queue: str | None = None) -> dict[str, Any]:
        """What a bot asks before a handoff: open, agents, free capacity, queue length, EWT."""
        key = self._known_queue(queue_key(company, queue))
        now = self._clock()
        hours = self.state.rules_for(key).hours
        serving = [a for a in self.agents.values() if key in a.queues and a.serving]
        waiting = len(self.queues[key]) if key in self.queues else 0
        estimator = self.config.estimators[0]
        return {
            "queue": key,
            "open": hours is None or hours.is_open(now),
            "agents_available": len(serving),
            "free_capacity": sum(max(a.free_slots, 0) for a in serving),
            "queue_length": waiting,
            "estimated_wait": estimator.estimate(self._peek(key), waiting + 1, now),
        }

    def _peek(self, key: str) -> Queue:
        """The queue if it exists, else an empty stand-in: a question never creates a queue."""
        queue = self.queues.get(key)
        return Queue(key) if queue is None else queue

    def snapshot(self) -> dict[str, Any]:
        """The whole routing state as plain data: replay equivalence compares these."""
        return {
            "chats": {k: c.snapshot() for k, c in self.chats.items()},
            "agents": {k: a.snapshot() for k, a in self.agents.items()},
            "queues": {
                k: q.snapshot()
                for k, q in self.queues.items()
                if len(q) or q.slots or q.free or q.waits or q.handles
            },
        }

    # --- chats and agents as the outside may see them --------------------------------------

    def chat_view(self, chat_id: str) -> ChatView | None:
        """A frozen copy of the chat, or None if there is no such chat."""
        chat = self.chats.get(chat_id)
        return None if chat is None else ChatView.of(chat)

    def chat_state(self, chat_id: str) -> str:
        """``queued``, ``assigned`` or ``closed`` (``UnknownChat`` if none)."""
        return self._chat(chat_id).state

    def unanswered(self, chat_id: str) -> bool:
        """The chat still waits and no agent ever took it (a user may still give up)."""
        chat = self._chat(chat_id)
        return chat.state == QUEUED and chat.assigned_at is None

    def in_service(self, chat_id: str) -> bool:
        """An agent holds the chat and its user has not cancelled."""
        chat = self._chat(chat_id)
        return chat.state == ASSIGNED and not chat.user_cancelled

    def chats_with_ticket_status(self, status: str) -> list[str]:
        """Chats with a linked ticket in ``status`` (reconciling with the ITSM on start)."""
        return [c.id for c in self.chats.values() if status in c.tickets.values()]

    def agent_view(self, agent_id: str) -> AgentView | None:
        """A frozen copy of the agent, or None if the engine never saw it."""
        agent = self.agents.get(agent_id)
        return None if agent is None else AgentView.of(agent)

    def agent_views(self) -> list[AgentView]:
        """Every agent the engine knows, by id."""
        return [AgentView.of(self.agents[k]) for k in sorted(self.agents)]

    def agent_queues(self, agent_id: str) -> tuple[str, ...]:
        """The agent's support queues now, in profile order (``UnknownAgent`` if none)."""
        return tuple(self._agent(agent_id).queues)

    def sizes(self) -> dict[str, int]:
        """How many chats and agents the engine holds (cheap: the health check asks)."""
        return {"chats": len(self.chats), "agents": len(self.agents)}

    def knows_agent(self, agent_id: str) -> bool:
        return agent_id in self.agents

    def is_signed_in(self, agent_id: str) -> bool:
        agent = self.agents.get(agent_id)
        return agent is not None and agent.signed_in

    def held_count(self, agent_id: str) -> int:
        """How many chats the agent holds now."""
        return len(self._agent(agent_id).chats)

    def may_accept(self, chat_id: str, agent_id: str) -> bool:
        """Whether ``accept`` would take this waiting chat for the agent now (no error)."""
        agent, chat = self.agents.get(agent_id), self.chats.get(chat_id)
        if agent is None or chat is None or chat.state != QUEUED or not agent.present:
            return False
        if not agent.permitted or not self.can_take(agent, chat):
            return False
        if chat.offer_to is not None:
            return chat.offer_to == agent_id
        return qualifies(agent.skills, chat.req) and agent.fits(chat.weight)

    def held_units(self, agent_id: str) -> int:
        """Capacity units the agent uses now: chats held, offered to it and in wrap-up."""
        return self._agent(agent_id).load

    def wrapping(self, agent_id: str) -> tuple[str, ...]:
        """Chats whose after-chat work the agent is doing."""
        return tuple(self._agent(agent_id).wraps)

    def offered_to(self, chat_id: str) -> str | None:
        """The agent a waiting chat is offered to (None: not offered)."""
        return self._chat(chat_id).offer_to

    def free_slots(self, agent_id: str) -> int:
        """Chats the agent could still take (0 for an unknown agent)."""
        agent = self.agents.get(agent_id)
        return 0 if agent is None else agent.free_slots

    def display_name(self, agent_id: str) -> str:
        """What users are shown: screen name, else first and last name (the id if unknown)."""
        agent = self.agents.get(agent_id)
        return agent_id if agent is None else agent.display_name

    def held_chat(self, chat_id: str, agent_id: str) -> ChatView:
        """The chat, if the agent may act on it now: the same check every chat action runs
        (permitted agent, open chat, held by that agent), or its error."""
        chat, _ = self._held(chat_id, agent_id)
        return ChatView.of(chat)

    # --- queues --------------------------------------------------------------------------

    def queue_keys(self) -> list[str]:
        """Every queue the engine has (configured or used), sorted."""
        return sorted(self.queues)

    def queue_length(self, key: str) -> int:
        queue = self.queues.get(key)
        return 0 if queue is None else len(queue)

    def waiting_since(self, key: str) -> tuple[int, float | None]:
        """How many chats wait in the queue and since when the longest has waited."""
        queue = self.queues.get(key)
        if queue is None:
            return 0, None
        waiting = queue.ordered()
        chats = self.chats
        return len(waiting), min((chats[c].enqueued_at for c in waiting), default=None)

    def presence_states(self) -> tuple[str, ...]:
        """The configured presence states; the first (Available) takes chats."""
        return self.config.presence_states

    def census(self) -> dict[str, Any]:
        """Chats by state and the number of agents: what ``replay`` prints after a check."""
        return {
            "chats": dict(Counter(c.state for c in self.chats.values())),
            "agents": len(self.agents),
        }


def _rank(chat: Chat) -> tuple[float, ...]:
    return chat.rank
