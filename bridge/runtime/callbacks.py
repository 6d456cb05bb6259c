"""Signed webhook delivery with retries, off the command path.

``submit`` only queues: a slow or dead receiver never delays the engine or a request. Posts
that share a ``key`` (a chat) go out one at a time in submit order, so a receiver sees a
chat's rows in seq order; different keys go out concurrently up to ``concurrency``. Each post
is retried with exponential backoff on network errors, 408, 429 and 5xx, up to ``attempts``.

Reusable for any signed callback (the Bot Framework ``handoff.status`` one too): give it a
URL, a body and the secret to sign with.
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
from typing import Any

import aiohttp
import structlog

from bridge.settings import CallbackSettings

log = structlog.get_logger("bridge.callbacks")

SIGNATURE_HEADER = "X-Livechat-Signature"
TIMESTAMP_HEADER = "X-Livechat-Timestamp"
_RETRY_STATUSES = frozenset({408, 429})


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


class CallbackDelivery:
    def __init__(
        self, settings: CallbackSettings, on_outcome: Callable[[str], None] | None = None
    ) -> None:
        self._settings = settings
        self._on_outcome = on_outcome or (lambda outcome: None)
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
        """Queue a post; ``payload`` is sent as is if bytes, else as JSON."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self._queues.setdefault(key, deque()).append(Callback(url, body, secret, headers or {}))
        if key not in self._workers:
            self._workers[key] = asyncio.create_task(self._work(key), name=f"callback-{key}")

    async def idle(self) -> None:
        """Wait until everything submitted so far is delivered or given up."""
        while self._workers:
            await asyncio.gather(*self._workers.values(), return_exceptions=True)

    async def close(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self.idle(), timeout)
        except TimeoutError:
            for task in list(self._workers.values()):
                task.cancel()
            await asyncio.gather(*self._workers.values(), return_exceptions=True)
            log.warning(
                "callbacks_dropped_on_shutdown", pending=sum(len(q) for q in self._queues.values())
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
                self._on_outcome(outcome)
                return
            if attempt + 1 < s.attempts:
                delay = min(s.first_delay * 2**attempt, s.max_delay)
                await asyncio.sleep(delay * (0.5 + self._rng.random() / 2))
        self._on_outcome("given_up")
        log.warning("callback_given_up", url=item.url, attempts=s.attempts)

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
