"""The log's time as a planner reads it: observed window, local days, weekdays, slots of a day.

Calibration averages each quantity over the days of the same weekday at the same time of day
(slot), so the scenario's profile is a typical week. A log's time 0 is ``origin`` (epoch
seconds: 0 for a bridge log, the scenario's start for a simulated one); days are calendar
days in ``tz``. The observed window starts at the interval boundary (local time) before the
first arrival and ends at the simulated horizon, or at the last event of a bridge log.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, tzinfo

import numpy as np
import pandas as pd

WEEK = 7 * 86400.0
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True)
class Grid:
    """``n`` consecutive intervals of ``interval`` seconds from log time ``start`` to ``end``."""

    origin: float
    tz: tzinfo
    interval: float
    start: float
    end: float

    @property
    def n(self) -> int:
        return max(1, math.ceil((self.end - self.start) / self.interval - 1e-9))

    @property
    def horizon(self) -> float:
        """The written scenario's horizon: the window, or one typical week of a longer one."""
        return min(self.end - self.start, WEEK)

    @property
    def profile_length(self) -> int:
        return max(1, math.ceil(self.horizon / self.interval - 1e-9))

    def start_datetime(self) -> datetime:
        return pd.Timestamp(self.origin + self.start, unit="s", tz="UTC").tz_convert(self.tz)

    def index(self, times: np.ndarray) -> np.ndarray:
        """The window interval of each log time (-1 outside the window)."""
        k = np.floor((np.asarray(times, float) - self.start) / self.interval).astype(np.int64)
        return np.where((k >= 0) & (k < self.n), k, -1)

    def exposure(self) -> np.ndarray:
        """Share of each window interval that was observed (the last may be partial)."""
        starts = self.start + self.interval * np.arange(self.n)
        return np.clip((self.end - starts) / self.interval, 0.0, 1.0)

    def cells(self) -> pd.DataFrame:
        """Per window interval: local ``day`` (a date), ``weekday`` (0 = Monday), ``slot``."""
        local = self.local(self.start + self.interval * np.arange(self.n))
        midnight = local.normalize()
        seconds = (local - midnight).total_seconds().to_numpy()
        return pd.DataFrame(
            {
                "day": midnight.tz_localize(None).to_numpy(),
                "weekday": local.day_of_week.to_numpy(),
                "slot": np.floor(seconds / self.interval + 1e-9).astype(np.int64),
            }
        )

    def local(self, times: np.ndarray) -> pd.DatetimeIndex:
        """Log times as local date-times in the grid's zone."""
        epoch = self.origin + np.asarray(times, float)
        return pd.to_datetime(epoch, unit="s", utc=True).tz_convert(self.tz)


def make_grid(origin: float, tz: tzinfo, interval: float, first: float, end: float) -> Grid:
    """The window from the interval boundary (local time) at or before ``first`` to ``end``."""
    local = pd.Timestamp(origin + first, unit="s", tz="UTC").tz_convert(tz)
    into_day = (local - local.normalize()).total_seconds()
    start = round(first - (into_day % interval), 3)  # to the ms: no 1e-7 s offsets
    return Grid(origin, tz, interval, start, max(end, start + interval))


def typical(values: np.ndarray, weight: np.ndarray, grid: Grid) -> np.ndarray:
    """Per profile entry: the weighted mean of ``values`` over the window intervals of the same
    weekday and slot (each window interval's ``weight`` is how much of it was observed)."""
    cells = grid.cells()
    key = cells["weekday"].to_numpy() * 10_000 + cells["slot"].to_numpy()
    frame = pd.DataFrame({"key": key, "v": values * weight, "w": weight})
    sums = frame.groupby("key")[["v", "w"]].sum()
    mean = (sums["v"] / sums["w"].where(sums["w"] > 0)).fillna(0.0)
    return mean.reindex(key[: grid.profile_length]).to_numpy()
