"""The shifts file: the patterns a planner may staff, read and checked like a scenario file.

A pattern has a wall-clock start on the scenario's day, a length, breaks that may start
anywhere in a window (the solver places them), bounds on its heads and a cost per hour. A
file is checked twice: on its own (pydantic, every error on its line), then against the
scenario it schedules (the agent group exists, each shift touches the day), again with lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import as_file, files
from pathlib import Path
from typing import Annotated

import numpy as np
import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from bridge.config_files import (
    ConfigFileError,
    Issue,
    compose,
    locate,
    read_text,
    validation_issues,
)
from bridge.engine.config import AVAILABLE

from ..distributions import Duration, Positive, Strict
from ..errors import SimulatorError
from ..scenario import AgentGroup, Name, Scenario

CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
Heads = Annotated[int, Field(ge=0, le=10_000)]


class ShiftsError(ConfigFileError, SimulatorError):
    """The shifts file cannot be read, is invalid, or does not fit the scenario."""

    code = "invalid_shifts"


class BreakWindow(Strict):
    """A break of ``duration`` starting ``earliest``..``latest`` after the shift starts, on
    steps of ``step`` (default: the scenario's interval); each agent takes one, in presence
    ``state`` (one of the scenario's ``routing.presence_states``)."""

    duration: Positive
    earliest: Duration
    latest: Duration
    step: Positive | None = None
    state: str = "Break"

    @model_validator(mode="after")
    def _ordered(self) -> BreakWindow:
        if self.latest < self.earliest:
            raise ValueError("latest must not be before earliest")
        return self


class ShiftPattern(Strict):
    name: Name
    start: str  # "HH:MM" on the scenario's start day, in the UTC offset of its start
    length: Positive
    cost_per_hour: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 1.0
    min_heads: Heads = 0
    max_heads: Heads | None = None
    breaks: list[BreakWindow] = []

    @field_validator("start")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not CLOCK.match(value):
            raise ValueError(f"{value!r} is not a clock time such as '07:30' (quote it)")
        return value

    @model_validator(mode="after")
    def _fits(self) -> ShiftPattern:
        if self.max_heads is not None and self.max_heads < self.min_heads:
            raise ValueError("max_heads is below min_heads")
        for b in self.breaks:
            if b.latest + b.duration > self.length + 1e-9:
                raise ValueError("a break window must end within the shift (latest + duration)")
        return self

    @property
    def cost(self) -> float:
        """What one head on this shift costs: every hour of its length is paid."""
        return self.cost_per_hour * self.length / 3600


class ShiftSet(Strict):
    group: Name | None = None  # the scenario's agent group to staff; default: the only one
    shifts: list[ShiftPattern] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Pattern:
    """A shift compiled against a scenario: coverage per interval and break placements."""

    spec: ShiftPattern
    start: float  # seconds from the scenario's start (negative: it began before t = 0)
    coverage: np.ndarray  # share of each interval the shift spans
    # Per break window: (start offsets from the scenario's start, coverage per interval each).
    breaks: tuple[tuple[tuple[float, ...], np.ndarray], ...]

    @property
    def end(self) -> float:
        return self.start + self.spec.length


@dataclass(frozen=True, slots=True)
class LoadedShifts:
    shifts: ShiftSet
    source: str
    root: yaml.Node | None

    def fail(self, issues: list[tuple[tuple[str | int, ...], str]]) -> ShiftsError:
        return ShiftsError(self.source, [Issue(*locate(self.root, loc), m) for loc, m in issues])


def parse_shifts(text: str, source: str = "<shifts>") -> LoadedShifts:
    try:
        data, root = compose(text, source)
    except ConfigFileError as exc:
        raise ShiftsError(source, exc.issues) from None
    if not isinstance(data, dict):
        raise ShiftsError(source, [Issue(1, "", "a shifts file is a mapping with 'shifts:'")])
    try:
        shifts = ShiftSet.model_validate(data)
    except ValidationError as exc:
        raise ShiftsError(source, validation_issues(exc, root)) from None
    loaded = LoadedShifts(shifts, source, root)
    names = [s.name for s in shifts.shifts]
    twice = [(("shifts", i, "name"), f"shift {n!r} is defined twice")
             for i, n in enumerate(names) if n in names[:i]]  # fmt: skip
    if twice:
        raise loaded.fail(twice)
    return loaded


def shipped_shifts(name: str) -> Path | None:
    """A shipped shifts file by name (``day``: scenarios/shifts/day.yaml), else None."""
    if not re.fullmatch(r"[\w-]+", name.removesuffix(".yaml")):
        return None
    with as_file(files("scenarios") / "shifts" / f"{name.removesuffix('.yaml')}.yaml") as found:
        return Path(found) if Path(found).is_file() else None


def load_shifts(path: str | Path) -> LoadedShifts:
    """A shifts file, or a shipped one by name when no such file exists."""
    path = Path(path)
    if not path.exists():
        path = shipped_shifts(str(path)) or path
    try:
        text = read_text(path)
    except ConfigFileError as exc:
        raise ShiftsError(exc.source, exc.issues) from None
    return parse_shifts(text, str(path))


def staffed_group(loaded: LoadedShifts, s: Scenario) -> AgentGroup:
    """The agent group the shifts staff: named by ``group``, or the scenario's only one."""
    name = loaded.shifts.group
    groups = {g.name: g for g in s.agents}
    if name is None and len(groups) == 1:
        return s.agents[0]
    if name is None:
        why = f"the scenario has several agent groups ({', '.join(groups)}): name one"
        raise loaded.fail([((), why)])
    if name not in groups:
        raise loaded.fail([(("group",), f"no agent group {name!r}; known: {', '.join(groups)}")])
    return groups[name]


def compile_patterns(loaded: LoadedShifts, s: Scenario) -> list[Pattern]:
    """Every pattern's coverage of the scenario's intervals; a shift outside the day fails."""
    day_start = s.start.hour * 3600 + s.start.minute * 60 + s.start.second
    out, issues = [], []
    for i, spec in enumerate(loaded.shifts.shifts):
        hh, mm = map(int, spec.start.split(":"))
        start = hh * 3600 + mm * 60 - day_start
        pattern = Pattern(spec, start, span(s, start, start + spec.length),
                          tuple(_placements(s, start, b) for b in spec.breaks))  # fmt: skip
        for k, b in enumerate(spec.breaks):
            if b.state not in s.routing.presence_states or b.state == AVAILABLE:
                others = [x for x in s.routing.presence_states if x != AVAILABLE]
                why = f"{b.state!r} is not a presence state of the scenario other than {AVAILABLE}"
                issues.append((("shifts", i, "breaks", k, "state"), f"{why}: one of {others}"))
        if not pattern.coverage.any():
            day = f"{s.start:%H:%M} + {s.horizon / 3600:g}h"
            issues.append(
                (("shifts", i, "start"), f"{spec.name} covers no interval of the day ({day})")
            )
        out.append(pattern)
    if issues:
        raise loaded.fail(issues)
    return out


def _placements(s: Scenario, start: float, b: BreakWindow) -> tuple[tuple[float, ...], np.ndarray]:
    step = b.step or s.interval
    count = int((b.latest - b.earliest) // step + 1e-9) + 1
    starts = tuple(start + b.earliest + k * step for k in range(count))
    return starts, np.array([span(s, t, t + b.duration) for t in starts])


def span(s: Scenario, start: float, end: float) -> np.ndarray:
    """The share of each interval of the scenario that [start, end) covers."""
    edges = np.arange(s.intervals + 1) * s.interval
    lo, hi = np.maximum(edges[:-1], start), np.minimum(edges[1:], end)
    return np.clip(hi - lo, 0, None) / s.interval
