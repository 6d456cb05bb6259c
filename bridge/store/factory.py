"""Which store a bridge runs on: SQLite at ``db_path`` (the default) or ``database_url``.

The one place that chooses, so the bridge, the CLI's ``replay``/``backup`` and the tests open
the same store from the same settings. psycopg is imported only for a PostgreSQL URL: the
default install (``make run``) needs no database server and no driver.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Union

from .sqlite import EventStore

if TYPE_CHECKING:
    from bridge.settings import Settings

    from .postgres import AdvisoryLock, PostgresStore

Store = Union[EventStore, "PostgresStore"]


def is_postgres(url: str | None) -> bool:
    return url is not None and url.startswith(("postgresql://", "postgres://"))


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs (here: no driver needed)."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)


def open_store(
    settings: Settings, *, read_only: bool = False, lock: AdvisoryLock | None = None
) -> Store:
    """The settings' store, opened (and migrated, unless ``read_only``); ``lock``: the
    leadership a standby already won (PostgreSQL), else the store takes it itself."""
    if settings.database_url is None:
        return EventStore(
            settings.db_path, settings.synchronous, settings.busy_timeout, read_only=read_only
        )
    from .postgres import PostgresStore

    return PostgresStore(
        settings.database_url, settings.busy_timeout, read_only=read_only, lock=lock
    )
