"""The adapter boundary between the agent workspace and an IT service-management system.

``Directory`` is what the workspace needs from an ITSM: customer records, resources (outages,
templates, knowledge articles) and tickets. The embedded ``SqliteDirectory`` implements it for
demos, tests and the simulator; an adapter for a real ITSM (BMC Helix / Remedy, ...) implements
the same protocol and maps that system's errors onto ``bridge.workspace.errors``.

Every method is synchronous and quick: the bridge calls it from the event loop thread. Every
mutating method either raises a ``LivechatError`` and changes nothing, or returns the ticket as
it now is. The records are plain slotted dataclasses, treated as immutable by convention.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from .tickets import TicketStatusSettings

INCIDENT = "incident"
WORK_ORDER = "work_order"
TICKET_KINDS = (INCIDENT, WORK_ORDER)
TicketKind = Literal["incident", "work_order"]

# A ticket made from a template whose required fields are blank stays in edit mode until the
# agent completes and confirms it ("Confirm + Save").
EDIT = "edit"
SAVED = "saved"
TicketMode = Literal["edit", "saved"]


@dataclass(slots=True)
class Company:
    name: str
    domain: str = ""


@dataclass(slots=True)
class Site:
    id: str
    company: str
    name: str
    street: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""


@dataclass(slots=True)
class Customer:
    """A person who can chat; ``company`` and ``site`` come resolved for the console."""

    id: str
    first_name: str
    last_name: str
    email: str
    phone: str
    site: Site
    company: Company
    department: str = ""
    vip: bool = False

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(slots=True)
class Asset:
    id: str
    customer_id: str
    kind: str  # Laptop, Desktop, Mobile Phone, Monitor, ...
    model: str
    serial: str
    tag: str
    status: str = "Deployed"


@dataclass(slots=True)
class Article:
    id: str
    title: str
    body: str
    url: str
    category: str = ""


@dataclass(slots=True)
class TemplateField:
    """A field a template fills; a required field whose default is blank must be completed."""

    name: str
    label: str
    required: bool = False
    default: str = ""


@dataclass(slots=True)
class Template:
    id: str
    kind: TicketKind
    name: str
    summary: str
    description: str = ""
    category: str = ""
    fields: list[TemplateField] = field(default_factory=list)


@dataclass(slots=True)
class Outage:
    """A service outage; ``company`` None means a shared service that affects every company."""

    id: str
    company: str | None
    service: str
    title: str
    description: str
    started_at: float
    ended_at: float | None = None

    @property
    def active(self) -> bool:
        return self.ended_at is None


@dataclass(slots=True)
class Activity:
    """One entry of a ticket's activity log; ``article_id`` links a shared knowledge article."""

    text: str
    article_id: str | None = None


@dataclass(slots=True)
class TicketDraft:
    """Everything needed to create a ticket; ``tickets.draft_ticket`` builds it from a chat.

    ``required`` names the fields that must be non-blank before the ticket can be saved;
    ``status`` None means the kind's configured initial status.
    """

    kind: TicketKind
    customer_id: str
    company: str
    summary: str
    description: str
    fields: dict[str, str] = field(default_factory=dict)
    required: list[str] = field(default_factory=list)
    chat_id: str | None = None
    template_id: str | None = None
    activity: list[Activity] = field(default_factory=list)
    status: str | None = None
    status_reason: str = ""


@dataclass(slots=True)
class Ticket:
    id: str
    kind: TicketKind
    status: str
    status_reason: str
    summary: str
    description: str
    fields: dict[str, str]
    missing_fields: list[str]
    customer_id: str
    company: str
    chat_id: str | None
    activity: list[Activity]
    pinned_articles: list[str]
    template_id: str | None
    mode: TicketMode


class Directory(Protocol):
    """What the agent workspace needs from an ITSM.

    Tenancy: everything about a person (the record, open tickets, assets) is asked for within
    a ``company``, the chat's, and a record of another company is "not found", never shown. A
    ticket is filed under its draft's company, whose customer it must be. Knowledge articles
    and templates have no company: one shared catalogue. Outages are the company's own plus
    shared services' (``company`` None).

    Lookups raise the matching ``NotFound`` subclass (``UnknownCustomer``, ``UnknownArticle``,
    ``UnknownTemplate``, ``UnknownTicket``). Searches rank by relevance, best first; a blank
    term browses (first ``limit`` records in id order) and a term with no searchable word finds
    nothing. Ticket writes enforce the rules of ``bridge.workspace.tickets``.
    """

    @property
    def statuses(self) -> TicketStatusSettings:
        """The Status / Status Reason values this ITSM accepts and uses for chat actions."""
        ...

    def customer(self, customer_id: str, *, company: str) -> Customer:
        """The person with this id in ``company`` (``UnknownCustomer`` if only elsewhere)."""
        ...

    def find_customer(
        self, *, company: str, email: str | None = None, name: str | None = None
    ) -> Customer | None:
        """Who a chat's user is when the handoff names no directory id (a web chat's user
        gives a name and an email): the one of ``company`` with this email (exact,
        case-insensitive), else the only one of ``company`` with this full name; None when
        nobody (or, by name, more than one person) matches. A real ITSM adapter implements it
        with its people search, filtered by company.
        """
        ...

    def open_tickets(self, customer_id: str, *, company: str) -> list[Ticket]:
        """The customer's tickets of ``company`` whose status is not closed, oldest first."""
        ...

    def assets(self, customer_id: str, *, company: str) -> list[Asset]: ...

    def outages(
        self,
        company: str,
        services: list[str] | None = None,
        term: str = "",
        active_only: bool = True,
        limit: int = 20,
    ) -> list[Outage]:
        """Outages of the company's services plus shared ones, optionally of ``services`` only."""
        ...

    def search_articles(self, term: str, limit: int = 10) -> list[Article]: ...

    def article(self, article_id: str) -> Article: ...

    def search_templates(
        self, term: str, kind: TicketKind | None = None, limit: int = 10
    ) -> list[Template]: ...

    def template(self, template_id: str) -> Template: ...

    def create_ticket(self, draft: TicketDraft) -> Ticket:
        """Give the draft the next id of its kind; edit mode when required fields are blank.
        ``UnknownCustomer`` unless the draft's customer belongs to the draft's company."""
        ...

    def update_ticket(self, ticket_id: str, fields: dict[str, str]) -> Ticket:
        """Change field values (``summary`` and ``description`` included) of an open ticket."""
        ...

    def confirm_ticket(self, ticket_id: str) -> Ticket:
        """Confirm + Save: leave edit mode, or raise ``TicketIncomplete`` naming what's missing."""
        ...

    def set_status(self, ticket_id: str, status: str, reason: str = "") -> Ticket: ...

    def add_activity(self, ticket_id: str, text: str, article_id: str | None = None) -> Ticket:
        """Append to the activity log; allowed on closed tickets (a record, not a change)."""
        ...

    def pin_article(self, ticket_id: str, article_id: str) -> Ticket:
        """Flag an article on the ticket; pinning it again changes nothing."""
        ...

    def unpin_article(self, ticket_id: str, article_id: str) -> Ticket: ...

    def ticket(self, ticket_id: str) -> Ticket: ...

    def chat_ticket(self, chat_id: str) -> Ticket | None:
        """The ticket created from this chat, if any (a chat has at most one)."""
        ...
