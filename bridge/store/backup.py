"""``livechat-bridge backup`` / ``restore``: a consistent copy of the store, taken while it runs.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies the database page by page
from a read-only connection; in WAL mode the bridge keeps committing meanwhile and the copy is
the log as of one commit. It is written beside ``--out`` and renamed in place, so a half-made
backup never carries the final name. Restore copies a backup (checked to be a livechat store)
to a database path that does not exist yet, the same way.

PostgreSQL: ``pg_dump --format=custom`` (one snapshot, safe while the leader writes) and
``pg_restore`` into an empty database; this module only runs them with the right options,
from PATH or Debian's ``/usr/lib/postgresql/<ver>/bin``.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from . import pg_schema
from .errors import StoreRefused, classify
from .factory import Store
from .sqlite import EventStore

if TYPE_CHECKING:
    from bridge.settings import Settings


class BackupFailed(StoreRefused):
    code = "backup_failed"


class RestoreRefused(StoreRefused):
    """The restore target holds data already: a restore never overwrites a log."""

    code = "restore_target_not_empty"


def summary(store_path: Path, database_url: str | None) -> dict[str, object]:
    """What a backup or a restored store holds (read-only, no lock)."""
    if database_url is None:
        store: Store = EventStore(store_path, read_only=True)
    else:
        from .postgres import PostgresStore

        store = PostgresStore(database_url, read_only=True)
    try:
        return {"last_seq": store.max_seq(), "tables": store.counts()}
    finally:
        store.close()


def backup_sqlite(db: Path, out: Path) -> None:
    if not db.exists():
        raise BackupFailed(f"{db}: no such event log")
    EventStore(db, read_only=True).close()  # refuses what is not a livechat store
    _copy_sqlite(db, out)


def restore_sqlite(backup: Path, db: Path) -> None:
    if db.exists():
        raise RestoreRefused(
            f"{db}: exists already; a restore writes a new log only (move the old one away)"
        )
    if not backup.exists():
        raise BackupFailed(f"{backup}: no such backup")
    EventStore(backup, read_only=True).close()
    db.parent.mkdir(parents=True, exist_ok=True)
    _copy_sqlite(backup, db)


def _copy_sqlite(source: Path, target: Path) -> None:
    scratch = target.with_name(target.name + ".partial")
    scratch.unlink(missing_ok=True)
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    dst = sqlite3.connect(scratch)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()
    scratch.replace(target)


def backup_postgres(url: str, out: Path) -> None:
    scratch = out.with_name(out.name + ".partial")
    _run("pg_dump", "--format=custom", "--no-owner", "--file", str(scratch), url)
    scratch.replace(out)


def restore_postgres(backup: Path, url: str) -> None:
    import psycopg

    try:
        conn = psycopg.connect(url)
    except psycopg.Error as exc:
        raise classify(exc) from exc
    with conn:
        if pg_schema.version_of(conn, "the target database") != 0:
            raise RestoreRefused(
                "the target database holds a livechat store already; restore into an empty one"
            )
    _run("pg_restore", "--no-owner", "--exit-on-error", "--dbname", url, str(backup))


def _run(tool: str, *argv: str) -> None:
    found = shutil.which(tool) or _debian_tool(tool)
    if found is None:
        raise BackupFailed(
            f"{tool} not found: install PostgreSQL's client (apt-get install postgresql)"
        )
    done = subprocess.run([found, *argv], capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupFailed(f"{tool} failed (exit {done.returncode}): {done.stderr.strip()}")


def _debian_tool(tool: str) -> str | None:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"))
    return str(found[-1]) if found else None


def run_backup(settings: Settings, out: Path) -> dict[str, object]:
    """Back the settings' store up to ``out``; returns what the backup holds."""
    if settings.database_url is None:
        backup_sqlite(settings.db_path, out)
        return {"ok": True, "store": "sqlite", "out": str(out), **summary(out, None)}
    backup_postgres(settings.database_url, out)
    return {"ok": True, "store": "postgres", "out": str(out)}


def run_restore(settings: Settings, source: Path) -> dict[str, object]:
    """Restore ``source`` into the settings' (new, empty) store; returns what it holds now."""
    if settings.database_url is None:
        restore_sqlite(source, settings.db_path)
        return {"ok": True, "store": "sqlite", "db": str(settings.db_path),
                **summary(settings.db_path, None)}  # fmt: skip
    restore_postgres(source, settings.database_url)
    return {"ok": True, "store": "postgres", **summary(settings.db_path, settings.database_url)}
