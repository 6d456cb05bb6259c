"""Settings of issue 16's conversation features: transcript email (SMTP) and screen-share links.

Kept apart from ``bridge.settings`` (which holds one of each) so that module stays small.
"""

from __future__ import annotations

import re
import secrets
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator

from bridge.config_files import Duration, Strict

_PLACEHOLDER = re.compile(r"{(\w*)}")
SCREEN_SHARE_FIELDS = ("chat_id", "agent_id", "session")


class MailSettings(Strict):
    """Where transcripts are mailed from. ``host`` null: email is off (requests are refused
    with ``email_not_configured``; downloads still work)."""

    host: str | None = None
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    sender: str = Field(default="Live Chat <livechat@localhost>", min_length=3)
    subject: str = Field(default="Your chat transcript", min_length=1, max_length=200)
    timeout: Duration = 10.0
    attempts: int = Field(default=5, ge=1, le=50)
    first_delay: Duration = 2.0
    max_delay: Duration = 300.0
    max_per_chat: int = Field(default=3, ge=1)

    @property
    def enabled(self) -> bool:
        return self.host is not None


class ScreenShareSettings(Strict):
    """The remote-session provider whose link an agent can post; ``url_template`` null: off.

    Placeholders: ``{chat_id}``, ``{agent_id}`` and ``{session}`` (a fresh random token per
    link, for providers that name a session by it), each URL-quoted."""

    url_template: str | None = Field(default=None, pattern=r"^https?://")
    label: str = Field(default="Join the screen-sharing session", min_length=1, max_length=200)

    @model_validator(mode="after")
    def _known_placeholders(self) -> Self:
        unknown = set(_PLACEHOLDER.findall(self.url_template or "")) - set(SCREEN_SHARE_FIELDS)
        if unknown:
            raise ValueError(
                f"url_template: unknown placeholder(s) {sorted(unknown)};"
                f" use {', '.join('{' + f + '}' for f in SCREEN_SHARE_FIELDS)}"
            )
        return self

    def link(self, chat_id: str, agent_id: str) -> str | None:
        """The link for one offer (None when no provider is configured)."""
        if self.url_template is None:
            return None
        from urllib.parse import quote

        values = {"chat_id": chat_id, "agent_id": agent_id, "session": secrets.token_urlsafe(12)}
        return _PLACEHOLDER.sub(lambda m: quote(values[m.group(1)], safe=""), self.url_template)
