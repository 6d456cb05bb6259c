"""What happens around a chat besides its work: wrap-up after it, users who come back after
giving up (retrials), and the presence states agents spend their time in.

* **Wrap-up** (``WrapUpStarted`` -> ``WrapUpEnded``): per arrival queue, the after-chat work as
  a distribution (``behaviour.wrap_up``), fitted with censoring: a wrap-up the queue's limit
  ended (``timeout``) or a sign-out cut short only shows that the agent would have taken longer.
  Per queue the limit (``until - start``, the queue's ``wrap_up``), the most common one.
* **Retrials** (``ChatOpened.retrial_of``): per arrival queue of the abandoned chat, the share
  of abandoned chats (closed unanswered) that came back, the delay from the abandon to the new
  handoff, and where it went when that is another queue. Retrial chats are left out of the
  arrival profile: the simulator makes them itself.
* **Presence** (``AgentAvailabilityChanged.status``): per agent group, the share of signed-in
  time in each state (shrinkage by reason).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bridge.engine.events import (
    AgentAvailabilityChanged,
    AgentSignedIn,
    AgentSignedOut,
    ChatOpened,
    WrapUpEnded,
    WrapUpStarted,
)

from ..payloads import payload_values
from .fits import Fit, fit


@dataclass(frozen=True, slots=True)
class WrapUps:
    by_arrival: dict[str, Fit]  # arrival queue key -> wrap-up time fit (censored)
    limits: dict[str, float]  # queue key of the closing leg -> the limit seen most
    counts: dict[str, dict[str, int]]  # arrival queue key -> how they ended -> count


@dataclass(frozen=True, slots=True)
class Retrials:
    abandoned: int
    came_back: int
    delay: Fit | None
    to_queue: str | None  # another queue most retrials went to, else None
    destinations: dict[str, int] = field(default_factory=dict)

    @property
    def probability(self) -> float:
        return self.came_back / self.abandoned if self.abandoned else 0.0


def payload_field(rows: pd.DataFrame, name: str) -> pd.Series:
    """A payload field of each row: its own column when the log has one, else from the JSON."""
    if name in rows.columns:
        return rows[name].astype(object).where(rows[name].notna(), None)
    return pd.Series(payload_values(rows["payload"], name), index=rows.index, dtype=object)


def _rows(log: pd.DataFrame, cls: type) -> pd.DataFrame:
    return log[(log["type"] == cls.__name__).to_numpy()]


def retrial_ids(log: pd.DataFrame) -> pd.Series:
    """Retrial chat id -> the abandoned chat it retries (only chats that are retrials)."""
    opened = _rows(log, ChatOpened)
    of = payload_field(opened, "retrial_of")
    keep = of.notna().to_numpy()
    return pd.Series(of[keep].astype(str).to_numpy(), index=opened["chat_id"].astype(str)[keep])


def wrap_ups(log: pd.DataFrame, facts: pd.DataFrame) -> WrapUps:
    started, ended = _rows(log, WrapUpStarted), _rows(log, WrapUpEnded)
    key = ["chat_id", "agent_id"]
    a = started.assign(until=payload_field(started, "until"))[[*key, "at", "until"]]
    b = ended[[*key, "at", "how"]]
    pairs = pd.merge(a.astype({"chat_id": str, "agent_id": str}),
                     b.astype({"chat_id": str, "agent_id": str}), on=key,
                     suffixes=("_start", "_end"))  # fmt: skip
    if pairs.empty:
        return WrapUps({}, {}, {})
    chats = facts.assign(chat_id=facts["chat_id"].astype(str)).set_index("chat_id")
    pairs["arrival"] = chats["queue"].astype(str).reindex(pairs["chat_id"]).to_numpy()
    pairs["closing"] = chats["final_queue"].astype(str).reindex(pairs["chat_id"]).to_numpy()
    pairs["duration"] = pairs["at_end"] - pairs["at_start"]
    pairs["limit"] = pd.to_numeric(pairs["until"], errors="coerce") - pairs["at_start"]
    by_arrival, counts = {}, {}
    for queue, rows in pairs.groupby("arrival", sort=True):
        ready = (rows["how"].astype(str) == "ready").to_numpy()
        fitted = fit(rows["duration"].to_numpy()[ready], rows["duration"].to_numpy()[~ready])
        if fitted is not None:
            by_arrival[str(queue)] = fitted
        counts[str(queue)] = {
            str(k): int(v) for k, v in rows["how"].astype(str).value_counts().items()
        }
    limits = {
        str(q): float(rows["limit"].round(3).mode().iloc[0])
        for q, rows in pairs.dropna(subset=["limit"]).groupby("closing", sort=True)
    }
    return WrapUps(by_arrival, limits, counts)


def retrials(log: pd.DataFrame, facts: pd.DataFrame) -> dict[str, Retrials]:
    """Per arrival queue key of the abandoned chats."""
    back = retrial_ids(log)
    columns = ["queue", "created", "closed_at", "answered", "open_at_end"]
    chats = facts[columns].set_index(facts["chat_id"].astype(str))
    queue_of = chats["queue"].astype(str)
    abandoned = chats[~chats["answered"].to_numpy() & ~chats["open_at_end"].to_numpy()]
    first_back = back.reset_index().drop_duplicates(back.name or 0, keep="first")
    original = first_back.iloc[:, 1].to_numpy()
    retry = first_back.iloc[:, 0].to_numpy()
    out = {}
    for queue, rows in abandoned.groupby("queue", observed=True, sort=True):
        mine = np.isin(original, rows.index.to_numpy())
        delay = (chats["created"].reindex(retry[mine]).to_numpy()
                 - chats["closed_at"].reindex(original[mine]).to_numpy())  # fmt: skip
        went = queue_of.reindex(retry[mine]).value_counts()
        other = [q for q in went.index if q != str(queue)]
        out[str(queue)] = Retrials(
            abandoned=len(rows),
            came_back=int(mine.sum()),
            delay=fit(delay[np.isfinite(delay)]),
            to_queue=other[0] if other and went[other[0]] > went.get(str(queue), 0) else None,
            destinations={str(k): int(v) for k, v in went.items()},
        )
    return out


def presence_shares(log: pd.DataFrame, groups: dict[str, str], end: float) -> pd.DataFrame:
    """Per (agent group name, state): signed-in seconds and their share of the group's."""
    kinds = (AgentSignedIn, AgentSignedOut, AgentAvailabilityChanged)
    rows = log[log["type"].isin([k.__name__ for k in kinds]).to_numpy()]
    rows = rows.assign(status=payload_field(rows, "status"))
    spans: dict[tuple[str, str], float] = {}
    for agent, mine in rows.groupby(rows["agent_id"].astype(str), sort=False):
        group = groups.get(agent)
        if group is None:
            continue
        state, since = None, 0.0
        for kind, at, status in zip(mine["type"].astype(str), mine["at"], mine["status"],
                                    strict=True):  # fmt: skip
            if state is not None:
                spans[(group, state)] = spans.get((group, state), 0.0) + at - since
            if kind == AgentSignedOut.__name__:
                state = None
            elif kind == AgentSignedIn.__name__:
                state = state or "Available"
            else:
                state = status or "Available"
            since = at
        if state is not None:
            spans[(group, state)] = spans.get((group, state), 0.0) + end - since
    frame = pd.DataFrame([(g, s, t) for (g, s), t in spans.items()],
                         columns=["group", "state", "seconds"])  # fmt: skip
    frame["share"] = frame["seconds"] / frame.groupby("group")["seconds"].transform("sum")
    return frame.sort_values(["group", "state"], ignore_index=True)
