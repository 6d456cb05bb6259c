"""WebSocket streams for users and agents, resumable by ``since`` without loss or duplicates.

Order of operations on connect: subscribe to live rows first, then send the committed backlog
after ``since``, then the live rows, skipping any ``seq`` already sent. A row committed while
the backlog was read arrives twice at most, and is sent once.

Only the handler task reads from the socket; one sender task per socket writes to it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiohttp import WSCloseCode, web

from bridge.engine.errors import UnknownChat
from bridge.jsonfast import dumps
from bridge.runtime import Bridge, typing_notices
from bridge.runtime.hub import Subscription
from bridge.runtime.views import concerns_agent, user_view
from bridge.store import Row

from . import auth
from .apidoc import doc
from .errors import UpgradeRequired
from .keys import bridge_key, sockets_key
from .schemas import StreamQuery, parse_query
from .views import waiting_info

log = structlog.get_logger("bridge.streams")
routes = web.RouteTableDef()

RESUME_CODE = WSCloseCode.TRY_AGAIN_LATER  # fell behind: reconnect with since=<last seq>
Sender = Callable[[web.WebSocketResponse, Subscription], Awaitable[None]]


@routes.get("/api/v1/chats/{chat_id}/stream")
@doc(
    "WebSocket: what the user sees, resuming after since; plus QueueUpdate while waiting",
    query=StreamQuery,
    auth="user",
    websocket=True,
)
async def user_stream(request: web.Request) -> web.WebSocketResponse:
    chat_id = request.match_info["chat_id"]
    auth.user_of(request, chat_id, query=True)
    since = parse_query(request, StreamQuery).since or 0
    bridge = request.app[bridge_key]
    if bridge.projection.get(chat_id) is None:
        raise UnknownChat(f"no chat {chat_id!r}")
    sub = bridge.hub.subscribe_chat(chat_id)
    try:
        return await _serve(
            request, "user", sub, lambda ws, s: _send_user(bridge, ws, s, chat_id, since)
        )
    finally:
        bridge.hub.unsubscribe(sub, chat_id)


async def _send_user(
    bridge: Bridge, ws: web.WebSocketResponse, sub: Subscription, chat_id: str, since: int
) -> None:
    meta = bridge.projection.get(chat_id)
    assert meta is not None
    last = since
    for row in bridge.store.chat_rows(chat_id, since):
        last = await _send_row(ws, user_view(row, meta), row, last)
    loop = asyncio.get_running_loop()
    interval = bridge.settings.queue_update_interval
    told: tuple[int | None, float | None] | None = None
    due = loop.time()
    while True:
        waiting = bridge.engine.position(chat_id) is not None
        if waiting and loop.time() >= due:
            info = waiting_info(bridge, chat_id)
            if info != told:
                told = info
                await _send(
                    ws,
                    {
                        "type": "QueueUpdate",
                        "chat_id": chat_id,
                        "payload": {"position": info[0], "estimated_wait": info[1]},
                    },
                )
            due = loop.time() + interval
        rows = await _next(sub, due - loop.time() if waiting else None)
        if rows is None:
            continue
        if sub.overflowed:
            await ws.close(code=RESUME_CODE, message=b"fell behind: resume with since")
            return
        for row in rows:
            view = typing_notices.for_user(row) if row["seq"] is None else user_view(row, meta)
            last = await _send_row(ws, view, row, last)


@routes.get("/api/v1/agent/stream")
@doc(
    "WebSocket: notifications for my queues and chats, and Counts after each change",
    query=StreamQuery,
    auth="agent",
    websocket=True,
)
async def agent_stream(request: web.Request) -> web.WebSocketResponse:
    """The open stream is the agent's presence: it ends by itself when the socket closes (or
    stops answering pings), and then the agent-gone grace starts."""
    claims = auth.permitted_claims(request, query=True)  # 401/403 before anything is counted
    agent_id = claims.agent_id
    bridge = request.app[bridge_key]
    since = parse_query(request, StreamQuery).since
    require_websocket(request)  # before the sign-in and the connected event
    # Counted before the sign-in, so that a fresh sign-in is a connected one.
    bridge.agent_connections[agent_id] += 1
    sub = bridge.hub.subscribe_all(notices=True)
    try:
        await auth.signed_in(request, claims)
        if bridge.agent_connections[agent_id] == 1:
            await bridge.runner.run(lambda: bridge.engine.set_connected(agent_id, True))
        start = bridge.committed_seq if since is None else since  # None: from now on
        return await _serve(
            request, "agent", sub, lambda ws, s: _send_agent(bridge, ws, s, agent_id, start)
        )
    finally:
        bridge.hub.unsubscribe(sub)
        bridge.agent_connections[agent_id] -= 1
        if bridge.agent_connections[agent_id] <= 0:
            del bridge.agent_connections[agent_id]
            await _disconnected(bridge, agent_id)


async def _disconnected(bridge: Bridge, agent_id: str) -> None:
    """The last console closed: the engine's agent-gone grace starts (not on our shutdown)."""
    if bridge.closing or not bridge.engine.knows_agent(agent_id):  # refused before the sign-in
        return
    try:
        await bridge.runner.run(lambda: bridge.engine.set_connected(agent_id, False))
    except Exception as exc:
        log.warning("disconnect_not_recorded", agent_id=agent_id, error=repr(exc))


async def _send_agent(
    bridge: Bridge, ws: web.WebSocketResponse, sub: Subscription, agent_id: str, since: int
) -> None:
    def relevant(rows: list[Row]) -> list[Row]:
        get = bridge.projection.get
        queues = bridge.engine.agent_queues(agent_id)  # now: a new sign-in may change them
        return [
            r
            for r in rows
            if concerns_agent(r, agent_id, queues, get(r["chat_id"]) if r["chat_id"] else None)
        ]

    last = since
    for row in relevant(bridge.store.rows_since(since, bridge.settings.agent_backlog_limit)):
        last = await _send_row(ws, row, row, last)
    await _send(ws, _counts(bridge, agent_id))
    while True:
        rows = await _next(sub, None)
        if sub.overflowed:
            await ws.close(code=RESUME_CODE, message=b"fell behind: resume with since")
            return
        sent = False
        for row in [r for r in rows or () if r["seq"] is None]:  # typing notices
            holder = bridge.engine.chat_view(row["chat_id"])
            if typing_notices.for_agent(row, agent_id, holder and holder.agent_id):
                await _send(ws, row)
        for row in relevant([r for r in rows or () if r["seq"] is not None and r["seq"] > last]):
            last = await _send_row(ws, row, row, last)
            sent = True
        if sent:
            await _send(ws, _counts(bridge, agent_id))


def _counts(bridge: Bridge, agent_id: str) -> dict[str, Any]:
    return {"type": "Counts", "payload": bridge.engine.counts(agent_id)}


async def _send_row(ws: web.WebSocketResponse, view: Row | None, row: Row, last: int) -> int:
    """Send ``view`` of ``row`` unless already past it; returns the new last seq. A notice
    (``seq`` None: typing) is sent as it comes and moves nothing."""
    if row["seq"] is None:
        if view is not None:
            await _send(ws, view)
        return last
    if row["seq"] <= last:
        return last
    if view is not None:
        await _send(ws, view)
    return row["seq"]


async def _send(ws: web.WebSocketResponse, data: Any) -> None:
    """One JSON text frame (``bridge.jsonfast``: each stream encodes every row it shows)."""
    await ws.send_str(dumps(data))


async def _next(sub: Subscription, timeout: float | None) -> list[Row] | None:
    try:
        return await asyncio.wait_for(sub.queue.get(), timeout)
    except TimeoutError:
        return None


def require_websocket(request: web.Request) -> None:
    """A plain HTTP request to a stream gets 426 (with Upgrade), not aiohttp's bare 400."""
    if not web.WebSocketResponse().can_prepare(request).ok:
        raise UpgradeRequired("this route speaks WebSocket: send an Upgrade: websocket request")


async def _serve(
    request: web.Request, kind: str, sub: Subscription, sender: Sender
) -> web.WebSocketResponse:
    """Open the socket, run the sender beside the reading loop, tidy up whichever ends first."""
    bridge = request.app[bridge_key]
    require_websocket(request)
    ws = web.WebSocketResponse(heartbeat=30.0)
    await ws.prepare(request)
    sockets = request.app[sockets_key]
    sockets.add(ws)
    gauge = bridge.metrics.streams.labels(kind)
    gauge.inc()
    task = asyncio.create_task(_guarded(sender, ws, sub, kind))
    try:
        async for _ in ws:
            pass  # clients send nothing we act on; reading keeps pings and close working
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        sockets.discard(ws)
        gauge.dec()
    return ws


async def _guarded(sender: Sender, ws: web.WebSocketResponse, sub: Subscription, kind: str) -> None:
    """A sender that fails closes its socket, so the reading loop ends too."""
    try:
        await sender(ws, sub)
    except (ConnectionError, RuntimeError) as exc:  # the peer went away mid-send
        log.info("stream_send_stopped", kind=kind, error=repr(exc))
        await ws.close()
    except Exception as exc:
        log.exception("stream_sender_failed", kind=kind, error=repr(exc))
        await ws.close(code=WSCloseCode.INTERNAL_ERROR)
