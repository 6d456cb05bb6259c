"""The simulator against Erlang C and Erlang A: the closed forms must fall inside the 95%
confidence interval of independent replications (Student t over replication means).

Each case runs 10 replications of ~9,000 steady-state chats through the full engine (after a
warm-up that is left out), in parallel processes. KPIs come from the reports package, so this
also checks that its definitions match the formulas': service level as the share of ALL
arrivals answered within T (cancels counting as not answered), abandonment as the share of
arrivals cancelling while waiting, occupancy as busy chat slots over available slots.

Seeds are fixed, so the outcome is stable; with an arbitrary seed about 1 check in 20 would
legitimately land outside its 95% interval.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import pytest
from scipy import stats

from simulator.erlang import erlang
from simulator.replications import Runner, run_task, tasks
from simulator.textbook import markovian

pytestmark = pytest.mark.heavy
REPLICATIONS = 10
SEED = 1
HOUR = 3600.0

# name: (chats/h, mean handle s, agents, capacity, mean patience s or None, target s, hours)
CASES = {
    "erlang C: M/M/5 at 80%": (240, 60, 5, 1, None, 20, 40),
    "erlang A: M/M/20+M at 100%": (600, 120, 20, 1, 240, 30, 16),
    "erlang A: M/M/50+M at 90% (the benchmark)": (540, 300, 50, 1, 600, 30, 18),
    "erlang A: M/M/8+M overloaded at 130%": (624, 60, 8, 1, 60, 15, 15),
    "chat concurrency: 8 agents x 3 chats = M/M/24+M at 95%": (456, 180, 8, 3, 300, 20, 20),
}


@pytest.fixture(scope="module")
def runner() -> Iterator[Runner]:
    with Runner(workers=2) as pool:
        yield pool


def interval(values: np.ndarray) -> tuple[float, float]:
    half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values))
    return float(values.mean()), float(half)


@pytest.mark.parametrize("case", CASES)
def test_the_closed_form_lies_inside_the_simulated_95_percent_interval(case, runner):
    rate, aht, agents, capacity, patience, within, hours = CASES[case]
    scenario = markovian(rate, aht, agents, capacity=capacity, patience=patience,
                         horizon=hours * HOUR, warmup=HOUR, within=within,
                         system_messages=False)  # fmt: skip
    jobs = tasks(scenario, REPLICATIONS, SEED, levels={"overall": ()})
    overall = [s.tables["overall"].iloc[0] for s in runner.map(run_task, jobs, desc=None)]
    theta = 1 / patience if patience else None
    theory = erlang("A" if theta else "C", rate / HOUR, 1 / aht, agents * capacity, within, theta)
    assert min(row["volume"] for row in overall) > 8000
    misses = []
    for kpi, expected in (
        ("abandonment", theory.p_abandon),
        ("service_level", theory.service_level),
        ("wait_mean", theory.mean_wait_served),  # mean wait of answered chats (ASA)
        ("occupancy", theory.occupancy),  # busy chat slots / available slots
    ):
        mean, half = interval(np.array([row[kpi] for row in overall]))
        if abs(mean - expected) > half + 1e-12:
            misses.append(f"{kpi}: simulated {mean:.4f} ± {half:.4f}, Erlang {expected:.4f}")
    assert not misses, "; ".join(misses)
