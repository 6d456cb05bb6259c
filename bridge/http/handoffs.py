"""The sources' API: hand a chat over (idempotently), list the queues, ask about availability.

Everything here takes any source's key, the publishable one of the web chat included: it only
reads what a user about to chat may know, or opens a chat the source is allowed to open.
"""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from bridge.runtime import Bridge
from bridge.runtime.attachments import describe, prepare
from bridge.settings import SourceSettings
from bridge.store import EventStore, Row, SideWrite
from bridge.webhooks import check_target

from . import auth, idempotency
from .apidoc import doc
from .errors import Forbidden
from .idempotency import Claim
from .keys import bridge_key
from .limits import large_body, rate_limits_key
from .schemas import (
    IDEMPOTENCY_HEADER,
    AvailabilityOut,
    AvailabilityQuery,
    HandoffIn,
    HandoffOut,
    QueuesOut,
    parse_body,
    parse_query,
)
from .views import handoff_answer

routes = web.RouteTableDef()


@routes.post("/api/v1/handoffs")
@large_body
@doc(
    "Hand a chat over to the live agents",
    body=HandoffIn,
    response=HandoffOut,
    status=201,
    also=(200,),  # the same Idempotency-Key again: the first answer
    idempotent=True,
    errors=(429,),
    auth="source",
)
async def create_handoff(request: web.Request) -> web.Response:
    bridge = request.app[bridge_key]
    src = auth.source(request)
    request.app[rate_limits_key].check_handoff(request, src)
    body = await parse_body(request, HandoffIn)
    answer, created = await hand_off(bridge, src, body, request.headers.get(IDEMPOTENCY_HEADER))
    return web.json_response(answer, status=201 if created else 200)


async def hand_off(
    bridge: Bridge,
    src: SourceSettings,
    body: HandoffIn,
    key: str | None,
    *,
    extra: dict[str, Any] | None = None,
) -> tuple[Row, bool]:
    """The one handoff path of every protocol: (answer, created); a replayed key is not."""
    _check_allowed(src, body)
    return await idempotency.once(
        bridge,
        idempotency.claim(src.name, key, body),
        lambda found: _hand_off(bridge, src, body, found, extra),
    )


def _check_allowed(src: SourceSettings, body: HandoffIn) -> None:
    if not src.allows(body.source):
        raise Forbidden(f"source {src.name!r} may not create {body.source} chats")
    if body.callback_url is not None:  # 422 callback_not_allowed before anything is stored
        check_target(src, str(body.callback_url))


async def _hand_off(
    bridge: Bridge,
    src: SourceSettings,
    body: HandoffIn,
    found: Claim | None,
    extra: dict[str, Any] | None = None,
) -> Row:
    """Open the chat; its events, origin, attachments and idempotent answer commit together."""
    chat_id = uuid.uuid4().hex
    callback = str(body.callback_url) if body.callback_url is not None else None
    kept = (
        []
        if body.source == "virtual_agent"
        else prepare(body.attachments, chat_id, bridge.settings.attachments)
    )
    context = body.context.model_dump(exclude_none=True) if body.context else {}
    detail: dict[str, Any] = {
        **context,  # top level too: the engine's context_rules match detail[field]
        "origin": src.name,
        "customer": body.customer.model_dump(exclude_none=True),
        "transcript": [line.model_dump(by_alias=True) for line in body.transcript],
        "context": context,
        "attachments": [describe(item) for item in kept],
        **(extra or {}),
    }
    answer: Row = {}

    def side(rows: list[Row]) -> list[SideWrite]:
        bridge.projection.set_origin(chat_id, src.name, callback)
        answer.update(handoff_answer(bridge, chat_id))
        writes = [EventStore.origin_write(chat_id, src.name, callback)]
        writes += [EventStore.attachment_write(item) for item in kept]
        if found is not None:
            writes.append(found.write(chat_id, answer))
        return writes

    await bridge.runner.run(
        lambda: bridge.engine.hand_off(
            chat_id,
            body.source,
            body.company,
            body.queue,
            customer_id=body.customer.id,
            question=body.question,
            detail=detail,
            attachments=body.attachments
            if body.source == "virtual_agent"
            else detail["attachments"],
            priority=body.priority,
            skills=body.skills,
        ),
        side=side,
    )
    return answer


@routes.get("/api/v1/availability")
@doc(
    "Is a support queue open, and how long is the wait?",
    query=AvailabilityQuery,
    response=AvailabilityOut,
    auth="source",
)
async def availability(request: web.Request) -> web.Response:
    bridge = request.app[bridge_key]
    auth.source(request)
    query = parse_query(request, AvailabilityQuery)
    await bridge.runner.run()  # due timers first, like any command
    answer = bridge.engine.availability(query.company, query.queue)
    if answer["estimated_wait"] is not None:
        answer["estimated_wait"] = round(answer["estimated_wait"], 1)
    return web.json_response(answer)


@routes.get("/api/v1/queues")
@doc(
    "The configured support queues by company, and whether each is open now (business hours)",
    response=QueuesOut,
    auth="source",
)
async def queues(request: web.Request) -> web.Response:
    bridge = request.app[bridge_key]
    auth.source(request)
    await bridge.runner.run()  # due timers first, like any command
    found = []
    for key in bridge.engine.config.queues:
        company, _, name = key.partition("/")
        found.append({
            "key": key,
            "company": company,
            "name": name,
            "open": bridge.engine.availability(company, name)["open"],
        })  # fmt: skip
    return web.json_response({"queues": found})
