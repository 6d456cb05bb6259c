"""A throwaway PostgreSQL cluster for the tests: Debian's server binaries, nothing mocked.

``initdb`` into a temporary folder, ``pg_ctl start`` on a free port with its unix socket in
that folder (no TCP listener), ``pg_ctl stop`` after. PostgreSQL refuses to run as root, so
under root the cluster belongs to the ``postgres`` system user the Debian package creates
(``nobody`` otherwise), with the folder chowned to it. Durability is off (``fsync=off``):
the tests kill bridges, never the server.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from .processes import free_port


def pg_bin() -> Path | None:
    """The newest installed server's bin folder (``/usr/lib/postgresql/<ver>/bin``)."""
    root = Path("/usr/lib/postgresql")
    found = sorted(root.glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name), reverse=True)
    return found[0].parent if found else None


class PgCluster:
    def __init__(self, bin_dir: Path) -> None:
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="livechat-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._user = _unprivileged_user()
        self._names = itertools.count(1)
        if self._user is not None:
            os.chown(self.root, self._user.pw_uid, self._user.pw_gid)
        self.superuser = self._user.pw_name if self._user else pwd.getpwuid(os.getuid()).pw_name

    def _run(self, *argv: str) -> None:
        subprocess.run(
            [str(self.bin / argv[0]), *argv[1:]],
            check=True,
            capture_output=True,
            user=self._user.pw_uid if self._user else None,
            group=self._user.pw_gid if self._user else None,
            cwd=self.root,
        )

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "--auth=trust", "-E", "UTF8", "--no-sync")
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses='' -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-o", options,
                  "-w", "start")  # fmt: skip

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.superuser}@/{dbname}?host={self.root}&port={self.port}"

    def create_database(self, prefix: str = "t") -> str:
        """A new, empty database; returns its URL."""
        import psycopg

        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.url(name)


def _unprivileged_user() -> pwd.struct_passwd | None:
    if os.getuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root with neither a postgres nor a nobody user")


class PgStores:
    """Under ``--store postgres``: one database per SQLite path a test names, so two bridges
    on two files stay two stores and a restart on the same file finds its log again."""

    def __init__(self, cluster: PgCluster, first_url: str) -> None:
        self._cluster = cluster
        self._first = first_url
        self._by_path: dict[Path, str] = {}

    def url_for(self, db_path: Path) -> str:
        key = Path(db_path).resolve()
        if key not in self._by_path:
            fresh = self._first if not self._by_path else self._cluster.create_database()
            self._by_path[key] = fresh
        return self._by_path[key]
