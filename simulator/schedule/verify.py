"""From heads per interval to shifts that meet the target in simulation.

1. **Requirement.** The staffing search (``simulator.staffing``: Erlang seeds, simulation
   confirms) gives the heads the staffed group needs on duty in each interval, with every
   agent there all day.
2. **Solve.** The integer program (``solve``) covers that requirement with the cheapest
   heads per shift and places each head's breaks.
3. **Verify.** The schedule becomes a scenario: one agent group per shift and break
   placement, on duty for its shift, its breaks at the placed times (the roster's breaks,
   which the engine sees as presence changes). It is simulated with common random numbers
   and sequential sampling (``sampling``). Shifts ending, breaks and the queue carried over
   from a busy interval are what the per-interval requirement cannot see.
4. **Repair.** An interval whose mean service level (or abandonment) misses the target asks
   for one more head on duty than the schedule gave it; the program is solved again with
   the heads so far as floors (so it only grows: one head on the cheapest shift covering the
   interval, or a break moved out of it), and simulated again, for a bounded number of rounds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

import numpy as np
import pandas as pd

from ..replications import Runner, replicate
from ..sampling import Sampling, evaluate, verdicts
from ..scenario import AgentGroup, Break, Scenario, Shift
from ..staffing import StaffingPlan, StaffingTarget, by_interval, plan_staffing, scored_from
from ..summary import Combined, combine
from .shifts import LoadedShifts, Pattern, compile_patterns, staffed_group
from .solve import Schedule, ScheduleInfeasible, solve


@dataclass(frozen=True, slots=True)
class Options:
    """How hard to look: staffing search and verification replications, repair rounds."""

    replications: int = 10
    max_replications: int = 40
    tolerance: float = 0.01
    max_rounds: int = 12  # of the staffing search
    max_repairs: int = 6
    seed: int | None = None
    dask: str | None = None
    workers: int | None = None


@dataclass(slots=True)
class Verified:
    group: str  # the agent group the shifts staff
    schedule: Schedule
    first: Schedule  # the solver's answer before any repair
    plan: StaffingPlan  # the per-interval requirement
    scenario: Scenario  # the schedule as a runnable scenario
    kpis: pd.DataFrame  # per interval: volume, service_level(_ci), abandonment(_ci)
    combined: Combined  # the full summary of the final verification runs
    met: bool
    repairs: list[list[int]] = field(default_factory=list)  # intervals repaired per round


def requirement(s: Scenario, group: AgentGroup, target: StaffingTarget, o: Options):
    """Heads the group needs on duty per interval, with its agents there all day."""
    whole_day = group.model_copy(update={"shift": Shift(), "breaks": []})
    day = s.model_copy(update={"agents": [whole_day if g is group else g for g in s.agents]})
    plan = plan_staffing(day, target, o.replications, o.seed, o.dask, o.workers, o.max_rounds,
                         o.max_replications, o.tolerance)  # fmt: skip
    return plan, np.array(plan.counts[group.name], dtype=float)


def schedule_scenario(s: Scenario, group: AgentGroup, schedule: Schedule) -> Scenario:
    """The schedule as agent groups: one per shift and combination of break starts."""
    groups = [g for g in s.agents if g is not group]
    for pattern, heads, placed in zip(schedule.patterns, schedule.heads, schedule.placed,
                                      strict=True):  # fmt: skip
        combos = _combos(heads, pattern, placed)
        for k, (starts, count) in enumerate(combos.items()):
            name = pattern.spec.name if len(combos) == 1 else f"{pattern.spec.name}-{k + 1}"
            breaks = [_break(t, b.duration, b.state) for t, b in zip(starts, pattern.spec.breaks,
                                                                      strict=True)]  # fmt: skip
            shift = Shift(start=max(0.0, pattern.start), end=max(pattern.end, 1e-3))
            update = {
                "name": name,
                "count": count,
                "shift": shift,
                "breaks": [b for b in breaks if b],
            }
            groups.append(group.model_copy(update=update))
    return s.model_copy(update={"agents": groups})


def _combos(heads: int, pattern: Pattern, placed: list[list[int]]) -> dict[tuple[float, ...], int]:
    """Head i takes the i-th earliest placement of each break window: heads per combination."""
    per_window = [[t for t, n in zip(starts, counts, strict=True) for _ in range(n)]
                  for (starts, _), counts in zip(pattern.breaks, placed, strict=True)]  # fmt: skip
    out: dict[tuple[float, ...], int] = {}
    for i in range(heads):
        key = tuple(times[i] for times in per_window)
        out[key] = out.get(key, 0) + 1
    return out


def _break(start: float, duration: float, state: str) -> Break | None:
    """A roster break (times from t = 0) in presence ``state``: the part after t = 0, if any."""
    end, begin = start + duration, max(0.0, start)
    return Break(start=begin, duration=end - begin, state=state) if end > 0 else None


def _failing(s: Scenario, cells: pd.DataFrame, target: StaffingTarget) -> list[int]:
    """Scored intervals whose mean KPIs miss the target (no chats: nothing to miss)."""
    scored = cells[(cells["index"] >= scored_from(s)) & (cells["volume"] > 0)]
    bad = {int(r.index) for r in scored.itertuples(index=False)
           if target.misses(_or(r.service_level, 1.0), _or(r.abandonment, 0.0))}  # fmt: skip
    return sorted(bad)


def _or(value: float, default: float) -> float:
    return default if pd.isna(value) else float(value)


def uncovered(patterns: list[Pattern], s: Scenario, labels: list[str]) -> None:
    """Refuse, before any simulation, shifts that leave an interval with chats uncovered."""
    reach = sum(p.coverage * (p.spec.max_heads != 0) for p in patterns)
    offered = [sum(stream.rate_at(j) for stream in s.streams) for j in range(s.intervals)]
    empty = [labels[j] for j, rate in enumerate(offered) if rate > 0 and reach[j] <= 0]
    if empty:
        shown = ", ".join(empty[:8]) + (" ..." if len(empty) > 8 else "")
        raise ScheduleInfeasible(f"no shift covers {shown}, where chats arrive: add a shift")


Simulated = tuple[Scenario, pd.DataFrame, list[int]]


def simulate(runner: Runner, s: Scenario, group: AgentGroup, schedule: Schedule,
             target: StaffingTarget, o: Options) -> Simulated:  # fmt: skip
    """The schedule's scenario, its KPIs per (queue, interval) and the intervals that miss."""
    sampling = Sampling(o.replications, max(o.replications, o.max_replications), o.tolerance)
    judge = partial(verdicts, sl_goal=target.service_level, max_abandon=target.max_abandon,
                    tol=o.tolerance)  # fmt: skip
    scenario = schedule_scenario(s, group, schedule)
    cells = evaluate(runner, scenario, sampling, judge, o.seed, scored_from(s))
    return scenario, cells, _failing(s, cells, target)


def verify(s: Scenario, loaded: LoadedShifts, target: StaffingTarget, o: Options) -> Verified:
    """Requirement, solve, then simulate and repair until every interval meets the target."""
    group = staffed_group(loaded, s)
    patterns = compile_patterns(loaded, s)
    labels = [f"{s.start + timedelta(seconds=j * s.interval):%H:%M}" for j in range(s.intervals)]
    uncovered(patterns, s, labels)
    plan, need = requirement(s, group, target, o)
    first = schedule = solve(patterns, need, labels=labels)
    repairs: list[list[int]] = []
    with Runner(o.dask, o.workers) as runner:
        while True:
            scenario, cells, failing = simulate(runner, s, group, schedule, target, o)
            if not failing or len(repairs) >= o.max_repairs:
                break
            repairs.append(failing)
            asked = need.copy()
            asked[failing] = np.maximum(need[failing], schedule.coverage[failing] + 1)
            need = asked
            schedule = solve(patterns, need, floors=schedule.heads, labels=labels)
    runs = int(cells["replications"].max()) if len(cells) else o.replications
    final = combine(replicate(scenario, runs, o.seed, None, o.dask, o.workers))
    return Verified(group.name, schedule, first, plan, scenario, by_interval(s, cells), final,
                    not failing, repairs)  # fmt: skip
