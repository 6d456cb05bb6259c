"""The ``oidc:`` settings: single sign-on for agents with the company's OpenID Connect provider.

Kept beside ``bridge.settings`` (which only names the section) so that file stays small. The
mapping runs one way, from the provider's groups to what the bridge grants: every group the
ID token lists adds its roles, permissions and queues, and an agent is let in only when the
union holds the IT Agent role and the ESChat_Agent permission (``bridge.engine.model``).
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from bridge.config_files import Positive, Strict
from bridge.routing_settings import Skills


class OidcGrant(Strict):
    """What one provider group grants."""

    roles: list[str] = Field(default_factory=list)
    permissions: list[str] = Field(default_factory=list)
    queues: list[str] = Field(default_factory=list)
    # Skill -> level this group grants (issue 13); of several groups, the highest level counts.
    skills: Skills = Field(default_factory=dict)


class OidcClaims(Strict):
    """Which ID token claims carry the profile; a dotted name reaches into nested objects
    (Keycloak's ``realm_access.roles``). A missing name claim leaves the name empty."""

    agent_id: str = "preferred_username"
    first_name: str = "given_name"
    last_name: str = "family_name"
    groups: str = "groups"


class OidcSettings(Strict):
    # The label of the console's button: "Sign in with <name>".
    name: str = Field(default="single sign-on", min_length=1, max_length=80)
    # Compared exactly with the discovery document's and every ID token's ``iss``.
    issuer: str = Field(pattern=r"^https?://\S+$")
    client_id: str = Field(min_length=1)
    # Set for a confidential client; it never leaves the bridge (the bridge redeems the code).
    client_secret: SecretStr | None = None
    # Default: {issuer}/.well-known/openid-configuration.
    discovery_url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    scopes: list[str] = Field(default_factory=lambda: ["openid", "profile", "email"])
    claims: OidcClaims = Field(default_factory=OidcClaims)
    # Provider group name -> what it grants (see the module docstring).
    groups: dict[str, OidcGrant] = Field(default_factory=dict)
    # Lifetime of the bridge's agent token issued on sign-in; default: the bridge's token_ttl.
    session_ttl: Positive | None = None
    # Clock skew allowed on exp/iat/nbf, and how long fetched signing keys are kept.
    leeway: float = Field(default=30.0, ge=0, le=300)
    jwks_cache: Positive = 300.0
    # Timeout of each call to the provider (discovery, token endpoint, JWKS).
    timeout: Positive = 10.0

    @property
    def metadata_url(self) -> str:
        return self.discovery_url or self.issuer.rstrip("/") + "/.well-known/openid-configuration"
