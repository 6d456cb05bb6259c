"""Conversation commands and rules (issue 16): what agents do around a chat besides routing it.

``Conversation`` is an engine collaborator like ``Queries``: its commands check, then emit
through ``routing.emit``; a refusal raises a ``LivechatError`` before anything changes. It reads
time only from the injected clock.

Tickets after End: a chat's ticket often outlives the chat (the agent ends the conversation,
then resolves the ticket during wrap-up). Who may still work on it is one rule, here
(``ticket_chat``): the agent holding the open chat, or, once it is closed, the agent who held it
when it closed (ended, abandoned, or closed for inactivity). Nobody else, and nobody at all for a
chat that closed while waiting (cancelled, no agent): its ticket is worked on in the ITSM.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import conversation_state as facts_of
from . import errors as err
from . import events as ev
from .checks import Checks
from .model import CLOSED, Chat
from .routing import Routing
from .state import State
from .views import ChatView

Ticket = tuple[str, str]  # (ticket id, kind) as the ITSM filed it

# Close reasons after which the chat's last holder is known to have held it at the close.
HELD_AT_CLOSE = frozenset({ev.CLOSE_ENDED, ev.CLOSE_ABANDONED, ev.CLOSE_INACTIVE})


class Conversation:
    """Owns the conversation commands of issue 16 and the rules they check."""

    def __init__(
        self, state: State, routing: Routing, checks: Checks, clock: Callable[[], float]
    ) -> None:
        self.state = state
        self.routing = routing
        self.checks = checks
        self._clock = clock

    # --- the chat's tickets, open or closed ------------------------------------------------

    def ticket_chat(self, chat_id: str, agent_id: str, ticket_id: str | None = None) -> ChatView:
        """The chat, if ``agent_id`` may work on its tickets now (see the module docstring) and
        ``ticket_id`` (when given) is linked to it."""
        return ChatView.of(self._ticket_chat(chat_id, agent_id, ticket_id))

    def _ticket_chat(self, chat_id: str, agent_id: str, ticket_id: str | None = None) -> Chat:
        chat = self._worker_chat(chat_id, agent_id)
        if ticket_id is not None and ticket_id not in chat.tickets:
            raise err.NotFound(f"ticket {ticket_id!r} is not linked to chat {chat_id!r}")
        return chat

    def _worker_chat(self, chat_id: str, agent_id: str) -> Chat:
        chat = self.checks.chat(chat_id)
        if chat.state != CLOSED:
            return self.checks.held(chat_id, agent_id)[0]
        self.checks.permitted(agent_id)
        holder = closing_holder(chat)
        if holder is None:
            raise err.ChatClosed(
                f"chat {chat_id!r} closed while no agent held it ({chat.closed_reason}): "
                "its ticket is worked on in the ITSM"
            )
        if holder != agent_id:
            raise err.ChatNotActive(
                f"chat {chat_id!r} is closed and was not {agent_id!r}'s when it closed: "
                "only the agent who held it may resolve its ticket"
            )
        return chat

    def resolve_ticket(
        self, chat_id: str, agent_id: str, ticket_id: str, status: str, reason: str = ""
    ) -> list[ev.Event]:
        """Record that the agent resolved the chat's linked ticket (the ITSM wrote it first)."""
        self._ticket_chat(chat_id, agent_id, ticket_id)
        out: list[ev.Event] = []
        changed = ev.TicketStatusChanged(
            self._clock(), chat_id, agent_id, ticket_id, status, reason
        )
        self.routing.emit(out, changed)
        return out

    # --- transcripts by email and screen-share links (H16a) --------------------------------

    def request_transcript(
        self, chat_id: str, to: str, agent_id: str | None = None
    ) -> list[ev.Event]:
        """Ask for the transcript by email: the chat's user at any time (closed chats too), an
        agent while the chat is, or was at its close, theirs (the End Chat option)."""
        if agent_id is None:
            self.checks.chat(chat_id)
        else:
            self._worker_chat(chat_id, agent_id)
        by = "user" if agent_id is None else "agent"
        return self._one(ev.TranscriptRequested(self._clock(), chat_id, agent_id, by, to))

    def record_transcript(
        self, chat_id: str, request_seq: int, to: str, attempts: int, failure: str | None = None
    ) -> list[ev.Event]:
        """The mailer's outcome for one request: sent, or given up with ``failure``'s reason."""
        self.checks.chat(chat_id)
        now = self._clock()
        if failure is None:
            return self._one(ev.TranscriptSent(now, chat_id, request_seq, to, attempts))
        return self._one(ev.TranscriptFailed(now, chat_id, request_seq, to, attempts, failure))

    def offer_screen_share(self, chat_id: str, agent_id: str, url: str) -> list[ev.Event]:
        """Post a screen-share / remote-session link into the agent's own open chat."""
        chat, _ = self.checks.held(chat_id, agent_id)
        if not url.startswith(("https://", "http://")):
            raise err.InvalidCommand(f"a screen-share link must be an http(s) URL, not {url!r}")
        return self._one(ev.ScreenShareOffered(self._clock(), chat_id, chat.n + 1, agent_id, url))

    # --- read receipts, the post-chat survey, offline messages (H16b) ---------------------

    def mark_read(
        self, chat_id: str, reader: str, up_to: int, agent_id: str | None = None
    ) -> list[ev.Event]:
        """The user (any time) or the holding agent read the chat up to message ``up_to``.

        A receipt that moves nothing forward (already read that far) is no event: clients send
        one per render and a page reopened sends it again."""
        if reader not in facts_of.READERS:
            raise err.InvalidCommand(f"reader must be one of {facts_of.READERS}, not {reader!r}")
        if reader == "agent":
            chat, _ = self.checks.held(chat_id, agent_id or "")
        else:
            chat = self.checks.chat(chat_id)
        if not 1 <= up_to <= chat.n:
            raise err.InvalidCommand(f"chat {chat_id!r} has messages 1 to {chat.n}, not {up_to}")
        if up_to <= facts_of.read_up_to(self.state, chat_id, reader):
            return []
        who = agent_id if reader == "agent" else None
        return self._one(ev.MessagesRead(self._clock(), chat_id, who, reader, up_to))

    def answer_survey(
        self, chat_id: str, rating: int, comment: str = "", by: str = "user"
    ) -> list[ev.Event]:
        """Rate a chat an agent handled, 1-5, once, after it closed (the bridge adds a window)."""
        chat = self.checks.chat(chat_id)
        if rating not in facts_of.RATINGS or isinstance(rating, bool):
            raise err.InvalidRating(f"a rating is a whole number from 1 to 5, not {rating!r}")
        if by not in facts_of.SURVEY_BY:
            raise err.InvalidCommand(f"by must be one of {facts_of.SURVEY_BY}, not {by!r}")
        status = self.survey_status(chat_id)
        if status == "not_ended":
            raise err.SurveyNotOpen(f"chat {chat_id!r} has not ended: rate it after End Chat")
        if status == "unhandled":
            raise err.SurveyNotOpen(f"chat {chat_id!r} closed before an agent handled it")
        if status == "answered":
            raise err.SurveyAlreadyAnswered(f"chat {chat_id!r} was rated already")
        holder = closing_holder(chat)
        assert holder is not None  # status "open"
        event = ev.SurveyAnswered(self._clock(), chat_id, holder, chat.queue, rating, comment, by)
        return self._one(event)

    def survey_status(self, chat_id: str) -> str:
        """``open`` (ended in an agent's hands, not rated), ``answered``, ``not_ended`` or
        ``unhandled`` (closed while no agent held it): the one rule the command and the
        bridge's survey question both use."""
        chat = self.checks.chat(chat_id)
        if chat.state != CLOSED:
            return "not_ended"
        if closing_holder(chat) is None:
            return "unhandled"
        return "answered" if chat_id in facts_of.facts(self.state).surveyed else "open"

    def offline_reason(self, availability: dict[str, Any]) -> str | None:
        """Why a queue takes offline messages now (``closed``, ``no_agent``), or None: it is
        open with an agent serving, so the user should start a chat instead."""
        if not availability["open"]:
            return "closed"
        return "no_agent" if availability["agents_available"] == 0 else None

    def leave_offline_message(
        self, availability: dict[str, Any], message_id: str, customer_id: str, ticket: Ticket,
        source: str,
    ) -> list[ev.Event]:  # fmt: skip
        """Record an offline message filed as ``ticket`` (``(id, kind)``) for an offline queue."""
        reason = self.offline_reason(availability)
        key = availability["queue"]
        if reason is None:
            raise err.QueueOnline(f"{key} is open and an agent is there: start a chat instead")
        company = key.partition("/")[0]
        ticket_id, kind = ticket
        event = ev.OfflineMessageLeft(
            self._clock(), message_id, company, key, customer_id, reason, ticket_id, kind, source
        )
        return self._one(event)

    def _one(self, event: ev.Event) -> list[ev.Event]:
        out: list[ev.Event] = []
        self.routing.emit(out, event)
        return out


def closing_holder(chat: Chat) -> str | None:
    """Who held a closed chat when it closed: its last holder if it closed in an agent's hands."""
    if chat.closed_reason in HELD_AT_CLOSE and chat.agents_seen:
        return chat.agents_seen[-1]
    return None
