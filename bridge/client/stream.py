"""A WebSocket stream that survives disconnects and bridge restarts, losing and repeating nothing.

The bridge's streams resume after ``since``: on connect it sends every committed row after it,
then live rows. So the client keeps the ``seq`` of the last row it handed out, reconnects with
``since=<that seq>`` whenever the socket ends (the bridge shutting down, closing a consumer that
fell behind, a restart, a network cut), and drops any row at or below it: nothing is lost,
nothing is handed out twice. Messages without a ``seq`` (``QueueUpdate``, ``Counts``) are state
now, not logged events; they are handed out as ``Notice`` and a resumed stream gets fresh ones.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from bridge.http.schemas import RowOut

from .errors import ConnectionFailed, LivechatClientError
from .retry import RETRY_STATUSES, RetryPolicy
from .transport import Transport

# Reconnecting waits longer than a single call: a restarting bridge replays its log first.
STREAM_RETRY = RetryPolicy(attempts=30, first_delay=0.1, max_delay=2.0)


@dataclass(slots=True)
class Notice:
    """A stream message with no ``seq`` (``QueueUpdate``, ``Counts``): how things stand now."""

    type: str
    payload: dict[str, Any]


StreamItem = RowOut | Notice


class ResumingStream:
    """``async for item in stream``: rows in ``seq`` order exactly once, plus notices.

    ``last_seq`` is the resume point (persist it to resume in another process);
    ``connections`` counts the sockets opened, so a caller can see reconnects happened.
    """

    def __init__(
        self,
        transport: Transport,
        path: str,
        token: str,
        since: int | Callable[[], Awaitable[int]],
        *,
        stop: Callable[[RowOut], bool] | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._transport = transport
        self._path = path
        self._token = token
        self._since = since
        self._stop = stop
        self._retry = retry or STREAM_RETRY
        self.last_seq = since if isinstance(since, int) else -1
        self.connections = 0

    def __aiter__(self) -> AsyncIterator[StreamItem]:
        return self._items()

    async def _items(self) -> AsyncIterator[StreamItem]:
        if self.last_seq < 0:
            assert callable(self._since)
            self.last_seq = await self._since()
        failures = 0  # consecutive sockets that failed or ended handing out nothing
        while True:
            error: Exception | None = None
            try:
                async with contextlib.aclosing(self._one_connection()) as items:
                    async for item in items:  # closed with us: the socket never outlives us
                        failures = 0
                        yield item
                        if isinstance(item, RowOut) and self._stop and self._stop(item):
                            return
            except aiohttp.WSServerHandshakeError as exc:
                if exc.status not in RETRY_STATUSES:
                    raise await self._refusal(exc) from exc
                error = exc
            except (aiohttp.ClientConnectionError, TimeoutError) as exc:
                error = exc
            failures += 1
            if failures >= self._retry.attempts:
                raise ConnectionFailed(f"stream {self._path}: {error or 'kept closing'!r}")
            await self._retry.wait(failures)

    async def _one_connection(self) -> AsyncIterator[StreamItem]:
        """Items from one socket, rows at or below ``last_seq`` dropped; ends when it closes."""
        url = self._transport.ws_url(self._path, {"token": self._token, "since": self.last_seq})
        async with self._transport.session.ws_connect(url, heartbeat=15.0) as ws:
            self.connections += 1
            async for message in ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = json.loads(message.data)
                if "seq" not in data:
                    yield Notice(data.get("type", ""), data.get("payload") or {})
                    continue
                row = RowOut.model_validate(data)
                if row.seq <= self.last_seq:
                    continue
                self.last_seq = row.seq
                yield row

    async def _refusal(self, exc: aiohttp.WSServerHandshakeError) -> LivechatClientError:
        """The bridge's own error for a refused socket: the same URL without the upgrade."""
        url = self._transport.ws_url(self._path, {"token": self._token, "since": self.last_seq})
        try:
            async with self._transport.session.get(url.replace("ws", "http", 1)) as response:
                body = await response.json(content_type=None)
                return LivechatClientError.from_body(response.status, body)
        except (aiohttp.ClientError, ValueError):
            return LivechatClientError(f"http_{exc.status}", exc.status, exc.message)
