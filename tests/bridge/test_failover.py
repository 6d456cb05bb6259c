"""Leader and standby on one PostgreSQL database, as real ``livechat-bridge serve`` processes.

Two bridges share a database: the leader answers, the standby says so (503 ``standby``) and
changes nothing. Under load the leader is killed with SIGKILL, three times; each time the
standby takes over (the takeover time is printed), the killed one comes back as the new
standby, every acknowledged chat and message is there, retries with the same
Idempotency-Keys create nothing twice, and a user stream resumed with ``since`` on the new
leader sees every message of its chat exactly once.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
import yaml

from .support import SECRET, SOURCE_KEY, handoff_body
from .test_kill9 import KILL_AFTER, Acks, bridge_command, free_port, post_message, retry_all, verify

pytestmark = pytest.mark.slow

WORKERS = 12
KILLS = 3
TAKEOVER_BOUND = 10.0  # seconds: "within a few seconds", with room for a loaded CI machine


@dataclass
class Node:
    port: int
    log: Path
    process: asyncio.subprocess.Process | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def write_config(tmp_path: Path, url: str) -> Path:
    config = {
        "secret": SECRET,
        "database_url": url,
        "db_path": str(tmp_path / "unused.db"),
        "sources": [{"name": "bot", "api_key": SOURCE_KEY}],
        "engine": {"auto_accept": False},
    }
    path = tmp_path / "bridge.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


async def spawn(node: Node, config: Path) -> None:
    with node.log.open("ab") as out:
        node.process = await asyncio.create_subprocess_exec(
            *bridge_command(), "serve", "--config", str(config),
            "--host", "127.0.0.1", "--port", str(node.port),
            stdout=out, stderr=out, cwd=config.parent,
        )  # fmt: skip


async def health(session: aiohttp.ClientSession, node: Node) -> tuple[int, dict] | None:
    try:
        async with session.get(f"{node.base}/healthz") as response:
            return response.status, await response.json()
    except (aiohttp.ClientError, ConnectionError, TimeoutError, json.JSONDecodeError):
        return None


async def wait_role(session: aiohttp.ClientSession, node: Node, role: str) -> None:
    """Poll /healthz (bounded) until the node answers as ``role``."""
    want = (200, "ok") if role == "leader" else (503, "standby")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = await health(session, node)
        if found is not None and (found[0], found[1].get("status")) == want:
            assert found[1]["role"] == role, found
            return
        assert node.process is not None and node.process.returncode is None, node.log.read_text()
        await asyncio.sleep(0.05)
    raise AssertionError(f"{node.base} never became {role}:\n{node.log.read_text()[-3000:]}")


async def load(
    session: aiohttp.ClientSession, base: str, n: int, acks: Acks, owned: dict[int, str]
) -> None:
    """Hand a chat over (until one is acknowledged), then post to it until the bridge dies;
    record only 2xx answers. A handoff retried with its key answers the same chat (200)."""
    try:
        if n not in owned:
            async with session.post(
                f"{base}/api/v1/handoffs",
                json=handoff_body(),
                headers={"X-API-Key": SOURCE_KEY, "Idempotency-Key": f"w{n}"},
            ) as response:
                assert response.status in (200, 201), await response.text()
                chat = await response.json()
            owned[n] = chat["chat_id"]
            acks.chats[chat["chat_id"]] = chat["user_token"]
            acks.ack()
        chat_id = owned[n]
        token = acks.chats[chat_id]
        for i in range(10_000):
            text = f"w{n}-{base[-5:]}-m{i}-{len(acks.messages.get(chat_id, []))}"
            acks.inflight[chat_id] = (text, text)
            posted = await post_message(session, base, chat_id, token, text, text, 201)
            del acks.inflight[chat_id]
            acks.messages.setdefault(chat_id, []).append((posted["seq"], text))
            acks.ack()
    except (TimeoutError, aiohttp.ClientError, ConnectionError):
        return  # the leader was killed under us


class Follower:
    """A user's stream that reconnects to whoever leads, resuming with ``since``."""

    def __init__(self, chat_id: str, token: str) -> None:
        self.chat_id, self.token = chat_id, token
        self.seqs: list[int] = []
        self.texts: list[str] = []

    async def run(self, session: aiohttp.ClientSession, leader: list[Node]) -> None:
        while True:
            since = self.seqs[-1] if self.seqs else 0
            url = f"{leader[0].base}/api/v1/chats/{self.chat_id}/stream"
            try:
                async with session.ws_connect(
                    f"{url}?token={self.token}&since={since}", heartbeat=None
                ) as ws:
                    async for message in ws:
                        self._take(json.loads(message.data))
            except (aiohttp.ClientError, ConnectionError, TimeoutError):
                pass
            await asyncio.sleep(0.05)  # the leader is down: try again (cancelled at the end)

    def sent(self) -> list[str]:
        return [text for text in self.texts if text.startswith("w")]

    def _take(self, row: dict) -> None:
        if "seq" not in row:
            return  # QueueUpdate: ephemeral, no seq
        assert not self.seqs or row["seq"] > self.seqs[-1], "a row was sent twice"
        self.seqs.append(row["seq"])
        if row["type"] == "MessagePosted":
            self.texts.append(row["payload"]["text"])


async def kill_under_load(
    session: aiohttp.ClientSession, leader: Node, acks: Acks, owned: dict[int, str]
) -> tuple[float, int]:
    """Load the leader until KILL_AFTER more answers, SIGKILL it; returns the kill time."""
    acks.count, acks.enough = 0, asyncio.Event()
    tasks = [
        asyncio.create_task(load(session, leader.base, n, acks, owned)) for n in range(WORKERS)
    ]
    async with asyncio.timeout(60):
        await acks.enough.wait()
    assert leader.process is not None
    os.kill(leader.process.pid, signal.SIGKILL)
    killed = time.monotonic()
    await leader.process.wait()
    await asyncio.gather(*tasks)
    return killed, acks.count


async def standby_refuses(session: aiohttp.ClientSession, standby: Node, leader: Node) -> None:
    """A standby answers 503 ``standby`` and changes nothing on the leader."""
    async with session.get(f"{leader.base}/healthz") as response:
        before = (await response.json())["seq"]
    async with session.post(
        f"{standby.base}/api/v1/handoffs",
        json=handoff_body(),
        headers={"X-API-Key": SOURCE_KEY, "Idempotency-Key": "to-the-standby"},
    ) as response:
        body = await response.json()
        assert response.status == 503 and body["code"] == "standby", body
        assert response.headers["Retry-After"] == "1"
    found = await health(session, standby)
    assert found is not None and found[1]["role"] == "standby"
    async with session.get(f"{leader.base}/healthz") as response:
        assert (await response.json())["seq"] == before


async def test_the_standby_takes_over_from_a_killed_leader_losing_nothing(
    tmp_path: Path, pg_url: str
) -> None:
    config = write_config(tmp_path, pg_url)
    nodes = [Node(free_port(), tmp_path / f"bridge-{i}.log") for i in range(2)]
    acks, takeovers, owned = Acks(), [], {}
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        try:
            await spawn(nodes[0], config)
            await wait_role(session, nodes[0], "leader")
            await spawn(nodes[1], config)
            await wait_role(session, nodes[1], "standby")
            await standby_refuses(session, nodes[1], nodes[0])
            leader = [nodes[0]]
            follower: Follower | None = None
            stream: asyncio.Task[None] | None = None
            for round_ in range(KILLS):
                old, new = leader[0], nodes[1] if leader[0] is nodes[0] else nodes[0]
                killed, answered = await kill_under_load(session, old, acks, owned)
                if follower is None:  # from the first round on: one user's stream
                    follower = Follower(*next(iter(acks.chats.items())))
                await wait_role(session, new, "leader")
                takeovers.append(time.monotonic() - killed)
                leader[0] = new
                if stream is None:
                    stream = asyncio.create_task(follower.run(session, leader))
                print(f"kill {round_ + 1}: {answered} answers, takeover {takeovers[-1]:.2f} s")
                await spawn(old, config)  # the killed one comes back as the standby
                await wait_role(session, old, "standby")
                assert await verify(session, new.base, acks) == sum(
                    map(len, acks.messages.values())
                )
            base = leader[0].base
            acknowledged = sum(map(len, acks.messages.values()))
            retries = await retry_all(session, base, acks)
            assert retries >= acknowledged
            assert await verify(session, base, acks) == sum(map(len, acks.messages.values()))
            assert follower is not None and stream is not None
            await until_stream_has(session, base, follower, acks)
            stream.cancel()
            await asyncio.gather(stream, return_exceptions=True)
        finally:
            await stop_all(nodes)
    print(f"takeover times (s): {', '.join(f'{t:.2f}' for t in takeovers)}")
    assert len(takeovers) == KILLS
    assert max(takeovers) < TAKEOVER_BOUND
    assert sum(map(len, acks.messages.values())) + len(acks.chats) >= KILL_AFTER * KILLS


async def until_stream_has(
    session: aiohttp.ClientSession, base: str, follower: Follower, acks: Acks
) -> None:
    """The resumed stream ends up with every message its chat holds, once each, in order
    (acknowledged ones and any the kills cut off after they committed)."""
    headers = {"Authorization": f"Bearer {follower.token}"}
    async with session.get(f"{base}/api/v1/chats/{follower.chat_id}/events", headers=headers) as r:
        events = (await r.json())["events"]
    stored = [e["payload"]["text"] for e in events if e["type"] == "MessagePosted"]
    stored = [text for text in stored if text.startswith("w")]
    assert {text for _, text in acks.messages[follower.chat_id]} <= set(stored)
    deadline = time.monotonic() + 15
    while follower.sent()[-1:] != stored[-1:] and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert follower.sent() == stored


async def stop_all(nodes: list[Node]) -> None:
    for node in nodes:
        if node.process is not None and node.process.returncode is None:
            node.process.send_signal(signal.SIGTERM)
    for node in nodes:
        if node.process is not None:
            try:
                async with asyncio.timeout(15):
                    await node.process.wait()
            except TimeoutError:
                node.process.kill()
