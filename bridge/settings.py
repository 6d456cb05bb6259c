"""Bridge configuration: one pydantic-settings model, read from a file plus ``LIVECHAT_*`` env.

Precedence, highest first: keyword arguments (the CLI's flags), environment variables
(``LIVECHAT_PORT=9000``, nested with ``__``: ``LIVECHAT_ENGINE__AUTO_ACCEPT=false``), the config
file given as ``config_file`` (YAML, TOML or JSON by suffix), then the defaults. Nothing is read
at import time: every caller builds its own ``Settings``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from bridge.config_files import (
    ConfigFileError,
    Duration,
    Positive,
    read_mapping,
    validation_issues,
)
from bridge.conversation_settings import MailSettings, ScreenShareSettings
from bridge.engine import BusinessHours, EngineConfig, QueueConfig, policy_named
from bridge.engine.config import AGENT_GONE_GRACE, AGENT_LEASE
from bridge.engine.core import SOURCES
from bridge.engine.ewt import estimators_named
from bridge.feedback_settings import OfflineSettings, SurveySettings, TypingSettings
from bridge.filetypes import KNOWN_TYPES
from bridge.oidc_settings import OidcSettings
from bridge.platform_settings import BotFrameworkSettings, DialogflowSettings
from bridge.routing_settings import QueueRouting, RoutingSettings, Skills, known_levels
from bridge.supervision_settings import SupervisionSettings
from bridge.webhooks import TargetPolicy, signing_key
from bridge.workspace.tickets import TicketStatusSettings

SourceKind = Literal["self_service", "virtual_agent"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


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

    @field_validator("skills")
    @classmethod
    def _known_levels(cls, value: dict[str, int]) -> dict[str, int]:
        return known_levels(value)


class DemoUser(Strict):
    """A login for POST /api/v1/login; demo only, the password is kept as written."""

    username: str
    password: SecretStr
    profile: AgentProfile


class HoursSettings(Strict):
    """Weekly spans ``{"mon": [["08:00", "18:00"]]}`` in a time zone; a day left out is closed."""

    timezone: str = "UTC"
    weekly: dict[str, list[tuple[str, str]]] = Field(default_factory=dict)
    holidays: list[date] = Field(default_factory=list)

    @model_validator(mode="after")
    def _valid_hours(self) -> Self:
        """Refuse a bad zone, day or span now, not when the bridge starts."""
        self.to_engine()
        return self

    def to_engine(self) -> BusinessHours:
        try:
            return BusinessHours(self.timezone, dict(self.weekly), set(self.holidays))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"invalid business hours: {exc}") from exc


class QueueSettings(QueueRouting):
    """A queue's rules; skills, priority, weight, relax and wrap_up come from ``QueueRouting``."""

    max_wait: Positive | None = None
    max_wait_overflow: str | None = None
    hours: HoursSettings | None = None
    closed_overflow: str | None = None
    inactivity_warn_after: Positive | None = None
    inactivity_close_after: Positive | None = None
    # Closed or no agent: take a message that becomes a ticket (bridge only; not routing).
    offline: OfflineSettings = Field(default_factory=OfflineSettings)

    @model_validator(mode="after")
    def _no_dead_rules(self) -> Self:
        self.to_engine().check("this queue")
        return self

    def to_engine(self) -> QueueConfig:
        return QueueConfig(
            self.max_wait,
            self.max_wait_overflow,
            None if self.hours is None else self.hours.to_engine(),
            self.closed_overflow,
            self.inactivity_warn_after,
            self.inactivity_close_after,
            **self.routing_fields(),
        )


class EngineSettings(Strict):
    auto_accept: bool = True
    policy: str = "longest_idle"
    default_capacity: int = Field(default=1, ge=1)
    max_capacity: int = Field(default=10, ge=1)
    # Seconds a disconnected agent keeps their chats (null: forever, which strands chats).
    agent_gone_grace: Duration | None = AGENT_GONE_GRACE
    # Seconds one POST /api/v1/agent/heartbeat keeps an agent without an open stream there.
    agent_lease: Positive = AGENT_LEASE
    agent_gone_queue: str | None = None
    # Keys are "Company/QUEUE".
    queues: dict[str, QueueSettings] = Field(default_factory=dict)
    strict_queues: bool = False
    # EWT estimators by name: the first is what users and bots are told, all are recorded.
    estimators: list[str] = Field(
        default_factory=lambda: ["recent_history", "queue_state"], min_length=1
    )
    # Load tests only (livechat-sim drive --speed): engine time runs this many times faster
    # than the wall clock (bridge.runtime.clock). 1 in production.
    clock_speed: float = Field(default=1.0, gt=0, le=1000, allow_inf_nan=False)
    # Skills, priorities, presence states, offers and retrials (bridge.routing_settings).
    routing: RoutingSettings = Field(default_factory=RoutingSettings)

    @field_validator("policy")
    @classmethod
    def _known_policy(cls, value: str) -> str:
        policy_named(value)
        return value

    @field_validator("estimators")
    @classmethod
    def _known_estimators(cls, value: list[str]) -> list[str]:
        estimators_named(value)
        return value

    @model_validator(mode="after")
    def _known_targets(self) -> Self:
        """With strict queues, a rule may only send chats to a configured queue."""
        self.to_engine().check()
        return self

    def to_engine(self) -> EngineConfig:
        return EngineConfig(
            auto_accept=self.auto_accept,
            policy=policy_named(self.policy),
            default_capacity=self.default_capacity,
            manual_capacity=self.max_capacity,
            agent_gone_grace=self.agent_gone_grace,
            agent_lease=self.agent_lease,
            agent_gone_queue=self.agent_gone_queue,
            queues={key: q.to_engine() for key, q in self.queues.items()},
            strict_queues=self.strict_queues,
            estimators=estimators_named(self.estimators),
            **self.routing.engine_fields(),
        )


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


class CallbackSettings(Strict):
    attempts: int = Field(default=6, ge=1)
    first_delay: Positive = 0.5
    max_delay: Positive = 30.0
    timeout: Positive = 10.0
    concurrency: int = Field(default=16, ge=1)


class TracingSettings(Strict):
    """OpenTelemetry tracing (the ``livechat[otel]`` extra); off by default, and while off
    nothing of OpenTelemetry is imported."""

    enabled: bool = False
    exporter: Literal["otlp", "console"] = "otlp"
    # OTLP over HTTP; unset: the exporter's own default (OTEL_EXPORTER_OTLP_* or localhost:4318).
    endpoint: str | None = None
    service_name: str = "livechat-bridge"


class DashboardSettings(Strict):
    """The supervisor dashboard: service-level target, the day's time zone, push rate."""

    service_level_target: Positive = 60.0
    timezone: str = "UTC"
    push_interval: Positive = 1.0

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LIVECHAT_", env_nested_delimiter="__", extra="forbid"
    )

    config_file: Path | None = None
    db_path: Path = Path("var/livechat.db")
    # A PostgreSQL event store instead of the SQLite file (postgresql://user:pw@host/db);
    # several bridges may share it: one leads, the others stand by (see bridge.runtime.leadership).
    database_url: str | None = Field(default=None, pattern=r"^postgres(ql)?://")
    # How often a standby tries to take the leadership over (seconds).
    standby_poll_interval: float = Field(default=0.5, gt=0)
    # The workspace directory (customers, tickets, articles); default: beside the event log.
    directory_db: Path | None = None
    ticket_statuses: TicketStatusSettings = Field(default_factory=TicketStatusSettings)
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    # HS256 key for agent and user tokens; generated and kept beside the DB when unset.
    secret: SecretStr | None = None
    synchronous: Literal["NORMAL", "FULL"] = "NORMAL"
    # How long a commit waits for another process's write lock before answering storage_locked.
    busy_timeout: float = Field(default=5.0, ge=0)
    # While commits fail, how often the writer probes the store to turn health green again.
    store_probe_interval: float = Field(default=1.0, gt=0)
    token_ttl: Positive = 12 * 3600
    sources: list[SourceSettings] = Field(default_factory=list)
    demo_users: list[DemoUser] = Field(default_factory=list)
    engine: EngineSettings = Field(default_factory=EngineSettings)
    attachments: AttachmentSettings = Field(default_factory=AttachmentSettings)
    callbacks: CallbackSettings = Field(default_factory=CallbackSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    dashboard: DashboardSettings = Field(default_factory=DashboardSettings)
    supervision: SupervisionSettings = Field(default_factory=SupervisionSettings)
    botframework: BotFrameworkSettings = Field(default_factory=BotFrameworkSettings)
    dialogflow: DialogflowSettings = Field(default_factory=DialogflowSettings)
    # Single sign-on for agents (OpenID Connect); none: demo logins and CLI tokens only.
    oidc: OidcSettings | None = None
    tracing: TracingSettings = Field(default_factory=TracingSettings)
    # Transcripts by email (issue 16): the SMTP server; host null: email off.
    mail: MailSettings = Field(default_factory=MailSettings)
    screen_share: ScreenShareSettings = Field(default_factory=ScreenShareSettings)
    typing: TypingSettings = Field(default_factory=TypingSettings)
    survey: SurveySettings = Field(default_factory=SurveySettings)
    # Ephemeral position/EWT pushes to a waiting user: at most one per this many seconds.
    queue_update_interval: Positive = 3.0
    # Most rows an agent stream replays on resume; older gaps are not replayed.
    agent_backlog_limit: int = Field(default=10_000, ge=0)
    access_log: bool = False
    shutdown_timeout: Positive = 5.0

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments beat env, env beats the file named by ``config_file`` (arg or env)."""
        path = None
        if isinstance(init_settings, InitSettingsSource):
            path = init_settings.init_kwargs.get("config_file")
        path = path or os.environ.get("LIVECHAT_CONFIG_FILE")
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if path:
            sources.append(InitSettingsSource(settings_cls, read_config_file(Path(path))))
        return tuple(sources)

    @model_validator(mode="after")
    def _adapters_act_for_known_sources(self) -> Self:
        """``botframework.source``/``dialogflow.source`` naming no source: a config error now."""
        names = {source.name for source in self.sources}
        for section in (self.botframework, self.dialogflow):
            if section.source is not None and section.source not in names:
                raise ValueError(f"adapter source {section.source!r} is not a configured source")
        return self

    @property
    def directory_path(self) -> Path:
        return self.directory_db or self.db_path.with_name("directory.db")

    @property
    def secret_path(self) -> Path:
        return self.db_path.with_name(self.db_path.stem + ".secret")


def read_config_file(path: Path) -> dict[str, Any]:
    """A YAML, TOML or JSON mapping, chosen by the file's suffix (:mod:`bridge.config_files`)."""
    return read_mapping(path)[0]


def load_settings(factory: Callable[..., Settings] | None = None, **overrides: Any) -> Settings:
    """``factory(**overrides)`` (default :class:`Settings`), or a :class:`ConfigFileError`
    naming ``file:line: field: reason`` for every mistake, the way the CLI reports them."""
    try:
        return (factory or Settings)(**overrides)
    except ValidationError as exc:
        path = overrides.get("config_file") or os.environ.get("LIVECHAT_CONFIG_FILE")
        root = read_mapping(Path(path))[1] if path else None
        source = str(path) if path else "settings (LIVECHAT_* environment, flags)"
        raise ConfigFileError(source, validation_issues(exc, root)) from None


def resolve_secret(settings: Settings) -> str:
    """The signing key: configured, or read from (first created in) a 0600 file beside the DB.

    Persisted so that tokens stay valid across restarts without anyone configuring a secret.
    """
    if settings.secret is not None:
        return settings.secret.get_secret_value()
    path = settings.secret_path
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)
    return value


_CALBRO, _PETRAMCO = "Calbro Services", "Petramco"
_QUEUES = ("GENERAL", "NETWORK", "HARDWARE")


def _demo_user(
    username: str,
    first: str,
    last: str,
    queues: list[str],
    roles: tuple[str, ...] = ("IT Agent",),
    skills: dict[str, int] | None = None,
) -> dict[str, Any]:
    profile = {
        "agent_id": username,
        "first_name": first,
        "last_name": last,
        "queues": queues,
        "roles": list(roles),
        "skills": skills or {},
    }
    return {"username": username, "password": f"{username}-demo", "profile": profile}


def demo_config() -> dict[str, Any]:
    """The built-in demo: two companies, three queues each, three agents, two source keys."""
    queues: dict[str, Any] = {f"{c}/{q}": {} for c in (_CALBRO, _PETRAMCO) for q in _QUEUES}
    for company in (_CALBRO, _PETRAMCO):
        queues[f"{company}/NETWORK"] = {"max_wait": 600, "max_wait_overflow": f"{company}/GENERAL"}
    # With no agent there, Calbro's hardware desk takes messages as work orders (issue 16).
    queues[f"{_CALBRO}/HARDWARE"] = {"offline": {"accept_messages": True, "ticket": "work_order"}}
    return {
        "engine": {
            "auto_accept": False,
            "queues": queues,
            "strict_queues": True,
            "agent_gone_grace": 120,
            # Issue 13, to try: a German handoff (context.language "de") needs Bob's German,
            # an "outage" intent jumps the queue; agents' skills are in their profiles below.
            "routing": {
                "context_rules": [
                    {"field": "language", "value": "de", "skills": {"german": 2}},
                    {"field": "intent", "value": "outage", "priority": 5},
                ]
            },
        },
        # Development only: the demo bot authenticates with its X-API-Key, not a Bot
        # Connector token, and gets answers without one. Real deployments leave auth on.
        "botframework": {"auth": False},
        "sources": [
            {
                "name": "demo-bot",
                "api_key": "demo-source-key",
                "callback_secret": "demo-callback-secret",
                # The demo's bot runs on this machine; a real source lists its own hosts.
                "callback_allow": ["localhost", "127.0.0.1"],
                "allow_private_callbacks": True,
            },
            {
                "name": "web",
                "api_key": "demo-web-key",
                "kinds": ["self_service"],
                "publishable": True,
            },
        ],
        "demo_users": [
            _demo_user(
                "alice",
                "Alice",
                "Adams",
                [f"{_CALBRO}/GENERAL", f"{_CALBRO}/NETWORK"],
                skills={"network": 4, "english": 5},
            ),
            _demo_user(
                "bob",
                "Bob",
                "Brown",
                [f"{_CALBRO}/GENERAL", f"{_CALBRO}/HARDWARE", f"{_PETRAMCO}/GENERAL"],
                skills={"hardware": 4, "german": 3, "english": 3},
            ),
            _demo_user(
                "carol",
                "Carol",
                "Chen",
                [f"{c}/{q}" for c in (_CALBRO, _PETRAMCO) for q in _QUEUES],
                roles=("IT Agent", "Supervisor"),
                skills={"network": 2, "hardware": 2, "english": 5, "german": 1},
            ),
        ],
    }


def demo_settings(**overrides: Any) -> Settings:
    """The demo config as the lowest layer: env and explicit arguments still win over it."""
    explicit = Settings(**overrides).model_dump(exclude_unset=True)
    return Settings(**_deep_merge(demo_config(), explicit))


def _deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
