"""Test helpers for the client: a handoff in one line, agent tokens, a TCP proxy we can cut."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from bridge.client import AgentClient, LivechatClient
from bridge.http.schemas import HandoffOut
from tests.bridge.support import agent_headers


def agent_token(agent_id: str = "alice", queues: tuple[str, ...] = ("Acme/GENERAL",)) -> str:
    return agent_headers(agent_id, queues)["Authorization"].removeprefix("Bearer ")


@contextlib.asynccontextmanager
async def present_agent(base_url: str, agent_id: str = "alice") -> AsyncIterator[AgentClient]:
    """An available agent kept present by heartbeats, as a tool without a console is."""
    async with AgentClient(base_url, agent_token(agent_id)) as agent, agent.keep_present():
        await agent.set_availability(True)
        yield agent


async def open_chat(client: LivechatClient, **overrides: Any) -> HandoffOut:
    body: dict[str, Any] = {
        "company": "Acme",
        "customer": {"id": "cust-1", "name": "Ann Smith"},
        "question": "My VPN does not connect",
        "transcript": [{"from": "user", "text": "vpn?"}, {"from": "bot", "text": "an agent"}],
    }
    return await client.handoff(**{**body, **overrides})


class CuttableProxy:
    """A loopback TCP proxy to ``target``: ``cut()`` drops every connection through it (a
    network failure, as the client sees one), ``refuse`` turns new connections away, and
    ``target`` may be pointed at a restarted bridge."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.refuse = False
        self._pipes: set[asyncio.StreamWriter] = set()
        self._server: asyncio.Server | None = None
        self.url = ""

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def close(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def cut(self) -> None:
        for writer in list(self._pipes):
            writer.transport.abort()
        self._pipes.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refuse:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._pipes.update((writer, up_writer))
        await asyncio.gather(_pump(reader, up_writer), _pump(up_reader, writer))
        self._pipes.difference_update((writer, up_writer))


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.transport.abort()
