"""A real local SMTP server (aiosmtpd) for the transcript tests: messages are awaited, not slept on.

``Inbox`` serves in the test's event loop (bridge tests); ``ThreadInbox`` in a thread of its own
(browser tests, whose test code is synchronous). Either can refuse the first ``refuse`` messages
with a temporary failure (451), so retries are seen to happen.
"""

from __future__ import annotations

import asyncio
import queue
import socket
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


class _Handler:
    def __init__(self, deliver: Any, refuse: int) -> None:
        self._deliver = deliver
        self.refuse = refuse
        self.refused = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refused < self.refuse:
            self.refused += 1
            return "451 4.3.0 try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        self._deliver((list(envelope.rcpt_tos), message))
        return "250 OK"


class Inbox:
    """An SMTP server on 127.0.0.1 in the running loop; ``await inbox.next()`` is a message."""

    def __init__(self, refuse: int = 0) -> None:
        self.messages: asyncio.Queue[tuple[list[str], EmailMessage]] = asyncio.Queue()
        self.handler = _Handler(self.messages.put_nowait, refuse)
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> Inbox:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(self.handler, hostname="localhost"), "127.0.0.1", 0
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def next(self, timeout: float = 10.0) -> tuple[list[str], EmailMessage]:
        return await asyncio.wait_for(self.messages.get(), timeout)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


class ThreadInbox:
    """The same server in a thread (``aiosmtpd.controller``) for synchronous tests."""

    def __init__(self) -> None:
        self.messages: queue.Queue[tuple[list[str], EmailMessage]] = queue.Queue()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._controller = Controller(
            _Handler(self.messages.put, 0), hostname="127.0.0.1", port=self.port
        )

    def start(self) -> ThreadInbox:
        self._controller.start()
        return self

    def next(self, timeout: float = 15.0) -> tuple[list[str], EmailMessage]:
        return self.messages.get(timeout=timeout)

    def stop(self) -> None:
        self._controller.stop()


def mail_settings(port: int, **overrides: Any) -> dict[str, Any]:
    """Bridge ``mail`` settings for a local test server (plain SMTP, quick retries)."""
    return {"host": "127.0.0.1", "port": port, "security": "none", "timeout": 5,
            "first_delay": 0.01, "max_delay": 0.05, **overrides}  # fmt: skip
