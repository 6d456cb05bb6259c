"""The chat user's API (user token): status, history, messages, cancel, attachments."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from bridge.engine.errors import NotFound, UnknownChat
from bridge.engine.events import MessagePosted
from bridge.jsonfast import dumps
from bridge.runtime import Bridge
from bridge.runtime.attachments import describe, prepare
from bridge.store import EventStore, Row, SideWrite

from . import auth, idempotency
from .apidoc import doc
from .idempotency import Claim
from .keys import bridge_key
from .limits import large_body
from .schemas import (
    ChatStatusOut,
    EventsOut,
    MessageIn,
    PostedOut,
    SinceQuery,
    StatusOut,
    parse_body,
    parse_query,
)
from .views import chat_status, user_rows

routes = web.RouteTableDef()


# The busiest route is registered first: aiohttp tries a path's candidates (every
# ``/api/v1/chats/{chat_id}...`` route) in registration order, one coroutine each.
@routes.post("/api/v1/chats/{chat_id}/messages")
@large_body
@doc(
    "Post a user message (attachments for self-service chats only)",
    body=MessageIn,
    response=PostedOut,
    status=201,
    also=(200,),  # the same Idempotency-Key again: the first answer
    idempotent=True,
    auth="user",
)
async def post_message(request: web.Request) -> web.Response:
    chat_id = request.match_info["chat_id"]
    auth.user_of(request, chat_id)
    body = await parse_body(request, MessageIn)
    return await post_once(request, chat_id, body, None)


@routes.get("/api/v1/chats/{chat_id}")
@doc(
    "Where the chat stands: queued with position and wait, or with which agent",
    response=ChatStatusOut,
    auth="user",
)
async def get_chat(request: web.Request) -> web.Response:
    chat_id = request.match_info["chat_id"]
    auth.user_of(request, chat_id)
    bridge = request.app[bridge_key]
    await bridge.runner.run()  # due timers first
    return web.json_response(chat_status(bridge, chat_id))


@routes.get("/api/v1/chats/{chat_id}/events")
@doc(
    "What the user may see, after a sequence number",
    query=SinceQuery,
    response=EventsOut,
    auth="user",
)
async def chat_events(request: web.Request) -> web.Response:
    chat_id = request.match_info["chat_id"]
    auth.user_of(request, chat_id)
    since = parse_query(request, SinceQuery).since
    return web.json_response({"events": user_rows(request.app[bridge_key], chat_id, since)})


async def post_once(
    request: web.Request, chat_id: str, body: MessageIn, agent_id: str | None
) -> web.Response:
    """Post once per ``Idempotency-Key`` of this chat and sender: 201, or 200 with the first
    answer for a retry."""
    bridge = request.app[bridge_key]
    scope = f"user@{chat_id}" if agent_id is None else f"agent:{agent_id}@{chat_id}"
    answer, created = await idempotency.once(
        bridge,
        idempotency.header_claim(request, scope, body),
        lambda found: post(bridge, chat_id, body, agent_id, found),
    )
    return web.json_response(answer, status=201 if created else 200, dumps=dumps)


async def post(
    bridge: Bridge,
    chat_id: str,
    body: MessageIn,
    agent_id: str | None,
    found: Claim | None = None,
) -> Row:
    """Post a message by the user (``agent_id`` None) or an agent; answers ``{seq, n}`` once
    committed, with the idempotent answer (``found``) in the same transaction.

    Attachments are checked and kept only for self-service chats: for a virtual-agent chat
    the engine refuses them before anything is stored.
    """
    meta = bridge.projection.get(chat_id)
    if meta is None:
        raise UnknownChat(f"no chat {chat_id!r}")
    kept = (
        []
        if meta.source == "virtual_agent"
        else prepare(body.attachments, chat_id, bridge.settings.attachments)
    )
    listed = [describe(item) for item in kept] if kept else body.attachments
    engine = bridge.engine
    if agent_id is None:
        command = lambda: engine.post_user_message(chat_id, body.text, listed)  # noqa: E731
    else:
        command = lambda: engine.post_agent_message(chat_id, agent_id, body.text, listed)  # noqa: E731
    answer: Row = {}

    def side(rows: list[Row]) -> list[SideWrite]:
        row = next(
            r for r in rows if r["type"] == MessagePosted.__name__ and r["chat_id"] == chat_id
        )
        answer.update(seq=row["seq"], n=row["payload"]["n"])
        writes = [EventStore.attachment_write(item) for item in kept]
        if found is not None:
            writes.append(found.write(chat_id, answer))
        return writes

    await bridge.runner.run(command, side=side)
    return answer


@routes.post("/api/v1/chats/{chat_id}/cancel")
@doc(
    "The user cancels: a waiting chat closes, an assigned one stays with its agent",
    response=StatusOut,
    auth="user",
)
async def cancel(request: web.Request) -> web.Response:
    chat_id = request.match_info["chat_id"]
    auth.user_of(request, chat_id)
    bridge = request.app[bridge_key]
    await bridge.runner.run(lambda: bridge.engine.cancel(chat_id))
    return web.json_response({"status": bridge.engine.chat_state(chat_id)})


@routes.get("/api/v1/chats/{chat_id}/attachments/{attachment_id}")
@doc(
    "Download an attachment (the chat's user, or an agent who can see the chat)",
    auth=("user", "agent"),
    content_type="*/*",  # the attachment's own type
)
async def attachment(request: web.Request) -> web.Response:
    chat_id = request.match_info["chat_id"]
    if auth.is_user_token(request, query=True):
        auth.user_of(request, chat_id, query=True)
    else:
        await auth.agent_who_sees(request, chat_id, query=True)
    found = request.app[bridge_key].store.attachment(request.match_info["attachment_id"])
    if found is None or found.chat_id != chat_id:
        raise NotFound("no such attachment in this chat")
    ascii_name = (
        "".join(c for c in found.name if c.isascii() and c.isprintable() and c not in '"\\')
        or "attachment"
    )
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(found.name)}"
    return web.Response(
        body=found.data,
        content_type=found.content_type,
        headers={
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
        },
    )
