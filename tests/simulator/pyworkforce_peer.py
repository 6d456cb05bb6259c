"""pyworkforce's ``MinRequiredResources`` (OR-Tools CP-SAT) on our shifts: the peer to beat.

Its model covers a requirement with heads per shift from 0/1 coverage arrays; it has no
break windows and no minimum heads per shift. Both sides therefore get the same problem
(no minimums; the objective ``cost``: our cost per head, or ``hours``: agent-hours), and
pyworkforce's breaks are either fixed at each window's earliest start (what its coverage
arrays express directly) or expanded into one pattern per break start (the explicit model
our implicit one is equivalent to). Its answer comes back as our ``Schedule``, so it can be
simulated like ours.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import replace

import numpy as np

from simulator.schedule.shifts import Pattern
from simulator.schedule.solve import Schedule, solve


def same_problem(patterns: list[Pattern], objective: str) -> list[Pattern]:
    """The shifts without minimum heads; with ``hours``, cost = agent-hours."""
    update: dict[str, float] = {"min_heads": 0}
    if objective == "hours":
        update["cost_per_hour"] = 1.0
    return [replace(p, spec=p.spec.model_copy(update=update)) for p in patterns]


def _shapes(p: Pattern, expand: bool) -> dict[tuple[int, ...], np.ndarray]:
    """Coverage per break pick (window -> placement index): all picks, or the earliest only."""
    choices = [range(len(starts)) if expand else range(1) for starts, _ in p.breaks]
    return {
        pick: p.coverage - sum(covs[k] for (_, covs), k in zip(p.breaks, pick, strict=True))
        for pick in itertools.product(*choices)
    }


def pyworkforce_schedule(patterns: list[Pattern], need: np.ndarray, expand: bool,
                         objective: str = "hours") -> tuple[Schedule, float]:  # fmt: skip
    """pyworkforce's optimum as our Schedule, and the seconds its solver took."""
    from pyworkforce.scheduling import MinRequiredResources

    patterns = same_problem(patterns, objective)
    cover, cost, where = {}, {}, {}
    for s, p in enumerate(patterns):
        for pick, row in _shapes(p, expand).items():
            name = f"{p.spec.name}#{'-'.join(map(str, pick))}"
            assert np.allclose(row, np.round(row)), "pyworkforce needs whole-interval coverage"
            assert float(p.spec.cost).is_integer(), "pyworkforce needs whole costs"
            cover[name], cost[name], where[name] = (
                [round(v) for v in row],
                int(p.spec.cost),
                (s, pick),
            )
    most = max(p.spec.max_heads or 100 for p in patterns)
    started = time.perf_counter()
    solution = MinRequiredResources(
        num_days=1, periods=len(need), shifts_coverage=cover,
        required_resources=[[int(v) for v in need]], max_period_concurrency=10 * most,
        max_shift_concurrency=most, cost_dict=cost, max_search_time=60.0, num_search_workers=1,
    ).solve()  # fmt: skip
    seconds = time.perf_counter() - started
    assert solution["status"] == "OPTIMAL", solution["status"]
    heads = [0] * len(patterns)
    placed = [[[0] * len(starts) for starts, _ in p.breaks] for p in patterns]
    for row in solution["resources_shifts"]:
        s, pick = where[row["shift"]]
        heads[s] += row["resources"]
        for b, k in enumerate(pick):
            placed[s][b][k] += row["resources"]
    return Schedule.of(patterns, need, heads, placed), seconds


def ours(patterns: list[Pattern], need: np.ndarray, objective: str = "hours"):
    started = time.perf_counter()
    schedule = solve(same_problem(patterns, objective), need)
    return schedule, time.perf_counter() - started
