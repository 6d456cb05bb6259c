"""The twin, proven (issue 14.5): a scenario driven against a real bridge process, its SQLite
log calibrated and simulated, and the simulated KPIs checked to contain the live ones.

``livechat-sim drive`` plays the shipped ``twin-desk`` scenario (two hours of both source
kinds, patience, user messages, cancels after an agent joined, transfers to a second queue,
six agents) at 120x against ``livechat-bridge serve`` with the shipped ``bridge.loadtest.yaml``
(``engine.clock_speed: 120``). Every command here is the CLI a planner would type.
"""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
import yaml

from bridge.engine.events import (
    AgentSignedIn,
    AgentSignedOut,
    ChatAssigned,
    ChatCancelled,
    ChatOpened,
    ChatTransferred,
    MessagePosted,
)
from reports.log import load
from tests.processes import REPO, VENV_BIN, env_with, free_port, serving

pytestmark = pytest.mark.slow

SPEED = 120
SCENARIO = (REPO / "scenarios" / "twin-desk.yaml").read_text()


def bridge_config(folder: Path, port: int) -> Path:
    """The shipped load-test config (clock_speed 120), on this test's port and store."""
    config = yaml.safe_load((REPO / "bridge.loadtest.yaml").read_text())
    assert config["engine"]["clock_speed"] == SPEED
    config.update(db_path=str(folder / "live.db"), port=port)
    path = folder / "bridge.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = args[0]
    return subprocess.run(
        [str(VENV_BIN / command), *args[1:]],
        cwd=cwd, env=env_with(), capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def healthz(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/healthz", timeout=5) as answer:
        return json.loads(answer.read())


@pytest.fixture(scope="module")
def twin(tmp_path_factory) -> dict:
    """Drive the scenario against a real bridge; the bridge is stopped before the tests read."""
    folder = tmp_path_factory.mktemp("twin")
    (folder / "twin.yaml").write_text(SCENARIO)
    manual = SCENARIO.replace("seed: 5\n", "seed: 5\nrouting: {accept: manual}\n")
    (folder / "manual.yaml").write_text(manual)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    config = bridge_config(folder, port)
    command = [str(VENV_BIN / "livechat-bridge"), "serve", "--config", str(config)]
    with serving(command, url, cwd=folder, env=env_with()):
        refused = cli("livechat-sim", "drive", "manual.yaml", "--bridge", url, "--config",
                      str(config), cwd=folder)  # fmt: skip
        after_refusal = healthz(url)
        drove = cli("livechat-sim", "drive", "twin.yaml", "--bridge", url, "--config",
                    str(config), cwd=folder)  # fmt: skip
    assert drove.returncode == 0, drove.stderr
    return {"folder": folder, "db": folder / "live.db", "refused": refused,
            "after_refusal": after_refusal, "drove": drove}  # fmt: skip


def test_a_scenario_that_does_not_fit_the_bridge_is_refused_and_sends_nothing(twin):
    refused = twin["refused"]
    assert refused.returncode == 2
    assert "error (drive_refused): the scenario does not fit the bridge" in refused.stderr
    assert "routing.accept is manual but the bridge's engine.auto_accept is true" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert twin["after_refusal"]["seq"] == 0 and twin["after_refusal"]["chats"] == 0


def test_the_drive_plays_users_and_agents_through_the_real_apis(twin):
    log = load(twin["db"])
    kind = log["type"].astype(str)
    opened = log[kind == ChatOpened.__name__]
    assert set(opened["source"].astype(str)) == {"self_service", "virtual_agent"}
    assert 100 < len(opened) < 220  # 75 per hour for two hours
    cancelled = log[kind == ChatCancelled.__name__]
    assert cancelled["agent_id"].isna().any() and cancelled["agent_id"].notna().any()
    assert (kind == ChatTransferred.__name__).sum() >= 3
    posted = log[kind == MessagePosted.__name__]
    senders = {json.loads(p)["sender"] for p in posted["payload"].dropna()}
    assert senders == {"user", "agent"}  # users write, agents greet
    agents = set(log.loc[kind == AgentSignedIn.__name__, "agent_id"].astype(str))
    assert agents == {f"desk-{i:03d}" for i in range(1, 7)}
    assert set(log.loc[kind == AgentSignedOut.__name__, "agent_id"].astype(str)) == agents
    # Engine time ran at 120x: two hours and twenty minutes of log in about 70 wall seconds.
    span = log["at"].max() - log["at"].min()
    assert 8400 * 0.97 < span < 8400 * 1.1
    assert "Drove " in twin["drove"].stdout and "at 120x" in twin["drove"].stdout


def test_the_live_run_matches_the_simulated_replication_of_the_same_seed(twin):
    """Same seed, same chats: what differs is only what the bridge did (HTTP round trips)."""
    folder = twin["folder"]
    assert cli("livechat-sim", "run", "twin.yaml", "--out", "same", cwd=folder).returncode == 0
    done = cli("livechat-report", "compare", "same/events.parquet", str(twin["db"]), "--out",
               "cmp-same", "--align", "start", cwd=folder)  # fmt: skip
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(folder / "cmp-same" / "compare_overall.csv").set_index("kpi")
    sim, live = table["a"], table["b"]
    assert live["volume"] == sim["volume"]
    for count in ("served", "cancelled_waiting", "transferred"):
        assert abs(live[count] - sim[count]) <= 2, count
    assert live["handle_mean"] == pytest.approx(sim["handle_mean"], rel=0.03)
    assert live["wait_mean"] == pytest.approx(sim["wait_mean"], rel=0.25, abs=3)
    assert live["occupancy"] == pytest.approx(sim["occupancy"], abs=0.03)


def test_the_calibrated_simulation_contains_the_live_kpis_within_its_intervals(twin):
    folder = twin["folder"]
    done = cli("livechat-sim", "calibrate", str(twin["db"]), "--out", "calibrated.yaml",
               "--interval", "30m", cwd=folder)  # fmt: skip
    assert done.returncode == 0, done.stderr
    run = cli("livechat-sim", "run", "calibrated.yaml", "-n", "10", "--seed", "100", "--out",
              "calibrated", cwd=folder)  # fmt: skip
    assert run.returncode == 0, run.stderr
    done = cli("livechat-report", "compare", "calibrated", str(twin["db"]), "--out", "cmp",
               cwd=folder)  # fmt: skip
    assert done.returncode == 0, done.stderr
    check = pd.read_csv(folder / "cmp" / "compare_coverage_overall.csv").set_index("kpi")
    for kpi in ("service_level", "abandonment", "wait_mean", "occupancy"):
        row = check.loc[kpi]
        assert row["runs"] == 10
        assert row["inside"], (
            f"{kpi}: live {row['live']:.3f} outside {row['pi_low']:.3f}..{row['pi_high']:.3f}"
        )
    html = (folder / "cmp" / "compare.html").read_text()
    assert (
        "Inside the simulation&#39;s interval?" in html
        or "Inside the simulation's interval?" in html
    )


def test_drive_against_no_bridge_or_a_bad_url_is_a_clear_error(tmp_path: Path):
    (tmp_path / "twin.yaml").write_text(SCENARIO)
    config = bridge_config(tmp_path, free_port())
    url = f"http://127.0.0.1:{free_port()}"
    done = cli("livechat-sim", "drive", "twin.yaml", "--bridge", url, "--config", str(config),
               cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    assert f"error (bridge_unreachable): no bridge answers at {url}" in done.stderr
    bad = cli("livechat-sim", "drive", "twin.yaml", "--bridge", "ftp://example.com",
              "--config", str(config), cwd=tmp_path)  # fmt: skip
    assert bad.returncode == 2
    assert "--bridge must be an http(s) URL such as http://127.0.0.1:8080" in bad.stderr
    speed = cli("livechat-sim", "drive", "twin.yaml", "--bridge", url, "--config", str(config),
                "--speed", "10", cwd=tmp_path)  # fmt: skip
    assert speed.returncode == 2 and "engine.clock_speed is 120" in speed.stderr
    for result in (done, bad, speed):
        assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bridge.yaml", "twin.yaml"]


def test_with_manual_accept_the_agents_click_accept_on_what_their_stream_shows(tmp_path: Path):
    """Forty minutes of the desk with manual accept and a pickup delay, against a bridge
    without auto-accept: every chat an agent got, it accepted through the agent API."""
    manual = SCENARIO.replace("seed: 5\n", "seed: 5\nrouting: {accept: manual}\n")
    manual = manual.replace("horizon: 2h", "horizon: 40m").replace("cooldown: 20m", "cooldown: 10m")
    manual = manual.replace(
        "    capacity: 1\n", "    capacity: 1\n    pickup_delay: {dist: exponential, mean: 10s}\n"
    )
    (tmp_path / "manual.yaml").write_text(manual)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    config = bridge_config(tmp_path, port)
    settings = yaml.safe_load(config.read_text())
    settings["engine"]["auto_accept"] = False
    config.write_text(yaml.safe_dump(settings))
    command = [str(VENV_BIN / "livechat-bridge"), "serve", "--config", str(config)]
    with serving(command, url, cwd=tmp_path, env=env_with()):
        drove = cli("livechat-sim", "drive", "manual.yaml", "--bridge", url, "--config",
                    str(config), cwd=tmp_path)  # fmt: skip
    assert drove.returncode == 0, drove.stderr
    log = load(tmp_path / "live.db")
    assigned = log[log["type"].astype(str) == ChatAssigned.__name__]
    assert len(assigned) >= 20 and set(assigned["how"].astype(str)) == {"manual"}
    assert cli("livechat-sim", "run", "manual.yaml", "--out", "same", cwd=tmp_path).returncode == 0
    same = load(tmp_path / "same" / "events.parquet")
    opened = (log["type"].astype(str) == ChatOpened.__name__).sum()
    assert opened == (same["type"].astype(str) == ChatOpened.__name__).sum()  # the same chats
    simulated = (same["type"].astype(str) == ChatAssigned.__name__).sum()
    assert abs(len(assigned) - simulated) <= max(3, 0.1 * simulated)
