"""The event store: an append-only SQLite log (WAL) plus the side tables written with it.

The ``events`` table is the contract the reports package reads. Idempotency answers, chat
origins and attachment bytes live in side tables so that one transaction holds a handoff's
events and everything needed to answer its retry: a crash leaves all of them or none. The
callback outbox is written the same way: a committed row's callbacks exist exactly when the
row does, and stay ``pending`` until delivered (deleted) or given up (``failed``).

Two connections: the writer's (used only from the writer thread) and a reader's (used on the
event loop; WAL lets it read while the writer commits).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    type TEXT NOT NULL,
    version INTEGER NOT NULL,
    chat_id TEXT,
    agent_id TEXT,
    payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_chat ON events (chat_id, seq);
CREATE TABLE IF NOT EXISTS idempotency (
    source TEXT,
    key TEXT,
    chat_id TEXT,
    response TEXT,
    PRIMARY KEY (source, key)
);
CREATE TABLE IF NOT EXISTS chat_origins (
    chat_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    callback_url TEXT
);
CREATE TABLE IF NOT EXISTS attachments (
    id TEXT PRIMARY KEY,
    chat_id TEXT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS callback_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    source TEXT,
    url TEXT NOT NULL,
    body BLOB NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending'
);
CREATE INDEX IF NOT EXISTS callback_outbox_state ON callback_outbox (state, id);
"""

_INSERT_EVENT = "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)"
_ROW_COLUMNS = "seq, at, type, version, chat_id, agent_id, payload"

Row = dict[str, Any]


@dataclass(slots=True)
class SideWrite:
    """One extra statement committed in the same transaction as a batch of events."""

    sql: str
    params: tuple[Any, ...]


@dataclass(slots=True)
class OutboxEntry:
    """A callback committed with its row and not yet settled."""

    id: int
    delivery_id: str
    chat_id: str
    source: str | None
    url: str
    body: bytes


@dataclass(slots=True)
class StoredAttachment:
    id: str
    chat_id: str
    name: str
    content_type: str
    data: bytes


class EventStore:
    def __init__(self, path: Path | str, synchronous: str = "NORMAL") -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._writer = self._connect(synchronous, check_same_thread=False)
        self._writer.executescript(SCHEMA)
        self._reader = self._connect(synchronous, check_same_thread=True)

    def _connect(self, synchronous: str, *, check_same_thread: bool) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=check_same_thread)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={'FULL' if synchronous == 'FULL' else 'NORMAL'}")
        conn.execute("PRAGMA busy_timeout=5000")
        return conn

    # --- writing (writer thread only) ---------------------------------------------------

    def write(self, rows: Sequence[Row], side: Sequence[SideWrite] = ()) -> None:
        """Commit rows and side writes atomically: all of them or, on any error, none."""
        conn = self._writer
        conn.execute("BEGIN")
        try:
            conn.executemany(_INSERT_EVENT, [_flat(row) for row in rows])
            for write in side:
                conn.execute(write.sql, write.params)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # --- side writes, committed with a batch ----------------------------------------------

    @staticmethod
    def idempotency_write(source: str, key: str, chat_id: str, response: Row) -> SideWrite:
        return SideWrite(
            "INSERT INTO idempotency VALUES (?, ?, ?, ?)",
            (source, key, chat_id, json.dumps(response)),
        )

    @staticmethod
    def origin_write(chat_id: str, source: str, callback_url: str | None) -> SideWrite:
        return SideWrite(
            "INSERT INTO chat_origins VALUES (?, ?, ?)", (chat_id, source, callback_url)
        )

    @staticmethod
    def attachment_write(item: StoredAttachment) -> SideWrite:
        return SideWrite(
            "INSERT INTO attachments VALUES (?, ?, ?, ?, ?, ?)",
            (item.id, item.chat_id, item.name, item.content_type, len(item.data), item.data),
        )

    @staticmethod
    def outbox_write(
        delivery_id: str, chat_id: str, source: str | None, url: str, body: bytes
    ) -> SideWrite:
        return SideWrite(
            "INSERT INTO callback_outbox (delivery_id, chat_id, source, url, body)"
            " VALUES (?, ?, ?, ?, ?)",
            (delivery_id, chat_id, source, url, body),
        )

    @staticmethod
    def outbox_settle(outbox_id: int, delivered: bool) -> SideWrite:
        """Delivered callbacks leave the outbox; failed ones stay, marked, for inspection."""
        if delivered:
            return SideWrite("DELETE FROM callback_outbox WHERE id = ?", (outbox_id,))
        return SideWrite("UPDATE callback_outbox SET state = 'failed' WHERE id = ?", (outbox_id,))

    # --- reading (event loop) ---------------------------------------------------------------

    def max_seq(self) -> int:
        return self._reader.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]

    def read_all(self, batch: int = 10_000) -> Iterator[Row]:
        cursor = self._reader.execute(f"SELECT {_ROW_COLUMNS} FROM events ORDER BY seq")
        while chunk := cursor.fetchmany(batch):
            yield from map(_row, chunk)

    def chat_rows(self, chat_id: str, since: int = 0) -> list[Row]:
        cursor = self._reader.execute(
            f"SELECT {_ROW_COLUMNS} FROM events WHERE chat_id = ? AND seq > ? ORDER BY seq",
            (chat_id, since),
        )
        return [_row(r) for r in cursor]

    def rows_since(self, since: int, limit: int) -> list[Row]:
        cursor = self._reader.execute(
            f"SELECT {_ROW_COLUMNS} FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (since, limit)
        )
        return [_row(r) for r in cursor]

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

    def idempotent_response(self, source: str, key: str) -> Row | None:
        found = self._reader.execute(
            "SELECT response FROM idempotency WHERE source = ? AND key = ?", (source, key)
        ).fetchone()
        return None if found is None else json.loads(found[0])

    def origins(self) -> Iterator[tuple[str, str, str | None]]:
        yield from self._reader.execute("SELECT chat_id, source, callback_url FROM chat_origins")

    def attachment(self, attachment_id: str) -> StoredAttachment | None:
        found = self._reader.execute(
            "SELECT id, chat_id, name, content_type, data FROM attachments WHERE id = ?",
            (attachment_id,),
        ).fetchone()
        return None if found is None else StoredAttachment(*found)

    def counts(self) -> dict[str, int]:
        tables = ("events", "idempotency", "chat_origins", "attachments")
        return {t: self._reader.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}

    def close(self) -> None:
        self._reader.close()
        self._writer.close()


def _flat(row: Row) -> tuple[Any, ...]:
    return (
        row["seq"],
        row["at"],
        row["type"],
        row["version"],
        row["chat_id"],
        row["agent_id"],
        json.dumps(row["payload"], separators=(",", ":")),
    )


def _row(record: tuple[Any, ...]) -> Row:
    seq, at, kind, version, chat_id, agent_id, payload = record
    return {
        "seq": seq,
        "at": at,
        "type": kind,
        "version": version,
        "chat_id": chat_id,
        "agent_id": agent_id,
        "payload": json.loads(payload),
    }
