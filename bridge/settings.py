"""Bridge configuration: one pydantic-settings model, read from a file plus ``LIVECHAT_*`` env.

Precedence, highest first: keyword arguments (the CLI's flags), environment variables
(``LIVECHAT_PORT=9000``, nested with ``__``: ``LIVECHAT_ENGINE__AUTO_ACCEPT=false``), the config
file given as ``config_file`` (YAML, TOML or JSON by suffix), then the defaults. Nothing is read
at import time: every caller builds its own ``Settings``.

``Settings`` holds one section of each; the sections live beside this module by concern
(``engine_settings``, ``routing_settings``, ``security_settings``, ``conversation_settings``,
``feedback_settings``, ``platform_settings``, ``oidc_settings``, ``supervision_settings``) and
the demo in ``demo_config``. Every section class is importable from here too.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from bridge.config_files import ConfigFileError, Positive, Strict, read_mapping, validation_issues
from bridge.conversation_settings import MailSettings, ScreenShareSettings
from bridge.demo_config import deep_merge, demo_config
from bridge.engine_settings import EngineSettings, HoursSettings, QueueSettings
from bridge.feedback_settings import OfflineSettings, SurveySettings, TypingSettings
from bridge.oidc_settings import OidcSettings
from bridge.platform_settings import BotFrameworkSettings, DialogflowSettings
from bridge.routing_settings import QueueRouting, RoutingSettings, Skills, SourceKind
from bridge.security_settings import (
    AgentProfile,
    AttachmentSettings,
    DemoUser,
    LimitSettings,
    RateSettings,
    SourceSettings,
)
from bridge.supervision_settings import SupervisionSettings
from bridge.workspace.tickets import TicketStatusSettings

__all__ = [
    "AgentProfile",
    "AttachmentSettings",
    "BotFrameworkSettings",
    "CallbackSettings",
    "DashboardSettings",
    "DemoUser",
    "DialogflowSettings",
    "EngineSettings",
    "HoursSettings",
    "LimitSettings",
    "MailSettings",
    "OfflineSettings",
    "OidcSettings",
    "QueueRouting",
    "QueueSettings",
    "RateSettings",
    "RoutingSettings",
    "ScreenShareSettings",
    "Settings",
    "Skills",
    "SourceKind",
    "SourceSettings",
    "Strict",
    "SupervisionSettings",
    "SurveySettings",
    "TicketStatusSettings",
    "TracingSettings",
    "TypingSettings",
    "demo_config",
    "demo_settings",
    "load_settings",
    "read_config_file",
    "resolve_secret",
]


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


def demo_settings(**overrides: Any) -> Settings:
    """The demo config as the lowest layer: env and explicit arguments still win over it."""
    explicit = Settings(**overrides).model_dump(exclude_unset=True)
    return Settings(**deep_merge(demo_config(), explicit))
