from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from bridge.app import make_app
from bridge.client import LivechatClient
from tests.bridge.support import SOURCE_KEY, make_settings


@pytest.fixture
async def server(aiohttp_server, tmp_path: Path) -> TestServer:
    """A real bridge app on a real TCP port (in this process)."""
    return await aiohttp_server(make_app(make_settings(tmp_path / "events.db")))


@pytest.fixture
def base_url(server: TestServer) -> str:
    return str(server.make_url("")).rstrip("/")


@pytest.fixture
async def source(base_url: str) -> AsyncIterator[LivechatClient]:
    async with LivechatClient(base_url, SOURCE_KEY) as client:
        yield client
