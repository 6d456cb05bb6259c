"""Token buckets by key: a steady rate with room for a burst, on an injected monotonic clock.

Used to bound what a publishable key (one that ships in a web page, so anyone has it) and
the demo login let one caller do. Memory stays bounded: buckets are kept in least-recently
used order and the oldest are forgotten past ``max_keys`` (a forgotten caller starts again
with a full bucket, which under a flood of distinct addresses is the lesser harm).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from bridge.engine.errors import LivechatError


class RateLimited(LivechatError):
    """Too many requests from one caller; ``retry_after`` says when one more will pass."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    """One bucket per key: ``burst`` tokens, refilled at ``rate`` per second."""

    def __init__(
        self,
        rate: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> float:
        """Spend a token for ``key``: 0.0 if one was there, else the seconds until one is."""
        now = self._clock()
        bucket = self._buckets.pop(key, None)
        if bucket is None:
            bucket = _Bucket(float(self.burst), now)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
        self._buckets[key] = bucket  # most recently used last
        while len(self._buckets) > self._max_keys:
            del self._buckets[next(iter(self._buckets))]
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate

    def __len__(self) -> int:
        return len(self._buckets)


def check(buckets: TokenBuckets, key: str, what: str) -> None:
    """Raise ``RateLimited`` (with whole seconds to wait) when ``key``'s bucket is empty."""
    wait = buckets.take(key)
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise RateLimited(f"too many {what}; try again in {seconds} s", seconds)
