"""The schedule's picture: heads required and on duty per interval, and the simulated service
level against its goal. matplotlib's ``Figure`` directly (no pyplot, no global state)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from ..scenario import Scenario
from ..staffing import StaffingTarget


def coverage_chart(s: Scenario, frame: pd.DataFrame, target: StaffingTarget) -> bytes:
    """PNG bytes: bars of heads on duty, a step line of heads required, SL on a second axis."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4), dpi=96, layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(frame))
    ax.bar(x, frame["on_duty"], color="#90caf9", label="heads on duty (schedule)")
    ax.step(x, frame["required"], where="mid", color="#0d47a1", label="heads required")
    ax.set_ylabel("heads")
    ticks = x[:: max(1, len(x) // 12)]
    ax.set_xticks(ticks, [frame["interval"][i] for i in ticks])
    sl = ax.twinx()
    sl.plot(x, frame["service_level"] * 100, "o-", color="#2e7d32", ms=3,
            label="simulated service level")  # fmt: skip
    if target.service_level is not None:
        sl.axhline(target.service_level * 100, color="#c62828", ls="--", lw=1, label="goal")
    sl.set_ylim(0, 105)
    sl.set_ylabel("service level (%)")
    fig.legend(loc="outside upper center", ncols=4, frameon=False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
