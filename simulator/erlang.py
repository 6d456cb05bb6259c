"""Erlang C and Erlang A closed forms: what a planner checks the simulator against.

Rates are per second and times in seconds throughout: ``lam`` arrivals/s, ``mu = 1 / mean
handle time``, ``theta = 1 / mean patience``, ``agents`` = c.

Service level (the one definition the whole project uses)
----------------------------------------------------------
The service level within a target T is the share of ALL arrivals that were answered (assigned
to an agent) after waiting at most T::

    SL(T) = P(answered and W <= T)

A user who cancels (abandons) while waiting is NOT answered, whether they cancelled before or
after T. Cancels inside the target therefore stay in the denominator and lower the service
level: there is no exclusion of short abandons. ``W`` is the time spent in queue; an arrival
that finds a free agent has W = 0 and counts as answered within any T >= 0.

* Erlang C (M/M/c, nobody abandons): ``SL(T) = 1 - P(W>0) * exp(-(c*mu - lam) * T)``.
* Erlang A (M/M/c+M): ``SL(T) = P(W=0) + P(0 < W <= T and patience > W)``, computed as
  ``1 - P(abandon) - P(answered after T)``.

Erlang A derivation (after Garnett, Mandelbaum & Reiman 2002, "Designing a call center with
impatient customers", M&SOM 4(3)). With ``x = c*mu/theta``, ``y = lam/theta`` and
``A(x, y) = sum_k y**k / ((x+1)...(x+k)) = x e**y y**-x gamma(x, y)`` (lower incomplete gamma),
an arrival finds all agents busy and j others waiting with probability ``P(W>0) t_j / A``,
``t_j = y**j / ((x+1)...(x+j))``. While it waits with k others ahead, it moves up at rate
``c*mu + k*theta`` (a service ends or someone ahead gives up), so its *offered* wait V (the wait
if it never gave up) is a sum of exponentials with rates ``theta*(x+k)``, k = 0..j; then
``1 - exp(-theta*V)`` is Beta(j+1, x). It is answered iff its own patience exceeds V, with
probability ``E[exp(-theta*V)]``. Summing over j in closed form gives, with
``z = y*exp(-theta*t)``::

    P(W > t)                = P(W>0) * exp(-(x+1)*theta*t + y - z) * A(x, z)   / A(x, y)
    P(answered and W > t)   = P(W>0) * x/(x+1) * exp(-(x+1)*theta*t + y - z) * A(x+1, z) / A(x, y)
    P(abandon | W>0)        = 1 - 1/rho + 1/(rho*A(x, y)),   rho = lam / (c*mu)
    mean wait of all arrivals E[W] = P(abandon) / theta  (Little's law on the queue)

The mean wait of answered arrivals (ASA) integrates ``P(answered and W > t)`` numerically.
These forms are checked in the tests against the birth-death chain solved numerically and the
tagged customer's absorbing chain. As theta -> 0 with lam < c*mu, Erlang A tends to Erlang C.

Instability: Erlang C with ``lam >= c*mu`` raises :class:`UnstableQueue` (code
``unstable_queue``) rather than returning an infinite wait; Erlang A is stable for any load.

Concurrency: N agents who each hold up to K chats with no slowdown per chat behave as
M/M/(N*K)+M: pass ``agents = N*K`` (occupancy is then per chat slot, not per person).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from simulator.erlang_models import (
    ErlangA,
    ErlangC,
    ErlangError,
    InvalidErlangInput,
    QueueModel,
    StaffingUnreachable,
    UnstableQueue,
    erlang_b,
    log_erlang_b,
)

__all__ = [
    "ErlangA",
    "ErlangC",
    "ErlangError",
    "ErlangResult",
    "InvalidErlangInput",
    "Model",
    "StaffingGoal",
    "StaffingUnreachable",
    "UnstableQueue",
    "build_model",
    "erlang",
    "erlang_b",
    "format_result",
    "log_erlang_b",
    "required_agents",
]

Model = Literal["C", "A"]


def _model_name(model: str) -> Model:
    name = str(model).upper()
    if name not in ("C", "A"):
        raise InvalidErlangInput(f"model must be 'C' or 'A', got {model!r}")
    return "C" if name == "C" else "A"


def build_model(
    model: str, lam: float, mu: float, agents: int, theta: float | None = None
) -> QueueModel:
    """One entry point for both models, so callers never branch on the model themselves."""
    if _model_name(model) == "C":
        if theta is not None:
            raise InvalidErlangInput("Erlang C has no patience rate; use model 'A' for theta")
        return ErlangC(lam, mu, agents)
    if theta is None:
        raise InvalidErlangInput("Erlang A needs a patience rate theta (1 / mean patience)")
    return ErlangA(lam, mu, agents, theta)


@dataclass(frozen=True, slots=True)
class ErlangResult:
    """One model evaluated at one staffing level; probabilities are shares of all arrivals."""

    model: Model
    arrival_rate: float
    service_rate: float
    patience_rate: float | None
    agents: int
    offered_load: float
    occupancy: float
    p_wait: float
    mean_wait: float
    mean_wait_served: float
    service_level: float
    p_abandon: float
    target: float


def erlang(
    model: str, lam: float, mu: float, agents: int, target: float, theta: float | None = None
) -> ErlangResult:
    """Evaluate Erlang C or A; ``target`` is the service-level threshold T in seconds."""
    queue = build_model(model, lam, mu, agents, theta)
    return ErlangResult(
        model=_model_name(model),
        arrival_rate=lam,
        service_rate=mu,
        patience_rate=theta,
        agents=queue.agents,
        offered_load=queue.offered_load,
        occupancy=queue.occupancy,
        p_wait=queue.p_wait,
        mean_wait=queue.mean_wait,
        mean_wait_served=queue.mean_wait_served(),
        service_level=queue.service_level(target),
        p_abandon=queue.p_abandon,
        target=target,
    )


def format_result(result: ErlangResult) -> str:
    """A readable table for the CLI."""
    kind = "Erlang C (M/M/c)" if result.model == "C" else "Erlang A (M/M/c+M)"
    rows = [
        ("arrivals", f"{result.arrival_rate * 3600:.1f} /h ({result.arrival_rate:.5g} /s)"),
        ("mean handle time", f"{1 / result.service_rate:.1f} s"),
    ]
    if result.patience_rate is not None:
        rows.append(("mean patience", f"{1 / result.patience_rate:.1f} s"))
    rows += [
        ("offered load", f"{result.offered_load:.2f} Erlang"),
        ("occupancy", f"{result.occupancy:.1%}"),
        ("P(wait > 0)", f"{result.p_wait:.2%}"),
        ("P(abandon)", f"{result.p_abandon:.2%}"),
        ("mean wait, all", f"{result.mean_wait:.1f} s"),
        ("ASA, answered", f"{result.mean_wait_served:.1f} s"),
        (
            "service level",
            f"{result.service_level:.2%} answered within {result.target:g} s (of all arrivals)",
        ),
    ]
    width = max(len(label) for label, _ in rows)
    lines = [f"{kind}: {result.agents} agents"]
    lines += [f"  {label:<{width}}  {value}" for label, value in rows]
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class StaffingGoal:
    """What 'enough agents' means; every goal given must hold at once.

    ``service_level`` is a share (0.8 for 80 %) answered within ``target`` seconds, per the
    module's definition; ``max_abandon`` a share of arrivals; ``max_asa`` seconds of mean wait
    of answered arrivals. Under the strict service-level definition, heavy abandonment can
    meet a service level with fewer agents than the offered load (the few answered waited
    little); add ``max_abandon`` to rule that out.
    """

    service_level: float | None = None
    target: float | None = None
    max_abandon: float | None = None
    max_asa: float | None = None

    def __post_init__(self) -> None:
        if self.service_level is None and self.max_abandon is None and self.max_asa is None:
            raise InvalidErlangInput("give a service level, a max abandonment or a max ASA")
        if self.service_level is not None:
            if not 0 < self.service_level < 1:
                raise InvalidErlangInput("service level must be a share strictly between 0 and 1")
            if self.target is None or not self.target >= 0:
                raise InvalidErlangInput("a service level needs a target time >= 0 seconds")
        if self.max_abandon is not None and not 0 < self.max_abandon <= 1:
            raise InvalidErlangInput("max abandonment must be a share in (0, 1]")
        if self.max_asa is not None and not self.max_asa > 0:
            raise InvalidErlangInput("max ASA must be a positive number of seconds")

    def met_by(self, queue: QueueModel) -> bool:
        """Cheapest checks first: the ASA needs a numerical integral."""
        if (
            self.service_level is not None
            and self.target is not None
            and queue.service_level(self.target) < self.service_level
        ):
            return False
        if self.max_abandon is not None and queue.p_abandon > self.max_abandon:
            return False
        return self.max_asa is None or queue.mean_wait_served() <= self.max_asa


def required_agents(
    model: str,
    lam: float,
    mu: float,
    goal: StaffingGoal,
    theta: float | None = None,
    max_agents: int = 1_000_000,
) -> int:
    """Smallest number of agents meeting ``goal``; 0 when nothing arrives.

    Every measure improves with more agents, so the search gallops from the offered load and
    then bisects: O(log c) model evaluations, each O(1) or a short series, at any size.
    """
    if not (math.isfinite(lam) and lam >= 0):
        raise InvalidErlangInput(f"arrival rate must be finite and >= 0, got {lam!r}")
    if lam == 0:
        return 0

    def meets(agents: int) -> bool:
        try:
            return goal.met_by(build_model(model, lam, mu, agents, theta))
        except UnstableQueue:
            return False

    with contextlib.suppress(UnstableQueue):  # refuse bad inputs now, not as "goal not met"
        build_model(model, lam, mu, 1, theta)
    start = min(max(1, math.floor(lam / mu)), max_agents)
    return _smallest_meeting(meets, start, max_agents)


def _smallest_meeting(meets: Callable[[int], bool], start: int, limit: int) -> int:
    """Smallest c in [1, limit] with meets(c), for a meets() that stays true once true."""
    if meets(start):
        passing, step = start, 1
        while passing - step >= 1 and meets(passing - step):
            passing, step = passing - step, step * 2
        failing = max(passing - step, 0)  # 0 stands for "no agents", which never meets
    else:
        failing, step = start, 1
        while True:
            candidate = min(failing + step, limit)
            if meets(candidate):
                passing = candidate
                break
            if candidate == limit:
                raise StaffingUnreachable(f"the goal is not met even with {limit} agents")
            failing, step = candidate, step * 2
    while passing - failing > 1:
        middle = (passing + failing) // 2
        if meets(middle):
            passing = middle
        else:
            failing = middle
    return passing
