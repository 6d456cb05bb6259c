"""Arrival times of all streams together, exact for rates that change per interval.

Within an interval the streams' rates are constant, so their superposition is a Poisson
process of the summed rate: exponential gaps of that rate, each arrival given to a stream in
proportion to its rate. At the interval's end the gap is drawn afresh with the next rate —
exact by memorylessness, so a burst in one short interval is sampled in full rather than
jumped over by a long gap drawn at a quiet interval's rate.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterator, Sequence
from itertools import accumulate
from typing import TypeVar

from .scenario import Scenario

T = TypeVar("T")


def arrival_times(
    scenario: Scenario, streams: Sequence[T], rng: random.Random
) -> Iterator[tuple[float, T]]:
    """(time, stream) in time order up to the horizon; ``streams`` parallels scenario.streams."""
    expo, draw = rng.expovariate, rng.random
    length, horizon = scenario.interval, scenario.horizon
    for index in range(scenario.intervals):
        rates = [stream.rate_at(index) for stream in scenario.streams]
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
