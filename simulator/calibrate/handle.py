"""Handle time per queue, at the speed of an agent holding one chat, and the slowdown per
concurrency level.

A **leg** is one agent's hold of a chat: from ``ChatAssigned`` to that chat's next transfer,
close or requeue. The first leg of a chat is the work of its arrival queue (the scenario's
``handle_time``); a leg after a transfer to a queue is the second team's work
(``transfer.handle_time``). Legs the user cut short (cancelled after the answer), legs ended by
a requeue (the agent went away) and legs still open at the end are left out of the fits: their
length is not the work.

**Concurrency.** The scenario's model: an agent holding k chats advances each at ``r_k`` times
the one-chat speed (``concurrency_rates``, ``r_1 = 1``), so a leg's work is
``W = sum_k r_k tau_k`` with ``tau_k`` the leg's time at level k. The work of a chat does not
depend on how busy the agent was when it was assigned (it is the user's own), so among the legs
that *started* at each level the mean work is the same: one linear equation per (queue, starting
level) in the unknown rates and per-queue mean works, solved by weighted least squares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bridge.engine.events import (
    ChatAssigned,
    ChatCancelled,
    ChatClosed,
    ChatOpened,
    ChatOverflowed,
    ChatRequeued,
    ChatTransferred,
)

from .fits import Fit, fit

_TYPES = tuple(
    t.__name__
    for t in (ChatOpened, ChatOverflowed, ChatRequeued, ChatTransferred, ChatAssigned,
              ChatCancelled, ChatClosed)
)  # fmt: skip
_ENDS = {ChatTransferred.__name__: "transferred", ChatClosed.__name__: "closed",
         ChatRequeued.__name__: "requeued"}  # fmt: skip
MAX_LEVEL = 10
# A level needs this share of all chat-time to get a rate of its own (else it joins the last).
MIN_LEVEL_SHARE = 0.02
MIN_CELL = 10  # legs per (queue, starting level) for an equation


@dataclass(frozen=True, slots=True)
class HandleTimes:
    legs: pd.DataFrame  # one row per leg: queue, second, clean, duration, level0, work
    rates: tuple[float, ...] | None  # concurrency_rates, r_1 = 1; None: agents held one chat
    first: dict[str, Fit]  # arrival queue key -> fit of first-leg work
    second: dict[str, Fit]  # destination queue key -> fit of the work after a transfer


class _Walk:
    """One chat's state while its rows are read: its queue, whether it was transferred or
    requeued, and the hold in progress."""

    __slots__ = ("after_requeue", "leg", "queue", "second")

    def __init__(self) -> None:
        self.queue: str | None = None
        self.second = self.after_requeue = False
        self.leg: list | None = None  # [queue, second, start, agent, cancelled, clean start]

    def step(self, kind: str, agent: str | None, queue: str | None, to_queue: str | None,
             at: float) -> tuple | None:  # fmt: skip
        """Apply one row; returns a finished leg (queue, second, start, agent, cancelled,
        clean start, how it ended) when this row ended one."""
        done = None
        if kind == ChatAssigned.__name__:
            self.leg = [self.queue, self.second, at, agent, False, not self.after_requeue]
        elif kind == ChatCancelled.__name__ and agent is not None and self.leg is not None:
            self.leg[4] = True
        elif kind in _ENDS and self.leg is not None:
            done, self.leg = (*self.leg, _ENDS[kind]), None
        if kind in (ChatTransferred.__name__, ChatOverflowed.__name__) and to_queue is not None:
            self.queue = to_queue
            self.second = self.second or kind == ChatTransferred.__name__
            self.after_requeue = self.after_requeue and kind == ChatOverflowed.__name__
        elif kind == ChatRequeued.__name__:
            self.queue, self.after_requeue = queue, True
        elif kind == ChatOpened.__name__:
            self.queue = queue
        return done


def _legs(log: pd.DataFrame) -> pd.DataFrame:
    """Every hold of a chat by an agent that ended in the log, with its queue and flags."""
    rows = log[log["type"].isin(_TYPES).to_numpy() & log["chat_id"].notna().to_numpy()]
    rows = rows.sort_values(["chat_id", "seq"], kind="stable")
    names = ("chat_id", "type", "agent_id", "queue", "to_queue")
    cols = [rows[c].astype(object).where(rows[c].notna(), None).to_numpy() for c in names]
    out: list[tuple] = []
    chat, walk = None, _Walk()
    for cid, kind, agent, queue, to_queue, at in zip(*cols, rows["at"].to_numpy(), strict=True):
        if cid != chat:
            chat, walk = cid, _Walk()
        done = walk.step(kind, agent, queue, to_queue, at)
        if done is not None:
            out.append((cid, *done, at))
    legs = pd.DataFrame(out, columns=["chat_id", "queue", "second", "start", "agent_id",
                                      "cancelled", "fresh", "ended", "end"])  # fmt: skip
    legs["duration"] = legs["end"] - legs["start"]
    legs["clean"] = ~legs["cancelled"] & legs["fresh"] & (legs["ended"] != "requeued")
    return legs


def _levels(legs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(time each leg spent at each level: legs x MAX_LEVEL, the level it started at).

    The level during a span is the number of chats its agent held (this one included). All
    agents' starts and ends sorted together (ends first at one instant), a running sum of them
    is the level after each mark, and a cumulative sum of span lengths per level turns any
    leg's time at that level into one subtraction. A leg's starting level is the one after every
    change at its start instant (two chats assigned at once both start at 2)."""
    n = len(legs)
    agent = np.tile(legs["agent_id"].astype("category").cat.codes.to_numpy(), 2)
    at = np.concatenate([legs["start"].to_numpy(), legs["end"].to_numpy()])
    delta = np.concatenate([np.ones(n, np.int64), -np.ones(n, np.int64)])
    order = np.lexsort((delta, at, agent))
    agent, at, delta = agent[order], at[order], delta[order]
    level = np.clip(np.cumsum(delta), 1, MAX_LEVEL)  # each agent's marks sum to zero
    same_agent = np.r_[agent[1:] == agent[:-1], False]
    span = np.where(same_agent, np.r_[at[1:] - at[:-1], 0.0], 0.0)
    where = np.empty(2 * n, dtype=np.int64)
    where[order] = np.arange(2 * n)
    first, last = where[:n], where[n:]
    tau = np.zeros((n, MAX_LEVEL))
    for k in range(1, MAX_LEVEL + 1):
        cum = np.r_[0.0, np.cumsum(np.where(level == k, span, 0.0))]
        tau[:, k - 1] = np.maximum(cum[last] - cum[first], 0.0)
    new_run = np.r_[True, (agent[1:] != agent[:-1]) | (at[1:] != at[:-1])]
    starts = np.flatnonzero(new_run)
    run_end = np.r_[starts[1:] - 1, 2 * n - 1][np.cumsum(new_run) - 1]
    return tau, level[run_end[first]]


def _rates(legs: pd.DataFrame, tau: np.ndarray, level0: np.ndarray) -> tuple[float, ...] | None:
    """The concurrency rates by weighted least squares (module docstring); None when agents
    (almost) never held two chats or the equations do not pin the rates down."""
    share = tau.sum(axis=0) / max(tau.sum(), 1e-12)
    top = max((k + 1 for k in range(MAX_LEVEL) if share[k] >= MIN_LEVEL_SHARE), default=1)
    if top < 2:
        return None
    tau = np.column_stack([tau[:, : top - 1], tau[:, top - 1 :].sum(axis=1)])
    use = legs["clean"].to_numpy() & ~legs["second"].to_numpy()
    cells = pd.DataFrame({"q": legs["queue"].to_numpy(), "g": np.minimum(level0, top)})[use]
    queues = sorted(cells["q"].unique())
    rows, rhs, weights = [], [], []
    for (q, _), idx in cells.groupby(["q", "g"]).indices.items():
        if len(idx) < MIN_CELL:
            continue
        mean = tau[use][idx].mean(axis=0)
        coef = np.zeros(top - 1 + len(queues))
        coef[: top - 1] = mean[1:]
        coef[top - 1 + queues.index(q)] = -1.0
        rows.append(coef)
        rhs.append(-mean[0])
        weights.append(np.sqrt(len(idx)))
    if len(rows) < top - 1 + len(queues):
        return None
    w = np.asarray(weights)
    solution, *_ = np.linalg.lstsq(np.asarray(rows) * w[:, None], np.asarray(rhs) * w, rcond=None)
    rates = solution[: top - 1]
    if not np.all(np.isfinite(rates)) or np.any(rates <= 0):
        return None
    return (1.0, *(round(float(r), 3) for r in rates))


def _work(tau: np.ndarray, rates: tuple[float, ...] | None, duration: np.ndarray) -> np.ndarray:
    """Each leg's work at one-chat speed: its duration when agents hold one chat."""
    if rates is None:
        return duration
    r = np.array([*rates, *[rates[-1]] * (MAX_LEVEL - len(rates))])
    return tau @ r


def handle_times(log: pd.DataFrame) -> HandleTimes:
    """Legs, concurrency rates, and per queue the fitted work of first legs and of legs after
    a transfer (see the module docstring for which legs count)."""
    legs = _legs(log)
    tau, level0 = _levels(legs)
    rates = _rates(legs, tau, level0)
    legs["level0"] = level0
    legs["work"] = _work(tau, rates, legs["duration"].to_numpy())
    clean = legs[legs["clean"].to_numpy()]
    fits: list[dict[str, Fit]] = [{}, {}]
    for (second, queue), rows in clean.groupby(["second", "queue"], sort=True):
        fitted = fit(rows["work"].to_numpy())
        if fitted is not None:
            fits[int(second)][str(queue)] = fitted
    return HandleTimes(legs, rates, fits[0], fits[1])
