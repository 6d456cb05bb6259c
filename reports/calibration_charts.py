"""Charts of the calibration page: what the log shows against what the scenario will simulate.

Drawn with the report's own figure helpers (:mod:`reports.charts`): constrained layout, the
legend above the axes, self-contained PNG ``<img>`` tags.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .charts import _figure, _img, _legend

if TYPE_CHECKING:
    from .calibrate.arrivals import StreamArrivals
    from .calibrate.fits import Fit
    from .calibrate.grid import Grid
    from .calibrate.patience import Patience
    from .calibrate.roster import Group

_FITS = {"exponential": "#c62828", "lognormal": "#2e7d32", "gamma": "#6a1b9a"}


def _week_axis(ax: Any, grid: Grid) -> np.ndarray:
    """x in hours from the profile's start, a tick at each local midnight named by weekday."""
    from .calibrate.grid import WEEKDAYS

    hours = np.arange(grid.profile_length) * grid.interval / 3600.0
    local = grid.local(grid.start + grid.interval * np.arange(grid.profile_length))
    days = local.normalize()
    first = [i for i in range(len(days)) if i == 0 or days[i] != days[i - 1]]
    ax.set_xticks(hours[first], [f"{WEEKDAYS[local[i].weekday()]} {local[i]:%H:%M}" for i in first])
    return hours


def arrival_profile(stream: StreamArrivals, grid: Grid) -> str:
    """Per-day counts (dots), their mean (the profile), and 95% bands: Poisson, and with the
    measured gamma factors: wider bands that hold the dots mean the factors explain them."""
    fig, ax = _figure(9.0, 3.4)
    hours = _week_axis(ax, grid)
    per = grid.interval / 3600.0
    mean = stream.profile * per  # chats per interval
    cells = grid.cells()
    key = cells["weekday"].to_numpy() * 10_000 + cells["slot"].to_numpy()
    entry = {k: i for i, k in enumerate(key[: grid.profile_length])}
    full = grid.exposure() >= 1.0 - 1e-9
    xs = [hours[entry[k]] for k, ok in zip(key, full, strict=True) if ok and k in entry]
    ys = [n for k, n, ok in zip(key, stream.counts, full, strict=True) if ok and k in entry]
    ax.plot(xs, ys, ".", color="#9e9e9e", markersize=3, label="observed (one dot per day)")
    ax.fill_between(hours, np.maximum(mean - 1.96 * np.sqrt(mean), 0), mean + 1.96 * np.sqrt(mean),
                    color="#90caf9", alpha=0.5, step="mid", label="Poisson 95%")  # fmt: skip
    d = stream.overdispersion
    if d.measured:
        c2 = (1 + d.day_cv**2) * (1 + d.interval_cv**2) - 1
        spread = 1.96 * np.sqrt(mean + c2 * mean**2)
        label = f"95% with day CV {d.day_cv:.2f}, interval CV {d.interval_cv:.2f}"
        ax.step(hours, mean + spread, where="mid", color="#ef6c00", linewidth=1, label=label)
        ax.step(hours, np.maximum(mean - spread, 0), where="mid", color="#ef6c00", linewidth=1)
    ax.step(hours, mean, where="mid", color="#1565c0", label="profile (mean)")
    ax.set_ylabel("chats per interval")
    _legend(fig, 4)
    return _img(fig, f"arrival profile of {stream.company}/{stream.queue} {stream.source}")


def handle_fit(fitted: Fit, title: str) -> str:
    """Histogram of the work with every fitted density, and a QQ plot of the chosen one."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9.0, 3.2), dpi=96, layout="constrained")
    hist, qq = fig.subplots(1, 2, width_ratios=(2, 1))
    x = fitted.observed
    top = float(np.quantile(x, 0.99))
    hist.hist(np.clip(x, 0, top), bins=60, range=(0, top), density=True, color="#90caf9",
              label="observed")  # fmt: skip
    grid = np.linspace(top / 400, top, 400)
    for cand in fitted.candidates:
        hist.plot(grid, cand.frozen.pdf(grid), color=_FITS[cand.dist],
                  label=f"{cand.dist} (AIC {cand.aic:,.0f})")  # fmt: skip
    hist.set_xlabel(f"{title}, s (last bin = 99th pct and up)")
    hist.set_ylabel("density")
    probs = (np.arange(1, 100) - 0.5) / 99
    best = fitted.best
    qq.plot(best.frozen.ppf(probs), np.quantile(x, probs), ".", color="#1565c0")
    lim = float(max(best.frozen.ppf(probs[-1]), np.quantile(x, probs[-1])))
    qq.plot([0, lim], [0, lim], color="#9e9e9e", linewidth=1)
    qq.set_xlabel(f"{best.dist} quantiles, s")
    qq.set_ylabel("observed quantiles, s")
    _legend(fig, 4)
    return _img(fig, f"{title}: observed and fitted")


def patience_survival(p: Patience) -> str:
    """Kaplan-Meier survival of patience against each censored fit's survival curve."""
    from .calibrate.fits import MIN_AT_RISK, well_observed

    fig, ax = _figure()
    keep = well_observed(p.km_times, p.fit.observed, p.fit.censored) if p.fit else []
    if p.fit is not None and np.any(keep):
        times, survival = p.km_times[keep], p.km_survival[keep]
        top = float(times.max())
        ax.step(np.r_[0.0, times], np.r_[1.0, survival], where="post",
                color="#212121", label="Kaplan-Meier (observed, censored)")  # fmt: skip
        grid = np.linspace(0, top, 300)
        for cand in p.fit.candidates:
            ax.plot(grid, cand.frozen.sf(grid), color=_FITS[cand.dist],
                    label=f"{cand.dist}, mean {cand.mean:,.0f} s")  # fmt: skip
        low = float(min(survival.min(), *(c.frozen.sf(top) for c in p.fit.candidates)))
        ax.set_ylim(max(0.0, low - 0.02), 1.005)
        _legend(fig, 2)
    else:
        ax.text(0.5, 0.5, "too few waiting users to draw a curve", transform=ax.transAxes,
                ha="center", va="center", color="#616161")  # fmt: skip
    ax.set_xlabel(f"time waited, s (as long as {MIN_AT_RISK} users and 1% were waiting)")
    ax.set_ylabel("share still willing to wait")
    return _img(fig, f"patience survival in {p.queue}")


def roster(groups: list[Group], grid: Grid) -> str:
    """Mean agents serving per interval (line) and the whole heads written (steps)."""
    fig, ax = _figure()
    hours = _week_axis(ax, grid)
    for g in groups:
        (line,) = ax.plot(hours, g.heads, linewidth=1, label=f"{g.name}: mean serving")
        ax.step(hours, g.counts, where="post", color=line.get_color(), linestyle="--",
                label=f"{g.name}: count written")  # fmt: skip
    ax.set_ylabel("agents")
    ax.set_ylim(bottom=0)
    _legend(fig, 4)
    return _img(fig, "observed roster")
