"""Done-when of issue 18: the client's resume loses and duplicates nothing across a forced
disconnect and a ``kill -9`` + restart of a real ``livechat-bridge serve`` on the same DB.

The client streams through a TCP proxy the test can cut (a network failure) and re-point at the
restarted bridge; messages are posted directly to the bridge before, during and after each
break. What the client handed out must be exactly what the restarted bridge says is committed
for the user, in order, with no gap and no repeat.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import pytest

from bridge.client import AgentClient, LivechatClient, ResumingStream, RetryPolicy
from bridge.http.schemas import RowOut
from tests.bridge.support import SOURCE_KEY
from tests.bridge.test_kill9 import start_bridge, write_config

from .support import CuttableProxy, agent_token, open_chat, present_agent

T = TypeVar("T")
PATIENT = RetryPolicy(attempts=60, first_delay=0.05, max_delay=0.5)  # outlasts a restart


def address(base: str) -> tuple[str, int]:
    parts = urlsplit(base)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


class Received:
    """What the streaming client handed out; ``reach`` awaits a seq with a bounded deadline."""

    def __init__(self) -> None:
        self.rows: list[RowOut] = []
        self._grew = asyncio.Event()

    @property
    def last(self) -> int:
        return self.rows[-1].seq if self.rows else 0

    async def consume(self, stream: ResumingStream) -> None:
        async for item in stream:
            if isinstance(item, RowOut):
                self.rows.append(item)
                self._grew.set()

    async def reach(self, seq: int) -> None:
        async with asyncio.timeout(20):
            while not self.rows or self.rows[-1].seq < seq:
                self._grew.clear()
                await self._grew.wait()


async def post_batch(base: str, chat_id: str, user_token: str, label: str, n: int = 6) -> int:
    """User and agent messages in turn, straight to the bridge; the last acknowledged seq."""
    async with (
        LivechatClient(base, SOURCE_KEY) as source,
        AgentClient(base, agent_token()) as agent,
    ):
        user = source.user_chat(chat_id, user_token)
        last = 0
        for i in range(n):
            if i % 2:
                last = (await agent.post(chat_id, f"{label}-agent-{i}")).seq
            else:
                last = (await user.post(f"{label}-user-{i}")).seq
        return last


@dataclass
class Rig:
    """A real bridge process on ``db``, reached by the streaming client through ``proxy``."""

    config: Path
    db: Path
    log: Path
    proxy: CuttableProxy
    process: asyncio.subprocess.Process
    base: str

    async def kill_and_restart(self, while_down: Callable[[], Awaitable[T]]) -> T:
        """kill -9, start ``while_down()`` (retrying via the proxy), restart on the same DB."""
        os.kill(self.process.pid, signal.SIGKILL)
        await self.process.wait()
        task = asyncio.create_task(while_down())
        self.process, self.base = await start_bridge(self.config, self.db, self.log)
        self.proxy.target = address(self.base)  # same DB, new port, same address for the client
        self.proxy.refuse = False
        return await task

    async def stop(self) -> None:
        await self.proxy.close()
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(15):
                await self.process.wait()


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    config, db, log = write_config(tmp_path), tmp_path / "events.db", tmp_path / "bridge.log"
    process, base = await start_bridge(config, db, log)
    proxy = CuttableProxy(address(base))
    await proxy.start()
    rig = Rig(config, db, log, proxy, process, base)
    yield rig
    await rig.stop()


async def test_resume_loses_and_repeats_nothing_across_a_cut_and_a_kill_9(rig: Rig):
    async with LivechatClient(rig.base, SOURCE_KEY) as source, present_agent(rig.base) as agent:
        chat = await open_chat(source, idempotency_key="conv-resume")
        await agent.accept(chat.chat_id)  # its lease outlasts the test
    post = lambda label: post_batch(rig.base, chat.chat_id, chat.user_token, label)  # noqa: E731
    received = Received()
    async with LivechatClient(rig.proxy.url, SOURCE_KEY, retry=PATIENT) as via_proxy:
        user = via_proxy.user_chat(chat.chat_id, chat.user_token)
        stream = user.stream(retry=PATIENT)
        consumer = asyncio.create_task(received.consume(stream))
        await received.reach(await post("live"))

        rig.proxy.refuse = True  # 1. the network drops; messages go on meanwhile
        rig.proxy.cut()
        during_cut = await post("cut")
        rig.proxy.refuse = False
        await received.reach(during_cut)

        live_at_kill = await post("kill-live")  # 2. kill -9 with the client connected
        await rig.kill_and_restart(lambda: asyncio.sleep(0))
        restarted = await post("restarted")
        await received.reach(restarted)  # reconnected to the restarted bridge

        rig.proxy.refuse = True  # 3. kill -9 with rows the client cannot have seen yet
        rig.proxy.cut()
        unseen = await post("unseen")
        seen_at_kill = received.last
        late = await rig.kill_and_restart(lambda: user.post("sent while down"))
        after = await post("after")
        async with AgentClient(rig.base, agent_token()) as agent:
            await agent.end(chat.chat_id)
        async with asyncio.timeout(20):
            await consumer  # the stream ends by itself at ChatClosed
        committed = await user.events()  # what the restarted bridge holds

    seqs = [r.seq for r in received.rows]
    assert seqs == [r.seq for r in committed], "exactly the committed rows, in order"
    assert len(set(seqs)) == len(seqs), "no duplicates"
    assert [r.payload for r in received.rows] == [r.payload for r in committed]
    assert seen_at_kill < unseen, "the unseen rows came from the restarted bridge's log"
    assert {during_cut, live_at_kill, restarted, unseen, late.seq, after} <= set(seqs)
    texts = [r.payload.get("text") for r in committed]
    assert texts.count("sent while down") == 1
    assert stream.connections >= 4, "reconnected after the cut and after each restart"
