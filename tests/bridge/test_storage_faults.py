"""A transient storage fault is answered with its cause, leaves no trace, and heals by itself.

Faults are real, not mocked: another process holding SQLite's write lock longer than the busy
timeout, and a full disk (a small tmpfs mounted for the test; skipped where mounting is not
allowed). A read-only database is checked at the classification boundary with a real
read-only connection (root ignores file modes, and a busy tmpfs cannot be remounted read-only).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bridge.app import make_app
from bridge.engine import Engine
from bridge.runtime import Bridge
from bridge.runtime.projection import Projection
from bridge.runtime.recovery import replay_log
from bridge.settings import Settings
from bridge.store import EventStore, StorageReadOnly
from bridge.store.errors import classify

from .support import bearer, bridge_of, call, hand_off, make_settings
from .test_streams import receive_until, user_stream

pytestmark = pytest.mark.sqlite_only(
    reason="SQLite's write lock, a tmpfs disk-full and the SQLite file; PostgreSQL's faults"
    " (lock timeout, read-only, lost connection) are in tests/store/test_contract.py"
)

LOCK_HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
"""


def fault_settings(db: Path) -> Settings:
    return make_settings(
        db, busy_timeout=0.2, store_probe_interval=0.05, directory_db=db.parent / "dir.db"
    )


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(make_app(settings))) as client:
        yield client


@contextlib.asynccontextmanager
async def write_lock_held(db: Path) -> AsyncIterator[None]:
    """Another process holds the database's write lock until the block ends."""
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        LOCK_HOLDER,
        str(db),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        assert await asyncio.wait_for(holder.stdout.readline(), 10) == b"locked\n"
        yield
    finally:
        holder.stdin.write(b"done\n")
        await holder.stdin.drain()
        assert await asyncio.wait_for(holder.wait(), 10) == 0


def assert_matches_log(bridge: Bridge) -> None:
    """The bridge's memory is exactly what a fresh replay of its log builds."""
    store = EventStore(bridge.store.path, read_only=True)
    engine = Engine(bridge.clock, bridge.settings.engine.to_engine())
    projection = Projection()
    try:
        assert not replay_log(store, engine, projection).problems
    finally:
        store.close()
    assert bridge.engine.snapshot() == engine.snapshot()
    assert bridge.engine.next_deadline() == engine.next_deadline()
    assert bridge.projection.chats == projection.chats
    assert bridge.runner.last_seq == bridge.store.max_seq() == bridge.committed_seq


def stored_text(db: Path) -> str:
    """Every value of every table, as one string: did a refused command leave anything?"""
    conn = sqlite3.connect(db)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return json.dumps(
            [[list(map(str, r)) for r in conn.execute(f"SELECT * FROM {t}")] for t in tables]
        )
    finally:
        conn.close()


async def post_message(client: TestClient, chat: dict[str, Any], text: str) -> Any:
    response = await client.post(
        f"/api/v1/chats/{chat['chat_id']}/messages",
        json={"text": text},
        headers=bearer(chat["user_token"]),
    )
    return response.status, await response.json()


async def healthy_again(client: TestClient, timeout: float = 5.0) -> None:
    """Poll the health route (a real signal) until it answers 200, within ``timeout``."""
    async with asyncio.timeout(timeout):
        while (await client.get("/healthz")).status != 200:
            await asyncio.sleep(0.02)


async def test_a_lock_held_past_the_busy_timeout_is_answered_503_and_heals(tmp_path: Path):
    settings = fault_settings(tmp_path / "events.db")
    async with running(settings) as client:
        bridge = bridge_of(client)
        chat = await hand_off(client)
        ws = await user_stream(client, chat)
        async with write_lock_held(settings.db_path):
            answers = await asyncio.gather(
                *(post_message(client, chat, f"refused-{n}") for n in range(4))
            )
            for status, body in answers:
                assert status == 503, body
                assert body["code"] == "storage_locked"
                assert "locked by another process" in body["detail"]
            assert (await client.get("/healthz")).status == 503
            assert_matches_log(bridge)
        await healthy_again(client)
        status, body = await post_message(client, chat, "after")
        assert status == 201, body
        got = await receive_until(ws, lambda got: "after" in json.dumps(got))
        await ws.close()
        assert "refused" not in json.dumps(got), "a refused message reached a stream"
        assert (await client.get("/healthz")).status == 200
        events = await call(
            client,
            "GET",
            f"/api/v1/chats/{chat['chat_id']}/events",
            headers=bearer(chat["user_token"]),
        )
        assert "refused" not in json.dumps(events) and "after" in json.dumps(events)
        assert_matches_log(bridge)
    assert "refused" not in stored_text(settings.db_path)


async def test_health_turns_green_by_itself_once_the_lock_is_gone(tmp_path: Path):
    settings = fault_settings(tmp_path / "events.db")
    async with running(settings) as client:
        chat = await hand_off(client)
        async with write_lock_held(settings.db_path):
            status, _ = await post_message(client, chat, "refused")
            assert status == 503
            health = await client.get("/healthz")
            assert health.status == 503
            assert (await health.json())["status"] == "failing"
            assert (await health.json())["store"] == "storage_locked"
        await healthy_again(client)  # no request has written since: the probe found it
        assert (await (await client.get("/healthz")).json())["store"] == "ok"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs of our own, so the disk can really fill up."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """Write a file until the disk has no byte left; returns it (delete it to free the disk)."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out:
        for size in (65536, 4096, 1):
            try:
                while True:
                    out.write(b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    return filler


async def test_a_full_disk_is_named_refused_without_trace_and_heals(small_disk: Path):
    settings = fault_settings(small_disk / "events.db")
    async with running(settings) as client:
        bridge = bridge_of(client)
        chat = await hand_off(client)
        filler = fill(small_disk)
        status, body = await post_message(client, chat, "refused " + "x" * 3000)
        assert status == 503, body
        assert body["code"] == "storage_full"
        assert "disk holding the event log is full" in body["detail"]
        refused = await hand_off(client, status=503, question="refused handoff")
        assert refused["code"] == "storage_full"
        assert (await client.get("/healthz")).status == 503
        assert_matches_log(bridge)
        filler.unlink()
        await healthy_again(client)
        status, body = await post_message(client, chat, "after")
        assert status == 201, body
        assert (await client.get("/healthz")).status == 200
        assert_matches_log(bridge)
        assert len(bridge.engine.chats) == 1
    assert "refused" not in stored_text(settings.db_path)


def test_a_read_only_database_is_named_as_such(tmp_path: Path):
    EventStore(tmp_path / "e.db").close()
    conn = sqlite3.connect(f"{(tmp_path / 'e.db').as_uri()}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as raised:
        conn.execute("INSERT INTO chat_origins VALUES ('c', 's', NULL)")
    conn.close()
    error = classify(raised.value)
    assert isinstance(error, StorageReadOnly) and error.code == "storage_read_only"
    assert "read-only" in str(error)


async def test_a_rebuild_that_cannot_read_the_log_keeps_refusing_until_it_can(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The one injected fault here: the log read of the rebuild fails once (an I/O error)."""
    import bridge.runtime.bridge as bridge_module

    calls: list[int] = []

    def flaky_replay(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise sqlite3.OperationalError("disk I/O error")
        return replay_log(*args, **kwargs)

    settings = fault_settings(tmp_path / "events.db")
    async with running(settings) as client:
        bridge = bridge_of(client)
        chat = await hand_off(client)
        monkeypatch.setattr(bridge_module, "replay_log", flaky_replay)
        async with write_lock_held(settings.db_path):
            status, body = await post_message(client, chat, "refused")
            assert (status, body["code"]) == (503, "storage_locked")
        assert bridge.runner.stale is not None, "the state could not be rebuilt"
        health = await client.get("/healthz")
        assert health.status == 503
        assert (await health.json())["store"] == "storage_unavailable"
        await healthy_again(client)  # the probe commits, then the rebuild is tried again
        assert len(calls) == 2 and bridge.runner.stale is None
        assert_matches_log(bridge)
        status, body = await post_message(client, chat, "after")
        assert status == 201, body
    assert "refused" not in stored_text(settings.db_path)
