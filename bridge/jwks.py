"""Verify JWTs signed by someone else's keys: an identity provider's (OIDC sign-in) or the Bot
Framework's. One helper, so every caller checks the same things the same way.

The keys come from the issuer's JWKS document through pyjwt's ``PyJWKClient``, which caches
them and fetches the document again when a token names a key id it has not seen (key
rotation; at most once per its cooldown, so tokens naming made-up key ids cannot make us
hammer the issuer). Each key is also kept as the JWKS publishes it (:class:`Verified`'s
``jwk``), since pyjwt models only the standard members and a caller may need others: the Bot
Framework's ``endorsements``. ``PyJWKClient`` fetches with blocking ``urllib``, so
:meth:`JwtVerifier.verify` runs it in a worker thread: a slow provider never stalls the event
loop. The metadata document (``.well-known/openid-configuration``) is read with aiohttp by
:func:`discover`.

Errors are one plain exception, :class:`JwtRejected`, with a sentence; each caller turns it
into its own domain error (its own stable code), since "rejected" means different things to
a sign-in and to a webhook.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt

ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA")


class JwtRejected(Exception):
    """The token, its signature or one of its claims did not pass; the message says which."""


class KeysUnavailable(JwtRejected):
    """The issuer's JWKS could not be fetched: the token may be fine, the issuer is not there.

    A subclass, so a caller that only catches :class:`JwtRejected` still refuses; one that
    cares (an OIDC sign-in answering 502 rather than 401) catches this first."""


@dataclass(frozen=True)
class Verified:
    """A token that passed, and the key that signed it as the issuer's JWKS publishes it."""

    claims: dict[str, Any]
    jwk: dict[str, Any]


class _PublishedKeys(jwt.PyJWKClient):
    """``PyJWKClient`` that also keeps each fetched key's JWK whole, by key id.

    ``fetch_data`` is the one place every fetch passes (pyjwt documents it for overriding),
    so the members pyjwt drops are always those of the document the signing key came from.
    """

    def __init__(self, uri: str, **options: Any) -> None:
        super().__init__(uri, **options)
        self.published: dict[str, dict[str, Any]] = {}

    def fetch_data(self) -> Any:
        data = super().fetch_data()
        keys = data.get("keys") if isinstance(data, dict) else None
        listed = keys if isinstance(keys, list) else []
        self.published = {
            key["kid"]: key
            for key in listed
            if isinstance(key, dict) and isinstance(key.get("kid"), str)
        }
        return data


class JwtVerifier:
    """Checks signature (a key from ``jwks_uri``), ``iss``, ``aud``, ``exp``/``nbf`` with leeway.

    Only asymmetric algorithms are accepted: an ``HS256`` token "signed" with a public key or
    an ``alg: none`` token never passes.
    """

    def __init__(
        self,
        jwks_uri: str,
        *,
        issuer: str | Sequence[str],
        audience: str | Sequence[str],
        algorithms: Sequence[str] = ASYMMETRIC,
        leeway: float = 30.0,
        cache_lifespan: float = 300.0,
        timeout: float = 10.0,
    ) -> None:
        self._keys = _PublishedKeys(
            jwks_uri, cache_keys=True, lifespan=int(cache_lifespan), timeout=int(timeout)
        )
        self._issuer = issuer if isinstance(issuer, str) else list(issuer)
        self._audience = audience if isinstance(audience, str) else list(audience)
        self._algorithms = [a for a in algorithms if a in ASYMMETRIC]
        self._leeway = leeway

    async def verify(self, token: str, require: Sequence[str] = ("exp", "iat")) -> dict[str, Any]:
        """The verified claims; :class:`JwtRejected` when anything is off (nothing cached)."""
        return await asyncio.to_thread(self.verify_blocking, token, require)

    async def verify_signed(self, token: str, require: Sequence[str] = ("exp", "iat")) -> Verified:
        """The verified claims and the signing key's published JWK (for members such as the
        Bot Framework's ``endorsements``). A key the issuer has dropped from its JWKS since it
        was cached is refused here, since what it was published with is no longer known."""
        return await asyncio.to_thread(self.verify_signed_blocking, token, require)

    def verify_blocking(
        self, token: str, require: Sequence[str] = ("exp", "iat")
    ) -> dict[str, Any]:
        return self._decode(token, require)[0]

    def verify_signed_blocking(
        self, token: str, require: Sequence[str] = ("exp", "iat")
    ) -> Verified:
        claims, key_id = self._decode(token, require)
        jwk = self._keys.published.get(key_id or "")
        if jwk is None:
            raise JwtRejected("the signing key is no longer in the issuer's JWKS.")
        return Verified(claims, jwk)

    def _decode(self, token: str, require: Sequence[str]) -> tuple[dict[str, Any], str | None]:
        try:
            key = self._keys.get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=self._algorithms,
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["iss", "aud", *require]},
            )
        except jwt.PyJWKClientConnectionError as exc:
            raise KeysUnavailable(_sentence(exc)) from exc
        except jwt.PyJWTError as exc:  # PyJWKClientError (no such key) too
            raise JwtRejected(_sentence(exc)) from exc
        return claims, key.key_id


async def discover(session: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    """The provider's metadata document (JSON object), or :class:`JwtRejected` saying why not."""
    try:
        async with session.get(url, headers={"Accept": "application/json"}) as response:
            if response.status != 200:
                raise JwtRejected(f"{url} answered HTTP {response.status}")
            document = await response.json(content_type=None)
    except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
        raise JwtRejected(f"cannot read {url}: {exc or type(exc).__name__}") from exc
    if not isinstance(document, dict):
        raise JwtRejected(f"{url} is not a JSON object")
    return document


def _sentence(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text if text.endswith(".") else text + "."
