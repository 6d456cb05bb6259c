"""Erlang C (M/M/c) and Erlang A (M/M/c+M) evaluators, numerically stable for thousands of agents.

The service-level definition and the derivations live in :mod:`simulator.erlang`; this module
holds the numerics. Everything is computed in log space so that ``a**c / c!`` never overflows:

* Erlang B comes from the Poisson form ``B = pmf(c; a) / cdf(c; a)`` via ``gammaincc`` (both
  in logs); only where the Poisson cdf underflows (``c`` far below ``a``) do we fall back to the
  classic recursion, which is exact there and cheap.
* Erlang A needs ``A(x, z) = sum_k z**k / ((x+1)(x+2)...(x+k)) = 1F1(1; x+1; z)`` with
  ``x = c*mu/theta``. Where ``z >= x`` the regularised lower incomplete gamma is not small and
  ``A = e**z z**-x Gamma(x+1) P(x, z)`` is safe; where ``z < x`` the series' terms fall
  geometrically, so summing them directly is exact, cheap and avoids the cancellation that
  makes the closed form lose digits as ``theta -> 0``.

Precision: log-space terms of size ~x cost about x * 1e-16 of absolute accuracy in the logs;
negligible for any real contact centre (x = c * mean patience / mean handle time, below 1e6),
visible only with patience of years against minutes of handling.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
from scipy import integrate, special

from bridge.engine.errors import LivechatError

_LOG_NEGLIGIBLE = -45.0  # a series term below e**-45 of the first one no longer matters
_MAX_SERIES_TERMS = 20_000_000  # only reached by a patience absurdly long against handle time
_MIN_GAMMAINCC = 1e-280


class ErlangError(LivechatError):
    """An Erlang formula cannot answer for these inputs."""

    code = "erlang_error"


class InvalidErlangInput(ErlangError):
    code = "invalid_erlang_input"


class UnstableQueue(ErlangError):
    """Erlang C without abandonment has no steady state when load >= agents."""

    code = "unstable_queue"


class StaffingUnreachable(ErlangError):
    code = "staffing_unreachable"


class QueueModel(Protocol):
    """What the staffing search and the result table read from either model."""

    @property
    def agents(self) -> int: ...

    @property
    def offered_load(self) -> float: ...

    @property
    def occupancy(self) -> float: ...

    @property
    def p_wait(self) -> float: ...

    @property
    def p_abandon(self) -> float: ...

    @property
    def mean_wait(self) -> float: ...

    def mean_wait_served(self) -> float: ...

    def wait_exceeds(self, t: float) -> float: ...

    def service_level(self, target: float) -> float: ...


def _check_inputs(lam: float, mu: float, agents: int) -> None:
    if isinstance(agents, bool) or not isinstance(agents, int | np.integer) or agents < 1:
        raise InvalidErlangInput(f"agents must be a whole number >= 1, got {agents!r}")
    for name, value in (("arrival rate", lam), ("service rate", mu)):
        if not (math.isfinite(value) and value > 0):
            raise InvalidErlangInput(f"{name} must be a positive finite number, got {value!r}")


def _check_time(t: float) -> None:
    if not (t >= 0 and not math.isnan(t)):
        raise InvalidErlangInput(f"a time must be >= 0 seconds, got {t!r}")


def log_erlang_b(agents: int, load: float) -> float:
    """Natural log of the Erlang B blocking probability B(c, a)."""
    cdf = special.gammaincc(agents + 1, load)  # P(Poisson(load) <= agents)
    if cdf > _MIN_GAMMAINCC:
        log_pmf = special.xlogy(agents, load) - load - special.gammaln(agents + 1)
        return float(log_pmf - math.log(cdf))
    b = 1.0  # far below the load, where B is close to 1 - c/a and the recursion cannot underflow
    for k in range(1, agents + 1):
        b = load * b / (k + load * b)
    return math.log(b)


def erlang_b(agents: int, load: float) -> float:
    """Erlang B: share of arrivals blocked in M/M/c/c with offered load ``load`` Erlang."""
    return math.exp(log_erlang_b(agents, load))


def _log_series_terms(x: float, z: float) -> np.ndarray:
    """Logs of the terms z**k / ((x+1)...(x+k)), k = 0.., for z < x (they only decrease)."""
    chunks = [np.zeros(1)]
    last, done, size = 0.0, 0, 256
    while last > _LOG_NEGLIGIBLE:
        if done > _MAX_SERIES_TERMS:
            raise InvalidErlangInput("patience is too long against handle time; use Erlang C")
        i = np.arange(done + 1, done + size + 1, dtype=float)
        chunk = last + np.cumsum(np.log(z / (x + i)))
        chunks.append(chunk)
        last, done, size = float(chunk[-1]), done + size, size * 2
    return np.concatenate(chunks)


def log_kummer(x: float, z: float) -> float:
    """log A(x, z), the sum of z**k / ((x+1)...(x+k)) over k >= 0 (Garnett et al.'s A)."""
    if z == 0:
        return 0.0
    if z < x:
        return float(np.log(np.exp(_log_series_terms(x, z)).sum()))
    log_p = math.log(special.gammainc(x, z))  # P(x, z) >= ~1/2 here: no underflow
    return float(log_p + z - special.xlogy(x, z) + special.gammaln(x + 1))


def _abandon_given_wait(x: float, y: float, log_a: float) -> float:
    """P(abandon | must wait) without the cancellation of 1 - (x/y)(1 - 1/A) when y < x.

    Given j customers ahead, a waiting customer is served with probability x / (x + j + 1);
    the queue length seen on arrival is distributed like the series' terms.
    """
    if y < x:
        weights = np.exp(_log_series_terms(x, y) - log_a)
        k = np.arange(weights.size, dtype=float)
        return float(np.dot(weights, (k + 1) / (x + k + 1)))
    return (1 - x / y) + (x / y) * math.exp(-log_a)


class ErlangC:
    """M/M/c: Poisson arrivals ``lam``/s, exponential handling ``mu``/s, ``agents`` servers.

    An unstable system (``lam >= agents * mu``) raises :class:`UnstableQueue`: its waits grow
    without bound, and a number would hide that.
    """

    __slots__ = ("_drain", "agents", "lam", "mu", "offered_load", "p_wait")
    p_abandon = 0.0

    def __init__(self, lam: float, mu: float, agents: int) -> None:
        _check_inputs(lam, mu, agents)
        if lam >= agents * mu:
            raise UnstableQueue(
                f"offered load {lam / mu:.4g} Erlang needs more than {agents} agents "
                "(Erlang C has no steady state at or above 100% occupancy)"
            )
        self.lam, self.mu, self.agents = lam, mu, int(agents)
        self.offered_load = lam / mu
        b = erlang_b(self.agents, self.offered_load)
        self.p_wait = b / (1 - self.occupancy * (1 - b))
        self._drain = agents * mu - lam  # rate at which a queue empties: W | W > 0 ~ Exp(drain)

    @property
    def occupancy(self) -> float:
        return self.offered_load / self.agents

    @property
    def mean_wait(self) -> float:
        return self.p_wait / self._drain

    def mean_wait_served(self) -> float:
        return self.mean_wait

    def wait_exceeds(self, t: float) -> float:
        _check_time(t)
        return self.p_wait * math.exp(-self._drain * t)

    def service_level(self, target: float) -> float:
        return 1.0 - self.wait_exceeds(target)


class ErlangA:
    """M/M/c+M: as :class:`ErlangC` plus exponential patience with rate ``theta``/s.

    Always stable: abandonment drains any overload. ``x = c*mu/theta`` and ``y = lam/theta``
    are Garnett, Mandelbaum & Reiman's (2002) scaled rates.
    """

    __slots__ = (
        "_log_a",
        "_x",
        "_y",
        "agents",
        "lam",
        "mu",
        "offered_load",
        "p_abandon",
        "p_wait",
        "theta",
    )

    def __init__(self, lam: float, mu: float, agents: int, theta: float) -> None:
        _check_inputs(lam, mu, agents)
        if not (math.isfinite(theta) and theta > 0):
            raise InvalidErlangInput(
                f"patience rate theta must be positive and finite, got {theta!r} "
                "(for no abandonment use Erlang C)"
            )
        self.lam, self.mu, self.agents, self.theta = lam, mu, int(agents), theta
        self.offered_load = lam / mu
        self._x, self._y = self.agents * mu / theta, lam / theta
        self._log_a = log_kummer(self._x, self._y)
        log_b = log_erlang_b(self.agents, self.offered_load)
        # P(wait) = A B / (1 - B + A B), as a logistic of its log-odds so nothing overflows.
        self.p_wait = float(special.expit(self._log_a + log_b - math.log1p(-math.exp(log_b))))
        self.p_abandon = self.p_wait * _abandon_given_wait(self._x, self._y, self._log_a)

    @property
    def occupancy(self) -> float:
        return self.lam * (1 - self.p_abandon) / (self.agents * self.mu)

    @property
    def mean_wait(self) -> float:
        """Mean time in queue over all arrivals (abandoners count until they leave): Little."""
        return self.p_abandon / self.theta

    def _log_tail(self, t: float, shift: float) -> float:
        """log of e**(-(x+1) theta t + y (1 - e**-theta t)) A(x+shift, y e**-theta t) / A(x, y)."""
        x, y, th = self._x, self._y, self.theta * t
        decay = -(x + 1) * th - y * math.expm1(-th)
        return decay + log_kummer(x + shift, y * math.exp(-th)) - self._log_a

    def wait_exceeds(self, t: float) -> float:
        """P(W > t) over all arrivals, W the time spent queued whether served or abandoned."""
        _check_time(t)
        if t == math.inf:
            return 0.0
        return self.p_wait * math.exp(self._log_tail(t, 0.0))

    def served_after(self, t: float) -> float:
        """P(answered after waiting more than t): the served arrivals outside the target."""
        _check_time(t)
        if t == math.inf:
            return 0.0
        x = self._x
        return self.p_wait * x / (x + 1) * math.exp(self._log_tail(t, 1.0))

    def service_level(self, target: float) -> float:
        """P(answered within target) = 1 - P(abandon) - P(answered after target)."""
        return max(0.0, 1.0 - self.p_abandon - self.served_after(target))

    def mean_wait_served(self) -> float:
        """Mean wait of answered arrivals (ASA): integral of P(answered, W > t) / P(answered).

        The integrand carries the rounding of log-space sums of size ~x, so where patience is
        absurdly long against handle time (x ~ 1e9) quad cannot certify 1e-9; we take its
        best value (full_output keeps it from warning) rather than fail.
        """
        served = 1.0 - self.p_abandon
        if self.p_wait == 0.0 or served <= 0.0:
            return 0.0
        scale = self.mean_wait / self.p_wait  # mean wait of those who wait: the natural unit
        area = integrate.quad(
            lambda s: self.served_after(scale * s),
            0,
            math.inf,
            epsabs=0,
            epsrel=1e-9,
            limit=200,
            full_output=1,
        )[0]
        return scale * area / served
