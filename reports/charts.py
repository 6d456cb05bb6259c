"""Report charts as self-contained ``<img>`` tags (PNG, base64): no file or URL to lose.

matplotlib is imported here only, and only when a chart is drawn. ``Figure`` is used directly
(no pyplot), so no global figure state leaks between reports. Every legend sits outside the
axes, above them (``_legend``), so it never covers data; time axes read as clock times.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
import pandas as pd

from .present import time_axis

_COLORS = {
    "answered": "#2e7d32",
    "cancelled waiting": "#ef6c00",
    "no agent": "#c62828",
    "still waiting": "#757575",
}


def _figure(width: float = 9.0, height: float = 3.2) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=96, layout="constrained")
    return fig, fig.add_subplot()


def _legend(fig: Any, ncols: int = 4) -> None:
    """The figure's legend above the axes (constrained layout makes room): never on the data."""
    fig.legend(loc="outside upper center", ncols=ncols, frameon=False)


def _time_ticks(ax: Any, x: np.ndarray) -> None:
    """Clock times on a datetime axis: 'HH:MM' within a day, 'Mon 08:00' over several days."""
    if not np.issubdtype(np.asarray(x).dtype, np.datetime64) or len(x) == 0:
        return
    from matplotlib.dates import AutoDateLocator, DateFormatter

    span = (np.max(x) - np.min(x)) / np.timedelta64(1, "h")
    ax.xaxis.set_major_locator(AutoDateLocator(maxticks=12))
    ax.xaxis.set_major_formatter(DateFormatter("%H:%M" if span <= 24 else "%a %H:%M"))


def bars(ax: Any, x: Any, heights: Any, width: float, bottom: Any = 0.0, **style: Any) -> None:
    """What ``ax.bar(x, heights, width, bottom, align="edge")`` draws, as one collection: a
    month of 15-minute intervals is thousands of bars, and one Patch per bar costs seconds."""
    from matplotlib.collections import PolyCollection

    ax.xaxis.update_units(x)  # datetimes make a date axis, as ax.bar would
    left = np.asarray(ax.convert_xunits(x), dtype=float)
    low = np.broadcast_to(np.asarray(bottom, dtype=float), left.shape)
    high = low + np.asarray(heights, dtype=float)
    right = left + width
    corners = (np.c_[left, low], np.c_[left, high], np.c_[right, high], np.c_[right, low])
    verts = np.stack(corners, axis=1)
    coll = PolyCollection(verts, facecolors=style.pop("color"), edgecolors="none", **style)
    coll.sticky_edges.y.extend(np.unique(low).tolist())  # as each bar's bottom is sticky
    ax.add_collection(coll, autolim=True)
    ax.autoscale_view()


def _img(fig: Any, alt: str) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="{alt}" src="data:image/png;base64,{data}">'


def arrivals(per_interval: pd.DataFrame, queue: pd.DataFrame, interval: float, tz: str) -> str:
    """Arrivals per interval (bars) and the time-weighted mean queue length (line)."""
    fig, ax = _figure()
    x, label, unit = time_axis(per_interval["interval"], tz)
    bars(ax, x, per_interval["volume"], interval / unit, color="#90caf9", label="arrivals")
    ax.set_xlabel(label)
    ax.set_ylabel("arrivals per interval")
    twin = ax.twinx()
    qx, _, _ = time_axis(queue["interval"], tz)
    twin.step(qx, queue["mean_waiting"], where="post", color="#1565c0", label="mean waiting")
    twin.set_ylabel("chats waiting (mean)")
    _time_ticks(ax, x)
    _legend(fig, 2)
    return _img(fig, "arrivals and queue length")


def wait_histogram(waits: pd.Series, target: float) -> str:
    fig, ax = _figure()
    values = waits.to_numpy(dtype=float)
    if values.size:
        top = max(float(np.quantile(values, 0.99)), target * 1.5, 1.0)
        ax.hist(np.clip(values, 0, top), bins=60, range=(0, top), color="#90caf9")
    ax.axvline(target, color="#c62828", linestyle="--", label=f"target {target:g} s")
    ax.set_xlabel("wait until first assignment, s (answered chats; last bin = 99th pct and up)")
    ax.set_ylabel("chats")
    _legend(fig, 1)
    return _img(fig, "wait-time distribution")


def service_level(per_interval: pd.DataFrame, goal: float, target: float, tz: str) -> str:
    fig, ax = _figure()
    x, label, _ = time_axis(per_interval["interval"], tz)
    ax.plot(
        x,
        100 * per_interval["service_level"],
        marker=".",
        color="#1565c0",
        label=f"answered within {target:g} s",
    )
    ax.axhline(100 * goal, color="#c62828", linestyle="--", label=f"goal {100 * goal:g}%")
    ax.set_ylim(0, 105)
    ax.set_xlabel(label)
    ax.set_ylabel("service level, %")
    _time_ticks(ax, x)
    _legend(fig, 2)
    return _img(fig, "service level per interval")


def occupancy(table: pd.DataFrame, name: str) -> str:
    """Horizontal bars of occupancy and busy share per agent or group."""
    rows = table.sort_values("occupancy", ascending=True, na_position="first")
    fig, ax = _figure(9.0, max(2.0, 0.28 * len(rows) + 1.0))
    y = np.arange(len(rows))
    ax.barh(
        y - 0.2, 100 * rows["occupancy"].fillna(0), height=0.4, label="occupancy", color="#1565c0"
    )
    ax.barh(
        y + 0.2,
        100 * rows["busy_share"].fillna(0),
        height=0.4,
        label="time with >= 1 chat",
        color="#90caf9",
    )
    ax.set_yticks(y, rows[name].astype(str))
    ax.set_xlabel("% of available time")
    _legend(fig, 2)
    return _img(fig, f"occupancy per {name}")


def outcomes(per_interval: pd.DataFrame, interval: float, tz: str) -> str:
    """Stacked arrivals per interval by (disjoint) outcome; columns after ``interval``."""
    fig, ax = _figure()
    x, label, unit = time_axis(per_interval["interval"], tz)
    bottom = np.zeros(len(per_interval))
    for name in per_interval.columns.drop("interval"):
        values = per_interval[name].to_numpy(dtype=float)
        color = _COLORS.get(name, "#bdbdbd")
        bars(ax, x, values, interval / unit, bottom.copy(), color=color, label=name)
        bottom += values
    ax.set_xlabel(label)
    ax.set_ylabel("chats by arrival interval")
    _time_ticks(ax, x)
    _legend(fig, 5)
    return _img(fig, "outcomes per interval")
