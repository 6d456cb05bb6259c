from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

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
