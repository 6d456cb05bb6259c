"""Legs: each stay of a chat in a queue, so a queue fed by transfers has KPIs of its own.

The chat KPIs (``reports.metrics.kpis``) count a chat once, in the queue it *arrived* in. A
second-line queue that only receives transfers would have no row, and the wait after a
transfer would be measured nowhere. A **leg** (see ``reports.definitions``) starts when the chat
enters a queue (arrival, transfer to a queue, overflow, requeue) and ends at the chat's next
assignment, cancellation, close or move to another queue; ``service_kpis`` groups legs by the
*queue of service*.
"""

from __future__ import annotations

from collections.abc import Sequence

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

from .definitions import sl_flags
from .schema import LOG_SCHEMA, validate

_ENTRIES = (ChatOpened.__name__, ChatOverflowed.__name__, ChatRequeued.__name__,
            ChatTransferred.__name__)  # fmt: skip
_ENDS = (ChatAssigned.__name__, ChatCancelled.__name__, ChatClosed.__name__)
LEG_COUNTS = ("legs", "answered", "cancelled_waiting", "moved_on", "open_at_end", "sl_eligible",
              "sl_met")  # fmt: skip
LEG_KPIS = (*LEG_COUNTS, "service_level", "wait_mean", "wait_p50", "wait_p90", "wait_p95")


# How a leg ended, by code: sorted, as ``pd.Categorical`` of the names orders its categories.
_OUTCOMES = ("assigned", "cancelled", "closed", "moved", "open")
_BY_END = {ChatAssigned.__name__: 0, ChatCancelled.__name__: 1, ChatClosed.__name__: 2,
           **dict.fromkeys(_ENTRIES, 3)}  # fmt: skip


def _type_codes(types: pd.Series, names: dict[str, int], other: int) -> np.ndarray:
    """Per row, ``names[type]`` (``other`` for any other type), by category code."""
    table = np.array([names.get(str(c), other) for c in types.cat.categories] + [other])
    return table[types.cat.codes.to_numpy()]


def _queue_of_entry(rows: pd.DataFrame) -> tuple[np.ndarray, pd.Index]:
    """(per row a code of the queue an entry puts the chat in: ``to_queue`` for moves, else
    ``queue``; the queue names the codes index)."""
    queue, to_queue = rows["queue"], rows["to_queue"]
    names = queue.cat.categories.union(to_queue.cat.categories)
    codes = [np.append(names.get_indexer(c.cat.categories), -1)[c.cat.codes.to_numpy()]
             for c in (queue, to_queue)]  # fmt: skip
    moved = rows["type"].isin([ChatOverflowed.__name__, ChatTransferred.__name__]).to_numpy()
    return np.where(moved, codes[1], codes[0]), names


def _sorted_categorical(codes: np.ndarray, names: pd.Index) -> pd.Categorical:
    """``pd.Categorical`` of the names the codes stand for: used names only, sorted."""
    used = np.unique(codes)
    texts = np.asarray(names[used], dtype=object)
    order = np.argsort(texts, kind="stable")
    remap = np.empty(len(names), dtype=np.int64)
    remap[used[order]] = np.arange(len(used))
    return pd.Categorical.from_codes(remap[codes], pd.Index(texts[order], dtype="str"))


def chat_legs(log: pd.DataFrame) -> pd.DataFrame:
    """One row per leg in a queue: chat_id, queue, entered, wait, answered, how it ended.

    ``ended`` is assigned, cancelled, closed, moved (another entry came first) or open (still
    waiting when the log ends; ``wait`` is then the time so far). A transfer straight to an
    agent is not a queue leg. Rows are read by category code, never as text."""
    validate(log, LOG_SCHEMA, "event log")
    mask = log["type"].isin([*_ENTRIES, *_ENDS]).to_numpy() & log["chat_id"].notna().to_numpy()
    rows = log.loc[mask, ["seq", "at", "type", "chat_id", "queue", "to_queue"]]
    order = np.lexsort((rows["seq"].to_numpy(), rows["chat_id"].cat.codes.to_numpy()))
    rows = rows.iloc[order]
    chat = rows["chat_id"].cat.codes.to_numpy()
    queue, names = _queue_of_entry(rows)
    entry = (_type_codes(rows["type"], _BY_END, -1) == 3) & (queue >= 0)
    same_next = np.zeros(len(rows), dtype=bool)
    same_next[:-1] = chat[1:] == chat[:-1]
    next_end = _type_codes(rows["type"], _BY_END, 4)[1:]
    outcome = np.full(len(rows), 4)  # open, unless the chat's next row ends the leg
    outcome[:-1] = np.where(same_next[:-1], next_end, 4)
    at = rows["at"].to_numpy()
    end = float(log["at"].max()) if len(log) else np.nan
    left = np.full(len(rows), end)
    left[:-1] = np.where(same_next[:-1], at[1:], end)
    ended = pd.Categorical.from_codes(outcome[entry], list(_OUTCOMES))
    return pd.DataFrame(
        {
            "chat_id": np.asarray(rows["chat_id"].cat.categories, dtype=object)[chat[entry]],
            "queue": _sorted_categorical(queue[entry], names),
            "entered": at[entry],
            "wait": (left - at)[entry],
            "answered": outcome[entry] == 0,
            "ended": ended.remove_unused_categories(),
            "how": np.asarray(rows["type"].cat.categories, dtype=object)[
                rows["type"].cat.codes.to_numpy()[entry]
            ],
        }
    )


def service_kpis(legs: pd.DataFrame, target: float, by: Sequence[str] = ("queue",)) -> pd.DataFrame:
    """KPIs per queue of service: legs, answered, waits and service level of the legs."""
    ended = legs["ended"].astype(str).to_numpy()
    eligible, met = sl_flags(legs["answered"], legs["wait"], ended == "open", target)
    work = pd.DataFrame(
        {
            **{k: legs[k] for k in by},
            "legs": 1,
            "answered": legs["answered"].to_numpy(),
            "cancelled_waiting": ended == "cancelled",
            "moved_on": ended == "moved",
            "open_at_end": ended == "open",
            "sl_eligible": eligible,
            "sl_met": met,
            "wait": np.where(legs["answered"], legs["wait"], np.nan),
        }
    )
    grouped = work.groupby(list(by), observed=True, sort=True)
    out = grouped[list(LEG_COUNTS)].sum().astype(np.int64)
    out["service_level"] = out["sl_met"] / out["sl_eligible"].where(out["sl_eligible"] > 0)
    out["wait_mean"] = grouped["wait"].mean()
    for q in (50, 90, 95):
        out[f"wait_p{q}"] = grouped["wait"].quantile(q / 100)
    return out.reset_index()[[*by, *LEG_KPIS]]
