"""Issue 13's agent API: presence with reasons, offers (Accept / Decline), and Ready.

The rules are the engine's (``set_presence``, ``accept_offer``, ``decline_offer``, ``ready``);
this module reads the request through ``steps`` (token, body, sign-in) and answers. The
configured presence states and decline reasons come with every presence answer, so the console
needs no second call (and cannot offer a reason the engine would refuse).
"""

from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web
from pydantic import Field

from bridge.runtime import Bridge

from . import auth
from .apidoc import doc
from .keys import bridge_key
from .schemas import ActionOut, AgentChatOut, EmptyIn, In, PresenceOut
from .steps import agent_step, chat_step

routes = web.RouteTableDef()
P = "/api/v1/agent"


class PresenceIn(In):
    status: Annotated[str, Field(min_length=1, max_length=40, description=(
        "One of the configured presence states (GET .../presence lists them)"))]  # fmt: skip
    capacity: Annotated[int, Field(ge=1, le=1000)] | None = None


class DeclineIn(In):
    reason: Annotated[str, Field(min_length=1, max_length=200, description=(
        "One of the configured decline reasons (GET .../presence lists them)"))]  # fmt: skip


class ReadyIn(In):
    # One chat's wrap-up; null: all of them.
    chat_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None


class RoutingPresenceOut(PresenceOut):
    states: list[str] = Field(description="The configured presence states (Available first)")
    decline_reasons: list[str] = Field(description="Reasons a Decline may give; []: no offers")
    offer_timeout: float | None = Field(description="Seconds an offer waits; null: no offers")


def presence_answer(bridge: Bridge, agent_id: str) -> dict[str, Any]:
    """The engine's presence plus the configured choices the console offers."""
    offers = bridge.engine.config.offers
    return {
        **bridge.engine.presence(agent_id),
        "states": list(bridge.engine.presence_states()),
        "decline_reasons": list(offers.decline_reasons) if offers is not None else [],
        "offer_timeout": offers.timeout if offers is not None else None,
    }


@routes.get(f"{P}/presence")
@doc(
    "My presence state, capacity, load, skills, offers and wrap-ups, with the choices",
    response=RoutingPresenceOut,
    auth="agent",
)
async def get_presence(request: web.Request) -> web.Response:
    claims, _ = await auth.active_agent(request)
    return web.json_response(presence_answer(request.app[bridge_key], claims.agent_id))


async def _set_presence(request: web.Request) -> web.Response:
    step = await agent_step(request, PresenceIn)
    body = step.body
    await step.run(lambda: step.engine.set_presence(step.agent_id, body.status, body.capacity))
    return web.json_response(presence_answer(step.bridge, step.agent_id))


_PRESENCE_DOC = doc(
    "Set my presence (Available, Break, Lunch, ...), optionally with my capacity; "
    "any state but Available stops new chats and offers, and I keep my chats",
    body=PresenceIn,
    response=RoutingPresenceOut,
    auth="agent",
)
routes.put(f"{P}/presence")(_PRESENCE_DOC(_set_presence))
routes.post(f"{P}/presence")(_PRESENCE_DOC(_set_presence))


@routes.post(f"{P}/chats/{{chat_id}}/offer/accept")
@doc(
    "Accept the chat offered to me; answers with the whole history",
    body=EmptyIn,
    response=AgentChatOut,
    auth="agent",
)
async def accept_offer(request: web.Request) -> web.Response:
    step = await chat_step(request, EmptyIn)
    return await step.with_history(lambda: step.engine.accept_offer(step.chat_id, step.agent_id))


@routes.post(f"{P}/chats/{{chat_id}}/offer/decline")
@doc(
    "Decline the chat offered to me with a reason: it goes to the next agent, keeping its place",
    body=DeclineIn,
    response=ActionOut,
    auth="agent",
)
async def decline_offer(request: web.Request) -> web.Response:
    step = await chat_step(request, DeclineIn)
    reason = step.body.reason
    return await step.acted(lambda: step.engine.decline_offer(step.chat_id, step.agent_id, reason))


@routes.post(f"{P}/ready")
@doc(
    "Ready: my after-chat work is done (one chat's, or all); its capacity frees up",
    body=ReadyIn,
    response=RoutingPresenceOut,
    auth="agent",
)
async def ready(request: web.Request) -> web.Response:
    step = await agent_step(request, ReadyIn)
    chat_id = step.body.chat_id
    await step.run(lambda: step.engine.ready(step.agent_id, chat_id))
    return web.json_response(presence_answer(step.bridge, step.agent_id))
