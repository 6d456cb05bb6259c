"""Reports benchmark: load(parquet) -> chat facts -> agent facts -> KPIs on 1,000,000 chats.

The log is synthetic but has the canonical columns and realistic shapes (waits, cancels while
waiting and after assignment, transfers, max-wait closes, tickets, estimates), built with numpy
only. The peer is an idiomatic per-event Python fold computing the core chat facts and the
service level, timed on a slice in the same run. The last line is ``reports: N events/s``.

    .venv/bin/python benchmarks/reports.py [--chats 1000000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

if __package__ in (None, ""):  # run as a script: this file's folder would shadow the package
    sys.path[0] = str(Path(__file__).resolve().parents[1])

from bridge.engine.events import (
    EVENT_TYPES,
    AgentAvailabilityChanged,
    AgentSignedIn,
    ChatAssigned,
    ChatCancelled,
    ChatClosed,
    ChatOpened,
    ChatOverflowed,
    ChatRequeued,
    ChatTransferred,
    Event,
    TicketLinked,
    WaitEstimated,
)
from reports.agents import agent_interval_facts
from reports.facts import chat_facts
from reports.log import load, write_parquet
from reports.metrics import kpis
from reports.schema import canonical_log

COMPANIES = ("Acme", "Globex", "Initech", "Umbrella")
QUEUES = np.array([f"{c}/{q}" for c in COMPANIES for q in ("GENERAL", "HR", "SAP")], dtype=object)


class _Blocks:
    """Event blocks (one per event kind) concatenated and sorted by time into canonical columns."""

    def __init__(self, ids: np.ndarray) -> None:
        self.ids = ids
        self.parts: list[dict[str, np.ndarray]] = []

    def add(
        self, event: type[Event], mask: np.ndarray, at: np.ndarray, chat: bool = True, **cols: Any
    ) -> None:
        n = int(mask.sum())
        part = {"at": np.asarray(at, float)[mask], "type": np.full(n, event.__name__, object)}
        # chat ids as category codes: factorizing millions of strings would dominate the build
        part["chat_code"] = np.flatnonzero(mask) if chat else np.full(n, -1)
        for col, value in cols.items():
            part[col] = np.full(n, value, object) if np.isscalar(value) else np.asarray(value)[mask]
        self.parts.append(part)

    def frame(self) -> pd.DataFrame:
        names = {c for p in self.parts for c in p}
        cols = {}
        for col in names:
            pieces = [p.get(col, np.full(len(p["at"]), None, object)) for p in self.parts]
            cols[col] = np.concatenate([x.astype(float if col == "at" else object) for x in pieces])
        order = np.argsort(cols["at"], kind="stable")
        cols = {k: v[order] for k, v in cols.items()}
        cols["chat_id"] = pd.Categorical.from_codes(cols.pop("chat_code").astype(int), self.ids)
        n = order.size
        cols["seq"] = np.arange(n)
        cols["version"] = np.array([EVENT_TYPES[t].version for t in cols["type"]], np.int64)
        for col in ("waited", "available", "capacity"):
            cols[col] = cols[col].astype(float)
        return canonical_log(cols, n)


def synthetic_log(chats: int, agents: int = 300, days: int = 30, seed: int = 7) -> pd.DataFrame:
    """A canonical log of ``chats`` chats (about 4.5 events each) and ``agents`` agents."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"c{i}" for i in range(chats)], dtype=object)
    staff = np.array([f"a{i}" for i in range(agents)], dtype=object)
    created = np.sort(rng.uniform(0, days * 86400.0, chats))
    q = rng.integers(0, QUEUES.size, chats)
    wait, handle = rng.exponential(40.0, chats), rng.exponential(420.0, chats)
    fate = rng.random(chats)  # < .08 cancels while waiting, < .10 max-wait close, else answered
    cancel, no_agent, answered = fate < 0.08, (fate >= 0.08) & (fate < 0.10), fate >= 0.10
    transfer = answered & (rng.random(chats) < 0.08)
    agent, second = staff[rng.integers(0, agents, (2, chats))]
    assigned = created + wait
    closed = assigned + handle + np.where(transfer, 60.0, 0.0)
    every = np.ones(chats, bool)
    log = _Blocks(ids)
    log.add(
        ChatOpened,
        every,
        created,
        source=np.where(fate > 0.4, "self_service", "virtual_agent"),
        company=np.array(COMPANIES, object)[q // 3],
        queue=QUEUES[q],
    )
    log.add(
        WaitEstimated,
        wait > 5,
        created,
        queue=QUEUES[q],
        position=np.ones(chats),
        payload='{"estimates":{"recent_history":40.0,"queue_state":35.0}}',
    )
    log.add(ChatCancelled, cancel, created + wait)
    log.add(ChatClosed, cancel, created + wait, reason="cancelled")
    log.add(ChatClosed, no_agent, created + wait, reason="no_agent")
    log.add(ChatAssigned, answered, assigned, agent_id=agent, waited=wait, how="auto")
    log.add(ChatTransferred, transfer, assigned + handle / 2, agent_id=agent, to_queue=QUEUES[q])
    log.add(ChatAssigned, transfer, assigned + handle / 2 + 60, agent_id=second, waited=60.0)
    ticket = answered & (rng.random(chats) < 0.3)
    log.add(TicketLinked, ticket, assigned + 30, agent_id=agent, ticket_id=ids, kind="incident")
    late = answered & (rng.random(chats) < 0.03)
    log.add(ChatCancelled, late, closed - 1, agent_id=agent)
    holder = np.where(transfer, second, agent)
    log.add(ChatClosed, answered, closed, agent_id=holder, reason="ended")
    on = np.ones(agents, bool)
    signin = {"chat": False, "agent_id": staff, "queues": '["Acme/GENERAL"]'}
    log.add(AgentSignedIn, on, np.zeros(agents), **signin)
    ready = {"chat": False, "agent_id": staff, "available": 1.0, "capacity": 2.0}
    log.add(AgentAvailabilityChanged, on, np.zeros(agents), **ready)
    return log.frame()


def _fold(columns: list[list[Any]]) -> dict[str, dict[str, Any]]:
    """Chat facts event by event: the idiomatic Python way, the peer of ``chat_facts``."""
    chats: dict[str, dict[str, Any]] = {}
    for type_, chat, agent, queue, to_queue, reason, at in zip(*columns, strict=True):
        if type_ == ChatOpened.__name__:
            chats[chat] = {"created": at, "queue": queue, "final": queue, "first": None,
                           "closed": None, "reason": None, "cancelled_waiting": False,
                           "cancelled_assigned": False, "transfers": 0, "overflows": 0,
                           "requeues": 0, "tickets": 0, "agents": set()}  # fmt: skip
            continue
        state = chats.get(chat)
        if state is None:
            continue
        if type_ == ChatAssigned.__name__:
            state["first"] = at if state["first"] is None else state["first"]
            state["agents"].add(agent)
        elif type_ == ChatClosed.__name__:
            state["closed"], state["reason"] = at, reason
        elif type_ == ChatCancelled.__name__:
            state["cancelled_assigned" if agent else "cancelled_waiting"] = True
        elif type_ == ChatTransferred.__name__:
            state["transfers"] += 1
            state["final"] = to_queue or state["final"]
        elif type_ == ChatOverflowed.__name__:
            state["overflows"] += 1
            state["final"] = to_queue
        elif type_ == ChatRequeued.__name__:
            state["requeues"] += 1
            state["final"] = queue
        elif type_ == TicketLinked.__name__:
            state["tickets"] += 1
    return chats


def naive_rate(path: Path, target: float = 30.0) -> float:
    """Events/s of read Parquet -> per-event fold -> SL, abandonment, waits per queue."""
    started = time.perf_counter()
    names = ["type", "chat_id", "agent_id", "queue", "to_queue", "reason"]
    frame = pd.read_parquet(path, columns=[*names, "at"])
    chats = _fold([frame[c].astype(object).tolist() for c in names] + [frame["at"].tolist()])
    per_queue: dict[str, dict[str, list[Any]]] = {}
    for state in chats.values():
        group = per_queue.setdefault(state["queue"], {"waits": [], "met": [], "cancelled": []})
        wait = None if state["first"] is None else state["first"] - state["created"]
        group["met"].append(wait is not None and wait <= target)
        group["cancelled"].append(state["cancelled_waiting"])
        if wait is not None:
            group["waits"].append(wait)
    for group in per_queue.values():
        waits = sorted(group["waits"])
        _ = sum(group["met"]) / len(group["met"]), waits[int(0.9 * (len(waits) - 1))]
    return len(frame) / (time.perf_counter() - started)


def pipeline(path: Path) -> tuple[int, dict[str, float]]:
    """Time load -> chat facts -> agent facts -> KPI tables; returns (events, seconds per stage)."""
    stages: dict[str, float] = {}
    clock = time.perf_counter()
    log = load(path)
    stages["load"] = -clock + (clock := time.perf_counter())
    facts = chat_facts(log)
    stages["chat_facts"] = -clock + (clock := time.perf_counter())
    agents = agent_interval_facts(log)
    stages["agent_interval_facts"] = -clock + (clock := time.perf_counter())
    kpis(facts, by=("company", "queue"), agent_facts=agents)
    stages["kpis (company, queue)"] = -clock + (clock := time.perf_counter())
    for by in (("source",), ("interval",), ()):
        kpis(facts, by=by, agent_facts=agents)
    stages["kpis x3 more"] = time.perf_counter() - clock
    return len(log), stages


def run(chats: int) -> None:
    built = time.perf_counter()
    frame = synthetic_log(chats)
    took = time.perf_counter() - built
    print(f"generated {len(frame):,} events for {chats:,} chats in {took:.1f}s")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.parquet"
        write_parquet(frame, path)
        del frame
        events, stages = pipeline(path)
        peer = naive_rate(path)
    total = sum(stages.values())
    for name, seconds in stages.items():
        print(f"  {name:<24}{seconds:6.2f}s")
    same_work = events / (stages["load"] + stages["chat_facts"] + stages["kpis (company, queue)"])
    print(f"total {total:.2f}s for {events:,} events")
    print(
        f"peer: per-event Python fold (read, chat facts, KPIs per queue) {peer:,.0f} events/s; "
        f"the same work here {same_work:,.0f} events/s = {same_work / peer:.1f}x"
    )
    print(f"reports: {events / total:.0f} events/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=1_000_000)
    run(parser.parse_args().chats)


if __name__ == "__main__":
    main()
