"""Business hours of a support queue: weekly opening hours in a time zone, minus holidays.

Pure functions of ``now`` (epoch seconds) so the bridge (wall clock) and the simulator
(simulated clock plus a start date) answer the same question the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(slots=True)
class BusinessHours:
    """Opening hours: ``weekly["mon"] = [("08:00", "18:00")]``; a missing day is closed."""

    timezone: str = "UTC"
    weekly: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    holidays: set[date] = field(default_factory=set)
    _zone: ZoneInfo | None = field(default=None, repr=False, compare=False)
    _spans: dict[int, list[tuple[time, time]]] | None = field(
        default=None, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        self._zone = ZoneInfo(self.timezone)
        spans: dict[int, list[tuple[time, time]]] = {}
        for day, ranges in self.weekly.items():
            key = day.lower()[:3]
            if key not in DAYS:
                raise ValueError(f"unknown day {day!r}: use one of {DAYS}")
            spans[DAYS.index(key)] = [_span(day, a, b) for a, b in ranges]
        self._spans = spans
        self.holidays = {d if isinstance(d, date) else date.fromisoformat(d) for d in self.holidays}

    def is_open(self, now: float) -> bool:
        local = datetime.fromtimestamp(now, self._zone)
        if local.date() in self.holidays:
            return False
        clock = local.time()
        assert self._spans is not None
        return any(start <= clock < end for start, end in self._spans.get(local.weekday(), ()))


def _span(day: str, start: str, end: str) -> tuple[time, time]:
    """A span must end after it starts: one past midnight would silently never be open."""
    span = parse_time_of_day(start), parse_time_of_day(end)
    if span[0] >= span[1]:
        raise ValueError(f"{day} {start}-{end} ends before it starts: split it at midnight")
    return span


_TIME_OF_DAY = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")


def parse_time_of_day(text: object) -> time:
    """``8:00``, ``08:00``, ``17:30:15`` or ``24:00`` (the end of the day): the one reading of
    a time of day, used by the engine, the bridge settings and the scenario schema alike."""
    if text in ("24:00", "24:00:00"):
        return time.max
    match = _TIME_OF_DAY.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f'{text!r} is not a time of day: write HH:MM, such as "08:00"')
    hours, minutes, seconds = match.groups()
    return time(int(hours), int(minutes), int(seconds or 0))
