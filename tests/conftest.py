"""Markers and options shared by the whole suite, and the PostgreSQL server the tests start.

``--store postgres`` (or ``LIVECHAT_TEST_STORE=postgres``) runs the bridge tests on a fresh
PostgreSQL database each instead of an SQLite file; the server is started once per session
(tests/pg.py) and only when a test asks for it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from .pg import PgCluster, pg_bin


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--store",
        choices=("sqlite", "postgres"),
        default=os.environ.get("LIVECHAT_TEST_STORE", "sqlite"),
        help="the event store the bridge tests run on (default sqlite)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "slow: an end-to-end run of real processes (the README's commands, a fresh install)",
    )
    config.addinivalue_line(
        "markers",
        "sqlite_only(reason): about the SQLite file itself; skipped on --store postgres",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--store") != "postgres":
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {reason}"))


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A PostgreSQL server of Debian's packages (``make postgres``), for this session only."""
    bin_dir = pg_bin()
    if bin_dir is None:
        message = "PostgreSQL server binaries are not installed: run `make postgres`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    cluster = PgCluster(bin_dir)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> str:
    """A fresh, empty database on the session's server."""
    return pg_cluster.create_database()
