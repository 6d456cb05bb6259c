"""Per-chat facts: one row per chat (every chat with a ``ChatOpened``) from the canonical log.

Everything is computed on dense arrays indexed by the chat's category code: a count is a
``bincount``, a first/last value a ``duplicated`` mask plus one scatter. No loop per event or
per chat, so a million chats take seconds.

Column meanings (times in log seconds):

* ``queue`` is the arrival queue, ``final_queue`` the last queue the chat entered (overflow,
  requeue or a transfer to a queue).
* ``wait``: first assignment - arrival for answered chats; for the others the time until the
  user left (closed) or, for chats open at the end, the time waited so far (``wait_censored``).
* ``handle_time``: first assignment -> close; for chats open at the end the time held so far
  (``handle_censored``). NaN when never answered.
* ``overflowed``, ``requeued``, ``transfers``, ``tickets`` are event counts per chat.
* ``interval``: arrival time floored to the interval length.
"""

from __future__ import annotations

from typing import Any

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
    TicketLinked,
)

from .schema import FACTS_SCHEMA, LOG_SCHEMA, validate

# (chat codes, log row positions) of one row per chat.
Picked = tuple[np.ndarray, np.ndarray]


class ByChat:
    """Per-chat aggregates as dense arrays indexed by the ``chat_id`` category code."""

    def __init__(self, log: pd.DataFrame) -> None:
        self.log = log
        self.code = log["chat_id"].cat.codes.to_numpy()
        self.n = len(log["chat_id"].cat.categories)
        self.at = log["at"].to_numpy()

    def mask(self, type_name: str, agent: bool | None = None) -> np.ndarray:
        """Rows of one event type with a chat; ``agent`` True/False filters on ``agent_id``."""
        m = (self.log["type"] == type_name).to_numpy() & (self.code >= 0)
        if agent is not None:
            m &= self.log["agent_id"].notna().to_numpy() == agent
        return m

    def count(self, mask: np.ndarray) -> np.ndarray:
        return np.bincount(self.code[mask], minlength=self.n).astype(np.int64)

    def first(self, mask: np.ndarray, last: bool = False) -> Picked:
        """Each chat's first (or last) row among ``mask`` rows, in seq order."""
        pos = np.flatnonzero(mask)
        codes = self.code[pos]
        keep = ~pd.Series(codes).duplicated(keep="last" if last else "first").to_numpy()
        return codes[keep], pos[keep]

    def spread(self, picked: Picked, values: np.ndarray, fill: float) -> np.ndarray:
        """Dense per-chat array of ``values`` at the picked rows, ``fill`` for other chats."""
        codes, pos = picked
        out = np.full(self.n, fill, dtype=np.result_type(values.dtype, type(fill)))
        out[codes] = values[pos]
        return out

    def codes(self, column: str) -> np.ndarray:
        return self.log[column].cat.codes.to_numpy()


def _codes_in(column: pd.Series, categories: pd.Index) -> np.ndarray:
    """Category codes of ``column`` re-expressed against ``categories`` (-1 stays missing)."""
    mapping = np.append(categories.get_indexer(column.cat.categories), -1)
    return mapping[column.cat.codes.to_numpy()]


def _final_queue(by: ByChat, rows: np.ndarray) -> pd.Categorical:
    """The last queue each chat entered, against the union of queue categories."""
    log = by.log
    cats = log["queue"].cat.categories.union(log["to_queue"].cat.categories)
    queue, to_queue = _codes_in(log["queue"], cats), _codes_in(log["to_queue"], cats)
    moved = by.mask(ChatTransferred.__name__) & (to_queue >= 0)
    via_to = by.mask(ChatOverflowed.__name__) | moved
    entries = by.mask(ChatOpened.__name__) | by.mask(ChatRequeued.__name__) | via_to
    latest = by.spread(by.first(entries, last=True), np.where(via_to, to_queue, queue), -1)
    return _category(latest[rows], cats)


def _category(codes: np.ndarray, categories: pd.Index) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, pd.Index(categories, dtype="str"))


def _is(codes: np.ndarray, categories: pd.Index, value: str) -> np.ndarray:
    index = categories.get_indexer([value])[0]
    return codes == index if index >= 0 else np.zeros(codes.shape, dtype=bool)


def _distinct_agents(by: ByChat, assigned: np.ndarray) -> np.ndarray:
    agent = by.codes("agent_id")[assigned].astype(np.int64)
    chat = by.code[assigned]
    first = ~pd.Series(chat.astype(np.int64) * (agent.max(initial=0) + 1) + agent).duplicated()
    return np.bincount(chat[first.to_numpy()], minlength=by.n).astype(np.int64)


def _labels(by: ByChat, opened_at: np.ndarray, first_agent: np.ndarray) -> dict[str, Any]:
    """The categorical facts taken from the arrival row, plus the first agent assigned."""
    out = {
        col: _category(by.codes(col)[opened_at], by.log[col].cat.categories)
        for col in ("chat_id", "source", "company", "queue")
    }
    out["first_agent"] = _category(first_agent, by.log["agent_id"].cat.categories)
    return out


def chat_facts(log: pd.DataFrame, interval: float = 900.0) -> pd.DataFrame:
    """One row per chat, in arrival order; see the module docstring for each column."""
    validate(log, LOG_SCHEMA, "event log")
    by = ByChat(log)
    end = float(log["at"].max()) if len(log) else np.nan
    assigned = by.mask(ChatAssigned.__name__)
    rows, opened_at = by.first(by.mask(ChatOpened.__name__))
    first_assigned = by.first(assigned)
    last_closed = by.first(by.mask(ChatClosed.__name__), last=True)
    created = by.at[opened_at]
    first = by.spread(first_assigned, by.at, np.nan)[rows]
    closed_at = by.spread(last_closed, by.at, np.nan)[rows]
    reason = by.spread(last_closed, by.codes("reason"), -1)[rows]
    answered, open_end = ~np.isnan(first), np.isnan(closed_at)
    left = np.where(open_end, end, closed_at)
    reasons = log["reason"].cat.categories
    facts = {
        **_labels(by, opened_at, by.spread(first_assigned, by.codes("agent_id"), -1)[rows]),
        "final_queue": _final_queue(by, rows),
        "created": created,
        "first_assigned": first,
        "wait": np.where(answered, first, left) - created,
        "wait_censored": ~answered & open_end,
        "answered": answered,
        "cancelled_waiting": by.count(by.mask(ChatCancelled.__name__, agent=False))[rows] > 0,
        "cancelled_assigned": by.count(by.mask(ChatCancelled.__name__, agent=True))[rows] > 0,
        "closed_no_agent": _is(reason, reasons, "no_agent"),
        "closed_inactive": _is(reason, reasons, "inactive"),
        "overflowed": by.count(by.mask(ChatOverflowed.__name__))[rows],
        "requeued": by.count(by.mask(ChatRequeued.__name__))[rows],
        "transfers": by.count(by.mask(ChatTransferred.__name__))[rows],
        "handle_time": np.where(answered, left - first, np.nan),
        "handle_censored": answered & open_end,
        "tickets": by.count(by.mask(TicketLinked.__name__))[rows],
        "close_reason": _category(reason, reasons),
        "closed_at": closed_at,
        "open_at_end": open_end,
        "agents": _distinct_agents(by, assigned)[rows],
        "interval": np.floor(created / interval) * interval,
    }
    frame = pd.DataFrame(facts)[list(FACTS_SCHEMA)]
    return validate(frame, FACTS_SCHEMA, "chat facts")


def rows_of_chats(facts: pd.DataFrame, chat_ids: pd.Series) -> np.ndarray:
    """Per entry of ``chat_ids`` (a categorical column, such as the log's), the row of that
    chat in ``facts`` (-1 for a chat without one), by category code: matching a million chat
    ids as text took seconds. The facts hold one row per chat."""
    target = facts["chat_id"]
    cats, ids = target.cat.categories, chat_ids.cat.categories
    codes_t = target.cat.codes.to_numpy()
    row_of = np.full(len(cats) + 1, -1, dtype=np.int64)  # the last slot answers code -1
    row_of[codes_t[codes_t >= 0]] = np.flatnonzero(codes_t >= 0)
    codes = chat_ids.cat.codes.to_numpy()
    if not ids.equals(cats):  # the log's facts share its categories: usually nothing to map
        codes = np.append(cats.get_indexer(ids), -1)[codes]
    return row_of[codes]
