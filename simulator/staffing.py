"""Fewest agents per interval and group meeting a service target: Erlang A seeds, simulation
confirms.

1. **Seed.** Per interval and group, the offered load of the queues the group serves (a queue
   shared by several groups on duty is split evenly between them) goes through Erlang A
   (Erlang C when users never give up): ``agents x capacity`` chat slots, each working at the
   fully loaded speed ``mu * rate[capacity]``. Erlang assumes a steady state; the day does not
   hold still, which is why the simulation has the last word.
2. **Confirm and adjust.** The whole day is simulated with those counts, with common random
   numbers (replication ``i`` of every candidate uses seed ``base + i``; arrivals, users'
   plans and agents draw from separate streams), so candidates differ only by the staffing.
   The number of replications is chosen per round by sequential sampling (``sampling``):
   batches are added until each (queue, interval)'s 95% CI lies clearly on one side of the
   goal or is narrower than the tolerance, up to a cap. A cell that clearly misses adds an
   agent to each group serving the queue then. Once none misses, every count is tried one
   lower at once; a decrement whose interval does not *clearly* meet is taken back and kept as
   a floor, so noise neither adds nor removes an agent: on a flat day Erlang's exact count
   stands. A group keeps at least one agent wherever Erlang saw load for it. The cheapest
   plan that met the target is returned.
3. **Warm-up.** Intervals wholly inside the scenario's warm-up are not scored: they keep
   Erlang's count (it sets the queue the first scored interval starts from), are not
   searched, and are left out of the plan's agent-hours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial

import pandas as pd
from tqdm import tqdm

from .erlang import StaffingGoal, StaffingUnreachable, required_agents
from .errors import StaffingError
from .replications import Runner
from .roster import on_duty
from .sampling import MISS, UNCLEAR, Sampling, evaluate, verdicts
from .scenario import AgentGroup, Scenario, resolve_queue
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
    warmup_intervals: int = 0  # leading intervals not scored: Erlang's count, no agent-hours


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


def _cells_for(s: Scenario, misses: list[tuple[str, int]]) -> set[Cell]:
    """Groups that could have answered each missed (queue, interval): those on duty then."""
    cells = set()
    for key, j in misses:
        for g in s.agents:
            if key in {resolve_queue(s, q) for q in g.queues} and _in_shift(g, j * s.interval):
                cells.add((g.name, int(j)))
    return cells


def scored_from(s: Scenario) -> int:
    """First interval whose chats are scored: the ones before lie wholly in the warm-up."""
    return int(s.warmup // s.interval)


class _Search:
    """State of the search: counts, what was tried lower, floors, the cheapest plan met."""

    def __init__(self, seeded: dict[str, list[int]], first_scored: int) -> None:
        self.seeded = seeded
        self.counts = {g: list(c) for g, c in seeded.items()}
        self.first = first_scored
        self.floors: set[Cell] = set()
        self.trying: set[Cell] = set()
        self.best: tuple[int, dict[str, list[int]], pd.DataFrame] | None = None

    def total(self) -> int:
        return sum(sum(c[self.first :]) for c in self.counts.values())

    def passed(self, cells: pd.DataFrame) -> bool:
        """Every scored count met: keep the plan if cheapest, try each one lower; False when
        there is nothing left to try."""
        if self.best is None or self.total() <= self.best[0]:
            self.best = (self.total(), {g: list(c) for g, c in self.counts.items()}, cells)
        self.trying = {(g, j) for g, c in self.counts.items() for j, n in enumerate(c)
                       if j >= self.first and n > min(self.seeded[g][j], 1)
                       and (g, j) not in self.floors}  # fmt: skip
        for g, j in self.trying:
            self.counts[g][j] -= 1
        return bool(self.trying)

    def adjust(self, missed: set[Cell], unclear: set[Cell]) -> None:
        """Undo decrements that did not clearly meet (they become floors); add an agent where
        a count that was not lowered clearly missed."""
        undo = (missed | unclear) & self.trying
        for g, j in undo or missed:
            self.counts[g][j] += 1
        self.floors |= undo
        self.trying = set()


def plan_staffing(
    s: Scenario,
    target: StaffingTarget,
    replications: int = 10,
    seed: int | None = None,
    dask: str | None = None,
    workers: int | None = None,
    max_rounds: int = 12,
    max_replications: int = 40,
    tolerance: float = 0.01,
) -> StaffingPlan:
    """Erlang seeds, then simulation rounds: ``replications`` is the first batch per round,
    more are added (up to ``max_replications``) while a verdict is unclear (``sampling``)."""
    sampling = Sampling(replications, max(replications, max_replications), tolerance)
    search = _Search(erlang_seed(s, target), scored_from(s))
    judge = partial(verdicts, sl_goal=target.service_level, max_abandon=target.max_abandon,
                    tol=tolerance)  # fmt: skip
    rounds, cells, used = 0, pd.DataFrame(), 0
    bar = tqdm(total=max_rounds, desc="staffing rounds", unit="round", delay=1.0, leave=False)
    with Runner(dask, workers) as runner, bar:
        while rounds < max_rounds:
            rounds += 1
            bar.update()
            cells = evaluate(runner, _with_counts(s, search.counts), sampling, judge, seed,
                             search.first)  # fmt: skip
            used = max(used, int(cells["replications"].max()) if len(cells) else 0)
            scored = cells[(cells["index"] >= search.first) & (cells["volume"] > 0)]
            missed = _cells_for(s, _where(scored, MISS))
            unclear = _cells_for(s, _where(scored, UNCLEAR))
            if not missed and not (unclear & search.trying):
                if not search.passed(cells):
                    break
                continue
            search.adjust(missed, unclear)
    notes = [
        f"up to {used} replications per round: added until each interval's 95% CI is on one "
        f"side of the goal or narrower than ±{tolerance:.1%} (cap {sampling.cap})"
    ]
    if search.first:
        notes.append(f"the first {search.first} interval(s) are warm-up: Erlang's count is "
                     "kept and left out of the agent-hours")  # fmt: skip
    if search.best is None:
        notes.append(f"the target was not met within {max_rounds} rounds (raise --max-rounds)")
        return StaffingPlan(search.counts, search.seeded, _offered(s), by_interval(s, cells),
                            False, rounds, target, notes, search.first)  # fmt: skip
    return StaffingPlan(search.best[1], search.seeded, _offered(s), by_interval(s, search.best[2]),
                        True, rounds, target, notes, search.first)  # fmt: skip


def _where(cells: pd.DataFrame, verdict: str) -> list[tuple[str, int]]:
    hit = cells[cells["verdict"] == verdict]
    return list(zip(hit["queue"], hit["index"], strict=True))


def _offered(s: Scenario) -> list[float]:
    return [sum(stream.rate_at(j) for stream in s.streams) for j in range(s.intervals)]


_SHOWN = ("service_level", "service_level_ci", "abandonment")


def by_interval(s: Scenario, cells: pd.DataFrame) -> pd.DataFrame:
    """Per interval index: chats (mean per run), volume-weighted SL (and CI) and abandonment."""
    if cells.empty:
        return pd.DataFrame(columns=["volume", *_SHOWN])
    weighted = {k: cells[k].fillna(0) * cells["volume"] for k in _SHOWN}
    parts = cells.assign(**weighted).groupby("index")[["volume", *_SHOWN]].sum()
    out = pd.DataFrame({"volume": parts["volume"]})
    for k in _SHOWN:
        out[k] = parts[k] / parts["volume"].where(parts["volume"] > 0)
    return out.reindex(range(s.intervals))


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
             "Each group column: Erlang A seed -> count confirmed by simulation. SL ± the "
             "half-width of its 95% CI:",
             "an interval whose CI spans the goal keeps its count."]  # fmt: skip
    groups = list(plan.counts)
    label = interval_label(s.start)
    rows = [
        {"interval": label("interval", j * s.interval), "chats/h": f"{plan.offered[j]:g}",
         **{g: f"{plan.erlang[g][j]} -> {plan.counts[g][j]}" for g in groups},
         "SL": _pct(plan.kpis["service_level"].get(j), plan.kpis["service_level_ci"].get(j)),
         "aband.": _pct(plan.kpis["abandonment"].get(j))}
        for j in range(s.intervals)
    ]  # fmt: skip
    for j in range(plan.warmup_intervals):
        rows[j]["SL"], rows[j]["aband."] = "warm-up", ""
    hours, first = s.interval / 3600, plan.warmup_intervals
    rows.append({"interval": "agent-hours", **{g: f"{sum(plan.counts[g][first:]) * hours:g}"
                                               for g in groups}})  # fmt: skip
    cols = [Col(name, name, "text") for name in ("chats/h", *groups, "SL", "aband.")]
    table = render(pd.DataFrame(rows).fillna(""), cols, ["interval"])
    return "\n".join([*lines, table, *plan.notes])


def _pct(value: float | None, half: float | None = None) -> str:
    if value is None or pd.isna(value):
        return "-"
    return f"{value:.1%}" if half is None or pd.isna(half) else f"{value:.1%} ±{half:.1%}"
