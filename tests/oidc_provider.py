"""A small OpenID Connect provider for the tests: discovery, a login form, a token endpoint
that checks PKCE, and a JWKS endpoint with a fresh RSA key.

Why not one from PyPI: ``oidc-provider-mock`` (the one that installs here, 0.3.4) registers
no PKCE check on its code grant, so a test against it could not fail for a wrong
``code_verifier``, and it would bring Flask, Authlib, werkzeug, uvicorn, httpx and htpy into the
dev tools. This one is an aiohttp app (the bridge's own stack) and does what a real provider
does on the paths the bridge uses: the authorization code is single-use, bound to the
client, the redirect URI and the S256 challenge, and the ID token is RS256-signed with the
nonce of the authorization request.

It runs in the test's event loop (``async with provider.running()``) or on a thread of its
own for the browser tests (``with provider.in_thread()``), always on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import secrets
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlencode

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "livechat-console"


@dataclass
class IdpUser:
    password: str
    claims: dict[str, Any]


@dataclass
class _Grant:
    user: str
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str | None
    expires: float


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class OidcProvider:
    users: dict[str, IdpUser]
    client_id: str = CLIENT_ID
    client_secret: str | None = None
    key: rsa.RSAPrivateKey = field(default_factory=new_key)
    kid: str = field(default_factory=lambda: secrets.token_hex(4))
    url: str = ""
    _grants: dict[str, _Grant] = field(default_factory=dict)

    def mint(self, claims: dict[str, Any], key: rsa.RSAPrivateKey | None = None) -> str:
        """An ID token from this provider (or signed by ``key`` while naming our key id)."""
        now = int(time.time())
        body = {"iss": self.url, "aud": self.client_id, "iat": now, "exp": now + 300, **claims}
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": self.kid})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", self._discovery)
        app.router.add_get("/jwks", self._jwks)
        app.router.add_get("/authorize", self._authorize_form)
        app.router.add_post("/authorize", self._authorize)
        app.router.add_post("/token", self._token)
        return app

    async def _discovery(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": self.url,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "jwks_uri": f"{self.url}/jwks",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def _jwks(self, request: web.Request) -> web.Response:
        public = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return web.json_response({"keys": [{**public, "kid": self.kid, "use": "sig"}]})

    def _authorization_request(self, query: Any) -> dict[str, str]:
        wanted = ("client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method")
        missing = [name for name in wanted if not query.get(name)]
        if missing or query.get("response_type") != "code":
            raise web.HTTPBadRequest(text=f"bad authorization request: {missing or 'type'}")
        if query["client_id"] != self.client_id or query["code_challenge_method"] != "S256":
            raise web.HTTPBadRequest(text="unknown client or challenge method")
        kept = (*wanted, "response_type", "nonce", "scope")
        return {name: query[name] for name in kept if name in query}

    async def _authorize_form(self, request: web.Request) -> web.Response:
        params = self._authorization_request(request.query)
        action = html.escape("/authorize?" + urlencode(params), quote=True)
        page = (
            "<!doctype html><title>Test identity provider</title><h1>Test identity provider</h1>"
            f'<form method="post" action="{action}">'
            '<label>User <input name="username" id="idp-user"></label>'
            '<label>Password <input name="password" id="idp-password" type="password"></label>'
            '<button type="submit">Continue</button></form>'
        )
        return web.Response(text=page, content_type="text/html")

    async def _authorize(self, request: web.Request) -> web.Response:
        params = self._authorization_request(request.query)
        form = await request.post()
        user = self.users.get(str(form.get("username", "")))
        if user is None or not secrets.compare_digest(user.password, str(form.get("password"))):
            raise web.HTTPUnauthorized(text="wrong user name or password")
        code = secrets.token_urlsafe(24)
        self._grants[code] = _Grant(
            str(form["username"]),
            params["client_id"],
            params["redirect_uri"],
            params["code_challenge"],
            params.get("nonce"),
            time.time() + 60,
        )
        query = urlencode({"code": code, "state": params["state"]})
        raise web.HTTPFound(f"{params['redirect_uri']}?{query}")

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        grant = self._grants.pop(str(form.get("code", "")), None)  # single use, like a real one
        refusal = self._refusal(form, grant, _basic_secret(request))
        if refusal or grant is None:
            return web.json_response(
                {"error": "invalid_grant", "error_description": refusal}, status=400
            )
        claims = {"sub": grant.user, **self.users[grant.user].claims}
        if grant.nonce:
            claims["nonce"] = grant.nonce
        token = self.mint(claims)
        body = {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer"}
        return web.json_response({**body, "id_token": token, "expires_in": 300})

    def _refusal(self, form: Any, grant: _Grant | None, secret: str | None) -> str | None:
        if form.get("grant_type") != "authorization_code" or grant is None:
            return "unknown or used authorization code"
        if grant.expires < time.time() or form.get("redirect_uri") != grant.redirect_uri:
            return "expired code or another redirect_uri"
        if form.get("client_id") != grant.client_id:
            return "the code was issued to another client"
        if self.client_secret is not None and secret != self.client_secret:
            return "wrong client secret"
        verifier = str(form.get("code_verifier", "")).encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if not secrets.compare_digest(challenge.decode(), grant.challenge):
            return "the code_verifier does not match the code_challenge (PKCE)"
        return None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[OidcProvider]:
        """Serve on 127.0.0.1 (a free port) in the current event loop."""
        runner = web.AppRunner(self.app())
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        try:
            yield self
        finally:
            await runner.cleanup()

    @contextmanager
    def in_thread(self) -> Iterator[OidcProvider]:
        """Serve from a thread with its own loop (sync Playwright owns the test's thread)."""
        loop = asyncio.new_event_loop()
        started, stop = threading.Event(), asyncio.Event()

        async def serve() -> None:
            async with self.running():
                started.set()
                await stop.wait()

        thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
        thread.start()
        if not started.wait(10):
            raise RuntimeError("the test OIDC provider did not start")
        try:
            yield self
        finally:
            loop.call_soon_threadsafe(stop.set)
            thread.join(10)
            loop.close()


def _basic_secret(request: web.Request) -> str | None:
    """client_secret_basic: the secret from ``Authorization: Basic`` (id:secret, base64)."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    return unquote(base64.b64decode(value).decode().partition(":")[2])
