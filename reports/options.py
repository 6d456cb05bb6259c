"""What a report measures with: the log's own run metadata first, then the reader's options.

A simulated log carries its scenario's service-level target and goal, interval, warm-up,
horizon and start date (``reports.logmeta``). The report and the comparison read them from
there, so ``livechat-report build`` on a run's log prints the service level the simulator's
CLI printed for that run; an option given on the command line still wins. A bridge log has
no metadata: its times are epoch seconds and the options (or their defaults) apply.

``scored`` is the one rule for which chats and agent time a KPI counts: chats that arrived
after the warm-up, and agent time from the warm-up to the horizon (not the drain after it).
The simulator's summary calls it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

import numpy as np
import pandas as pd

from .logmeta import LogMeta

DEFAULT_TARGET = 30.0
DEFAULT_INTERVAL = 900.0
DEFAULT_GOAL = 0.8


@dataclass(frozen=True, slots=True)
class RunOptions:
    """Resolved settings of one report; ``origin`` is the epoch second of log time 0."""

    target: float = DEFAULT_TARGET
    interval: float = DEFAULT_INTERVAL
    goal: float = DEFAULT_GOAL
    tz: str | tzinfo = "UTC"
    origin: float = 0.0
    name: str | None = None
    warmup: float = 0.0
    horizon: float | None = None

    @property
    def tz_name(self) -> str:
        return self.tz if isinstance(self.tz, str) else str(self.tz)


def resolve(
    meta: LogMeta | None,
    target: float | None = None,
    interval: float | None = None,
    goal: float | None = None,
    tz: str | None = None,
) -> RunOptions:
    """Explicit options over the log's metadata over the defaults."""
    meta = meta or LogMeta()

    def pick(given: Any, stored: Any, default: Any) -> Any:
        return given if given is not None else stored if stored is not None else default

    start = meta.start
    return RunOptions(
        target=float(pick(target, meta.sl_target_s, DEFAULT_TARGET)),
        interval=float(pick(interval, meta.interval_s, DEFAULT_INTERVAL)),
        goal=float(pick(goal, meta.sl_goal, DEFAULT_GOAL)),
        tz=pick(tz, start.tzinfo if start is not None else None, "UTC"),
        origin=start.timestamp() if start is not None else 0.0,
        name=meta.scenario,
        warmup=float(meta.warmup_s or 0.0),
        horizon=meta.horizon_s,
    )


def scored(
    facts: pd.DataFrame,
    agents: pd.DataFrame | None,
    warmup: float,
    horizon: float | None,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Chats arriving from ``warmup`` on; agent intervals in ``[warmup, horizon)``."""
    if warmup > 0:
        facts = facts[facts["created"].to_numpy() >= warmup].reset_index(drop=True)
    if agents is not None and (warmup > 0 or horizon is not None):
        start = agents["interval"].to_numpy()
        keep = (start >= warmup) & (start < (np.inf if horizon is None else horizon))
        agents = agents[keep].reset_index(drop=True)
    return facts, agents


def on_clock(frame: pd.DataFrame, origin: float) -> pd.DataFrame:
    """The frame with ``interval`` as epoch seconds, so labels read as dates and clock times."""
    if not origin or "interval" not in frame.columns:
        return frame
    return frame.assign(interval=frame["interval"].astype(float) + origin)
