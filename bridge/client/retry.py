"""When and how long to wait before trying a call again.

Retried: connection failures, 502/503/504, and 429 (after the server's ``Retry-After`` when it
gives one). Never retried: any other 4xx (the call itself is wrong; repeating it changes
nothing) and other 5xx. The delay doubles per attempt up to ``max_delay``, with full jitter so
many clients cut off together do not come back together.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(slots=True)
class RetryPolicy:
    """``attempts`` counts the first try; ``sleep`` and ``rand`` are injectable for tests."""

    attempts: int = 5
    first_delay: float = 0.2
    max_delay: float = 10.0
    max_retry_after: float = 60.0  # a Retry-After beyond this is capped, not obeyed blindly
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)
    rand: Callable[[], float] = field(default=random.random, repr=False)

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        asked = parse_retry_after(retry_after)
        if asked is not None:
            return min(asked, self.max_retry_after)
        ceiling = min(self.max_delay, self.first_delay * 2 ** (attempt - 1))
        return ceiling * (0.5 + 0.5 * self.rand())  # jitter, never less than half the step

    async def wait(self, attempt: int, retry_after: str | None = None) -> None:
        await self.sleep(self.delay(attempt, retry_after))


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
