"""The observed roster: agent groups (agents signed in to the same queues) and how many of each
group were serving in each interval of the typical week.

"Serving" is the reports' own rule (``reports.agents``: signed in, available, present and
permitted), so a count here is what the report's occupancy divides by. A group's count in an
interval is its available agent-seconds over the interval's length, averaged over the days of
the same weekday and slot and rounded to whole agents: an agent on a 30-minute break in an
hour-long interval counts as half.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .grid import Grid, typical


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    queues: tuple[str, ...]  # queue keys, Company/Queue
    agents: tuple[str, ...]
    capacity: int
    heads: np.ndarray  # mean agents serving per profile entry (not rounded)

    @property
    def counts(self) -> list[int]:
        return [int(np.floor(h + 0.5)) for h in self.heads]


def _name(queues: tuple[str, ...], taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_-]+", "-", "+".join(q.partition("/")[2] or q for q in queues))
    name, n = base or "agents", 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    taken.add(name)
    return name


def roster(agent_facts: pd.DataFrame, grid: Grid) -> list[Group]:
    """One group per queue set seen at sign-in, with its heads per profile entry, from the
    agent facts (``reports.agents``) at the grid's interval up to its end."""
    facts = agent_facts[agent_facts["group"].astype(str) != "(unknown)"]
    exposure = grid.exposure()
    k = grid.index(facts["interval"].to_numpy() + grid.interval / 2)
    facts = facts.assign(k=k)[k >= 0]
    out: list[Group] = []
    taken: set[str] = set()
    for text, rows in facts.groupby("group", observed=True, sort=True):
        available = np.bincount(rows["k"], weights=rows["available_s"], minlength=grid.n)
        seen = np.where(exposure > 0, exposure, 1.0) * grid.interval
        heads = typical(available / seen, exposure, grid)
        serving = rows[rows["available_s"].to_numpy() > 0]
        ratio = serving["capacity_s"] / serving["available_s"]
        queues = tuple(q.strip() for q in str(text).split(","))
        out.append(
            Group(
                name=_name(queues, taken),
                queues=queues,
                agents=tuple(sorted(rows["agent_id"].astype(str).unique())),
                capacity=max(1, int(np.floor(ratio.max() + 0.5))) if len(ratio) else 1,
                heads=heads,
            )
        )
    return out
