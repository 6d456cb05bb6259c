"""One HTTP session to a bridge, shared by every client object, with the retry rules applied.

A call is retried on a refused connection always (the bridge never saw it), on 429/502/503/504
always (the bridge did nothing), and on a connection cut mid-call only when repeating it is
safe: a GET or PUT, or a POST carrying an ``Idempotency-Key`` (sent unchanged on every
attempt, so the bridge does it once).
"""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlencode

import aiohttp

from bridge.http.schemas import IDEMPOTENCY_HEADER

from .errors import ConnectionFailed, LivechatClientError
from .retry import RETRY_STATUSES, RetryPolicy

_SAFE_METHODS = frozenset({"GET", "PUT", "HEAD", "DELETE"})


class Transport:
    """Base URL, session and retry policy; owns the session only if it made it."""

    def __init__(
        self,
        base_url: str,
        *,
        session: aiohttp.ClientSession | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self._session = session
        self._owned = session is None
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
            self._owned = True
        return self._session

    async def close(self) -> None:
        if self._owned and self._session is not None:
            await self._session.close()

    def ws_url(self, path: str, params: dict[str, Any]) -> str:
        base = "ws" + self.base_url.removeprefix("http")  # http -> ws, https -> wss
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return f"{base}{path}?{query}" if query else f"{base}{path}"

    async def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        *,
        json_body: Any = None,
        params: dict[str, Any] | None = None,
        repeatable: bool = False,
    ) -> Any:
        """The parsed JSON answer of a 2xx; a ``LivechatClientError`` for anything else.

        ``repeatable`` marks a POST that is harmless twice (a heartbeat) as safe to repeat.
        """
        safe = repeatable or method in _SAFE_METHODS or IDEMPOTENCY_HEADER in headers
        query = {k: v for k, v in (params or {}).items() if v is not None}
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= self.retry.attempts
            try:
                async with self.session.request(
                    method, self.base_url + path, headers=headers, json=json_body, params=query
                ) as response:
                    body = await _read(response)
                    if response.status < 400:
                        return body
                    error = LivechatClientError.from_body(response.status, body)
                    if response.status not in RETRY_STATUSES or last:
                        raise error
                    retry_after = response.headers.get("Retry-After")
            except aiohttp.ClientConnectorError as exc:  # never reached the bridge
                if last:
                    raise ConnectionFailed(f"{method} {path}: {exc}") from exc
                retry_after = None
            except (aiohttp.ClientConnectionError, TimeoutError) as exc:  # cut off mid-call
                if last or not safe:
                    raise ConnectionFailed(f"{method} {path}: {exc!r}") from exc
                retry_after = None
            await self.retry.wait(attempt, retry_after)


async def _read(response: aiohttp.ClientResponse) -> Any:
    """JSON of any JSON media type (problem+json too); the text when it is not JSON."""
    raw = await response.read()
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


class OwnsTransport:
    """A client object holding one ``Transport``: ``async with`` closes it on the way out
    (its session too, when the transport made it)."""

    transport: Transport

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await self.transport.close()
