"""The single-writer command path: engine command on the loop, rows to the writer, await commit.

The engine is synchronous and fast, so commands run inline on the event loop: no locks, and
the order in which commands run is the order of their ``seq`` and of their commits. Due timers
fire first, so a command never acts on a chat whose deadline already passed.

A command's events change the engine before they are committed. When a commit fails, the
owner rebuilds engine and projection from the log and hands them over with ``reset``, so what
was refused leaves no trace; if even that fails (the log cannot be read), the runner stays
``stale`` and refuses commands until a retry of ``restore`` succeeds. Until the writer's probe
finds the store taking commits again, commands are refused before they run, with the cause.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import structlog

from bridge.engine import Engine
from bridge.engine.events import Event, to_row
from bridge.store import Row, SideWrite, StoreFailed
from bridge.store.errors import classify

from .projection import Projection
from .writer import GroupCommitWriter

if TYPE_CHECKING:
    from .tracing import Tracer

log = structlog.get_logger("bridge.runner")

Command = Callable[[], list[Event]]
SideWrites = Callable[[list[Row]], Sequence[SideWrite]]


class CommandRunner:
    def __init__(
        self, engine: Engine, writer: GroupCommitWriter, projection: Projection, last_seq: int
    ) -> None:
        self.engine = engine
        self.projection = projection
        self._writer = writer
        self._seq = last_seq
        self.changed = asyncio.Event()  # set when a deadline earlier than ``watched`` appears
        self.watched: float | None = None  # the deadline the timer driver sleeps until
        self.restore: Callable[[], None] | None = None  # rebuilds from the log, then ``reset``
        self.stale: StoreFailed | None = None  # set while the state could not be rebuilt
        self.tracer: Tracer | None = None  # set when tracing is on: a span per ``run``

    def reset(self, engine: Engine, projection: Projection, last_seq: int) -> None:
        """Carry on from a state rebuilt from the log (the uncommitted one is dropped)."""
        self.engine, self.projection, self._seq = engine, projection, last_seq
        self.stale = None
        self.changed.set()  # the timer driver looks at the rebuilt deadlines

    def recover(self) -> None:
        """Rebuild the state from the log; on failure stay ``stale`` and raise why."""
        if self.restore is None:
            return
        try:
            self.restore()
        except Exception as exc:
            self.stale = classify(exc)
            raise self.stale from exc

    @property
    def last_seq(self) -> int:
        return self._seq

    async def run(self, *commands: Command, side: SideWrites | None = None) -> list[Row]:
        """Run commands in order; return their rows once committed with ``side``'s writes.

        If a command raises, the rows of those before it still commit (they changed the
        engine) and the error propagates: nothing of the failed command exists.
        """
        if self.tracer is None:
            return await self._run(commands, side)
        with self.tracer.command(commands) as span:
            rows = await self._run(commands, side)
            self.tracer.describe(span, rows)
            return rows

    async def _run(self, commands: Sequence[Command], side: SideWrites | None) -> list[Row]:
        self._check_store()
        self._detach(self._stamp(self.engine.advance()))
        rows: list[Row] = []
        try:
            for command in commands:
                rows += self._stamp(command())
            extra = side(rows) if side is not None else ()
        except BaseException:
            self._detach(rows)
            raise
        if rows or extra:
            await self._writer.submit(rows, extra)
        return rows

    async def tick(self) -> list[Row]:
        """Fire due timers and wait for their rows to be durable (the timer driver's step)."""
        self._check_store()
        rows = self._stamp(self.engine.advance())
        if rows:
            await self._writer.submit(rows)
        return rows

    def _check_store(self) -> None:
        """Refuse at once while the store is failing (the writer's probe says when it is
        back): a command refused before it runs costs no rebuild, and waits no busy timeout."""
        if self.stale is not None:
            self.recover()
        if self._writer.failed is not None:
            raise self._writer.failed

    def _detach(self, rows: list[Row]) -> None:
        """Commit without anyone waiting: a failure is logged by the writer."""
        if rows:
            self._writer.submit(rows).add_done_callback(_consume)

    def _stamp(self, events: list[Event]) -> list[Row]:
        if not events:
            return []
        rows = []
        name_of = self._name_of
        for event in events:
            self._seq += 1
            row = to_row(event, self._seq)
            self.projection.apply(row, name_of)
            rows.append(row)
        deadline = self.engine.next_deadline()
        if deadline is not None and (self.watched is None or deadline < self.watched):
            self.changed.set()
        return rows

    def _name_of(self, agent_id: str) -> str:
        return agent_name(self.engine, agent_id)


def agent_name(engine: Engine, agent_id: str) -> str:
    """What users are shown for an agent now (screen name, else first and last name)."""
    return engine.display_name(agent_id)


def _consume(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()


class TimerDriver:
    """Sleeps until the engine's next deadline (or a command moves it), then fires timers."""

    def __init__(
        self, runner: CommandRunner, clock: Callable[[], float] = time.time, speed: float = 1.0
    ) -> None:
        self._runner = runner
        self._clock = clock
        self._speed = speed  # engine seconds per wall second (engine.clock_speed)
        self._task: asyncio.Task[None] | None = None
        self.retry_after = 1.0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="livechat-timers")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        changed = self._runner.changed
        while True:
            deadline = self._runner.engine.next_deadline()
            timeout = None if deadline is None else max(deadline - self._clock(), 0.0) / self._speed
            self._runner.watched = deadline
            changed.clear()
            try:
                await asyncio.wait_for(changed.wait(), timeout)
                continue  # something moved: look at the deadline again
            except TimeoutError:
                pass
            try:
                await self._runner.tick()
            except Exception as exc:  # keep driving timers, without spinning on a failure
                log.error("timer_tick_failed", error=repr(exc))
                await asyncio.sleep(self.retry_after)
