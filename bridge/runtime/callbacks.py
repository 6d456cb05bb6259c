"""Signed webhook delivery with retries, off the command path.

``submit`` only queues: a slow or dead receiver never delays the engine or a request. Posts
that share a ``key`` (a chat) go out one at a time in submit order, so a receiver sees a
chat's rows in seq order; different keys go out concurrently up to ``concurrency``. Each post
is retried with exponential backoff on network errors, 408, 429 and 5xx, up to ``attempts``.

Every attempt first passes the source's ``TargetPolicy`` again (``bridge.webhooks``: the
allow-list may have changed since the handoff), then connects only to addresses the policy
allows: the session's resolver refuses a host name that resolves to a loopback, private or
link-local address unless the source allows those, and the connection goes to exactly the
addresses it checked (no second lookup a rebinding DNS could answer differently). Redirects
are not followed: a 3xx is a failed delivery. A refused target is settled as ``refused``.

Each post is signed the Standard Webhooks way with the source's current ``callback_secret``
(looked up at send time, so secrets never sit in the database and a rotated secret signs the
backlog too): ``webhook-id`` is the delivery id, the same on every retry and after restarts,
and ``webhook-timestamp`` is the attempt's own, signed with the body.

An ``auth`` hook (``CallbackAuth``) may add a credential at send time (the Bot Connector's
bearer token, ``connector_auth``): never stored with the callback; a 401 to a post that
carried one tells the hook and is retried with a fresh credential.

Durable callbacks do not go through ``submit``: the writer puts them in the store's outbox in
the same transaction as their rows, and ``pump`` feeds whatever the outbox holds beyond what
it has already queued (after each commit, and on start: the backlog a crash or a shutdown left).
Each outcome is settled through the writer (delivered: removed; given up, rejected or refused:
marked ``failed``, never retried), so delivery is at least once.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import aiohttp
import structlog
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from bridge.settings import CallbackSettings, SourceSettings
from bridge.store import Store
from bridge.webhooks import CallbackNotAllowed, check_target, is_internal, signed_headers

from .writer import GroupCommitWriter, StoreFailed

if TYPE_CHECKING:
    from .tracing import Tracer

log = structlog.get_logger("bridge.callbacks")

_RETRY_STATUSES = frozenset({408, 429})
SourceOf = Callable[[str | None], SourceSettings | None]


def delivery_id(chat_id: str, seq: int) -> str:
    """The stable id of a row's callback: the same on every retry and after any restart."""
    return f"{chat_id}:{seq}"


class TargetRefused(OSError):
    """A host name resolved to an address its source may not reach (raised in the resolver)."""


class GuardedResolver(AbstractResolver):
    """Resolve, then refuse the whole host if any address is internal (``is_internal``).

    aiohttp connects to the addresses this returns, so what was checked is what is reached.
    """

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        self._inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        for entry in found:
            if _internal(entry["host"]):
                raise TargetRefused(f"{host} resolves to the internal address {entry['host']}")
        return found

    async def close(self) -> None:
        await self._inner.close()


def _internal(address: str) -> bool:
    try:
        return is_internal(address)
    except ValueError:  # not an address we can judge: do not connect to it
        return True


@dataclass(slots=True)
class Callback:
    url: str
    body: bytes
    source: str | None  # whose secret signs it and whose allow-list it must pass
    delivery_id: str  # webhook-id: stable across retries, for receivers to de-duplicate on
    outbox_id: int | None = None  # set for a durable callback: settled in the outbox when done
    trace: Any = None  # when tracing: the span (a commit's) its delivery span is a child of


class Outbox(Protocol):
    """Where durable callbacks wait: read on the loop, settled through the one writer."""

    def pending(self, after: int) -> list[tuple[str, Callback]]:
        """``(key, callback)`` of unsettled callbacks with an outbox id above ``after``."""
        ...

    def settle(self, outbox_id: int, delivered: bool) -> None: ...


class CallbackAuth(Protocol):
    """Adds a credential to a post at send time (``connector_auth.ConnectorAuth``)."""

    async def headers(self, source: str | None, url: str) -> dict[str, str]: ...

    def refused(self) -> None: ...

    async def close(self) -> None: ...


class CallbackDelivery:
    """``source_of`` maps a source name to its current settings (secret and allow-list);
    ``resolver`` is the DNS lookup behind the guard (tests give a fake one)."""

    def __init__(
        self,
        settings: CallbackSettings,
        source_of: SourceOf,
        on_outcome: Callable[[str], None] | None = None,
        outbox: Outbox | None = None,
        resolver: AbstractResolver | None = None,
        auth: CallbackAuth | None = None,
    ) -> None:
        self._settings = settings
        self._auth = auth
        self._source_of = source_of
        self._on_outcome = on_outcome or (lambda outcome: None)
        self._outbox = outbox
        self._resolver = resolver
        self._queued_id = 0  # the highest outbox id already queued here
        self._closed = False
        self._queues: dict[str, deque[Callback]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._limit = asyncio.Semaphore(settings.concurrency)
        # By allow_private_callbacks: only the False one checks what host names resolve to.
        self._sessions: dict[bool, aiohttp.ClientSession] = {}
        self._guard: GuardedResolver | None = None
        self._rng = random.Random()
        self.tracer: Tracer | None = None  # set when tracing is on: a span per delivery

    async def start(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self._settings.timeout)
        self._guard = GuardedResolver(self._resolver)  # ours to close: a connector given one won't
        guarded = aiohttp.TCPConnector(resolver=self._guard)
        self._sessions = {
            False: aiohttp.ClientSession(timeout=timeout, connector=guarded),
            True: aiohttp.ClientSession(
                timeout=timeout, connector=aiohttp.TCPConnector(resolver=self._resolver)
            ),
        }

    def submit(
        self, key: str, url: str, payload: bytes | Any, source: str | None, msg_id: str
    ) -> None:
        """Queue a post that is not kept anywhere (a crash loses it); bytes go as is, else JSON."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self._enqueue(key, Callback(url, body, source, msg_id))

    def pump(self) -> int:
        """Queue the outbox's callbacks not queued yet, in commit order; returns how many."""
        if self._outbox is None or self._closed:  # after close the outbox keeps them
            return 0
        pending = self._outbox.pending(self._queued_id)
        trace = self.tracer.current() if self.tracer is not None else None
        for key, item in pending:
            item.trace = trace
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
        for session in self._sessions.values():
            await session.close()
        if self._guard is not None:
            await self._guard.close()
        if self._auth is not None:
            await self._auth.close()

    async def _work(self, key: str) -> None:
        queue = self._queues[key]
        try:
            while queue:
                if self.tracer is None:
                    await self._deliver(queue[0])
                else:
                    await self._traced(key, queue[0], self.tracer)
                queue.popleft()
        finally:
            del self._workers[key]
            if not queue:
                del self._queues[key]

    async def _traced(self, key: str, item: Callback, tracer: Tracer) -> None:
        with tracer.delivery(item.trace, key, item.delivery_id, item.url) as span:
            span.set_attribute("livechat.outcome", await self._deliver(item))

    async def _deliver(self, item: Callback) -> str:
        s = self._settings
        for attempt in range(s.attempts):
            outcome = await self._post(item)
            if outcome != "retry":
                self._settle(item, outcome)
                return outcome
            if attempt + 1 < s.attempts:
                delay = min(s.first_delay * 2**attempt, s.max_delay)
                await asyncio.sleep(delay * (0.5 + self._rng.random() / 2))
        log.warning(
            "callback_given_up", url=item.url, attempts=s.attempts, delivery=item.delivery_id
        )
        self._settle(item, "given_up")
        return "given_up"

    def _settle(self, item: Callback, outcome: str) -> None:
        self._on_outcome(outcome)
        if self._outbox is not None and item.outbox_id is not None:
            self._outbox.settle(item.outbox_id, outcome == "delivered")

    async def _post(self, item: Callback) -> str:
        """``delivered``, ``refused`` (a target its source may not reach), ``rejected`` (a
        3xx or 4xx that retrying will not fix) or ``retry``."""
        source = self._source_of(item.source)
        try:
            if source is None:
                raise CallbackNotAllowed(f"source {item.source!r} is no longer configured")
            secret, policy = check_target(source, item.url)
        except CallbackNotAllowed as exc:
            log.warning("callback_refused", url=item.url, delivery=item.delivery_id, why=str(exc))
            return "refused"
        headers = signed_headers(secret, item.delivery_id, item.body, time.time())
        if self.tracer is not None:  # the receiver may continue the delivery's trace
            self.tracer.inject(headers)
        session = self._sessions[policy.allow_private]
        try:
            credential = await self._credential(item)
            headers.update(credential)
            async with (
                self._limit,
                session.post(
                    item.url, data=item.body, headers=headers, allow_redirects=False
                ) as response,
            ):
                status = response.status
        except aiohttp.ClientConnectorError as exc:
            if isinstance(exc.os_error, TargetRefused):
                log.warning("callback_refused", url=item.url, delivery=item.delivery_id,
                            why=str(exc.os_error))  # fmt: skip
                return "refused"
            log.info("callback_failed", url=item.url, error=repr(exc))
            return "retry"
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("callback_failed", url=item.url, error=repr(exc))
            return "retry"
        if status == 401 and credential and self._auth is not None:
            self._auth.refused()  # the next attempt asks for a fresh credential
            return "retry"
        return _outcome(item, status)

    async def _credential(self, item: Callback) -> dict[str, str]:
        return {} if self._auth is None else await self._auth.headers(item.source, item.url)


def _outcome(item: Callback, status: int) -> str:
    """Standard Webhooks' reading of the answer: only 2xx delivers, a redirect is a failure."""
    if status < 300:
        return "delivered"
    if status < 500 and status not in _RETRY_STATUSES:
        log.warning("callback_rejected", url=item.url, status=status, delivery=item.delivery_id)
        return "rejected"
    return "retry"


class StoreOutbox:
    """The store's ``callback_outbox`` as an ``Outbox``: settles ride the writer's group commit."""

    def __init__(self, store: Store, writer: GroupCommitWriter) -> None:
        self._store = store
        self._writer = writer

    def pending(self, after: int) -> list[tuple[str, Callback]]:
        return [
            (
                entry.chat_id,
                Callback(entry.url, entry.body, entry.source, entry.delivery_id, entry.id),
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
