"""A real bridge process killed with SIGKILL under load loses nothing it acknowledged, and
clients that retry with their Idempotency-Keys afterwards create nothing twice."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import yaml

from .support import SECRET, SOURCE_KEY, handoff_body

WORKERS = 16
KILL_AFTER = 200  # acknowledged requests before the kill
MAX_PER_WORKER = 60  # bounds the load if the kill were late


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bridge_command() -> list[str]:
    script = Path(sys.executable).with_name("livechat-bridge")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bridge.cli"]


def write_config(tmp_path: Path) -> Path:
    config = {
        "secret": SECRET,
        "sources": [{"name": "bot", "api_key": SOURCE_KEY}],
        "engine": {"auto_accept": False},
    }
    path = tmp_path / "bridge.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


async def start_bridge(config: Path, db: Path, log: Path) -> tuple[asyncio.subprocess.Process, str]:
    port = free_port()
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            *bridge_command(),
            "serve",
            "--config",
            str(config),
            "--db",
            str(db),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            stdout=out,
            stderr=out,
        )
    base = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as session:
        for _ in range(300):  # bounded wait for the process to listen
            try:
                async with session.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        return process, base
            except aiohttp.ClientConnectionError:
                pass
            assert process.returncode is None, log.read_text()
            await asyncio.sleep(0.05)
    raise AssertionError(f"the bridge did not start:\n{log.read_text()}")


@dataclass
class Acks:
    chats: dict[str, str] = field(default_factory=dict)  # chat_id -> user token
    messages: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    # chat_id -> (key, text) of the message whose answer the kill cut off
    inflight: dict[str, tuple[str, str]] = field(default_factory=dict)
    count: int = 0
    enough: asyncio.Event = field(default_factory=asyncio.Event)

    def ack(self) -> None:
        self.count += 1
        if self.count >= KILL_AFTER:
            self.enough.set()


async def worker(session: aiohttp.ClientSession, base: str, n: int, acks: Acks) -> None:
    """Hand a chat over, then post to it until the bridge dies; record only 2xx answers."""
    try:
        async with session.post(
            f"{base}/api/v1/handoffs",
            json=handoff_body(),
            headers={"X-API-Key": SOURCE_KEY, "Idempotency-Key": f"w{n}"},
        ) as response:
            assert response.status == 201, await response.text()
            chat = await response.json()
        chat_id, token = chat["chat_id"], chat["user_token"]
        acks.chats[chat_id] = token
        acks.ack()
        for i in range(MAX_PER_WORKER):
            text = f"w{n}-m{i}"
            acks.inflight[chat_id] = (text, text)  # the text is its own key
            posted = await post_message(session, base, chat_id, token, text, text, 201)
            del acks.inflight[chat_id]
            acks.messages.setdefault(chat_id, []).append((posted["seq"], text))
            acks.ack()
    except (TimeoutError, aiohttp.ClientError, ConnectionError):
        return  # the bridge was killed under us: whatever was not answered may be lost


async def post_message(
    session: aiohttp.ClientSession,
    base: str,
    chat_id: str,
    token: str,
    text: str,
    key: str,
    *statuses: int,
) -> dict:
    async with session.post(
        f"{base}/api/v1/chats/{chat_id}/messages",
        json={"text": text},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    ) as response:
        assert response.status in statuses, await response.text()
        return await response.json()


async def retry_all(session: aiohttp.ClientSession, base: str, acks: Acks) -> int:
    """Retry every acknowledged message (same answer, 200) and every one the kill cut off
    (201 if it was lost, 200 if it had committed); returns the retries made."""
    retries = 0
    for chat_id, token in acks.chats.items():
        for seq, text in acks.messages.get(chat_id, []):
            again = await post_message(session, base, chat_id, token, text, text, 200)
            assert again["seq"] == seq, f"a retry of {text} answered another message"
            retries += 1
        if chat_id in acks.inflight:
            key, text = acks.inflight[chat_id]
            posted = await post_message(session, base, chat_id, token, text, key, 200, 201)
            acks.messages.setdefault(chat_id, []).append((posted["seq"], text))
            retries += 1
    return retries


async def verify(session: aiohttp.ClientSession, base: str, acks: Acks) -> int:
    checked = 0
    for chat_id, token in acks.chats.items():
        headers = {"Authorization": f"Bearer {token}"}
        async with session.get(f"{base}/api/v1/chats/{chat_id}", headers=headers) as response:
            assert response.status == 200, f"acknowledged chat {chat_id} is gone"
        async with session.get(
            f"{base}/api/v1/chats/{chat_id}/events", headers=headers
        ) as response:
            events = (await response.json())["events"]
        posted = [(r["seq"], r["payload"]["text"]) for r in events if r["type"] == "MessagePosted"]
        texts = [text for _, text in posted]
        assert len(texts) == len(set(texts)), f"a message of {chat_id} was stored twice"
        for ack in acks.messages.get(chat_id, []):
            assert ack in posted, f"acknowledged message {ack} of {chat_id} is gone"
            checked += 1
    return checked


async def test_sigkill_under_load_loses_nothing_acknowledged(tmp_path: Path):
    config, db, log = write_config(tmp_path), tmp_path / "events.db", tmp_path / "bridge.log"
    process, base = await start_bridge(config, db, log)
    acks = Acks()
    timeout = aiohttp.ClientTimeout(total=10)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            tasks = [asyncio.create_task(worker(session, base, n, acks)) for n in range(WORKERS)]
            async with asyncio.timeout(30):
                await acks.enough.wait()
            os.kill(process.pid, signal.SIGKILL)
            await process.wait()
            await asyncio.gather(*tasks)
    finally:
        if process.returncode is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    assert acks.count >= KILL_AFTER
    assert sum(map(len, acks.messages.values())) < WORKERS * MAX_PER_WORKER, "killed mid-load"

    process, base = await start_bridge(config, db, log)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            assert len(acks.chats) == WORKERS
            assert acks.inflight, "the kill cut no message off: nothing was retried"
            acknowledged = sum(map(len, acks.messages.values()))
            retries = await retry_all(session, base, acks)
            assert retries == acknowledged + len(acks.inflight)
            checked = await verify(session, base, acks)
            assert checked == sum(map(len, acks.messages.values()))
            # A retried handoff after the crash still returns the acknowledged chat.
            async with session.post(
                f"{base}/api/v1/handoffs",
                json=handoff_body(),
                headers={"X-API-Key": SOURCE_KEY, "Idempotency-Key": "w0"},
            ) as response:
                assert response.status == 200
                assert (await response.json())["chat_id"] in acks.chats
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(15):
            await process.wait()
    assert process.returncode == 0, "SIGTERM shuts down gracefully"
    assert (
        next(
            itertools.dropwhile(
                lambda line: "bridge_stopped" not in line, log.read_text().splitlines()
            ),
            None,
        )
        is not None
    )
