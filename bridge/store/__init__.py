"""Durable storage of the bridge: the SQLite event log and the side tables committed with it."""

from .sqlite import EventStore, Row, SideWrite, StoredAttachment

__all__ = ["EventStore", "Row", "SideWrite", "StoredAttachment"]
