"""Simulator throughput against two peers on the same M/M/c+M workload, in one run.

50 agents of capacity 1, 90% offered load, exponential handle time (mean 5 min) and patience
(mean 10 min), 200,000 chats:

* **simulator**: ``livechat-sim``'s driver through the full routing engine, every event kept
  in memory, under the CLI's GC policy (``simulator.gcpolicy``);
* **bare SimPy**: the idiomatic model, a process per customer and a ``simpy.Resource``,
  reneging with ``request | timeout`` (AnyOf);
* **Ciw** with reneging.

Each is timed from the first arrival to the last departure (model construction excluded; for
the simulator the GC policy's exit included) and reported as chats per second of wall time;
the best of ``--repeat`` runs counts. By default the peers run under our GC policy as well,
the strict comparison (Ciw gains from it); ``--peer-gc default`` runs them as shipped. The last line
reads ``simulator: N chats/s, R.RRx Ciw, R.RRx bare SimPy``.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

# This script shares its name with the package it measures: keep its own folder off the path.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import ciw  # noqa: E402
import simpy  # noqa: E402

from simulator.driver import Simulation  # noqa: E402
from simulator.gcpolicy import simulation_gc  # noqa: E402
from simulator.scenario import Scenario  # noqa: E402
from simulator.textbook import markovian  # noqa: E402

AGENTS = 50
AHT = 300.0
PATIENCE = 600.0
LOAD = 0.9
RATE = LOAD * AGENTS / AHT  # arrivals per second


def scenario(chats: int) -> Scenario:
    return markovian(RATE * 3600, AHT, AGENTS, patience=PATIENCE, horizon=chats / RATE,
                     cooldown=4 * 3600)  # fmt: skip


def ours(chats: int, seed: int) -> tuple[int, float]:
    sim = Simulation(scenario(chats), seed)
    result = sim.run()
    assert len(result.events) > 3 * result.arrivals  # the full log is really kept
    return result.arrivals, result.wall


def bare_simpy(chats: int, seed: int) -> tuple[int, float]:
    rng = random.Random(seed)
    env = simpy.Environment()
    agents = simpy.Resource(env, capacity=AGENTS)

    def customer() -> Iterator[simpy.Event]:
        with agents.request() as request:
            patience = env.timeout(rng.expovariate(1 / PATIENCE))
            outcome = yield request | patience
            if request in outcome:
                yield env.timeout(rng.expovariate(1 / AHT))

    def source() -> Iterator[simpy.Event]:
        for _ in range(chats):
            yield env.timeout(rng.expovariate(RATE))
            env.process(customer())

    env.process(source())
    started = time.perf_counter()
    env.run()
    return chats, time.perf_counter() - started


def ciw_model(chats: int, seed: int) -> tuple[int, float]:
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(RATE)],
        service_distributions=[ciw.dists.Exponential(1 / AHT)],
        number_of_servers=[AGENTS],
        reneging_time_distributions=[ciw.dists.Exponential(1 / PATIENCE)],
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    started = time.perf_counter()
    sim.simulate_until_max_time(chats / RATE)
    elapsed = time.perf_counter() - started
    return len(sim.get_all_records()), elapsed


def measure(chats: int, repeat: int, peer_gc: str = "same") -> dict[str, float]:
    """Best chats/s of each model; the models take turns so a noisy machine hits all alike.

    ``peer_gc="same"`` runs the peers under our GC policy too (the strict comparison: Ciw
    gains from it, bare SimPy hardly); ``"default"`` runs them as their users would.
    """
    models = {"simulator": ours, "simpy": bare_simpy, "ciw": ciw_model}
    best = dict.fromkeys(models, 0.0)
    for i in range(repeat):
        for name, run in models.items():
            if name == "simulator":
                done, seconds = run(chats, 1 + i)  # applies the CLI's GC policy itself
            elif peer_gc == "same":
                with simulation_gc():
                    done, seconds = run(chats, 1 + i)
            else:
                done, seconds = run(chats, 1 + i)
            best[name] = max(best[name], done / seconds)
            gc.collect()
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--peer-gc", choices=["same", "default"], default="same", help="the peers' GC policy"
    )
    args = parser.parse_args()
    best = measure(args.chats, args.repeat, args.peer_gc)
    ours_rate, simpy_rate, ciw_rate = best["simulator"], best["simpy"], best["ciw"]
    print(f"bare SimPy: {simpy_rate:.0f} chats/s")
    print(f"Ciw: {ciw_rate:.0f} chats/s")
    print(
        f"simulator: {ours_rate:.0f} chats/s, {ours_rate / ciw_rate:.2f}x Ciw, "
        f"{ours_rate / simpy_rate:.2f}x bare SimPy"
    )


if __name__ == "__main__":
    main()
