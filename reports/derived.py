"""The frames several parts of a report derive from one log, each computed once.

The report's tables and its calibration page both need the chat facts, and on a bridge log
(no run metadata) the same agent facts: at a million chats each costs seconds. A ``Derived``
holds the loaded log and hands out each frame on first request; later requests with the same
arguments get the same frame, so callers must not change what they are given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from .agents import agent_interval_facts, log_end
from .facts import chat_facts


class Derived:
    """Chat facts per interval, agent facts per (interval, capacity, end) of one loaded log."""

    def __init__(self, log: pd.DataFrame) -> None:
        self.log = log
        self._frames: dict[tuple[Any, ...], pd.DataFrame] = {}

    def _once(self, key: tuple[Any, ...], make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        if key not in self._frames:
            self._frames[key] = make()
        return self._frames[key]

    def chat_facts(self, interval: float) -> pd.DataFrame:
        return self._once(("chats", float(interval)), lambda: chat_facts(self.log, interval))

    def agent_facts(
        self, interval: float, default_capacity: int = 1, end: float | None = None
    ) -> pd.DataFrame:
        """``agent_interval_facts``; ``end`` as there (None: the log's own end)."""
        until = log_end(self.log, end)  # None and the end it stands for are one frame
        key = ("agents", float(interval), int(default_capacity), until)
        make = lambda: agent_interval_facts(self.log, interval, default_capacity, until)  # noqa: E731
        return self._once(key, make)
