"""One bridge per database: an exclusive ``flock`` on ``<db>.lock`` held while the store is open.

Two bridges on one log would each believe they own the next ``seq``; the second one used to
start and then answer 503 on its first commit. The kernel drops the lock when the process
ends, ``kill -9`` included, so a crash never leaves a stale lock behind. The lock sits in its
own file: closing any descriptor of the database file itself would drop SQLite's POSIX locks.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from .errors import StoreInUse


class StoreLock:
    def __init__(self, db_path: Path) -> None:
        self.path = db_path.with_name(db_path.name + ".lock")
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(self._fd, 64, 0).decode(errors="replace").strip() or "unknown"
            os.close(self._fd)
            raise StoreInUse(
                f"{db_path}: another bridge (pid {holder}) is serving this database;"
                " stop it first, or give this one its own --db"
            ) from None
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{os.getpid()}\n".encode(), 0)

    def release(self) -> None:
        if self._fd >= 0:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = -1
