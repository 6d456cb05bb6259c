"""Who is on duty when: shifts, staggered breaks and per-interval head counts, as toggles.

Each simulated agent gets the list of times its duty changes: on duty (None), off shift
(``OFF_SHIFT``) or on a break in a presence state (Break, Lunch, ...). The driver replays those
changes as engine commands (sign in, Available, the break's state, sign out); the engine's own
rules (such as the agent-gone grace) apply to them as they would to a real console.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .scenario import AgentGroup, Scenario, resolve_queue

OFF_SHIFT = "off shift"
Duty = str | None  # None: on duty; else OFF_SHIFT or the presence state of a break


@dataclass(frozen=True, slots=True)
class Seat:
    """One simulated agent: a seat in a group, on duty according to ``toggles``."""

    id: str
    group: AgentGroup
    index: int
    queues: tuple[str, ...]
    toggles: tuple[tuple[float, Duty], ...]


def duty(group: AgentGroup, index: int, t: float, interval: float) -> Duty:
    shift = group.shift
    if t < shift.start or (shift.end is not None and t >= shift.end):
        return OFF_SHIFT
    if index >= group.count_at(int(t // interval)):
        return OFF_SHIFT
    for b, start in _breaks(group, index):
        if start <= t < start + b.duration:
            return b.state
    return None


def on_duty(group: AgentGroup, index: int, t: float, interval: float) -> bool:
    return duty(group, index, t, interval) is None


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
    """(time, duty) at every change of duty, starting off shift before t = 0."""
    out: list[tuple[float, Duty]] = []
    state: Duty = OFF_SHIFT
    for t in _boundaries(group, index, interval, end):
        now = duty(group, index, t, interval)
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
