"""Sequential sampling for the staffing search: replications until each verdict is clear.

A staffing's KPIs per (queue, interval) come from replications with common random numbers:
replication ``i`` of every candidate uses seed ``base + i``, and the driver draws arrivals,
users' plans (patience, handle time, transfers) and agents' behaviour from separate streams
(``simulator.driver``), so two candidates see the same chats. Replications are added in
batches until every cell's verdict is clear: the 95% confidence interval of its service level
(and abandonment) lies on one side of the goal, or is narrower than ``tolerance``; a cap bounds
the cost. A cell still unclear at the cap keeps the count it has (see ``staffing``): a single
noisy interval neither adds an agent nor takes one away.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .confidence import t975
from .replications import Runner, run_task, tasks
from .scenario import Scenario
from .summary import STAFFING_LEVEL

MEET, MISS, UNCLEAR = "meet", "miss", "unclear"


@dataclass(frozen=True, slots=True)
class Sampling:
    """First batch of replications, the cap, and the CI half-width that counts as precise."""

    first: int = 10
    cap: int = 40
    tolerance: float = 0.01

    def __post_init__(self) -> None:
        if not 1 <= self.first <= self.cap:
            raise ValueError("need 1 <= first replications <= max replications")


def per_replication(runner: Runner, s: Scenario, start: int, n: int, seed: int | None):
    """Per-replication KPIs per (queue, interval index) of replications ``start..start+n-1``."""
    base = s.seed if seed is None else seed
    jobs = tasks(s, start + n, base, levels=STAFFING_LEVEL)[start:]
    frames = [
        x.tables["queue_interval"].assign(replication=start + i)
        for i, x in enumerate(runner.map(run_task, jobs, desc=None))
    ]
    data = pd.concat(frames, ignore_index=True)
    data["index"] = (data["interval"] / s.interval).round().astype(int)
    data["queue"] = data["queue"].astype(str)
    eligible = data["sl_eligible"].where(data["sl_eligible"] > 0)
    data["service_level"] = data["sl_met"] / eligible
    data["abandonment"] = data["cancelled_waiting"] / data["volume"].where(data["volume"] > 0)
    return data


def cell_stats(data: pd.DataFrame) -> pd.DataFrame:
    """Per (queue, index): volume (mean), each KPI's mean and 95% half-width, replications."""
    grouped = data.groupby(["queue", "index"], sort=True)
    out = pd.DataFrame({"volume": grouped["volume"].sum() / data["replication"].nunique()})
    for kpi in ("service_level", "abandonment"):
        n = grouped[kpi].count()
        t = t975(n)
        out[kpi] = grouped[kpi].mean()
        out[f"{kpi}_ci"] = grouped[kpi].std(ddof=1) * t / np.sqrt(n)
    out["replications"] = data["replication"].nunique()
    return out.reset_index()


def _side(mean: float, half: float, bound: float, low_is_bad: bool, tol: float) -> str:
    if np.isnan(mean):
        return MEET  # nothing to judge (no chat)
    bad = mean < bound - 1e-12 if low_is_bad else mean > bound + 1e-12
    if np.isnan(half):
        return UNCLEAR
    if half < tol:
        return MISS if bad else MEET
    if low_is_bad:
        return MEET if mean - half >= bound - 1e-12 else MISS if mean + half < bound else UNCLEAR
    return MEET if mean + half <= bound + 1e-12 else MISS if mean - half > bound else UNCLEAR


def verdicts(cells: pd.DataFrame, sl_goal: float | None, max_abandon: float | None,
             tol: float) -> pd.Series:  # fmt: skip
    """meet / miss / unclear per cell: a miss on either KPI misses; both must meet to meet."""
    out = []
    for row in cells.itertuples(index=False):
        sides = []
        if sl_goal is not None:
            sides.append(_side(row.service_level, row.service_level_ci, sl_goal, True, tol))
        if max_abandon is not None:
            sides.append(_side(row.abandonment, row.abandonment_ci, max_abandon, False, tol))
        out.append(MISS if MISS in sides else UNCLEAR if UNCLEAR in sides else MEET)
    return pd.Series(out, index=cells.index, dtype=object)


def evaluate(
    runner: Runner,
    s: Scenario,
    sampling: Sampling,
    judge,
    seed: int | None,
    scored: int = 0,
) -> pd.DataFrame:
    """Cell stats and ``verdict``, adding batches of replications until no scored cell (index
    >= ``scored``) is unclear or the cap is reached. ``judge(cells) -> verdict Series``."""
    data = per_replication(runner, s, 0, sampling.first, seed)
    while True:
        cells = cell_stats(data)
        cells["verdict"] = judge(cells)
        done = data["replication"].nunique()
        open_cells = (cells["verdict"] == UNCLEAR) & (cells["index"] >= scored)
        if not open_cells.any() or done >= sampling.cap:
            return cells
        more = min(sampling.first, sampling.cap - done)
        data = pd.concat([data, per_replication(runner, s, done, more, seed)], ignore_index=True)
