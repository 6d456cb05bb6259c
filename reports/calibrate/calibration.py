"""``calibrate``: an event log in, every scenario parameter the log shows, measured.

The log is read by ``reports.load`` (a bridge SQLite store, a PostgreSQL URL, a simulated
Parquet log or a frame). A simulated log's metadata gives its start date, interval and horizon;
a bridge log's times are epoch seconds, read in ``tz``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import tzinfo
from zoneinfo import ZoneInfo

import pandas as pd

from bridge.engine.events import ChatAssigned, ChatOpened

from ..derived import Derived
from ..errors import LogHasNoChats
from ..log import load, source_name
from ..logmeta import LogMeta, log_meta
from ..options import DEFAULT_INTERVAL, DEFAULT_TARGET
from .aftercare import Retrials, WrapUps, presence_shares, retrial_ids, retrials, wrap_ups
from .arrivals import StreamArrivals, stream_arrivals
from .grid import Grid, make_grid
from .handle import HandleTimes, handle_times
from .patience import Patience, patience
from .probabilities import Shares, shares
from .roster import Group, roster

Zone = str | tzinfo | None


@dataclass(frozen=True, slots=True)
class Calibration:
    """What the log says, ready for the scenario writer and the report's calibration page."""

    source: str
    grid: Grid
    chats: int
    streams: list[StreamArrivals]
    handle: HandleTimes
    patience: dict[str, Patience]
    shares: dict[str, Shares]
    groups: list[Group]
    wrap_ups: WrapUps
    retrials: dict[str, Retrials]
    presence: pd.DataFrame  # per (group, state): signed-in seconds and share
    manual: bool  # agents clicked Accept (most assignments were manual)
    target: float  # service-level target, seconds
    name: str | None  # the simulated log's scenario


def _grid(log: pd.DataFrame, meta: LogMeta, interval: float | None, tz: Zone) -> Grid:
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    zone = zone or (meta.start.tzinfo if meta.start is not None else None) or ZoneInfo("UTC")
    origin = meta.start.timestamp() if meta.start is not None else 0.0
    step = interval or meta.interval_s or DEFAULT_INTERVAL
    end = meta.horizon_s if meta.horizon_s is not None else float(log["at"].max())
    # A simulated log starts at its scenario's start; a bridge log with its first event.
    first = 0.0 if meta.horizon_s is not None else float(log["at"].min())
    return make_grid(origin, zone, float(step), first, float(end))


def calibrate(
    source: str | os.PathLike[str] | pd.DataFrame,
    interval: float | None = None,
    tz: Zone = None,
    target: float | None = None,
    default_capacity: int = 1,
    derived: Derived | None = None,
) -> Calibration:
    """Measure the log; raises a :class:`reports.errors.ReportError` for a missing or
    unreadable log, :class:`LogHasNoChats` for one without a single chat. ``derived`` (the
    loaded ``source`` with frames already derived from it) saves computing them again."""
    log = derived.log if derived is not None else load(source)
    derived = derived if derived is not None else Derived(log)
    opened = int((log["type"] == ChatOpened.__name__).sum()) if len(log) else 0
    if opened == 0:
        raise LogHasNoChats(
            f"{source_name(source)}: the log holds no chats (no ChatOpened event), so there is "
            "nothing to calibrate from"
        )
    meta = log_meta(log) or LogMeta()
    grid = _grid(log, meta, interval, tz)
    facts = derived.chat_facts(grid.interval)
    how = log.loc[(log["type"] == ChatAssigned.__name__).to_numpy(), "how"].astype(str)
    groups = roster(derived.agent_facts(grid.interval, default_capacity, grid.end), grid)
    members = {agent: g.name for g in groups for agent in g.agents}
    return Calibration(
        source=source_name(source),
        grid=grid,
        chats=opened,
        streams=stream_arrivals(log, grid, exclude=set(retrial_ids(log).index)),
        handle=handle_times(log),
        patience=patience(facts),
        shares=shares(log, facts),
        groups=groups,
        wrap_ups=wrap_ups(log, facts),
        retrials=retrials(log, facts),
        presence=presence_shares(log, members, grid.end),
        manual=bool(len(how)) and float((how == "manual").mean()) > 0.5,
        target=float(target or meta.sl_target_s or DEFAULT_TARGET),
        name=meta.scenario,
    )
