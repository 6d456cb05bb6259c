"""The agent console's API (agent token): presence, lists, and actions on chats."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from bridge.engine.views import AgentView
from bridge.runtime import Bridge
from bridge.runtime.runner import agent_name
from bridge.runtime.transcripts import email_command

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
    MessageIn,
    NoteIn,
    PostedOut,
    PresenceOut,
    ScreenNameIn,
    TransferIn,
    parse_body,
)
from .steps import Step, agent_step, chat_step
from .users import post_once
from .views import chat_with_history, summary

routes = web.RouteTableDef()
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
    step = await agent_step(request, AvailabilityIn)
    body = step.body
    await step.run(
        lambda: step.engine.set_availability(step.agent_id, body.available, body.capacity)
    )
    return _me_now(step)


@routes.put(f"{P}/screen-name")
@doc(
    "The name users see (null: first and last name)",
    body=ScreenNameIn,
    response=AgentMeOut,
    auth="agent",
)
async def put_screen_name(request: web.Request) -> web.Response:
    step = await agent_step(request, ScreenNameIn)
    name = (step.body.screen_name or "").strip() or None
    await step.run(lambda: step.engine.set_screen_name(step.agent_id, name))
    return _me_now(step)


def _me_now(step: Step[Any]) -> web.Response:
    """``me`` after the command (the view as signed in, should the agent be gone since)."""
    return web.json_response(me(step.bridge, step.engine.agent_view(step.agent.id) or step.agent))


@routes.post(f"{P}/heartbeat")
@doc(
    "I am here without a console: a lease of engine.agent_lease seconds (beat every third)",
    body=EmptyIn,
    response=PresenceOut,
    auth="agent",
)
async def heartbeat(request: web.Request) -> web.Response:
    step = await agent_step(request, EmptyIn)
    await step.run(lambda: step.engine.heartbeat(step.agent_id))
    return web.json_response(step.engine.presence(step.agent_id))


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
    step = await chat_step(request, EmptyIn)
    return await step.with_history(lambda: step.engine.accept(step.chat_id, step.agent_id))


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
    step = await chat_step(request, MessageIn)
    return await post_once(request, step.chat_id, step.body, step.agent_id)


@routes.post(f"{P}/chats/{{chat_id}}/notes")
@doc("Add a note only agents see", body=NoteIn, response=PostedOut, status=201, auth="agent")
async def add_note(request: web.Request) -> web.Response:
    step = await chat_step(request, NoteIn)
    return await step.posted(
        lambda: step.engine.add_note(step.chat_id, step.agent_id, step.body.text)
    )


@routes.post(f"{P}/chats/{{chat_id}}/transfer")
@doc(
    "Transfer my chat to an agent or a support queue, with a note",
    body=TransferIn,
    response=ActionOut,
    auth="agent",
)
async def transfer(request: web.Request) -> web.Response:
    step = await chat_step(request, TransferIn)
    body = step.body
    return await step.acted(
        lambda: step.engine.transfer(
            step.chat_id,
            step.agent_id,
            to_agent=body.to_agent,
            to_queue=body.to_queue,
            note=body.note,
        )
    )


@routes.post(f"{P}/chats/{{chat_id}}/end")
@doc(
    "End Chat: close it and tell the user; send_transcript also mails them the transcript",
    body=EndIn,
    response=ActionOut,
    auth="agent",
)
async def end(request: web.Request) -> web.Response:
    step = await chat_step(request, EndIn)
    commands = [lambda: step.engine.end(step.chat_id, step.agent_id)]
    if step.body.send_transcript:  # checked now (email on, an address): a refusal ends nothing
        commands.append(email_command(step.bridge, step.chat_id, None, step.agent_id))
    return await step.acted(*commands)


@routes.post(f"{P}/chats/{{chat_id}}/abandon")
@doc(
    "Abandon: cancel the chat's tickets and close; without a ticket, confirm must be true",
    body=AbandonIn,
    response=ActionOut,
    auth="agent",
)
async def abandon(request: web.Request) -> web.Response:
    step = await chat_step(request, AbandonIn)
    confirm = step.body.confirm
    return await step.acted(
        lambda: step.engine.abandon(step.chat_id, step.agent_id, confirm=confirm)
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
