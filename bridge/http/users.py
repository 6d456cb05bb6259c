"""The chat user's API (user token): status, history, messages, cancel, attachments."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from bridge.engine.errors import NotFound, UnknownChat
from bridge.runtime import Bridge
from bridge.runtime.attachments import describe, prepare
from bridge.store import EventStore, Row

from . import auth
from .apidoc import doc
from .keys import bridge_key
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


@routes.post("/api/v1/chats/{chat_id}/messages")
@doc(
    "Post a user message (attachments for self-service chats only)",
    body=MessageIn,
    response=PostedOut,
    status=201,
    auth="user",
)
async def post_message(request: web.Request) -> web.Response:
    chat_id = request.match_info["chat_id"]
    auth.user_of(request, chat_id)
    bridge = request.app[bridge_key]
    body = await parse_body(request, MessageIn)
    row = await post(bridge, chat_id, body, None)
    return web.json_response({"seq": row["seq"], "n": row["payload"]["n"]}, status=201)


async def post(bridge: Bridge, chat_id: str, body: MessageIn, agent_id: str | None) -> Row:
    """Post a message by the user (``agent_id`` None) or an agent; returns its committed row.

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
    rows = await bridge.runner.run(
        command, side=lambda rows: [EventStore.attachment_write(item) for item in kept]
    )
    return next(r for r in rows if r["type"] == "MessagePosted" and r["chat_id"] == chat_id)


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
    return web.json_response({"status": bridge.engine.chats[chat_id].state})


@routes.get("/api/v1/chats/{chat_id}/attachments/{attachment_id}")
@doc(
    "Download an attachment (the chat's user, or an agent who can see the chat)",
    auth=("user", "agent"),
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
