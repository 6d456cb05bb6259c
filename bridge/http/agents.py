"""The agent console's API (agent token): presence, lists, and actions on chats."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web

from bridge.engine.events import Event
from bridge.engine.views import AgentView
from bridge.runtime import AgentClaims, Bridge
from bridge.runtime.runner import agent_name
from bridge.runtime.transcripts import email_command
from bridge.runtime.views import in_agent_history

from . import auth
from .apidoc import doc
from .keys import bridge_key
from .limits import large_body
from .schemas import (
    AbandonIn,
    ActionOut,
    AgentChatOut,
    AgentMeOut,
    AvailabilityIn,
    ChatListOut,
    CountsOut,
    DirectoryOut,
    EmptyIn,
    EndIn,
    In,
    MessageIn,
    NoteIn,
    PostedOut,
    PresenceOut,
    ScreenNameIn,
    TransferIn,
    parse_body,
)
from .users import post_once
from .views import summary

routes = web.RouteTableDef()
B = TypeVar("B", bound=In)
P = "/api/v1/agent"


def me(bridge: Bridge, agent: AgentView) -> dict[str, Any]:
    return {
        "agent_id": agent.id,
        "first_name": agent.first_name,
        "last_name": agent.last_name,
        "screen_name": agent.screen_name,
        "display_name": agent.display_name,
        "queues": list(agent.queues),
        "available": agent.available,
        "capacity": agent.capacity,
        "auto_accept": bridge.engine.config.auto_accept,
        "counts": bridge.engine.counts(agent.id),
    }


@routes.get(f"{P}/me")
@doc("Who I am, my presence and my console counts", response=AgentMeOut, auth="agent")
async def get_me(request: web.Request) -> web.Response:
    _, agent = await auth.active_agent(request)
    return web.json_response(me(request.app[bridge_key], agent))


@routes.put(f"{P}/availability")
@doc(
    'Available or not; with auto-accept, "available for N"',
    body=AvailabilityIn,
    response=AgentMeOut,
    auth="agent",
)
async def put_availability(request: web.Request) -> web.Response:
    claims, body, agent = await _agent_command(request, AvailabilityIn)
    bridge = request.app[bridge_key]
    await bridge.runner.run(
        lambda: bridge.engine.set_availability(claims.agent_id, body.available, body.capacity)
    )
    return web.json_response(me(bridge, bridge.engine.agent_view(agent.id) or agent))


@routes.put(f"{P}/screen-name")
@doc(
    "The name users see (null: first and last name)",
    body=ScreenNameIn,
    response=AgentMeOut,
    auth="agent",
)
async def put_screen_name(request: web.Request) -> web.Response:
    claims, body, agent = await _agent_command(request, ScreenNameIn)
    bridge = request.app[bridge_key]
    name = (body.screen_name or "").strip() or None
    await bridge.runner.run(lambda: bridge.engine.set_screen_name(claims.agent_id, name))
    return web.json_response(me(bridge, bridge.engine.agent_view(agent.id) or agent))


@routes.post(f"{P}/heartbeat")
@doc(
    "I am here without a console: a lease of engine.agent_lease seconds (beat every third)",
    body=EmptyIn,
    response=PresenceOut,
    auth="agent",
)
async def heartbeat(request: web.Request) -> web.Response:
    claims, _, _ = await _agent_command(request, EmptyIn)
    bridge = request.app[bridge_key]
    await bridge.runner.run(lambda: bridge.engine.heartbeat(claims.agent_id))
    return web.json_response(bridge.engine.presence(claims.agent_id))


@routes.post(f"{P}/sign-out")
@doc(
    "Sign out now: my chats and the chats sent to me go back to the front of their queues",
    body=EmptyIn,
    response=PresenceOut,
    auth="agent",
)
async def sign_out(request: web.Request) -> web.Response:
    claims = auth.agent_claims(request)  # no sign-in first: signing out signs nobody in
    bridge = request.app[bridge_key]
    await parse_body(request, EmptyIn)
    await bridge.runner.run(lambda: bridge.engine.sign_out(claims.agent_id))
    return web.json_response(bridge.engine.presence(claims.agent_id))


@routes.get(f"{P}/counts")
@doc("Queue, Transferred and My chats counts", response=CountsOut, auth="agent")
async def get_counts(request: web.Request) -> web.Response:
    claims, _ = await auth.active_agent(request)
    return web.json_response(request.app[bridge_key].engine.counts(claims.agent_id))


def _listing(pick: Callable[[Bridge, str], list[str]]) -> Callable[..., Any]:
    async def handler(request: web.Request) -> web.Response:
        claims, _ = await auth.active_agent(request)
        bridge = request.app[bridge_key]
        return web.json_response(
            {"chats": [summary(bridge, c) for c in pick(bridge, claims.agent_id)]}
        )

    return handler


list_queue = doc(
    "Chats waiting in my queues (not transferred), oldest first", response=ChatListOut, auth="agent"
)(_listing(lambda b, a: b.engine.queue_list(a)))
list_transferred = doc("Chats transferred to me or my queues", response=ChatListOut, auth="agent")(
    _listing(lambda b, a: b.engine.transferred_list(a))
)
list_mine = doc("My chats", response=ChatListOut, auth="agent")(
    _listing(lambda b, a: b.engine.my_chats(a))
)
routes.get(f"{P}/queue")(list_queue)
routes.get(f"{P}/transferred")(list_transferred)
routes.get(f"{P}/chats")(list_mine)


def chat_with_history(bridge: Bridge, chat_id: str, agent_id: str) -> dict[str, Any]:
    """The chat and its history as ``agent_id`` may read it (whispers: ``in_agent_history``)."""
    supervises = bridge.engine.supervisor_reaches(chat_id, agent_id)
    rows = bridge.store.chat_rows(chat_id)
    history = [r for r in rows if in_agent_history(r, agent_id, supervises)]
    return {"chat": summary(bridge, chat_id), "history": history}


@routes.get(f"{P}/chats/{{chat_id}}")
@doc(
    "A chat I can see, with its whole history including notes", response=AgentChatOut, auth="agent"
)
async def get_chat(request: web.Request) -> web.Response:
    chat_id = request.match_info["chat_id"]
    claims, _ = await auth.agent_who_sees(request, chat_id)
    bridge = request.app[bridge_key]
    return web.json_response(chat_with_history(bridge, chat_id, claims.agent_id))


@routes.post(f"{P}/chats/{{chat_id}}/accept")
@doc(
    "Accept a chat from Queue or Transferred; answers with the whole history",
    body=EmptyIn,
    response=AgentChatOut,
    auth="agent",
)
async def accept(request: web.Request) -> web.Response:
    chat_id, claims, bridge, _ = await _chat_action(request, EmptyIn)
    await bridge.runner.run(lambda: bridge.engine.accept(chat_id, claims.agent_id))
    return web.json_response(chat_with_history(bridge, chat_id, claims.agent_id))


@routes.post(f"{P}/chats/{{chat_id}}/messages")
@large_body
@doc(
    "Post a message to the user",
    body=MessageIn,
    response=PostedOut,
    status=201,
    also=(200,),  # the same Idempotency-Key again: the first answer
    idempotent=True,
    auth="agent",
)
async def post_message(request: web.Request) -> web.Response:
    chat_id, claims, _, body = await _chat_action(request, MessageIn)
    return await post_once(request, chat_id, body, claims.agent_id)


@routes.post(f"{P}/chats/{{chat_id}}/notes")
@doc("Add a note only agents see", body=NoteIn, response=PostedOut, status=201, auth="agent")
async def add_note(request: web.Request) -> web.Response:
    chat_id, claims, bridge, body = await _chat_action(request, NoteIn)
    rows = await bridge.runner.run(
        lambda: bridge.engine.add_note(chat_id, claims.agent_id, body.text)
    )
    return web.json_response({"seq": rows[-1]["seq"], "n": rows[-1]["payload"]["n"]}, status=201)


@routes.post(f"{P}/chats/{{chat_id}}/transfer")
@doc(
    "Transfer my chat to an agent or a support queue, with a note",
    body=TransferIn,
    response=ActionOut,
    auth="agent",
)
async def transfer(request: web.Request) -> web.Response:
    chat_id, claims, bridge, body = await _chat_action(request, TransferIn)
    return await _act(
        bridge,
        chat_id,
        lambda: bridge.engine.transfer(
            chat_id, claims.agent_id, to_agent=body.to_agent, to_queue=body.to_queue, note=body.note
        ),
    )


@routes.post(f"{P}/chats/{{chat_id}}/end")
@doc(
    "End Chat: close it and tell the user; send_transcript also mails them the transcript",
    body=EndIn,
    response=ActionOut,
    auth="agent",
)
async def end(request: web.Request) -> web.Response:
    chat_id, claims, bridge, body = await _chat_action(request, EndIn)
    commands = [lambda: bridge.engine.end(chat_id, claims.agent_id)]
    if body.send_transcript:  # checked now (email on, an address): a refusal ends nothing
        commands.append(email_command(bridge, chat_id, None, claims.agent_id))
    return await _act(bridge, chat_id, *commands)


@routes.post(f"{P}/chats/{{chat_id}}/abandon")
@doc(
    "Abandon: cancel the chat's tickets and close; without a ticket, confirm must be true",
    body=AbandonIn,
    response=ActionOut,
    auth="agent",
)
async def abandon(request: web.Request) -> web.Response:
    chat_id, claims, bridge, body = await _chat_action(request, AbandonIn)
    return await _act(
        bridge,
        chat_id,
        lambda: bridge.engine.abandon(chat_id, claims.agent_id, confirm=body.confirm),
    )


@routes.get(f"{P}/directory")
@doc("Agents and support queues to transfer to", response=DirectoryOut, auth="agent")
async def directory(request: web.Request) -> web.Response:
    await auth.active_agent(request)
    engine = request.app[bridge_key].engine
    agents = [
        {
            "agent_id": a.id,
            "display_name": agent_name(engine, a.id),
            "queues": list(a.queues),
            "available": a.present,
        }
        for a in engine.agent_views()
        if a.signed_in and a.permitted
    ]
    return web.json_response({"agents": agents, "queues": engine.queue_keys()})


async def _agent_command(request: web.Request, body: type[B]) -> tuple[AgentClaims, B, AgentView]:
    """The permitted agent's claims, the body and the signed-in agent, in that order, so that
    a refused token (401/403) or a bad body (422) signs nobody in."""
    claims = auth.permitted_claims(request)
    parsed = await parse_body(request, body)
    return claims, parsed, await auth.signed_in(request, claims)


async def _chat_action(request: web.Request, body: type[B]) -> tuple[str, AgentClaims, Bridge, B]:
    """The chat id, the agent (who must be able to see the chat), the bridge and the body.

    The order is the point: 401/403 first, then the body, then the sign-in, so that a refused
    token or a bad body (422) signs nobody in."""
    chat_id = request.match_info["chat_id"]
    auth.permitted_claims(request)
    parsed = await parse_body(request, body)
    claims, _ = await auth.agent_who_sees(request, chat_id)
    return chat_id, claims, request.app[bridge_key], parsed


async def _act(bridge: Bridge, chat_id: str, *commands: Callable[[], list[Event]]) -> web.Response:
    rows = await bridge.runner.run(*commands)
    return web.json_response(
        {"chat_id": chat_id, "status": bridge.engine.chat_state(chat_id), "events": rows}
    )
