"""Who may call the Dialogflow CX webhook: the source's API key, or CX's service agent.

Dialogflow CX authenticates a webhook in one of two ways, both supported:

* static request headers configured on the webhook: ``dialogflow.source``'s API key in
  ``dialogflow.api_key_header`` (default ``X-API-Key``) or as ``Authorization: Bearer <key>``
  (compared in constant time);
* service-agent auth: CX sends a Google-signed ID token (``Authorization: Bearer <JWT>``).
  With ``dialogflow.id_token_audience`` set it passes if Google's keys
  (``google_certs_url``) signed it, its issuer is Google's, its audience is that value (the
  webhook's URL) and its verified ``email`` is one of ``id_token_emails`` (the agent's
  service agent, ``service-<project-number>@gcp-sa-dialogflow.iam.gserviceaccount.com``).

Anything else is 401 ``dialogflow_unauthorized`` before the body is read.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator

from aiohttp import web

from bridge.jwks import JwtRejected, JwtVerifier
from bridge.platform_settings import DialogflowSettings
from bridge.runtime import Unauthorized
from bridge.settings import SourceSettings

from .keys import bridge_key


class DialogflowUnauthorized(Unauthorized):
    code = "dialogflow_unauthorized"


class WebhookIdentity:
    """The webhook's two credentials, checked against ``dialogflow`` settings."""

    def __init__(self, settings: DialogflowSettings) -> None:
        self._settings = settings
        self._id_tokens = (
            None
            if settings.id_token_audience is None
            else JwtVerifier(
                str(settings.google_certs_url),
                issuer=settings.id_token_issuers,
                audience=settings.id_token_audience,
                algorithms=("RS256",),
            )
        )

    async def source(self, request: web.Request) -> SourceSettings:
        """``dialogflow.source``, if the request carries one of its credentials."""
        settings = self._settings
        src = request.app[bridge_key].sources_by_name.get(settings.source or "")
        if src is None:
            raise DialogflowUnauthorized("the Dialogflow CX webhook is off: no dialogflow.source")
        scheme, _, bearer = request.headers.get("Authorization", "").partition(" ")
        bearer = bearer.strip() if scheme.lower() == "bearer" else ""
        if self._id_tokens is not None and bearer.count(".") == 2:
            await self._service_agent(self._id_tokens, bearer)
            return src
        given = request.headers.get(settings.api_key_header) or bearer
        expected = src.api_key.get_secret_value().encode()
        if not given or not hmac.compare_digest(given.encode(), expected):
            raise DialogflowUnauthorized(
                f"a valid {settings.api_key_header} header or service-agent ID token is required"
            )
        return src

    async def _service_agent(self, verifier: JwtVerifier, token: str) -> None:
        try:
            claims = await verifier.verify(token)
        except JwtRejected as exc:
            raise DialogflowUnauthorized(f"the ID token was refused: {exc}") from None
        if claims.get("email_verified") is not True or claims.get("email") not in (
            self._settings.id_token_emails
        ):
            raise DialogflowUnauthorized(
                f"the ID token's email {claims.get('email')!r} is not a verified, configured"
                " service agent"
            )


identity_key = web.AppKey("dialogflow_identity", WebhookIdentity)


async def identity_ctx(app: web.Application) -> AsyncIterator[None]:
    app[identity_key] = WebhookIdentity(app[bridge_key].settings.dialogflow)
    yield
