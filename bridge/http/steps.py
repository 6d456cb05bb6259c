"""A command route's request, read in its one order: token, body, sign-in, then the command.

The agent console's routes (``agents``, ``presence``, typing and read receipts, screen share,
canned replies) and the supervisor's (``supervise``) read their request here, so the order is
written once: a refused token (401/403) is checked first, then the body (422), then the agent
is signed in (and, on a chat, must see it), and only then does an engine command run. A
refusal at any step writes nothing and signs nobody in (tests/bridge/
test_refusals_leave_no_trace.py). ``Step``'s answers are the shapes those routes share, so a
chat action answers alike whether an agent or a supervisor took it. A user's routes read
theirs with ``user_step``: the chat's own user token, then the body.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from aiohttp import web

from bridge.engine import Engine
from bridge.engine.views import AgentView
from bridge.runtime import AgentClaims, Bridge
from bridge.runtime.runner import Command
from bridge.store import Row

from . import auth
from .keys import bridge_key
from .schemas import In, parse_body
from .views import chat_with_history

B = TypeVar("B", bound=In)


@dataclass(slots=True)
class Step(Generic[B]):
    """A command route's request, read and checked: who asks, what they sent, on which chat."""

    bridge: Bridge
    claims: AgentClaims
    agent: AgentView  # as signed in, before the command ran
    body: B
    chat_id: str = ""  # the route's chat; "" on an agent's own routes (presence, Ready...)

    @property
    def agent_id(self) -> str:
        return self.claims.agent_id

    @property
    def engine(self) -> Engine:
        return self.bridge.engine

    async def run(self, *commands: Command) -> list[Row]:
        return await self.bridge.runner.run(*commands)

    async def acted(self, *commands: Command) -> web.Response:
        """Run the commands; answer with the chat's state now and the rows they wrote."""
        rows = await self.run(*commands)
        state = self.engine.chat_state(self.chat_id)
        return web.json_response({"chat_id": self.chat_id, "status": state, "events": rows})

    async def posted(self, command: Command) -> web.Response:
        """Run the command; answer 201 with the seq and the number of the line it wrote."""
        last = (await self.run(command))[-1]
        return web.json_response({"seq": last["seq"], "n": last["payload"]["n"]}, status=201)

    async def with_history(self, command: Command) -> web.Response:
        """Run the command; answer with the chat and its history as the agent may read it."""
        await self.run(command)
        return web.json_response(chat_with_history(self.bridge, self.chat_id, self.agent_id))


async def agent_step(request: web.Request, body: type[B]) -> Step[B]:
    """An agent's command on themself (presence, availability, Ready): token, body, sign-in."""
    claims = auth.permitted_claims(request)
    parsed = await parse_body(request, body)
    agent = await auth.signed_in(request, claims)
    return Step(request.app[bridge_key], claims, agent, parsed)


async def chat_step(request: web.Request, body: type[B], *, must_see: bool = True) -> Step[B]:
    """A command on the route's chat: token, body, then the sign-in of an agent who sees the
    chat (``auth.agent_who_sees``). ``must_see=False`` where the engine command judges who may
    act itself (a supervisor's reach, the chat's holder)."""
    chat_id = request.match_info["chat_id"]
    claims = auth.permitted_claims(request)
    parsed = await parse_body(request, body)
    if must_see:
        claims, agent = await auth.agent_who_sees(request, chat_id)
    else:
        agent = await auth.signed_in(request, claims)
    return Step(request.app[bridge_key], claims, agent, parsed, chat_id)


async def user_step(request: web.Request, body: type[B]) -> tuple[str, Bridge, B]:
    """A user's command on their chat: the chat id, the bridge and the body, read after the
    token is found to be this chat's own (401/403 before a bad body's 422)."""
    chat_id = request.match_info["chat_id"]
    auth.user_of(request, chat_id)
    return chat_id, request.app[bridge_key], await parse_body(request, body)
