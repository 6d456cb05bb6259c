"""The routing engine: commands that check, then emit events.

``Engine`` holds small collaborators and keeps the command API: ``state`` (chats, agents,
queues, timer heap, the appliers), ``routing`` (offer, fill, assign, close; ``emit``),
``timers`` (what fires when), ``checks`` (lookups and refusals), ``roster`` (presence changes
and presence questions) and ``queries`` (every other read-only answer). Other packages use the
commands and the query methods only; ``tests/engine/test_boundary.py`` keeps it so.

A command either raises a ``LivechatError`` before it changes anything, or returns the events
it applied (those of any auto-assignment it caused included). It reads time only from the
injected clock. Drivers call ``advance()`` for timers; commands never fire them implicitly, so
a refused command never hides timer events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from . import errors as err
from . import events as ev
from .checks import SOURCES, Checks, check_attachments, check_source, same_profile
from .config import AVAILABLE, AWAY, EngineConfig, queue_key
from .conversation import Conversation
from .model import CLOSED, QUEUED, Agent, Chat
from .queries import Queries
from .routing import Routing, discard
from .skills import check_levels, from_context, merged, qualifies
from .state import DECLINED, State
from .supervision import Supervision
from .timers import Timers
from .views import AgentView, ChatView

__all__ = ["FINAL_TICKET_STATUSES", "SOURCES", "Engine"]

FINAL_TICKET_STATUSES = frozenset({"Cancelled", "Resolved", "Closed", "Completed", "Rejected"})


class Engine:
    def __init__(
        self,
        clock: Callable[[], float],
        config: EngineConfig | None = None,
        sink: Callable[[ev.Event], None] | None = None,
    ) -> None:
        self._clock = clock
        self.config = config = config or EngineConfig()
        config.check()
        self.state = state = State(config)
        self.roster = state.presence
        self.routing = routing = Routing(state, discard if sink is None else sink)
        self.timers = timers = Timers(state, routing, clock)
        self.checks = checks = Checks(state)
        self.queries = queries = Queries(state, checks, clock)
        self.conversation = Conversation(state, routing, checks, clock)
        self.supervision = Supervision(state, routing, checks, queries, clock)
        # The engine package's own code and tests read these; other packages ask queries.
        self.chats, self.agents, self.queues = state.chats, state.agents, state.queues
        # Bound once: the hot path (hand_off, auto-assign, end) pays no extra lookup.
        self._emit, self._say, self._offer = routing.emit, routing.say, routing.offer
        self._fill, self._assign, self._close = routing.fill, routing.assign, routing.close
        self._requeue_all = routing.requeue_all
        self._chat, self._open_chat, self._agent = checks.chat, checks.open_chat, checks.agent
        self._permitted, self._held, self._landing = checks.permitted, checks.held, checks.landing
        self._transfer_target, self._known_queue = checks.transfer_target, checks.known_queue
        self._can_take = queries.can_take
        # No rule adds priority or skills to a handoff that asks for none (the common case).
        self._no_asks = not config.context_rules and not config.source_priority
        self._estimates_for = queries.estimates_for
        # Timer and replay entry points, bound once (drivers call them per simulated event).
        self.next_deadline: Callable[[], float | None] = timers.next_deadline
        self.advance: Callable[..., list[ev.Event]] = timers.advance
        self.replay: Callable[[Iterable[ev.Event]], None] = state.replay

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
        priority: int | None = None,
        skills: dict[str, int] | None = None,
    ) -> list[ev.Event]:
        """A source hands a chat over. Its priority is the highest of ``priority``, its
        source's and what its context matches; its skills are ``skills`` plus what its context
        matches (its queue adds its own to both)."""
        check_source(source, attachments)
        if chat_id in self.chats:
            raise err.DuplicateChat(f"chat {chat_id!r} exists already")
        now = self._clock()
        key, target, rules = self._landing(company, queue, now)
        config = self.config
        if priority is None and not skills and self._no_asks:
            asks, rank, needs = None, rules.priority, rules.skills  # nothing asked: the queue's
        else:
            asks, rank = self._asks(source, detail, priority, skills)
            rank = max(rank, rules.priority)
            needs = merged(tuple(sorted(asks.items())), rules.skills) if asks else rules.skills
        retrial = None
        if customer_id is not None and self.state.abandoned:
            retrial = self.state.retrial_of(customer_id, now)
        out: list[ev.Event] = []
        opened = ev.ChatOpened(
            now, chat_id, source, company, key, customer_id, question, detail, rank, asks,
            retrial, dict(needs) if needs else None,
        )  # fmt: skip
        self._emit(out, opened)
        chat = self.chats[chat_id]
        if target != key:
            self._emit(out, ev.ChatOverflowed(now, chat_id, key, target, "closed"))
        self._offer(out, chat, now)
        if chat.state == QUEUED and config.record_estimates:
            self._tell_wait(out, chat, now)
        return out

    def _asks(
        self,
        source: str,
        detail: dict[str, Any] | None,
        priority: int | None,
        skills: dict[str, int] | None,
    ) -> tuple[dict[str, int] | None, int]:
        """What a handoff asks of routing: its skills (None: none) and its priority."""
        config = self.config
        rank = config.source_priority.get(source, 0) if config.source_priority else 0
        if priority is not None:
            if isinstance(priority, bool) or not isinstance(priority, int):
                raise err.InvalidCommand(f"priority must be a whole number, not {priority!r}")
            rank = max(rank, priority)
        own = ()
        if skills:
            try:
                own = check_levels(skills, "skills")
            except ValueError as error:
                raise err.InvalidCommand(str(error)) from None
        if config.context_rules:
            matched, bumped = from_context(config.context_rules, detail)
            own = merged(own, matched)
            if bumped is not None:
                rank = max(rank, bumped)
        return (dict(own) if own else None), rank

    def _tell_wait(self, out: list[ev.Event], chat: Chat, now: float) -> None:
        """Record what the arriving user is told: its place among those waiting (by priority)."""
        position = self.queues[chat.queue].back_position(chat)
        estimates = self._estimates_for(chat.queue, position, now)
        self._emit(out, ev.WaitEstimated(now, chat.id, chat.queue, position, estimates))

    def post_user_message(
        self, chat_id: str, text: str, attachments: Sequence[dict[str, Any]] = ()
    ) -> list[ev.Event]:
        chat = self._open_chat(chat_id)
        if chat.user_cancelled:
            raise err.AlreadyCancelled(f"chat {chat_id!r} was cancelled by the user")
        check_attachments(chat.source, attachments)
        files = list(attachments) or None
        return self._just(
            ev.MessagePosted(self._clock(), chat_id, chat.n + 1, "user", None, text, files)
        )

    def cancel(self, chat_id: str) -> list[ev.Event]:
        """The user cancels: a waiting chat closes; an assigned one stays with its agent."""
        chat = self._open_chat(chat_id)
        if chat.user_cancelled:
            raise err.AlreadyCancelled(f"chat {chat_id!r} was cancelled already")
        now, out = self._clock(), []
        if chat.state == QUEUED:
            offered = self.routing.withdraw(out, chat, now, "cancelled")
            self._emit(out, ev.ChatCancelled(now, chat_id, None))
            self._emit(out, ev.ChatClosed(now, chat_id, None, ev.CLOSE_CANCELLED))
            if offered is not None:
                self._fill(out, offered, now)
            return out
        self._emit(out, ev.ChatCancelled(now, chat_id, chat.agent_id))
        text = "End user has cancelled chat."
        self._say(out, chat, now, "user_cancelled", text, ev.AUDIENCE_AGENTS)
        return out

    # --- agents' chat actions ----------------------------------------------------------

    def accept(self, chat_id: str, agent_id: str) -> list[ev.Event]:
        agent = self._permitted(agent_id)
        chat = self._chat(chat_id)
        if chat.state != QUEUED:
            error = err.ChatClosed if chat.state == CLOSED else err.ChatNotQueued
            raise error(f"chat {chat_id!r} is not waiting")
        if not self._can_take(agent, chat):
            raise err.OutOfReach(f"chat {chat_id!r} is not in {agent_id!r}'s support queues")
        if chat.offer_to is not None and chat.offer_to != agent_id:
            raise err.ChatNotQueued(f"chat {chat_id!r} is offered to another agent")
        if not agent.present:
            raise err.AgentUnavailable(f"agent {agent_id!r} is not available")
        offered = chat.offer_to == agent_id
        if not offered and not qualifies(agent.skills, chat.req):
            asked = ", ".join(f"{skill} {level}" for skill, level in chat.req)
            raise err.SkillsMissing(f"chat {chat_id!r} needs {asked}")
        if not offered and not agent.fits(chat.weight):
            raise err.CapacityReached(f"agent {agent_id!r} has no room for chat {chat_id!r}")
        out: list[ev.Event] = []
        self._assign(out, chat, agent, self._clock(), "offer" if offered else "manual")
        return out

    def accept_offer(self, chat_id: str, agent_id: str) -> list[ev.Event]:
        """The agent accepts the chat offered to it (auto-accept with reservations)."""
        self._offered(chat_id, agent_id)
        return self.accept(chat_id, agent_id)

    def decline_offer(self, chat_id: str, agent_id: str, reason: str) -> list[ev.Event]:
        """The agent declines the offer with a configured reason: the chat keeps its place and
        goes to the next agent who qualifies; this agent gets the next chat it can take."""
        chat = self._offered(chat_id, agent_id)
        reasons = self.config.offers.decline_reasons  # type: ignore[union-attr]
        if reason not in reasons:
            raise err.InvalidCommand(f"reason must be one of {list(reasons)}, not {reason!r}")
        out: list[ev.Event] = []
        self.routing.end_offer(out, chat, self._clock(), DECLINED, reason)
        return out

    def _offered(self, chat_id: str, agent_id: str) -> Chat:
        self._permitted(agent_id)
        chat = self._open_chat(chat_id)
        if chat.offer_to != agent_id:
            raise err.NoOffer(f"chat {chat_id!r} is not offered to {agent_id!r}")
        return chat

    def ready(self, agent_id: str, chat_id: str | None = None) -> list[ev.Event]:
        """The agent's after-chat work is done (one chat's, or all): its units free up."""
        agent = self._permitted(agent_id)
        if chat_id is not None and chat_id not in agent.wraps:
            raise err.WrongState(f"agent {agent_id!r} is not wrapping up chat {chat_id!r}")
        if not agent.wraps:
            raise err.WrongState(f"agent {agent_id!r} has no wrap-up to end")
        now, out = self._clock(), []
        for wrapped in [chat_id] if chat_id is not None else list(agent.wraps):
            self._emit(out, ev.WrapUpEnded(now, wrapped, agent_id, "ready"))
        self._fill(out, agent, now)
        return out

    def post_agent_message(
        self, chat_id: str, agent_id: str, text: str, attachments: Sequence[dict[str, Any]] = ()
    ) -> list[ev.Event]:
        chat, _ = self._held(chat_id, agent_id)
        check_attachments(chat.source, attachments)
        files = list(attachments) or None
        n = chat.n + 1
        return self._just(
            ev.MessagePosted(self._clock(), chat_id, n, "agent", agent_id, text, files)
        )

    def add_note(self, chat_id: str, agent_id: str, text: str) -> list[ev.Event]:
        chat, _ = self._held(chat_id, agent_id)
        return self._just(ev.NoteAdded(self._clock(), chat_id, chat.n + 1, agent_id, text))

    def transfer(
        self,
        chat_id: str,
        agent_id: str,
        *,
        to_agent: str | None = None,
        to_queue: str | None = None,
        note: str = "",
    ) -> list[ev.Event]:
        chat, agent = self._held(chat_id, agent_id)
        self.checks.movable(chat, to_agent, to_queue, "transfer")
        target_queue = None
        if to_agent is not None:
            self._transfer_target(agent_id, to_agent)
        else:
            assert to_queue is not None
            name = to_queue if "/" in to_queue else queue_key(chat.company, to_queue)
            target_queue = self._known_queue(name)
        now, out = self._clock(), []
        self._say(out, chat, now, "transferred", "You are being transferred to another agent.")
        self._emit(out, ev.ChatTransferred(now, chat_id, agent_id, to_agent, target_queue, note))
        self._offer(out, chat, now, skip=agent_id)
        self._fill(out, agent, now)
        return out

    def end(self, chat_id: str, agent_id: str) -> list[ev.Event]:
        chat, agent = self._held(chat_id, agent_id)
        out: list[ev.Event] = []
        self._close(out, chat, agent, self._clock(), ev.CLOSE_ENDED)
        return out

    def abandon(self, chat_id: str, agent_id: str, *, confirm: bool = False) -> list[ev.Event]:
        """Cancel the chat's open tickets, then close; with no ticket the agent must confirm."""
        chat, agent = self._held(chat_id, agent_id)
        if not chat.tickets and not confirm:
            raise err.ConfirmationRequired(
                f"chat {chat_id!r} has no ticket: confirm to mark it abandoned"
            )
        now, out = self._clock(), []
        for ticket_id, status in list(chat.tickets.items()):
            if status not in FINAL_TICKET_STATUSES:
                cancelled = "Cancelled", "Chat abandoned"
                self._emit(
                    out, ev.TicketStatusChanged(now, chat_id, agent_id, ticket_id, *cancelled)
                )
        self._close(out, chat, agent, now, ev.CLOSE_ABANDONED)
        return out

    # --- tickets and knowledge (records; the ITSM adapter holds the tickets) -------------

    def link_ticket(
        self, chat_id: str, agent_id: str, ticket_id: str, kind: str, status: str = "Assigned"
    ) -> list[ev.Event]:
        chat, _ = self._held(chat_id, agent_id)
        if ticket_id in chat.tickets:
            raise err.InvalidCommand(f"ticket {ticket_id!r} is linked to the chat already")
        return self._just(
            ev.TicketLinked(self._clock(), chat_id, agent_id, ticket_id, kind, status)
        )

    def record_ticket_status(
        self, chat_id: str, agent_id: str | None, ticket_id: str, status: str, reason: str = ""
    ) -> list[ev.Event]:
        """The ITSM side changed a linked ticket (closed chats included); no role is checked."""
        self._linked(self._chat(chat_id), ticket_id)
        now = self._clock()
        return self._just(ev.TicketStatusChanged(now, chat_id, agent_id, ticket_id, status, reason))

    def share_article(
        self, chat_id: str, agent_id: str, article_id: str, title: str, url: str
    ) -> list[ev.Event]:
        chat, _ = self._held(chat_id, agent_id)
        n = chat.n + 1
        return self._just(
            ev.ArticleShared(self._clock(), chat_id, n, agent_id, article_id, title, url)
        )

    def pin_article(
        self, chat_id: str, agent_id: str, ticket_id: str, article_id: str
    ) -> list[ev.Event]:
        chat, _ = self._held(chat_id, agent_id)
        self._linked(chat, ticket_id)
        return self._just(ev.ArticlePinned(self._clock(), chat_id, agent_id, ticket_id, article_id))

    def _linked(self, chat: Chat, ticket_id: str) -> None:
        if ticket_id not in chat.tickets:
            raise err.NotFound(f"ticket {ticket_id!r} is not linked to chat {chat.id!r}")

    # --- agents ------------------------------------------------------------------------

    def sign_in(
        self,
        agent_id: str,
        first_name: str,
        last_name: str,
        queues: Sequence[str],
        roles: Sequence[str],
        permissions: Sequence[str],
        screen_name: str | None = None,
        *,
        connected: bool = True,
        skills: dict[str, int] | None = None,
    ) -> list[ev.Event]:
        """Register or update an agent; signing in again with the same profile is a no-op.

        A token carries no screen name, so ``screen_name=None`` keeps the one the agent set.
        ``connected`` says whether the agent's stream is open (the simulator's agents sit at
        their consoles; the bridge's agent is there only with a stream or a lease), and matters
        only when a signed-out agent signs in. ``skills`` maps skill to proficiency level.
        """
        known = self.agents.get(agent_id)
        if screen_name is None and known is not None:
            screen_name = known.screen_name
        held = None
        if skills:
            try:
                held = dict(check_levels(skills, "skills"))
            except ValueError as error:
                raise err.InvalidCommand(str(error)) from None
        profile = first_name, last_name, list(queues), list(roles), list(permissions)
        now = self._clock()
        event = ev.AgentSignedIn(now, agent_id, *profile, screen_name, connected, held)
        if known is not None and known.signed_in and same_profile(known, event):
            return []
        out: list[ev.Event] = []
        self._emit(out, event)
        self._fill(out, self.agents[agent_id], event.at)
        return out

    def set_availability(
        self, agent_id: str, available: bool, capacity: int | None = None
    ) -> list[ev.Event]:
        """Available, or with auto-accept "available for N"; unavailable keeps a reason the
        agent chose (Break, say), else it is Away."""
        agent = self._permitted(agent_id)
        status = AVAILABLE if available else (AWAY if agent.status == AVAILABLE else agent.status)
        return self.set_presence(agent_id, status, capacity)

    def set_presence(
        self, agent_id: str, status: str, capacity: int | None = None
    ) -> list[ev.Event]:
        """A presence state from the configured set: Available takes chats (up to ``capacity``
        units); any other stops new chats and offers, and the agent keeps the chats it holds."""
        agent = self._permitted(agent_id)
        states = self.config.presence_states
        if status not in states:
            raise err.InvalidCommand(f"presence must be one of {list(states)}, not {status!r}")
        limit = self.config.manual_capacity
        capacity = agent.capacity if capacity is None else capacity
        if not 1 <= capacity <= limit:
            raise err.InvalidCommand(f"capacity must be between 1 and {limit}, not {capacity}")
        out: list[ev.Event] = []
        available = status == AVAILABLE
        if (agent.available, agent.capacity, agent.status) == (available, capacity, status):
            return out
        now = self._clock()
        self._emit(out, ev.AgentAvailabilityChanged(now, agent_id, available, capacity, status))
        if not available:
            self.routing.withdraw_offers(out, agent, now, "presence")
        self._fill(out, agent, now)
        return out

    def set_screen_name(self, agent_id: str, screen_name: str | None) -> list[ev.Event]:
        self._permitted(agent_id)
        return self._just(ev.AgentScreenNameSet(self._clock(), agent_id, screen_name or None))

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

    def heartbeat(self, agent_id: str) -> list[ev.Event]:
        """An agent without a console says it is there: a lease of ``agent_lease`` seconds.

        The lease ends by itself (an engine timer), so a client that stops sending heartbeats
        loses presence, and after the agent-gone grace its chats. It is renewed only once less
        than half of it is left, so a client beating every ``agent_lease / 3`` seconds writes one
        event per ``agent_lease / 2`` or so, not one per beat.
        """
        agent = self._agent(agent_id)
        if not agent.signed_in:
            raise err.WrongState(f"agent {agent_id!r} is not signed in")
        now, lease = self._clock(), self.config.agent_lease
        out: list[ev.Event] = []
        if agent.lease_until is not None and agent.lease_until - now >= lease / 2:
            return out
        self._emit(out, ev.AgentLeaseRenewed(now, agent_id, now + lease))
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

    def forget(self, chat_id: str) -> bool:
        """A long simulation's memory bound: drop a closed chat the driver will not ask about
        again (False while its wrap-up goes on; try later). The bridge never calls it."""
        self._chat(chat_id)
        return self.state.forget(chat_id)

    def _just(self, event: ev.Event) -> list[ev.Event]:
        """Emit a command's single event."""
        out: list[ev.Event] = []
        self._emit(out, event)
        return out

    # --- queries (answered by ``Queries`` and ``Presence``; plain data or frozen views) ------

    def can_see(self, agent: Agent, chat: Chat) -> bool:
        return self.queries.can_see(agent, chat)

    def sees(self, agent_id: str, chat_id: str) -> bool:
        """Whether the agent may view the chat (False for an unknown agent or chat)."""
        agent, chat = self.agents.get(agent_id), self.chats.get(chat_id)
        return agent is not None and chat is not None and self.queries.can_see(agent, chat)

    def counts(self, agent_id: str) -> dict[str, int]:
        return self.queries.counts(agent_id)

    def queue_list(self, agent_id: str) -> list[str]:
        return self.queries.queue_list(agent_id)

    def transferred_list(self, agent_id: str) -> list[str]:
        return self.queries.transferred_list(agent_id)

    def my_chats(self, agent_id: str) -> list[str]:
        return self.queries.my_chats(agent_id)

    def position(self, chat_id: str) -> int | None:
        return self.queries.position(chat_id)

    def estimates_for(self, key: str, position: int, now: float) -> dict[str, float | None]:
        return self.queries.estimates_for(key, position, now)

    def estimated_wait(self, chat_id: str) -> float | None:
        return self.queries.estimated_wait(chat_id)

    def availability(self, company: str, queue: str | None = None) -> dict[str, Any]:
        return self.queries.availability(company, queue)

    def snapshot(self) -> dict[str, Any]:
        return self.queries.snapshot()

    def chat_view(self, chat_id: str) -> ChatView | None:
        return self.queries.chat_view(chat_id)

    def chat_state(self, chat_id: str) -> str:
        return self.queries.chat_state(chat_id)

    def unanswered(self, chat_id: str) -> bool:
        return self.queries.unanswered(chat_id)

    def in_service(self, chat_id: str) -> bool:
        return self.queries.in_service(chat_id)

    def held_chat(self, chat_id: str, agent_id: str) -> ChatView:
        return self.queries.held_chat(chat_id, agent_id)

    def chats_with_ticket_status(self, status: str) -> list[str]:
        return self.queries.chats_with_ticket_status(status)

    def agent_view(self, agent_id: str) -> AgentView | None:
        return self.queries.agent_view(agent_id)

    def agent_views(self) -> list[AgentView]:
        return self.queries.agent_views()

    def agent_queues(self, agent_id: str) -> tuple[str, ...]:
        return self.queries.agent_queues(agent_id)

    def sizes(self) -> dict[str, int]:
        return self.queries.sizes()

    def knows_agent(self, agent_id: str) -> bool:
        return self.queries.knows_agent(agent_id)

    def is_signed_in(self, agent_id: str) -> bool:
        return self.queries.is_signed_in(agent_id)

    def held_count(self, agent_id: str) -> int:
        return self.queries.held_count(agent_id)

    def free_slots(self, agent_id: str) -> int:
        return self.queries.free_slots(agent_id)

    def display_name(self, agent_id: str) -> str:
        return self.queries.display_name(agent_id)

    def queue_keys(self) -> list[str]:
        return self.queries.queue_keys()

    def queue_length(self, key: str) -> int:
        return self.queries.queue_length(key)

    def waiting_since(self, key: str) -> tuple[int, float | None]:
        return self.queries.waiting_since(key)

    def census(self) -> dict[str, Any]:
        return self.queries.census()

    def presence(self, agent_id: str) -> dict[str, Any]:
        return self.roster.describe(self._agent(agent_id))

    def connected_agents(self) -> list[str]:
        return self.roster.connected_agents()

    def staffing(self, key: str) -> dict[str, int]:
        return self.roster.staffing(key)

    def agent_totals(self) -> dict[str, int]:
        return self.roster.totals()

    # --- conversation (issue 16) ---

    def ticket_chat(self, chat_id: str, agent_id: str, ticket_id: str | None = None) -> ChatView:
        """The chat, if the agent may work on its tickets now (open and held, or closed in its
        hands): ``Conversation.ticket_chat``."""
        return self.conversation.ticket_chat(chat_id, agent_id, ticket_id)

    def resolve_ticket(
        self, chat_id: str, agent_id: str, ticket_id: str, status: str, reason: str = ""
    ) -> list[ev.Event]:
        return self.conversation.resolve_ticket(chat_id, agent_id, ticket_id, status, reason)

    def request_transcript(
        self, chat_id: str, to: str, agent_id: str | None = None
    ) -> list[ev.Event]:
        return self.conversation.request_transcript(chat_id, to, agent_id)

    def record_transcript(
        self, chat_id: str, request_seq: int, to: str, attempts: int, failure: str | None = None
    ) -> list[ev.Event]:
        return self.conversation.record_transcript(chat_id, request_seq, to, attempts, failure)

    def offer_screen_share(self, chat_id: str, agent_id: str, url: str) -> list[ev.Event]:
        return self.conversation.offer_screen_share(chat_id, agent_id, url)

    def mark_read(
        self, chat_id: str, reader: str, up_to: int, agent_id: str | None = None
    ) -> list[ev.Event]:
        return self.conversation.mark_read(chat_id, reader, up_to, agent_id)

    def answer_survey(
        self, chat_id: str, rating: int, comment: str = "", by: str = "user"
    ) -> list[ev.Event]:
        return self.conversation.answer_survey(chat_id, rating, comment, by)

    def offline_reason(self, company: str, queue: str | None = None) -> str | None:
        """Why the queue takes offline messages now (closed, no_agent), or None (it is online)."""
        return self.conversation.offline_reason(self.queries.availability(company, queue))

    def leave_offline_message(
        self,
        message_id: str,
        company: str,
        queue: str | None,
        customer_id: str,
        ticket: tuple[str, str],
        source: str,
    ) -> list[ev.Event]:
        availability = self.queries.availability(company, queue)
        return self.conversation.leave_offline_message(
            availability, message_id, customer_id, ticket, source
        )

    # --- supervision (issue 16 item 7): ``Supervision`` ---

    def set_supervisor_role(self, role: str) -> None:
        """The role name that makes an agent a supervisor (settings: ``supervision.role``)."""
        self.queries.supervisor_role = role

    def supervisor_reaches(self, chat_id: str, agent_id: str) -> bool:
        return self.supervision.reaches(chat_id, agent_id)

    def supervised(self, agent_id: str) -> list[ChatView]:
        return self.supervision.supervised(agent_id)

    def supervision_counts(self, agent_id: str) -> dict[str, Any]:
        return self.supervision.supervision_counts(agent_id)

    def monitor(self, chat_id: str, agent_id: str) -> list[ev.Event]:
        return self.supervision.monitor(chat_id, agent_id)

    def whisper(self, chat_id: str, agent_id: str, text: str) -> list[ev.Event]:
        return self.supervision.whisper(chat_id, agent_id, text)

    def barge_in(self, chat_id: str, agent_id: str) -> list[ev.Event]:
        return self.supervision.barge_in(chat_id, agent_id)

    def post_supervisor_message(self, chat_id: str, agent_id: str, text: str) -> list[ev.Event]:
        return self.supervision.post_message(chat_id, agent_id, text)

    def take_over(self, chat_id: str, agent_id: str) -> list[ev.Event]:
        return self.supervision.take_over(chat_id, agent_id)

    def reassign(
        self,
        chat_id: str,
        agent_id: str,
        *,
        to_agent: str | None = None,
        to_queue: str | None = None,
        note: str = "",
    ) -> list[ev.Event]:
        return self.supervision.reassign(
            chat_id, agent_id, to_agent=to_agent, to_queue=to_queue, note=note
        )

    def survey_status(self, chat_id: str) -> str:
        """open, answered, not_ended or unhandled (``Conversation.survey_status``)."""
        return self.conversation.survey_status(chat_id)

    def presence_states(self) -> tuple[str, ...]:
        return self.queries.presence_states()

    def agents_by_status(self) -> dict[str, int]:
        return self.roster.by_status()

    def held_units(self, agent_id: str) -> int:
        return self.queries.held_units(agent_id)

    def wrapping(self, agent_id: str) -> tuple[str, ...]:
        return self.queries.wrapping(agent_id)

    def offered_to(self, chat_id: str) -> str | None:
        return self.queries.offered_to(chat_id)

    def next_chat_for(self, agent_id: str) -> str | None:
        """The chat the agent would be given next (transferred to it first, then the best of
        its queues it qualifies and has room for): what a manual pickup clicks."""
        return self.routing.next_for(self._agent(agent_id))

    def may_accept(self, chat_id: str, agent_id: str) -> bool:
        return self.queries.may_accept(chat_id, agent_id)
