"""Presence: what follows when an agent starts or stops serving, and who is there now.

It owns the consequences of a presence change (serving slots per queue, the idle line, the
agent-gone grace timer, leases that do or do not change presence) and the questions about
presence that the dashboard and the bots ask. The rule itself (who counts as present,
permitted, serving) is ``model.is_present`` / ``model.is_permitted``, applied by
``Agent.refresh``; this class never restates it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .model import Agent

if TYPE_CHECKING:
    from .state import State

AGENT_GONE = "agent_gone"  # the grace timer's kind (see ``timers.py``)


class Presence:
    def __init__(self, state: State) -> None:
        self.state = state

    def changed(self, agent: Agent, was: tuple[bool, bool], at: float) -> None:
        """Start (or cancel) the agent-gone grace timer when the agent stops (resumes) keeping
        its chats: gone from its console and lease, or no longer permitted. A presence state
        other than Available stops new chats but keeps those held (``was``: serving, keeping).

        Any change of presence or capacity also touches the agent: it joins the back of the
        idle line. Its serving slots (read by the queue-state estimator) follow.
        """
        state = self.state
        config = state.config
        agent.refresh(config.auto_accept)
        contribution = agent.capacity if agent.serving else 0
        if contribution != agent.contribution:
            for queue in agent.homes:
                queue.slots += contribution - agent.contribution
            agent.contribution = contribution
        state.touch(agent)
        if agent.keeping == was[1]:
            return
        agent.gone_token += 1
        grace = config.agent_gone_grace
        if not agent.keeping and grace is not None:
            state.schedule(at + grace, AGENT_GONE, agent.id, agent.gone_token)

    def lease(self, agent: Agent, until: float | None, at: float) -> None:
        """A renewal or an expiry that leaves presence as it was (a stream is open, or the lease
        just got longer) does not touch the agent: its place in the idle line stays."""
        was, was_there = (agent.serving, agent.keeping), (agent.present, agent.keeping)
        agent.lease_until = until
        agent.refresh(self.state.config.auto_accept)
        if (agent.present, agent.keeping) != was_there:
            self.changed(agent, was, at)

    # --- questions ---------------------------------------------------------------------

    def describe(self, agent: Agent) -> dict[str, Any]:
        """Whether the agent counts as there, and why: its stream or its heartbeat's lease."""
        return {
            "agent_id": agent.id,
            "signed_in": agent.signed_in,
            "status": agent.status,
            "status_since": agent.status_since,
            "present": agent.present,
            "stream_open": agent.connected,
            "lease_expires_at": agent.lease_until,
            "lease_seconds": self.state.config.agent_lease,
            "capacity": agent.capacity,
            "load": agent.load,
            "skills": dict(agent.skills),
            "offers": list(agent.offers),
            "wrap_ups": [{"chat_id": c, "until": u} for c, u in agent.wraps.items()],
            "missed_offers": agent.missed,
        }

    def connected_agents(self) -> list[str]:
        """Agents whose stream the driver last reported open."""
        return [a.id for a in self.state.agents.values() if a.connected]

    def staffing(self, key: str) -> dict[str, int]:
        """Who works the queue now, by the one rule of presence (``Agent.serving``): agents able
        to take a chat (serving, a free slot), agents holding chats, and chats of it held."""
        state = self.state
        agents = [a for a in state.agents.values() if a.signed_in and key in a.queues]
        queue = state.queues.get(key)
        return {
            "available": sum(1 for a in agents if a.serving and a.free_slots > 0),
            "busy": sum(1 for a in agents if a.chats),
            "held": sum(1 for a in agents for c in a.chats if state.chats[c].queue == key),
            "slots": queue.slots if queue is not None else 0,
        }

    def totals(self) -> dict[str, int]:
        """Engine-wide agent counts for metrics: signed in, serving, chats held."""
        agents = self.state.agents.values()
        return {
            "signed_in": sum(1 for a in agents if a.signed_in),
            "serving": sum(1 for a in agents if a.serving),
            "active_chats": sum(len(a.chats) for a in agents),
            "wrapping_up": sum(len(a.wraps) for a in agents),
        }

    def by_status(self) -> dict[str, int]:
        """Signed-in agents per presence state (the dashboard's and the metrics' shrinkage)."""
        counts = dict.fromkeys(self.state.config.presence_states, 0)
        for agent in self.state.agents.values():
            if agent.signed_in:
                counts[agent.status] = counts.get(agent.status, 0) + 1
        return counts
