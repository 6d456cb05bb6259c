"""What a log file says about the run that wrote it: Parquet key-value metadata.

A simulated log's times are seconds from the scenario's start; without the start date, the
interval and the service-level target the report would guess them (and read "d0 00:00" and a
30 s target). The simulator stores them in the file's footer under one key, ``livechat``, as a
JSON object; ``reports.log.load`` puts them on the frame (``frame.attrs["livechat"]``) and
``log_meta`` reads them back from a frame or a file. A bridge SQLite store carries none: its
times are epoch seconds and the report's own options apply.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

META_KEY = b"livechat"
ATTR = "livechat"
VERSION = 1


@dataclass(frozen=True, slots=True)
class LogMeta:
    """Run metadata; every field optional so a hand-written log can carry only some."""

    scenario: str | None = None
    start: datetime | None = None  # time zone aware: log time 0 is this instant
    interval_s: float | None = None
    sl_target_s: float | None = None
    sl_goal: float | None = None
    horizon_s: float | None = None  # arrivals stop here (log seconds)
    cooldown_s: float | None = None  # the run went on this long after the horizon
    warmup_s: float | None = None
    seed: int | None = None
    replication: int | None = None

    @property
    def end_s(self) -> float | None:
        """Log time at which the run stopped (horizon + cooldown), if known."""
        if self.horizon_s is None:
            return None
        return self.horizon_s + (self.cooldown_s or 0.0)

    @classmethod
    def of_scenario(cls, scenario: Any, seed: int | None = None, replication: int | None = None):
        """The metadata of one replication of a ``simulator.scenario.Scenario``."""
        sl = scenario.service_level
        return cls(
            scenario=scenario.name,
            start=scenario.start,
            interval_s=float(scenario.interval),
            sl_target_s=float(sl.within),
            sl_goal=None if sl.goal is None else float(sl.goal),
            horizon_s=float(scenario.horizon),
            cooldown_s=float(scenario.cooldown),
            warmup_s=float(scenario.warmup),
            seed=seed,
            replication=replication,
        )

    def to_json(self) -> bytes:
        data = asdict(self)
        data["start"] = None if self.start is None else self.start.isoformat()
        data["version"] = VERSION
        return json.dumps(data).encode()

    @classmethod
    def from_json(cls, raw: bytes | str) -> LogMeta:
        data = json.loads(raw)
        known = {f.name for f in fields(cls)}
        kept = {k: v for k, v in data.items() if k in known}
        if kept.get("start") is not None:
            kept["start"] = datetime.fromisoformat(kept["start"])
        return cls(**kept)


def parquet_meta(path: str | os.PathLike[str]) -> LogMeta | None:
    """The footer's ``livechat`` metadata (reads the footer only, not the rows)."""
    import pyarrow.parquet as pq

    try:
        raw = (pq.read_schema(path).metadata or {}).get(META_KEY)
    except Exception:  # not a Parquet file: no metadata, load() reports the real problem
        return None
    return None if raw is None else LogMeta.from_json(raw)


def log_meta(source: pd.DataFrame | str | os.PathLike[str]) -> LogMeta | None:
    """Metadata of a loaded log frame (``attrs``) or a Parquet log file; None when absent."""
    if isinstance(source, pd.DataFrame):
        meta = source.attrs.get(ATTR)
        return meta if isinstance(meta, LogMeta) else None
    path = Path(source)
    return parquet_meta(path) if path.is_file() else None
