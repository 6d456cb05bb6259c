"""The event store: an append-only SQLite log (WAL) plus the side tables written with it.

The ``events`` table is the contract the reports package reads. Idempotency answers, chat
origins and attachment bytes live in side tables so that one transaction holds a handoff's
events and everything needed to answer its retry: a crash leaves all of them or none. The
callback outbox is written the same way: a committed row's callbacks exist exactly when the
row does, and stay ``pending`` until delivered (deleted) or given up (``failed``).

Two connections: the writer's (used only from the writer thread) and a reader's (used on the
event loop; WAL lets it read while the writer commits). The tables and their versions are in
``schema``; a failed commit raises the ``StoreFailed`` of ``errors`` that names its cause.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from bridge.jsonfast import loads

from . import schema
from .errors import NotAStore, classify
from .lock import StoreLock
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

__all__ = ["BadRow", "EventStore", "OutboxEntry", "Row", "SideWrite", "StoredAttachment"]

_ROW_COLUMNS = "seq, at, type, version, chat_id, agent_id, payload"
# Rows per INSERT statement: one statement per chunk, not one per row (each statement is a
# hand-off of the GIL between the writer thread and the loop). 64 rows x 7 columns stays far
# under SQLite's limit on bound parameters.
_CHUNK = 64


@functools.lru_cache(maxsize=_CHUNK)
def _insert_events(count: int) -> str:
    """``INSERT INTO events VALUES (?, ...), ...`` for ``count`` rows (cached per count)."""
    return "INSERT INTO events VALUES " + ", ".join(["(?, ?, ?, ?, ?, ?, ?)"] * count)


def _values(rows: Sequence[Row]) -> list[Any]:
    return [value for row in rows for value in flat(row)]


class EventStore(SideWrites):
    """The log and its side tables; ``read_only`` opens it for inspection (no lock, no writes).

    Opening refuses what is not a livechat store (see ``schema``), takes the one-bridge lock
    before anything is created, and brings an older schema up to date. A new store is made
    only where no file exists.
    """

    def __init__(
        self,
        path: Path | str,
        synchronous: str = "NORMAL",
        busy_timeout: float = 5.0,
        *,
        read_only: bool = False,
    ) -> None:
        self.path = Path(path).resolve()
        self.read_only = read_only
        self._busy_ms = int(busy_timeout * 1000)
        self._lock: StoreLock | None = None
        if read_only and not self.path.exists():
            raise NotAStore(f"{self.path}: no such file")
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock = StoreLock(self.path)
        try:
            self._open(synchronous)
        except BaseException:
            self._release()
            raise

    def _open(self, synchronous: str) -> None:
        if self.path.exists():
            schema.check_file(self.path)
        else:
            try:
                schema.create(self.path)
            except sqlite3.OperationalError as exc:  # a full disk, already at the start
                raise classify(exc) from exc
        self._writer = self._connect(check_same_thread=False)
        try:
            version = schema.version_of(self._writer, self.path)  # before anything is written
            if not self.read_only:
                self._prepare(version)
            # Read-only: nothing writes, so the one connection reads too.
            self._reader = self._writer if self.read_only else self._connect(check_same_thread=True)
            for conn in {self._writer, self._reader}:
                conn.execute(f"PRAGMA synchronous={'FULL' if synchronous == 'FULL' else 'NORMAL'}")
        except BaseException:
            self._writer.close()
            raise

    def _prepare(self, version: int) -> None:
        """Migrate and switch to WAL; a full disk or a lock here is named like a commit's."""
        try:
            schema.migrate(self._writer, version)
            self._writer.execute("PRAGMA journal_mode=WAL")  # kept in the file
        except sqlite3.OperationalError as exc:
            raise classify(exc) from exc

    def _connect(self, *, check_same_thread: bool) -> sqlite3.Connection:
        target = f"{self.path.as_uri()}?mode=ro" if self.read_only else str(self.path)
        conn = sqlite3.connect(
            target,
            uri=self.read_only,
            isolation_level=None,
            check_same_thread=check_same_thread,
        )
        conn.execute(f"PRAGMA busy_timeout={self._busy_ms}")  # reads nothing from the file
        return conn

    # --- writing (writer thread only) ---------------------------------------------------

    def write(self, rows: Sequence[Row], side: Sequence[SideWrite] = ()) -> None:
        """Commit rows and side writes atomically: all of them or, on any error, none.

        Raises ``StoreFailed`` naming the cause (full, locked, read-only). Rows alone that fit
        one ``INSERT`` are that one statement, its own transaction; else ``BEGIN IMMEDIATE``
        takes the write lock up front, under the busy timeout. SQLite may already have rolled
        back on its own (a full disk does), and a second ROLLBACK must not hide the cause.
        """
        conn = self._writer
        try:
            if not side and len(rows) <= _CHUNK:  # one statement: its own transaction
                if rows:
                    conn.execute(_insert_events(len(rows)), _values(rows))
                return
            conn.execute("BEGIN IMMEDIATE")
            for start in range(0, len(rows), _CHUNK):
                chunk = rows[start : start + _CHUNK]
                conn.execute(_insert_events(len(chunk)), _values(chunk))
            for write in side:
                conn.execute(write.sql, write.params)
            conn.execute("COMMIT")
        except Exception as exc:
            _roll_back(conn)
            raise classify(exc) from exc
        except BaseException:
            _roll_back(conn)
            raise

    def probe(self) -> None:
        """Write (and keep) one small row: can the store take commits again?"""
        sql = "INSERT OR REPLACE INTO health_probe (id, at) VALUES (1, julianday('now'))"
        self.write((), [SideWrite(sql, ())])

    # --- reading (event loop) ---------------------------------------------------------------

    def max_seq(self) -> int:
        return self._reader.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]

    def read_all(self, batch: int = 10_000) -> Iterator[Row]:
        cursor = self._reader.execute(f"SELECT {_ROW_COLUMNS} FROM events ORDER BY seq")
        while chunk := cursor.fetchmany(batch):
            yield from map(row_of, chunk)

    def read_checked(self, batch: int = 10_000) -> Iterator[Row | BadRow]:
        """Every row in seq order, one that cannot even be decoded as a ``BadRow`` (checks)."""
        cursor = self._reader.execute(f"SELECT {_ROW_COLUMNS} FROM events ORDER BY seq")
        while chunk := cursor.fetchmany(batch):
            for record in chunk:
                try:
                    yield row_of(record)
                except (ValueError, TypeError) as exc:
                    yield BadRow(record[0], str(record[2]), f"payload is not JSON ({exc})")

    def chat_rows(self, chat_id: str, since: int = 0) -> list[Row]:
        cursor = self._reader.execute(
            f"SELECT {_ROW_COLUMNS} FROM events WHERE chat_id = ? AND seq > ? ORDER BY seq",
            (chat_id, since),
        )
        return [row_of(r) for r in cursor]

    def rows_since(self, since: int, limit: int) -> list[Row]:
        cursor = self._reader.execute(
            f"SELECT {_ROW_COLUMNS} FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (since, limit)
        )
        return [row_of(r) for r in cursor]

    def pending_callbacks(self, after: int = 0) -> list[OutboxEntry]:
        """Unsettled callbacks with an id above ``after``, in the order they were committed."""
        cursor = self._reader.execute(
            "SELECT id, delivery_id, chat_id, source, url, body FROM callback_outbox"
            " WHERE state = 'pending' AND id > ? ORDER BY id",
            (after,),
        )
        return [OutboxEntry(*record) for record in cursor]

    def failed_callbacks(self) -> list[str]:
        """Delivery ids given up on (an operator's view; never retried)."""
        cursor = self._reader.execute(
            "SELECT delivery_id FROM callback_outbox WHERE state = 'failed' ORDER BY id"
        )
        return [record[0] for record in cursor]

    def idempotent_answer(self, source: str, key: str) -> tuple[Row, str | None] | None:
        """The kept answer and its request's hash (None for rows kept before hashes were)."""
        found = self._reader.execute(
            "SELECT response, request_hash FROM idempotency WHERE source = ? AND key = ?",
            (source, key),
        ).fetchone()
        return None if found is None else (loads(found[0]), found[1])

    def origins(self) -> Iterator[tuple[str, str, str | None]]:
        yield from self._reader.execute("SELECT chat_id, source, callback_url FROM chat_origins")

    def attachment(self, attachment_id: str) -> StoredAttachment | None:
        found = self._reader.execute(
            "SELECT id, chat_id, name, content_type, data FROM attachments WHERE id = ?",
            (attachment_id,),
        ).fetchone()
        return None if found is None else StoredAttachment(*found)

    def rows_of_types(self, types: Sequence[str]) -> list[Row]:
        """Every row of these types in seq order: one scan in SQLite, not a decode of the log
        (a follower that needs a few rare types on start, the transcript mailer's requests)."""
        marks = ", ".join("?" * len(types))
        cursor = self._reader.execute(
            f"SELECT {_ROW_COLUMNS} FROM events WHERE type IN ({marks}) ORDER BY seq", tuple(types)
        )
        return [row_of(r) for r in cursor]

    def canned_responses(self) -> list[tuple[Any, ...]]:
        """Every canned response as a tuple of ``rows.CANNED_COLUMNS`` (the bridge caches them)."""
        return self._reader.execute(CANNED_SELECT).fetchall()

    def counts(self) -> dict[str, int]:
        tables = ("events", "idempotency", "chat_origins", "attachments")
        return {t: self._reader.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}

    def close(self) -> None:
        self._reader.close()
        if self._writer is not self._reader:
            self._writer.close()
        self._release()

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None


def _roll_back(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):  # unusable: the next BEGIN will say why
            conn.execute("ROLLBACK")
