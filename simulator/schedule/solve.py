"""Heads per shift at least cost: an integer program solved by HiGHS (``scipy.optimize.milp``).

Variables: ``x[s]`` heads on shift s, and ``y[s, b, k]`` heads of shift s who take break b at
its k-th allowed start (a break placed by the solver, not fixed by the planner: the implicit
break model of Bechtold and Jacobs). Per interval p the heads on duty are

    sum_s cover[s, p] * x[s]  -  sum_{s, b, k} brk[s, b, k, p] * y[s, b, k]  >=  need[p]

with ``sum_k y[s, b, k] = x[s]`` (each head takes each break once), ``min_heads <= x[s] <=
max_heads`` and the cost ``sum_s cost_per_hour[s] * length[s] * x[s]`` minimised. Cover values
are the share of the interval a shift or break spans, so shifts need not start on an
interval's edge. ``floors`` (from the repair step) bound heads from below.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from ..errors import SimulatorError
from .shifts import Pattern


class ScheduleInfeasible(SimulatorError):
    """No heads within the shifts' bounds cover the requirement."""

    code = "schedule_infeasible"


@dataclass(frozen=True, slots=True)
class Schedule:
    patterns: list[Pattern]
    need: np.ndarray  # heads required on duty per interval
    heads: list[int]  # per pattern
    # Per pattern, per break window: heads taking the break at each allowed start.
    placed: list[list[list[int]]]
    coverage: np.ndarray  # heads on duty per interval (breaks taken out)

    @classmethod
    def of(cls, patterns: list[Pattern], need: np.ndarray, heads: list[int],
           placed: list[list[list[int]]]) -> Schedule:  # fmt: skip
        """A schedule from heads and break placements, with the heads on duty it gives."""
        on = sum((n * p.coverage for n, p in zip(heads, patterns, strict=True)),
                 np.zeros(len(need)))  # fmt: skip
        for p, windows in zip(patterns, placed, strict=True):
            for (_, covs), counts in zip(p.breaks, windows, strict=True):
                on = on - sum(n * c for n, c in zip(counts, covs, strict=True))
        return cls(patterns, np.asarray(need, float), heads, placed, on)

    @property
    def cost(self) -> float:
        return sum(p.spec.cost * n for p, n in zip(self.patterns, self.heads, strict=True))

    @property
    def agent_hours(self) -> float:
        return sum(p.spec.length / 3600 * n for p, n in zip(self.patterns, self.heads, strict=True))


def _columns(patterns: list[Pattern]) -> list[tuple[int, int, int]]:
    """(pattern, window, placement) of every y variable, in variable order after the x."""
    return [(s, b, k) for s, p in enumerate(patterns) for b, (starts, _) in enumerate(p.breaks)
            for k in range(len(starts))]  # fmt: skip


def solve(patterns: list[Pattern], need: np.ndarray, floors: list[int] | None = None,
          labels: Sequence[str] | None = None, time_limit: float = 60.0) -> Schedule:  # fmt: skip
    """The cheapest heads (and break placements) covering ``need`` in every interval;
    ``labels`` name the intervals in errors (clock times)."""
    n, cols = len(patterns), _columns(patterns)
    cover = np.zeros((len(need), n + len(cols)))
    for s, p in enumerate(patterns):
        cover[:, s] = p.coverage
    link = np.zeros((sum(len(p.breaks) for p in patterns), n + len(cols)))
    rows = {(s, b): r for r, (s, b) in enumerate(dict.fromkeys((s, b) for s, b, _ in cols))}
    for j, (s, b, k) in enumerate(cols, start=n):
        cover[:, j] = -patterns[s].breaks[b][1][k]
        link[rows[s, b], j], link[rows[s, b], s] = 1, -1
    floors = floors or [0] * n
    low = [max(p.spec.min_heads, f) for p, f in zip(patterns, floors, strict=True)]
    high = [np.inf if p.spec.max_heads is None else p.spec.max_heads for p in patterns]
    bounds = Bounds(low + [0] * len(cols), high + [np.inf] * len(cols))
    constraints = [LinearConstraint(cover, np.asarray(need, float) - 1e-9, np.inf)]
    if len(link):
        constraints.append(LinearConstraint(link, 0, 0))
    cost = np.array([p.spec.cost for p in patterns] + [0.0] * len(cols))
    result = milp(cost, integrality=np.ones_like(cost), bounds=bounds, constraints=constraints,
                  options={"time_limit": time_limit})  # fmt: skip
    if result.x is None:
        names = labels or [str(j) for j in range(len(need))]
        raise ScheduleInfeasible(_why_infeasible(patterns, need, names, result.message))
    x = np.round(result.x).astype(int)
    placed = [[[0] * len(starts) for starts, _ in p.breaks] for p in patterns]
    for j, (s, b, k) in enumerate(cols, start=n):
        placed[s][b][k] = int(x[j])
    return Schedule.of(patterns, need, [int(v) for v in x[:n]], placed)


def _why_infeasible(patterns: list[Pattern], need: np.ndarray, names: Sequence[str],
                    message: str) -> str:  # fmt: skip
    """Name the intervals no allowed heads can cover (each shift at max_heads, no breaks)."""
    most = sum(p.coverage * (p.spec.max_heads if p.spec.max_heads is not None else 1e9)
               for p in patterns)  # fmt: skip
    short = [j for j, (m, r) in enumerate(zip(most, need, strict=True)) if m + 1e-9 < r]
    if short:
        shown = ", ".join(f"{names[j]} (needs {need[j]:g})" for j in short[:8])
        return (f"the shifts cannot cover the heads required at {shown}, even at max_heads: "
                "add a shift there or raise max_heads")  # fmt: skip
    return f"no schedule meets the requirement within the shifts' bounds ({message})"
