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

    def changed(self, agent: Agent, was_serving: bool, at: float) -> None:
        """Start (or cancel) the agent-gone grace timer when the agent stops (resumes) serving.

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
        if agent.serving == was_serving:
            return
        agent.gone_token += 1
        grace = config.agent_gone_grace
        if not agent.serving and grace is not None:
            state.schedule(at + grace, AGENT_GONE, agent.id, agent.gone_token)

    def lease(self, agent: Agent, until: float | None, at: float) -> None:
        """A renewal or an expiry that leaves presence as it was (a stream is open, or the lease
        just got longer) does not touch the agent: its place in the idle line stays."""
        was_serving, was_present = agent.serving, agent.present
        agent.lease_until = until
        agent.refresh(self.state.config.auto_accept)
        if agent.present != was_present:
            self.changed(agent, was_serving, at)

    # --- questions ---------------------------------------------------------------------

    def describe(self, agent: Agent) -> dict[str, Any]:
        """Whether the agent counts as there, and why: its stream or its heartbeat's lease."""
        return {
            "agent_id": agent.id,
            "signed_in": agent.signed_in,
            "present": agent.present,
            "stream_open": agent.connected,
            "lease_expires_at": agent.lease_until,
            "lease_seconds": self.state.config.agent_lease,
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
        }
