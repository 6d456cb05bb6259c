"""A bridge refuses to start, with a clear message, on a database it must not serve.

A log with rows it cannot replay (every bad row listed with its seq), a database another bridge
is serving, and a file that is not a livechat store (empty, foreign, not SQLite) are refused;
the `serve` command exits 2 with the message and `replay` lists the rows without a traceback.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bridge.app import make_app
from bridge.cli import main
from bridge.settings import Settings
from bridge.store import EventStore, LogDamaged, NotAStore, StoreInUse, StoreTooNew
from bridge.store.schema import APPLICATION_ID, LATEST

from .support import bearer, call, hand_off, make_settings

pytestmark = pytest.mark.sqlite_only(
    reason="the SQLite file, its flock and its header; PostgreSQL's start checks are in"
    " tests/store/test_contract.py, a second bridge there stands by (test_failover.py)"
)

BAD_ROWS = (
    (900, "NoSuchEvent", "{}"),
    (901, "MessagePosted", "not json"),
    (902, "ChatAssigned", '{"no_such_field": 1}'),
)


async def start(settings: Settings) -> TestClient:
    client = TestClient(TestServer(make_app(settings)))
    try:
        await client.start_server()
    except BaseException:
        await client.close()
        raise
    return client


def serve(db: Path) -> subprocess.CompletedProcess[str]:
    """``livechat-bridge serve`` as an operator runs it (bounded: a start that hangs fails)."""
    return subprocess.run(
        [sys.executable, "-m", "bridge.cli", "serve", "--db", str(db), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "LIVECHAT_SECRET": "s" * 40},
    )


async def logged_chat(settings: Settings) -> dict:
    async with TestClient(TestServer(make_app(settings))) as client:
        return await hand_off(client)


def add_bad_rows(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        for seq, kind, payload in BAD_ROWS:
            conn.execute(
                "INSERT INTO events VALUES (?, 1.0, ?, 1, 'c-bad', NULL, ?)", (seq, kind, payload)
            )
    conn.close()


async def test_a_log_with_bad_rows_refuses_to_start_and_lists_every_one(settings: Settings):
    await logged_chat(settings)
    add_bad_rows(settings.db_path)
    with pytest.raises(LogDamaged) as refused:
        await start(settings)
    message = str(refused.value)
    assert "3 row(s) of the event log cannot be replayed" in message
    for seq, kind, _ in BAD_ROWS:
        assert f"seq {seq} ({kind})" in message
    assert "unknown event type 'NoSuchEvent'" in message and "not JSON" in message
    EventStore(settings.db_path).close()  # the refusal let go of the one-bridge lock


async def test_replay_lists_every_bad_row_and_serve_refuses_with_exit_2(settings: Settings, capsys):
    await logged_chat(settings)
    add_bad_rows(settings.db_path)
    capsys.readouterr()
    assert main(["replay", "--db", str(settings.db_path)]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["rows"] >= 4
    assert [p.split(" (")[0] for p in report["problems"]] == [f"seq {s}" for s, _, _ in BAD_ROWS]
    done = serve(settings.db_path)
    assert done.returncode == 2, done.stderr
    assert "error (log_damaged)" in done.stderr and "seq 901 (MessagePosted)" in done.stderr
    assert "Traceback" not in done.stderr


async def test_a_second_bridge_on_the_same_database_refuses_and_the_first_serves_on(
    settings: Settings,
):
    first = await start(settings)
    try:
        with pytest.raises(
            StoreInUse, match=r"another bridge \(pid \d+\) is serving this database"
        ):
            await start(settings)
        done = serve(settings.db_path)
        assert done.returncode == 2, done.stderr
        assert "error (store_in_use)" in done.stderr and "Traceback" not in done.stderr
        chat = await hand_off(first)
        await call(
            first, "GET", f"/api/v1/chats/{chat['chat_id']}", headers=bearer(chat["user_token"])
        )
    finally:
        await first.close()
    second = await start(settings)  # the lock went with the first bridge
    await second.close()


def foreign_sqlite(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO users VALUES (1, 'ann')")
    conn.close()


def other_application(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA application_id = 1234")
        conn.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY)")
    conn.close()


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda db: db.write_bytes(b""), "the file is empty"),
        (lambda db: db.write_text("seq,type\n1,ChatOpened\n" * 50), "not an SQLite database"),
        (foreign_sqlite, "its tables are users"),
        (other_application, "another application (application_id 0x4d2)"),
    ],
    ids=["empty", "text", "foreign-sqlite", "other-application"],
)
async def test_a_file_that_is_not_a_livechat_store_is_refused_and_left_as_it_was(
    tmp_path: Path, make, reason: str, capsys
):
    db = tmp_path / "events.db"
    make(db)
    before = db.read_bytes()
    with pytest.raises(NotAStore, match=re.escape(reason)):
        await start(make_settings(db))
    assert db.read_bytes() == before
    assert not (tmp_path / "events.db-wal").exists()
    assert main(["replay", "--db", str(db)]) == 1
    assert reason in json.loads(capsys.readouterr().out)["problems"][0]
    done = serve(db)
    assert done.returncode == 2 and "error (not_a_store)" in done.stderr, done.stderr
    assert db.read_bytes() == before


async def test_a_log_from_before_the_version_mark_is_adopted_and_migrated(settings: Settings):
    chat = await logged_chat(settings)
    with sqlite3.connect(settings.db_path) as conn:  # make it look like an unversioned log
        conn.execute("PRAGMA application_id = 0")
        conn.execute("PRAGMA user_version = 0")
        conn.execute("ALTER TABLE idempotency DROP COLUMN request_hash")
        conn.execute("DROP TABLE health_probe")
    conn.close()
    async with TestClient(TestServer(make_app(settings))) as client:
        await call(
            client, "GET", f"/api/v1/chats/{chat['chat_id']}", headers=bearer(chat["user_token"])
        )
    conn = sqlite3.connect(settings.db_path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
    assert "request_hash" in [c[1] for c in conn.execute("PRAGMA table_info(idempotency)")]
    conn.close()


async def test_a_store_written_by_a_newer_bridge_is_refused(settings: Settings):
    await logged_chat(settings)
    with sqlite3.connect(settings.db_path) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST + 1}")
    conn.close()
    with pytest.raises(StoreTooNew, match="written by a newer bridge"):
        await start(settings)


def test_a_new_store_is_created_only_where_no_file_is(tmp_path: Path):
    db = tmp_path / "sub" / "events.db"
    EventStore(db).close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    assert not (tmp_path / "sub" / "events.db.new").exists()
