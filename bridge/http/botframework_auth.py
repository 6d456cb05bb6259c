"""Who sent a Bot Framework activity: the Bot Connector's JWT, checked as the Connector SDK does.

With ``botframework.auth`` on (the default), every activity carries ``Authorization: Bearer``
with a token the Bot Connector signed. It passes only if (``bridge.jwks``): its key is in the
JWKS that ``openid_metadata_url`` names (discovered on first use and cached; a failed discovery
is tried again on the next request), its algorithm is RS256, it is unexpired (``leeway``
seconds of skew), its issuer is one of ``issuers``, its audience is the bot's ``app_id``,
its ``serviceurl`` claim is the activity's ``serviceUrl`` (so a token the Connector minted for
one service cannot steer answers to another), and the activity's ``channelId`` is one the
signing key is endorsed for: each key in the Bot Framework's JWKS lists the channels
(``endorsements``) it may sign for, and the Connector SDK refuses a channel not listed, so a
key for one channel cannot vouch for activities claiming another (a key with no list, or an
activity with no ``channelId``, makes no such claim, as in the SDK). Anything else is 401
``botframework_unauthorized`` before anything is stored. Such an activity acts as the source
named by ``botframework.source``.

With ``auth: false`` (development only) the source's ``X-API-Key`` is taken instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from bridge.jwks import JwtRejected, JwtVerifier, discover
from bridge.platform_settings import BotFrameworkSettings
from bridge.runtime import Unauthorized
from bridge.settings import SourceSettings

from . import auth
from .keys import bridge_key

SERVICE_URL_CLAIMS = ("serviceurl", "serviceUrl")  # the SDK's name, and the documented one


class BotFrameworkUnauthorized(Unauthorized):
    code = "botframework_unauthorized"


@dataclass(frozen=True)
class ConnectorToken:
    """A verified Connector token: its claims, and the channels its signing key may sign for
    (``None``: the key lists none, so it is not limited)."""

    claims: dict[str, Any]
    endorsements: frozenset[str] | None


class ConnectorIdentity:
    """Bot Connector tokens for one bot (``app_id``): verified, or refused with a reason."""

    def __init__(self, settings: BotFrameworkSettings, timeout: float = 10.0) -> None:
        self._settings = settings
        self._timeout = timeout
        self._verifier: JwtVerifier | None = None
        self._session: aiohttp.ClientSession | None = None

    async def claims(self, request: web.Request) -> ConnectorToken:
        """The request's bearer token, verified (not yet against the activity: see
        :func:`check_activity`)."""
        try:
            token = auth.bearer(request)
        except Unauthorized as exc:
            raise BotFrameworkUnauthorized(f"{exc}: the Bot Connector's token") from None
        try:
            verifier = await self._verifier_now()
            verified = await verifier.verify_signed(token, require=("exp",))
            return ConnectorToken(verified.claims, endorsements(verified.jwk))
        except JwtRejected as exc:
            raise BotFrameworkUnauthorized(f"the Bot Connector token was refused: {exc}") from None

    async def _verifier_now(self) -> JwtVerifier:
        if self._verifier is None:
            if self._session is None:
                timeout = aiohttp.ClientTimeout(total=self._timeout)
                self._session = aiohttp.ClientSession(timeout=timeout)
            metadata = await discover(self._session, str(self._settings.openid_metadata_url))
            if not isinstance(metadata.get("jwks_uri"), str):
                raise JwtRejected("the OpenID metadata names no jwks_uri")
            self._verifier = JwtVerifier(
                metadata["jwks_uri"],
                issuer=self._settings.issuers,
                audience=self._settings.app_id or "",
                algorithms=("RS256",),
                leeway=self._settings.leeway,
                timeout=self._timeout,
            )
        return self._verifier

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def endorsements(jwk: dict[str, Any]) -> frozenset[str] | None:
    """The channels a published key may sign for; a malformed list refuses rather than widens."""
    listed = jwk.get("endorsements")
    if listed is None or listed == []:
        return None
    if not isinstance(listed, list) or not all(isinstance(item, str) for item in listed):
        raise JwtRejected("the signing key's endorsements are not a list of channel ids.")
    return frozenset(listed)


def check_activity(token: ConnectorToken, service_url: str, channel_id: str | None) -> None:
    """The token fits this activity: minted for its service, by a key endorsed for its channel."""
    check_service_url(token.claims, service_url)
    if channel_id and token.endorsements is not None and channel_id not in token.endorsements:
        raise BotFrameworkUnauthorized(
            f"the signing key is not endorsed for channel {channel_id[:100]}"
        )


def check_service_url(claims: dict[str, Any], service_url: str) -> None:
    """The token was minted for this activity's service: else answers could go elsewhere."""
    claimed = next((claims[name] for name in SERVICE_URL_CLAIMS if name in claims), None)
    if not isinstance(claimed, str) or claimed.rstrip("/") != service_url.rstrip("/"):
        raise BotFrameworkUnauthorized(
            "the token's serviceurl claim does not match the activity's serviceUrl"
        )


def channel_source(request: web.Request, settings: BotFrameworkSettings) -> SourceSettings:
    """The source a token-authenticated activity acts as (``botframework.source``)."""
    found = request.app[bridge_key].sources_by_name.get(settings.source or "")
    if found is None:
        raise BotFrameworkUnauthorized(
            "the Bot Framework channel is not configured (botframework.source, app_id)"
        )
    return found
