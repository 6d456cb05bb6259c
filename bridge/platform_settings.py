"""Settings of the built-in virtual-agent adapters: Bot Framework and Dialogflow CX.

Each adapter acts for one configured source (``source``: its kinds, its ``callback_allow``
and ``callback_secret`` apply to everything the adapter sends). Kept apart from
``bridge.settings`` so that module stays the bridge's own; ``Settings`` holds one of each.
"""

from __future__ import annotations

from typing import Self

from pydantic import AnyHttpUrl, Field, SecretStr, model_validator

from bridge.config_files import Duration, Strict

# Microsoft's public values: the Bot Connector's OpenID metadata and token issuer, and the
# Azure AD endpoint that issues a bot's tokens for calling the Connector (multi-tenant bots).
BOT_OPENID_METADATA = "https://login.botframework.com/v1/.well-known/openidconfiguration"
BOT_ISSUERS = ("https://api.botframework.com",)
BOT_TOKEN_ENDPOINT = "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"
BOT_SCOPE = "https://api.botframework.com/.default"
# Google's ID-token keys and issuers (Dialogflow CX service-agent authentication).
GOOGLE_CERTS = "https://www.googleapis.com/oauth2/v3/certs"
GOOGLE_ISSUERS = ("https://accounts.google.com", "accounts.google.com")


class BotFrameworkSettings(Strict):
    """The Bot Framework channel (``POST /api/v1/botframework/activities``).

    ``auth: true`` (the default): an activity must carry the Bot Connector's
    ``Authorization: Bearer`` JWT (signed by a key of ``openid_metadata_url``'s JWKS, issued by
    one of ``issuers``, audience ``app_id``, ``serviceUrl`` claim = the activity's), and every
    activity the bridge posts back carries a token of the bot's own (client credentials of
    ``app_id``/``app_password`` at ``token_endpoint`` for ``scope``). ``auth: false`` is for
    local development only: the source's ``X-API-Key`` is taken instead and nothing outgoing
    carries a token.
    """

    auth: bool = True
    source: str | None = None  # the configured source Bot Connector activities act as
    app_id: str | None = None  # the bot's Microsoft App ID: the tokens' audience
    app_password: SecretStr | None = None
    openid_metadata_url: AnyHttpUrl = AnyHttpUrl(BOT_OPENID_METADATA)
    issuers: list[str] = Field(default_factory=lambda: list(BOT_ISSUERS), min_length=1)
    token_endpoint: AnyHttpUrl = AnyHttpUrl(BOT_TOKEN_ENDPOINT)
    scope: str = BOT_SCOPE
    leeway: Duration = 300.0  # clock skew allowed on exp/nbf, as the SDK does
    # A token is fetched again this long before it expires.
    token_refresh_margin: Duration = 300.0

    @model_validator(mode="after")
    def _complete(self) -> Self:
        """With auth on, a configured channel needs its app's credentials."""
        if self.auth and self.source is not None and not (self.app_id and self.app_password):
            raise ValueError("botframework.auth needs app_id and app_password (or auth: false)")
        return self

    @property
    def enabled(self) -> bool:
        return not self.auth or self.source is not None


class DialogflowSettings(Strict):
    """The Dialogflow CX webhook (``POST /api/v1/dialogflow/webhook``).

    The agent's webhook is configured with a request header holding ``source``'s API key
    (``api_key_header``, default ``X-API-Key``; or ``Authorization: Bearer <key>``), or with
    service-agent auth (``id_token_audience``, ``id_token_emails``). Only a
    request whose ``fulfillmentInfo.tag`` is ``tag`` hands over; the session parameters named
    here carry company, queue and customer.
    """

    source: str | None = None  # the configured source the webhook acts as (its API key)
    api_key_header: str = "X-API-Key"
    # Service-agent auth instead of (or besides) the key: a Google-signed ID token whose
    # audience is this (the webhook's URL) and whose email is one of ``id_token_emails``.
    id_token_audience: str | None = None
    id_token_emails: list[str] = Field(default_factory=list)
    id_token_issuers: list[str] = Field(default_factory=lambda: list(GOOGLE_ISSUERS))
    google_certs_url: AnyHttpUrl = AnyHttpUrl(GOOGLE_CERTS)
    tag: str = "livechat-handoff"
    company_parameter: str = "company"
    queue_parameter: str = "queue"
    customer_id_parameter: str = "customer_id"
    customer_name_parameter: str = "customer_name"
    customer_email_parameter: str = "customer_email"
    question_parameter: str = "question"
    # Where agent replies go (the user's view, signed, through the callback outbox): the
    # channel integration that relays them to the user. Must pass the source's allow-list.
    callback_url: AnyHttpUrl | None = None

    @model_validator(mode="after")
    def _id_tokens_name_someone(self) -> Self:
        """An audience alone would admit any Google account's token for that URL."""
        if self.id_token_audience is not None and not self.id_token_emails:
            raise ValueError("dialogflow.id_token_audience needs id_token_emails (service agents)")
        return self
