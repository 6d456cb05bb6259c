"""One demo bridge and one headless Chromium for the browser tests.

Package-scoped, not session-scoped: sync Playwright holds an event loop on this thread while
it runs, and asyncio tests elsewhere in the suite must not start until it has stopped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from .support import CHROMIUM, LAUNCH_ARGS, Pages, RunningBridge, pages_on, run_bridge


@pytest.fixture(scope="package")
def bridge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningBridge]:
    with run_bridge(tmp_path_factory.mktemp("bridge")) as running:
        yield running


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed: run `make browser`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def pages(browser, bridge: RunningBridge) -> Iterator[Pages]:
    """Fresh contexts per test; any uncaught page error or JS dialog fails the test."""
    with pages_on(browser, bridge.url) as opened:
        yield opened


@pytest.fixture(scope="package")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``LIVECHAT_SCREENSHOTS=docs/screenshots`` keeps them for the README; else a temp dir."""
    wanted = os.environ.get("LIVECHAT_SCREENSHOTS")
    return Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
