"""Engine time for load tests: a clock that runs ``speed`` times faster (``engine.clock_speed``).

A load driver (``livechat-sim drive``) plays a scenario of hours in minutes. With a scaled
clock the bridge's engine stamps its events, measures waits and fires its timers (max wait,
agent lease, agent-gone grace, inactivity) in scenario time, so the log reads as the scenario
would have run in real time. Tokens and rate limits stay on the wall clock: they are about
people and machines, not about the scenario.

For load tests only, on a fresh store: time starts at the wall clock when the bridge starts,
so a log written earlier at another speed would seem to go back in time.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class ScaledClock:
    """``origin + (wall() - origin) * speed``: starts at the wall time, then runs faster."""

    def __init__(self, speed: float, wall: Callable[[], float] = time.time) -> None:
        self.speed = speed
        self._wall = wall
        self._origin = wall()

    def __call__(self) -> float:
        return self._origin + (self._wall() - self._origin) * self.speed


def engine_clock(wall: Callable[[], float], speed: float) -> Callable[[], float]:
    """The engine's clock: the wall clock itself at speed 1 (production), else scaled."""
    return wall if speed == 1.0 else ScaledClock(speed, wall)
