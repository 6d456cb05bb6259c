"""Signed webhook delivery with retries, off the command path.

``submit`` only queues: a slow or dead receiver never delays the engine or a request. Posts
that share a ``key`` (a chat) go out one at a time in submit order, so a receiver sees a
chat's rows in seq order; different keys go out concurrently up to ``concurrency``. Each post
is retried with exponential backoff on network errors, 408, 429 and 5xx, up to ``attempts``.

Reusable for any signed callback (the Bot Framework ``handoff.status`` one too): give it a
URL, a body and the secret to sign with.

Durable callbacks do not go through ``submit``: the writer puts them in the store's outbox in
the same transaction as their rows, and ``pump`` feeds whatever the outbox holds beyond what
it has already queued (after each commit, and on start: the backlog a crash or a shutdown left).
Each outcome is settled through the writer (delivered: removed; given up or rejected: marked
``failed``, never retried), so delivery is at least once, with a stable id per delivery in
``X-Livechat-Delivery`` for receivers to de-duplicate on.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import random
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp
import structlog

from bridge.settings import CallbackSettings
from bridge.store.sqlite import EventStore

from .writer import GroupCommitWriter, StoreFailed

log = structlog.get_logger("bridge.callbacks")

SIGNATURE_HEADER = "X-Livechat-Signature"
TIMESTAMP_HEADER = "X-Livechat-Timestamp"
DELIVERY_HEADER = "X-Livechat-Delivery"
_RETRY_STATUSES = frozenset({408, 429})


def delivery_id(chat_id: str, seq: int) -> str:
    """The stable id of a row's callback: the same on every retry and after any restart."""
    return f"{chat_id}:{seq}"


def signature(body: bytes, secret: str) -> str:
    """``sha256=<hex HMAC-SHA256 of the raw body>``: what receivers recompute and compare."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed_headers(body: bytes, secret: str | None, now: float | None = None) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(int(time.time() if now is None else now)),
    }
    if secret:
        headers[SIGNATURE_HEADER] = signature(body, secret)
    return headers


@dataclass(slots=True)
class Callback:
    url: str
    body: bytes
    secret: str | None
    headers: Mapping[str, str] = field(default_factory=dict)
    outbox_id: int | None = None  # set for a durable callback: settled in the outbox when done


class Outbox(Protocol):
    """Where durable callbacks wait: read on the loop, settled through the one writer."""

    def pending(self, after: int) -> list[tuple[str, Callback]]:
        """``(key, callback)`` of unsettled callbacks with an outbox id above ``after``."""
        ...

    def settle(self, outbox_id: int, delivered: bool) -> None: ...


class CallbackDelivery:
    def __init__(
        self,
        settings: CallbackSettings,
        on_outcome: Callable[[str], None] | None = None,
        outbox: Outbox | None = None,
    ) -> None:
        self._settings = settings
        self._on_outcome = on_outcome or (lambda outcome: None)
        self._outbox = outbox
        self._queued_id = 0  # the highest outbox id already queued here
        self._closed = False
        self._queues: dict[str, deque[Callback]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._limit = asyncio.Semaphore(settings.concurrency)
        self._session: aiohttp.ClientSession | None = None
        self._rng = random.Random()

    async def start(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self._settings.timeout)
        self._session = aiohttp.ClientSession(timeout=timeout)

    def submit(
        self,
        key: str,
        url: str,
        payload: bytes | Any,
        secret: str | None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Queue a post that is not kept anywhere (a crash loses it); bytes go as is, else JSON."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self._enqueue(key, Callback(url, body, secret, headers or {}))

    def pump(self) -> int:
        """Queue the outbox's callbacks not queued yet, in commit order; returns how many."""
        if self._outbox is None or self._closed:  # after close the outbox keeps them
            return 0
        pending = self._outbox.pending(self._queued_id)
        for key, item in pending:
            self._enqueue(key, item)
            self._queued_id = max(self._queued_id, item.outbox_id or 0)
        return len(pending)

    def _enqueue(self, key: str, item: Callback) -> None:
        self._queues.setdefault(key, deque()).append(item)
        if key not in self._workers:
            self._workers[key] = asyncio.create_task(self._work(key), name=f"callback-{key}")

    async def idle(self) -> None:
        """Wait until everything submitted so far is delivered or given up."""
        while self._workers:
            await asyncio.gather(*self._workers.values(), return_exceptions=True)

    async def close(self, timeout: float) -> None:
        self._closed = True
        try:
            await asyncio.wait_for(self.idle(), timeout)
        except TimeoutError:
            for task in list(self._workers.values()):
                task.cancel()
            await asyncio.gather(*self._workers.values(), return_exceptions=True)
            log.warning(
                "callbacks_pending_on_shutdown", pending=sum(len(q) for q in self._queues.values())
            )
        if self._session is not None:
            await self._session.close()

    async def _work(self, key: str) -> None:
        queue = self._queues[key]
        try:
            while queue:
                await self._deliver(queue[0])
                queue.popleft()
        finally:
            del self._workers[key]
            if not queue:
                del self._queues[key]

    async def _deliver(self, item: Callback) -> None:
        s = self._settings
        for attempt in range(s.attempts):
            outcome = await self._post(item)
            if outcome != "retry":
                self._settle(item, outcome)
                return
            if attempt + 1 < s.attempts:
                delay = min(s.first_delay * 2**attempt, s.max_delay)
                await asyncio.sleep(delay * (0.5 + self._rng.random() / 2))
        log.warning(
            "callback_given_up",
            url=item.url,
            attempts=s.attempts,
            delivery=item.headers.get(DELIVERY_HEADER),
        )
        self._settle(item, "given_up")

    def _settle(self, item: Callback, outcome: str) -> None:
        self._on_outcome(outcome)
        if self._outbox is not None and item.outbox_id is not None:
            self._outbox.settle(item.outbox_id, outcome == "delivered")

    async def _post(self, item: Callback) -> str:
        """``delivered``, ``rejected`` (a 4xx that retrying will not fix) or ``retry``."""
        assert self._session is not None, "start() first"
        headers = {**signed_headers(item.body, item.secret), **item.headers}
        try:
            async with (
                self._limit,
                self._session.post(item.url, data=item.body, headers=headers) as response,
            ):
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("callback_failed", url=item.url, error=repr(exc))
            return "retry"
        if status < 300:
            return "delivered"
        if status < 500 and status not in _RETRY_STATUSES:
            log.warning("callback_rejected", url=item.url, status=status)
            return "rejected"
        return "retry"


class StoreOutbox:
    """The store's ``callback_outbox`` as an ``Outbox``: settles ride the writer's group commit.

    ``secret_of`` maps a source name to its callback secret at send time, so secrets never
    sit in the database and a rotated secret signs the backlog too.
    """

    def __init__(
        self,
        store: EventStore,
        writer: GroupCommitWriter,
        secret_of: Callable[[str | None], str | None],
    ) -> None:
        self._store = store
        self._writer = writer
        self._secret_of = secret_of

    def pending(self, after: int) -> list[tuple[str, Callback]]:
        return [
            (
                entry.chat_id,
                Callback(
                    entry.url,
                    entry.body,
                    self._secret_of(entry.source),
                    {DELIVERY_HEADER: entry.delivery_id},
                    entry.id,
                ),
            )
            for entry in self._store.pending_callbacks(after)
        ]

    def settle(self, outbox_id: int, delivered: bool) -> None:
        try:
            future = self._writer.submit((), (self._store.outbox_settle(outbox_id, delivered),))
        except StoreFailed as exc:  # redelivered after a restart: at least once
            log.error("callback_settle_failed", outbox_id=outbox_id, error=repr(exc))
            return
        future.add_done_callback(_consume)


def _consume(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()
