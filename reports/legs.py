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


def _queue_of_entry(rows: pd.DataFrame) -> pd.Series:
    """The queue an entry row puts the chat in: ``to_queue`` for moves, else ``queue``."""
    moved = rows["type"].isin([ChatOverflowed.__name__, ChatTransferred.__name__]).to_numpy()
    to_queue = rows["to_queue"].astype(object).to_numpy()
    return pd.Series(np.where(moved, to_queue, rows["queue"].astype(object).to_numpy()))


def chat_legs(log: pd.DataFrame) -> pd.DataFrame:
    """One row per leg in a queue: chat_id, queue, entered, wait, answered, how it ended.

    ``ended`` is assigned, cancelled, closed, moved (another entry came first) or open (still
    waiting when the log ends; ``wait`` is then the time so far). A transfer straight to an
    agent is not a queue leg."""
    validate(log, LOG_SCHEMA, "event log")
    rows = log[log["type"].isin([*_ENTRIES, *_ENDS]).to_numpy() & log["chat_id"].notna().to_numpy()]
    rows = rows.sort_values(["chat_id", "seq"], kind="stable").reset_index(drop=True)
    chat = rows["chat_id"].cat.codes.to_numpy()
    kind = rows["type"].astype(str).to_numpy()
    queue = _queue_of_entry(rows).to_numpy()
    entry = np.isin(kind, _ENTRIES) & pd.notna(queue)
    same_next = np.zeros(len(rows), dtype=bool)
    same_next[:-1] = chat[1:] == chat[:-1]
    next_kind = np.append(kind[1:], "")
    next_at = np.append(rows["at"].to_numpy()[1:], np.nan)
    end = float(log["at"].max()) if len(log) else np.nan
    ends = np.where(same_next, next_kind, "")
    ended = np.select(
        [ends == ChatAssigned.__name__, ends == ChatCancelled.__name__,
         ends == ChatClosed.__name__, np.isin(ends, _ENTRIES)],
        ["assigned", "cancelled", "closed", "moved"], "open",
    )  # fmt: skip
    left = np.where(same_next, next_at, end)
    at = rows["at"].to_numpy()
    return pd.DataFrame(
        {
            "chat_id": rows["chat_id"].to_numpy()[entry],
            "queue": pd.Categorical(queue[entry].astype(str)),
            "entered": at[entry],
            "wait": (left - at)[entry],
            "answered": (ended == "assigned")[entry],
            "ended": pd.Categorical(ended[entry]),
            "how": rows["type"].to_numpy()[entry],
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
