"""engine.clock_speed (load tests only): engine time and its timers run X times faster."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from bridge.app import make_app
from bridge.runtime.clock import ScaledClock, engine_clock

from .support import hand_off, make_settings, store_query

SPEED = 200.0
MAX_WAIT = 300.0  # engine seconds: 1.5 wall seconds at SPEED


def test_a_scaled_clock_starts_at_the_wall_time_and_runs_speed_times_faster():
    wall = [1000.0]
    clock = ScaledClock(60.0, lambda: wall[0])
    assert clock() == 1000.0
    wall[0] += 2.0
    assert clock() == 1000.0 + 120.0
    assert engine_clock(time.time, 1.0) is time.time  # production: the wall clock itself


async def test_a_max_wait_timer_fires_after_its_engine_seconds_at_clock_speed(
    aiohttp_client, tmp_path: Path
):
    db = tmp_path / "events.db"
    queues = {"Acme/GENERAL": {"max_wait": MAX_WAIT}}
    settings = make_settings(db, engine={"clock_speed": SPEED, "queues": queues})
    client = await aiohttp_client(make_app(settings))
    started = time.monotonic()
    await hand_off(client)
    deadline = started + 20.0
    sql = "SELECT type, at FROM events WHERE chat_id IS NOT NULL ORDER BY seq"
    while "ChatClosed" not in (at := dict(store_query(db, sql))):  # committed, not just decided
        assert time.monotonic() < deadline, "the max-wait timer never fired"
        await _tick()
    wall = time.monotonic() - started
    assert wall < MAX_WAIT / 10  # far sooner than 300 wall seconds
    waited = at["ChatClosed"] - at["ChatOpened"]
    assert MAX_WAIT <= waited < MAX_WAIT + SPEED * 1.0  # recorded in engine seconds


async def test_the_clock_speed_setting_is_refused_when_not_positive(tmp_path: Path):
    for bad in (0, -1, float("inf")):
        with pytest.raises(ValidationError, match="clock_speed"):
            make_settings(tmp_path / "e.db", engine={"clock_speed": bad})
    assert not (tmp_path / "e.db").exists()


async def _tick() -> None:
    """Yield to the bridge's timer task between polls (a bounded poll, not a wait for luck)."""
    await asyncio.sleep(0.02)
