"""Read-only questions the console, the user's stream and the bots ask of the engine."""

from __future__ import annotations

from typing import Any

from .checks import Checks
from .config import queue_key
from .model import QUEUED, Agent, Chat, Queue


class Queries(Checks):
    def can_see(self, agent: Agent, chat: Chat) -> bool:
        """Whether the agent may view the chat: its queues, sent to it, or held by it before.

        A chat sent to a named agent is hidden from the rest of its queue, but not from the
        agents who held it: the sender keeps reading what it transferred (its actions go)."""
        if agent.id in chat.agents_seen:
            return True
        if chat.target_agent is not None:
            return chat.target_agent == agent.id
        return chat.queue in agent.queues

    def _can_take(self, agent: Agent, chat: Chat) -> bool:
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
        ordered.sort(key=lambda c: (not c.front, c.enqueued_at))
        return [c.id for c in ordered]

    def position(self, chat_id: str) -> int | None:
        """1-based place in its queue (or in the named agent's Transferred list); None if not
        waiting."""
        chat = self._chat(chat_id)
        if chat.state != QUEUED:
            return None
        if chat.target_agent is not None:
            return list(self.agents[chat.target_agent].inbox).index(chat_id) + 1
        return self.queues[chat.queue].position(chat_id)

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
        hours = self._rules(key).hours
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

    def presence(self, agent_id: str) -> dict[str, Any]:
        """Whether the agent counts as there, and why: its stream or its heartbeat's lease."""
        agent = self._agent(agent_id)
        return {
            "agent_id": agent.id,
            "signed_in": agent.signed_in,
            "present": agent.present,
            "stream_open": agent.connected,
            "lease_expires_at": agent.lease_until,
            "lease_seconds": self.config.agent_lease,
        }

    def connected_agents(self) -> list[str]:
        """Agents whose stream the driver last reported open."""
        return [a.id for a in self.agents.values() if a.connected]

    def staffing(self, key: str) -> dict[str, int]:
        """Who works the queue now, by the one rule of presence (``Agent.serving``): agents able
        to take a chat (serving, a free slot), agents holding chats, and chats of it held."""
        agents = [a for a in self.agents.values() if a.signed_in and key in a.queues]
        return {
            "available": sum(1 for a in agents if a.serving and a.free_slots > 0),
            "busy": sum(1 for a in agents if a.chats),
            "held": sum(1 for a in agents for c in a.chats if self.chats[c].queue == key),
            "slots": self.queues[key].slots if key in self.queues else 0,
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
