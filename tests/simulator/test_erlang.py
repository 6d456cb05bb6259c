"""Erlang C / Erlang A closed forms against published values and independent computations.

The independent references: the birth-death chain solved numerically (stationary distribution)
plus the tagged arrival's absorbing chain (served / abandoned) for waits and service level; at
hundreds of agents, product-form sums in log space and per-position mixtures.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np
import pytest
import scipy.linalg
from scipy import special

import simulator.erlang as erlang_module
from simulator.erlang import (
    ErlangA,
    ErlangC,
    ErlangResult,
    InvalidErlangInput,
    StaffingGoal,
    StaffingUnreachable,
    UnstableQueue,
    build_model,
    erlang,
    erlang_b,
    format_result,
    log_erlang_b,
    required_agents,
)

HOUR = 3600.0


def birth_death(lam: float, mu: float, c: int, theta: float, target: float, extra: int = 300):
    """Every measure by brute force on the chain truncated at c + extra customers."""
    size = c + extra
    gen = np.zeros((size + 1, size + 1))
    n = np.arange(size + 1)
    gen[n[:-1], n[:-1] + 1] = lam
    gen[n[1:], n[1:] - 1] = np.minimum(n[1:], c) * mu + np.maximum(n[1:] - c, 0) * theta
    np.fill_diagonal(gen, -gen.sum(axis=1))
    lhs = gen.T.copy()
    lhs[-1, :] = 1.0
    pi = np.linalg.solve(lhs, np.eye(size + 1)[-1])
    found = pi[c:size]  # an arrival that finds c + j customers has j ahead of it
    ahead = np.arange(extra)
    moving = np.diag(-(c * mu + (ahead + 1) * theta)) + np.diag(c * mu + ahead[1:] * theta, -1)
    to_served = np.eye(extra)[0] * c * mu
    chain = np.zeros((extra + 1, extra + 1))
    chain[:extra, :extra], chain[:extra, extra] = moving, to_served
    at_target = scipy.linalg.expm(chain * target)
    fundamental = np.linalg.inv(-moving)
    p_served = fundamental @ to_served
    return {
        "p_wait": found.sum(),
        "service_level": pi[:c].sum() + found @ at_target[:extra, extra],
        "wait_exceeds": found @ at_target[:extra, :extra].sum(axis=1),
        "p_abandon": found @ (1 - p_served),
        "mean_wait": found @ fundamental.sum(axis=1),
        "mean_wait_served": found @ (fundamental @ p_served) / (1 - found @ (1 - p_served)),
    }


CASES = [
    pytest.param(10 / 60, 1 / 180, 35, 0.0, 20.0, id="C-10-per-min-aht-3min-35-agents"),
    pytest.param(10 / 60, 1 / 180, 35, 1 / 120, 20.0, id="A-patience-below-load"),
    pytest.param(10 / 60, 1 / 180, 35, 1 / 300, 20.0, id="A-series-path"),
    pytest.param(10 / 60, 1 / 180, 25, 1 / 60, 20.0, id="A-overloaded"),
    pytest.param(0.05, 0.01, 3, 0.02, 30.0, id="A-tiny-team"),
    pytest.param(10 / 60, 1 / 180, 30, 0.05, 10.0, id="A-very-impatient"),
]


@pytest.mark.parametrize(("lam", "mu", "c", "theta", "target"), CASES)
def test_closed_forms_match_the_birth_death_chain(lam, mu, c, theta, target):
    queue = ErlangC(lam, mu, c) if theta == 0 else ErlangA(lam, mu, c, theta)
    brute = birth_death(lam, mu, c, theta, target)
    got = {
        "p_wait": queue.p_wait,
        "service_level": queue.service_level(target),
        "wait_exceeds": queue.wait_exceeds(target),
        "p_abandon": queue.p_abandon,
        "mean_wait": queue.mean_wait,
        "mean_wait_served": queue.mean_wait_served(),
    }
    for name, value in got.items():
        assert value == pytest.approx(brute[name], rel=1e-9, abs=1e-12), name


def test_erlang_b_matches_the_published_table_value():
    assert erlang_b(10, 5.0) == pytest.approx(0.018385, abs=5e-7)


@pytest.mark.parametrize(
    ("agents", "load"), [(1, 0.5), (10, 5.0), (55, 48.0), (300, 900.0), (500, 2000.0)]
)
def test_erlang_b_agrees_with_the_classic_recursion(agents, load):
    b = 1.0
    for k in range(1, agents + 1):
        b = load * b / (k + load * b)
    assert erlang_b(agents, load) == pytest.approx(b, rel=1e-11)


def test_erlang_b_stays_finite_far_from_the_load_in_both_directions():
    assert log_erlang_b(2000, 10.0) == pytest.approx(
        2000 * math.log(10) - 10 - math.lgamma(2001), rel=1e-12
    )
    assert erlang_b(10, 2000.0) == pytest.approx(1 - 10 / 2000, abs=1e-4)


def test_erlang_c_matches_the_360_calls_per_half_hour_example():
    queue = ErlangC(360 / 1800, 1 / 240, 55)
    assert queue.p_wait == pytest.approx(0.2387, abs=1e-4)
    assert queue.mean_wait == pytest.approx(8.184, abs=1e-3)
    assert queue.service_level(20) == pytest.approx(0.8668, abs=1e-4)
    assert required_agents("C", 360 / 1800, 1 / 240, StaffingGoal(0.8, 20)) == 54


def test_erlang_c_matches_the_20_erlang_delay_example():
    mu = 1 / 120
    assert ErlangC(20 * mu, mu, 25).p_wait > 0.15 >= ErlangC(20 * mu, mu, 26).p_wait
    assert ErlangC(20 * mu, mu, 26).mean_wait == pytest.approx(3.0, abs=0.15)
    assert ErlangC(20 * mu, mu, 30).p_wait == pytest.approx(0.025, abs=5e-4)


def test_erlang_c_refuses_an_unstable_queue_with_a_stable_code():
    with pytest.raises(UnstableQueue) as caught:
        ErlangC(31 / 180, 1 / 180, 30)
    assert caught.value.code == "unstable_queue"


def test_erlang_a_answers_where_erlang_c_refuses_and_loses_the_excess():
    queue = ErlangA(1.2 * 1000 / 300, 1 / 300, 1000, 1 / 120)
    assert queue.p_abandon == pytest.approx(1 - 1 / 1.2, abs=1e-3)
    assert 0.99 < queue.occupancy <= 1.0


@pytest.mark.parametrize("theta", [1e-5, 1e-7, 1e-9])
def test_erlang_a_approaches_erlang_c_as_patience_grows(theta):
    lam, mu, c = 10 / 60, 1 / 180, 35
    limit, queue = ErlangC(lam, mu, c), ErlangA(lam, mu, c, theta)
    tolerance = 1e5 * theta  # the gap shrinks linearly in theta
    assert queue.p_wait == pytest.approx(limit.p_wait, rel=tolerance)
    assert queue.mean_wait == pytest.approx(limit.mean_wait, rel=tolerance)
    assert queue.mean_wait_served() == pytest.approx(limit.mean_wait, rel=tolerance)
    assert queue.service_level(20) == pytest.approx(limit.service_level(20), rel=tolerance)
    assert queue.wait_exceeds(60) == pytest.approx(limit.wait_exceeds(60), rel=tolerance)


def product_form(lam: float, mu: float, c: int, theta: float, extra: int):
    """Stationary probabilities of states 0 .. c+extra from their product form, in log space."""
    n = np.arange(c + 1)
    log_pi = n * math.log(lam / mu) - special.gammaln(n + 1)
    queued = np.cumsum(np.log(lam / (c * mu + theta * np.arange(1, extra + 1))))
    log_pi = np.concatenate([log_pi, log_pi[-1] + queued])
    return np.exp(log_pi - special.logsumexp(log_pi))


@pytest.mark.parametrize("c", [500, 1500])
@pytest.mark.parametrize("load_per_agent", [0.97, 1.2])
def test_erlang_a_is_exact_with_hundreds_of_agents(c, load_per_agent):
    mu, theta, target = 1 / 300, 1 / 120, 20.0
    lam = load_per_agent * c * mu
    queue = ErlangA(lam, mu, c, theta)
    pi = product_form(lam, mu, c, theta, extra=3000)
    found, j = pi[c:-1], np.arange(pi.size - c - 1)
    x = c * mu / theta
    served_in_time = x / (x + j + 1) * special.betainc(j + 1, x + 1, -math.expm1(-theta * target))
    assert queue.p_wait == pytest.approx(found.sum(), rel=1e-9)
    assert queue.p_abandon == pytest.approx(theta * (j @ found) / lam, rel=1e-8)
    assert queue.service_level(target) == pytest.approx(pi[:c].sum() + found @ served_in_time)
    # E[W; answered | j ahead] = x/(x+j+1) * (digamma(x+j+2) - digamma(x+1)) / theta
    answered_wait = x / (x + j + 1) * (special.digamma(x + j + 2) - special.digamma(x + 1)) / theta
    assert queue.mean_wait_served() == pytest.approx(
        found @ answered_wait / (1 - queue.p_abandon), rel=1e-7
    )


@pytest.mark.parametrize("c", [500, 1500])
def test_erlang_c_is_exact_with_hundreds_of_agents(c):
    mu, target = 1 / 300, 5.0
    lam = 0.97 * c * mu
    queue = ErlangC(lam, mu, c)
    pi = product_form(lam, mu, c, 0.0, extra=3000)
    found, j = pi[c:-1], np.arange(pi.size - c - 1)
    late = special.gammaincc(j + 1, c * mu * target)  # Erlang(j+1, c*mu) service gaps > T
    assert queue.p_wait == pytest.approx(found.sum(), rel=1e-9)
    assert queue.service_level(target) == pytest.approx(1 - found @ late, rel=1e-9)
    assert queue.mean_wait == pytest.approx(found @ (j + 1) / (c * mu), rel=1e-9)


def test_service_level_counts_every_cancel_as_unanswered():
    queue = ErlangA(10 / 60, 1 / 180, 32, 1 / 60)
    target = 20.0
    sl = queue.service_level(target)
    assert sl + queue.p_abandon + queue.served_after(target) == pytest.approx(1.0, abs=1e-12)
    waited_at_most_target = 1 - queue.wait_exceeds(target)  # includes cancels before T
    assert sl < waited_at_most_target - 0.01
    assert queue.service_level(0) == pytest.approx(1 - queue.p_wait, abs=1e-12)
    assert queue.service_level(math.inf) == pytest.approx(1 - queue.p_abandon, abs=1e-12)


@pytest.mark.parametrize(
    "bad",
    [
        {"model": "B"},
        {"agents": 0},
        {"agents": 2.5},
        {"lam": -1.0},
        {"mu": float("nan")},
        {"model": "A", "theta": None},
        {"model": "A", "theta": 0.0},
        {"model": "C", "theta": 0.01},
    ],
)
def test_bad_inputs_are_refused_with_a_stable_code(bad):
    args = {"model": "C", "lam": 0.1, "mu": 0.01, "agents": 20, "theta": None} | bad
    with pytest.raises(InvalidErlangInput) as caught:
        build_model(**args)
    assert caught.value.code == "invalid_erlang_input"


def test_erlang_result_reports_the_model_at_the_target():
    result = erlang("a", 10 / 60, 1 / 180, 35, 20.0, theta=1 / 120)
    queue = ErlangA(10 / 60, 1 / 180, 35, 1 / 120)
    assert isinstance(result, ErlangResult)
    assert (result.model, result.agents, result.target) == ("A", 35, 20.0)
    assert result.offered_load == pytest.approx(30.0)
    assert result.service_level == queue.service_level(20.0)
    assert result.p_abandon == queue.p_abandon
    assert result.occupancy == pytest.approx(30 * (1 - queue.p_abandon) / 35)


def test_format_result_shows_each_measure_on_its_own_line():
    text = format_result(erlang("A", 10 / 60, 1 / 180, 35, 20.0, theta=1 / 120))
    assert text.splitlines()[0] == "Erlang A (M/M/c+M): 35 agents"
    assert "600.0 /h" in text and "mean patience     120.0 s" in text
    assert "93.22% answered within 20 s (of all arrivals)" in text
    assert "mean patience" not in format_result(erlang("C", 10 / 60, 1 / 180, 35, 20.0))


def test_measures_improve_with_every_added_agent():
    lam, mu, theta = 100 / 300, 1 / 300, 1 / 90
    queues = [ErlangA(lam, mu, c, theta) for c in range(60, 140)]
    levels = [q.service_level(20) for q in queues]
    abandons = [q.p_abandon for q in queues]
    asas = [q.mean_wait_served() for q in queues]
    assert levels == sorted(levels)
    assert abandons == sorted(abandons, reverse=True)
    assert asas == sorted(asas, reverse=True)


GOALS = [
    StaffingGoal(service_level=0.8, target=20),
    StaffingGoal(service_level=0.9, target=10, max_abandon=0.01),
    StaffingGoal(max_asa=5.0),
]


@pytest.mark.parametrize("goal", GOALS)
@pytest.mark.parametrize(("model", "theta"), [("C", None), ("A", 1 / 120)])
@pytest.mark.parametrize("load", [3.0, 48.0, 1000.0])
def test_staffing_finds_the_smallest_team_meeting_the_goal(goal, model, theta, load):
    mu = 1 / 240
    agents = required_agents(model, load * mu, mu, goal, theta)
    assert goal.met_by(build_model(model, load * mu, mu, agents, theta))
    if agents > 1:
        with contextlib.suppress(UnstableQueue):  # an unstable Erlang C meets no goal either
            assert not goal.met_by(build_model(model, load * mu, mu, agents - 1, theta))


def test_staffing_may_go_below_the_offered_load_when_abandonment_allows():
    mu = 1 / 300
    goal = StaffingGoal(service_level=0.8, target=20)
    assert required_agents("A", 1000 * mu, mu, goal, theta=1 / 120) < 1000
    assert required_agents("C", 1000 * mu, mu, goal) > 1000


@pytest.mark.parametrize(("model", "theta"), [("C", None), ("A", 1 / 120)])
def test_staffing_never_shrinks_as_arrivals_or_the_target_grow(model, theta):
    mu = 1 / 300
    by_load = [
        required_agents(model, load * mu, mu, StaffingGoal(0.8, 20), theta)
        for load in (5, 20, 80, 320, 1280)
    ]
    by_level = [
        required_agents(model, 200 * mu, mu, StaffingGoal(level, 20), theta)
        for level in (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)
    ]
    assert by_load == sorted(by_load) and len(set(by_load)) == len(by_load)
    assert by_level == sorted(by_level)


def test_staffing_two_thousand_agents_takes_few_evaluations(monkeypatch):
    calls = []
    real = erlang_module.build_model

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(erlang_module, "build_model", counting)
    mu = 1 / 300
    agents = required_agents("A", 2000 * mu, mu, StaffingGoal(0.95, 10), theta=1 / 600)
    assert agents > 1900
    assert len(calls) < 40


def test_staffing_needs_nobody_when_nothing_arrives():
    assert required_agents("A", 0.0, 1 / 300, StaffingGoal(0.8, 20), theta=1 / 60) == 0


def test_staffing_reports_an_unreachable_goal():
    with pytest.raises(StaffingUnreachable) as caught:
        required_agents("C", 100 / 300, 1 / 300, StaffingGoal(0.8, 20), max_agents=50)
    assert caught.value.code == "staffing_unreachable"


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"service_level": 0.8},
        {"service_level": 1.0, "target": 20},
        {"max_abandon": 0.0},
        {"max_asa": -1.0},
    ],
)
def test_a_goal_that_asks_nothing_sensible_is_refused(fields):
    with pytest.raises(InvalidErlangInput):
        StaffingGoal(**fields)
