"""Arrivals per stream (company, queue, source): a profile per weekday and slot, and how much
more the counts vary from day to day than a Poisson process would.

Overdispersion follows the scenario's model (:class:`simulator.scenario.Overdispersion`): the
count of slot j on day d is Poisson with mean ``m_j * D_d * E_dj``, with D (one per day) and E
(one per interval) gamma factors of mean 1. Then, over days of the same weekday,

* ``Var N_j = m_j + m_j^2 c2`` with ``c2 = (1 + day_cv^2)(1 + interval_cv^2) - 1``, so the
  variance-to-mean ratio of a slot is ``1 + m_j c2`` (1 for Poisson);
* two different slots of one day share D only: ``Cov(N_j, N_k) = m_j m_k day_cv^2``. The sum of
  those covariances is ``Var(day total) - sum_j Var N_j``, which separates day from interval.

Both are moment estimates pooled over every weekday seen on at least two days (numerators and
denominators summed), clipped at zero: noise can make them slightly negative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bridge.engine.events import ChatOpened

from .grid import Grid, typical


@dataclass(frozen=True, slots=True)
class Overdispersion:
    vmr: float | None  # pooled variance-to-mean ratio of per-slot counts (1 = Poisson)
    day_cv: float | None
    interval_cv: float | None
    days: int  # days of a weekday seen twice or more, that the estimates rest on

    @property
    def measured(self) -> bool:
        return self.vmr is not None


@dataclass(frozen=True, slots=True)
class StreamArrivals:
    company: str
    queue: str  # the queue's name inside the company
    source: str
    counts: np.ndarray  # per window interval
    profile: np.ndarray  # chats per hour, one per profile entry (typical week or window)
    overdispersion: Overdispersion

    @property
    def chats(self) -> int:
        return int(self.counts.sum())


def stream_arrivals(
    log: pd.DataFrame, grid: Grid, exclude: set[str] | frozenset[str] = frozenset()
) -> list[StreamArrivals]:
    """Every (company, queue, source) with arrivals in the window, in a stable order; chats
    in ``exclude`` (retrials, which the simulator makes itself) are not arrivals."""
    mask = (log["type"] == ChatOpened.__name__).to_numpy()
    opened = log.loc[mask, ["at", "chat_id", "company", "queue", "source"]]
    if exclude:
        opened = opened[~opened["chat_id"].astype(str).isin(exclude).to_numpy()]
    keys = pd.DataFrame(
        {
            "company": opened["company"].astype(str).to_numpy(),
            "queue": opened["queue"].astype(str).to_numpy(),
            "source": opened["source"].astype(str).to_numpy(),
            "k": grid.index(opened["at"].to_numpy()),
        }
    )
    keys = keys[keys["k"] >= 0]
    exposure = grid.exposure()
    out = []
    for (company, queue, source), rows in keys.groupby(["company", "queue", "source"], sort=True):
        counts = np.bincount(rows["k"].to_numpy(), minlength=grid.n).astype(float)
        rate = counts / np.where(exposure > 0, exposure, 1.0)
        profile = typical(rate, exposure, grid) * 3600.0 / grid.interval
        name = queue.partition("/")[2] or queue
        dispersion = overdispersion(counts, exposure, grid)
        out.append(StreamArrivals(company, name, source, counts, profile, dispersion))
    return out


def _day_matrices(counts: np.ndarray, exposure: np.ndarray, grid: Grid):
    """Per weekday: a days x slots matrix of counts over the slots seen in full on every one of
    its days (only weekdays seen on two days or more)."""
    cells = grid.cells()
    full = exposure >= 1.0 - 1e-9
    day = cells["day"].to_numpy()[full]
    weekday, slot, n = (
        cells["weekday"].to_numpy()[full],
        cells["slot"].to_numpy()[full],
        counts[full],
    )
    for w in np.unique(weekday):
        mine = weekday == w
        days, d = np.unique(day[mine], return_inverse=True)
        slots, s = np.unique(slot[mine], return_inverse=True)
        matrix = np.full((len(days), len(slots)), np.nan)
        matrix[d, s] = n[mine]
        matrix = matrix[:, ~np.isnan(matrix).any(axis=0)]
        if len(days) >= 2 and matrix.shape[1] >= 1:
            yield matrix


def overdispersion(counts: np.ndarray, exposure: np.ndarray, grid: Grid) -> Overdispersion:
    """Moment estimates of the VMR and the day and interval CVs (see the module docstring)."""
    num_day = den_day = num_all = den_all = var_sum = mean_sum = 0.0
    days = 0
    for matrix in _day_matrices(counts, exposure, grid):
        m = matrix.mean(axis=0)
        v = matrix.var(axis=0, ddof=1)
        total = matrix.sum(axis=1).var(ddof=1)
        num_day += total - v.sum()
        den_day += m.sum() ** 2 - (m**2).sum()
        num_all += (v - m).sum()
        den_all += (m**2).sum()
        var_sum, mean_sum = var_sum + v.sum(), mean_sum + m.sum()
        days += len(matrix)
    if days == 0 or mean_sum <= 0:
        return Overdispersion(None, None, None, 0)
    c2 = max(num_all / den_all, 0.0) if den_all > 0 else 0.0
    day2 = max(num_day / den_day, 0.0) if den_day > 0 else 0.0
    day2 = min(day2, c2) if den_all > 0 else day2
    interval2 = max((1 + c2) / (1 + day2) - 1, 0.0)
    return Overdispersion(var_sum / mean_sum, math.sqrt(day2), math.sqrt(interval2), days)
