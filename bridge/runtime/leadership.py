"""Leader and standby on one PostgreSQL database: who may run the bridge, and for how long.

Exactly one bridge process is the leader: it holds the database's advisory lock on a
connection of its own (``AdvisoryLock``). The others wait as standbys, asking for the lock
every ``standby_poll_interval`` seconds; the server drops the lock the moment the leader's
session ends (``kill -9`` closes its socket), so a standby takes over within one poll, opens
the store (a fresh epoch: the old leader can commit nothing more) and replays the log.

A leader that loses its lock connection (a partition, a server restart) is no longer the
leader: ``watch`` notices within ``interval`` seconds and calls ``on_lost``, which the CLI
turns into a shutdown; its supervisor starts it again, as a standby. SQLite needs none of
this: its one-bridge ``flock`` is the same rule on one machine.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import structlog

from bridge.store.postgres import AdvisoryLock, redacted

log = structlog.get_logger("bridge.leadership")


async def wait_for_lead(
    url: str, poll: float, on_standby: Callable[[], Awaitable[None]]
) -> AdvisoryLock:
    """The lock, at once if it is free, else after standing by (``on_standby`` is called once,
    before the first wait: the caller starts answering as a standby then)."""
    loop = asyncio.get_running_loop()
    lock = await loop.run_in_executor(None, AdvisoryLock.try_acquire, url)
    if lock is not None:
        return lock
    await on_standby()
    waited_from = time.monotonic()
    log.info("standby", database=redacted(url))
    while lock is None:
        await asyncio.sleep(poll)  # a poll interval, not a wait for a condition we could await
        try:
            lock = await loop.run_in_executor(None, AdvisoryLock.try_acquire, url)
        except Exception as exc:  # the server is away: a standby keeps waiting
            log.warning("standby_poll_failed", error=repr(exc))
    log.info("leadership_acquired", waited_s=round(time.monotonic() - waited_from, 3))
    return lock


async def watch(lock: AdvisoryLock, on_lost: Callable[[], None], interval: float = 1.0) -> None:
    """Check the lock's connection every ``interval`` seconds; call ``on_lost`` once it fails."""
    loop = asyncio.get_running_loop()
    while await loop.run_in_executor(None, lock.alive):
        await asyncio.sleep(interval)
    log.error("leadership_lost", database=redacted(lock.url))
    on_lost()
