"""A local Bot Framework (and any OpenID provider, such as Google's ID tokens for Dialogflow's
service agent): an identity provider (OpenID metadata, JWKS, token endpoint) and a
Bot Connector that only takes activities carrying a token that provider issued.

They stand in for login.botframework.com, login.microsoftonline.com and the Connector at
``serviceUrl``, on 127.0.0.1, speaking the same documents: the metadata names ``jwks_uri``,
the Connector's tokens are RS256 with ``iss``/``aud``/``serviceurl``, its JWKS key lists the
channels it is endorsed for (``endorsements``, as login.botframework.com's keys do), and the
token endpoint takes the OAuth2 client-credentials form.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import jwt
from aiohttp import web
from botbuilder.schema import Activity
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://api.botframework.com"
APP_ID = "8a1f1c33-2b7e-4a55-9d7e-1f0c6b9e0a11"
APP_PASSWORD = "bot-app-password"
SCOPE = "https://api.botframework.com/.default"
METADATA_PATH = "/v1/.well-known/openidconfiguration"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeIdentityProvider:
    """Signs the Connector's tokens and issues the bot's own (client credentials)."""

    def __init__(self) -> None:
        self.key, self.kid = new_key(), "connector-key-1"
        self.endorsements: Any = ["msteams", "webchat", "emulator"]  # None: the member is absent
        self.issued: set[str] = set()  # the bot tokens handed out, which the Connector takes
        self.token_requests: list[dict[str, str]] = []
        self.expires_in = 3600
        self.base = ""  # set once the server listens
        self.app = web.Application()
        self.app.router.add_get(METADATA_PATH, self.metadata)
        self.app.router.add_get("/keys", self.keys)
        self.app.router.add_post("/token", self.token)

    async def metadata(self, request: web.Request) -> web.Response:
        return web.json_response({
            "issuer": ISSUER,
            "authorization_endpoint": f"{self.base}/authorize",
            "jwks_uri": f"{self.base}/keys",
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        })  # fmt: skip

    async def keys(self, request: web.Request) -> web.Response:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update(kid=self.kid, use="sig")
        if self.endorsements is not None:
            jwk["endorsements"] = self.endorsements
        return web.json_response({"keys": [jwk]})

    async def token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.token_requests.append(form)
        wanted = {"grant_type": "client_credentials", "client_id": APP_ID,
                  "client_secret": APP_PASSWORD, "scope": SCOPE}  # fmt: skip
        good = all(form.get(name) == value for name, value in wanted.items())
        if not good:
            return web.json_response({"error": "invalid_client"}, status=401)
        token = f"bot-token-{uuid.uuid4().hex}"
        self.issued.add(token)
        return web.json_response(
            {"token_type": "Bearer", "expires_in": self.expires_in, "access_token": token}
        )

    def connector_token(
        self,
        service_url: str,
        *,
        audience: str = APP_ID,
        issuer: str = ISSUER,
        key: rsa.RSAPrivateKey | None = None,
        lifetime: float = 3600,
    ) -> str:
        """What the Bot Connector puts in ``Authorization`` when it calls the bot."""
        claims = {"iss": issuer, "aud": audience, "serviceurl": service_url}
        return self.sign(claims, key, lifetime)

    def sign(
        self, claims: dict[str, Any], key: rsa.RSAPrivateKey | None = None, lifetime: float = 3600
    ) -> str:
        """Any token with this provider's key id (``key``: someone else's key under it)."""
        now = int(time.time())
        claims = {"nbf": now - 5, "iat": now - 5, "exp": now + int(lifetime), **claims}
        return jwt.encode(claims, key or self.key, "RS256", headers={"kid": self.kid})


class FakeConnector:
    """The Bot Connector at ``serviceUrl``: 401 without a bot token the provider issued."""

    def __init__(self, provider: FakeIdentityProvider) -> None:
        self.provider = provider
        self.inbox: asyncio.Queue[tuple[str, Activity]] = asyncio.Queue()
        self.refused: list[str] = []  # Authorization headers it turned away
        self.app = web.Application()
        self.app.router.add_post("/v3/conversations/{conversation}/activities", self.post)

    async def post(self, request: web.Request) -> web.Response:
        header = request.headers.get("Authorization", "")
        if header.removeprefix("Bearer ") not in self.provider.issued:
            self.refused.append(header)
            return web.json_response({"error": {"code": "Unauthorized"}}, status=401)
        activity = Activity().deserialize(await request.json())
        await self.inbox.put((request.match_info["conversation"], activity))
        return web.json_response({"id": activity.id or "ok"})

    async def next(self) -> tuple[str, Activity]:
        return await asyncio.wait_for(self.inbox.get(), 5)

    async def status(self) -> dict[str, Any]:
        """The next handoff.status value (skipping messages and notices)."""
        while True:
            _, activity = await self.next()
            if activity.name == "handoff.status":
                return activity.value

    async def message(self) -> Activity:
        """The next message activity (skipping status events)."""
        while True:
            _, activity = await self.next()
            if activity.type == "message":
                return activity
