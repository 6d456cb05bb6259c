"""The one writer: group commit of everything pending, then wake the waiting requests.

Commands run on the event loop and only queue their rows here. While a transaction is being
committed in the writer thread, new submissions pile up and go together in the next one, so a
burst of requests costs a few fsyncs, not one each. A request is answered only after the
transaction holding its rows has committed.

``derive`` turns a batch's rows into more side writes of the same transaction (the callback
outbox), so what the rows cause is durable exactly when they are. A submit with no rows (a
callback settled) just rides along with the next commit.

A failed commit is not the end: the batch's waiters and everything queued behind it (computed
from the same uncommitted state) fail with the ``StoreFailed`` that names the cause,
``on_failure`` puts the bridge back on the last committed state (only when rows were lost:
a batch of callback settles changed nothing in memory). While failing, the writer probes the
store every ``probe_interval`` seconds; once a probe commits, ``on_recovered`` lets the owner
finish (rebuild its state if that failed before) and ``failed`` clears, so health turns green
again once the disk has room or the lock is gone, with no traffic needed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog

from bridge.store import Row, SideWrite, Store, StoreFailed
from bridge.store.errors import classify

if TYPE_CHECKING:
    from .tracing import Tracer

log = structlog.get_logger("bridge.writer")

__all__ = ["GroupCommitWriter", "StoreFailed"]


@dataclass(slots=True)
class _Entry:
    rows: Sequence[Row]
    side: Sequence[SideWrite]
    future: asyncio.Future[None]
    trace: Any = None  # the submitter's span context, when tracing: the commit links to it


class GroupCommitWriter:
    def __init__(
        self,
        store: Store,
        on_commit: Callable[[list[Row]], None],
        observe: Callable[[int, float], None] | None = None,
        derive: Callable[[list[Row]], Sequence[SideWrite]] | None = None,
        on_failure: Callable[[StoreFailed], None] | None = None,
        probe_interval: float = 1.0,
        on_recovered: Callable[[], None] | None = None,
    ) -> None:
        self._store = store
        self._on_commit = on_commit
        self._observe = observe
        self._derive = derive
        self._on_failure = on_failure
        self._on_recovered = on_recovered
        self.probe_interval = probe_interval
        self._pending: list[_Entry] = []
        self._wakeup = asyncio.Event()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="livechat-writer")
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.failed: StoreFailed | None = None  # the last commit's failure, until one succeeds
        self.tracer: Tracer | None = None  # set when tracing is on: a span per commit

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="livechat-writer")

    def submit(self, rows: Sequence[Row], side: Sequence[SideWrite] = ()) -> asyncio.Future[None]:
        """Queue rows (in seq order relative to every earlier submit); await to see them durable."""
        future = asyncio.get_running_loop().create_future()
        trace = self.tracer.current() if self.tracer is not None else None
        self._pending.append(_Entry(rows, side, future, trace))
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
            await self._idle()
            while self._pending:
                batch, self._pending = self._pending, []
                await self._commit(batch)
            if self._closing:
                return

    async def _idle(self) -> None:
        """Wait for work; while the store is failing, probe it now and then meanwhile."""
        while True:
            timeout = self.probe_interval if self.failed is not None else None
            try:
                await asyncio.wait_for(self._wakeup.wait(), timeout)
            except TimeoutError:
                await self._probe()
                continue
            self._wakeup.clear()
            return

    async def _probe(self) -> None:
        """Commit one probe row; once it commits, the store is back."""
        try:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._store.probe)
        except Exception as exc:
            self.failed = classify(exc)
            return
        self._back("probe")

    def _back(self, by: str) -> None:
        """A commit went through: let the owner finish its recovery, then clear ``failed``."""
        try:
            if self._on_recovered is not None:
                self._on_recovered()
        except Exception as exc:  # e.g. its rebuild still cannot read the log: keep probing
            self.failed = classify(exc)
            return
        log.info("store_recovered", by=by)
        self.failed = None

    async def _commit(self, batch: list[_Entry]) -> None:
        if self.tracer is None:
            return await self._commit_batch(batch)
        acknowledged = [entry.trace for entry in batch if entry.trace is not None]
        with self.tracer.commit(acknowledged, sum(len(entry.rows) for entry in batch)):
            await self._commit_batch(batch)  # callbacks queued meanwhile are its children

    async def _commit_batch(self, batch: list[_Entry]) -> None:
        rows = [row for entry in batch for row in entry.rows]
        side = [write for entry in batch for write in entry.side]
        side += self._derived(rows)
        started = time.perf_counter()
        try:
            await asyncio.get_running_loop().run_in_executor(
                self._executor, self._store.write, rows, side
            )
        except Exception as exc:
            self._failed(batch, classify(exc), len(rows))
            return
        if self.failed is not None:
            self._back("commit")
        if self._observe is not None and rows:
            self._observe(len(rows), time.perf_counter() - started)
        try:
            self._on_commit(rows)
        except Exception as exc:  # fan-out must never lose an acknowledgement
            log.error("on_commit_failed", error=repr(exc))
        for entry in batch:
            if not entry.future.done():
                entry.future.set_result(None)

    def _failed(self, batch: list[_Entry], error: StoreFailed, rows: int) -> None:
        """Fail the batch and all queued behind it, then let the owner forget their state.

        Runs on the loop with no await, so no command runs between the failure and the
        rollback of the in-memory state."""
        if error.fault:
            self.failed = error
        log.error("commit_failed", code=error.code, error=error.cause or str(error), rows=rows)
        batch, self._pending = batch + self._pending, []
        for entry in batch:
            if not entry.future.done():
                entry.future.set_exception(error)
        if self._on_failure is not None and any(entry.rows for entry in batch):
            try:
                self._on_failure(error)
            except Exception as exc:  # the owner stays stale: keep probing, retry on recovery
                log.error("on_failure_failed", error=repr(exc))
                self.failed = classify(exc)

    def _derived(self, rows: list[Row]) -> Sequence[SideWrite]:
        if not rows or self._derive is None:
            return ()
        try:
            return self._derive(rows)
        except Exception as exc:  # a bad derivation must not cost the rows themselves
            log.error("derive_failed", error=repr(exc), rows=len(rows))
            return ()
