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


_LEG_COLUMNS = ["chat_id", "queue", "second", "start", "agent_id", "cancelled", "fresh",
                "ended", "end"]  # fmt: skip


def _last_before(mark: np.ndarray, group_start: np.ndarray) -> np.ndarray:
    """Per row, the index of the chat's last ``mark`` row before it; -1 when none."""
    last = np.maximum.accumulate(np.where(mark, np.arange(mark.size), -1))
    before = np.r_[-1, last[:-1]]
    return np.where(before >= group_start, before, -1)


def _pick(values: np.ndarray, index: np.ndarray, fill: object) -> np.ndarray:
    return np.where(index >= 0, values[np.maximum(index, 0)], fill)


def _chat_state(rows: pd.DataFrame, is_: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per row, the chat's state just before it: its queue (set on arrival and requeue from
    ``queue``, on an overflow or a transfer to a queue from ``to_queue``), whether a transfer
    to a queue came before (``second``), and whether the last requeue is still unanswered by
    such a transfer (``after_requeue``; an overflow keeps it)."""
    chat = rows["chat_id"].cat.codes.to_numpy()
    first_row = np.r_[True, chat[1:] != chat[:-1]]
    group_start = np.maximum.accumulate(np.where(first_row, np.arange(chat.size), 0))
    queue, to_queue = (rows[c].astype(object).where(rows[c].notna(), None).to_numpy()
                       for c in ("queue", "to_queue"))  # fmt: skip
    to_present = rows["to_queue"].notna().to_numpy()
    moved = (is_[ChatTransferred.__name__] | is_[ChatOverflowed.__name__]) & to_present
    sets = moved | is_[ChatRequeued.__name__] | is_[ChatOpened.__name__]
    queue_now = np.where(moved, to_queue, queue)
    transferred = is_[ChatTransferred.__name__] & to_present
    count = np.r_[0, np.cumsum(transferred)]
    requeue = _last_before(is_[ChatRequeued.__name__] | transferred, group_start)
    return {
        "queue": _pick(queue_now, _last_before(sets, group_start), None),
        "second": count[np.arange(chat.size)] - count[group_start] > 0,
        "after_requeue": _pick(is_[ChatRequeued.__name__], requeue, False).astype(bool),
    }


def _legs(log: pd.DataFrame) -> pd.DataFrame:
    """Every hold of a chat by an agent that ended in the log, with its queue and flags: a hold
    starts at ``ChatAssigned`` and ends at the chat's next transfer, close or requeue (another
    assignment first drops it); a cancel by the user while it is held marks it ``cancelled``."""
    mask = log["type"].isin(_TYPES).to_numpy() & log["chat_id"].notna().to_numpy()
    rows = log.loc[mask, ["seq", "at", "type", "chat_id", "agent_id", "queue", "to_queue"]]
    rows = rows.sort_values(["chat_id", "seq"], kind="stable")
    kind = rows["type"].astype(object).to_numpy()
    is_ = {name: kind == name for name in _TYPES}
    state = _chat_state(rows, is_)
    chat = rows["chat_id"].cat.codes.to_numpy()
    assigned = is_[ChatAssigned.__name__]
    ends = np.isin(kind, list(_ENDS))
    marks = np.flatnonzero(assigned | ends)  # where a hold starts or ends
    start = marks[:-1][
        assigned[marks[:-1]] & ends[marks[1:]] & (chat[marks[1:]] == chat[marks[:-1]])
    ]
    stop = marks[np.searchsorted(marks, start) + 1]
    by_user = np.r_[0, np.cumsum(is_[ChatCancelled.__name__] & rows["agent_id"].notna().to_numpy())]
    if not len(start):
        return _with_duration(pd.DataFrame([], columns=_LEG_COLUMNS))
    at = rows["at"].to_numpy()
    legs = pd.DataFrame(
        {
            "chat_id": rows["chat_id"].astype(object).to_numpy()[start],
            "queue": state["queue"][start],
            "second": state["second"][start],
            "start": at[start],
            "agent_id": rows["agent_id"]
            .astype(object)
            .where(rows["agent_id"].notna(), None)
            .to_numpy()[start],
            "cancelled": by_user[stop] - by_user[start] > 0,
            "fresh": ~state["after_requeue"][start],
            "ended": np.array([_ENDS[k] for k in kind[stop]], dtype=object),
            "end": at[stop],
        }
    )
    return _with_duration(legs)


def _with_duration(legs: pd.DataFrame) -> pd.DataFrame:
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
