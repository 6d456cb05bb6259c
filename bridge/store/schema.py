"""The store's schema, its version, and the check that a file is a livechat store at all.

A store is marked twice in the SQLite header: ``application_id`` says "this is a livechat
event log" (so an unrelated database, or an empty file, is refused instead of silently used
as a new log) and ``user_version`` says which of ``MIGRATIONS`` it has had. Each migration is
one transaction together with its version bump, so a crash mid-upgrade leaves the old version.
Add a step at the end to change the schema; never edit a step that has shipped.

Logs written before the version mark (``application_id`` 0 with an ``events`` table of the
shared shape) are adopted: step 1 is idempotent (``IF NOT EXISTS``) and stamps the mark.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .errors import NotAStore, StoreTooNew

APPLICATION_ID = 0x4C434854  # "LCHT"
EVENT_COLUMNS = ("seq", "at", "type", "version", "chat_id", "agent_id", "payload")

_BASE = (
    """CREATE TABLE IF NOT EXISTS events (
        seq INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        type TEXT NOT NULL,
        version INTEGER NOT NULL,
        chat_id TEXT,
        agent_id TEXT,
        payload TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS events_chat ON events (chat_id, seq)",
    """CREATE TABLE IF NOT EXISTS idempotency (
        source TEXT,
        key TEXT,
        chat_id TEXT,
        response TEXT,
        PRIMARY KEY (source, key)
    )""",
    """CREATE TABLE IF NOT EXISTS chat_origins (
        chat_id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        callback_url TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS attachments (
        id TEXT PRIMARY KEY,
        chat_id TEXT NOT NULL,
        name TEXT NOT NULL,
        content_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        data BLOB NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS callback_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        delivery_id TEXT NOT NULL,
        chat_id TEXT NOT NULL,
        source TEXT,
        url TEXT NOT NULL,
        body BLOB NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending'
    )""",
    "CREATE INDEX IF NOT EXISTS callback_outbox_state ON callback_outbox (state, id)",
    f"PRAGMA application_id = {APPLICATION_ID}",
)

# Step n brings a store from user_version n-1 to n.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    _BASE,
    # 2: the hash of the request an idempotency key first answered (a reused key, new body).
    # A one-row table the writer rewrites to learn whether the store takes commits again.
    (
        "ALTER TABLE idempotency ADD COLUMN request_hash TEXT",
        "CREATE TABLE IF NOT EXISTS health_probe (id INTEGER PRIMARY KEY, at REAL NOT NULL)",
    ),
    # 3: canned responses (issue 16), shared by company or queue, or an agent's own.
    (
        """CREATE TABLE IF NOT EXISTS canned_responses (
            id TEXT PRIMARY KEY,
            scope TEXT NOT NULL,
            company TEXT NOT NULL,
            queue TEXT,
            owner TEXT,
            title TEXT NOT NULL,
            shortcut TEXT NOT NULL,
            text TEXT NOT NULL,
            article_id TEXT,
            updated_by TEXT NOT NULL,
            updated_at REAL NOT NULL
        )""",
    ),
)
LATEST = len(MIGRATIONS)


def check_file(path: Path) -> None:
    """Refuse an existing empty file (SQLite would take it as a new database).

    Only ``stat``: opening and closing the file ourselves would drop every POSIX lock this
    process holds on it, SQLite's included. A file that is not SQLite at all is refused when
    ``version_of`` first reads it."""
    if path.stat().st_size == 0:
        raise NotAStore(
            f"{path}: the file is empty, not a livechat event log; remove it to start a new log"
        )


def version_of(conn: sqlite3.Connection, path: Path) -> int:
    """The store's schema version; raises if the database is someone else's or too new."""
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:  # "file is not a database"
        raise NotAStore(f"{path}: not an SQLite database, so not a livechat event log") from exc
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if app_id == APPLICATION_ID:
        if version > LATEST:
            raise StoreTooNew(path, version, LATEST)
        return version
    if app_id != 0:
        raise NotAStore(
            f"{path}: an SQLite database of another application (application_id {app_id:#x})"
        )
    columns = tuple(c[1] for c in conn.execute("PRAGMA table_info(events)"))
    if version == 0 and columns == EVENT_COLUMNS:
        return 0  # a log written before the version mark: adopted by step 1
    tables = sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'"))
    found = f"its tables are {', '.join(tables)}" if tables else "it holds no tables"
    raise NotAStore(f"{path}: not a livechat event log ({found})")


def migrate(conn: sqlite3.Connection, version: int) -> int:
    """Apply the steps after ``version``, each in its own transaction; returns the new version."""
    for number, statements in enumerate(MIGRATIONS[version:], start=version + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in statements:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return LATEST


def create(path: Path) -> None:
    """Write a new, fully migrated store next to ``path`` and move it in place in one rename,
    so a crash never leaves an empty file that the next start would have to refuse."""
    scratch = path.with_name(path.name + ".new")
    scratch.unlink(missing_ok=True)
    conn = sqlite3.connect(scratch, isolation_level=None)
    try:
        migrate(conn, 0)
    finally:
        conn.close()
    scratch.replace(path)
