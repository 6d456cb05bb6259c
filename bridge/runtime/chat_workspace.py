"""Where the chat log meets the agent workspace: transcripts, prior shares, abandoned tickets.

The ITSM directory is a second store beside the event log, so the order of writes matters:
workspace routes check the engine's rules, then write the directory, then emit the event, all
inside one runner command (synchronous, after due timers fired), so no refusal leaves one
store changed without the other. The engine's *abandon* cancels the chat's tickets by event
(``TicketStatusChanged`` "Cancelled"); the ITSM follows those committed rows, and on start
re-applies cancellations from engine state, so a crash in between is repaired.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import structlog

from bridge.engine import Engine
from bridge.engine import errors as err
from bridge.engine.events import ArticleShared, TicketStatusChanged
from bridge.engine.views import ChatView
from bridge.store import Row
from bridge.workspace import (
    Customer,
    Directory,
    Ticket,
    UnknownCustomer,
    UnknownTicket,
    Workspace,
)
from bridge.workspace.tickets import check_status_change

from . import transcripts
from .bridge import Bridge

log = structlog.get_logger("bridge.workspace")

CANCELLED = "Cancelled"  # what the engine's abandon records for a chat's open tickets


def held_chat(engine: Engine, chat_id: str, agent_id: str) -> ChatView:
    """The chat, if ``agent_id`` may act on it now: the engine's own rule (``Engine.held_chat``:
    permitted agent, open chat, held by that agent), never a copy of it."""
    return engine.held_chat(chat_id, agent_id)


def customer_of(bridge: Bridge, directory: Directory, chat_id: str) -> Customer | None:
    """The chat's customer in the ITSM directory, or None when nobody there matches.

    A handoff's ``customer.id`` is a directory id only when the source knows one (a portal
    with single sign-on, a bot); a web chat's user types a name and an email. So: by id if
    the directory has it, else by the handoff's email, else by name; each only within the
    chat's company, so a chat never shows (or files a ticket on) another company's person.
    """
    chat = chat_of(bridge, chat_id)
    if chat.customer_id is not None:
        try:
            return directory.customer(chat.customer_id, company=chat.company)
        except UnknownCustomer:
            pass
    meta = bridge.projection.get(chat_id)
    given = meta.customer if meta is not None else {}
    return directory.find_customer(
        company=chat.company, email=given.get("email"), name=given.get("name")
    )


def chat_of(bridge: Bridge, chat_id: str) -> ChatView:
    """The chat (``UnknownChat`` if none): its ``company`` scopes every workspace call."""
    chat = bridge.engine.chat_view(chat_id)
    if chat is None:
        raise err.UnknownChat(f"no chat {chat_id!r}")
    return chat


def chat_ticket_in_scope(bridge: Bridge, ticket: Ticket) -> Ticket:
    """A ticket as seen from its chat: one filed under another company is not there at all."""
    chat = bridge.engine.chat_view(ticket.chat_id or "")
    if chat is None or ticket.company != chat.company:
        raise UnknownTicket(f"no ticket {ticket.id!r}")
    return ticket


def required_customer(
    bridge: Bridge, directory: Directory, chat_id: str, needed_for: str = ""
) -> Customer:
    """The chat's directory customer, for what the ITSM cannot show or do without one."""
    customer = customer_of(bridge, directory, chat_id)
    if customer is None:
        raise UnknownCustomer(
            f"chat {chat_id!r}'s customer matches nobody in the directory (by id, email, or "
            f"name within the chat's company){needed_for}"
        )
    return customer


def transcript(bridge: Bridge, rows: Iterable[Row]) -> list[tuple[str, str]]:
    """The conversation as (speaker, text): the bot's part, the question, then the messages
    (``transcripts.conversation``, the one reading of a chat's rows)."""
    kinds = (transcripts.OPENED, transcripts.MESSAGE)
    return [
        (ln.speaker, ln.text) for ln in transcripts.conversation(bridge, rows) if ln.kind in kinds
    ]


def resolution(bridge: Bridge, directory: Directory, ticket: Ticket, agent_id: str) -> dict:
    """What Resolve would set on the chat's ticket, and whether ``agent_id`` may resolve it now:
    the engine's rule for a chat's tickets (after End too), then the ticket's own (not closed,
    not in edit mode), so ``why_not`` is the sentence the resolve call would answer."""
    statuses = directory.statuses
    rules = statuses.for_kind(ticket.kind)
    why_not = None
    try:
        bridge.engine.ticket_chat(ticket.chat_id or "", agent_id, ticket.id)
        check_status_change(statuses, ticket, rules.resolved, rules.resolved_reason)
    except err.LivechatError as exc:
        why_not = str(exc)
    return {
        "ticket_id": ticket.id, "kind": ticket.kind, "status": rules.resolved,
        "status_reason": rules.resolved_reason, "reasons": list(rules.allowed[rules.resolved]),
        "closed": rules.is_closed(ticket.status), "can_resolve": why_not is None,
        "why_not": why_not,
    }  # fmt: skip


def shared_articles(rows: Iterable[Row]) -> list[str]:
    """Ids of the articles shared in the chat so far, in order."""
    return [row["payload"]["article_id"] for row in rows if row["type"] == ArticleShared.__name__]


def cancel_abandoned(workspace: Workspace, rows: list[Row]) -> None:
    """Follower handler: the engine cancelled a chat's ticket, so the ITSM cancels it too."""
    for row in rows:
        if row["type"] == TicketStatusChanged.__name__ and row["payload"]["status"] == CANCELLED:
            _cancel(workspace, row["chat_id"])


def reconcile(workspace: Workspace, engine: Engine) -> int:
    """On start: cancellations the log has but the ITSM may have missed (a crash in between)."""
    count = 0
    for chat_id in _chats_with_cancelled_tickets(engine):
        count += _cancel(workspace, chat_id)
    return count


def _chats_with_cancelled_tickets(engine: Engine) -> Iterator[str]:
    yield from engine.chats_with_ticket_status(CANCELLED)


def _cancel(workspace: Workspace, chat_id: str) -> int:
    try:
        before = workspace.directory.chat_ticket(chat_id)
        after = workspace.abandon_chat(chat_id)
    except err.LivechatError as exc:  # e.g. the ITSM no longer knows the ticket
        log.warning("ticket_cancel_failed", chat_id=chat_id, error=repr(exc))
        return 0
    changed = before is not None and after is not None and before.status != after.status
    if changed:
        log.info("ticket_cancelled", chat_id=chat_id, ticket_id=after.id)  # type: ignore[union-attr]
    return int(changed)
