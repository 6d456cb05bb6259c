"""The store contract on each store, and what only one of them has (PostgreSQL's fencing,
its schema version table, the SQLSTATEs it maps to the storage fault codes)."""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bridge.store import (
    EventStore,
    NotAStore,
    NotLeader,
    StorageReadOnly,
    StoreFailed,
    StoreTooNew,
    pg_schema,
)
from bridge.store.postgres import AdvisoryLock, PostgresStore

from .contract import Opener, StoreContract, row


class TestSqliteStore(StoreContract):
    @pytest.fixture
    def open_store(self, tmp_path: Path) -> Opener:
        def opener(busy_timeout: float = 5.0, read_only: bool = False) -> EventStore:
            return EventStore(
                tmp_path / "events.db", busy_timeout=busy_timeout, read_only=read_only
            )

        return opener

    @contextlib.contextmanager
    def write_lock(self, store: Any) -> Iterator[None]:
        other = sqlite3.connect(store.path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()


class TestPostgresStore(StoreContract):
    @pytest.fixture
    def open_store(self, pg_url: str) -> Opener:
        def opener(busy_timeout: float = 5.0, read_only: bool = False) -> PostgresStore:
            return PostgresStore(pg_url, busy_timeout, read_only=read_only)

        return opener

    @contextlib.contextmanager
    def write_lock(self, store: Any) -> Iterator[None]:
        with psycopg.connect(store.url) as other:  # a transaction until the block ends
            other.execute("LOCK TABLE events IN EXCLUSIVE MODE")
            yield

    def test_the_schema_version_is_recorded(self, store: PostgresStore) -> None:
        with psycopg.connect(store.url) as conn:
            assert conn.execute("SELECT version FROM schema_version").fetchall() == [
                (pg_schema.LATEST,)
            ]

    def test_a_store_written_by_a_newer_bridge_is_refused(self, pg_url: str) -> None:
        PostgresStore(pg_url).close()
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("UPDATE schema_version SET version = version + 1")
        with pytest.raises(StoreTooNew):
            PostgresStore(pg_url)

    def test_another_applications_events_table_is_refused_and_left_alone(self, pg_url: str) -> None:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("CREATE TABLE events (id int)")
        with pytest.raises(NotAStore, match="without a livechat schema_version"):
            PostgresStore(pg_url)
        with psycopg.connect(pg_url) as conn:
            tables = conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
            ).fetchall()
        assert tables == [("events",)]

    def test_a_bridge_that_lost_the_lead_commits_nothing(self, pg_url: str) -> None:
        old = PostgresStore(pg_url)
        old.write([row(1)])
        old._lock.release()  # its lock connection is gone (a partition, a server restart)
        new = PostgresStore(pg_url)
        try:
            with pytest.raises(NotLeader) as caught:
                old.write([row(2)])
            assert caught.value.code == "not_leader"
            new.write([row(2, "c2")])
            assert [(r["seq"], r["chat_id"]) for r in new.read_all()] == [(1, "c1"), (2, "c2")]
        finally:
            old.close()
            new.close()

    def test_a_standby_does_not_get_the_lock_until_the_leader_is_gone(self, pg_url: str) -> None:
        leader = PostgresStore(pg_url)
        assert AdvisoryLock.try_acquire(pg_url) is None
        leader.close()
        # The server drops the lock when the leader's session has ended, a moment after the
        # client closed it: ask again, as a standby's poll does, up to a deadline.
        deadline = time.monotonic() + 10
        while (lock := AdvisoryLock.try_acquire(pg_url)) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert lock is not None and lock.alive()
        store = PostgresStore(pg_url, lock=lock)
        store.write([row(1)])
        store.close()
        assert not lock.alive()

    def test_a_read_only_database_answers_storage_read_only(self, pg_url: str) -> None:
        store = PostgresStore(pg_url)
        try:
            with psycopg.connect(pg_url, autocommit=True) as conn:
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                             " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                             " AND query NOT LIKE '%%advisory%%'")  # fmt: skip
                conn.execute(f'ALTER DATABASE "{conn.info.dbname}"'
                             " SET default_transaction_read_only = on")  # fmt: skip
            first = _failure(store)  # the killed connection, then the read-only one
            assert first.code in {"storage_unavailable", "storage_read_only"}
            with pytest.raises(StorageReadOnly):
                store.write([row(1)])
        finally:
            store.close()

    def test_a_lost_connection_is_storage_unavailable_then_reconnects(self, pg_url: str) -> None:
        store = PostgresStore(pg_url)
        try:
            store.write([row(1)])
            with psycopg.connect(pg_url, autocommit=True) as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    " AND query NOT LIKE %s",
                    ("%advisory%",),
                )
            failed = _failure(store)
            assert failed.code == "storage_unavailable"
            store.write([row(2)])
            assert store.max_seq() == 2
        finally:
            store.close()


def _failure(store: PostgresStore) -> StoreFailed:
    with pytest.raises(StoreFailed) as caught:
        store.write([row(99)])
    return caught.value
