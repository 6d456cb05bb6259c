"""Fewest agents per interval and group meeting a service target: Erlang A seeds, simulation
confirms.

1. **Seed.** Per interval and group, the offered load of the queues the group serves (a queue
   shared by several groups on duty is split evenly between them) goes through Erlang A
   (Erlang C when users never give up): ``agents x capacity`` chat slots, each working at the
   fully loaded speed ``mu * rate[capacity]``. Erlang assumes a steady state; the day does not
   hold still, which is why the simulation has the last word.
2. **Confirm and adjust.** The whole day is simulated with those counts (``replications``
   runs with common seeds, so rounds differ only by the staffing). Every (queue, interval)
   whose pooled service level or abandonment misses the target adds an agent to each group
   serving the queue then. Once all pass, every count is tried one lower at once; decrements
   that make an interval miss are taken back and kept as floors. A group keeps at least one
   agent wherever Erlang saw load for it: KPIs are counted by the queue a chat arrived in, so
   a second-line queue fed by transfers would otherwise look free to empty. The cheapest plan
   that met the target is returned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd
from tqdm import tqdm

from .erlang import StaffingGoal, StaffingUnreachable, required_agents
from .errors import StaffingError
from .replications import Runner, run_task, tasks
from .roster import on_duty
from .scenario import AgentGroup, Scenario, resolve_queue
from .summary import STAFFING_LEVEL
from .tables import Col, interval_label, render

Cell = tuple[str, int]  # (group name, interval index)


@dataclass(frozen=True, slots=True)
class StaffingTarget:
    service_level: float | None
    within: float
    max_abandon: float | None = None

    def __post_init__(self) -> None:
        if self.service_level is None and self.max_abandon is None:
            raise StaffingError("give --service-level (with --within) or --max-abandon")

    def misses(self, sl: float, abandon: float) -> bool:
        low_sl = self.service_level is not None and not sl >= self.service_level - 1e-12
        return low_sl or (self.max_abandon is not None and not abandon <= self.max_abandon + 1e-12)


@dataclass(slots=True)
class StaffingPlan:
    counts: dict[str, list[int]]
    erlang: dict[str, list[int]]
    offered: list[float]  # arrivals per hour per interval, all queues
    kpis: pd.DataFrame  # per interval: volume, service_level, abandonment (pooled)
    met: bool
    rounds: int
    target: StaffingTarget
    notes: list[str] = field(default_factory=list)


def _queue_loads(s: Scenario, index: int) -> dict[str, tuple[float, float, float | None]]:
    """Per queue: (arrivals/s, mean work s, mean patience s or None) in interval ``index``."""
    parts: dict[str, list[tuple[float, float, float | None]]] = {}
    for stream in s.streams:
        lam = stream.rate_at(index) / 3600.0
        b = s.behaviour_of(stream)
        patience = b.patience.mean_value() if b.patience is not None else None
        key = resolve_queue(s, stream.queue, stream.company)
        parts.setdefault(key, []).append((lam, b.handle_time.mean_value(), patience))  # type: ignore[union-attr]
        if b.transfer is not None and lam > 0:
            work = (b.transfer.handle_time or b.handle_time).mean_value()  # type: ignore[union-attr]
            to = resolve_queue(s, b.transfer.to_queue, stream.company)
            parts.setdefault(to, []).append((lam * b.transfer.probability, work, None))
    loads = {}
    for key, items in parts.items():
        lam = sum(rate for rate, _, _ in items)
        if lam <= 0:
            continue
        work = sum(rate * w for rate, w, _ in items) / lam
        # Rate-weighted mean patience; None (Erlang C) if some users never give up.
        patience = None
        if all(p is not None for _, _, p in items):
            patience = sum(rate * p for rate, _, p in items) / lam  # type: ignore[operator]
        loads[key] = (lam, work, patience)
    return loads


def erlang_seed(s: Scenario, target: StaffingTarget) -> dict[str, list[int]]:
    goal = StaffingGoal(target.service_level, target.within, target.max_abandon)
    counts = {g.name: [0] * s.intervals for g in s.agents}
    queues = {g.name: {resolve_queue(s, q) for q in g.queues} for g in s.agents}
    for j in range(s.intervals):
        on = [g for g in s.agents if _in_shift(g, j * s.interval)]
        loads = _queue_loads(s, j)
        for g in on:
            share = _group_load(loads, g, on, queues)
            if share is not None:
                counts[g.name][j] = _agents_for(g, *share, goal)
    return counts


def _in_shift(group: AgentGroup, t: float) -> bool:
    return on_duty(group.model_copy(update={"count": 1, "breaks": []}), 0, t, math.inf)


def _group_load(
    loads: dict[str, tuple[float, float, float | None]],
    group: AgentGroup,
    on: list[AgentGroup],
    queues: dict[str, set[str]],
) -> tuple[float, float, float | None] | None:
    """The group's even share of the load of each queue it serves with the groups on duty."""
    lam = work = patience_sum = 0.0
    patient = True
    for key, (q_lam, q_work, q_patience) in loads.items():
        sharing = [g for g in on if key in queues[g.name]]
        if group not in sharing:
            continue
        part = q_lam / len(sharing)
        lam += part
        work += part * q_work
        if q_patience is None:
            patient = False
        else:
            patience_sum += part * q_patience
    if lam <= 0:
        return None
    return lam, work / lam, (patience_sum / lam if patient else None)


def _agents_for(group: AgentGroup, lam: float, work: float, patience: float | None,
                goal: StaffingGoal) -> int:  # fmt: skip
    rates = group.concurrency_rates or [1.0]
    speed = rates[min(group.capacity, len(rates)) - 1]
    mu = speed / work
    model, theta = ("A", 1.0 / patience) if patience else ("C", None)
    try:
        slots = required_agents(model, lam, mu, goal, theta, max_agents=100_000)
    except StaffingUnreachable:
        slots = 100_000
    return math.ceil(slots / group.capacity)


def _with_counts(s: Scenario, counts: dict[str, list[int]]) -> Scenario:
    groups = [g.model_copy(update={"count": list(counts[g.name])}) for g in s.agents]
    return s.model_copy(update={"agents": groups})


def evaluate(runner: Runner, s: Scenario, counts: dict[str, list[int]], replications: int,
             seed: int | None) -> pd.DataFrame:  # fmt: skip
    """Pooled KPIs per (queue, interval index) over common-seed replications."""
    jobs = tasks(_with_counts(s, counts), replications, seed, levels=STAFFING_LEVEL)
    frames = [x.tables["queue_interval"] for x in runner.map(run_task, jobs, desc=None)]
    data = pd.concat(frames, ignore_index=True)
    data["index"] = (data["interval"] / s.interval).round().astype(int)
    data["queue"] = data["queue"].astype(str)
    return _pooled(data, ["queue", "index"]).reset_index()


def _pooled(data: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Service level and abandonment of the pooled counts (not a mean of ratios)."""
    sums = data.groupby(keys)[["volume", "sl_met", "sl_eligible", "cancelled_waiting"]].sum()
    sums["service_level"] = sums["sl_met"] / sums["sl_eligible"].where(sums["sl_eligible"] > 0)
    sums["abandonment"] = sums["cancelled_waiting"] / sums["volume"].where(sums["volume"] > 0)
    return sums


def _misses(target: StaffingTarget, kpis: pd.DataFrame) -> list[tuple[str, int]]:
    bad = [
        target.misses(sl, ab) if volume > 0 else False
        for sl, ab, volume in zip(kpis["service_level"].fillna(1.0),
                                  kpis["abandonment"].fillna(0.0), kpis["volume"], strict=True)
    ]  # fmt: skip
    return list(zip(kpis["queue"][bad], kpis["index"][bad], strict=True))


def _cells_for(s: Scenario, misses: list[tuple[str, int]]) -> set[Cell]:
    """Groups that could have answered each missed (queue, interval): those on duty then."""
    cells = set()
    for key, j in misses:
        for g in s.agents:
            if key in {resolve_queue(s, q) for q in g.queues} and _in_shift(g, j * s.interval):
                cells.add((g.name, int(j)))
    return cells


def plan_staffing(
    s: Scenario,
    target: StaffingTarget,
    replications: int = 5,
    seed: int | None = None,
    dask: str | None = None,
    workers: int | None = None,
    max_rounds: int = 12,
) -> StaffingPlan:
    seeded = erlang_seed(s, target)
    counts = {g: list(c) for g, c in seeded.items()}
    best: tuple[int, dict[str, list[int]], pd.DataFrame] | None = None
    floors: set[Cell] = set()
    trying: set[Cell] = set()
    rounds = 0
    bar = tqdm(total=max_rounds, desc="staffing rounds", unit="round", delay=1.0, leave=False)
    with Runner(dask, workers) as runner, bar:
        while rounds < max_rounds:
            rounds += 1
            bar.update()
            kpis = evaluate(runner, s, counts, replications, seed)
            cells = _cells_for(s, _misses(target, kpis))
            if not cells:
                total = sum(map(sum, counts.values()))
                if best is None or total <= best[0]:
                    best = (total, {g: list(c) for g, c in counts.items()}, kpis)
                trying = {(g, j) for g, c in counts.items() for j, n in enumerate(c)
                          if n > min(seeded[g][j], 1) and (g, j) not in floors}  # fmt: skip
                if not trying:
                    break
                for g, j in trying:
                    counts[g][j] -= 1
                continue
            undo = cells & trying if trying else set()
            for g, j in undo or cells:
                counts[g][j] += 1
            floors |= undo
            trying = set()
    if best is None:
        note = f"the target was not met within {max_rounds} rounds (raise --max-rounds)"
        return StaffingPlan(counts, seeded, _offered(s), _by_interval(s, kpis), False, rounds,
                            target, [note])  # fmt: skip
    return StaffingPlan(best[1], seeded, _offered(s), _by_interval(s, best[2]), True, rounds,
                        target)  # fmt: skip


def _offered(s: Scenario) -> list[float]:
    return [sum(stream.rate_at(j) for stream in s.streams) for j in range(s.intervals)]


def _by_interval(s: Scenario, kpis: pd.DataFrame) -> pd.DataFrame:
    return _pooled(kpis, ["index"]).reindex(range(s.intervals))


def format_plan(s: Scenario, plan: StaffingPlan) -> str:
    t = plan.target
    goal = []
    if t.service_level is not None:
        goal.append(f"service level >= {t.service_level:.0%} within {t.within:g}s")
    if t.max_abandon is not None:
        goal.append(f"abandonment <= {t.max_abandon:.1%}")
    status = "met" if plan.met else "NOT met"
    lines = [f"{s.name}: fewest agents per interval for {' and '.join(goal)} ({status}, "
             f"{plan.rounds} simulation rounds)",
             "Each group column: Erlang A seed -> count confirmed by simulation."]  # fmt: skip
    groups = list(plan.counts)
    label = interval_label(s.start)
    rows = [
        {"interval": label("interval", j * s.interval), "chats/h": f"{plan.offered[j]:g}",
         **{g: f"{plan.erlang[g][j]} -> {plan.counts[g][j]}" for g in groups},
         "SL": _pct(plan.kpis["service_level"].get(j)),
         "aband.": _pct(plan.kpis["abandonment"].get(j))}
        for j in range(s.intervals)
    ]  # fmt: skip
    hours = s.interval / 3600
    rows.append({"interval": "agent-hours", **{g: f"{sum(plan.counts[g]) * hours:g}"
                                               for g in groups}})  # fmt: skip
    cols = [Col(name, name, "text") for name in ("chats/h", *groups, "SL", "aband.")]
    table = render(pd.DataFrame(rows).fillna(""), cols, ["interval"])
    return "\n".join([*lines, table, *plan.notes])


def _pct(value: float | None) -> str:
    return "-" if value is None or pd.isna(value) else f"{value:.1%}"
