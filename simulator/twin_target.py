"""What ``livechat-sim drive`` needs to know about the bridge it plays a scenario against.

The driver reads the bridge's own config file (the one it was started with): the signing key
mints the simulated agents' tokens (as ``livechat-bridge token`` does), the sources' API keys
hand chats over as each stream's source kind, and the engine section says whether agents
accept by themselves and how fast the bridge's clock runs. Every mismatch with the scenario is
refused before anything is sent, with a sentence saying what to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bridge.settings import Settings, load_settings

from .errors import DriveError
from .scenario import Scenario, queue_keys


@dataclass(frozen=True, slots=True)
class BridgeTarget:
    """A running bridge as the driver sees it: where, how to sign, which keys, which clock."""

    url: str
    secret: str
    keys: dict[str, str]  # source kind (self_service, virtual_agent) -> API key
    auto_accept: bool
    speed: float  # engine seconds per wall second (engine.clock_speed)
    queues: frozenset[str] | None  # the configured queue keys when the bridge is strict


def bridge_url(text: str) -> str:
    """``http(s)://host[:port]`` without a trailing slash; anything else is refused."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DriveError(
            f"--bridge must be an http(s) URL such as http://127.0.0.1:8080, not {text!r}"
        )
    return text.rstrip("/")


def target_of(url: str, config: Path, speed: float | None = None) -> BridgeTarget:
    """The target from the bridge's config file; ``speed`` must match its clock if given."""
    settings = load_settings(config_file=config)
    clock = settings.engine.clock_speed
    if speed is not None and speed != clock:
        raise DriveError(
            f"--speed {speed:g} but the bridge's engine.clock_speed is {clock:g} in {config}: "
            "start the bridge with the speed you drive at (or leave --speed out)"
        )
    keys: dict[str, str] = {}
    for source in settings.sources:
        for kind in source.kinds:
            if source.allows(kind):
                keys.setdefault(kind, source.api_key.get_secret_value())
    rules = settings.engine  # the bridge's engine settings, not an engine
    strict = frozenset(rules.queues) if rules.strict_queues else None
    return BridgeTarget(bridge_url(url), _secret(settings, config), keys, rules.auto_accept,
                        clock, strict)  # fmt: skip


def _secret(settings: Settings, config: Path) -> str:
    """The configured secret, or the one the bridge generated beside its DB (never a new one)."""
    if settings.secret is not None:
        return settings.secret.get_secret_value()
    path = settings.secret_path
    if not path.is_file():
        raise DriveError(
            f"no signing key: {config} sets no secret and {path} does not exist (start the "
            "bridge once, or set secret in the config)"
        )
    return path.read_text(encoding="utf-8").strip()


def check_fits(scenario: Scenario, target: BridgeTarget) -> None:
    """The scenario can run on this bridge as configured; else one DriveError listing why."""
    problems = []
    if scenario.manual == target.auto_accept:
        want = "manual" if scenario.manual else "auto"
        problems.append(
            f"the scenario's routing.accept is {want} but the bridge's engine.auto_accept is "
            f"{str(target.auto_accept).lower()}"
        )
    for kind in sorted({s.source for s in scenario.streams} - set(target.keys)):
        problems.append(f"no source in the bridge's config may hand chats over as {kind}")
    if target.queues is not None:
        for key in sorted(set(queue_keys(scenario)) - target.queues):
            problems.append(f"the bridge has strict queues and no queue {key!r}")
    if problems:
        raise DriveError("the scenario does not fit the bridge: " + "; ".join(problems))
