"""Who is calling: a source (API key), an agent (agent token) or a chat's user (user token).

Handlers ask for the identity they need; each helper raises ``Unauthorized`` (401) or
``Forbidden``/``NotPermitted`` (403) before the handler reads or changes anything.
"""

from __future__ import annotations

import hmac

from aiohttp import web

from bridge.engine.errors import NotPermitted
from bridge.engine.model import CHAT_PERMISSION, IT_AGENT_ROLE, is_permitted
from bridge.engine.views import AgentView
from bridge.runtime import AgentClaims, Unauthorized
from bridge.settings import SourceSettings

from .errors import Forbidden
from .keys import bridge_key


def bearer(request: web.Request, *, query: bool = False) -> str:
    """The bearer token; ``query`` also accepts ``?token=`` (WebSockets, downloads)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    if query and request.query.get("token"):
        return request.query["token"]
    raise Unauthorized("an Authorization: Bearer token is required")


def source(request: web.Request) -> SourceSettings:
    """The configured source whose API key the request carries (compared in constant time)."""
    given = request.headers.get("X-API-Key", "").encode()
    found = None
    for key, settings in request.app[bridge_key].sources.items():
        if hmac.compare_digest(given, key.encode()):
            found = settings
    if not given or found is None:
        raise Unauthorized("a valid X-API-Key header is required")
    return found


def agent_claims(request: web.Request, *, query: bool = False) -> AgentClaims:
    """A verified agent token (no sign-in, no permission check: e.g. for dashboards)."""
    return request.app[bridge_key].signer.agent(bearer(request, query=query))


def permitted_claims(request: web.Request, *, query: bool = False) -> AgentClaims:
    """A verified agent token that passes the engine's one rule (``is_permitted``), checked
    before anything is written: a refused token signs nobody in and leaves the log as it was."""
    claims = agent_claims(request, query=query)
    if not is_permitted(claims.roles, claims.permissions):
        raise NotPermitted(
            f"agent {claims.agent_id!r} needs the {IT_AGENT_ROLE} role and the "
            f"{CHAT_PERMISSION} permission"
        )
    return claims


async def signed_in(request: web.Request, claims: AgentClaims) -> AgentView:
    """Sign permitted claims into the engine (a no-op when nothing changed). Handlers that
    read a body call ``permitted_claims``, then parse, then this: a bad body writes nothing."""
    bridge = request.app[bridge_key]
    await bridge.runner.run(bridge.sign_in(claims))
    agent = bridge.engine.agent_view(claims.agent_id)
    assert agent is not None  # just signed in
    return agent


async def active_agent(
    request: web.Request, *, query: bool = False
) -> tuple[AgentClaims, AgentView]:
    """The token's agent, with the Live Chat role and permission, signed into the engine."""
    claims = permitted_claims(request, query=query)
    return claims, await signed_in(request, claims)


def user_of(request: web.Request, chat_id: str, *, query: bool = False) -> None:
    """Only the chat's own user token passes."""
    token_chat = request.app[bridge_key].signer.user(bearer(request, query=query))
    if not hmac.compare_digest(token_chat.encode(), chat_id.encode()):
        raise Forbidden("this token belongs to another chat")


async def agent_who_sees(
    request: web.Request, chat_id: str, *, query: bool = False
) -> tuple[AgentClaims, AgentView]:
    """An active agent who can see the chat: its queues, sent to it, or held by it before."""
    claims, agent = await active_agent(request, query=query)
    engine = request.app[bridge_key].engine
    if engine.chat_view(chat_id) is not None and not engine.sees(agent.id, chat_id):
        raise Forbidden(f"chat {chat_id!r} is outside {claims.agent_id!r}'s reach")
    return claims, agent


def is_user_token(request: web.Request, *, query: bool = False) -> bool:
    """Tell a user token from an agent token without verifying either."""
    token = bearer(request, query=query)
    try:
        request.app[bridge_key].signer.user(token)
    except Unauthorized:
        return False
    return True
