"""Retries never duplicate: one answer per (scope, Idempotency-Key), kept with the events.

A command sent with an ``Idempotency-Key`` runs once per scope (a handoff's source; a
message's chat and sender). Its answer is written in the same transaction as its events, so a
retry after a timeout or a crash (``kill -9``) gets that answer instead of a second chat or
message. A retry that arrives while the first attempt is still running waits for it. The
request's hash is kept too: the same key with a different body is refused (422
``idempotency_key_reused``) instead of answering a question that was not asked.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from pydantic import BaseModel

from bridge.engine.errors import InvalidCommand
from bridge.runtime import Bridge
from bridge.store import EventStore, Row, SideWrite

from .schemas import IDEMPOTENCY_HEADER, MAX_IDEMPOTENCY_KEY


class InvalidIdempotencyKey(InvalidCommand):
    code = "invalid_idempotency_key"


class IdempotencyKeyReused(InvalidCommand):
    code = "idempotency_key_reused"


@dataclass(frozen=True, slots=True)
class Claim:
    """A key in its scope, and the hash of the request that first used it."""

    scope: str
    key: str
    digest: str

    def write(self, chat_id: str, answer: Row) -> SideWrite:
        """The side write that keeps ``answer`` for retries, committed with the events."""
        return EventStore.idempotency_write(self.scope, self.key, chat_id, answer, self.digest)


def request_hash(body: BaseModel) -> str:
    """The body as parsed (key order and spacing do not count), hashed."""
    return hashlib.sha256(body.model_dump_json(by_alias=True).encode()).hexdigest()


def claim(scope: str, key: str | None, body: BaseModel) -> Claim | None:
    """The claim for a request's key (None without one); a bad key is refused."""
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY:
        raise InvalidIdempotencyKey(
            f"{IDEMPOTENCY_HEADER} must be 1 to {MAX_IDEMPOTENCY_KEY} characters"
        )
    return Claim(scope, key, request_hash(body))


def header_claim(request: web.Request, scope: str, body: BaseModel) -> Claim | None:
    return claim(scope, request.headers.get(IDEMPOTENCY_HEADER), body)


async def once(
    bridge: Bridge, found: Claim | None, attempt: Callable[[Claim | None], Awaitable[Row]]
) -> tuple[Row, bool]:
    """(answer, created): run ``attempt`` unless this claim was answered; a failed attempt
    keeps nothing, so its retry runs again."""
    if found is None:
        return await attempt(None), True
    slot = (found.scope, found.key)
    while (previous := bridge.inflight.get(slot)) is not None:
        await asyncio.wait((previous,))  # its answer, if any, is committed once it is done
    stored = bridge.store.idempotent_answer(found.scope, found.key)
    if stored is not None:
        answer, digest = stored
        if digest is not None and digest != found.digest:
            raise IdempotencyKeyReused(
                f"{IDEMPOTENCY_HEADER} {found.key!r} was used for a different request;"
                " use a new key for a new request"
            )
        return answer, False
    future: asyncio.Future[Row] = asyncio.get_running_loop().create_future()
    bridge.inflight[slot] = future
    try:
        answer = await attempt(found)
    finally:
        del bridge.inflight[slot]
        future.cancel()  # wakes the waiters: they look at the store again
    return answer, True
