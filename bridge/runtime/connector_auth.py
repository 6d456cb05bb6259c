"""The bot's own credential on what the bridge posts to a Bot Connector.

A real Bot Connector refuses an activity without ``Authorization: Bearer <token>``, a token
the bot gets from Azure AD with the OAuth2 client-credentials grant (its app id and password,
scope ``https://api.botframework.com/.default``). ``ClientCredentials`` fetches one and keeps
it until ``margin`` seconds before it expires; concurrent deliveries share one fetch.
``ConnectorAuth`` is the delivery's hook (``CallbackDelivery(auth=...)``): it adds the token at
delivery time (never to the outbox: a token in the database would outlive its use) and only
to the Bot Framework source's posts to a Connector route
(``/v3/conversations/{id}/activities``), so a source's other callbacks never see it. A 401
from the Connector drops the cached token: the retry fetches a new one.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import structlog
from yarl import URL

from bridge.platform_settings import BotFrameworkSettings

log = structlog.get_logger("bridge.connector_auth")
_CONNECTOR_ROUTE = re.compile(r"/v3/conversations/[^/]+/activities/?$")


class TokenUnavailable(aiohttp.ClientError):
    """The token endpoint did not give a token: the delivery is retried later."""


class ClientCredentials:
    """An OAuth2 client-credentials access token, cached until shortly before it expires."""

    def __init__(
        self,
        endpoint: str,
        client_id: str,
        client_secret: str,
        scope: str,
        margin: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._endpoint = endpoint
        self._form = {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
            "scope": scope,
        }
        self._margin = margin
        self._clock = clock
        self._token: str | None = None
        self._good_until = 0.0
        self._lock = asyncio.Lock()
        self.fetches = 0  # how many times the endpoint was asked (tests and logs)

    async def token(self, session: aiohttp.ClientSession) -> str:
        async with self._lock:
            if self._token is None or self._clock() >= self._good_until:
                self._token, lifetime = await self._fetch(session)
                # Refresh early, but never keep a short-lived token for less than half its life.
                self._good_until = self._clock() + max(lifetime - self._margin, lifetime / 2)
            return self._token

    def invalidate(self) -> None:
        self._token = None

    async def _fetch(self, session: aiohttp.ClientSession) -> tuple[str, float]:
        self.fetches += 1
        try:
            async with session.post(self._endpoint, data=self._form) as response:
                body: Any = await response.json(content_type=None)
                status = response.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise TokenUnavailable(f"token endpoint {self._endpoint}: {exc!r}") from exc
        if status != 200 or not isinstance(body, dict) or "access_token" not in body:
            error = body.get("error") if isinstance(body, dict) else None
            raise TokenUnavailable(f"token endpoint answered {status} ({error or 'no token'})")
        return str(body["access_token"]), float(body.get("expires_in", 3600))


class ConnectorAuth:
    """Bearer tokens on the Bot Framework source's Connector posts (``CallbackDelivery`` hook)."""

    def __init__(self, source: str, credentials: ClientCredentials, timeout: float) -> None:
        self._source = source
        self.credentials = credentials
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def of(cls, settings: BotFrameworkSettings, timeout: float) -> ConnectorAuth | None:
        """The hook for these settings; None when outgoing posts carry no token (auth off)."""
        if not settings.auth or settings.source is None or settings.app_password is None:
            return None
        credentials = ClientCredentials(
            str(settings.token_endpoint),
            settings.app_id or "",
            settings.app_password.get_secret_value(),
            settings.scope,
            settings.token_refresh_margin,
        )
        return cls(settings.source, credentials, timeout)

    def applies(self, source: str | None, url: str) -> bool:
        return source == self._source and _CONNECTOR_ROUTE.search(URL(url).raw_path) is not None

    async def headers(self, source: str | None, url: str) -> dict[str, str]:
        """``Authorization`` for a Connector post of the bot's source, else nothing."""
        if not self.applies(source, url):
            return {}
        if self._session is None:
            timeout = aiohttp.ClientTimeout(total=self._timeout)
            self._session = aiohttp.ClientSession(timeout=timeout)
        return {"Authorization": f"Bearer {await self.credentials.token(self._session)}"}

    def refused(self) -> None:
        """The Connector said 401: the token is no good any more (revoked, rotated)."""
        log.warning("connector_token_refused")
        self.credentials.invalidate()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
