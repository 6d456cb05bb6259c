from __future__ import annotations

import json
import re
import subprocess
import typing
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from bridge.settings import Settings, demo_config, demo_settings, resolve_secret


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "name, text",
    [
        ("c.yaml", "port: 9001\nengine:\n  auto_accept: false\n"),
        ("c.toml", "port = 9001\n[engine]\nauto_accept = false\n"),
        ("c.json", json.dumps({"port": 9001, "engine": {"auto_accept": False}})),
    ],
)
def test_a_config_file_of_any_format_sets_values(tmp_path: Path, name: str, text: str):
    settings = Settings(config_file=write(tmp_path / name, text))
    assert settings.port == 9001
    assert settings.engine.auto_accept is False
    assert settings.host == "127.0.0.1", "unset values keep their defaults"


def test_env_beats_the_file_and_arguments_beat_env(tmp_path: Path, monkeypatch):
    path = write(tmp_path / "c.yaml", "port: 9001\nsynchronous: NORMAL\n")
    monkeypatch.setenv("LIVECHAT_PORT", "9002")
    monkeypatch.setenv("LIVECHAT_ENGINE__POLICY", "least_busy")
    assert Settings(config_file=path).port == 9002
    assert Settings(config_file=path).engine.policy == "least_busy"
    assert Settings(config_file=path, port=9003).port == 9003


def test_defaults_are_the_documented_ones():
    settings = Settings()
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.db_path == Path("var/livechat.db")
    assert settings.synchronous == "NORMAL"


def test_invalid_settings_are_refused_with_the_field_named(tmp_path: Path):
    with pytest.raises(ValidationError, match="synchronous"):
        Settings(synchronous="OFF")
    with pytest.raises(ValidationError, match="policy"):
        Settings(engine={"policy": "random"})
    with pytest.raises(ValidationError, match="unknown_option"):
        Settings(config_file=write(tmp_path / "c.yaml", "unknown_option: 1\n"))


def test_queue_settings_become_engine_queue_rules():
    settings = Settings(
        engine={
            "queues": {
                "Acme/GENERAL": {
                    "max_wait": 60,
                    "max_wait_overflow": "Acme/NETWORK",
                    "hours": {"timezone": "Europe/Paris", "weekly": {"mon": [["08:00", "18:00"]]}},
                }
            }
        }
    )
    rules = settings.engine.to_engine().queues["Acme/GENERAL"]
    assert rules.max_wait == 60 and rules.max_wait_overflow == "Acme/NETWORK"
    assert rules.hours is not None and rules.hours.timezone == "Europe/Paris"


def test_the_demo_has_two_companies_three_queues_and_three_agents():
    settings = demo_settings()
    assert set(settings.engine.queues) == {
        f"{c}/{q}"
        for c in ("Calbro Services", "Petramco")
        for q in ("GENERAL", "NETWORK", "HARDWARE")
    }
    users = {u.username: u for u in settings.demo_users}
    assert set(users) == {"alice", "bob", "carol"}
    assert "Supervisor" in users["carol"].profile.roles
    assert any(s.publishable for s in settings.sources)
    assert demo_settings(port=1234).port == 1234
    assert demo_config()["engine"]["auto_accept"] is False


def test_the_demo_layer_yields_to_environment_variables(monkeypatch):
    monkeypatch.setenv("LIVECHAT_ENGINE__AUTO_ACCEPT", "true")
    settings = demo_settings()
    assert settings.engine.auto_accept is True
    assert len(settings.engine.queues) == 6, "a nested override keeps the rest of the demo"


def test_a_generated_secret_is_persisted_once(tmp_path: Path):
    settings = Settings(db_path=tmp_path / "d" / "x.db")
    first = resolve_secret(settings)
    assert resolve_secret(settings) == first and len(first) > 40
    assert settings.secret_path.read_text() == first
    assert resolve_secret(Settings(db_path=tmp_path / "x.db", secret="given")) == "given"


# --- issue 12.9 and 19.7: one reading of config files, mistakes as file:line, a shipped example

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "bridge.example.yaml"


def test_unquoted_clock_times_and_unit_durations_read_as_in_scenario_files(tmp_path: Path):
    from bridge.settings import load_settings

    path = write(
        tmp_path / "bridge.yaml",
        "engine:\n  agent_gone_grace: 2m\n  queues:\n    Acme/GENERAL:\n      max_wait: 1.5h\n"
        "      hours: {weekly: {mon: [[8:00, 18:00]]}}\ntoken_ttl: 8h\n",
    )
    settings = load_settings(config_file=path)
    queue = settings.engine.queues["Acme/GENERAL"]
    assert settings.engine.agent_gone_grace == 120 and queue.max_wait == 5400
    assert settings.token_ttl == 8 * 3600
    assert queue.hours is not None and queue.hours.weekly["mon"] == [("8:00", "18:00")]
    monday_0830_utc = 1704097800.0  # 2024-01-01 08:30Z
    assert queue.hours.to_engine().is_open(monday_0830_utc)


BAD_CONFIG = """\
port: 99999
engine:
  polcy: longest_idle
  agent_gone_grace: soon
  queues:
    Acme/GENERAL:
      hours: {weekly: {mon: [["08:00", "25:00"]]}}
"""


def test_every_config_mistake_is_named_with_its_file_line_and_field(tmp_path: Path):
    from bridge.config_files import ConfigFileError
    from bridge.settings import load_settings

    path = write(tmp_path / "bridge.yaml", BAD_CONFIG)
    with pytest.raises(ConfigFileError) as caught:
        load_settings(config_file=path)
    lines = sorted(str(caught.value).splitlines())
    assert [line.split(": ", 2)[:2] for line in lines] == [
        [f"{path}:1", "port"],
        [f"{path}:3", "engine.polcy"],
        [f"{path}:4", "engine.agent_gone_grace"],
        [f"{path}:7", "engine.queues['Acme/GENERAL'].hours"],
    ]
    assert "'25:00' is not a time of day" in lines[3]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("port: [1,\n", ":2: not valid YAML"),
        ("- just\n- a list\n", ":1: the file must hold a mapping"),
    ],
)
def test_an_unreadable_config_file_is_one_line(tmp_path: Path, text: str, expected: str):
    from bridge.config_files import ConfigFileError
    from bridge.settings import load_settings

    path = write(tmp_path / "bridge.yaml", text)
    with pytest.raises(ConfigFileError, match=re.escape(f"{path}{expected}")):
        load_settings(config_file=path)


def test_serve_with_a_bad_config_exits_2_with_the_lines_and_creates_nothing(tmp_path: Path):
    path = write(tmp_path / "bridge.yaml", BAD_CONFIG + f"db_path: {tmp_path / 'e.db'}\n")
    done = subprocess.run(
        [str(REPO / ".venv/bin/livechat-bridge"), "serve", "--config", str(path)],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"{path}:4: engine.agent_gone_grace: 'soon' is not a duration" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bridge.yaml"]


def test_a_missing_config_file_exits_2(tmp_path: Path, capsys):
    from bridge.cli import main

    assert main(["serve", "--config", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml: cannot read the file" in capsys.readouterr().err


def _fields(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every setting as a dotted path, through nested models, lists and dicts of models."""
    paths = []
    for name, field in model.model_fields.items():
        paths.append(prefix + name)
        for inner in _models_in(field.annotation):
            paths += _fields(inner, f"{prefix}{name}.")
    return paths


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def _documented(data: Any, path: list[str]) -> bool:
    """The path is set in the example (through the first item of a list, any key of a dict)."""
    if not path:
        return True
    if isinstance(data, list):
        return any(_documented(item, path) for item in data)
    if not isinstance(data, dict):
        return False
    if path[0] in data:
        return _documented(data[path[0]], path[1:])
    return any(isinstance(v, dict) and _documented(v, path) for v in data.values())


def with_optional_sections(tmp_path: Path) -> Path:
    """The example with its switched-off sections (lines starting ``#~ ``) switched on."""
    text = re.sub(r"^#~ ", "", EXAMPLE.read_text(), flags=re.M)
    return write(tmp_path / "bridge.example.yaml", text)


def test_the_example_config_sets_and_explains_every_setting(tmp_path: Path):
    from bridge.config_files import read_mapping

    enabled = with_optional_sections(tmp_path)
    data, _ = read_mapping(enabled)
    text = enabled.read_text()
    paths = [p for p in _fields(Settings) if p != "config_file"]
    missing = [p for p in paths if not _documented(data, p.split("."))]
    assert not missing, f"bridge.example.yaml does not show: {missing}"
    for key in {p.rsplit(".", 1)[-1] for p in _fields(Settings)} - {"config_file"}:
        assert re.search(rf"^\s*(- )?{key}:.*#|^\s*# .*\b{key}\b", text, re.M), f"{key} unexplained"


def test_the_example_config_is_valid_as_shipped():
    from bridge.settings import load_settings

    settings = load_settings(config_file=EXAMPLE)
    assert settings.port == 8080 and settings.sources
    assert settings.oidc is None  # shipped off: no button to a made-up provider


def test_the_example_config_is_valid_with_its_optional_sections_on(tmp_path: Path):
    from bridge.settings import load_settings

    settings = load_settings(config_file=with_optional_sections(tmp_path))
    assert settings.oidc is not None and settings.oidc.client_id == "livechat-console"


def test_a_key_given_twice_is_refused_instead_of_silently_overridden(tmp_path: Path):
    from bridge.config_files import ConfigFileError
    from bridge.settings import load_settings

    path = write(tmp_path / "bridge.yaml", "engine:\n  auto_accept: true\n  auto_accept: false\n")
    with pytest.raises(ConfigFileError) as caught:
        load_settings(config_file=path)
    assert str(caught.value) == f"{path}:3: engine.auto_accept: given twice (first on line 2)"


def test_bridge_settings_names_every_section_it_holds_though_they_live_by_concern():
    """The sections live in modules of their own (engine, routing, security, conversation...);
    code and tests import them from ``bridge.settings``, which must keep naming each one."""
    import bridge.settings as module

    fields = [*Settings.model_fields.values(), *module.EngineSettings.model_fields.values()]
    fields += module.DemoUser.model_fields.values()
    queue_own = set(module.QueueSettings.model_fields) - set(module.QueueRouting.model_fields)
    fields += [module.QueueSettings.model_fields[name] for name in queue_own]
    held = {model for field in fields for model in _models_in(field.annotation)}
    missing = sorted(m.__name__ for m in held if getattr(module, m.__name__, None) is not m)
    assert not missing, f"bridge.settings does not name {missing}"
    assert [name for name in module.__all__ if not hasattr(module, name)] == []
