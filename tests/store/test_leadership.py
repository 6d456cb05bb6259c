"""Leadership on a real PostgreSQL server: a standby waits for the lock and gets it once the
leader's session ends; a leader whose lock connection is killed notices; PostgreSQL's errors
get the storage fault codes SQLite's get."""

from __future__ import annotations

import asyncio

import psycopg
import psycopg.errors as pg
import pytest

from bridge.runtime.leadership import wait_for_lead, watch
from bridge.store.errors import classify
from bridge.store.postgres import AdvisoryLock, PostgresStore


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (pg.DiskFull("could not extend file: No space left on device"), "storage_full"),
        (pg.LockNotAvailable("canceling statement due to lock timeout"), "storage_locked"),
        (pg.ReadOnlySqlTransaction("cannot execute INSERT in a read-only"), "storage_read_only"),
        (pg.ConnectionFailure("server closed the connection"), "storage_unavailable"),
        (pg.AdminShutdown("terminating connection due to administrator"), "storage_unavailable"),
        (psycopg.OperationalError("the connection is closed"), "storage_unavailable"),
        (pg.UniqueViolation('duplicate key value violates "events_pkey"'), "commit_conflict"),
    ],
)
def test_postgres_errors_are_named_like_sqlite_ones(error: Exception, code: str) -> None:
    failed = classify(error)
    assert failed.code == code
    assert str(error) in str(failed) and "nothing was saved" in str(failed)


async def test_a_standby_gets_the_lead_once_the_leader_is_gone(pg_url: str) -> None:
    leader = PostgresStore(pg_url)
    standing_by = asyncio.Event()

    async def on_standby() -> None:
        standing_by.set()

    waiting = asyncio.create_task(wait_for_lead(pg_url, 0.05, on_standby))
    async with asyncio.timeout(10):
        await standing_by.wait()
    assert not waiting.done(), "the lock is held: the standby must wait"
    leader.close()  # its session ends, and the lock with it
    async with asyncio.timeout(10):
        lock = await waiting
    try:
        store = PostgresStore(pg_url, lock=lock)
        assert store.epoch == 2, "the new leader has a new epoch"
        store.close()
    finally:
        lock.release()


async def test_a_leader_whose_lock_connection_dies_notices(pg_url: str) -> None:
    lock = AdvisoryLock.acquire(pg_url)
    lost = asyncio.Event()
    watcher = asyncio.create_task(watch(lock, lost.set, interval=0.05))
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    async with asyncio.timeout(10):
        await lost.wait()
    await watcher
    again = AdvisoryLock.try_acquire(pg_url)
    assert again is not None, "the server dropped the old lock"
    again.release()
    lock.release()
