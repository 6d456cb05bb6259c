"""``livechat-bridge backup`` while a bridge serves, then ``restore`` into a new store: the
restored log is the served one up to the backup's commit and replays whole, and a bridge
starts on it. A restore never overwrites a store that holds data (both halves checked)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import psycopg
import pytest
from aiohttp.test_utils import TestClient

from bridge.app import make_app
from bridge.cli import main
from bridge.engine import Engine
from bridge.runtime.recovery import replay_log
from bridge.settings import Settings
from bridge.store import EventStore
from bridge.store.postgres import PostgresStore
from tests.bridge.support import bridge_of, hand_off, make_settings
from tests.pg import PgCluster


async def serve_while(client: TestClient, argv: list[str]) -> int:
    """Run the CLI command in a thread while handoffs keep coming; returns its exit code."""
    stop = asyncio.Event()

    async def traffic() -> int:
        made = 0
        while not stop.is_set():
            await hand_off(client)
            made += 1
        return made

    load = asyncio.create_task(traffic())
    await hand_off(client)
    code = await asyncio.to_thread(main, argv)
    stop.set()
    assert await load > 0, "nothing was handed off while the backup ran"
    return code


def check_restored(restored: Any, live: Any, settings: Settings) -> int:
    """The restored rows are the live log's first rows exactly, and replay without a problem."""
    rows = list(restored.read_all())
    assert rows, "the backup holds no rows"
    assert rows == live.rows_since(0, len(rows))
    engine = Engine(lambda: 0.0, settings.engine.to_engine())
    replayed = replay_log(restored, engine)
    assert replayed.problems == []
    assert len(engine.chats) == restored.counts()["chat_origins"] > 0
    return rows[-1]["seq"]


async def started_on(aiohttp_client: Any, settings: Settings) -> int:
    client = await aiohttp_client(make_app(settings))
    response = await client.get("/healthz")
    assert response.status == 200
    return (await response.json())["seq"]


async def test_sqlite_backup_while_serving_restores_the_same_log(
    aiohttp_client: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(tmp_path / "events.db")
    client = await aiohttp_client(make_app(settings))
    out, new = tmp_path / "backup.db", tmp_path / "restored" / "events.db"
    assert (
        await serve_while(client, ["backup", "--db", str(settings.db_path), "--out", str(out)]) == 0
    )
    assert main(["restore", "--from", str(out), "--db", str(new)]) == 0
    restored = EventStore(new, read_only=True)
    try:
        last = check_restored(restored, bridge_of(client).store, settings)
    finally:
        restored.close()
    assert not out.with_name(out.name + ".partial").exists()
    assert await started_on(aiohttp_client, make_settings(new)) == last

    before = new.read_bytes()
    capsys.readouterr()
    assert main(["restore", "--from", str(out), "--db", str(new)]) == 2
    assert "error (restore_target_not_empty)" in capsys.readouterr().err
    assert new.read_bytes() == before


async def test_a_backup_of_what_is_no_store_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all, just bytes" * 10)
    assert main(["backup", "--db", str(junk), "--out", str(tmp_path / "b.db")]) == 2
    assert "error (not_a_store)" in capsys.readouterr().err
    assert not (tmp_path / "b.db").exists()


async def test_postgres_backup_while_serving_restores_the_same_log(
    aiohttp_client: Any,
    tmp_path: Path,
    pg_url: str,
    pg_cluster: PgCluster,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = make_settings(tmp_path / "unused.db", database_url=pg_url)
    client = await aiohttp_client(make_app(settings))
    out, target = tmp_path / "backup.pgdump", pg_cluster.create_database()
    assert await serve_while(client, ["backup", "--database-url", pg_url, "--out", str(out)]) == 0
    assert main(["restore", "--from", str(out), "--database-url", target]) == 0
    restored = PostgresStore(target, read_only=True)
    try:
        last = check_restored(restored, bridge_of(client).store, settings)
    finally:
        restored.close()
    assert (
        await started_on(aiohttp_client, make_settings(tmp_path / "u.db", database_url=target))
        == last
    )

    with psycopg.connect(target) as conn:
        before = conn.execute("SELECT COUNT(*), MAX(seq) FROM events").fetchone()
    capsys.readouterr()
    assert main(["restore", "--from", str(out), "--database-url", target]) == 2
    assert "error (restore_target_not_empty)" in capsys.readouterr().err
    with psycopg.connect(target) as conn:
        assert conn.execute("SELECT COUNT(*), MAX(seq) FROM events").fetchone() == before
