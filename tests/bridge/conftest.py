from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from bridge.app import make_app
from bridge.settings import Settings

from .support import make_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "events.db")


@pytest.fixture
async def client(aiohttp_client, settings: Settings) -> TestClient:
    return await aiohttp_client(make_app(settings))
