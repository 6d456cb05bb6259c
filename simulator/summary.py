"""KPIs of a run and of many replications, computed by the reports package's one set of rules.

The simulator defines no KPI of its own: facts, service level, abandonment, occupancy and
estimate accuracy come from ``reports`` (``reports.definitions`` holds the definitions), so a
simulated run and a recorded bridge log are measured the same way. The simulator adds what
only the driver knows (handoffs refused by a closed queue) and the replication statistics:
each KPI's mean and the half-width of its 95% confidence interval (Student t, n - 1 d.f.).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from reports.agents import agent_interval_facts
from reports.facts import chat_facts
from reports.legs import LEG_COUNTS, chat_legs, service_kpis
from reports.log import events_to_frame
from reports.metrics import (
    COUNT_COLUMNS,
    KPI_COLUMNS,
    OCCUPANCY_SUMS,
    ewt_accuracy,
    kpis,
    occupancy_table,
)
from reports.options import scored
from reports.routing import ROUTING_LEVELS, routing_tables, uses_routing_model, with_routing

from .confidence import t975
from .driver import RunResult
from .scenario import Scenario

LEVELS: dict[str, tuple[str, ...]] = {
    "overall": (),
    "company": ("company",),
    "queue": ("queue",),
    "source": ("source",),
    "interval": ("interval",),
}
STAFFING_LEVEL = {"queue_interval": ("queue", "interval")}
KEY_COLUMNS = (
    "company",
    "queue",
    "source",
    "interval",
    "group",
    "estimator",
    *ROUTING_LEVELS,
    "state",
    "outcome",
    "reason",
)
# Columns that are counts: a replication with no row for a group had zero of them. Every other
# KPI (waits, ratios, occupancy) has no value there and is averaged over the runs that have one.
ZERO_WHEN_ABSENT = frozenset(
    {
        *COUNT_COLUMNS,
        *LEG_COUNTS,
        "tickets",
        "refused",
        "n",
        "no_estimate",
        "unanswered",
        *OCCUPANCY_SUMS,
    }
)


@dataclass(slots=True)
class Summary:
    """One replication's KPI tables (level -> frame), occupancy per group and EWT accuracy."""

    seed: int
    tables: dict[str, pd.DataFrame]
    counters: dict[str, float] = field(default_factory=dict)


def summarize(
    result: RunResult,
    scenario: Scenario,
    levels: dict[str, tuple[str, ...]] | None = None,
    log: pd.DataFrame | None = None,
) -> Summary:
    """KPIs per level for chats that arrived after the warm-up, plus EWT accuracy per queue.

    Occupancy counts the intervals from the warm-up to the horizon, not the cooldown when no
    more chats arrive."""
    levels = LEVELS if levels is None else levels
    log = events_to_frame(result.events) if log is None else log
    facts = chat_facts(log, scenario.interval)
    routed = levels is LEVELS and uses_routing_model(log)
    if routed or any(set(by) & set(ROUTING_LEVELS) for by in levels.values()):
        facts = with_routing(facts, log)
    occupancy = any(set(by) <= {"interval"} for by in levels.values())
    end = scenario.horizon + scenario.cooldown  # the run's end, not its last event
    agents = agent_interval_facts(log, scenario.interval, result.default_capacity, end) if (
        occupancy) else None  # fmt: skip
    facts, agents = scored(facts, agents, scenario.warmup, scenario.horizon)
    target = scenario.service_level.within
    tables = {
        name: _with_tickets(kpis(facts, by, target, scenario.interval, agent_facts=agents))
        for name, by in levels.items()
    }
    if levels is LEVELS:  # every leg in a queue, by the queue that served it
        legs = chat_legs(log)
        legs = legs[legs["entered"].to_numpy() >= scenario.warmup].reset_index(drop=True)
        tables["service_queue"] = service_kpis(legs, target)
    if "queue" in tables:
        refused = pd.Series(result.refused, dtype=float)
        tables["queue"]["refused"] = tables["queue"]["queue"].astype(str).map(refused).fillna(0)
    if routed:  # per priority, skill set and contact; presence time, offers, wrap-up
        tables.update(routing_tables(log, facts, target, end))
    if levels is LEVELS and agents is not None:
        groups = agents["agent_id"].astype(str).map(result.agent_groups).fillna("(other)")
        grouped = agents.assign(group=pd.Categorical(groups.to_numpy()))
        tables["group"] = occupancy_table(grouped, ["group"])
        tolerance = scenario.ewt_tolerance
        tables["ewt"] = ewt_accuracy(log, tolerance.seconds, tolerance.relative, facts=facts)
    counters = {
        "arrivals": float(result.arrivals),
        "refused": float(sum(result.refused.values())),
        "events": float(result.logged),
        "wall_s": result.wall,
        "chats_per_s": result.arrivals / result.wall if result.wall > 0 else math.nan,
    }
    return Summary(result.seed, tables, counters)


def _with_tickets(frame: pd.DataFrame) -> pd.DataFrame:
    frame["tickets"] = (frame["tickets_per_chat"].fillna(0) * frame["served"]).round()
    return frame


def _keys(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c in KEY_COLUMNS]


@dataclass(slots=True)
class Combined:
    """Replications pooled: per level, each KPI's mean and ``<kpi>_ci`` (95% half-width)."""

    replications: int
    seeds: list[int]
    tables: dict[str, pd.DataFrame]
    counters: dict[str, float]


def combine(summaries: list[Summary]) -> Combined:
    tables = {}
    for level in summaries[0].tables:
        frames = [s.tables[level].assign(replication=i) for i, s in enumerate(summaries)]
        kept = [f for f in frames if not f.empty] or frames  # empty frames lose the dtypes
        tables[level] = _pool(pd.concat(kept, ignore_index=True), len(summaries))
    counters = {
        key: float(np.mean([s.counters[key] for s in summaries])) for key in summaries[0].counters
    }
    counters["events"] = float(sum(s.counters["events"] for s in summaries))
    return Combined(len(summaries), [s.seed for s in summaries], tables, counters)


def _pool(frame: pd.DataFrame, runs: int) -> pd.DataFrame:
    """Mean and CI over ALL ``runs`` replications of every group seen in any of them.

    A replication without a row for a group (no chat in that interval, queue or company) is
    put back: its counts are zero, its waits and ratios have no value. Counts are then averaged
    over every replication, the other KPIs over those with a value; ``<kpi>_n`` says how many
    that was, ``replications`` how many ran and ``replications_with_chats`` how many had a chat
    there (a row, for levels that count no chats).
    """
    keys = _keys(frame)
    values = [
        c for c in frame.columns
        if c not in keys and c != "replication" and pd.api.types.is_numeric_dtype(frame[c])
    ]  # fmt: skip
    if frame.empty:
        return pd.DataFrame(columns=[*keys, *values, "replications", "replications_with_chats"])
    full = _complete(frame, keys, runs)
    zero = [c for c in values if c in ZERO_WHEN_ABSENT]
    full[zero] = full[zero].fillna(0)
    grouped = full.groupby(keys or "_all", observed=True, sort=True)
    mean = grouped[values].mean()
    n = grouped[values].count()
    half = grouped[values].std(ddof=1) * t975(n) / np.sqrt(n.where(n > 0))
    out = mean.join(half.add_suffix("_ci")).join(n.add_suffix("_n"))
    out["replications"] = runs
    volume = next((c for c in ("volume", "legs") if c in full), None)
    seen = full[volume] > 0 if volume else full["_seen"]
    out["replications_with_chats"] = (
        full.assign(_seen=seen).groupby(keys or "_all", observed=True, sort=True)["_seen"].sum()
    )
    return out.reset_index(drop=not keys)


def _complete(frame: pd.DataFrame, keys: list[str], runs: int) -> pd.DataFrame:
    """One row per (group, replication): the groups any replication saw, times every run."""
    frame = frame.assign(_seen=True) if keys else frame.assign(_seen=True, _all=0)
    on = keys or ["_all"]
    for key in keys:  # categories differ per replication: compare by value
        frame[key] = frame[key].astype(object)
    groups = frame[on].drop_duplicates()
    grid = groups.merge(pd.DataFrame({"replication": range(runs)}), how="cross")
    full = grid.merge(frame, on=[*on, "replication"], how="left")
    full["_seen"] = full["_seen"].fillna(False).astype(bool)
    return full


_ROW_COUNTS = ("replications", "replications_with_chats")


def to_json(combined: Combined, scenario: Scenario) -> dict[str, Any]:
    """summary.json: NaN becomes null; each KPI as {mean, ci95, n} (ci95 null for one run; n
    the replications the mean rests on), each row with ``replications`` and
    ``replications_with_chats``."""
    levels = {}
    for level, frame in combined.tables.items():
        keys = _keys(frame)
        rows = []
        for record in frame.to_dict("records"):
            row: dict[str, Any] = {k: _plain(record[k]) for k in keys}
            row["replications"] = _plain(record.get("replications"))
            row["replications_with_chats"] = _plain(record.get("replications_with_chats"))
            for name, value in record.items():
                if name in keys or name.endswith(("_ci", "_n")) or name in _ROW_COUNTS:
                    continue
                row[name] = {"mean": _plain(value), "ci95": _plain(record.get(f"{name}_ci")),
                             "n": _plain(record.get(f"{name}_n"))}  # fmt: skip
            rows.append(row)
        levels[level] = rows
    return {
        "scenario": scenario.name,
        "replications": combined.replications,
        "seeds": combined.seeds,
        "service_level_within_s": scenario.service_level.within,
        "interval_s": scenario.interval,
        "warmup_s": scenario.warmup,
        "kpi_columns": [*KPI_COLUMNS, "tickets"],
        "counters": {k: _plain(v) for k, v in combined.counters.items()},
        "levels": levels,
    }


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
