"""What both stores read and write: rows, side writes and the statements that build them.

The side writes are plain ``INSERT``/``UPDATE``/``DELETE`` statements with ``?`` placeholders on
tables both stores have with the same columns in the same order; the PostgreSQL store runs them
with its driver's placeholders. Callers build them from either store (``store.outbox_settle``)
or from the class (``EventStore.origin_write``): same statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bridge.jsonfast import dumps, loads

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
class BadRow:
    """A stored row that cannot be decoded at all."""

    seq: int
    type: str
    reason: str


@dataclass(slots=True)
class StoredAttachment:
    id: str
    chat_id: str
    name: str
    content_type: str
    data: bytes


class SideWrites:
    """The statements committed with a batch of rows, and the reads both stores derive the
    same way from their own queries (a mixin of both stores)."""

    def idempotent_answer(self, source: str, key: str) -> tuple[Row, str | None] | None:
        """The kept answer and its request's hash; each store reads its own table."""
        raise NotImplementedError

    def idempotent_response(self, source: str, key: str) -> Row | None:
        """The kept answer alone (None: the key was never answered)."""
        found = self.idempotent_answer(source, key)
        return None if found is None else found[0]

    @staticmethod
    def idempotency_write(
        source: str, key: str, chat_id: str, response: Row, request_hash: str | None = None
    ) -> SideWrite:
        """The answer to a keyed request, kept (with the request's hash) for its retries."""
        return SideWrite(
            "INSERT INTO idempotency (source, key, chat_id, response, request_hash)"
            " VALUES (?, ?, ?, ?, ?)",
            (source, key, chat_id, dumps(response), request_hash),
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
    def canned_write(values: tuple[Any, ...]) -> SideWrite:
        """Create or replace one canned response (``CANNED_COLUMNS`` order)."""
        columns = ", ".join(CANNED_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in CANNED_COLUMNS[1:])
        return SideWrite(
            f"INSERT INTO canned_responses ({columns}) VALUES ({', '.join('?' * len(values))})"
            f" ON CONFLICT (id) DO UPDATE SET {updates}",
            values,
        )

    @staticmethod
    def canned_delete(canned_id: str) -> SideWrite:
        return SideWrite("DELETE FROM canned_responses WHERE id = ?", (canned_id,))

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


# The canned_responses table's columns, in the order both stores read and write them.
CANNED_COLUMNS = (
    "id",
    "scope",
    "company",
    "queue",
    "owner",
    "title",
    "shortcut",
    "text",
    "article_id",
    "updated_by",
    "updated_at",
)
CANNED_SELECT = f"SELECT {', '.join(CANNED_COLUMNS)} FROM canned_responses ORDER BY id"


def flat(row: Row) -> tuple[Any, ...]:
    return (
        row["seq"],
        row["at"],
        row["type"],
        row["version"],
        row["chat_id"],
        row["agent_id"],
        dumps(row["payload"]),
    )


def row_of(record: tuple[Any, ...]) -> Row:
    seq, at, kind, version, chat_id, agent_id, payload = record
    return {
        "seq": seq,
        "at": at,
        "type": kind,
        "version": version,
        "chat_id": chat_id,
        "agent_id": agent_id,
        "payload": loads(payload),
    }
