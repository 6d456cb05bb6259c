"""Durations and random distributions as scenario-file types, each compiling to a fast sampler.

A sampler is a zero-argument callable bound to one replication's ``random.Random``: the hot
loop calls it without looking anything up, and no global RNG is ever touched.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Callable
from functools import partial
from itertools import accumulate
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from bridge.config_files import Duration, Positive
from bridge.durations import parse_duration

__all__ = ["Distribution", "Duration", "Positive", "Sampler", "Strict", "parse_duration"]

Sampler = Callable[[], float]


class Strict(BaseModel):
    """Unknown keys are errors: a typo in a scenario file must not be silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Exponential(Strict):
    dist: Literal["exponential"]
    mean: Positive

    def sampler(self, rng: random.Random) -> Sampler:
        return partial(rng.expovariate, 1.0 / self.mean)

    def mean_value(self) -> float:
        return self.mean


class LogNormal(Strict):
    """Parameterised by its own mean and standard deviation, as planners measure them."""

    dist: Literal["lognormal"]
    mean: Positive
    sd: Positive

    def sampler(self, rng: random.Random) -> Sampler:
        sigma2 = math.log1p((self.sd / self.mean) ** 2)
        return partial(rng.lognormvariate, math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2))

    def mean_value(self) -> float:
        return self.mean


class Gamma(Strict):
    dist: Literal["gamma"]
    mean: Positive
    sd: Positive

    def sampler(self, rng: random.Random) -> Sampler:
        shape = (self.mean / self.sd) ** 2
        return partial(rng.gammavariate, shape, self.mean / shape)

    def mean_value(self) -> float:
        return self.mean


class Empirical(Strict):
    """Observed values drawn with equal (or the given) weights."""

    dist: Literal["empirical"]
    values: list[Duration] = Field(min_length=1)
    weights: list[Annotated[float, Field(ge=0)]] | None = None

    @model_validator(mode="after")
    def _weights_match(self) -> Empirical:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError("weights must have one entry per value")
            if sum(self.weights) <= 0:
                raise ValueError("weights must not all be zero")
        return self

    def sampler(self, rng: random.Random) -> Sampler:
        values = list(self.values)
        if self.weights is None:
            n, draw = len(values), rng.random
            return lambda: values[int(draw() * n)]
        cum = list(accumulate(self.weights))
        total, pick, draw = cum[-1], bisect.bisect_right, rng.random
        return lambda: values[min(pick(cum, draw() * total), len(values) - 1)]

    def mean_value(self) -> float:
        weights = self.weights or [1.0] * len(self.values)
        return sum(v * w for v, w in zip(self.values, weights, strict=True)) / sum(weights)


class Uniform(Strict):
    dist: Literal["uniform"]
    low: Duration
    high: Duration

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError("high must be at least low")
        return self

    def sampler(self, rng: random.Random) -> Sampler:
        return partial(rng.uniform, self.low, self.high)

    def mean_value(self) -> float:
        return (self.low + self.high) / 2


class Constant(Strict):
    dist: Literal["constant"]
    value: Duration

    def sampler(self, rng: random.Random) -> Sampler:
        value = self.value
        return lambda: value

    def mean_value(self) -> float:
        return self.value


def _shorthand(value: Any) -> Any:
    """A bare duration (``20s``) means a constant."""
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        return {"dist": "constant", "value": value}
    return value


Distribution = Annotated[
    Exponential | LogNormal | Gamma | Empirical | Uniform | Constant,
    Field(discriminator="dist"),
    BeforeValidator(_shorthand),
]
