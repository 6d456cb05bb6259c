"""Fitting a duration distribution: exponential, lognormal and gamma, chosen by AIC.

Why AIC: the three candidates have one or two parameters and are fitted by maximum
likelihood on the same data, so ``AIC = 2k - 2 log L`` compares them on one scale and charges
the two-parameter families for their extra freedom. The KS distance is shown beside it as a
plain measure of how far the fitted curve lies from the data (it does not choose).

Censored data (patience: a user who got an agent only shows that their patience was longer
than their wait) is fitted by the censored likelihood: density at each observed value times
survival at each censored one. The exponential has the closed form ``rate = events / total
time``; the others use ``scipy.stats`` fits of :class:`scipy.stats.CensoredData`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

# Fewer observed values than this: only the exponential (one parameter) is fitted.
MIN_FOR_TWO_PARAMETERS = 20
# A fitted mean beyond this (about four months) is an extrapolation, not a measurement.
MAX_MEAN = 1e7
# Values the numeric (two-parameter) fits use at most: a random sample beyond that.
MAX_FIT_VALUES = 20_000
# The censored KS distance looks only where this many users (and 1%) were still at risk.
MIN_AT_RISK = 20


@dataclass(frozen=True, slots=True)
class Candidate:
    """One family fitted by maximum likelihood; ``mean`` and ``sd`` as the scenario takes them."""

    dist: str
    mean: float
    sd: float
    loglik: float
    params: int
    ks: float
    frozen: Any  # the scipy.stats frozen distribution, for curves and QQ plots

    @property
    def aic(self) -> float:
        return 2 * self.params - 2 * self.loglik

    def scenario(self) -> dict[str, Any]:
        """The scenario file's distribution mapping (seconds, rounded for a reader)."""
        if self.dist == "exponential":
            return {"dist": "exponential", "mean": _round(self.mean)}
        return {"dist": self.dist, "mean": _round(self.mean), "sd": _round(self.sd)}


@dataclass(frozen=True, slots=True)
class Fit:
    """The candidates of one sample, best (lowest AIC) first."""

    observed: np.ndarray  # values seen in full (handle times; patience: abandon times)
    censored: np.ndarray  # right-censored values (patience: waits of users who were answered)
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> Candidate:
        return self.candidates[0]

    @property
    def n(self) -> int:
        return len(self.observed) + len(self.censored)


def _round(value: float) -> float:
    return float(f"{value:.4g}")


def _exponential(x: np.ndarray, c: np.ndarray) -> Any:
    """The closed form: events over total exposure (``d / sum t``), censored or not."""
    return stats.expon(scale=(x.sum() + c.sum()) / len(x))


def _lognormal(x: np.ndarray, c: np.ndarray) -> Any:
    if len(c) == 0:  # the closed form: mean and sd of log x
        logs = np.log(x)
        return stats.lognorm(s=max(float(logs.std()), 1e-9), scale=math.exp(float(logs.mean())))
    s, _, scale = stats.lognorm.fit(stats.CensoredData(uncensored=x, right=c), floc=0)
    return stats.lognorm(s=s, scale=scale)


def _gamma(x: np.ndarray, c: np.ndarray) -> Any:
    data = x if len(c) == 0 else stats.CensoredData(uncensored=x, right=c)
    a, _, scale = stats.gamma.fit(data, floc=0)
    return stats.gamma(a, scale=scale)


FAMILIES = {"exponential": (_exponential, 1), "lognormal": (_lognormal, 2), "gamma": (_gamma, 2)}


def _loglik(frozen: Any, x: np.ndarray, c: np.ndarray) -> float:
    return float(frozen.logpdf(x).sum() + (frozen.logsf(c).sum() if len(c) else 0.0))


def ks_statistic(sorted_x: np.ndarray, cdf: Any) -> float:
    """``scipy.stats.kstest(x, cdf).statistic`` (the same arithmetic, so the same float) of
    values sorted once for every candidate, without the exact p-value nobody reads: on a
    million handle times that p-value alone took seconds per candidate."""
    n = len(sorted_x)
    cdfvals = cdf(sorted_x)
    plus = (np.arange(1.0, n + 1) / n - cdfvals).max()
    minus = (cdfvals - np.arange(0.0, n) / n).max()
    return float(plus if plus > minus else minus)


def _ks(frozen: Any, x: np.ndarray, km: tuple[np.ndarray, np.ndarray] | None) -> float:
    """KS distance to the data: the empirical CDF of ``x`` (sorted), or the (well-observed
    part of the) Kaplan-Meier curve ``km`` when censored."""
    if km is None:
        return ks_statistic(x, frozen.cdf)
    times, survival = km
    if not len(times):
        return math.nan
    return float(np.max(np.abs(survival - frozen.sf(times))))


def well_observed(times: np.ndarray, observed: np.ndarray, censored: np.ndarray) -> np.ndarray:
    """Which ``times`` still had enough users at risk (``MIN_AT_RISK`` and 1%) for the
    Kaplan-Meier curve to mean something: its thin tail steps on one or two users."""
    every = np.sort(np.concatenate([observed, censored]))
    at_risk = len(every) - np.searchsorted(every, times, side="left")
    return at_risk >= max(MIN_AT_RISK, 0.01 * len(every))


def kaplan_meier(observed: np.ndarray, censored: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(times, survival) of the Kaplan-Meier estimate: a step down at each observed value."""
    if len(observed) == 0:
        return np.array([]), np.array([])
    sf = stats.ecdf(stats.CensoredData(uncensored=observed, right=censored)).sf
    return np.asarray(sf.quantiles, float), np.asarray(sf.probabilities, float)


def _sample(x: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """At most ``MAX_FIT_VALUES`` of the values, the same share of each kind, for the numeric
    two-parameter fits (a million censored values would take minutes; 20,000 pin two
    parameters to about 1%). The likelihoods that choose are still over every value."""
    n = len(x) + len(c)
    if n <= MAX_FIT_VALUES:
        return x, c
    rng = np.random.default_rng(0)
    share = MAX_FIT_VALUES / n
    pick = [rng.choice(v, max(1, int(len(v) * share)), replace=False) if len(v) else v
            for v in (x, c)]  # fmt: skip
    return pick[0], pick[1]


def fit(observed: np.ndarray, censored: np.ndarray | None = None) -> Fit | None:
    """Every family that fits (finite, plausible mean), best AIC first; None without data.

    Values of zero carry no duration (a lognormal or gamma cannot hold them): they are left
    out. ``censored`` values need at least one observed value beside them."""
    x = np.asarray(observed, dtype=float)
    x = x[np.isfinite(x) & (x > 0)]
    c = np.asarray(censored if censored is not None else [], dtype=float)
    c = c[np.isfinite(c) & (c > 0)]
    if len(x) == 0:
        return None
    km = None
    if len(c):
        times, survival = kaplan_meier(x, c)
        keep = well_observed(times, x, c)
        km = times[keep], survival[keep]
    out = []
    ordered = np.sort(x) if km is None else x  # the KS distance reads sorted values
    for name, (build, k) in FAMILIES.items():
        if k > 1 and len(x) < MIN_FOR_TWO_PARAMETERS:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frozen = build(*((x, c) if k == 1 else _sample(x, c)))
                mean, sd = float(frozen.mean()), float(frozen.std())
        except (ValueError, RuntimeError, FloatingPointError):
            continue
        if not (math.isfinite(mean) and math.isfinite(sd) and 0 < mean < MAX_MEAN and sd > 0):
            continue
        ks = _ks(frozen, ordered, km)
        out.append(Candidate(name, mean, sd, _loglik(frozen, x, c), k, ks, frozen))
    out.sort(key=lambda cand: cand.aic)
    return Fit(x, c, tuple(out)) if out else None
