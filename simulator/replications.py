"""Independent replications on local processes (default) or a Dask distributed cluster.

Each replication is one picklable task: scenario, seed and output folder in; a small
:class:`~simulator.summary.Summary` out. Event logs never travel back to the parent: a worker
writes its own Parquet file. Replication ``i`` runs with seed ``seed + i``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from types import TracebackType
from typing import Any, TypeVar

from tqdm import tqdm

from reports.logmeta import LogMeta
from reports.logstream import LogWriter

from .driver import Simulation
from .scenario import Scenario
from .summary import LEVELS, Summary, summarize

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Task:
    scenario: Scenario
    seed: int
    index: int
    events_path: str | None = None
    levels: tuple[tuple[str, tuple[str, ...]], ...] | None = None


def run_task(task: Task, progress: Callable[[float], None] | None = None) -> Summary:
    """Simulate one replication and summarise it (in whatever process runs it).

    The events stream to Parquet in batches as the run goes (to a scratch file when no output
    folder was asked for); the summary then reads the file back, so no list of every event
    object is ever held."""
    with ExitStack() as stack:
        path = task.events_path
        if path is None:
            path = str(Path(stack.enter_context(TemporaryDirectory())) / "events.parquet")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        meta = LogMeta.of_scenario(task.scenario, task.seed, task.index + 1)
        with LogWriter(path, meta, keep=True) as writer:
            result = Simulation(task.scenario, task.seed, log=writer).run(progress)
        levels = dict(task.levels) if task.levels is not None else LEVELS
        return summarize(result, task.scenario, levels, log=writer.frame())


class Runner(AbstractContextManager["Runner"]):
    """Maps tasks over local processes or a Dask scheduler; results come back in task order."""

    def __init__(self, dask: str | None = None, workers: int | None = None) -> None:
        self.dask = dask
        self.workers = workers or os.cpu_count() or 1
        self._pool: Executor | None = None
        self._client: Any = None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
        if self._client is not None:
            self._client.close()

    def map(
        self, fn: Callable[[T], R], items: Iterable[T], desc: str | None = "replications"
    ) -> list[R]:
        """Results in task order; a progress bar (after a second) unless ``desc`` is None."""
        items = list(items)
        bar = tqdm(total=len(items), desc=desc, unit="run", delay=1.0, leave=False,
                   disable=desc is None)  # fmt: skip
        results: dict[int, R] = {}
        with bar:
            for index, value in self._completed(fn, items):
                results[index] = value
                bar.update()
        return [results[i] for i in range(len(items))]

    def _completed(self, fn: Callable[[T], R], items: list[T]) -> Iterator[tuple[int, R]]:
        if self.dask is not None:
            from dask.distributed import Client
            from dask.distributed import as_completed as dask_completed

            if self._client is None:
                self._client = Client(self.dask)
            futures = self._client.map(fn, items, pure=False)
            where = {f.key: i for i, f in enumerate(futures)}
            for future in dask_completed(futures):
                yield where[future.key], future.result()
            return
        if len(items) == 1 or self.workers == 1:
            for index, item in enumerate(items):
                yield index, fn(item)
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=min(self.workers, len(items)))
        futures = {self._pool.submit(fn, item): i for i, item in enumerate(items)}
        for future in as_completed(futures):
            yield futures[future], future.result()


def tasks(
    scenario: Scenario,
    replications: int,
    seed: int | None = None,
    out: str | os.PathLike[str] | None = None,
    levels: dict[str, tuple[str, ...]] | None = None,
) -> list[Task]:
    base = scenario.seed if seed is None else seed
    frozen = tuple(levels.items()) if levels is not None else None
    return [
        Task(scenario, base + i, i, _events_path(out, i, replications), frozen)
        for i in range(replications)
    ]


def _events_path(out: str | os.PathLike[str] | None, index: int, total: int) -> str | None:
    """Absolute: a Dask worker would resolve a relative path in its own working folder."""
    if out is None:
        return None
    if total == 1:
        return str(Path(out).resolve() / "events.parquet")
    return str(Path(out).resolve() / f"rep-{index + 1:02d}" / "events.parquet")


def replicate(
    scenario: Scenario,
    replications: int = 1,
    seed: int | None = None,
    out: str | os.PathLike[str] | None = None,
    dask: str | None = None,
    workers: int | None = None,
) -> list[Summary]:
    """Run the replications; a single one runs here, with a progress bar on simulated time."""
    jobs = tasks(scenario, replications, seed, out)
    if replications == 1 and dask is None:
        end = scenario.horizon + scenario.cooldown
        bar = tqdm(total=round(end / 3600, 2), desc="simulated hours", delay=1.0, leave=False)
        with bar:
            return [run_task(jobs[0], lambda t: bar.update(round(t / 3600, 2) - bar.n))]
    with Runner(dask, workers) as runner:
        return runner.map(run_task, jobs)
