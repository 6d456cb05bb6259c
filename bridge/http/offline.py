"""Offline messages: a queue that is closed or has no agent takes a message that becomes a ticket.

Per queue, ``engine.queues.<key>.offline`` says whether it does (``accept_messages``) and as
which ticket type (``ticket``: work order or incident). The ticket is filed through the
workspace's ITSM adapter for a directory customer of the queue's company, with the message (and
a virtual agent's bot transcript, if sent) as the transcript; the ``OfflineMessageLeft`` event
records it. A queue that is open with an agent present refuses (409 ``queue_online``): the user
should start a chat. Nothing is filed for a refused message.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from aiohttp import web
from pydantic import Field

from bridge.engine.config import queue_key
from bridge.engine.errors import OfflineMessagesOff, QueueOnline
from bridge.engine.events import Event, OfflineMessageLeft
from bridge.feedback_settings import OfflineSettings
from bridge.runtime import Bridge
from bridge.settings import SourceSettings
from bridge.workspace.tickets import TranscriptLine as Line

from . import auth
from .apidoc import doc
from .errors import Forbidden
from .keys import bridge_key
from .limits import rate_limits_key
from .schemas import (
    AvailabilityQuery,
    CustomerIn,
    In,
    Out,
    Segment,
    TranscriptLine,
    parse_body,
    parse_query,
)
from .workspace import workspace_key

routes = web.RouteTableDef()


class OfflineIn(In):
    source: Literal["self_service", "virtual_agent"] = "self_service"
    company: Segment
    queue: Segment | None = None
    customer: CustomerIn
    text: Annotated[str, Field(min_length=1, max_length=4000, pattern=r"\S")]
    transcript: Annotated[list[TranscriptLine], Field(max_length=500)] = []


class OfflineOut(Out):
    message_id: str
    queue: str
    reason: Literal["closed", "no_agent"]
    ticket_id: str
    kind: Literal["work_order", "incident"]


class OfflinePolicyOut(Out):
    queue: str
    accepts: bool  # a message left now becomes a ticket
    reason: Literal["closed", "no_agent"] | None  # why the queue is offline; None: online
    ticket: Literal["work_order", "incident"] | None


def policy(bridge: Bridge, company: str, queue: str | None) -> tuple[str, OfflineSettings]:
    """The queue's key and offline settings (unconfigured queues take no offline messages)."""
    key = queue_key(company, queue)
    configured = bridge.settings.engine.queues.get(key)
    return key, configured.offline if configured is not None else OfflineSettings()


@routes.get("/api/v1/offline-messages/policy")
@doc("Would a message left now for this queue become a ticket (closed or no agent)?",
     query=AvailabilityQuery, response=OfflinePolicyOut, auth="source")  # fmt: skip
async def offline_policy(request: web.Request) -> web.Response:
    bridge = request.app[bridge_key]
    auth.source(request)
    query = parse_query(request, AvailabilityQuery)
    await bridge.runner.run()  # due timers first, like any command
    key, settings = policy(bridge, query.company, query.queue)
    reason = bridge.engine.offline_reason(query.company, query.queue)  # 404 unknown_queue
    accepts = settings.accept_messages and reason is not None
    ticket = settings.ticket if settings.accept_messages else None
    return web.json_response({"queue": key, "accepts": accepts, "reason": reason, "ticket": ticket})


@routes.post("/api/v1/offline-messages")
@doc("Leave a message for a queue that is closed or has no agent: it becomes a ticket with the "
     "message as transcript (an OfflineMessageLeft event)", body=OfflineIn, response=OfflineOut,
     status=201, errors=(429,), auth="source")  # fmt: skip
async def leave_message(request: web.Request) -> web.Response:
    bridge = request.app[bridge_key]
    src = auth.source(request)
    request.app[rate_limits_key].check_handoff(request, src)  # a web key's flood is bounded
    body = await parse_body(request, OfflineIn)
    _check_source(src, body)
    key, settings = policy(bridge, body.company, body.queue)
    workspace = request.app[workspace_key]
    message_id = uuid.uuid4().hex
    made: list[tuple[str, str]] = []

    def command() -> list[Event]:
        """Checked, filed and recorded in one runner step: no agent can arrive in between."""
        reason = bridge.engine.offline_reason(body.company, body.queue)  # 404 unknown_queue
        if not settings.accept_messages:
            raise OfflineMessagesOff(f"{key} takes no offline messages: start a chat instead")
        if reason is None:
            raise QueueOnline(f"{key} is open and an agent is there: start a chat instead")
        ticket = workspace.create_ticket(
            settings.ticket,
            company=body.company,
            chat_id=None,
            customer_id=body.customer.id,  # 404 unknown_customer unless in the directory
            transcript=_transcript(body),
            summary=f"Offline message: {body.text}",
        )
        made.append((ticket.id, ticket.kind))
        return bridge.engine.leave_offline_message(
            message_id, body.company, body.queue, body.customer.id, made[0], src.name
        )

    rows = await bridge.runner.run(command)
    left = next(r for r in rows if r["type"] == OfflineMessageLeft.__name__)["payload"]
    answer = {name: left[name] for name in ("message_id", "queue", "reason", "ticket_id", "kind")}
    return web.json_response(answer, status=201)


def _check_source(src: SourceSettings, body: OfflineIn) -> None:
    if not src.allows(body.source):
        raise Forbidden(f"source {src.name!r} may not leave {body.source} messages")


def _transcript(body: OfflineIn) -> list[Line]:
    """The bot's conversation first (a virtual agent's), then the message the user left."""
    name = body.customer.name
    lines: list[Line] = [("Bot" if t.sender == "bot" else name, t.text) for t in body.transcript]
    lines.append((name, body.text))
    return lines
