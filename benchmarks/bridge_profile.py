"""Where a served bridge's CPU goes per posted message: py-spy samples under the load of
``benchmarks/bridge.py``, folded by function, per thread (the event loop, the writer).

``.venv/bin/python benchmarks/bridge_profile.py [--connections 32] [--duration 10] [--top 30]
[--raw FILE]``: starts the bridge as the benchmark does, warms it up, then samples it with
``py-spy record --format raw`` while the benchmark's client posts. For each thread it prints
the share of its busy samples each function holds inclusive (with what it calls) and
exclusive. Samples of a thread waiting (the loop in ``epoll``, the writer for work) are left
out, so the shares are of CPU time, near enough. py-spy is in the ``dev`` extra and needs
ptrace rights (root, or ``kernel.yama.ptrace_scope`` 0). ``--raw`` keeps the samples.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

_HERE = Path(__file__).with_name("bridge.py")  # loaded by path: its name shadows the package
_spec = importlib.util.spec_from_file_location("bridge_benchmark", _HERE)
assert _spec is not None and _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
sys.modules["bridge_benchmark"] = bench
_spec.loader.exec_module(bench)

# Leaf frames of a thread that waits rather than works.
_IDLE = re.compile(r"^(\S*\.)?(select|poll|_worker|wait|get) \(")
_LINE = re.compile(r":\d+\)")


def fold(raw: str) -> dict[str, tuple[int, Counter[str], Counter[str]]]:
    """Per thread name: busy samples, inclusive and exclusive samples per function."""
    out: dict[str, tuple[int, Counter[str], Counter[str]]] = {}
    busy: Counter[str] = Counter()
    inclusive: dict[str, Counter[str]] = defaultdict(Counter)
    exclusive: dict[str, Counter[str]] = defaultdict(Counter)
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        head, *frames = stack.split(";")
        if not frames or _IDLE.match(frames[-1]):
            continue
        thread = "loop" if head.endswith("MainThread") else "writer"
        frames = [_LINE.sub(")", f) for f in frames]
        busy[thread] += int(count)
        for frame in set(frames):
            inclusive[thread][frame] += int(count)
        exclusive[thread][frames[-1]] += int(count)
    for thread in busy:
        out[thread] = (busy[thread], inclusive[thread], exclusive[thread])
    return out


def report(folded: dict[str, tuple[int, Counter[str], Counter[str]]], top: int) -> None:
    for thread, (total, inclusive, exclusive) in sorted(folded.items()):
        print(f"== {thread}: {total} busy samples")
        for title, counts in (("inclusive", inclusive), ("exclusive", exclusive)):
            print(f"-- {title}")
            for frame, n in counts.most_common(top):
                print(f"{100 * n / total:5.1f}%  {frame}")


async def sample(args: argparse.Namespace, out: Path) -> bench.Result:
    with tempfile.TemporaryDirectory(prefix="livechat-profile-") as tmp:
        port = bench.free_port()
        server = bench.start_bridge(Path(tmp), port, "NORMAL")
        base = f"http://127.0.0.1:{port}"
        try:
            await bench.wait_ready(base, server)
            chats = await bench.assigned_chats(base, args.connections)
            await bench.load("warm-up", base, server.pid, chats, 0.5, 1.0)
            spy = subprocess.Popen(
                [str(Path(sys.executable).with_name("py-spy")), "record", "--pid",
                 str(server.pid), "--threads", "--format", "raw", "--rate", "200",
                 "--duration", str(int(args.duration)), "-o", str(out)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            result = await bench.load("bridge", base, server.pid, chats, 0.2, args.duration)
            spy.wait(args.duration + 30)
            return result
        finally:
            server.terminate()
            server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--raw", type=Path, help="keep py-spy's raw samples here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.raw or Path(tmp) / "samples.txt"
        result = asyncio.run(sample(args, out))
        print(result.line(), "(sampled: py-spy slows the bridge)")
        report(fold(out.read_text()), args.top)


if __name__ == "__main__":
    main()
