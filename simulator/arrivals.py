"""Arrival times of all streams together, exact for rates that change per interval.

Within an interval the streams' rates are constant, so their superposition is a Poisson
process of the summed rate: exponential gaps of that rate, each arrival given to a stream in
proportion to its rate. At the interval's end the gap is drawn afresh with the next rate —
exact by memorylessness, so a burst in one short interval is sampled in full rather than
jumped over by a long gap drawn at a quiet interval's rate.

A stream with ``overdispersion`` has its interval rate scaled by gamma factors of mean 1 (one
per day, one per interval): a doubly stochastic Poisson process, whose counts vary more than
Poisson as real ones do. The factors come from their own random stream, so a scenario without
overdispersion draws exactly what it drew before, and one with it sees the same gaps.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterator, Sequence
from itertools import accumulate
from typing import TypeVar

from .scenario import Overdispersion, Scenario

T = TypeVar("T")
DAY = 86_400.0


class RateFactors:
    """Per stream, the day factor (drawn when a new day starts) times an interval factor."""

    def __init__(self, scenario: Scenario, rng: random.Random) -> None:
        self.specs = [stream.overdispersion for stream in scenario.streams]
        self.interval = scenario.interval
        self.rng = rng
        self.day = -1
        self.day_factors = [1.0] * len(self.specs)

    def at(self, index: int) -> list[float]:
        """The factors of interval ``index``; intervals are asked for in order."""
        day = int(index * self.interval // DAY)
        if day != self.day:
            self.day = day
            self.day_factors = [self._gamma(s.day_cv if s else 0.0) for s in self.specs]
        return [
            d * self._gamma(s.interval_cv if s else 0.0)
            for d, s in zip(self.day_factors, self.specs, strict=True)
        ]

    def _gamma(self, cv: float) -> float:
        """Gamma of mean 1 and coefficient of variation ``cv`` (1 exactly, with no draw, at 0)."""
        if cv <= 0:
            return 1.0
        shape = 1.0 / (cv * cv)
        return self.rng.gammavariate(shape, 1.0 / shape)


def overdispersed(scenario: Scenario) -> bool:
    return any(_active(stream.overdispersion) for stream in scenario.streams)


def _active(spec: Overdispersion | None) -> bool:
    return spec is not None and spec.excess > 0


def arrival_times(
    scenario: Scenario,
    streams: Sequence[T],
    rng: random.Random,
    factors_rng: random.Random | None = None,
) -> Iterator[tuple[float, T]]:
    """(time, stream) in time order up to the horizon; ``streams`` parallels scenario.streams.

    ``factors_rng`` draws the overdispersion factors (default: seeded from ``rng``'s state,
    which it leaves untouched); it is not used when no stream is overdispersed."""
    expo, draw = rng.expovariate, rng.random
    length, horizon = scenario.interval, scenario.horizon
    factors = None
    if overdispersed(scenario):
        factors = RateFactors(scenario, factors_rng or random.Random(hash(rng.getstate())))
    for index in range(scenario.intervals):
        rates = [stream.rate_at(index) for stream in scenario.streams]
        if factors is not None:
            rates = [r * f for r, f in zip(rates, factors.at(index), strict=True)]
        total = sum(rates) / 3600.0
        if total <= 0:
            continue
        cum = list(accumulate(rates))
        only = streams[0] if len(streams) == 1 else None
        t, end = index * length, min((index + 1) * length, horizon)
        while True:
            t += expo(total)
            if t >= end:
                break
            if only is not None:
                yield t, only
            else:
                yield t, streams[bisect.bisect_right(cum, draw() * cum[-1])]
