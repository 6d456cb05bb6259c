"""Durable storage of the bridge: the event log (SQLite, or PostgreSQL) and its side tables."""

from .errors import (
    CommitConflict,
    LogDamaged,
    NotAStore,
    NotLeader,
    StorageFull,
    StorageLocked,
    StorageReadOnly,
    StoreFailed,
    StoreInUse,
    StoreRefused,
    StoreTooNew,
)
from .factory import Store, is_postgres, open_store
from .sqlite import BadRow, EventStore, Row, SideWrite, StoredAttachment

__all__ = [
    "BadRow",
    "CommitConflict",
    "EventStore",
    "LogDamaged",
    "NotAStore",
    "NotLeader",
    "Row",
    "SideWrite",
    "StorageFull",
    "StorageLocked",
    "StorageReadOnly",
    "Store",
    "StoreFailed",
    "StoreInUse",
    "StoreRefused",
    "StoreTooNew",
    "StoredAttachment",
    "is_postgres",
    "open_store",
]
