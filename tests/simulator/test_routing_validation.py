"""The routing model against theory, through the full engine and simulator.

* Two non-preemptive priority classes on M/M/c: each class's mean wait against Cobham's formula.
* Wrap-up on capacity-1 agents with exponential handle and wrap-up times: the mean wait against
  the exact continuous-time Markov chain (queue, agents handling, agents wrapping up).
* Skills with full overlap (every agent holds the one skill every chat asks): the same seeds
  give the same log as the plain queue, event for event.

Replications with fixed seeds; the formula must lie inside the 95% interval (Student t) of the
replication means.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import stats
from scipy.sparse import lil_matrix
from scipy.sparse.linalg import spsolve

from bridge.engine.events import AgentSignedIn, ChatAssigned, ChatOpened
from simulator.driver import Simulation
from simulator.erlang import erlang
from simulator.scenario import Scenario

pytestmark = pytest.mark.heavy
HOUR = 3600.0
REPLICATIONS = 8


def textbook(streams: list[dict[str, Any]], agents: int, hours: float, **extra: Any) -> Scenario:
    queue = extra.pop("queue", {})
    behaviour = extra.pop("behaviour", {})
    return Scenario.model_validate({
        "name": "validation",
        "horizon": hours * HOUR,
        "warmup": 2 * HOUR,
        "cooldown": 4 * HOUR,
        "interval": HOUR,
        "routing": {"system_messages": False, "estimators": ["queue_state"]},
        "companies": [{"name": "T", "queues": [{"name": "GENERAL", **queue}]}],
        "streams": streams,
        "behaviour": {"handle_time": {"dist": "exponential", "mean": 300}, **behaviour},
        "agents": [{"name": "agents", "count": agents, "queues": ["GENERAL"], **extra}],
    })  # fmt: skip


def waits_by(events: list, warmup: float, key: str) -> dict[Any, float]:
    """Mean wait (all chats, zero for those answered at once) per value of ChatOpened ``key``."""
    opened = {e.chat_id: e for e in events if type(e) is ChatOpened and e.at >= warmup}
    waited: dict[str, float] = {}
    for e in events:
        if type(e) is ChatAssigned and e.chat_id in opened and e.chat_id not in waited:
            waited[e.chat_id] = e.waited
    groups: dict[Any, list[float]] = {}
    for chat_id, e in opened.items():
        groups.setdefault(getattr(e, key), []).append(waited.get(chat_id, math.nan))
    return {k: float(np.nanmean(v)) for k, v in groups.items()}


def interval(values: list[float]) -> tuple[float, float]:
    a = np.array(values)
    half = stats.t.ppf(0.975, len(a) - 1) * a.std(ddof=1) / math.sqrt(len(a))
    return float(a.mean()), float(half)


def cobham(rates: list[float], mu: float, c: int) -> list[float]:
    """Mean wait of each class (highest priority first) in a non-preemptive priority M/M/c."""
    total = sum(rates)
    wait_all = erlang("C", total, mu, c, 0.0).mean_wait_served  # C(c, a) / (c mu - lambda)
    w0 = wait_all * (1 - total / (c * mu))  # = C(c, a) / (c mu)
    out, sigma = [], 0.0
    for rate in rates:
        before = sigma
        sigma += rate / (c * mu)
        out.append(w0 / ((1 - before) * (1 - sigma)))
    return out


def test_two_priority_classes_wait_as_cobhams_formula_says():
    high, low, c, aht = 12.0, 18.0, 3, 300.0  # chats/h: 75% load on 3 agents
    streams = [
        {"company": "T", "rate": high, "priority": 1},
        {"company": "T", "rate": low},
    ]
    scenario = textbook(streams, c, 160)
    runs = [Simulation(scenario, seed=11 + i).run() for i in range(REPLICATIONS)]
    by_class = [waits_by(run.events, scenario.warmup, "priority") for run in runs]
    expected = cobham([high / HOUR, low / HOUR], 1 / aht, c)
    for priority, theory in zip((1, 0), expected, strict=True):
        mean, half = interval([w[priority] for w in by_class])
        assert abs(mean - theory) <= half, (priority, mean, half, theory)
    assert expected[0] < expected[1] / 2  # the classes differ: the check has teeth


def wrap_up_chain(rate: float, mu: float, nu: float, c: int, cap: int = 400) -> float:
    """Exact mean wait with c agents who handle (rate mu) then wrap up (rate nu) each chat."""
    states = [(q, i, j) for q in range(cap + 1) for i in range(c + 1) for j in range(c + 1 - i)]
    states = [(q, i, j) for q, i, j in states if q == 0 or i + j == c]
    index = {s: k for k, s in enumerate(states)}
    n = len(states)
    gen = lil_matrix((n, n))

    def flow(src: tuple[int, int, int], dst: tuple[int, int, int], r: float) -> None:
        if r > 0 and dst in index:
            gen[index[src], index[dst]] += r
            gen[index[src], index[src]] -= r

    for q, i, j in states:
        s = (q, i, j)
        flow(s, (q, i + 1, j) if i + j < c else (q + 1, i, j), rate)
        flow(s, (q, i - 1, j + 1), i * mu)
        flow(s, (q - 1, i + 1, j - 1) if q > 0 else (q, i, j - 1), j * nu)
    a = gen.T.tocsr().tolil()
    a[0, :] = np.ones(n)
    b = np.zeros(n)
    b[0] = 1.0
    pi = spsolve(a.tocsr(), b)
    queue = sum(pi[k] * s[0] for s, k in index.items())
    return queue / rate


def test_wrap_up_on_capacity_one_agents_waits_as_the_exact_chain_says():
    rate, aht, wrap, c = 20.0, 300.0, 120.0, 3  # busy 420 s per chat: 78% load
    scenario = textbook(
        [{"company": "T", "rate": rate}],
        c,
        160,
        queue={"wrap_up": "10h"},
        behaviour={"wrap_up": {"dist": "exponential", "mean": wrap}},
    )
    runs = [Simulation(scenario, seed=21 + i).run() for i in range(REPLICATIONS)]
    waits = [waits_by(run.events, scenario.warmup, "company")["T"] for run in runs]
    theory = wrap_up_chain(rate / HOUR, 1 / aht, 1 / wrap, c)
    mean, half = interval(waits)
    assert abs(mean - theory) <= half, (mean, half, theory)
    plain = erlang("C", rate / HOUR, 1 / aht, c, 0.0).mean_wait_served
    assert theory > 2 * plain  # wrap-up matters: without it the waits are far shorter


def test_skills_with_full_overlap_give_the_plain_queues_log():
    def log(skills: bool) -> list[tuple]:
        extra = {"skills": {"it": 3}} if skills else {}
        queue = {"skills": {"it": 2}} if skills else {}
        scenario = textbook([{"company": "T", "rate": 40.0}], 3, 6, queue=queue, **extra)
        events = Simulation(scenario, seed=5).run().events
        skip = (AgentSignedIn, ChatOpened)  # they carry the skills themselves
        rows = [(type(e).__name__, e.at, getattr(e, "chat_id", None)) for e in events]
        return [r for r, e in zip(rows, events, strict=True) if not isinstance(e, skip)]

    assert log(skills=True) == log(skills=False)
