"""What can go wrong with the store, as errors with stable codes (mapped to HTTP elsewhere).

Two families. ``StoreFailed``: a commit did not happen (disk full, database locked by another
process, read-only file, I/O error); nothing of it is in the log and the bridge drops it from
memory too, then tries again with the next commit. ``StoreRefused``: the store cannot be opened
at all (not a livechat store, held by another bridge, damaged rows, written by newer code); the
bridge refuses to start rather than answer 503 later.

SQLite's own messages name the primitive, not the cause (a full disk used to surface as
"cannot rollback - no transaction is active"), so ``classify`` reads the result code instead.
"""

from __future__ import annotations

import sqlite3

# SQLite primary result codes (the low byte of an extended code).
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 5, 6, 8
_SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN = 10, 13, 14


class StoreFailed(RuntimeError):
    """A commit failed: its rows are not in the log, and the bridge forgot them."""

    code = "storage_unavailable"
    advice = "the bridge retries by itself; if this persists, check the database file and its disk"
    fault = True  # the store itself is failing (not just this batch): refuse until it is back

    def __init__(self, what: str, cause: str = "") -> None:
        super().__init__(f"{what}; nothing was saved: {self.advice}")
        self.cause = cause


class CommitConflict(StoreFailed):
    """The batch broke a constraint (a bug or a race); the store itself is fine."""

    code = "commit_conflict"
    advice = "the bridge forgot the command; send it again"
    fault = False


class StorageFull(StoreFailed):
    code = "storage_full"
    advice = "free space on the disk holding the database; the bridge resumes by itself"


class StorageLocked(StoreFailed):
    code = "storage_locked"
    advice = "another process holds the database's write lock; the bridge resumes once it ends"


class StorageReadOnly(StoreFailed):
    code = "storage_read_only"
    advice = "make the database file and its directory writable; the bridge resumes by itself"


_BY_CODE: dict[int, tuple[type[StoreFailed], str]] = {
    _SQLITE_FULL: (StorageFull, "the disk holding the event log is full"),
    _SQLITE_BUSY: (StorageLocked, "the event log is locked by another process"),
    _SQLITE_LOCKED: (StorageLocked, "the event log is locked by another connection"),
    _SQLITE_READONLY: (StorageReadOnly, "the event log is read-only"),
    _SQLITE_IOERR: (StoreFailed, "the event log could not be written (I/O error)"),
    _SQLITE_CANTOPEN: (StoreFailed, "the event log could not be opened"),
}


def classify(exc: BaseException) -> StoreFailed:
    """The ``StoreFailed`` that says what happened, for any error a commit raised."""
    if isinstance(exc, StoreFailed):
        return exc
    postgres = _classify_pg(exc)
    if postgres is not None:
        return postgres
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(exc, OSError) and exc.errno == 28:  # ENOSPC outside SQLite (a lock file, say)
        code = _SQLITE_FULL
    if isinstance(code, int) and code & 0xFF in _BY_CODE:
        cls, what = _BY_CODE[code & 0xFF]
        return cls(what, repr(exc))
    if isinstance(exc, sqlite3.IntegrityError):
        return CommitConflict(f"the event log refused the commit ({exc})", repr(exc))
    if isinstance(exc, sqlite3.Error):
        return StoreFailed(f"the event log refused the commit ({exc})", repr(exc))
    return StoreFailed("the event log could not be written", repr(exc))


class NotLeader(StoreFailed):
    """Another bridge took over the PostgreSQL database: this one commits nothing more."""

    code = "not_leader"
    advice = "another bridge is the leader now; this one stops, send the request again"


class StandingBy(StoreFailed):
    """This bridge is a standby: another one leads the database and answers the API."""

    code = "standby"
    advice = "this bridge is a standby; send it to the leader (a standby takes over by itself)"


# PostgreSQL SQLSTATEs (psycopg's ``sqlstate``), by class where a class says enough.
_PG_BY_STATE: dict[str, tuple[type[StoreFailed], str]] = {
    "53100": (StorageFull, "the disk holding the database is full"),
    "55P03": (StorageLocked, "the database is locked by another session"),
    "40P01": (StorageLocked, "the commit was chosen as a deadlock victim"),
    "25006": (
        StorageReadOnly,
        "the database is read-only (a hot standby, or default_transaction_read_only)",
    ),
}
_PG_BY_CLASS: dict[str, tuple[type[StoreFailed], str]] = {
    "08": (StoreFailed, "the database server cannot be reached"),
    "53": (StoreFailed, "the database server is out of resources"),
    "57": (StoreFailed, "the database server is shutting down or restarting"),
    "23": (CommitConflict, "the database refused the commit (a constraint)"),
}


def _classify_pg(exc: BaseException) -> StoreFailed | None:
    """psycopg's errors by SQLSTATE (None: not a psycopg error); no psycopg import needed."""
    if not type(exc).__module__.startswith("psycopg"):
        return None
    state = getattr(exc, "sqlstate", None) or ""
    found = _PG_BY_STATE.get(state) or _PG_BY_CLASS.get(state[:2])
    if found is None:
        if type(exc).__name__ == "OperationalError":  # a lost connection has no SQLSTATE
            found = (StoreFailed, "the database server cannot be reached")
        else:
            found = (StoreFailed, "the database refused the commit")
    cls, what = found
    return cls(f"{what} ({str(exc).strip() or type(exc).__name__})", repr(exc))


def is_store_error(exc: BaseException) -> bool:
    """An error of either store's driver (a damaged SQLite file, a PostgreSQL failure)."""
    return isinstance(exc, (sqlite3.DatabaseError, StoreFailed)) or _classify_pg(exc) is not None


class StoreRefused(Exception):
    """The store cannot be used at all: the bridge refuses to start (exit code 2)."""

    code = "store_refused"


class NotAStore(StoreRefused):
    """The file exists but is not a livechat event log (empty, foreign, or not SQLite)."""

    code = "not_a_store"


class StoreTooNew(StoreRefused):
    """The store was migrated by a newer bridge; one sentence for both stores' version checks."""

    code = "store_too_new"

    def __init__(self, where: object, version: int, latest: int) -> None:
        super().__init__(
            f"{where}: schema version {version} was written by a newer bridge"
            f" (this one knows up to {latest}); upgrade the bridge"
        )


class StoreInUse(StoreRefused):
    """Another bridge (another process) serves this database."""

    code = "store_in_use"


class LogDamaged(StoreRefused):
    """Rows of the log cannot be replayed; ``problems`` lists each one with its seq."""

    code = "log_damaged"

    def __init__(self, path: str, problems: list[str]) -> None:
        listed = "\n".join(f"  {p}" for p in problems)
        super().__init__(
            f"{path}: {len(problems)} row(s) of the event log cannot be replayed; the bridge"
            f" will not start on a log it cannot read whole "
            f"(`livechat-bridge replay --db {path}` lists them):\n{listed}"
        )
        self.problems = problems
