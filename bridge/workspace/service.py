"""The agent console's workspace actions that take more than one directory call.

Single-step actions (update a draft ticket's fields, Confirm + Save, pin an article, set a
status, look a ticket up, search) are ``Directory`` methods; call ``workspace.directory``.
Everything here raises before it changes anything: lookups come first, the one write last.
Every action on a person takes the chat's ``company``: the directory never answers across it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from . import tickets as rules
from .ports import Article, Asset, Customer, Directory, Outage, Template, Ticket, TicketKind
from .tickets import TranscriptLine


@dataclass(slots=True)
class CustomerInfo:
    """The Customer Information tab: contact, site, company, open tickets, assets."""

    customer: Customer
    open_tickets: list[Ticket]
    assets: list[Asset]


@dataclass(slots=True)
class Resources:
    """The Resources tab for one customer and search term, each list best match first."""

    outages: list[Outage]
    templates: list[Template]
    articles: list[Article]


@dataclass(slots=True)
class Shared:
    """A shared article, and the chat's ticket with the share in its activity log (if any)."""

    article: Article
    ticket: Ticket | None


class Workspace:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory

    def customer_info(self, customer_id: str, *, company: str) -> CustomerInfo:
        directory = self.directory
        return CustomerInfo(
            directory.customer(customer_id, company=company),
            directory.open_tickets(customer_id, company=company),
            directory.assets(customer_id, company=company),
        )

    def resources(
        self,
        customer_id: str,
        *,
        company: str,
        term: str = "",
        kind: TicketKind | None = None,
        limit: int = 10,
    ) -> Resources:
        """Active outages of the company (and shared services), templates, articles, for a
        customer of that company (``UnknownCustomer`` otherwise)."""
        self.directory.customer(customer_id, company=company)
        return self.company_resources(company, term, kind, limit)

    def company_resources(
        self, company: str, term: str = "", kind: TicketKind | None = None, limit: int = 10
    ) -> Resources:
        """The Resources tab by company: a chat whose customer the directory does not know
        still has its company's outages, templates and articles to offer."""
        return Resources(
            self.directory.outages(company, term=term, limit=limit),
            self.directory.search_templates(term, kind, limit),
            self.directory.search_articles(term, limit),
        )

    def share_article(self, chat_id: str, article_id: str, *, company: str) -> Shared:
        """Record a share in the chat's ticket; the chat event itself is the engine's business.

        Shares made before the chat has a ticket are passed to ``create_ticket`` later. A
        ticket of another company than the chat's (``company``) is not the chat's to write.
        """
        article = self.directory.article(article_id)
        ticket = self.chat_ticket(chat_id, company=company)
        if ticket is not None:
            entry = rules.share_activity(article)
            ticket = self.directory.add_activity(ticket.id, entry.text, entry.article_id)
        return Shared(article, ticket)

    def chat_ticket(self, chat_id: str, *, company: str) -> Ticket | None:
        """The chat's ticket, if it has one filed under the chat's company."""
        ticket = self.directory.chat_ticket(chat_id)
        return ticket if ticket is not None and ticket.company == company else None

    def create_ticket(
        self,
        kind: TicketKind,
        *,
        company: str,
        chat_id: str | None,  # None: an offline message (no chat)
        customer_id: str,
        transcript: Sequence[TranscriptLine],
        template_id: str | None = None,
        summary: str | None = None,
        fields: Mapping[str, str] | None = None,
        prior_shares: Iterable[str] = (),
    ) -> Ticket:
        """Create Incident / Create Work Order from an active chat.

        Without a template the transcript is the description; with one, the template's fields
        and text are filled in and the transcript appended. ``prior_shares`` are ids of articles
        shared in the chat before this, carried into the activity log in order. The ticket is in
        edit mode (``mode == "edit"``, ``missing_fields`` set) when required fields are blank.
        The customer must be one of ``company`` (the chat's), and the ticket is filed there.
        """
        rules.check_kind(kind)
        customer = self.directory.customer(customer_id, company=company)
        template = self.directory.template(template_id) if template_id else None
        shares = [self.directory.article(article_id) for article_id in prior_shares]
        draft = rules.draft_ticket(
            kind,
            customer,
            transcript,
            chat_id=chat_id,
            template=template,
            summary=summary,
            values=fields,
            shares=shares,
        )
        return self.directory.create_ticket(draft)

    def resolve_ticket(self, ticket_id: str) -> Ticket:
        """Resolve from the chat with the configured Status / Status Reason for its type."""
        ticket = self.directory.ticket(ticket_id)
        status = self.directory.statuses.for_kind(ticket.kind)
        return self.directory.set_status(ticket_id, status.resolved, status.resolved_reason)

    def abandon_chat(self, chat_id: str) -> Ticket | None:
        """Cancel the chat's ticket, if it has one; a ticket already closed is left as it is."""
        ticket = self.directory.chat_ticket(chat_id)
        if ticket is None:
            return None
        status = self.directory.statuses.for_kind(ticket.kind)
        if status.is_closed(ticket.status):
            return ticket
        return self.directory.set_status(ticket.id, status.cancelled, status.cancelled_reason)
