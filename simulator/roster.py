"""Who is on duty when: shifts, staggered breaks and per-interval head counts, as toggles.

Each simulated agent gets the list of times its duty flips. The driver replays those flips as
engine commands (sign in, available, unavailable); the engine's own rules (such as the
agent-gone grace) apply to them as they would to a real console.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .scenario import AgentGroup, Scenario, resolve_queue


@dataclass(frozen=True, slots=True)
class Seat:
    """One simulated agent: a seat in a group, on duty according to ``toggles``."""

    id: str
    group: AgentGroup
    index: int
    queues: tuple[str, ...]
    toggles: tuple[tuple[float, bool], ...]


def on_duty(group: AgentGroup, index: int, t: float, interval: float) -> bool:
    shift = group.shift
    if t < shift.start or (shift.end is not None and t >= shift.end):
        return False
    if index >= group.count_at(int(t // interval)):
        return False
    return not any(start <= t < start + b.duration for b, start in _breaks(group, index))


def _breaks(group: AgentGroup, index: int):
    size = max(group.most, 1)
    return [(b, b.start + index * b.stagger / size) for b in group.breaks]


def _boundaries(group: AgentGroup, index: int, interval: float, end: float) -> list[float]:
    times = {0.0, group.shift.start}
    if group.shift.end is not None:
        times.add(group.shift.end)
    for b, start in _breaks(group, index):
        times.update((start, start + b.duration))
    if isinstance(group.count, list):
        times.update(k * interval for k in range(len(group.count) + 1))
    return sorted(t for t in times if 0 <= t < end)


def toggles(group: AgentGroup, index: int, interval: float, end: float):
    """(time, on duty) at every change of duty, starting off duty before t = 0."""
    out: list[tuple[float, bool]] = []
    state = False
    for t in _boundaries(group, index, interval, end):
        now = on_duty(group, index, t, interval)
        if now != state:
            out.append((t, now))
            state = now
    return tuple(out)


def seats(scenario: Scenario, end: float = math.inf) -> list[Seat]:
    """Every agent any group ever puts on duty before ``end``."""
    out = []
    for group in scenario.agents:
        queues = tuple(resolve_queue(scenario, ref) for ref in group.queues)
        for index in range(group.most):
            flips = toggles(group, index, scenario.interval, end)
            if flips:
                out.append(Seat(f"{group.name}-{index + 1:03d}", group, index, queues, flips))
    return out
