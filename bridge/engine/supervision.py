"""Supervision (issue 16 item 7): a supervisor watches, whispers, barges in, takes over and
reassigns the live chats of their own support queues.

Who is a supervisor, and which chats they reach, is one rule (``supervises``), asked by
``Queries.can_see`` and by every command here: an agent permitted for Live Chat whose roles hold
the supervisor role (``supervision.role`` in the settings, "Supervisor" by default), for a chat
whose current queue is one of the supervisor's support queues. Queue keys carry the company, so
a supervisor never reaches another company's chats.

``Supervision`` is an engine collaborator like ``Conversation``: each command checks, then
emits a ``Supervisor*`` event (the log's record of the action) and the routing events that
carry it out (``ChatTransferred``, ``ChatAssigned``, ``ChatOverflowed``, ``SystemMessage``), so
everything downstream of routing (streams, reports, callbacks) needs no new rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import errors as err
from . import events as ev
from .conversation_state import joined_holder
from .model import ASSIGNED, QUEUED
from .views import ChatView

if TYPE_CHECKING:
    from .checks import Checks
    from .model import Agent, Chat
    from .queries import Queries
    from .routing import Routing
    from .state import State

SUPERVISOR_ROLE = "Supervisor"
REASSIGNED = "reassigned"  # ChatOverflowed.reason when a supervisor moves a waiting chat
TAKEOVER = "takeover"  # ChatAssigned.how when a supervisor takes the chat


def supervises(agent: Agent, chat: Chat, role: str) -> bool:
    """The one rule: a permitted agent with the supervisor role, a chat of their queues."""
    return agent.permitted and role in agent.roles and chat.queue in agent.queues


def joined_text(name: str) -> str:
    return f"{name} (supervisor) joined the chat."


class Supervision:
    """Owns the supervisor's commands and the Supervise view's questions."""

    def __init__(
        self,
        state: State,
        routing: Routing,
        checks: Checks,
        queries: Queries,
        clock: Callable[[], float],
    ) -> None:
        self.state = state
        self.routing = routing
        self.checks = checks
        self.queries = queries
        self._clock = clock

    # --- the one check every command runs ------------------------------------------------

    def supervisor(self, agent_id: str) -> Agent:
        """The agent, if permitted for Live Chat and holding the supervisor role."""
        agent = self.checks.permitted(agent_id)
        role = self.queries.supervisor_role
        if role not in agent.roles:
            raise err.NotSupervisor(f"agent {agent_id!r} needs the {role} role to supervise")
        return agent

    def _live(self, chat_id: str, agent_id: str) -> tuple[Chat, Agent]:
        """An open chat of the supervisor's queues, or the refusal that says why not."""
        agent = self.supervisor(agent_id)
        chat = self.checks.open_chat(chat_id)
        if not supervises(agent, chat, self.queries.supervisor_role):
            raise err.OutOfReach(f"chat {chat_id!r} is not in {agent_id!r}'s support queues")
        return chat, agent

    def _held_by_other(self, chat_id: str, agent_id: str) -> tuple[Chat, Agent, Agent]:
        """A live chat of the supervisor's queues that another agent holds now."""
        chat, supervisor = self._live(chat_id, agent_id)
        if chat.state != ASSIGNED:
            raise err.ChatNotActive(f"chat {chat_id!r} is waiting: no agent holds it")
        if chat.agent_id == agent_id:
            raise err.InvalidCommand(f"chat {chat_id!r} is {agent_id!r}'s own chat")
        return chat, supervisor, self.state.agents[chat.agent_id]  # type: ignore[index]

    # --- questions -------------------------------------------------------------------------

    def reaches(self, chat_id: str, agent_id: str) -> bool:
        """Whether the supervisor may act on the chat now (a live chat of their queues)."""
        try:
            self._live(chat_id, agent_id)
        except err.LivechatError:
            return False
        return True

    def supervised(self, agent_id: str) -> list[ChatView]:
        """Every live chat of the supervisor's queues: waiting (oldest first), then held."""
        agent = self.supervisor(agent_id)
        keys, chats = set(agent.queues), self.state.chats
        waiting = [chats[c] for key in agent.queues if key in self.state.queues
                   for c in self.state.queues[key].ordered()]  # fmt: skip
        held, sent = [], []
        for other in self.state.agents.values():
            held += (chats[c] for c in other.chats if chats[c].queue in keys)
            sent += (chats[c] for c in other.inbox if chats[c].queue in keys)
        waiting += sent
        waiting.sort(key=lambda c: c.enqueued_at)
        held.sort(key=lambda c: c.assigned_at or 0.0)
        return [ChatView.of(c) for c in (*waiting, *held)]

    def supervision_counts(self, agent_id: str) -> dict[str, Any]:
        """Live counts of the supervisor's queues, and per agent the chats of those queues held
        (agents serving one of the queues are listed even with none)."""
        agent = self.supervisor(agent_id)
        queues = {k: {"waiting": 0, "assigned": 0} for k in agent.queues}
        agents: dict[str, dict[str, Any]] = {}
        for view in self.supervised(agent_id):
            queues[view.queue]["waiting" if view.state == QUEUED else "assigned"] += 1
        for other in self.state.agents.values():
            held = sum(1 for c in other.chats if self.state.chats[c].queue in queues)
            if held or (other.signed_in and set(other.queues) & set(queues)):
                agents[other.id] = {
                    "display_name": other.display_name,
                    "present": other.present,
                    "chats": held,
                    "capacity": other.capacity,
                }
        return {"queues": queues, "agents": agents}

    # --- commands --------------------------------------------------------------------------

    def monitor(self, chat_id: str, agent_id: str) -> list[ev.Event]:
        """The supervisor starts reading the chat live: recorded, nothing else changes."""
        self._live(chat_id, agent_id)
        return self._one(ev.SupervisorMonitored(self._clock(), chat_id, agent_id))

    def whisper(self, chat_id: str, agent_id: str, text: str) -> list[ev.Event]:
        """A note for the agent holding the chat only (never the user)."""
        chat, _, holder = self._held_by_other(chat_id, agent_id)
        if not text.strip():
            raise err.InvalidCommand("a whisper needs some text")
        n = chat.n + 1
        return self._one(
            ev.SupervisorWhispered(self._clock(), chat_id, n, agent_id, holder.id, text)
        )

    def barge_in(self, chat_id: str, agent_id: str) -> list[ev.Event]:
        """Join the conversation: the user is told "<name> (supervisor) joined the chat."."""
        chat, supervisor, holder = self._held_by_other(chat_id, agent_id)
        if chat.user_cancelled:
            raise err.AlreadyCancelled(f"chat {chat_id!r} was cancelled by the user")
        if joined_holder(self.state, chat_id, agent_id) == holder.id:
            raise err.AlreadyJoined(f"{agent_id!r} is in chat {chat_id!r} already")
        now, out = self._clock(), []
        self.routing.emit(out, ev.SupervisorJoined(now, chat_id, agent_id, holder.id))
        self.routing.say(out, chat, now, "supervisor_joined", joined_text(supervisor.display_name))
        return out

    def post_message(self, chat_id: str, agent_id: str, text: str) -> list[ev.Event]:
        """A supervisor who barged in writes to the user (while the same agent holds it)."""
        chat, _, holder = self._held_by_other(chat_id, agent_id)
        if joined_holder(self.state, chat_id, agent_id) != holder.id:
            raise err.NotJoined(f"{agent_id!r} must barge into chat {chat_id!r} first")
        n = chat.n + 1
        return self._one(ev.MessagePosted(self._clock(), chat_id, n, "agent", agent_id, text))

    def take_over(self, chat_id: str, agent_id: str) -> list[ev.Event]:
        """The chat moves to the supervisor, from its agent or straight from its queue."""
        chat, supervisor = self._live(chat_id, agent_id)
        if chat.agent_id == agent_id:
            raise err.InvalidCommand(f"chat {chat_id!r} is {agent_id!r}'s already")
        if chat.user_cancelled:
            raise err.AlreadyCancelled(f"chat {chat_id!r} was cancelled by the user")
        now, out, holder = self._clock(), [], chat.agent_id
        self.routing.emit(out, ev.SupervisorTookOver(now, chat_id, agent_id, holder))
        if holder is not None:
            note = f"Taken over by {supervisor.display_name} (supervisor)."
            self.routing.emit(out, ev.ChatTransferred(now, chat_id, holder, agent_id, None, note))
        self.routing.assign(out, chat, supervisor, now, TAKEOVER)
        if holder is not None:
            self.routing.fill(out, self.state.agents[holder], now)
        return out

    def reassign(
        self,
        chat_id: str,
        agent_id: str,
        *,
        to_agent: str | None = None,
        to_queue: str | None = None,
        note: str = "",
    ) -> list[ev.Event]:
        """Move the chat to another agent or support queue of the chat's company."""
        chat, _ = self._live(chat_id, agent_id)
        self.checks.movable(chat, to_agent, to_queue, "reassign")
        target = self._target_queue(chat, to_queue) if to_queue is not None else None
        if to_agent is not None:
            self._target_agent(chat, to_agent)
        now, out, holder = self._clock(), [], chat.agent_id
        record = ev.SupervisorReassigned(now, chat_id, agent_id, holder, to_agent, target, note)
        self.routing.emit(out, record)
        if holder is not None:
            self._move_held(out, chat, holder, to_agent, target, note, now)
        elif target is not None:
            self.routing.emit(out, ev.ChatOverflowed(now, chat_id, chat.queue, target, REASSIGNED))
            self.routing.offer(out, chat, now)
        else:
            self.routing.assign(out, chat, self.state.agents[to_agent], now, REASSIGNED)  # type: ignore[index]
        return out

    def _move_held(
        self,
        out: list[ev.Event],
        chat: Chat,
        holder: str,
        to_agent: str | None,
        to_queue: str | None,
        note: str,
        now: float,
    ) -> None:
        """What an agent's own transfer does, on the supervisor's word."""
        self.routing.say(
            out, chat, now, "transferred", "You are being transferred to another agent."
        )
        self.routing.emit(out, ev.ChatTransferred(now, chat.id, holder, to_agent, to_queue, note))
        self.routing.offer(out, chat, now, skip=holder)
        self.routing.fill(out, self.state.agents[holder], now)

    def _target_queue(self, chat: Chat, to_queue: str) -> str:
        key = to_queue if "/" in to_queue else f"{chat.company}/{to_queue}"
        if not key.startswith(f"{chat.company}/"):
            raise err.OutOfReach(f"support queue {key!r} is not {chat.company!r}'s")
        self.checks.known_queue(key)
        if key == chat.queue and chat.state == QUEUED and chat.target_agent is None:
            raise err.InvalidCommand(f"chat {chat.id!r} waits in {key!r} already")
        return key

    def _target_agent(self, chat: Chat, to_agent: str) -> None:
        """A present, permitted agent of the chat's company, not the one who holds it now."""
        if to_agent == chat.agent_id:
            raise err.InvalidCommand(f"chat {chat.id!r} is {to_agent!r}'s already")
        target = self.checks.agent(to_agent)
        if not any(q.startswith(f"{chat.company}/") for q in target.queues):
            raise err.OutOfReach(f"agent {to_agent!r} serves no queue of {chat.company!r}")
        self.checks.can_receive(target)
        if chat.state == QUEUED and len(target.chats) >= target.capacity:
            raise err.CapacityReached(f"agent {to_agent!r} holds {target.capacity} chats")

    def _one(self, event: ev.Event) -> list[ev.Event]:
        out: list[ev.Event] = []
        self.routing.emit(out, event)
        return out
