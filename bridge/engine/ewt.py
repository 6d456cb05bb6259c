"""Estimated wait time (EWT) for a waiting chat: pluggable, documented estimators.

Both estimators answer "how long until the chat at ``position`` in this queue is accepted?".
The engine asks them on arrival (recorded as ``WaitEstimated``) and whenever the bridge pushes
an update, so the simulator measures exactly what users are told.
"""

from __future__ import annotations

from itertools import islice
from operator import mul
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .model import Queue


class Estimator(Protocol):
    name: str

    def estimate(
        self, queue: Queue, position: int, now: float, waited: float = 0.0
    ) -> float | None: ...


class QueueState:
    """Position times the mean recent handle time, divided by the queue's serving slots.

    With c busy slots and exponential handle times, the p-th slot to free up does so after
    p / (c * mu) on average: this is that expectation. None when nobody serves the queue.
    """

    name = "queue_state"

    def __init__(self, default_handle: float = 300.0) -> None:
        self.default_handle = default_handle

    def estimate(
        self, queue: Queue, position: int, now: float, waited: float = 0.0
    ) -> float | None:
        if queue.slots <= 0:
            return None
        handle = queue.mean_handle()
        if handle is None:
            handle = self.default_handle
        return position * handle / queue.slots


class RecentHistory:
    """Weighted mean wait of the chats most recently accepted from the queue.

    The last ``depth`` acceptances within ``window`` seconds, the newest weighted ``depth``
    down to the oldest weighted 1. Falls back to ``fallback`` when there is no such history.
    The history does not depend on position, so a chat already waiting is told that mean
    minus what it has waited so far (it falls as time passes); once that runs out, the fallback
    answers from its position.
    """

    name = "recent_history"

    def __init__(
        self, depth: int = 10, window: float = 600.0, fallback: Estimator | None = None
    ) -> None:
        self.depth = depth
        self.window = window
        self.fallback = fallback or QueueState()

    def estimate(
        self, queue: Queue, position: int, now: float, waited: float = 0.0
    ) -> float | None:
        waits, depth, window = queue.waits, self.depth, self.window
        if 0 < depth < len(waits):  # the deque keeps as many as the deepest estimator reads
            waits = islice(waits, len(waits) - depth, None)
        recent = [w for at, w in waits if now - at <= window]
        if not recent:
            return self.fallback.estimate(queue, position, now, waited)
        n = len(recent)  # weights: oldest 1 ... newest n
        mean = sum(map(mul, recent, range(1, n + 1))) / (n * (n + 1) // 2)
        if waited <= 0 or mean - waited > 0:
            return mean - waited
        return self.fallback.estimate(queue, position, now, waited)


def default_estimators() -> list[Estimator]:
    """The first one is what users are told; the others are recorded for comparison."""
    return [RecentHistory(), QueueState()]


ESTIMATORS: dict[str, type[Estimator]] = {
    "recent_history": RecentHistory,
    "queue_state": QueueState,
}


def estimators_named(names: list[str]) -> list[Estimator]:
    """Estimators from their names (settings, scenario files); the first is what users are told."""
    unknown = [name for name in names if name not in ESTIMATORS]
    if unknown:
        raise ValueError(f"unknown estimator(s) {unknown}; choose from {sorted(ESTIMATORS)}")
    return [ESTIMATORS[name]() for name in names]
