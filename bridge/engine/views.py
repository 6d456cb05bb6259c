"""Read-only copies of a chat and an agent: what other packages may know of engine state.

The engine's model objects (``model.Chat``, ``model.Agent``) are mutated by the appliers only;
handing them out would let the bridge or the simulator read (or write) fields whose meaning is
the engine's business. A view is a frozen copy taken when asked: it cannot change the engine,
and it names exactly the fields the outside may rely on.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Agent, Chat


@dataclass(frozen=True, slots=True)
class ChatView:
    id: str
    source: str
    company: str
    queue: str
    state: str
    agent_id: str | None
    customer_id: str | None
    created_at: float
    enqueued_at: float
    assigned_at: float | None
    transferred: bool
    user_cancelled: bool
    closed_reason: str | None
    tickets: dict[str, str]  # a copy: ticket id -> status
    priority: int = 0
    skills: dict[str, int] | None = None  # required now (after relaxation), skill -> level
    offered_to: str | None = None
    retrial_of: str | None = None
    weight: int = 1

    @classmethod
    def of(cls, chat: Chat) -> ChatView:
        return cls(
            chat.id,
            chat.source,
            chat.company,
            chat.queue,
            chat.state,
            chat.agent_id,
            chat.customer_id,
            chat.created_at,
            chat.enqueued_at,
            chat.assigned_at,
            chat.transferred,
            chat.user_cancelled,
            chat.closed_reason,
            dict(chat.tickets),
            chat.priority,
            dict(chat.req) or None,
            chat.offer_to,
            chat.retrial_of,
            chat.weight,
        )


@dataclass(frozen=True, slots=True)
class AgentView:
    id: str
    first_name: str
    last_name: str
    screen_name: str | None
    display_name: str
    queues: tuple[str, ...]
    signed_in: bool
    available: bool
    capacity: int
    permitted: bool
    present: bool
    serving: bool
    n_chats: int
    free_slots: int
    status: str = "Available"
    status_since: float = 0.0
    skills: dict[str, int] | None = None
    load: int = 0
    offers: tuple[str, ...] = ()
    wrap_ups: tuple[str, ...] = ()

    @classmethod
    def of(cls, agent: Agent) -> AgentView:
        return cls(
            agent.id,
            agent.first_name,
            agent.last_name,
            agent.screen_name,
            agent.display_name,
            tuple(agent.queues),
            agent.signed_in,
            agent.available,
            agent.capacity,
            agent.permitted,
            agent.present,
            agent.serving,
            len(agent.chats),
            agent.free_slots,
            agent.status,
            agent.status_since,
            dict(agent.skills) or None,
            agent.load,
            tuple(agent.offers),
            tuple(agent.wraps),
        )
