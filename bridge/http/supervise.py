"""The supervisor's API (agent token with the supervisor role): the Supervise view, a chat's
live stream, whisper, barge-in, messages after barging in, take-over and reassign.

Every rule is the engine's (``bridge.engine.supervision``): the handlers authenticate, parse
the body, sign the agent in and run one engine command, in that order, so a refused token, a
bad body or a refused command writes nothing. Each action is a ``Supervisor*`` event in the
log; so is opening a chat's live stream (``SupervisorMonitored``).
"""

from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web
from pydantic import Field

from bridge.runtime import Bridge
from bridge.runtime.hub import Subscription
from bridge.runtime.runner import agent_name
from bridge.store import Row

from . import auth
from .apidoc import doc
from .keys import bridge_key
from .schemas import (
    ActionOut,
    ChatSummary,
    EmptyIn,
    In,
    NoteIn,
    Out,
    PostedOut,
    StreamQuery,
    TransferIn,
    parse_query,
)
from .steps import chat_step
from .streams import RESUME_CODE, _next, _send_row, _serve, require_websocket
from .views import summary

routes = web.RouteTableDef()
P = "/api/v1/supervise"
CHAT = f"{P}/chats/{{chat_id}}"


class SupervisorMessageIn(In):
    text: Annotated[str, Field(min_length=1, max_length=8000, pattern=r"\S")]


class QueueCountsOut(Out):
    queue: str
    waiting: int
    assigned: int


class AgentCountsOut(Out):
    agent_id: str
    display_name: str
    present: bool
    chats: int = Field(description="Chats of the supervisor's queues the agent holds")
    capacity: int


class SuperviseOut(Out):
    queues: list[QueueCountsOut]
    agents: list[AgentCountsOut]
    chats: list[ChatSummary] = Field(description="Live chats: waiting oldest first, then held")


def supervise_document(bridge: Bridge, agent_id: str) -> dict[str, Any]:
    """The Supervise view as the engine answers it (``NotSupervisor`` if not one)."""
    engine = bridge.engine
    counts = engine.supervision_counts(agent_id)
    agents = [
        {"agent_id": key, **value, "display_name": agent_name(engine, key)}
        for key, value in sorted(counts["agents"].items())
    ]
    return {
        "queues": [{"queue": key, **value} for key, value in counts["queues"].items()],
        "agents": agents,
        "chats": [summary(bridge, chat.id) for chat in engine.supervised(agent_id)],
    }


@routes.get(P)
@doc(
    "Supervise: live counts per queue and per agent, and every live chat of my queues",
    response=SuperviseOut,
    auth="agent",
)
async def get_supervise(request: web.Request) -> web.Response:
    claims, _ = await auth.active_agent(request)
    return web.json_response(supervise_document(request.app[bridge_key], claims.agent_id))


@routes.get(f"{CHAT}/stream")
@doc(
    "WebSocket: the chat as its agent sees it (notes and whispers included), live; "
    "opening it is recorded (SupervisorMonitored)",
    query=StreamQuery,
    auth="agent",
    websocket=True,
)
async def chat_stream(request: web.Request) -> web.WebSocketResponse:
    chat_id = request.match_info["chat_id"]
    claims = auth.permitted_claims(request, query=True)
    since = parse_query(request, StreamQuery).since or 0
    require_websocket(request)
    await auth.signed_in(request, claims)
    bridge = request.app[bridge_key]
    sub = bridge.hub.subscribe_chat(chat_id)  # before the backlog: nothing falls in between
    try:
        await bridge.runner.run(lambda: bridge.engine.monitor(chat_id, claims.agent_id))
        return await _serve(
            request,
            "supervise",
            sub,
            lambda ws, s: _send_chat(bridge, ws, s, chat_id, claims.agent_id, since),
        )
    finally:
        bridge.hub.unsubscribe(sub, chat_id)


async def _send_chat(
    bridge: Bridge,
    ws: web.WebSocketResponse,
    sub: Subscription,
    chat_id: str,
    agent_id: str,
    since: int,
) -> None:
    """Backlog after ``since``, then live rows; the socket closes once the chat is out of the
    supervisor's reach (closed, or moved to a queue that is not theirs)."""
    last = since
    for row in bridge.store.chat_rows(chat_id, since):
        last = await _send_row(ws, row, row, last)
    while bridge.engine.supervisor_reaches(chat_id, agent_id):
        rows = await _next(sub, None)
        if sub.overflowed:
            await ws.close(code=RESUME_CODE, message=b"fell behind: resume with since")
            return
        last = await _send_rows(ws, [r for r in rows or () if r.get("seq") is not None], last)
    await ws.close(message=b"the chat is no longer within your reach")


async def _send_rows(ws: web.WebSocketResponse, rows: list[Row], last: int) -> int:
    for row in rows:
        last = await _send_row(ws, row, row, last)
    return last


@routes.post(f"{CHAT}/whisper")
@doc(
    "Whisper to the agent holding the chat: a note the user never sees",
    body=NoteIn,
    response=PostedOut,
    status=201,
    auth="agent",
)
async def whisper(request: web.Request) -> web.Response:
    step = await chat_step(request, NoteIn, must_see=False)
    text = step.body.text
    return await step.posted(lambda: step.engine.whisper(step.chat_id, step.agent_id, text))


@routes.post(f"{CHAT}/barge-in")
@doc(
    'Barge in: join the conversation; the user is told "<name> (supervisor) joined the chat."',
    body=EmptyIn,
    response=ActionOut,
    auth="agent",
)
async def barge_in(request: web.Request) -> web.Response:
    step = await chat_step(request, EmptyIn, must_see=False)
    return await step.acted(lambda: step.engine.barge_in(step.chat_id, step.agent_id))


@routes.post(f"{CHAT}/messages")
@doc(
    "After barging in: write to the user (while the same agent holds the chat)",
    body=SupervisorMessageIn,
    response=PostedOut,
    status=201,
    auth="agent",
)
async def post_message(request: web.Request) -> web.Response:
    step = await chat_step(request, SupervisorMessageIn, must_see=False)
    text = step.body.text
    return await step.posted(
        lambda: step.engine.post_supervisor_message(step.chat_id, step.agent_id, text)
    )


@routes.post(f"{CHAT}/take-over")
@doc(
    "Take over: the chat moves to me, from its agent or straight from its queue",
    body=EmptyIn,
    response=ActionOut,
    auth="agent",
)
async def take_over(request: web.Request) -> web.Response:
    step = await chat_step(request, EmptyIn, must_see=False)
    return await step.acted(lambda: step.engine.take_over(step.chat_id, step.agent_id))


@routes.post(f"{CHAT}/reassign")
@doc(
    "Reassign the chat to another agent or support queue of its company, with a note",
    body=TransferIn,
    response=ActionOut,
    auth="agent",
)
async def reassign(request: web.Request) -> web.Response:
    step = await chat_step(request, TransferIn, must_see=False)
    body = step.body
    return await step.acted(
        lambda: step.engine.reassign(
            step.chat_id,
            step.agent_id,
            to_agent=body.to_agent,
            to_queue=body.to_queue,
            note=body.note,
        )
    )
