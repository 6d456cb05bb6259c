"""The one writer: group commit of everything pending, then wake the waiting requests.

Commands run on the event loop and only queue their rows here. While a transaction is being
committed in the writer thread, new submissions pile up and go together in the next one, so a
burst of requests costs a few fsyncs, not one each. A request is answered only after the
transaction holding its rows has committed.

``derive`` turns a batch's rows into more side writes of the same transaction (the callback
outbox), so what the rows cause is durable exactly when they are. A submit with no rows (a
callback settled) just rides along with the next commit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import structlog

from bridge.store import EventStore, Row, SideWrite

log = structlog.get_logger("bridge.writer")


class StoreFailed(RuntimeError):
    """A commit failed: the engine is ahead of the log, so the bridge stops taking commands."""

    code = "store_failed"


@dataclass(slots=True)
class _Entry:
    rows: Sequence[Row]
    side: Sequence[SideWrite]
    future: asyncio.Future[None]


class GroupCommitWriter:
    def __init__(
        self,
        store: EventStore,
        on_commit: Callable[[list[Row]], None],
        observe: Callable[[int, float], None] | None = None,
        derive: Callable[[list[Row]], Sequence[SideWrite]] | None = None,
    ) -> None:
        self._store = store
        self._on_commit = on_commit
        self._observe = observe
        self._derive = derive
        self._pending: list[_Entry] = []
        self._wakeup = asyncio.Event()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="livechat-writer")
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.failed: BaseException | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="livechat-writer")

    def submit(self, rows: Sequence[Row], side: Sequence[SideWrite] = ()) -> asyncio.Future[None]:
        """Queue rows (in seq order relative to every earlier submit); await to see them durable."""
        if self.failed is not None:
            raise StoreFailed("the event store failed earlier; restart the bridge")
        future = asyncio.get_running_loop().create_future()
        self._pending.append(_Entry(rows, side, future))
        self._wakeup.set()
        return future

    async def close(self) -> None:
        """Commit what is pending, then stop the thread."""
        self._closing = True
        self._wakeup.set()
        if self._task is not None:
            await self._task
        self._executor.shutdown(wait=True)

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending:
                batch, self._pending = self._pending, []
                await self._commit(batch)
            if self._closing:
                return

    async def _commit(self, batch: list[_Entry]) -> None:
        rows = [row for entry in batch for row in entry.rows]
        side = [write for entry in batch for write in entry.side]
        side += self._derived(rows)
        started = time.perf_counter()
        try:
            await asyncio.get_running_loop().run_in_executor(
                self._executor, self._store.write, rows, side
            )
        except Exception as exc:  # the log and the engine now disagree: refuse what follows
            self.failed = exc
            log.error("commit_failed", error=repr(exc), rows=len(rows))
            for entry in batch:
                if not entry.future.done():
                    entry.future.set_exception(StoreFailed(str(exc)))
            return
        if self._observe is not None and rows:
            self._observe(len(rows), time.perf_counter() - started)
        try:
            self._on_commit(rows)
        except Exception as exc:  # fan-out must never lose an acknowledgement
            log.error("on_commit_failed", error=repr(exc))
        for entry in batch:
            if not entry.future.done():
                entry.future.set_result(None)

    def _derived(self, rows: list[Row]) -> Sequence[SideWrite]:
        if not rows or self._derive is None:
            return ()
        try:
            return self._derive(rows)
        except Exception as exc:  # a bad derivation must not cost the rows themselves
            log.error("derive_failed", error=repr(exc), rows=len(rows))
            return ()
