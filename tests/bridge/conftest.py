from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from bridge.app import make_app
from bridge.settings import Settings
from tests.pg import PgStores

from . import support
from .support import make_settings


@pytest.fixture(autouse=True)
def store_under_test(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """``--store postgres``: every ``Settings`` the test builds points at a fresh PostgreSQL
    database: through the environment the settings read (subprocess bridges inherit it), and
    ``make_settings`` gives each SQLite path the test names a database of its own."""
    if request.config.getoption("--store") != "postgres":
        return "sqlite"
    url = request.getfixturevalue("pg_url")
    monkeypatch.setenv("LIVECHAT_DATABASE_URL", url)
    monkeypatch.setattr(support, "pg_stores", PgStores(request.getfixturevalue("pg_cluster"), url))
    return "postgres"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "events.db")


@pytest.fixture
async def client(aiohttp_client, settings: Settings) -> TestClient:
    return await aiohttp_client(make_app(settings))
