"""The event store on PostgreSQL: the same log, side tables and transactions as ``sqlite``.

Selected by ``database_url`` in the settings. The interface is ``EventStore``'s, method for
method (one contract suite runs against both: tests/store/), and the side writes are the
ones ``EventStore``'s static methods build, run here with psycopg's placeholders.

Three connections: the advisory lock's (``AdvisoryLock``: held for as long as this bridge is
the leader; the server drops it when the process dies, ``kill -9`` included), the writer's
(the writer thread only) and the reader's (the event loop). A broken writer or reader
connection is opened again on its next use, so a restarted server is a few failed commits
(``storage_unavailable``), then health turns green by the writer's probe.

Fencing: the leader bumps ``leader.epoch`` when it opens the store, and every commit reads
the epoch ``FOR SHARE`` first. A bridge whose lock was taken over (its lock connection lost,
another leader since) sees another epoch and commits nothing (``not_leader``); a takeover's
bump waits for a commit in flight, so the new leader replays everything the old one committed.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg

from . import pg_schema
from .errors import NotLeader, StoreInUse, classify
from .factory import redacted
from .rows import (
    CANNED_SELECT,
    BadRow,
    OutboxEntry,
    Row,
    SideWrite,
    SideWrites,
    StoredAttachment,
    flat,
    row_of,
)
from .schema import APPLICATION_ID

_INSERT_EVENT = "INSERT INTO events VALUES (%s, %s, %s, %s, %s, %s, %s)"
_ROW_COLUMNS = "seq, at, type, version, chat_id, agent_id, payload"
_PROBE = (
    "INSERT INTO health_probe (id, at) VALUES (1, extract(epoch FROM now()))"
    " ON CONFLICT (id) DO UPDATE SET at = excluded.at"
)
LOCK_KEY = APPLICATION_ID  # one leader per database (advisory locks are per database)


def _connect(url: str, **options: Any) -> psycopg.Connection:
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=5, **options)
    except psycopg.Error as exc:
        raise classify(exc) from exc


class AdvisoryLock:
    """The leadership: ``pg_try_advisory_lock`` held on a connection of its own."""

    def __init__(self, conn: psycopg.Connection, url: str) -> None:
        self._conn = conn
        self.url = url

    @classmethod
    def try_acquire(cls, url: str) -> AdvisoryLock | None:
        """The lock if nobody holds it now, else None (a standby asks again later)."""
        conn = _connect(url, keepalives=1, keepalives_idle=5, keepalives_interval=2)
        try:
            held = conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()
        except BaseException:
            conn.close()
            raise
        if held is not None and held[0]:
            return cls(conn, url)
        conn.close()
        return None

    @classmethod
    def acquire(cls, url: str) -> AdvisoryLock:
        lock = cls.try_acquire(url)
        if lock is None:
            raise StoreInUse(
                f"{redacted(url)}: another bridge is the leader on this database;"
                " run this one as a standby (`livechat-bridge serve` waits) or stop the other"
            )
        return lock

    def alive(self) -> bool:
        """Whether the lock's connection still answers (and so the lock is still ours)."""
        try:
            self._conn.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    def release(self) -> None:
        self._conn.close()  # the server drops a session's advisory locks with it


class PostgresStore(SideWrites):
    """The log and its side tables in one PostgreSQL database (see the module docstring)."""

    def __init__(
        self,
        url: str,
        busy_timeout: float = 5.0,
        *,
        read_only: bool = False,
        lock: AdvisoryLock | None = None,
    ) -> None:
        self.url = url
        self.path = redacted(url)  # what messages name, like the SQLite file's path
        self.read_only = read_only
        self._lock_ms = int(busy_timeout * 1000)
        self._lock = lock if lock is not None or read_only else AdvisoryLock.acquire(url)
        self.epoch: int | None = None
        self._writer_conn: psycopg.Connection | None = None
        self._reader_conn: psycopg.Connection | None = None
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    def _open(self) -> None:
        conn = self._writer
        try:
            version = pg_schema.version_of(conn, self.path)
            if not self.read_only:
                pg_schema.migrate(conn, version)
                self.epoch = self._take_over(conn)
        except psycopg.Error as exc:
            raise classify(exc) from exc

    @staticmethod
    def _take_over(conn: psycopg.Connection) -> int:
        """Bump the epoch: from now on only this bridge's commits go through."""
        found = conn.execute(
            "UPDATE leader SET epoch = epoch + 1, pid = %s, since = now() WHERE id = 1"
            " RETURNING epoch",
            (os.getpid(),),
        ).fetchone()
        assert found is not None  # the base step inserts the one row
        return int(found[0])

    @property
    def _writer(self) -> psycopg.Connection:
        if self._writer_conn is None or self._writer_conn.closed:
            self._writer_conn = _connect(self.url)
            self._writer_conn.execute(f"SET lock_timeout = {self._lock_ms}")
        return self._writer_conn

    @property
    def _reader(self) -> psycopg.Connection:
        if self.read_only:
            return self._writer
        if self._reader_conn is None or self._reader_conn.closed:
            self._reader_conn = _connect(self.url)
        return self._reader_conn

    # --- writing (writer thread only) ---------------------------------------------------

    def write(self, rows: Sequence[Row], side: Sequence[SideWrite] = ()) -> None:
        """Commit rows and side writes atomically, after checking this bridge still leads."""
        try:
            conn = self._writer
            with conn.transaction():
                self._check_epoch(conn)
                with conn.cursor() as cursor:
                    if rows:
                        cursor.executemany(_INSERT_EVENT, [flat(row) for row in rows])
                    for write in side:
                        cursor.execute(_pg(write.sql), write.params)
        except psycopg.Error as exc:
            raise classify(exc) from exc

    def _check_epoch(self, conn: psycopg.Connection) -> None:
        if self.epoch is None:
            raise NotLeader("this store was opened read-only", "")
        found = conn.execute("SELECT epoch FROM leader WHERE id = 1 FOR SHARE").fetchone()
        if found is None or found[0] != self.epoch:
            raise NotLeader(
                f"another bridge took over the database (epoch {found and found[0]},"
                f" this bridge's {self.epoch})",
                "",
            )

    def probe(self) -> None:
        self.write((), [SideWrite(_PROBE, ())])

    # --- reading (event loop) ---------------------------------------------------------------

    def max_seq(self) -> int:
        return self._one("SELECT COALESCE(MAX(seq), 0) FROM events")

    def read_all(self, batch: int = 10_000) -> Iterator[Row]:
        for chunk in self._chunks(batch):
            yield from map(row_of, chunk)

    def read_checked(self, batch: int = 10_000) -> Iterator[Row | BadRow]:
        """Every row in seq order, one that cannot even be decoded as a ``BadRow`` (checks)."""
        for chunk in self._chunks(batch):
            for record in chunk:
                try:
                    yield row_of(record)
                except (ValueError, TypeError) as exc:
                    yield BadRow(record[0], str(record[2]), f"payload is not JSON ({exc})")

    def _chunks(self, batch: int) -> Iterator[list[tuple[Any, ...]]]:
        """The log in seq order, one keyset page at a time (no cursor held across yields)."""
        after = 0
        while chunk := self._all(
            f"SELECT {_ROW_COLUMNS} FROM events WHERE seq > %s ORDER BY seq LIMIT %s",
            (after, batch),
        ):
            yield chunk
            after = chunk[-1][0]

    def chat_rows(self, chat_id: str, since: int = 0) -> list[Row]:
        found = self._all(
            f"SELECT {_ROW_COLUMNS} FROM events WHERE chat_id = %s AND seq > %s ORDER BY seq",
            (chat_id, since),
        )
        return [row_of(r) for r in found]

    def rows_since(self, since: int, limit: int) -> list[Row]:
        found = self._all(
            f"SELECT {_ROW_COLUMNS} FROM events WHERE seq > %s ORDER BY seq LIMIT %s",
            (since, limit),
        )
        return [row_of(r) for r in found]

    def pending_callbacks(self, after: int = 0) -> list[OutboxEntry]:
        found = self._all(
            "SELECT id, delivery_id, chat_id, source, url, body FROM callback_outbox"
            " WHERE state = 'pending' AND id > %s ORDER BY id",
            (after,),
        )
        return [OutboxEntry(*record) for record in found]

    def failed_callbacks(self) -> list[str]:
        found = self._all(
            "SELECT delivery_id FROM callback_outbox WHERE state = 'failed' ORDER BY id"
        )
        return [record[0] for record in found]

    def idempotent_answer(self, source: str, key: str) -> tuple[Row, str | None] | None:
        found = self._all(
            "SELECT response, request_hash FROM idempotency WHERE source = %s AND key = %s",
            (source, key),
        )
        return None if not found else (json.loads(found[0][0]), found[0][1])

    def origins(self) -> Iterator[tuple[str, str, str | None]]:
        yield from self._all("SELECT chat_id, source, callback_url FROM chat_origins")

    def attachment(self, attachment_id: str) -> StoredAttachment | None:
        found = self._all(
            "SELECT id, chat_id, name, content_type, data FROM attachments WHERE id = %s",
            (attachment_id,),
        )
        return None if not found else StoredAttachment(*found[0][:4], bytes(found[0][4]))

    def rows_of_types(self, types: Sequence[str]) -> list[Row]:
        found = self._all(
            f"SELECT {_ROW_COLUMNS} FROM events WHERE type = ANY(%s) ORDER BY seq", (list(types),)
        )
        return [row_of(r) for r in found]

    def canned_responses(self) -> list[tuple[Any, ...]]:
        return self._all(CANNED_SELECT)

    def counts(self) -> dict[str, int]:
        tables = ("events", "idempotency", "chat_origins", "attachments")
        return {t: self._one(f"SELECT COUNT(*) FROM {t}") for t in tables}

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._reader.execute(sql, params).fetchall()
        except psycopg.Error as exc:
            raise classify(exc) from exc

    def _one(self, sql: str) -> int:
        return int(self._all(sql)[0][0])

    def close(self) -> None:
        for conn in (self._reader_conn, self._writer_conn):
            if conn is not None:
                conn.close()
        self._reader_conn = self._writer_conn = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None


@functools.lru_cache(maxsize=256)
def _pg(sql: str) -> str:
    """A side write's SQLite placeholders (``?``) as psycopg's (``%s``)."""
    return sql.replace("%", "%%").replace("?", "%s")
