"""The agent workspace beside a chat (agent token): customer, resources, articles, tickets.

Reads need an agent who can see the chat (customer information) or holds it (the rest).
Every read and write is scoped to the chat's company: a customer, ticket or asset of another
company is not found. Knowledge articles and templates are one shared catalogue. Every change
is made by one runner command that checks the engine's rules, writes the ITSM directory, then
emits the chat's event (``ArticleShared``, ``ArticlePinned``, ``TicketLinked``,
``TicketStatusChanged``), so a refusal changes neither store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import asdict
from functools import partial
from typing import Annotated, Any, Literal

from aiohttp import web
from pydantic import Field

from bridge.engine.errors import NotFound
from bridge.engine.events import Event
from bridge.runtime import AgentClaims, Bridge
from bridge.runtime.chat_workspace import (
    cancel_abandoned,
    chat_of,
    chat_ticket_in_scope,
    held_chat,
    reconcile,
    required_customer,
    resolution,
    shared_articles,
    transcript,
)
from bridge.runtime.follower import RowFollower
from bridge.workspace import CustomerInfo, SqliteDirectory, Ticket, Workspace

from . import auth
from .apidoc import doc
from .errors import Forbidden
from .keys import bridge_key, settings_key
from .schemas import EmptyIn, In, Out, RowOut, SearchQuery, parse_body, parse_query
from .steps import chat_step

routes = web.RouteTableDef()
P = "/api/v1/agent"
workspace_key = web.AppKey("workspace", Workspace)
# Follows committed rows to cancel abandoned chats' tickets; tests await ``reached(seq)``.
workspace_follower_key = web.AppKey("workspace_follower", RowFollower)

FieldValue = Annotated[str, Field(max_length=4000)]
Fields = Annotated[dict[Annotated[str, Field(max_length=100)], FieldValue], Field(max_length=100)]


class TicketIn(In):
    kind: Literal["incident", "work_order"]
    template_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    fields: Fields = {}
    summary: Annotated[str, Field(min_length=1, max_length=400)] | None = None


class FieldsIn(In):
    fields: Fields


class PinIn(In):
    ticket_id: Annotated[str, Field(min_length=1, max_length=64)]


class ResolveIn(In):
    status: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    status_reason: Annotated[str, Field(max_length=100)] | None = None


class ResolutionOut(Out):
    ticket_id: str
    kind: str
    status: str
    status_reason: str
    reasons: list[str]
    closed: bool
    can_resolve: bool
    why_not: str | None


class TicketOut(Out):
    id: str
    kind: str
    status: str
    status_reason: str
    mode: Literal["edit", "saved"]
    missing_fields: list[str]
    fields: dict[str, str]
    summary: str
    description: str
    activity: list[dict[str, Any]]
    pinned_articles: list[str]
    chat_id: str | None
    customer_id: str
    template_id: str | None


class CustomerInfoOut(Out):
    customer: dict[str, Any]
    site: dict[str, Any]
    company: dict[str, Any]
    tickets: list[TicketOut]
    assets: list[dict[str, Any]]


class ResourcesOut(Out):
    outages: list[dict[str, Any]]
    templates: list[dict[str, Any]]
    articles: list[dict[str, Any]]
    tickets: list[TicketOut]


def ticket_view(ticket: Ticket) -> dict[str, Any]:
    return asdict(ticket)


def customer_view(info: CustomerInfo) -> dict[str, Any]:
    person = info.customer
    return {
        "customer": {"id": person.id, "name": person.name, "email": person.email,
                     "phone": person.phone, "department": person.department,
                     "vip": person.vip},
        "site": asdict(person.site),
        "company": asdict(person.company),
        "tickets": [ticket_view(t) for t in info.open_tickets],
        "assets": [asdict(a) for a in info.assets],
    }  # fmt: skip


# --- chat-side reads -----------------------------------------------------------------------


@routes.get(f"{P}/chats/{{chat_id}}/customer")
@doc("Customer Information: contact, site, company, open tickets, assets of the chat's "
     "customer, found in the directory (only within the chat's company) by id, else email, "
     "else name", response=CustomerInfoOut, auth="agent")  # fmt: skip
async def get_customer(request: web.Request) -> web.Response:
    chat_id = request.match_info["chat_id"]
    await auth.agent_who_sees(request, chat_id)
    workspace, bridge = request.app[workspace_key], request.app[bridge_key]
    customer = required_customer(bridge, workspace.directory, chat_id)
    info = workspace.customer_info(customer.id, company=chat_of(bridge, chat_id).company)
    return web.json_response(customer_view(info))


@routes.get(f"{P}/chats/{{chat_id}}/resources")
@doc("Resources: outages (of the chat's company and shared services), templates and "
     "knowledge articles for a search term, and the chat's tickets", query=SearchQuery,
     response=ResourcesOut, auth="agent")  # fmt: skip
async def get_resources(request: web.Request) -> web.Response:
    chat_id, claims, bridge = await _held(request)
    term = parse_query(request, SearchQuery).q
    workspace = request.app[workspace_key]
    chat = held_chat(bridge.engine, chat_id, claims.agent_id)
    found = workspace.company_resources(chat.company, term)
    ticket = workspace.chat_ticket(chat_id, company=chat.company)
    return web.json_response({
        "outages": [asdict(o) for o in found.outages],
        "templates": [asdict(t) for t in found.templates],
        "articles": [asdict(a) for a in found.articles],
        "tickets": [ticket_view(ticket)] if ticket is not None else [],
    })  # fmt: skip


# --- chat-side actions ---------------------------------------------------------------------


@routes.post(f"{P}/chats/{{chat_id}}/articles/{{article_id}}/share")
@doc("Share a knowledge article: the user sees its title and link; the chat's ticket logs it",
     body=EmptyIn, response=RowOut, status=201, auth="agent")  # fmt: skip
async def share(request: web.Request) -> web.Response:
    step = await chat_step(request, EmptyIn)
    chat_id, agent_id, engine = step.chat_id, step.agent_id, step.engine
    article_id = request.match_info["article_id"]
    workspace = request.app[workspace_key]

    def command() -> list[Event]:
        chat = held_chat(engine, chat_id, agent_id)
        article = workspace.directory.article(article_id)
        workspace.share_article(chat_id, article_id, company=chat.company)
        return engine.share_article(chat_id, agent_id, article.id, article.title, article.url)

    rows = await step.run(command)
    return web.json_response(rows[-1], status=201)


@routes.post(f"{P}/chats/{{chat_id}}/articles/{{article_id}}/pin")
@doc("Pin (flag) a knowledge article to the chat's ticket", body=PinIn, response=TicketOut,
     auth="agent")  # fmt: skip
async def pin(request: web.Request) -> web.Response:
    step = await chat_step(request, PinIn)
    chat_id, agent_id, engine, body = step.chat_id, step.agent_id, step.engine, step.body
    article_id = request.match_info["article_id"]
    directory = request.app[workspace_key].directory
    pinned: list[Ticket] = []

    def command() -> list[Event]:
        chat = held_chat(engine, chat_id, agent_id)
        if body.ticket_id not in chat.tickets:
            raise NotFound(f"ticket {body.ticket_id!r} is not linked to chat {chat_id!r}")
        pinned.append(directory.pin_article(body.ticket_id, article_id))
        return engine.pin_article(chat_id, agent_id, body.ticket_id, article_id)

    await step.run(command)
    return web.json_response(ticket_view(pinned[0]))


@routes.post(f"{P}/chats/{{chat_id}}/tickets")
@doc("Create Incident / Create Work Order from the chat, with or without a template; "
     'mode "edit" lists missing_fields', body=TicketIn, response=TicketOut, status=201,
     auth="agent")  # fmt: skip
async def create_ticket(request: web.Request) -> web.Response:
    step = await chat_step(request, TicketIn)
    chat_id, claims, bridge, body = step.chat_id, step.claims, step.bridge, step.body
    workspace = request.app[workspace_key]
    made: list[Ticket] = []

    def command() -> list[Event]:
        chat = held_chat(bridge.engine, chat_id, claims.agent_id)
        rows = bridge.store.chat_rows(chat_id)
        ticket = workspace.create_ticket(
            body.kind,
            company=chat.company,
            chat_id=chat_id,
            customer_id=required_customer(
                bridge, workspace.directory, chat_id, ": a ticket needs a directory customer"
            ).id,
            transcript=transcript(bridge, rows),
            template_id=body.template_id,
            summary=body.summary,
            fields=body.fields,
            prior_shares=shared_articles(rows),
        )
        made.append(ticket)
        return bridge.engine.link_ticket(
            chat_id, claims.agent_id, ticket.id, ticket.kind, ticket.status
        )

    await bridge.runner.run(command)
    return web.json_response(ticket_view(made[0]), status=201)


# --- tickets ---------------------------------------------------------------------------------


@routes.get(f"{P}/tickets/{{ticket_id}}")
@doc("A ticket of a chat I can see", response=TicketOut, auth="agent")
async def get_ticket(request: web.Request) -> web.Response:
    ticket, _ = await _ticket(request)
    return web.json_response(ticket_view(ticket))


@routes.patch(f"{P}/tickets/{{ticket_id}}")
@doc("Change fields (summary and description too) of my chat's open ticket", body=FieldsIn,
     response=TicketOut, auth="agent")  # fmt: skip
async def patch_ticket(request: web.Request) -> web.Response:
    _, claims = await _ticket(request)
    body = await parse_body(request, FieldsIn)
    return await _ticket_step(
        request, claims, lambda d, t: d.update_ticket(t.id, dict(body.fields))
    )


@routes.post(f"{P}/tickets/{{ticket_id}}/confirm")
@doc("Confirm + Save: leave edit mode once no required field is blank", body=EmptyIn,
     response=TicketOut, auth="agent")  # fmt: skip
async def confirm_ticket(request: web.Request) -> web.Response:
    _, claims = await _ticket(request)
    await parse_body(request, EmptyIn)
    return await _ticket_step(request, claims, lambda d, t: d.confirm_ticket(t.id))


@routes.post(f"{P}/tickets/{{ticket_id}}/resolve")
@doc("Resolve from the chat with the configured Status / Status Reason (or allowed ones): "
     "while the chat is open, by the agent holding it; after End, by the agent who held it "
     "when it closed", body=ResolveIn, response=TicketOut, auth="agent")  # fmt: skip
async def resolve_ticket(request: web.Request) -> web.Response:
    _, claims = await _ticket(request)
    body = await parse_body(request, ResolveIn)
    workspace = request.app[workspace_key]

    def step(directory: SqliteDirectory, ticket: Ticket) -> Ticket:
        if body.status is None and body.status_reason is None:
            return workspace.resolve_ticket(ticket.id)
        rules = directory.statuses.for_kind(ticket.kind)
        status = body.status or rules.resolved
        reason = body.status_reason
        if reason is None:
            reason = rules.resolved_reason if status == rules.resolved else ""
        return directory.set_status(ticket.id, status, reason)

    return await _ticket_step(request, claims, step, record=True)


@routes.get(f"{P}/tickets/{{ticket_id}}/resolution")
@doc("What Resolve would set (the configured Status and Status Reason, and the reasons "
     "allowed with that Status) and whether I may resolve the ticket now, with why not",
     response=ResolutionOut, auth="agent")  # fmt: skip
async def get_resolution(request: web.Request) -> web.Response:
    ticket, claims = await _ticket(request)
    directory = request.app[workspace_key].directory
    offer = resolution(request.app[bridge_key], directory, ticket, claims.agent_id)
    return web.json_response(offer)


# --- helpers ---------------------------------------------------------------------------------


async def _held(request: web.Request) -> tuple[str, AgentClaims, Bridge]:
    """Chat id, claims and bridge for an agent who can see the chat (holding is checked in
    the command, after due timers fired)."""
    chat_id = request.match_info["chat_id"]
    claims, _ = await auth.agent_who_sees(request, chat_id)
    return chat_id, claims, request.app[bridge_key]


async def _ticket(request: web.Request) -> tuple[Ticket, AgentClaims]:
    """The ticket named in the path, for an agent who can see its chat."""
    auth.permitted_claims(request)  # 401/403 before anything about the ticket is told
    ticket = request.app[workspace_key].directory.ticket(request.match_info["ticket_id"])
    if ticket.chat_id is None:
        raise Forbidden(f"ticket {ticket.id} was not created from a chat")
    chat_ticket_in_scope(request.app[bridge_key], ticket)
    claims, _ = await auth.agent_who_sees(request, ticket.chat_id)
    return ticket, claims


Step = Callable[[SqliteDirectory, Ticket], Ticket]


async def _ticket_step(
    request: web.Request, claims: AgentClaims, step: Step, *, record: bool = False
) -> web.Response:
    """Apply ``step`` to my chat's ticket; ``record`` (resolve, allowed after End) logs it."""
    bridge = request.app[bridge_key]
    workspace = request.app[workspace_key]
    done: list[Ticket] = []

    def command() -> list[Event]:
        ticket = workspace.directory.ticket(request.match_info["ticket_id"])
        chat_id, agent_id = ticket.chat_id or "", claims.agent_id
        if record:  # resolving: the engine's rule for a chat's tickets, after End too
            bridge.engine.ticket_chat(chat_id, agent_id, ticket.id)
        else:
            held_chat(bridge.engine, chat_id, agent_id)
        chat_ticket_in_scope(bridge, ticket)
        done.append(step(workspace.directory, ticket))
        if not record:
            return []
        return bridge.engine.resolve_ticket(
            chat_id, agent_id, ticket.id, done[0].status, done[0].status_reason
        )

    await bridge.runner.run(command)
    return web.json_response(ticket_view(done[0]))


# --- wiring ----------------------------------------------------------------------------------


async def workspace_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the ITSM directory beside the event log and follow the log for abandoned chats."""
    settings, bridge = app[settings_key], app[bridge_key]
    path = settings.directory_path
    path.parent.mkdir(parents=True, exist_ok=True)
    directory = SqliteDirectory(str(path), settings.ticket_statuses, settings.synchronous)
    workspace = Workspace(directory)
    reconcile(workspace, bridge.engine)
    follower = RowFollower(bridge, partial(cancel_abandoned, workspace), "workspace")
    follower.start(replay=False)
    app[workspace_key], app[workspace_follower_key] = workspace, follower
    yield
    await follower.stop()
    directory.close()


def setup(app: web.Application) -> None:
    app.add_routes(routes)
    app.cleanup_ctx.append(workspace_ctx)
