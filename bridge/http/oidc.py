"""Agent single sign-on over HTTP: what the console needs to start the OpenID Connect flow,
and the exchange of its result for a bridge agent token (``bridge.runtime.oidc`` says why the
bridge, not the browser, redeems the code).

* ``GET /api/v1/oidc/config``: ``{"enabled": false}`` without an ``oidc:`` section, else the
  button's label and the authorization request's parameters (endpoint, client id, scopes,
  callback path), read from the provider's discovery document.
* ``POST /api/v1/oidc/session``: ``{code, code_verifier, redirect_uri, nonce}`` from the
  console's callback page, or ``{id_token, nonce?}`` from a client that ran the flow itself;
  answers ``{"token": ...}``, the same agent token as the demo login. Rate-limited like the
  login: each call makes the bridge call the provider.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Self
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from pydantic import Field, model_validator

from bridge.engine.errors import NotFound
from bridge.runtime.oidc import CALLBACK_PATH, OidcSignIn

from .apidoc import doc
from .keys import bridge_key, settings_key
from .limits import rate_limits_key
from .schemas import In, Out, TokenOut, parse_body

routes = web.RouteTableDef()
oidc_key = web.AppKey("oidc", OidcSignIn)

Text = Annotated[str, Field(min_length=1, max_length=8192)]


class OidcNotConfigured(NotFound):
    code = "oidc_not_configured"


class OidcConfigOut(Out):
    enabled: bool
    name: str | None = None
    authorization_endpoint: str | None = None
    client_id: str | None = None
    scopes: list[str] | None = None
    redirect_path: str | None = None


class OidcSessionIn(In):
    code: Text | None = None
    code_verifier: Annotated[str, Field(min_length=43, max_length=128)] | None = None
    redirect_uri: Text | None = None
    nonce: Text | None = None
    id_token: Text | None = None

    @model_validator(mode="after")
    def _one_way_in(self) -> Self:
        """Either the code with its verifier, callback and nonce, or an ID token: not both."""
        by_code = (self.code, self.code_verifier, self.redirect_uri, self.nonce)
        if self.id_token is None and not all(v is not None for v in by_code):
            raise ValueError("send code, code_verifier, redirect_uri and nonce, or an id_token")
        if self.id_token is not None and self.code is not None:
            raise ValueError("send a code or an id_token, not both")
        if self.redirect_uri is not None and urlsplit(self.redirect_uri).path != CALLBACK_PATH:
            raise ValueError(f"redirect_uri must be this bridge's {CALLBACK_PATH}")
        return self


def _sign_in(request: web.Request) -> OidcSignIn:
    if oidc_key not in request.app:
        raise OidcNotConfigured("single sign-on is not configured on this bridge")
    return request.app[oidc_key]


@routes.get("/api/v1/oidc/config")
@doc(
    "Single sign-on: whether it is on, and how the console starts the OIDC flow",
    response=OidcConfigOut,
    errors=(502,),
)
async def oidc_config(request: web.Request) -> web.Response:
    if oidc_key not in request.app:
        return web.json_response({"enabled": False})
    sign_in = request.app[oidc_key]
    info = await sign_in.provider()
    settings = sign_in.settings
    body = OidcConfigOut(
        enabled=True,
        name=settings.name,
        authorization_endpoint=info.authorization_endpoint,
        client_id=settings.client_id,
        scopes=settings.scopes,
        redirect_path=CALLBACK_PATH,
    )
    return web.json_response(body.model_dump())


@routes.post("/api/v1/oidc/session")
@doc(
    "Single sign-on: an OIDC authorization code (with PKCE) or ID token in, an agent token out",
    body=OidcSessionIn,
    response=TokenOut,
    errors=(401, 403, 404, 429, 502),
)
async def oidc_session(request: web.Request) -> web.Response:
    request.app[rate_limits_key].check_login(request)
    sign_in = _sign_in(request)
    body = await parse_body(request, OidcSessionIn)
    id_token = body.id_token
    if id_token is None:
        assert body.code and body.code_verifier and body.redirect_uri
        id_token = await sign_in.redeem(body.code, body.code_verifier, body.redirect_uri)
    claims = await sign_in.verify(id_token, body.nonce)
    p = sign_in.profile(claims)
    ttl = sign_in.settings.session_ttl
    token = request.app[bridge_key].signer.agent_token(
        p.agent_id,
        p.first_name,
        p.last_name,
        p.queues,
        p.roles,
        p.permissions,
        ttl=ttl,
        skills=p.skills,
    )
    return web.json_response({"token": token})


async def oidc_ctx(app: web.Application) -> AsyncIterator[None]:
    """The provider client, with its own HTTP session, only when ``oidc:`` is configured."""
    settings = app[settings_key].oidc
    if settings is None:
        yield
        return
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=settings.timeout)) as s:
        app[oidc_key] = OidcSignIn(settings, s)
        yield


def setup(app: web.Application) -> None:
    app.add_routes(routes)
    app.cleanup_ctx.append(oidc_ctx)
