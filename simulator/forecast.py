"""``livechat-sim forecast``: the next weeks' arrivals per company, queue and source, from a log.

Method (multiplicative seasonal decomposition, the classic workforce-planning forecast):

* counts per stream, day and interval of the day (local time in ``tz``), zeros included;
* weekday factor ``W[w]`` = mean daily total on weekday w / mean daily total;
* intraday shape ``P[w][s]`` = share of weekday w's arrivals in slot s, shrunk towards the
  all-days shape by one pseudo-week (a weekday seen once is not trusted alone);
* level and trend: a least-squares line through the deseasonalised daily totals
  ``y_d / W[w(d)]``, its slope kept only when two standard errors from zero over two weeks
  or more of history (else the mean level);
* forecast of slot s on day D = ``(level + trend * D) * W[w(D)] * P[w(D)][s]``.

The holdout error is measured the way the forecast is used: fit on the history without its
last week (the last day when there are less than two weeks), forecast that stretch, compare:
WAPE over intervals (sum |actual - forecast| / sum actual, defined with zero counts) and MAPE of
daily totals, next to the seasonal-naive forecast (same slot one week or one day earlier).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from bridge.engine.events import ChatOpened

from .errors import SimulatorError

DAY = 86400.0
Key = tuple[str, str, str]  # company, queue name, source


class ForecastError(SimulatorError):
    """The log cannot be forecast (no arrivals, a bad interval)."""

    code = "forecast_failed"


@dataclass(slots=True)
class Holdout:
    days: int
    wape: float
    mape_daily: float
    naive_wape: float


@dataclass(slots=True)
class Forecast:
    source: str
    start: datetime  # local midnight of the first forecast day
    interval: float
    weeks: int
    history_days: int
    profiles: dict[Key, list[float]]  # chats per hour, per interval from start
    holdout: Holdout | None = None
    trend: bool = False
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        total = sum(sum(p) * self.interval / 3600 for p in self.profiles.values())
        text = (f"Forecast of {len(self.profiles)} stream(s) for {self.weeks} week(s) from "
                f"{self.start.isoformat()}: {total:.0f} chats expected, from {self.history_days}"
                f" day(s) of history.")  # fmt: skip
        return f"{text} {holdout_text(self.holdout)}"


def holdout_text(h: Holdout | None) -> str:
    if h is None:
        return "No holdout error: the log covers only one day."
    span = "last week" if h.days == 7 else f"last {h.days} day(s)"
    return (f"Holdout ({span}): WAPE {h.wape:.1%} per interval, MAPE {h.mape_daily:.1%} of "
            f"daily totals (seasonal-naive WAPE {h.naive_wape:.1%}).")  # fmt: skip


def arrivals_grid(log: pd.DataFrame, interval: float, tz: str, origin: float):
    """(counts [stream, day, slot], stream keys, first local day) of a canonical log."""
    opened = log[(log["type"] == ChatOpened.__name__).to_numpy()]
    if opened.empty:
        raise ForecastError("the log holds no arrivals (ChatOpened) to forecast from")
    when = pd.to_datetime(opened["at"].to_numpy(dtype=float) + origin, unit="s", utc=True)
    local = when.tz_convert(tz)
    day = local.normalize()
    first = day.min()
    day_index = np.asarray((day - first).days, dtype=np.int64)
    seconds = (local - day).total_seconds().to_numpy()
    slot = np.minimum((seconds // interval).astype(np.int64), int(DAY // interval) - 1)
    queue = opened["queue"].astype(str).str.partition("/")[2]
    keys_of = list(zip(opened["company"].astype(str), queue, opened["source"].astype(str),
                       strict=True))  # fmt: skip
    keys = sorted(set(keys_of))
    k = np.asarray([keys.index(x) for x in keys_of])
    grid = np.zeros((len(keys), int(day_index.max()) + 1, int(DAY // interval)))
    np.add.at(grid, (k, day_index, slot), 1.0)
    return grid, keys, first


def _fit(counts: np.ndarray, weekdays: np.ndarray, trend: bool):
    """(weekday factors [7], shapes [7, slots], level, slope) of one stream's day x slot counts."""
    totals = counts.sum(axis=1)
    mean = totals.mean() if totals.size else 0.0
    factor = np.ones(7)
    shape_all = counts.sum(axis=0) / max(counts.sum(), 1e-12)
    shapes = np.tile(shape_all, (7, 1))
    for w in range(7):
        days = weekdays == w
        if days.any() and mean > 0:
            factor[w] = totals[days].mean() / mean
            seen = counts[days].sum(axis=0)
            shapes[w] = (seen + shape_all * max(seen.sum() / days.sum(), 1e-12)) / (
                seen.sum() + max(seen.sum() / days.sum(), 1e-12)
            )
    deseason = totals / np.where(factor[weekdays] > 0, factor[weekdays], 1.0)
    slope, level = _trend(deseason) if trend else (0.0, float(deseason.mean()))
    return factor, shapes, level, slope


def _trend(y: np.ndarray) -> tuple[float, float]:
    """(slope per day, level at day 0) of a least-squares line, kept only when the slope is
    two standard errors from zero over two weeks or more: else (0, mean). A chance high first
    week must not be extrapolated as a decline."""
    n = len(y)
    if n < 14:
        return 0.0, float(y.mean())
    x = np.arange(n, dtype=float)
    slope, level = np.polyfit(x, y, 1)
    residual = y - (level + slope * x)
    se = np.sqrt(residual @ residual / (n - 2) / ((x - x.mean()) @ (x - x.mean())))
    if not np.isfinite(se) or abs(slope) < 2 * se:
        return 0.0, float(y.mean())
    return float(slope), float(level)


def _predict(fit, days: np.ndarray, weekdays: np.ndarray) -> np.ndarray:
    factor, shapes, level, slope = fit
    daily = np.maximum(level + slope * days, 0.0) * factor[weekdays]
    return daily[:, None] * shapes[weekdays]


def _local_day(first: pd.Timestamp, days: int) -> pd.Timestamp:
    """Local midnight ``days`` calendar days after ``first`` (a DST change keeps midnight)."""
    return (first.tz_localize(None) + timedelta(days=days)).tz_localize(first.tz)


def _holdout(grid: np.ndarray, weekdays: np.ndarray) -> Holdout | None:
    n = grid.shape[1]
    days = 7 if n >= 14 else 1 if n >= 2 else 0
    if not days:
        return None
    actual = grid[:, n - days :]
    guess = np.stack([
        _predict(_fit(s[: n - days], weekdays[: n - days], True), np.arange(n - days, n),
                 weekdays[n - days :])
        for s in grid
    ])  # fmt: skip
    naive = grid[:, n - 2 * days : n - days] if n >= 2 * days else grid[:, :days]
    total = max(actual.sum(), 1e-12)
    day_a, day_f = actual.sum(axis=2), guess.sum(axis=2)
    seen = day_a > 0
    mape = float(np.mean(np.abs(day_a - day_f)[seen] / day_a[seen])) if seen.any() else np.nan
    return Holdout(days, float(np.abs(actual - guess).sum() / total), mape,
                   float(np.abs(actual - naive).sum() / total))  # fmt: skip


def forecast(
    log_source: str | os.PathLike[str] | pd.DataFrame,
    weeks: int = 1,
    interval: float | None = None,
    tz: str | None = None,
) -> Forecast:
    """Fit on the whole log; profiles for ``weeks`` weeks from the day after its last arrival."""
    from reports.errors import ReportError
    from reports.log import load, source_name
    from reports.logmeta import log_meta

    try:
        log = load(log_source)
    except ReportError as exc:  # missing, unreadable: the report's own sentence
        raise ForecastError(str(exc)) from exc
    meta = log_meta(log)
    interval = float(interval or (meta.interval_s if meta and meta.interval_s else 900.0))
    if interval <= 0 or DAY % interval:
        raise ForecastError(f"the interval ({interval:g} s) must divide a day evenly")
    origin = meta.start.timestamp() if meta and meta.start else 0.0
    zone = tz or (str(meta.start.tzinfo) if meta and meta.start else "UTC")
    grid, keys, first = arrivals_grid(log, interval, zone, origin)
    n = grid.shape[1]
    weekdays = np.asarray([_local_day(first, d).weekday() for d in range(n)])
    ahead = np.arange(n, n + 7 * weeks)
    ahead_wd = np.asarray([_local_day(first, int(d)).weekday() for d in ahead])
    per_hour = 3600.0 / interval
    profiles = {}
    for key, counts in zip(keys, grid, strict=True):
        rates = _predict(_fit(counts, weekdays, True), ahead, ahead_wd) * per_hour
        profiles[key] = [round(float(r), 3) for r in rates.ravel()]
    start = _local_day(first, n).to_pydatetime()
    return Forecast(source_name(log_source), start, interval, weeks, n, profiles,
                    _holdout(grid, weekdays), trend=n >= 14)  # fmt: skip
