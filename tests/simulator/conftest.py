"""Shared helpers for the simulator tests."""

from __future__ import annotations

from pathlib import Path

import pytest

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
TINY = Path(__file__).resolve().parent / "tiny.yaml"  # a small valid scenario for tests


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "heavy: a statistical validation that simulates ~10^5 chats (seconds)"
    )


@pytest.fixture
def scenario_text() -> str:
    """A small valid scenario to break on purpose, line by line."""
    return TINY.read_text()
