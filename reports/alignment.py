"""How ``compare`` lines two runs up: on the clock, or by offset from each run's start.

A simulated log's times are seconds from its scenario's start; a bridge's are epoch seconds,
and a load test (``livechat-sim drive``) ran on another day than the scenario's start date. On
the clock they share no interval. Aligned by offset, interval k of each run is the k-th
interval after that run began:

* ``start``: from the run's start — a simulated log's time 0, or a log without run metadata
  its first event (a driven bridge's first event is its agents signing in at the drive's t=0);
* ``first-arrival``: from the run's first arrival (ChatOpened), for live logs whose first
  event says nothing about when the load began.

A side without run metadata is measured with the other side's service-level target and
interval, and its warm-up and horizon (moved onto the epoch clock when aligned on the clock),
so that both count the same chats and the same stretch of agent time: the two sides then
measure the same thing.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from bridge.engine.events import ChatOpened

from .errors import ReportError
from .logmeta import ATTR, LogMeta, log_meta

ALIGNMENTS = ("clock", "start", "first-arrival")


def offset_of(log: pd.DataFrame, how: str) -> float:
    """Log seconds subtracted from every time so that the run begins at 0."""
    if how == "start":
        meta = log_meta(log)
        if meta is not None and meta.start is not None:
            return 0.0
        return float(log["at"].min()) if len(log) else 0.0
    if how == "first-arrival":
        opened = log["at"].to_numpy()[(log["type"] == ChatOpened.__name__).to_numpy()]
        return float(opened.min()) if opened.size else 0.0
    raise ReportError(f"unknown alignment {how!r}: use one of {', '.join(ALIGNMENTS)}")


def aligned(log: pd.DataFrame, how: str) -> pd.DataFrame:
    """The log on the chosen time base; its metadata keeps warm-up and horizon in step and
    loses the start date (intervals are then offsets, labelled d0 00:15...)."""
    if how == "clock":
        return log
    offset = offset_of(log, how)
    meta = log_meta(log)
    out = log.assign(at=log["at"].to_numpy(dtype=float) - offset)
    if meta is not None:
        out.attrs[ATTR] = replace(
            meta,
            start=None,
            warmup_s=None if meta.warmup_s is None else max(meta.warmup_s - offset, 0.0),
            horizon_s=None if meta.horizon_s is None else meta.horizon_s - offset,
        )
    return out


def borrowed(own: LogMeta | None, other: LogMeta | None, how: str) -> LogMeta | None:
    """A side without metadata measures as the other side does (see the module docstring)."""
    if own is not None or other is None:
        return own
    # On the clock a side without metadata has epoch times: the other's stretch, moved there.
    shift = other.start.timestamp() if how == "clock" and other.start is not None else 0.0
    known = how != "clock" or other.start is not None
    return LogMeta(
        sl_target_s=other.sl_target_s,
        interval_s=other.interval_s,
        sl_goal=other.sl_goal,
        warmup_s=shift + (other.warmup_s or 0.0) if known else None,
        horizon_s=shift + other.horizon_s if known and other.horizon_s is not None else None,
        cooldown_s=other.cooldown_s if known else None,
    )
