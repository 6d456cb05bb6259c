"""The agent workspace: Customer Information, Resources and tickets beside a live chat.

Pure Python (no aiohttp): the HTTP routes sit on top of this API. Everything is synchronous
and fast enough to call from the event loop thread (a few indexed SQLite queries per call).

Pieces
------
``Directory`` (``ports``)
    The adapter protocol for an ITSM. ``SqliteDirectory(path=":memory:", statuses=None,
    synchronous="NORMAL")`` is the embedded one; an adapter for BMC Helix / Remedy implements
    the same methods. Lookups (the person ones take the chat's ``company`` and never answer
    across it): ``customer``, ``find_customer``, ``open_tickets``, ``assets``, ``article``,
    ``template``, ``ticket``, ``chat_ticket``. Ranked search (SQLite FTS5, bm25, any user input
    is safe): ``search_articles(term, limit=10)``, ``search_templates(term, kind=None,
    limit=10)``, ``outages(company, services=None, term="", active_only=True, limit=20)``.
    Ticket steps: ``create_ticket(draft)``, ``update_ticket(ticket_id, fields)`` (field names,
    plus ``summary`` / ``description``), ``confirm_ticket`` (Confirm + Save),
    ``set_status(ticket_id, status, reason="")``, ``add_activity(ticket_id, text,
    article_id=None)``, ``pin_article`` / ``unpin_article``. Each returns the ticket as it
    now is, or raises and changes nothing.

``Workspace(directory)`` (``service``)
    The console actions that combine steps: ``customer_info(customer_id, *, company) ->
    CustomerInfo``; ``resources(customer_id, *, company, term="", kind=None, limit=10) ->
    Resources``; ``share_article(chat_id, article_id, *, company) -> Shared`` (logs the share
    in the chat's ticket if it has one); ``create_ticket(kind, *, company, chat_id, customer_id,
    transcript, template_id=None, summary=None, fields=None, prior_shares=()) -> Ticket``;
    ``resolve_ticket(ticket_id)`` (configured Status / Status Reason); ``abandon_chat(chat_id)``
    (its ticket -> Cancelled). Articles and templates are shared by every company.

``tickets``
    The rules: ids (``INC`` + 12 digits, ``WO`` + 13), description from the transcript,
    template filling, missing required fields (edit mode), ``TicketStatusSettings`` (pydantic;
    defaults: incident Resolved / No Further Action Required, work order Completed /
    Successful, abandon -> Cancelled) and the allowed Status / Status Reason values.

``seed``
    ``seed_directory(path, seed=42, people=200) -> SqliteDirectory`` and, for the CLI,
    ``main_seed(db_path, seed, people) -> dict[str, int]`` (rows per table). Demo ids are
    listed in ``bridge.workspace.seed``.

Errors (``errors``) subclass ``bridge.engine.errors.LivechatError`` with stable codes:
``unknown_customer``, ``unknown_article``, ``unknown_template``, ``unknown_ticket`` (all
``NotFound``); ``ticket_incomplete`` (``.missing`` lists field names), ``ticket_not_confirmed``,
``ticket_closed``, ``ticket_exists`` (``WrongState``); ``invalid_status``, ``unknown_field``,
``invalid_ticket_kind``, ``template_kind_mismatch`` (``InvalidCommand``);
``directory_not_empty``.

Typical flow::

    directory = seed_directory("workspace.db")
    workspace = Workspace(directory)
    info = workspace.customer_info("PPL000000000001", company="Calbro Services")
    found = workspace.resources("PPL000000000001", company="Calbro Services", term="vpn")
    workspace.share_article("chat-1", found.articles[0].id)          # no ticket yet
    ticket = workspace.create_ticket(
        "incident", company="Calbro Services", chat_id="chat-1", customer_id="PPL000000000001",
        transcript=[("Allen Allbrook", "My VPN drops"), ("Agent", "Let's look")],
        template_id="TPL000000000002", prior_shares=[found.articles[0].id],
    )
    if ticket.mode == "edit":                                          # ticket.missing_fields
        directory.update_ticket(ticket.id, {"impact": "3-Moderate/Limited"})
        directory.confirm_ticket(ticket.id)
    workspace.resolve_ticket(ticket.id)
"""

from typing import Any

from .errors import (
    DirectoryNotEmpty,
    InvalidStatus,
    InvalidTicketKind,
    TemplateKindMismatch,
    TicketClosed,
    TicketExists,
    TicketIncomplete,
    TicketNotConfirmed,
    UnknownArticle,
    UnknownCustomer,
    UnknownField,
    UnknownTemplate,
    UnknownTicket,
)
from .ports import (
    EDIT,
    INCIDENT,
    SAVED,
    WORK_ORDER,
    Activity,
    Article,
    Asset,
    Company,
    Customer,
    Directory,
    Outage,
    Site,
    Template,
    TemplateField,
    Ticket,
    TicketDraft,
    TicketKind,
)
from .service import CustomerInfo, Resources, Shared, Workspace
from .sqlite_directory import SqliteDirectory
from .tickets import TicketStatusSettings, TicketTypeStatuses, TranscriptLine

# The seeder needs Faker, which takes ~0.15 s to import: loaded only when a name of it is used
# (``livechat-bridge demo``, tests), never by a bridge that just serves.
_SEED_NAMES = frozenset({"DEMO_CUSTOMERS", "generate", "main_seed", "seed_directory"})


def __getattr__(name: str) -> Any:
    if name in _SEED_NAMES:
        from . import seed

        return getattr(seed, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEMO_CUSTOMERS",
    "EDIT",
    "INCIDENT",
    "SAVED",
    "WORK_ORDER",
    "Activity",
    "Article",
    "Asset",
    "Company",
    "Customer",
    "CustomerInfo",
    "Directory",
    "DirectoryNotEmpty",
    "InvalidStatus",
    "InvalidTicketKind",
    "Outage",
    "Resources",
    "Shared",
    "Site",
    "SqliteDirectory",
    "Template",
    "TemplateField",
    "TemplateKindMismatch",
    "Ticket",
    "TicketClosed",
    "TicketDraft",
    "TicketExists",
    "TicketIncomplete",
    "TicketKind",
    "TicketNotConfirmed",
    "TicketStatusSettings",
    "TicketTypeStatuses",
    "TranscriptLine",
    "UnknownArticle",
    "UnknownCustomer",
    "UnknownField",
    "UnknownTemplate",
    "UnknownTicket",
    "Workspace",
    "generate",
    "main_seed",
    "seed_directory",
]
