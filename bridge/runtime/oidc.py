"""Single sign-on for agents: redeem an OpenID Connect authorization code, verify the ID token
and map its claims to the profile a bridge agent token carries.

The console runs the authorization code flow with PKCE in the browser (it makes the
``code_verifier``, the ``state`` and the ``nonce`` and keeps them in sessionStorage); the
provider sends the browser back with a code, and the bridge, not the browser, redeems it at
the token endpoint. So a confidential client's secret never reaches a page, the pages' CSP
needs no provider origin in ``connect-src``, and only the bridge talks to the token endpoint.
The ID token is then checked here (signature by a key from the provider's ``jwks_uri``,
``iss``, ``aud`` = our client id, ``exp``, the browser's ``nonce``) and exchanged for the
bridge's own agent token, so the rest of the bridge keeps one kind of token.

Refusals: a token that does not verify is :class:`OidcTokenInvalid` (401
``oidc_token_invalid``); a valid one whose groups do not add up to the IT Agent role and the
ESChat_Agent permission is :class:`OidcNotPermitted` (403 ``oidc_not_permitted``). Either way no
agent token is issued and the engine never hears of the agent.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

from bridge.engine.errors import LivechatError, NotPermitted
from bridge.engine.model import CHAT_PERMISSION, IT_AGENT_ROLE, is_permitted
from bridge.jwks import JwtRejected, JwtVerifier, KeysUnavailable, discover
from bridge.oidc_settings import OidcSettings
from bridge.settings import AgentProfile

from .tokens import Unauthorized

CALLBACK_PATH = "/console/oidc/callback"


class OidcTokenInvalid(Unauthorized):
    code = "oidc_token_invalid"


class OidcNotPermitted(NotPermitted):
    code = "oidc_not_permitted"


class OidcUnavailable(LivechatError):
    """The provider's metadata, keys or token endpoint could not be reached or made no sense."""

    code = "oidc_unavailable"


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """The parts of the discovery document the sign-in uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


class OidcSignIn:
    """One configured provider: discovery on first use (a failure is retried next time)."""

    def __init__(self, settings: OidcSettings, session: aiohttp.ClientSession) -> None:
        self.settings = settings
        self._session = session
        self._info: ProviderInfo | None = None
        self._verifier: JwtVerifier | None = None
        self._lock = asyncio.Lock()

    async def provider(self) -> ProviderInfo:
        async with self._lock:
            if self._info is None:
                self._info = await self._discover()
                self._verifier = JwtVerifier(
                    self._info.jwks_uri,
                    issuer=self.settings.issuer,
                    audience=self.settings.client_id,
                    leeway=self.settings.leeway,
                    cache_lifespan=self.settings.jwks_cache,
                    timeout=self.settings.timeout,
                )
            return self._info

    async def _discover(self) -> ProviderInfo:
        url = self.settings.metadata_url
        try:
            document = await discover(self._session, url)
        except JwtRejected as exc:
            raise OidcUnavailable(f"the provider's discovery document: {exc}") from exc
        names = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
        values = [document.get(name) for name in names]
        if not all(isinstance(v, str) and v for v in values):
            raise OidcUnavailable(f"{url} lacks one of {', '.join(names)}")
        if document["issuer"] != self.settings.issuer:
            raise OidcUnavailable(
                f"{url} names issuer {document['issuer']!r}, not {self.settings.issuer!r}"
            )
        return ProviderInfo(*values)

    async def redeem(self, code: str, code_verifier: str, redirect_uri: str) -> str:
        """Trade the authorization code (and the PKCE verifier) for the provider's ID token."""
        info = await self.provider()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": self.settings.client_id,
            "code_verifier": code_verifier,
        }
        headers: dict[str, str] = {}
        secret = self.settings.client_secret
        if secret is not None:  # client_secret_basic, each part form-encoded (RFC 6749 2.3.1)
            headers["Authorization"] = _basic(self.settings.client_id, secret.get_secret_value())
        answer = await self._post_form(info.token_endpoint, form, headers)
        token = answer.get("id_token")
        if not isinstance(token, str):
            raise OidcUnavailable("the token endpoint's answer has no id_token")
        return token

    async def _post_form(
        self, url: str, form: dict[str, str], headers: dict[str, str]
    ) -> dict[str, Any]:
        timeout = aiohttp.ClientTimeout(total=self.settings.timeout)
        try:
            async with self._session.post(
                url, data=form, headers=headers, timeout=timeout
            ) as response:
                answer = await response.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            raise OidcUnavailable(f"the token endpoint: {exc or type(exc).__name__}") from exc
        if not isinstance(answer, dict):
            raise OidcUnavailable("the token endpoint did not answer a JSON object")
        if response.status >= 500:
            raise OidcUnavailable(f"the token endpoint answered HTTP {response.status}")
        if response.status != 200:
            reason = answer.get("error_description") or answer.get("error") or response.status
            raise OidcTokenInvalid(f"the provider refused the authorization code: {reason}")
        return answer

    async def verify(self, id_token: str, nonce: str | None) -> dict[str, Any]:
        """The ID token's claims once signature, issuer, audience, expiry and nonce pass."""
        await self.provider()
        assert self._verifier is not None
        try:
            claims = await self._verifier.verify(id_token, require=("exp", "iat", "sub"))
        except KeysUnavailable as exc:
            raise OidcUnavailable(f"the provider's signing keys: {exc}") from exc
        except JwtRejected as exc:
            raise OidcTokenInvalid(f"the ID token was refused: {exc}") from exc
        azp = claims.get("azp")
        if azp is not None and azp != self.settings.client_id:
            raise OidcTokenInvalid("the ID token was issued to another client (azp)")
        if nonce is not None and not hmac.compare_digest(
            str(claims.get("nonce", "")).encode(), nonce.encode()
        ):
            raise OidcTokenInvalid("the ID token's nonce is not the one this sign-in sent")
        return claims

    def profile(self, claims: dict[str, Any]) -> AgentProfile:
        return profile_of(self.settings, claims)


def profile_of(settings: OidcSettings, claims: dict[str, Any]) -> AgentProfile:
    """Map verified claims to an agent profile through ``settings.groups``; refuse an agent
    whose groups do not grant the Live Chat role and permission (the engine's one rule)."""
    names = settings.claims
    agent_id = _claim(claims, names.agent_id) or _claim(claims, "sub")
    if not isinstance(agent_id, str) or not agent_id:
        raise OidcTokenInvalid(f"the ID token has no {names.agent_id!r} claim to name the agent")
    groups = _claim(claims, names.groups)
    listed = [groups] if isinstance(groups, str) else groups if isinstance(groups, list) else []
    roles: dict[str, None] = {}
    permissions: dict[str, None] = {}
    queues: dict[str, None] = {}
    skills: dict[str, int] = {}
    for group in listed:
        grant = settings.groups.get(str(group))
        if grant is not None:
            roles.update(dict.fromkeys(grant.roles))
            permissions.update(dict.fromkeys(grant.permissions))
            queues.update(dict.fromkeys(grant.queues))
            for skill, level in grant.skills.items():
                skills[skill] = max(level, skills.get(skill, 0))
    if not is_permitted(roles, permissions):
        raise OidcNotPermitted(
            f"{agent_id!r} is signed in with the provider, but no group of theirs grants the "
            f"{IT_AGENT_ROLE} role and the {CHAT_PERMISSION} permission"
        )
    return AgentProfile(
        agent_id=agent_id,
        first_name=_text(_claim(claims, names.first_name)),
        last_name=_text(_claim(claims, names.last_name)),
        queues=list(queues),
        roles=list(roles),
        permissions=list(permissions),
        skills=skills,
    )


def _basic(client_id: str, secret: str) -> str:
    pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def _claim(claims: dict[str, Any], dotted: str) -> Any:
    value: Any = claims
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _text(value: Any) -> str:
    return value[:200] if isinstance(value, str) else ""
