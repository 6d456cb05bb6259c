"""Arrival sampling: exact per interval, so a short burst is never jumped over."""

from __future__ import annotations

import random
from collections import Counter

from simulator.arrivals import arrival_times
from simulator.scenario import Scenario


def burst(profile: list[float], streams: int = 1, interval: float = 60.0) -> Scenario:
    return Scenario.model_validate({
        "name": "burst",
        "horizon": interval * len(profile),
        "interval": interval,
        "companies": [{"name": "A"}],
        "streams": [{"company": "A", "profile": profile} for _ in range(streams)],
        "behaviour": {"handle_time": 60},
        "agents": [{"name": "g", "count": 1, "queues": ["GENERAL"]}],
    })  # fmt: skip


def test_a_one_minute_burst_after_a_near_silent_hour_is_sampled_in_full():
    # 0.01 chats/h for an hour: a sampler that draws the next gap at the current rate jumps
    # ~100 hours ahead and never sees the burst of 3600/h (one per second) at minute 60.
    scenario = burst([0.01] * 60 + [3600.0] + [0.0] * 10)
    counts = []
    for seed in range(20):
        times = [t for t, _ in arrival_times(scenario, ["s"], random.Random(seed))]
        in_burst = [t for t in times if 3600 <= t < 3660]
        counts.append(len(in_burst))
        assert all(t < 3660 for t in times), "nothing may arrive in the silent tail"
    mean = sum(counts) / len(counts)
    assert 55 <= mean <= 65, mean  # Poisson(60) per run; the mean of 20 runs is within ±5


def test_arrivals_follow_each_interval_rate_and_stay_in_time_order():
    scenario = burst([360.0, 0.0, 1800.0, 720.0], interval=600.0)  # per hour, 10-min intervals
    per_interval: Counter[int] = Counter()
    runs = 30
    for seed in range(runs):
        times = [t for t, _ in arrival_times(scenario, ["s"], random.Random(seed))]
        assert times == sorted(times)
        per_interval.update(int(t // 600) for t in times)
    expected = {0: 60, 1: 0, 2: 300, 3: 120}  # rate/h * 1/6 h
    for index, mean in expected.items():
        assert abs(per_interval[index] / runs - mean) <= 4 * (mean / runs) ** 0.5 + 1e-9


def test_several_streams_share_the_arrivals_in_proportion_to_their_rates():
    scenario = Scenario.model_validate({
        "name": "two",
        "horizon": 36_000,
        "companies": [{"name": "A"}],
        "streams": [{"company": "A", "rate": 300}, {"company": "A", "rate": 100}],
        "behaviour": {"handle_time": 60},
        "agents": [{"name": "g", "count": 1, "queues": ["GENERAL"]}],
    })  # fmt: skip
    picked = Counter(s for _, s in arrival_times(scenario, ["big", "small"], random.Random(3)))
    share = picked["big"] / (picked["big"] + picked["small"])
    assert abs(sum(picked.values()) - 4000) < 4 * 4000**0.5
    assert abs(share - 0.75) < 0.03


def test_a_profile_shorter_than_the_horizon_repeats():
    scenario = burst([0.0, 3600.0], interval=60.0).model_copy(update={"horizon": 240.0})
    times = [t for t, _ in arrival_times(scenario, ["s"], random.Random(1))]
    assert {int(t // 60) for t in times} == {1, 3}
