"""Step functions over time, split at interval boundaries: queue length and agent load.

A state that holds from ``start`` to ``end`` is cut into one piece per interval it touches
(``np.repeat``), so per-interval integrals and maxima are plain groupbys: no loop per interval
or per agent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from bridge.engine.events import ChatAssigned, ChatClosed, ChatOpened, ChatRequeued, ChatTransferred

# Events that change where a chat is: waiting, held by an agent, or closed.
STATUS_TYPES = tuple(
    t.__name__ for t in (ChatOpened, ChatAssigned, ChatTransferred, ChatRequeued, ChatClosed)
)
# After these a chat waits (in a queue or an agent's Transferred list).
ENQUEUE_TYPES = tuple(t.__name__ for t in (ChatOpened, ChatTransferred, ChatRequeued))


def neighbour(values: np.ndarray, step: int, fill: float | bool) -> np.ndarray:
    """Each row's next (``step=1``) or previous (``step=-1``) value; ``fill`` past the edge."""
    out = np.full(len(values), fill, dtype=np.result_type(values.dtype, type(fill)))
    if step > 0:
        out[:-1] = values[1:]
    else:
        out[1:] = values[:-1]
    return out


def same_key(keys: np.ndarray, step: int) -> np.ndarray:
    """Whether the next (``step=1``) or previous (``step=-1``) row has the same key."""
    out = np.zeros(len(keys), dtype=bool)
    if step > 0:
        out[:-1] = keys[1:] == keys[:-1]
    else:
        out[1:] = keys[1:] == keys[:-1]
    return out


def integrate(
    keys: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    values: Mapping[str, np.ndarray],
    interval: float,
    maxima: Sequence[str] = (),
) -> pd.DataFrame:
    """Per (key, interval start): the time integral of each value, plus ``max_<name>`` of some.

    Each row i is a constant state ``values[*][i]`` over ``[start[i], end[i])``; empty spans drop.
    """
    keep = end > start
    keys, start, end = keys[keep], start[keep], end[keep]
    values = {name: np.asarray(v, dtype=float)[keep] for name, v in values.items()}
    first = np.floor(start / interval).astype(np.int64)
    last = np.maximum(np.ceil(end / interval).astype(np.int64) - 1, first)
    pieces = last - first + 1
    rep = np.repeat(np.arange(len(first)), pieces)
    offset = np.arange(rep.size) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    index = first[rep] + offset
    lo = np.maximum(start[rep], index * interval)
    hi = np.minimum(end[rep], (index + 1) * interval)
    duration = hi - lo
    # One int64 per (key, interval): a single hash pass instead of a two-column groupby.
    base = int(index.min(initial=0))
    span = int(index.max(initial=0)) - base + 1
    codes, groups = pd.factorize(keys[rep].astype(np.int64) * span + (index - base), sort=True)
    starts = (groups % span + base) * float(interval)
    out = pd.DataFrame({"key": groups // span, "interval": starts})
    for name, v in values.items():
        out[name] = np.bincount(codes, weights=v[rep] * duration, minlength=len(groups))
    for name in maxima:
        out[f"max_{name}"] = pd.Series(values[name][rep]).groupby(codes).max().to_numpy()
    return out


def chat_status(log: pd.DataFrame) -> pd.DataFrame:
    """Status events of every chat, grouped by chat in seq order, with each row's successor.

    ``next_at`` is when the state this row started ended (the chat's next status event, or the
    end of the log); ``was_waiting`` says the chat was waiting just before this row.
    """
    mask = log["type"].isin(STATUS_TYPES).to_numpy() & log["chat_id"].notna().to_numpy()
    sub = log.loc[mask, ["seq", "at", "type", "chat_id", "agent_id"]]
    chat = sub["chat_id"].cat.codes.to_numpy()
    order = np.argsort(chat, kind="stable")  # the log is in seq order, so chats stay in order
    sub = sub.iloc[order].reset_index(drop=True)
    chat = chat[order]
    same_next, same_prev = same_key(chat, 1), same_key(chat, -1)
    at = sub["at"].to_numpy()
    sub["chat"] = chat
    sub["next_at"] = np.where(same_next, neighbour(at, 1, np.nan), float(log["at"].max()))
    enqueue = sub["type"].isin(ENQUEUE_TYPES).to_numpy()
    sub["was_waiting"] = same_prev & neighbour(enqueue, -1, False)
    return sub


def queue_length(log: pd.DataFrame, interval: float) -> pd.DataFrame:
    """Chats waiting (all queues) per interval: time-weighted mean and maximum."""
    status = chat_status(log)
    types = status["type"]
    enters = types.isin(ENQUEUE_TYPES).to_numpy()
    closed = (types == ChatClosed.__name__).to_numpy()
    assigned = (types == ChatAssigned.__name__).to_numpy()
    leaves = assigned | (closed & status["was_waiting"].to_numpy())
    delta = enters.astype(np.int64) - leaves.astype(np.int64)
    order = np.lexsort((status["seq"].to_numpy(), status["at"].to_numpy()))
    at = status["at"].to_numpy()[order]
    level = np.cumsum(delta[order])
    end = neighbour(at, 1, float(log["at"].max()) if len(log) else 0.0)
    ones = np.ones_like(at)
    out = integrate(
        np.zeros(at.size, np.int64),
        at,
        end,
        {"waiting": level, "covered": ones},
        interval,
        maxima=("waiting",),
    )
    out["mean_waiting"] = out["waiting"] / out["covered"]
    return out[["interval", "mean_waiting", "max_waiting"]]
