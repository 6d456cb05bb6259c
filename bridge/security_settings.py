"""What may reach the bridge: source keys and their callback targets, agent logins, input
limits (body sizes, request rates) and attachments.

Kept beside ``bridge.settings`` (which holds one of each) so that file stays small, and so the
settings a security review reads are read together. Each check runs when the settings load:
a bad callback allow-list entry, ``whsec_`` secret or attachment type is a ``file:line``
error at start, not a surprise at the first delivery or upload.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, SecretStr, field_validator, model_validator

from bridge.config_files import Strict
from bridge.engine.core import SOURCES
from bridge.filetypes import KNOWN_TYPES
from bridge.routing_settings import Skills, SourceKind
from bridge.webhooks import TargetPolicy, signing_key


class SourceSettings(Strict):
    """A client allowed to hand chats over: a virtual-agent platform or the self-service page."""

    name: str = Field(min_length=1)
    api_key: SecretStr
    kinds: list[SourceKind] = Field(default_factory=lambda: list(SOURCES))
    callback_secret: SecretStr | None = None
    # A key that ships in a browser page: self-service chats only, no callbacks.
    publishable: bool = False
    # Where callbacks (callback_url, Bot Framework serviceUrl) may go: hosts, "*.example.com",
    # "*", or URL prefixes "https://hooks.example.com/livechat/". Empty: nowhere.
    callback_allow: list[str] = Field(default_factory=list)
    # Loopback, private and link-local targets (after DNS too) only when this is set.
    allow_private_callbacks: bool = False

    def allows(self, kind: str) -> bool:
        return kind in self.kinds and (kind == "self_service" or not self.publishable)

    @model_validator(mode="after")
    def _valid_callbacks(self) -> Self:
        """A bad allow-list entry or ``whsec_`` secret is a config error now, not at delivery."""
        self.targets()
        if self.callback_secret is not None:
            signing_key(self.callback_secret.get_secret_value())
        return self

    def targets(self) -> TargetPolicy:
        """The one callback-target rule for this source (``bridge.webhooks``)."""
        return TargetPolicy.parse(self.callback_allow, self.allow_private_callbacks)


class AgentProfile(Strict):
    agent_id: str = Field(min_length=1)
    first_name: str
    last_name: str
    queues: list[str]
    roles: list[str] = Field(default_factory=lambda: ["IT Agent"])
    permissions: list[str] = Field(default_factory=lambda: ["ESChat_Agent"])
    # Skill -> proficiency level (0-10), carried in the agent token (issue 13).
    skills: Skills = Field(default_factory=dict)


class DemoUser(Strict):
    """A login for POST /api/v1/login; demo only, the password is kept as written."""

    username: str
    password: SecretStr
    profile: AgentProfile


class AttachmentSettings(Strict):
    max_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    max_count: int = Field(default=5, ge=0)
    allowed_types: list[str] = Field(
        default_factory=lambda: [
            "image/png",
            "image/jpeg",
            "image/gif",
            "application/pdf",
            "text/plain",
        ]
    )

    @field_validator("allowed_types")
    @classmethod
    def _recognisable(cls, value: list[str]) -> list[str]:
        """Only types whose bytes the bridge can check: the sender's word is not enough."""
        unknown = sorted({t.lower() for t in value} - KNOWN_TYPES)
        if unknown:
            known = sorted(KNOWN_TYPES)
            raise ValueError(f"{unknown} cannot be recognised from their bytes; known: {known}")
        return [t.lower() for t in value]


class RateSettings(Strict):
    """A token bucket: up to ``burst`` requests at once, then ``rate`` per second."""

    rate: float = Field(gt=0)
    burst: int = Field(ge=1)


class LimitSettings(Strict):
    """Input limits: the JSON body size, and rate limits for the login and publishable keys."""

    # Every JSON body but those carrying attachments (their size follows ``attachments``).
    json_body_bytes: int = Field(default=64 * 1024, ge=1024)
    # An office behind one NAT shares an address: room for a shift signing in at once.
    login_per_address: RateSettings = Field(default_factory=lambda: RateSettings(rate=1, burst=30))
    handoff_per_key: RateSettings = Field(default_factory=lambda: RateSettings(rate=5, burst=100))
    handoff_per_address: RateSettings = Field(
        default_factory=lambda: RateSettings(rate=0.5, burst=20)
    )
    # Behind a reverse proxy: the header it sets to the client's address (last entry counts).
    client_address_header: str | None = None
