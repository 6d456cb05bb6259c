"""Overdispersed arrivals: gamma-mixed rates give the variance-to-mean ratio theory predicts.

For a Poisson count whose mean m is scaled by an independent factor F with E[F] = 1 and
Var[F] = c2, Var/mean = 1 + m * c2. With a day factor D (cv a) and an interval factor E
(cv b), F = D * E and c2 = (1 + a^2)(1 + b^2) - 1; two slots of one day share D, so their
covariance is m1 * m2 * a^2 (and 0 when only the interval factor varies).
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from simulator.arrivals import arrival_times
from simulator.driver import Simulation
from simulator.loader import parse_scenario
from simulator.scenario import Overdispersion, Scenario

from .conftest import TINY

DAYS = 600
PROFILE = [10.0, 20.0, 40.0, 30.0]  # chats per 6-hour slot: a day of four intervals


def day_profile(overdispersion: dict | None) -> Scenario:
    stream = {"company": "A", "profile": [r / 6 for r in PROFILE]}  # per hour
    if overdispersion is not None:
        stream["overdispersion"] = overdispersion
    return Scenario.model_validate({
        "name": "days", "horizon": DAYS * 86_400, "interval": 21_600,
        "companies": [{"name": "A"}], "streams": [stream],
        "behaviour": {"handle_time": 60},
        "agents": [{"name": "g", "count": 1, "queues": ["GENERAL"]}],
    })  # fmt: skip


def counts(scenario: Scenario, seed: int = 11) -> np.ndarray:
    """Arrivals per (day, slot of the day)."""
    times = np.array([t for t, _ in arrival_times(scenario, ["s"], random.Random(seed),
                                                  random.Random(seed + 1))])  # fmt: skip
    slot = (times // scenario.interval).astype(int)
    return np.bincount(slot, minlength=DAYS * len(PROFILE)).reshape(DAYS, len(PROFILE))


@pytest.mark.parametrize(
    "spec", [{"day_cv": 0.2}, {"interval_cv": 0.25}, {"day_cv": 0.2, "interval_cv": 0.1}]
)
def test_the_variance_to_mean_ratio_of_each_slot_is_one_plus_mean_times_cv_squared(spec):
    c2 = Overdispersion(**spec).excess
    n = counts(day_profile(spec))
    mean, ratio = n.mean(axis=0), n.var(axis=0, ddof=1) / n.mean(axis=0)
    theory = 1 + np.array(PROFILE) * c2
    # Tolerance: the sample variance of 600 days of a gamma-Poisson count has a relative
    # standard error of about 6-9% here; 25% per slot is > 3 SE, and the mean over the four
    # slots must be within 12%.
    assert np.allclose(mean, PROFILE, rtol=0.1), mean
    assert np.all(np.abs(ratio / theory - 1) < 0.25), (ratio, theory)
    assert abs(np.mean(ratio / theory) - 1) < 0.12, (ratio, theory)


def test_the_day_factor_is_shared_by_the_slots_of_a_day_and_the_interval_factor_is_not():
    day = np.corrcoef(counts(day_profile({"day_cv": 0.3})), rowvar=False)
    own = np.corrcoef(counts(day_profile({"interval_cv": 0.3})), rowvar=False)
    off = ~np.eye(len(PROFILE), dtype=bool)
    # Theory for slots of 20 and 40 chats with a = 0.3: 20*40*0.09 / sqrt(56*184) = 0.71.
    assert day[off].min() > 0.4
    assert np.abs(own[off]).max() < 0.15  # independent slots: |r| < 0.15 is ~3.7 SE at n = 600


def test_without_overdispersion_the_counts_are_poisson():
    n = counts(day_profile(None))
    ratio = n.var(axis=0, ddof=1) / n.mean(axis=0)
    assert np.all(np.abs(ratio - 1) < 0.25), ratio


def test_no_overdispersion_or_zero_cvs_draw_exactly_the_arrivals_of_before():
    plain = TINY.read_text()
    zero = with_rate_line("overdispersion: {day_cv: 0}")
    assert zero != plain
    logs = [Simulation(parse_scenario(text), seed=4).run().events for text in (plain, zero)]
    assert logs[0] == logs[1] and len(logs[0]) > 50
    # The first arrival times of seed 5 before overdispersion existed (pinned from that code).
    first = [t for t, _ in arrival_times(parse_scenario(plain), ["s"], random.Random(5))][:3]
    assert first == pytest.approx(PINNED_TINY_SEED_5, abs=1e-9)


def with_rate_line(extra: str) -> str:
    """The tiny scenario with ``extra`` added to its stream after ``rate: 30``."""
    return TINY.read_text().replace("    rate: 30\n", f"    rate: 30\n    {extra}\n")


def test_overdispersed_runs_are_reproducible_and_differ_from_poisson_ones():
    text = with_rate_line("overdispersion: {day_cv: 0.5}")
    runs = [Simulation(parse_scenario(text), seed=4).run().events for _ in range(2)]
    plain = Simulation(parse_scenario(TINY.read_text()), seed=4).run().events
    assert runs[0] == runs[1] and runs[0] != plain


def test_a_negative_cv_is_refused_with_its_line():
    text = with_rate_line("overdispersion: {day_cv: -0.1}")
    with pytest.raises(Exception) as caught:
        parse_scenario(text, "tiny.yaml")
    assert caught.value.code == "invalid_scenario"
    assert "day_cv" in str(caught.value) and "greater than or equal to 0" in str(caught.value)


PINNED_TINY_SEED_5 = [117.02992431172724, 279.50637371324285, 469.7891698941321]
