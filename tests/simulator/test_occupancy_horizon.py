"""Occupancy in the simulator's summary counts available time to the horizon (issue 19.2): two
agents on duty 24 h with chats only in the first 12 h are about 20% busy, not about 40%."""

from __future__ import annotations

import pytest

from simulator.loader import load_scenario
from simulator.replications import run_task, tasks
from tests.scenario_text import one_desk

DAY = 24 * 3600.0
# 1.4 chats an hour for the first 12 hours, none after.
HALF_DAY = one_desk(
    "half-day", horizon="24h", rate=[1.4] * 12 + [0] * 12, handle_mean="36m", agents=2
)


def test_two_agents_on_duty_all_day_with_chats_only_in_the_morning_are_a_fifth_busy(tmp_path):
    path = tmp_path / "half-day.yaml"
    path.write_text(HALF_DAY)
    summary = run_task(tasks(load_scenario(path), 1, seed=3)[0])
    group = summary.tables["group"].iloc[0]
    assert group["capacity_s"] == pytest.approx(2 * DAY)  # the quiet afternoon counts
    overall = summary.tables["overall"]["occupancy"].iloc[0]
    assert overall == pytest.approx(group["busy_s"] / (2 * DAY))
    assert 0.1 < overall < 0.3
