from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bridge.app import make_app
from bridge.cli import main
from bridge.runtime import TokenSigner
from bridge.settings import Settings

from .support import hand_off


def test_token_prints_an_agent_token_signed_with_the_dbs_secret(tmp_path: Path, capsys):
    db = tmp_path / "e.db"
    assert (
        main(
            [
                "token",
                "--db",
                str(db),
                "--agent",
                "dana",
                "--first",
                "Dana",
                "--last",
                "Diaz",
                "--queues",
                "Acme/GENERAL, Acme/NETWORK",
                "--roles",
                "IT Agent,Supervisor",
            ]
        )
        == 0
    )
    token = capsys.readouterr().out.strip()
    secret = Settings(db_path=db).secret_path.read_text()
    claims = TokenSigner(secret, 60).agent(token)
    assert claims.agent_id == "dana"
    assert claims.queues == ("Acme/GENERAL", "Acme/NETWORK")
    assert claims.roles == ("IT Agent", "Supervisor")
    assert claims.permissions == ("ESChat_Agent",)


async def test_replay_checks_a_log_and_counts_what_it_holds(settings: Settings, capsys):
    async with TestClient(TestServer(make_app(settings))) as client:
        await hand_off(client)
        await hand_off(client, headers={"Idempotency-Key": "k"})
    capsys.readouterr()  # drop the app's own log lines
    store = ["--db", str(settings.db_path)]
    if settings.database_url is not None:  # --store postgres
        store = ["--database-url", settings.database_url]
    assert main(["replay", *store]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    assert report["chats"] == {"queued": 2}
    assert report["types"]["ChatOpened"] == 2
    assert report["tables"]["idempotency"] == 1


def test_replay_reports_rows_it_cannot_read(tmp_path: Path, capsys):
    db = tmp_path / "bad.db"
    from bridge.store import EventStore

    EventStore(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO events VALUES (1, 0, 'NoSuchEvent', 1, 'c', NULL, '{}')")
    assert main(["replay", "--db", str(db)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and "NoSuchEvent" in report["problems"][0]
    assert main(["replay", "--db", str(tmp_path / "missing.db")]) == 1


def test_a_command_is_required():
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2


# --- issue 19.7 and 19.10: the shipped example config serves; --help is fast by what it imports

HEAVY = ("pandas", "numpy", "faker", "pyarrow", "scipy", "simpy", "matplotlib", "dask")


def _imported_by(code: str) -> list[str]:
    """Heavy modules a fresh interpreter holds after running ``code``."""
    report = f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    probe = f"{code}\nimport json, sys\n{report}"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def test_help_imports_neither_pandas_nor_faker():
    code = "from bridge.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    assert _imported_by(code) == []


def test_a_served_app_imports_no_simulator_or_report_dependency():
    """What `pip install livechat` (no extras) serves: the dashboard counts without pandas."""
    assert _imported_by("import bridge.app, bridge.settings") == []


def test_serve_with_the_example_config_answers_healthz(tmp_path: Path):
    from tests.processes import REPO, env_with, free_port, serving

    port = free_port()
    command = [str(REPO / ".venv/bin/livechat-bridge"), "serve", "--config",
               str(REPO / "bridge.example.yaml"), "--port", str(port)]  # fmt: skip
    with serving(command, f"http://127.0.0.1:{port}", cwd=tmp_path, env=env_with()) as answer:
        assert answer["status"] == "ok"
    assert (tmp_path / "var" / "livechat.db").is_file(), "db_path of the example, from the cwd"
