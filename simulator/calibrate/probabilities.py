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

import pandas as pd

from bridge.engine.events import ChatTransferred, TicketLinked


@dataclass(frozen=True, slots=True)
class Shares:
    answered: int
    cancel_after_assign: float
    worked: int  # answered and not cancelled after the answer
    transfer: float
    transfer_to: str | None  # destination queue key (the most frequent)
    destinations: dict[str, int] = field(default_factory=dict)
    tickets: dict[str, float] = field(default_factory=dict)


def _first_per_chat(log: pd.DataFrame, type_name: str, column: str) -> pd.Series:
    rows = log[(log["type"] == type_name).to_numpy() & log[column].notna().to_numpy()]
    rows = rows.drop_duplicates("chat_id")
    return pd.Series(rows[column].astype(str).to_numpy(), index=rows["chat_id"].astype(str))


def shares(log: pd.DataFrame, facts: pd.DataFrame) -> dict[str, Shares]:
    """Per arrival queue key."""
    moved_to = _first_per_chat(log, ChatTransferred.__name__, "to_queue")
    kinds = _first_per_chat(log, TicketLinked.__name__, "kind")
    out = {}
    for queue, rows in facts.groupby("queue", observed=True, sort=True):
        answered = rows[rows["answered"].to_numpy()]
        worked = answered[~answered["cancelled_assigned"].to_numpy()]
        ids = worked["chat_id"].astype(str)
        dest = moved_to.reindex(ids).dropna().value_counts()
        kind = kinds.reindex(ids).dropna().value_counts()
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
