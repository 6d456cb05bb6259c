"""Our shift solver against pyworkforce's ``MinRequiredResources`` on the same requirement and
shift set (scenarios/shifts/day.yaml on scenarios/day-profile.yaml): never more agent-hours."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.loader import load_scenario
from simulator.schedule.shifts import compile_patterns, load_shifts
from simulator.staffing import StaffingTarget, erlang_seed

from .conftest import SCENARIOS

pytest.importorskip("pyworkforce")

from .pyworkforce_peer import ours, pyworkforce_schedule


def day():
    s = load_scenario("day-profile")
    return s, compile_patterns(load_shifts(SCENARIOS / "shifts" / "day.yaml"), s)


def requirements(s) -> list[np.ndarray]:
    """Erlang's heads per interval for the day, and random needs of the same shape."""
    seed = np.array(erlang_seed(s, StaffingTarget(0.8, 30.0, 0.05))["desk"], dtype=float)
    rng = np.random.default_rng(5)
    return [seed, *(np.maximum(0, seed + rng.integers(-3, 4, len(seed))) for _ in range(4))]


def test_our_schedule_never_takes_more_agent_hours_than_pyworkforce():
    s, patterns = day()
    for need in requirements(s):
        mine, _ = ours(patterns, need)
        fixed, _ = pyworkforce_schedule(patterns, need, expand=False)
        expanded, _ = pyworkforce_schedule(patterns, need, expand=True)
        for schedule in (mine, fixed, expanded):
            assert np.all(schedule.coverage >= need - 1e-9)
        # Breaks fixed at the earliest start are one choice among ours: never better.
        assert mine.agent_hours <= fixed.agent_hours + 1e-9, (need, mine, fixed)
        # One pattern per break start is the same problem, solved exactly by both.
        assert mine.agent_hours == pytest.approx(expanded.agent_hours), need


def test_at_least_cost_both_solvers_agree_and_fixed_breaks_cost_more():
    s, patterns = day()
    need = requirements(s)[0]
    mine, _ = ours(patterns, need, "cost")
    fixed, _ = pyworkforce_schedule(patterns, need, expand=False, objective="cost")
    expanded, _ = pyworkforce_schedule(patterns, need, expand=True, objective="cost")
    assert mine.cost == pytest.approx(expanded.cost) and mine.cost < fixed.cost
