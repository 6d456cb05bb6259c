"""Engine throughput: chats pushed through open -> auto-assign -> end, every event kept.

50 agents of capacity 3 on one queue. Each step opens a chat; once every slot is busy, the
longest-held chat ends, which auto-assigns the oldest waiting one. The peer, measured in the
same run on the same workload, is a bare FIFO router: a deque of waiting chats, a list of free
slots and one tuple logged per transition, with none of the engine's rules (permissions,
queues per agent, policies, counts, timers, estimates, system messages). Both run under the
simulator CLI's GC policy (``simulator.gcpolicy.simulation_gc``). The last line reads
``engine: N chats/s``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import deque
from pathlib import Path

# benchmarks/bridge.py would shadow the bridge package: keep this folder off the path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from bridge.engine import Engine, EngineConfig  # noqa: E402
from bridge.engine.events import ChatAssigned, Event  # noqa: E402
from simulator.gcpolicy import simulation_gc  # noqa: E402


def engine_run(chats: int, agents: int = 50, capacity: int = 3) -> float:
    clock = [0.0]
    log: list[Event] = []
    engine = Engine(lambda: clock[0], EngineConfig(default_capacity=capacity), sink=log.append)
    for n in range(agents):
        engine.sign_in(f"a{n}", "Agent", str(n), ["Bench/GENERAL"], ["IT Agent"], ["ESChat_Agent"])
    held: deque[tuple[str, str]] = deque()
    slots = agents * capacity
    with simulation_gc():
        start = time.perf_counter()
        for n in range(chats):
            clock[0] += 1.0
            for event in engine.hand_off(f"c{n}", "self_service", "Bench"):
                if type(event) is ChatAssigned:
                    held.append((event.chat_id, event.agent_id))
            while len(held) >= slots:
                chat_id, agent_id = held.popleft()
                for event in engine.end(chat_id, agent_id):
                    if type(event) is ChatAssigned:
                        held.append((event.chat_id, event.agent_id))
        elapsed = time.perf_counter() - start
    assert len(log) >= 3 * (chats - slots)
    return chats / elapsed


def bare_run(chats: int, agents: int = 50, capacity: int = 3) -> float:
    """The same workload with the least code that can route it FIFO."""
    log: list[tuple[float, str, str, str | None]] = []
    free: deque[str] = deque(f"a{n}" for n in range(agents) for _ in range(capacity))
    waiting: deque[tuple[str, float]] = deque()
    held: deque[tuple[str, str]] = deque()
    slots = agents * capacity
    now = 0.0
    with simulation_gc():
        start = time.perf_counter()
        for n in range(chats):
            now += 1.0
            chat_id = f"c{n}"
            log.append((now, "opened", chat_id, None))
            if free:
                agent_id = free.popleft()
                log.append((now, "assigned", chat_id, agent_id))
                held.append((chat_id, agent_id))
            else:
                waiting.append((chat_id, now))
            while len(held) >= slots:
                done, agent_id = held.popleft()
                log.append((now, "closed", done, agent_id))
                if waiting:
                    chat_id, _ = waiting.popleft()
                    log.append((now, "assigned", chat_id, agent_id))
                    held.append((chat_id, agent_id))
                else:
                    free.append(agent_id)
        elapsed = time.perf_counter() - start
    assert len(log) >= 3 * (chats - slots)
    return chats / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=200_000)
    args = parser.parse_args()
    bare = bare_run(args.chats)
    ours = engine_run(args.chats)
    print(f"bare FIFO router: {bare:.0f} chats/s (no rules; the floor of plain Python)")
    print(f"engine vs bare router: {ours / bare:.2f}x")
    print(f"engine: {ours:.0f} chats/s")


if __name__ == "__main__":
    main()
