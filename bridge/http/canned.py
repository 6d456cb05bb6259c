"""Canned responses (agent token): manage them, search them from the composer, render one.

Management (``/api/v1/agent/canned``) needs a permitted agent token and nothing else: reach is
the token's queues (``bridge.canned.rules``). Changes are side writes committed through the
runner, then kept in the bridge's cache, so a refusal or a failed commit changes nothing.
In a chat (``/chats/{chat_id}/canned``) the agent holding it gets the responses that fit the
chat plus matching knowledge articles, and ``render`` fills one for this chat: the one place
placeholders are filled, so the console and API clients send the same text.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, fields
from typing import Annotated, Any, Literal, get_type_hints

from aiohttp import web
from pydantic import ConfigDict, Field, create_model, model_validator

from bridge.canned import CannedLibrary, CannedResponse, ReplyContext
from bridge.canned import rules as canned_rules
from bridge.engine.views import ChatView
from bridge.runtime import AgentClaims, Bridge
from bridge.runtime.runner import agent_name
from bridge.store import SideWrite

from . import auth
from .apidoc import doc
from .keys import bridge_key
from .schemas import In, Out, SearchQuery, parse_body, parse_query
from .steps import chat_step
from .workspace import workspace_key

routes = web.RouteTableDef()
P = "/api/v1/agent"
canned_key = web.AppKey("canned", CannedLibrary)

Title = Annotated[str, Field(min_length=1, max_length=200)]
Shortcut = Annotated[str, Field(max_length=40, pattern=r"^[\w.-]*$")]
ReplyText = Annotated[str, Field(max_length=4000)]
ArticleId = Annotated[str, Field(min_length=1, max_length=64)]


class CannedIn(In):
    # What _has_content checks, for the document: some text, or an article.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": ["text"], "properties": {"text": {"pattern": r"\S"}}},
                {"required": ["article_id"], "properties": {"article_id": {"type": "string"}}},
            ]
        },
    )
    scope: Literal["company", "queue", "personal"]
    company: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    queue: Annotated[str, Field(min_length=3, max_length=300)] | None = None
    title: Title
    shortcut: Shortcut = ""
    text: ReplyText = ""
    article_id: ArticleId | None = None

    @model_validator(mode="after")
    def _has_content(self) -> CannedIn:
        if not self.text.strip() and self.article_id is None:
            raise ValueError("a canned response needs text or an article_id")
        return self


class CannedPatchIn(In):
    title: Title | None = None
    shortcut: Shortcut | None = None
    text: ReplyText | None = None


class CannedQuery(SearchQuery):
    scope: Literal["company", "queue", "personal"] | None = None


class RenderIn(In):
    # What _exactly_one checks, for the document: one of the two, not null.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {"required": [name], "properties": {name: {"type": "string"}}}
                for name in ("canned_id", "article_id")
            ]
        },
    )
    canned_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    article_id: ArticleId | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> RenderIn:
        if (self.canned_id is None) == (self.article_id is None):
            raise ValueError("give exactly one of canned_id or article_id")
        return self


def _answer_model(name: str, row: type) -> type[Out]:
    """An answer model with the fields of the dataclass the handlers answer with (``asdict``),
    so the document and the answers cannot drift apart. ``scope`` is documented as a string,
    as it always was (its values are ``CannedIn``'s)."""
    hints = get_type_hints(row) | {"scope": str}
    return create_model(
        name,
        __base__=Out,
        __module__=__name__,
        **{f.name: (hints[f.name], ...) for f in fields(row)},
    )


CannedOut = _answer_model("CannedOut", CannedResponse)


class CannedListOut(Out):
    canned: list[CannedOut]


class ReplyOut(Out):
    kind: Literal["canned", "article"]
    id: str
    title: str
    shortcut: str
    text: str


class RepliesOut(Out):
    replies: list[ReplyOut]
    placeholders: dict[str, str]


class RenderedOut(Out):
    text: str


# --- management --------------------------------------------------------------------------


@routes.get(f"{P}/canned")
@doc("Canned responses in my reach (my queues' companies and queues, my own), searchable",
     query=CannedQuery, response=CannedListOut, auth="agent")  # fmt: skip
async def list_canned(request: web.Request) -> web.Response:
    claims = auth.permitted_claims(request)
    query = parse_query(request, CannedQuery)
    found = request.app[canned_key].search(
        query.q,
        lambda i: (
            canned_rules.in_reach(i, claims.agent_id, claims.queues)
            and query.scope in (None, i.scope)
        ),
        limit=200,
    )
    return web.json_response({"canned": [asdict(i) for i in found]})


@routes.post(f"{P}/canned")
@doc("Create a canned response for a company, a queue, or myself (personal)", body=CannedIn,
     response=CannedOut, status=201, errors=(404,), auth="agent")  # fmt: skip
async def create_canned(request: web.Request) -> web.Response:
    claims = auth.permitted_claims(request)
    body = await parse_body(request, CannedIn)
    if body.article_id is not None:
        request.app[workspace_key].directory.article(body.article_id)  # 404 if none
    fields = body.model_dump(include={"title", "shortcut", "text", "article_id"})
    item, write = request.app[canned_key].create(
        claims.agent_id, claims.queues, scope=body.scope, company=body.company,
        queue=body.queue, fields=fields,
    )  # fmt: skip
    await _commit(request, item, write)
    return web.json_response(asdict(item), status=201)


@routes.get(f"{P}/canned/{{canned_id}}")
@doc("A canned response in my reach", response=CannedOut, auth="agent")
async def get_canned(request: web.Request) -> web.Response:
    claims = auth.permitted_claims(request)
    item = request.app[canned_key].get(request.match_info["canned_id"], *_reach(claims))
    return web.json_response(asdict(item))


@routes.patch(f"{P}/canned/{{canned_id}}")
@doc("Change a canned response's title, shortcut or text", body=CannedPatchIn,
     response=CannedOut, auth="agent")  # fmt: skip
async def patch_canned(request: web.Request) -> web.Response:
    claims = auth.permitted_claims(request)
    body = await parse_body(request, CannedPatchIn)
    changes = body.model_dump(exclude_none=True)
    item, write = request.app[canned_key].update(
        request.match_info["canned_id"], *_reach(claims), changes
    )
    await _commit(request, item, write)
    return web.json_response(asdict(item))


@routes.delete(f"{P}/canned/{{canned_id}}")
@doc("Delete a canned response; answers with what it was", response=CannedOut, auth="agent")
async def delete_canned(request: web.Request) -> web.Response:
    claims = auth.permitted_claims(request)
    library = request.app[canned_key]
    item, write = library.delete(request.match_info["canned_id"], *_reach(claims))
    await request.app[bridge_key].runner.run(side=lambda _rows: [write])
    library.drop([item])
    return web.json_response(asdict(item))


# --- in a chat -----------------------------------------------------------------------------


@routes.get(f"{P}/chats/{{chat_id}}/canned")
@doc("Replies for my chat's composer: canned responses that fit the chat (its company, its "
     "queue, mine) and matching knowledge articles, best first", query=SearchQuery,
     response=RepliesOut, auth="agent")  # fmt: skip
async def chat_replies(request: web.Request) -> web.Response:
    chat_id = request.match_info["chat_id"]
    claims, _ = await auth.agent_who_sees(request, chat_id)
    term = parse_query(request, SearchQuery).q
    chat = request.app[bridge_key].engine.held_chat(chat_id, claims.agent_id)
    found = request.app[canned_key].search(term, _fits(claims.agent_id, chat))
    replies = [_reply_view(item) for item in found]
    if term.strip():
        articles = request.app[workspace_key].directory.search_articles(term, limit=5)
        replies += [
            {"kind": "article", "id": a.id, "title": a.title, "shortcut": "",
             "text": canned_rules.article_text(a.title, a.url)}
            for a in articles
        ]  # fmt: skip
    return web.json_response({"replies": replies, "placeholders": canned_rules.PLACEHOLDERS})


@routes.post(f"{P}/chats/{{chat_id}}/canned/render")
@doc("A canned response or knowledge article as the text to send in my chat, placeholders "
     "filled (409 placeholder_unfilled when the chat has no value, e.g. no ticket yet)",
     body=RenderIn, response=RenderedOut, auth="agent")  # fmt: skip
async def render(request: web.Request) -> web.Response:
    step = await chat_step(request, RenderIn)
    body = step.body
    chat = step.engine.held_chat(step.chat_id, step.agent_id)
    directory = request.app[workspace_key].directory
    if body.article_id is not None:
        article = directory.article(body.article_id)
        return web.json_response({"text": canned_rules.article_text(article.title, article.url)})
    item = request.app[canned_key].find(body.canned_id or "", _fits(step.agent_id, chat))
    context = _context(step.bridge, step.chat_id, step.claims, chat.tickets)
    text = canned_rules.render(item.text, context.values())
    if item.article_id is not None:
        article = directory.article(item.article_id)
        shared = canned_rules.article_text(article.title, article.url)
        text = f"{text}\n{shared}" if text else shared
    return web.json_response({"text": text})


# --- helpers ---------------------------------------------------------------------------------


def _reach(claims: AgentClaims) -> tuple[str, tuple[str, ...]]:
    return claims.agent_id, claims.queues


def _fits(agent_id: str, chat: ChatView) -> Callable[[CannedResponse], bool]:
    """The responses offered in ``chat``, held by ``agent_id`` (``rules.fits_chat``)."""
    return lambda item: canned_rules.fits_chat(item, agent_id, chat.company, chat.queue)


def _reply_view(item: CannedResponse) -> dict[str, Any]:
    return {"kind": "canned", "id": item.id, "title": item.title, "shortcut": item.shortcut,
            "text": item.text}  # fmt: skip


def _context(
    bridge: Bridge, chat_id: str, claims: AgentClaims, tickets: dict[str, str]
) -> ReplyContext:
    meta = bridge.projection.get(chat_id)
    customer = (meta.customer if meta is not None else {}).get("name") or None
    ticket = list(tickets)[-1] if tickets else None
    return ReplyContext(chat_id, agent_name(bridge.engine, claims.agent_id), customer, ticket)


async def _commit(request: web.Request, item: CannedResponse, write: SideWrite) -> None:
    library = request.app[canned_key]
    await request.app[bridge_key].runner.run(side=lambda _rows: [write])
    library.keep(item)


async def canned_ctx(app: web.Application) -> AsyncIterator[None]:
    library = CannedLibrary()
    library.load(app[bridge_key].store)
    app[canned_key] = library
    yield


def setup(app: web.Application) -> None:
    app.add_routes(routes)
    app.cleanup_ctx.append(canned_ctx)
