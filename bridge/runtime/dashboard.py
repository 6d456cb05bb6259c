"""The supervisor's numbers: live queue state from the engine, today's and the last hour's flow.

The engine knows what is waiting and who is serving *now*; it forgets how the day went. This
projection keeps just enough of the log to answer "today" (each of today's arrivals: when it
came, when it was first answered or left) and "the last hour" (arrivals and waiting level per
queue per minute). It is fed committed rows in seq order and rebuilt from the log on start, so
a restart tells the same numbers. Service level and abandonment use ``reports.definitions``:
the dashboard and the reports never disagree on what a KPI means.

Conventions (documented in the README):

* a chat counts in the queue it arrived in (``ChatOpened.queue``) and on the day it arrived;
* ``agents_available`` = agents of the queue able to take a chat now (serving, a free slot);
  ``agents_busy`` = agents of the queue holding at least one chat. An agent with several slots
  who holds one chat is both;
* ``load`` = (chats of the queue held by agents + chats waiting) / serving capacity of the
  queue; above 1 means more work than capacity, ``None`` when nobody serves it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bridge.engine import Engine
from bridge.engine.events import (
    ChatAssigned,
    ChatCancelled,
    ChatClosed,
    ChatOpened,
    ChatOverflowed,
    ChatRequeued,
    ChatTransferred,
)
from bridge.store import Row
from reports.definitions import abandonment_of, service_level_of, sl_judgement

MINUTE = 60


@dataclass(slots=True)
class Arrival:
    """One of today's arrivals: enough to judge service level and abandonment."""

    queue: str
    at: float
    answered_at: float | None = None
    left_at: float | None = None  # closed (cancelled, no agent) before its first answer
    cancelled_waiting: bool = False


@dataclass(slots=True)
class _Minute:
    arrivals: int = 0
    waiting: int = 0  # level at the end of the minute


class DayClock:
    """Start of the local day for an epoch time, cached: replay asks for every row."""

    def __init__(self, timezone: str) -> None:
        self._zone = ZoneInfo(timezone)
        self._start = math.inf
        self._end = -math.inf

    def day_of(self, at: float) -> float:
        if not self._start <= at < self._end:
            local = datetime.fromtimestamp(at, self._zone)
            midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
            self._start = midnight.timestamp()
            following = datetime.fromordinal(midnight.toordinal() + 1)
            self._end = following.replace(tzinfo=self._zone).timestamp()
        return self._start


@dataclass(slots=True)
class DashboardProjection:
    """Today's arrivals and the last hour per minute, per queue; ``apply`` each committed row."""

    days: DayClock
    window: int = 60  # minutes of history kept
    day: float = -math.inf
    last_seq: int = 0
    arrivals: dict[str, Arrival] = field(default_factory=dict)
    waiting_in: dict[str, str] = field(default_factory=dict)  # chat -> queue it waits in
    level: Counter[str] = field(default_factory=Counter)
    minutes: dict[str, dict[int, _Minute]] = field(default_factory=dict)
    base: Counter[str] = field(default_factory=Counter)  # level before the kept minutes

    def apply_all(self, rows: Iterable[Row]) -> None:
        for row in rows:
            self.apply(row)

    def apply(self, row: Row) -> None:
        seq = row["seq"]
        if seq is not None:
            if seq <= self.last_seq:
                return
            self.last_seq = seq
        chat_id, at = row["chat_id"], row["at"]
        if chat_id is None:
            return
        self._roll(at)
        handler = _HANDLERS.get(row["type"])
        if handler is not None:
            handler(self, chat_id, at, row)

    def _roll(self, at: float) -> None:
        day = self.days.day_of(at)
        if day > self.day:
            self.day = day
            self.arrivals.clear()

    # --- waiting level and per-minute history -------------------------------------------

    def _bucket(self, queue: str, at: float) -> _Minute:
        minutes = self.minutes.setdefault(queue, {})
        minute = int(at // MINUTE)
        if minutes:  # keep minutes in insertion order even if a timer row is stamped earlier
            minute = max(minute, next(reversed(minutes)))
        bucket = minutes.get(minute)
        if bucket is None:
            bucket = minutes[minute] = _Minute(0, self.level[queue])
            self._prune(queue, minute)
        return bucket

    def _prune(self, queue: str, minute: int) -> None:
        minutes = self.minutes[queue]
        while minutes and next(iter(minutes)) <= minute - self.window:
            old = minutes.pop(next(iter(minutes)))
            self.base[queue] = old.waiting

    def _wait(self, chat_id: str, queue: str, at: float) -> None:
        self._unwait(chat_id, at)
        self.waiting_in[chat_id] = queue
        self.level[queue] += 1
        self._bucket(queue, at).waiting = self.level[queue]

    def _unwait(self, chat_id: str, at: float) -> None:
        queue = self.waiting_in.pop(chat_id, None)
        if queue is not None:
            self.level[queue] -= 1
            self._bucket(queue, at).waiting = self.level[queue]

    def history(self, queues: Collection[str], now: float) -> list[dict[str, Any]]:
        """The last ``window`` minutes, oldest first: arrivals and waiting at each minute's end."""
        last = int(now // MINUTE)
        first = last - self.window + 1
        arrivals = [0] * self.window
        waiting = [0] * self.window
        for queue in queues:
            minutes = self.minutes.get(queue, {})
            level = self.base[queue]
            for minute, bucket in minutes.items():  # minutes are inserted in time order
                if minute < first:
                    level = bucket.waiting
            for index in range(self.window):
                bucket = minutes.get(first + index)
                if bucket is not None:
                    arrivals[index] += bucket.arrivals
                    level = bucket.waiting
                waiting[index] += level
        return [
            {"at": float((first + i) * MINUTE), "waiting": waiting[i], "arrivals": arrivals[i]}
            for i in range(self.window)
        ]

    # --- today -------------------------------------------------------------------------

    def today(
        self, queues: Collection[str], now: float, target: float
    ) -> dict[str, dict[str, Any]]:
        """Today's KPIs per queue, by the definitions the reports use."""
        by_queue: dict[str, list[Arrival]] = {queue: [] for queue in queues}
        if self.days.day_of(now) <= self.day:
            for arrival in self.arrivals.values():
                chats = by_queue.get(arrival.queue)
                if chats is not None:
                    chats.append(arrival)
        return {queue: today_kpis(chats, now, target) for queue, chats in by_queue.items()}


def today_kpis(chats: list[Arrival], now: float, target: float) -> dict[str, Any]:
    """Per-chat judgements by ``reports.definitions`` (pure Python: no pandas in the bridge)."""
    answered = [a.answered_at is not None for a in chats]
    judgements = (
        sl_judgement(done, _wait(a, now), not done and a.left_at is None, target)
        for a, done in zip(chats, answered, strict=True)
    )
    return {
        "service_level_today": _number(service_level_of(judgements)),
        "abandonment_today": _number(abandonment_of(a.cancelled_waiting for a in chats)),
        "answered_today": sum(answered),
        "arrivals_today": len(chats),
    }


def _wait(arrival: Arrival, now: float) -> float:
    end = arrival.answered_at if arrival.answered_at is not None else arrival.left_at
    return (now if end is None else end) - arrival.at


def _number(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)


# --- row handlers --------------------------------------------------------------------------

Handler = Callable[[DashboardProjection, str, float, Row], None]


def _opened(p: DashboardProjection, chat_id: str, at: float, row: Row) -> None:
    queue = row["payload"]["queue"]
    p.arrivals[chat_id] = Arrival(queue, at)
    p._wait(chat_id, queue, at)
    p._bucket(queue, at).arrivals += 1


def _assigned(p: DashboardProjection, chat_id: str, at: float, row: Row) -> None:
    p._unwait(chat_id, at)
    arrival = p.arrivals.get(chat_id)
    if arrival is not None and arrival.answered_at is None:
        arrival.answered_at = at


def _overflowed(p: DashboardProjection, chat_id: str, at: float, row: Row) -> None:
    p._wait(chat_id, row["payload"]["to_queue"], at)


def _transferred(p: DashboardProjection, chat_id: str, at: float, row: Row) -> None:
    to_queue = row["payload"].get("to_queue")
    if to_queue is None:  # to a named agent: waits in the agent's Transferred list, no queue
        p._unwait(chat_id, at)
    else:
        p._wait(chat_id, to_queue, at)


def _requeued(p: DashboardProjection, chat_id: str, at: float, row: Row) -> None:
    p._wait(chat_id, row["payload"]["queue"], at)


def _cancelled(p: DashboardProjection, chat_id: str, at: float, row: Row) -> None:
    arrival = p.arrivals.get(chat_id)
    if row["agent_id"] is None and arrival is not None:
        arrival.cancelled_waiting = True


def _closed(p: DashboardProjection, chat_id: str, at: float, row: Row) -> None:
    p._unwait(chat_id, at)
    arrival = p.arrivals.get(chat_id)
    if arrival is not None and arrival.answered_at is None:
        arrival.left_at = at


_HANDLERS: dict[str, Handler] = {
    ChatOpened.__name__: _opened,
    ChatAssigned.__name__: _assigned,
    ChatOverflowed.__name__: _overflowed,
    ChatTransferred.__name__: _transferred,
    ChatRequeued.__name__: _requeued,
    ChatCancelled.__name__: _cancelled,
    ChatClosed.__name__: _closed,
}


# --- live state from the engine --------------------------------------------------------------


def queue_now(engine: Engine, key: str, now: float) -> dict[str, Any]:
    """What the engine says about one queue at this moment."""
    waiting, since = engine.waiting_since(key)
    started = now if since is None else since
    staff = engine.staffing(key)  # the engine's rule of who counts as available
    slots = staff["slots"]
    return {
        "queue": key,
        "waiting": waiting,
        "longest_wait": round(max(now - started, 0.0), 3),
        "agents_available": staff["available"],
        "agents_busy": staff["busy"],
        "load": round((staff["held"] + waiting) / slots, 4) if slots > 0 else None,
    }


def visible_queues(engine: Engine, queues: Collection[str] | None) -> list[str]:
    """The queues a caller sees: all (``None``, a supervisor) or their own, sorted."""
    if queues is None:
        return engine.queue_keys()
    return sorted(set(queues))


def document(
    engine: Engine,
    projection: DashboardProjection,
    queues: Collection[str] | None,
    now: float,
    target: float,
) -> dict[str, Any]:
    """The dashboard document of GET /api/v1/dashboard and of each stream push."""
    keys = visible_queues(engine, queues)
    today = projection.today(keys, now, target)
    rows = [{**queue_now(engine, key, now), **today[key]} for key in keys]
    return {"queues": rows, "history": projection.history(keys, now)}
