from __future__ import annotations

import json
import sqlite3
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
    assert main(["replay", "--db", str(settings.db_path)]) == 0
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
