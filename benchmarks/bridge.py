"""Message posts per second through the whole bridge (durable) against a bare aiohttp handler.

Both servers run as subprocesses on loopback and are driven by the same aiohttp client load:
``--connections`` workers, each posting user messages to its own assigned chat. The bridge
runs ``livechat-bridge serve`` on a temporary SQLite DB (WAL, synchronous=NORMAL by default)
and answers each post only after its group commit. The bare handler parses the same JSON and
answers the same shape, with no auth, engine or store.

    .venv/bin/python benchmarks/bridge.py [--rounds 2] [--duration 4] [--connections 32]
        [--synchronous FULL]

The last line reads like ``bridge: 4321 msgs/s p50 3.1 ms p99 9.8 ms, 0.62x bare aiohttp``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

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
        return (
            f"{self.name}: {self.rate:.0f} msgs/s p50 {self.percentile(0.5):.1f} ms "
            f"p99 {self.percentile(0.99):.1f} ms"
        )

    def cpu_note(self) -> str:
        """Server CPU per message: unlike msgs/s, barely moved by other load on the machine."""
        per_message = "n/a" if self.cpu is None else f"{self.cpu / self.count * 1e6:.0f} us"
        return f"{self.name}: {per_message} server CPU per message"


def combined(results: list[Result]) -> Result:
    cpus = [r.cpu for r in results]
    return Result(
        results[0].name,
        sum(r.count for r in results),
        sum(r.seconds for r in results),
        [x for r in results for x in r.latencies],
        None if any(c is None for c in cpus) else sum(c for c in cpus if c is not None),
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


def bare_app() -> web.Application:
    """The peer: parse the JSON body, answer 201 with a small JSON body, nothing else."""
    counter = iter(range(1, 1 << 62))

    async def post(request: web.Request) -> web.Response:
        body = await request.json()
        assert isinstance(body, dict)
        n = next(counter)
        return web.json_response({"seq": n, "n": n}, status=201)

    app = web.Application()
    app.router.add_post("/api/v1/chats/{chat_id}/messages", post)
    app.router.add_get("/healthz", lambda request: web.json_response({"status": "ok"}))
    return app


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


def start_bare(port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, __file__, "--serve-bare", str(port)])


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


async def measure(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="livechat-bench-") as tmp:
        bridge_port, bare_port = free_port(), free_port()
        servers = [start_bridge(Path(tmp), bridge_port, args.synchronous), start_bare(bare_port)]
        try:
            bridge_base, bare_base = (f"http://127.0.0.1:{p}" for p in (bridge_port, bare_port))
            await wait_ready(bridge_base, servers[0])
            await wait_ready(bare_base, servers[1])
            chats = await assigned_chats(bridge_base, args.connections)
            runs: dict[str, list[Result]] = {"bare aiohttp": [], "bridge": []}
            for _ in range(args.rounds):  # interleaved, so background noise hits both alike
                for name, base, server in (
                    ("bare aiohttp", bare_base, servers[1]),
                    ("bridge", bridge_base, servers[0]),
                ):
                    result = await load(name, base, server.pid, chats, args.warmup, args.duration)
                    runs[name].append(result)
                    print(runs[name][-1].line(), flush=True)
            bare, bridge = (combined(results) for results in runs.values())
            print(bare.cpu_note())
            print(bridge.cpu_note())
            print(bare.line())
            print(
                f"{bridge.line()}, {bridge.rate / bare.rate:.2f}x bare aiohttp "
                f"({args.connections} connections, synchronous={args.synchronous})"
            )
        finally:
            for server in servers:
                server.terminate()
                server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--duration", type=float, default=4.0, help="measured seconds per round and server"
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--synchronous", choices=["NORMAL", "FULL"], default="NORMAL")
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        web.run_app(bare_app(), host="127.0.0.1", port=args.serve_bare, print=None, access_log=None)
        return
    asyncio.run(measure(args))


if __name__ == "__main__":
    main()
