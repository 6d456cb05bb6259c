"""Committed rows, in seq order, for work that must not sit on the command path.

Projections and reactions (the dashboard's counters, a ticket cancelled in the ITSM after an
abandon, a Bot Framework status callback) follow the log through the hub like any stream. A
follower never misses a row: when its subscription overflows it reads the gap from the store,
and it can start from the beginning of the log (rebuild a projection) or from its end (react
to new rows only).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import structlog

from bridge.store import Row

from .bridge import Bridge

log = structlog.get_logger("bridge.follower")

_CATCH_UP_BATCH = 10_000


class RowFollower:
    def __init__(self, bridge: Bridge, handle: Callable[[list[Row]], None], name: str) -> None:
        self._bridge = bridge
        self._handle = handle
        self._name = name
        self._sub = bridge.hub.subscribe_all()
        self._task: asyncio.Task[None] | None = None
        # Who waits in ``reached``: (seq, future), woken once ``seq`` is handled. A list, not
        # a Condition: every commit wakes each follower, and mostly nobody is waiting.
        self._waiting: list[tuple[int, asyncio.Future[None]]] = []
        self.seq = 0

    def start(self, *, replay: bool) -> None:
        """Feed the whole log first (``replay``) or only rows committed from now on."""
        if replay:
            self._catch_up()
        else:
            self.seq = self._bridge.store.max_seq()
        self._task = asyncio.create_task(self._run(), name=f"follower-{self._name}")

    async def stop(self) -> None:
        self._bridge.hub.unsubscribe(self._sub)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def reached(self, seq: int) -> None:
        """Wait until every row up to ``seq`` has been handled (tests, ordered answers)."""
        if self.seq >= seq:
            return
        future = asyncio.get_running_loop().create_future()
        self._waiting.append((seq, future))
        await future

    def _progressed(self) -> None:
        """Wake the ``reached`` waiters whose row has been handled."""
        if not self._waiting:
            return
        still = []
        for seq, future in self._waiting:
            if self.seq >= seq:
                if not future.done():
                    future.set_result(None)
            elif not future.done():  # a cancelled wait is dropped
                still.append((seq, future))
        self._waiting = still

    async def _run(self) -> None:
        while True:
            rows = await self._sub.queue.get()
            try:
                if self._sub.overflowed:
                    self._bridge.hub.unsubscribe(self._sub)
                    self._sub = self._bridge.hub.subscribe_all()
                    self._catch_up()
                else:
                    self._feed(rows)
            except Exception as exc:  # the store failed to read a gap: keep following
                log.error("follower_catch_up_failed", follower=self._name, error=repr(exc))
            self._progressed()

    def _catch_up(self) -> None:
        store = self._bridge.store
        while rows := store.rows_since(self.seq, _CATCH_UP_BATCH):
            self._feed(rows)

    def _feed(self, rows: list[Row]) -> None:
        fresh = [row for row in rows if row["seq"] > self.seq]
        if not fresh:
            return
        self.seq = fresh[-1]["seq"]
        try:
            self._handle(fresh)
        except Exception as exc:  # a failing reaction must not stop the ones after it
            log.error("follower_failed", follower=self._name, seq=self.seq, error=repr(exc))
