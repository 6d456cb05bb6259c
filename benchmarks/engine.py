"""Engine throughput: chats pushed through open -> auto-assign -> end, every event kept.

50 agents of capacity 3 on one queue. Each step opens a chat; once every slot is busy, the
longest-held chat ends, which auto-assigns the oldest waiting one. Prints, last,
``engine: N chats/s``. Uses the same GC policy as the simulator CLI.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections import deque
from pathlib import Path

# benchmarks/bridge.py would shadow the bridge package: keep this folder off the path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from bridge.engine import Engine, EngineConfig  # noqa: E402
from bridge.engine.events import ChatAssigned, Event  # noqa: E402


def run(chats: int, agents: int = 50, capacity: int = 3) -> float:
    clock = [0.0]
    log: list[Event] = []
    engine = Engine(lambda: clock[0], EngineConfig(default_capacity=capacity), sink=log.append)
    for n in range(agents):
        engine.sign_in(f"a{n}", "Agent", str(n), ["Bench/GENERAL"], ["IT Agent"], ["ESChat_Agent"])
    held: deque[tuple[str, str]] = deque()
    slots = agents * capacity
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=200_000)
    args = parser.parse_args()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    rate = run(args.chats)
    print(f"engine: {rate:.0f} chats/s")


if __name__ == "__main__":
    main()
