"""Per arrival queue: the shares the scenario's behaviour gives as probabilities.

The denominators follow the simulator's own order of draws (``simulator.work.Users.plan``), so
the written probabilities mean what the simulator will do with them:

* ``cancel_after_assign``: answered chats whose user cancelled while an agent held them;
* ``transfer``: answered chats *not* cancelled after the answer that were transferred to a
  queue, with the queue they went to most often;
* ``tickets`` per kind: answered chats not cancelled after the answer that got one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bridge.engine.events import ChatTransferred, TicketLinked

from ..facts import rows_of_chats


@dataclass(frozen=True, slots=True)
class Shares:
    answered: int
    cancel_after_assign: float
    worked: int  # answered and not cancelled after the answer
    transfer: float
    transfer_to: str | None  # destination queue key (the most frequent)
    destinations: dict[str, int] = field(default_factory=dict)
    tickets: dict[str, float] = field(default_factory=dict)


def _first_per_chat(
    log: pd.DataFrame, type_name: str, column: str, facts: pd.DataFrame
) -> np.ndarray:
    """Per row of ``facts``, ``column`` of the chat's first ``type_name`` row that has one
    (None for a chat with none), matched by chat code."""
    mask = (log["type"] == type_name).to_numpy() & log[column].notna().to_numpy()
    rows = log.loc[mask, ["chat_id", column]]
    rows = rows[rows["chat_id"].notna().to_numpy()].drop_duplicates("chat_id")
    out = np.full(len(facts), None, dtype=object)
    at = rows_of_chats(facts, rows["chat_id"])
    out[at[at >= 0]] = rows[column].astype(str).to_numpy()[at >= 0]
    return out


def shares(log: pd.DataFrame, facts: pd.DataFrame) -> dict[str, Shares]:
    """Per arrival queue key."""
    moved_to = _first_per_chat(log, ChatTransferred.__name__, "to_queue", facts)
    kinds = _first_per_chat(log, TicketLinked.__name__, "kind", facts)
    out = {}
    for queue, rows in facts.groupby("queue", observed=True, sort=True):
        answered = rows[rows["answered"].to_numpy()]
        worked = answered[~answered["cancelled_assigned"].to_numpy()]
        at = facts.index.get_indexer(worked.index)
        dest = pd.Series(moved_to[at]).dropna().value_counts()
        kind = pd.Series(kinds[at]).dropna().value_counts()
        n, w = len(answered), len(worked)
        out[str(queue)] = Shares(
            answered=n,
            cancel_after_assign=(n - w) / n if n else 0.0,
            worked=w,
            transfer=float(dest.sum()) / w if w else 0.0,
            transfer_to=str(dest.index[0]) if len(dest) else None,
            destinations={str(k): int(v) for k, v in dest.items()},
            tickets={str(k): float(v) / w for k, v in kind.items()} if w else {},
        )
    return out
