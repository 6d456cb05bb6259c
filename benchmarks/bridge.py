"""Message posts per second and server CPU per message: the whole bridge (durable) against
two bare aiohttp peers, at several connection counts.

All servers run as subprocesses on loopback and are driven by the same aiohttp client load:
``N`` workers, each posting user messages to its own assigned chat, for each ``N`` of
``--connections``. The bridge runs ``livechat-bridge serve`` on a temporary SQLite DB (WAL,
synchronous=NORMAL by default) and answers each post only after its group commit. The peers
parse the same JSON and answer the same shape, with no auth, engine or projections:

- ``bare aiohttp``: nothing else (the floor of aiohttp itself);
- ``bare+SQLite``: also writes each message to SQLite (same WAL and synchronous setting) from
  one writer thread, one commit per batch of what is pending, and answers after the commit:
  the floor of a *durable* message on the same stack.

Rounds alternate the three servers (background load hits them alike); each row is the median
of the rounds. CPU per message (user + system, all threads, ``/proc``) moves far less with
that load than msgs/s. ``.venv/bin/python benchmarks/bridge.py [--rounds 3] [--duration 3]
[--connections 8,32,128] [--synchronous FULL]``; the last line is the verdict at 32
connections: msgs/s and p99, then each peer's msgs/s and CPU per message ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import jwt
import yaml
from aiohttp import web

SECRET = "benchmark-secret-" + "x" * 32
SOURCE_KEY = "bench-key"
QUEUE = "Bench/GENERAL"


@dataclass
class Result:
    name: str
    count: int
    seconds: float
    latencies: list[float]
    cpu: float | None = None  # server CPU seconds (all threads) spent in the measured window

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(int(q * len(ordered)), len(ordered) - 1)] * 1000

    def line(self) -> str:
        """Server CPU per message: unlike msgs/s, barely moved by other load on the machine."""
        per_message = "n/a" if self.cpu is None else f"{self.cpu / self.count * 1e6:.0f} us"
        return (
            f"{self.name}: {self.rate:.0f} msgs/s p50 {self.percentile(0.5):.1f} ms "
            f"p99 {self.percentile(0.99):.1f} ms, {per_message} server CPU per message"
        )


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process, all threads (Linux ``/proc``); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PeerWriter:
    """The durable peer's group commit: what is pending goes in one transaction, in one writer
    thread, and every post in it is answered once that transaction has committed."""

    def __init__(self, db: Path, synchronous: str) -> None:
        self._db = sqlite3.connect(db, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={synchronous}")
        self._db.execute(
            "CREATE TABLE messages (seq INTEGER PRIMARY KEY, chat_id TEXT, payload TEXT)"
        )
        self._pending: list[tuple[int, str, str]] = []
        self._waiters: list[asyncio.Future[int]] = []
        self._wakeup = asyncio.Event()
        self._executor = ThreadPoolExecutor(1)
        self._seq = 0

    async def write(self, chat_id: str, payload: object) -> int:
        self._seq += 1
        self._pending.append((self._seq, chat_id, json.dumps(payload)))
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        self._wakeup.set()
        return await future

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending:
                rows, self._pending = self._pending, []
                waiters, self._waiters = self._waiters, []
                await loop.run_in_executor(self._executor, self._commit, rows)
                for (seq, _, _), future in zip(rows, waiters, strict=True):
                    future.set_result(seq)

    def _commit(self, rows: list[tuple[int, str, str]]) -> None:
        self._db.execute("BEGIN")
        self._db.executemany("INSERT INTO messages VALUES (?, ?, ?)", rows)
        self._db.execute("COMMIT")


def peer_app(db: Path | None, synchronous: str) -> web.Application:
    """A peer: parse the JSON body, answer 201 with a small JSON body; with ``db``, only once
    the message's row has committed (``PeerWriter``), else at once."""
    counter = iter(range(1, 1 << 62))

    async def post(request: web.Request) -> web.Response:
        body = await request.json()
        assert isinstance(body, dict)
        if db is None:
            n = next(counter)
        else:
            n = await request.app[writer_key].write(request.match_info["chat_id"], body)
        return web.json_response({"seq": n, "n": n}, status=201)

    async def writing(app: web.Application) -> Any:
        assert db is not None
        app[writer_key] = PeerWriter(db, synchronous)
        task = asyncio.create_task(app[writer_key].run())
        yield
        task.cancel()

    app = web.Application()
    if db is not None:
        app.cleanup_ctx.append(writing)
    app.router.add_post("/api/v1/chats/{chat_id}/messages", post)
    app.router.add_get("/healthz", lambda request: web.json_response({"status": "ok"}))
    return app


writer_key = web.AppKey("writer", PeerWriter)


async def wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(400):
            try:
                async with session.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            if process.poll() is not None:
                raise SystemExit(f"server exited with {process.returncode}")
            await asyncio.sleep(0.05)
    raise SystemExit("server did not start")


def start_bridge(tmp: Path, port: int, synchronous: str) -> subprocess.Popen[bytes]:
    config = {
        "secret": SECRET,
        "synchronous": synchronous,
        "sources": [{"name": "bench", "api_key": SOURCE_KEY}],
        "engine": {"auto_accept": True, "agent_lease": 3600, "queues": {QUEUE: {}}},
    }
    path = tmp / "bridge.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    script = Path(sys.executable).with_name("livechat-bridge")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bridge.cli"]
    return subprocess.Popen(
        [
            *command,
            "serve",
            "--config",
            str(path),
            "--db",
            str(tmp / "events.db"),
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=(tmp / "bridge.log").open("wb"),
    )


def start_peer(port: int, tmp: Path, synchronous: str, durable: bool) -> subprocess.Popen[bytes]:
    """This file again, serving a peer (``--serve-durable`` with its DB, else ``--serve-bare``)."""
    if durable:
        flags = ["--serve-durable", str(port), "--db", str(tmp / "peer.db")]
    else:
        flags = ["--serve-bare", str(port)]
    return subprocess.Popen([sys.executable, __file__, *flags, "--synchronous", synchronous])


def agent_token(agent_id: str) -> str:
    """Signed like ``livechat-bridge token`` (this file's name shadows the bridge package)."""
    claims = {
        "sub": agent_id,
        "typ": "agent",
        "first_name": "Agent",
        "last_name": agent_id,
        "roles": ["IT Agent"],
        "permissions": ["ESChat_Agent"],
        "queues": [QUEUE],
        "exp": int(time.time()) + 3600,
    }
    return jwt.encode(claims, SECRET, algorithm="HS256")


async def assigned_chats(base: str, count: int) -> list[tuple[str, str]]:
    """Sign agents in with room for every chat, then hand ``count`` chats over."""
    chats = []
    async with aiohttp.ClientSession() as session:
        for n in range((count + 9) // 10):
            token = agent_token(f"agent{n}")
            async with session.put(
                f"{base}/api/v1/agent/availability",
                json={"available": True, "capacity": 10},
                headers={"Authorization": f"Bearer {token}"},
            ) as response:
                assert response.status == 200, await response.text()
            async with session.post(  # no console: a heartbeat's lease is the agent's presence
                f"{base}/api/v1/agent/heartbeat",
                json={},
                headers={"Authorization": f"Bearer {token}"},
            ) as response:
                assert response.status == 200, await response.text()
        for n in range(count):
            body = {
                "source": "virtual_agent",
                "company": "Bench",
                "customer": {"id": f"u{n}", "name": "Bench User"},
                "question": "load",
            }
            async with session.post(
                f"{base}/api/v1/handoffs", json=body, headers={"X-API-Key": SOURCE_KEY}
            ) as response:
                answer = await response.json()
                assert answer["status"] == "assigned", answer
                chats.append((answer["chat_id"], answer["user_token"]))
    return chats


async def load(
    name: str, base: str, pid: int, chats: list[tuple[str, str]], warmup: float, duration: float
) -> Result:
    """Every worker posts to its own chat back to back; only the measured window counts."""
    latencies: list[float] = []
    cpu: list[float | None] = []
    start = time.perf_counter() + warmup
    stop = start + duration
    connector = aiohttp.TCPConnector(limit=len(chats))

    async def worker(chat_id: str, token: str) -> None:
        url = f"{base}/api/v1/chats/{chat_id}/messages"
        headers = {"Authorization": f"Bearer {token}"}
        n = 0
        while (now := time.perf_counter()) < stop:
            n += 1
            async with session.post(
                url, json={"text": f"message {n}"}, headers=headers
            ) as response:
                await response.read()
                if response.status != 201:
                    raise SystemExit(f"{name}: HTTP {response.status}")
            if now >= start:
                latencies.append(time.perf_counter() - now)

    async def sample_cpu() -> None:
        await asyncio.sleep(max(start - time.perf_counter(), 0))
        cpu.append(cpu_seconds(pid))
        await asyncio.sleep(max(stop - time.perf_counter(), 0))
        cpu.append(cpu_seconds(pid))

    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(sample_cpu(), *(worker(c, t) for c, t in chats))
    first, last = cpu
    spent = None if first is None or last is None else last - first
    return Result(name, len(latencies), duration, latencies, spent)


def median_of(name: str, rounds: list[Result]) -> Result:
    """One row per server: median msgs/s and CPU per message over the rounds, latency
    percentiles over every round's posts."""
    rate = statistics.median(r.rate for r in rounds)
    cpus = [r.cpu / r.count for r in rounds if r.cpu is not None]
    pooled = [x for r in rounds for x in r.latencies]
    cpu = statistics.median(cpus) * len(pooled) if cpus else None
    return Result(name, len(pooled), len(pooled) / rate, pooled, cpu)


def verdict(connections: int, rows: dict[str, Result]) -> str:
    bare, durable, bridge = rows[BARE], rows[DURABLE], rows[BRIDGE]
    per = {name: math.nan if r.cpu is None else r.cpu / r.count for name, r in rows.items()}
    return (
        f"bridge at {connections} connections: {bridge.rate:.0f} msgs/s "
        f"p99 {bridge.percentile(0.99):.1f} ms, {bridge.rate / bare.rate:.2f}x {BARE} msgs/s, "
        f"{per[BRIDGE] / per[BARE]:.2f}x its CPU per message; "
        f"{bridge.rate / durable.rate:.2f}x {DURABLE} msgs/s, "
        f"{per[BRIDGE] / per[DURABLE]:.2f}x its CPU per message"
    )


BARE, DURABLE, BRIDGE = "bare aiohttp", "bare+SQLite", "bridge"


async def measure(args: argparse.Namespace) -> None:
    levels = sorted({int(n) for n in args.connections.split(",")})
    with tempfile.TemporaryDirectory(prefix="livechat-bench-") as tmp:
        ports = {name: free_port() for name in (BARE, DURABLE, BRIDGE)}
        servers = {
            BARE: start_peer(ports[BARE], Path(tmp), args.synchronous, durable=False),
            DURABLE: start_peer(ports[DURABLE], Path(tmp), args.synchronous, durable=True),
            BRIDGE: start_bridge(Path(tmp), ports[BRIDGE], args.synchronous),
        }
        bases = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        try:
            for name, server in servers.items():
                await wait_ready(bases[name], server)
            chats = await assigned_chats(bases[BRIDGE], max(levels))
            verdicts = []
            for connections in levels:
                runs: dict[str, list[Result]] = {name: [] for name in servers}
                for _ in range(args.rounds):  # interleaved: background noise hits all alike
                    for name, server in servers.items():
                        result = await load(
                            name,
                            bases[name],
                            server.pid,
                            chats[:connections],
                            args.warmup,
                            args.duration,
                        )
                        runs[name].append(result)
                        print(f"  {connections:4d} conn  {result.line()}", flush=True)
                rows = {name: median_of(name, results) for name, results in runs.items()}
                for row in rows.values():
                    print(f"{connections:4d} conn  {row.line()}")
                verdicts.append(verdict(connections, rows))
                print(verdicts[-1], flush=True)
            print(f"synchronous={args.synchronous}, medians of {args.rounds} rounds:")
            for line in sorted(verdicts, key=lambda v: v.startswith("bridge at 32 ")):
                print(line)  # the 32-connection verdict (the target) last
        finally:
            for server in servers.values():
                server.terminate()
                server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--duration", type=float, default=3.0, help="measured seconds per round and server"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument(
        "--connections", default="8,32,128", help="comma-separated connection counts"
    )
    parser.add_argument("--synchronous", choices=["NORMAL", "FULL"], default="NORMAL")
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--serve-durable", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare or args.serve_durable:
        app = peer_app(args.db if args.serve_durable else None, args.synchronous)
        port = args.serve_durable or args.serve_bare
        web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)
        return
    asyncio.run(measure(args))


if __name__ == "__main__":
    main()
