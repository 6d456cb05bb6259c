"""The routing engine: commands that check, then emit events.

A command either raises a ``LivechatError`` before it changes anything, or returns the events
it applied (those of any auto-assignment it caused included). It reads time only from the
injected clock. Drivers call ``advance()`` for timers; commands never fire them implicitly, so
a refused command never hides timer events.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from . import errors as err
from . import events as ev
from .config import EngineConfig, queue_key
from .model import ASSIGNED, CLOSED, QUEUED, Agent, Chat
from .queries import Queries

SOURCES = ("self_service", "virtual_agent")
FINAL_TICKET_STATUSES = frozenset({"Cancelled", "Resolved", "Closed", "Completed", "Rejected"})


class Engine(Queries):
    def __init__(
        self,
        clock: Callable[[], float],
        config: EngineConfig | None = None,
        sink: Callable[[ev.Event], None] | None = None,
    ) -> None:
        super().__init__(clock, config)
        self._sink = sink

    # --- chats from sources and users ----------------------------------------------------

    def hand_off(
        self,
        chat_id: str,
        source: str,
        company: str,
        queue: str | None = None,
        *,
        customer_id: str | None = None,
        question: str = "",
        detail: dict[str, Any] | None = None,
        attachments: Sequence[object] = (),
    ) -> list[ev.Event]:
        if source not in SOURCES:
            raise err.InvalidCommand(f"source must be one of {SOURCES}, not {source!r}")
        _check_attachments(source, attachments)
        if chat_id in self.chats:
            raise err.DuplicateChat(f"chat {chat_id!r} exists already")
        key = self._known_queue(queue_key(company, queue))
        now = self._clock()
        target = self._open_queue(key, now)
        out: list[ev.Event] = []
        self._emit(out, ev.ChatOpened(now, chat_id, source, company, key, customer_id, question,
                                      detail))
        chat = self.chats[chat_id]
        if target != key:
            self._emit(out, ev.ChatOverflowed(now, chat_id, key, target, "closed"))
        self._offer(out, chat, now)
        if chat.state == QUEUED and self.config.record_estimates:
            position = self.queues[chat.queue].position(chat_id)
            estimates = self.estimates_for(chat.queue, position, now)
            self._emit(out, ev.WaitEstimated(now, chat_id, chat.queue, position, estimates))
        return out

    def post_user_message(
        self, chat_id: str, text: str, attachments: Sequence[dict[str, Any]] = ()
    ) -> list[ev.Event]:
        chat = self._open_chat(chat_id)
        if chat.user_cancelled:
            raise err.AlreadyCancelled(f"chat {chat_id!r} was cancelled by the user")
        _check_attachments(chat.source, attachments)
        out: list[ev.Event] = []
        self._emit(out, ev.MessagePosted(self._clock(), chat_id, chat.n + 1, "user", None, text,
                                         list(attachments) or None))
        return out

    def cancel(self, chat_id: str) -> list[ev.Event]:
        """The user cancels: a waiting chat closes; an assigned one stays with its agent."""
        chat = self._open_chat(chat_id)
        if chat.user_cancelled:
            raise err.AlreadyCancelled(f"chat {chat_id!r} was cancelled already")
        now, out = self._clock(), []
        if chat.state == QUEUED:
            self._emit(out, ev.ChatCancelled(now, chat_id, None))
            self._emit(out, ev.ChatClosed(now, chat_id, None, ev.CLOSE_CANCELLED))
            return out
        self._emit(out, ev.ChatCancelled(now, chat_id, chat.agent_id))
        self._say(out, chat, now, "user_cancelled", "End user has cancelled chat.",
                  ev.AUDIENCE_AGENTS)
        return out

    # --- agents' chat actions ----------------------------------------------------------

    def accept(self, chat_id: str, agent_id: str) -> list[ev.Event]:
        agent = self._permitted(agent_id)
        chat = self._chat(chat_id)
        if chat.state != QUEUED:
            raise (err.ChatClosed if chat.state == CLOSED else err.ChatNotQueued)(
                f"chat {chat_id!r} is not waiting")
        if not self.can_see(agent, chat):
            raise err.OutOfReach(f"chat {chat_id!r} is not in {agent_id!r}'s support queues")
        if not agent.present:
            raise err.AgentUnavailable(f"agent {agent_id!r} is not available")
        if len(agent.chats) >= agent.capacity:
            raise err.CapacityReached(f"agent {agent_id!r} holds {agent.capacity} chats")
        out: list[ev.Event] = []
        self._assign(out, chat, agent, self._clock(), "manual")
        return out

    def post_agent_message(
        self, chat_id: str, agent_id: str, text: str, attachments: Sequence[dict[str, Any]] = ()
    ) -> list[ev.Event]:
        chat = self._held(chat_id, agent_id)
        _check_attachments(chat.source, attachments)
        out: list[ev.Event] = []
        self._emit(out, ev.MessagePosted(self._clock(), chat_id, chat.n + 1, "agent", agent_id,
                                         text, list(attachments) or None))
        return out

    def add_note(self, chat_id: str, agent_id: str, text: str) -> list[ev.Event]:
        chat = self._held(chat_id, agent_id)
        out: list[ev.Event] = []
        self._emit(out, ev.NoteAdded(self._clock(), chat_id, chat.n + 1, agent_id, text))
        return out

    def transfer(
        self,
        chat_id: str,
        agent_id: str,
        *,
        to_agent: str | None = None,
        to_queue: str | None = None,
        note: str = "",
    ) -> list[ev.Event]:
        chat = self._held(chat_id, agent_id)
        if (to_agent is None) == (to_queue is None):
            raise err.InvalidCommand("transfer to exactly one of an agent or a support queue")
        target_queue = None
        if to_agent is not None:
            self._transfer_target(agent_id, to_agent)
        else:
            name = to_queue if "/" in to_queue else queue_key(chat.company, to_queue)  # type: ignore[operator]
            target_queue = self._known_queue(name)
        now, out = self._clock(), []
        self._say(out, chat, now, "transferred", "You are being transferred to another agent.")
        self._emit(out, ev.ChatTransferred(now, chat_id, agent_id, to_agent, target_queue, note))
        self._offer(out, chat, now, skip=agent_id)
        self._fill(out, self.agents[agent_id], now)
        return out

    def end(self, chat_id: str, agent_id: str) -> list[ev.Event]:
        self._held(chat_id, agent_id)
        return self._close(chat_id, agent_id, ev.CLOSE_ENDED)

    def abandon(self, chat_id: str, agent_id: str, *, confirm: bool = False) -> list[ev.Event]:
        """Cancel the chat's open tickets, then close; with no ticket the agent must confirm."""
        chat = self._held(chat_id, agent_id)
        if not chat.tickets and not confirm:
            raise err.ConfirmationRequired(
                f"chat {chat_id!r} has no ticket: confirm to mark it abandoned")
        now, out = self._clock(), []
        for ticket_id, status in list(chat.tickets.items()):
            if status not in FINAL_TICKET_STATUSES:
                self._emit(out, ev.TicketStatusChanged(now, chat_id, agent_id, ticket_id,
                                                       "Cancelled", "Chat abandoned"))
        out += self._close(chat_id, agent_id, ev.CLOSE_ABANDONED)
        return out

    def _close(self, chat_id: str, agent_id: str, reason: str) -> list[ev.Event]:
        chat, agent = self.chats[chat_id], self.agents[agent_id]
        now, out = self._clock(), []
        self._say(out, chat, now, "ended", "The chat has ended.")
        self._emit(out, ev.ChatClosed(now, chat_id, agent_id, reason))
        self._fill(out, agent, now)
        return out

    # --- tickets and knowledge (records; the ITSM adapter holds the tickets) -------------

    def link_ticket(self, chat_id: str, agent_id: str, ticket_id: str, kind: str,
                    status: str = "Assigned") -> list[ev.Event]:
        self._held(chat_id, agent_id)
        if ticket_id in self.chats[chat_id].tickets:
            raise err.InvalidCommand(f"ticket {ticket_id!r} is linked to the chat already")
        out: list[ev.Event] = []
        self._emit(out, ev.TicketLinked(self._clock(), chat_id, agent_id, ticket_id, kind, status))
        return out

    def record_ticket_status(self, chat_id: str, agent_id: str | None, ticket_id: str,
                             status: str, reason: str = "") -> list[ev.Event]:
        chat = self._chat(chat_id)
        if ticket_id not in chat.tickets:
            raise err.NotFound(f"ticket {ticket_id!r} is not linked to chat {chat_id!r}")
        out: list[ev.Event] = []
        self._emit(out, ev.TicketStatusChanged(self._clock(), chat_id, agent_id, ticket_id,
                                               status, reason))
        return out

    def share_article(self, chat_id: str, agent_id: str, article_id: str, title: str,
                      url: str) -> list[ev.Event]:
        chat = self._held(chat_id, agent_id)
        out: list[ev.Event] = []
        self._emit(out, ev.ArticleShared(self._clock(), chat_id, chat.n + 1, agent_id,
                                         article_id, title, url))
        return out

    def pin_article(self, chat_id: str, agent_id: str, ticket_id: str,
                    article_id: str) -> list[ev.Event]:
        chat = self._held(chat_id, agent_id)
        if ticket_id not in chat.tickets:
            raise err.NotFound(f"ticket {ticket_id!r} is not linked to chat {chat_id!r}")
        out: list[ev.Event] = []
        self._emit(out, ev.ArticlePinned(self._clock(), chat_id, agent_id, ticket_id, article_id))
        return out

    # --- agents ------------------------------------------------------------------------

    def sign_in(self, agent_id: str, first_name: str, last_name: str, queues: Sequence[str],
                roles: Sequence[str], permissions: Sequence[str],
                screen_name: str | None = None) -> list[ev.Event]:
        """Register or update an agent; signing in again with the same profile is a no-op."""
        event = ev.AgentSignedIn(self._clock(), agent_id, first_name, last_name, list(queues),
                                 list(roles), list(permissions), screen_name)
        known = self.agents.get(agent_id)
        if known is not None and known.signed_in and _same_profile(known, event):
            return []
        out: list[ev.Event] = []
        self._emit(out, event)
        self._fill(out, self.agents[agent_id], event.at)
        return out

    def set_availability(self, agent_id: str, available: bool,
                         capacity: int | None = None) -> list[ev.Event]:
        """Available, or with auto-accept "available for N"."""
        agent = self._permitted(agent_id)
        limit = self.config.manual_capacity
        capacity = agent.capacity if capacity is None else capacity
        if not 1 <= capacity <= limit:
            raise err.InvalidCommand(f"capacity must be between 1 and {limit}, not {capacity}")
        out: list[ev.Event] = []
        if (agent.available, agent.capacity) == (available, capacity):
            return out
        now = self._clock()
        self._emit(out, ev.AgentAvailabilityChanged(now, agent_id, available, capacity))
        self._fill(out, agent, now)
        return out

    def set_screen_name(self, agent_id: str, screen_name: str | None) -> list[ev.Event]:
        self._permitted(agent_id)
        out: list[ev.Event] = []
        self._emit(out, ev.AgentScreenNameSet(self._clock(), agent_id, screen_name or None))
        return out

    def set_connected(self, agent_id: str, connected: bool) -> list[ev.Event]:
        """The agent's console connection dropped or came back (the grace timer watches)."""
        agent = self._agent(agent_id)
        out: list[ev.Event] = []
        if agent.connected == connected:
            return out
        now = self._clock()
        self._emit(out, ev.AgentConnectionChanged(now, agent_id, connected))
        self._fill(out, agent, now)
        return out

    def sign_out(self, agent_id: str) -> list[ev.Event]:
        """Leave at once: chats held or waiting for the agent go to the front of a queue."""
        agent = self._agent(agent_id)
        if not agent.signed_in:
            raise err.WrongState(f"agent {agent_id!r} is not signed in")
        now, out = self._clock(), []
        self._emit(out, ev.AgentSignedOut(now, agent_id))
        self._requeue_all(out, agent, now, "signed_out")
        return out

    # --- checks ------------------------------------------------------------------------

    def _chat(self, chat_id: str) -> Chat:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise err.UnknownChat(f"no chat {chat_id!r}")
        return chat

    def _open_chat(self, chat_id: str) -> Chat:
        chat = self._chat(chat_id)
        if chat.state == CLOSED:
            raise err.ChatClosed(f"chat {chat_id!r} is closed ({chat.closed_reason})")
        return chat

    def _agent(self, agent_id: str) -> Agent:
        agent = self.agents.get(agent_id)
        if agent is None:
            raise err.UnknownAgent(f"no agent {agent_id!r}")
        return agent

    def _permitted(self, agent_id: str) -> Agent:
        """Every Live Chat action needs the IT Agent role and the ESChat_Agent permission."""
        agent = self._agent(agent_id)
        if not agent.permitted:
            raise err.NotPermitted(
                f"agent {agent_id!r} needs the IT Agent role and the ESChat_Agent permission")
        return agent

    def _held(self, chat_id: str, agent_id: str) -> Chat:
        self._permitted(agent_id)
        chat = self._open_chat(chat_id)
        if chat.state != ASSIGNED or chat.agent_id != agent_id:
            raise err.ChatNotActive(f"chat {chat_id!r} is not one of {agent_id!r}'s chats")
        return chat

    def _transfer_target(self, agent_id: str, to_agent: str) -> None:
        if to_agent == agent_id:
            raise err.InvalidCommand("an agent cannot transfer a chat to themself")
        target = self._agent(to_agent)
        if not target.permitted:
            raise err.NotPermitted(f"agent {to_agent!r} may not take chats")
        if not target.present:
            raise err.AgentUnavailable(f"agent {to_agent!r} is not available")

    def _known_queue(self, key: str) -> str:
        if self.config.strict_queues and key not in self.config.queues:
            raise err.UnknownQueue(f"no support queue {key!r}")
        return key

    def _open_queue(self, key: str, now: float) -> str:
        """Where a handoff lands: the queue, or its overflow while it is closed."""
        hours = self.config.queue_config(key).hours
        if hours is None or hours.is_open(now):
            return key
        overflow = self.config.queue_config(key).closed_overflow
        if overflow is None:
            raise err.QueueClosed(f"support queue {key!r} is closed now")
        return overflow


def _check_attachments(source: str, attachments: Sequence[object]) -> None:
    if attachments and source == "virtual_agent":
        raise err.AttachmentNotAllowed("a virtual-agent chat cannot carry attachments")


def _same_profile(agent: Agent, e: ev.AgentSignedIn) -> bool:
    return (agent.first_name, agent.last_name, agent.screen_name, agent.queues, agent.roles,
            agent.permissions) == (e.first_name, e.last_name, e.screen_name, tuple(e.queues),
                                   frozenset(e.roles), frozenset(e.permissions))
