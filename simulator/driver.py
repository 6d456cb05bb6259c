"""The simulator is a driver: SimPy supplies time, ``random.Random`` the chance, the engine routes.

Shape of a run (why it is fast):

* ONE arrival process for all streams. Per interval, arrivals of the summed rate are drawn by
  exponential gaps restarted at each interval boundary (exact for a piecewise-constant Poisson
  rate, so a short burst is never skipped) and each is given to a stream by its share.
* Everything else is a scheduled callback on a SimPy timeout, never a process per chat:
  service ends, patience, pickups, user messages, duty changes. A callback that became stale
  (the chat was answered, moved or closed meanwhile) sees so by a state check and does nothing.
* The engine returns the assignments a command made, so service starts are known at once.
* Engine timers (max wait, agent gone, inactivity): one alarm on the engine's next deadline,
  re-armed after each command when the deadline moved earlier; it calls ``engine.advance``.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from heapq import heappush
from typing import Any, Protocol

import simpy
from simpy.events import NORMAL, Timeout

from bridge.engine import Engine
from bridge.engine.errors import QueueClosed
from bridge.engine.events import (
    CLOSE_NO_AGENT,
    AgentAvailabilityChanged,
    ChatAssigned,
    ChatClosed,
    ChatOffered,
    ChatRequeued,
    Event,
    InactivityWarned,
    WrapUpEnded,
    WrapUpStarted,
)

from .arrivals import arrival_times
from .config import default_capacity, engine_config, has_retrials, has_timers
from .gcpolicy import simulation_gc
from .manual import Pickups
from .offers import Responses
from .roster import Seat, seats
from .scenario import Scenario, queue_keys
from .staff import Staff
from .surveys import Surveys
from .synthetic import build_pool
from .work import ChatRecord, Desk, Users, compile_users, retrying_users

Callbacks = Sequence[Callable[[Any], None]]


class Callback(Timeout):
    """A SimPy timeout that calls the given callbacks: what ``env.timeout(delay)`` plus
    ``callbacks.append`` do, in one step and with slots, for the 2+ of them each chat needs.

    It is queued exactly as ``env.schedule`` would (same time arithmetic, same event id
    counter), so the order of events, ties included, is SimPy's own. ``callbacks`` may be a
    tuple shared by many timeouts: SimPy only iterates it. A timeout never fails, hence the
    class-level ``_ok``.
    """

    __slots__ = ("_delay", "_value", "callbacks", "env")
    _ok = True

    def __init__(
        self, env: simpy.Environment, delay: float, callbacks: Callbacks, value: Any = None
    ) -> None:
        self.env = env
        self.callbacks = callbacks  # type: ignore[assignment]
        self._value = value
        self._delay = delay
        heappush(env._queue, (env._now + delay, NORMAL, next(env._eid), self))  # type: ignore[attr-defined]


TICKET_PREFIX = {"incident": "INC", "work_order": "WO"}


def _arrival_rngs(seed: int) -> tuple[random.Random, random.Random]:
    """Arrival gaps, and the overdispersion's rate factors apart: no factor, same gaps."""
    return random.Random(f"{seed}/arrivals"), random.Random(f"{seed}/rate-factors")


class EventLog(Protocol):
    """Where a streamed run's events go, ``batch`` at a time (``reports.logstream.LogWriter``)."""

    batch: int

    def write(self, events: Sequence[Event]) -> None: ...


@dataclass(slots=True)
class RunResult:
    """One replication: its event log (empty when streamed to an ``EventLog``), how many events
    it had, and what only the driver can count."""

    seed: int
    events: list[Event]
    logged: int  # events the run produced, kept or streamed
    arrivals: int
    refused: Counter[str]  # handoffs refused because the queue was closed, per queue key
    agent_groups: dict[str, str]  # agent id -> group name
    default_capacity: int
    end: float  # simulated seconds
    wall: float  # seconds the run took


class Simulation:
    """One replication of a scenario; build, then ``run()`` once."""

    def __init__(
        self,
        scenario: Scenario,
        seed: int | None = None,
        arrivals: Iterable[tuple[float, int]] | None = None,
        log: EventLog | None = None,
    ) -> None:
        """``arrivals`` replays given (time, stream index) pairs instead of sampling them.

        With a ``log`` the events leave in batches as the run goes (bounded memory) and the
        result's ``events`` is empty; without one every event is kept in ``events``."""
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        # Independent streams, so that changing one part (staffing, say) leaves the others'
        # draws alone: arrivals, users' plans, agents' behaviour, users' messages.
        self.rng = random.Random(f"{self.seed}/users")
        self.agent_rng = random.Random(f"{self.seed}/agents")
        chatter = random.Random(f"{self.seed}/messages")
        self.env = env = simpy.Environment()
        self.events: list[Event] = []  # the whole log, or the batch not yet written to ``log``
        self.log = log
        self.logged = 0
        # The engine's sink stays list.append; each arrival checks the batch size once.
        self.flush_at = math.inf if log is None else log.batch
        # The engine reads the clock on every command: a C-level getter, not a Python property.
        clock = partial(getattr, env, "_now")
        self.engine = Engine(clock, engine_config(scenario), sink=self.events.append)
        self.pool = build_pool(self.seed)
        self.users = [compile_users(scenario, s, self.rng, chatter) for s in scenario.streams]
        retrials = random.Random(f"{self.seed}/retrials")
        for users, stream in zip(self.users, scenario.streams, strict=True):
            users.retry = retrying_users(scenario, stream, users, retrials, chatter)
        self.retried = 0
        self.retrials = has_retrials(scenario)
        # Capacity units of a chat per queue key (its weight), for agents winding down.
        self.units = {key: spec.weight for key, spec in queue_keys(scenario).items()}
        self.records: dict[str, ChatRecord] = {}  # the chats not yet forgotten
        self.closed: list[str] = []  # closed, to forget at the next batch (streamed runs)
        self.refused: Counter[str] = Counter()
        self.end = scenario.horizon + scenario.cooldown
        self.seats = {seat.id: seat for seat in seats(scenario, self.end)}
        self.timed = has_timers(scenario)
        self.alarm: Timeout | None = None
        self.alarm_at = math.inf
        self.tickets = 0
        self.arrivals = 0
        self.said = 0  # user messages posted: picks the next line of the pool
        self.desks = {
            sid: Desk(sid, tuple(seat.group.concurrency_rates or (1.0,)), self.after, self.finish)
            for sid, seat in self.seats.items()
            if _tracked(seat)
        }
        self.pickups = Pickups(self) if scenario.manual else None
        self.staff = Staff(self)
        self.surveys = Surveys(self)  # issue 16: post-chat survey answers
        self.responses = Responses(self) if scenario.routing.offers is not None else None
        # Event types that need the driver beyond service starts (offers, wrap-up, retrials).
        self.watch = self.responses is not None or any(u.retry or u.wrap for u in self.users)
        self.watch = self.watch or any(q.wrap_up for c in scenario.companies for q in c.queues)
        self.customers, self.questions = self.pool.customers, self.pool.questions
        self.pool_size = len(self.customers)
        self.upcoming = (
            arrival_times(scenario, self.users, *_arrival_rngs(self.seed))
            if arrivals is None
            else ((t, self.users[i]) for t, i in sorted(arrivals))
        )
        # The hot timeouts share their callback tuples rather than build a list each.
        self._on_arrive = (self._arrive,)
        self._on_give_up = (self._give_up,)
        self._on_served = (self._served,)
        self._next_arrival()

    # --- scheduling -----------------------------------------------------------------------

    def after(self, delay: float, callback: Callable[[Any], None], value: Any = None) -> Timeout:
        return Callback(self.env, delay, (callback,), value)

    def react(self, out: list[Event]) -> None:
        """After a command the driver gave: start service for what it assigned, answer offers,
        time wrap-ups, wake manual pickers, move the timer alarm. (Such commands never take a
        chat from an agent.)"""
        for event in out:
            if type(event) is ChatAssigned:
                self._start(event)  # type: ignore[arg-type]
        if self.watch:
            self._watch(out)
        if self.pickups is not None:
            self.pickups.wake(out)
        if self.timed:
            self._rearm()

    def settle(self, out: list[Event]) -> None:
        """After an engine-initiated change (timers, presence): as ``react``, and also stop
        the service of chats the engine took from their agents, and let users who are still
        there answer "Are you still there?"."""
        for event in out:
            kind = type(event)
            if kind is ChatAssigned:
                self._start(event)  # type: ignore[arg-type]
            elif kind is ChatRequeued or (kind is ChatClosed and event.agent_id is not None):  # type: ignore[attr-defined]
                self._stop(event.chat_id, event.agent_id)  # type: ignore[attr-defined]
            elif kind is InactivityWarned and not self.records[event.chat_id].silent:  # type: ignore[attr-defined]
                self.react(self.engine.post_user_message(event.chat_id, "Yes, still here."))  # type: ignore[attr-defined]
        if self.watch:
            self._watch(out)
        if self.pickups is not None:
            self.pickups.wake(out)
        if self.timed:
            self._rearm()

    def _watch(self, out: list[Event]) -> None:
        """Offers to answer, wrap-ups to time, agents winding down, users who will retry."""
        for event in out:
            kind = type(event)
            if kind is ChatOffered:
                self.responses.offered(event)  # type: ignore[union-attr, arg-type]
            elif kind is WrapUpStarted:
                self._wrap(event)  # type: ignore[arg-type]
            elif kind is WrapUpEnded:
                self.staff.done(event.agent_id)  # type: ignore[attr-defined]
            elif kind is AgentAvailabilityChanged and self.responses and not event.available:  # type: ignore[attr-defined]
                self.responses.not_ready(event)  # type: ignore[arg-type]
            elif kind is ChatClosed and event.reason == CLOSE_NO_AGENT:  # type: ignore[attr-defined]
                self._maybe_retry(self.records[event.chat_id])  # type: ignore[attr-defined]

    def _wrap(self, started: WrapUpStarted) -> None:
        """The agent presses Ready after the chat's own wrap-up time, if before the limit."""
        wrap = self.records[started.chat_id].wrap
        if wrap is not None and (started.until is None or started.at + wrap < started.until):
            self.after(wrap, self._ready, (started.agent_id, started.chat_id))

    def _ready(self, event: Timeout) -> None:
        agent_id, chat_id = event.value
        if chat_id in self.engine.wrapping(agent_id):
            self.react(self.engine.ready(agent_id, chat_id))

    def _maybe_retry(self, rec: ChatRecord) -> None:
        """An abandoning user comes back later, as the same customer, with its stream's odds."""
        retry = rec.users.retry
        if retry is not None and retry.draw() < retry.retrial_p:
            self.after(retry.retrial_delay(), self._retry, rec)  # type: ignore[misc]

    def _retry(self, event: Timeout) -> None:
        rec: ChatRecord = event._value
        self.retried = n = self.retried + 1
        self._open(f"r{n}", rec.users.retry, rec.customer)  # type: ignore[arg-type]

    def _rearm(self) -> None:
        at = self.engine.next_deadline()
        if at is not None and at < self.alarm_at:
            self.alarm_at = at
            self.alarm = self.after(max(at - self.env.now, 0.0), self._ring)

    def _ring(self, event: Timeout) -> None:
        if event is not self.alarm:
            return  # an alarm superseded by an earlier deadline
        self.alarm, self.alarm_at = None, math.inf
        self.settle(self.engine.advance(self.env.now))

    # --- arrivals -------------------------------------------------------------------------

    def _next_arrival(self) -> None:
        """The arrival process: each arrival schedules the next one (no process per chat)."""
        upcoming = next(self.upcoming, None)
        if upcoming is not None:
            Callback(self.env, upcoming[0] - self.env.now, self._on_arrive, upcoming[1])

    def _arrive(self, event: Timeout) -> None:
        env = self.env
        upcoming = next(self.upcoming, None)  # schedule the next arrival first
        if upcoming is not None:
            Callback(env, upcoming[0] - env._now, self._on_arrive, upcoming[1])
        self.arrivals = n = self.arrivals + 1
        self._open(f"c{n}", event._value, None)
        if len(self.events) >= self.flush_at:
            self._flush()

    def _flush(self) -> None:
        """Hand the batch to the log and start a new one in the same list (the engine's sink);
        then forget the chats that closed, so a streamed run's memory holds the open ones."""
        events = self.events
        self.logged += len(events)
        self.log.write(events)  # type: ignore[union-attr]
        self.closed.extend(e.chat_id for e in events if type(e) is ChatClosed)  # type: ignore[attr-defined]
        events.clear()
        self._forget_closed()

    def _forget_closed(self) -> None:
        """Closed chats leave the engine and the driver, but not while a wrap-up or a survey
        answer is still to come (those wait for the next batch). Every later callback that
        carries a chat checks ``records`` first."""
        engine, records, answering = self.engine, self.records, self.surveys.pending
        kept = []
        for chat_id in self.closed:
            if chat_id in answering or not engine.forget(chat_id):
                kept.append(chat_id)
            else:
                del records[chat_id]
        self.closed = kept

    def _open(self, chat_id: str, users: Users, customer: str | None) -> None:
        """A handoff: a first contact (a customer of its own) or a retrial (the same one)."""
        rec = self.records[chat_id] = ChatRecord(chat_id, users)
        users.plan(rec)
        pick = users.draw() * self.pool_size
        # With retrials a customer is one person (a retrial comes back as the same one).
        rec.customer = customer or (
            f"{self.customers[int(pick)]}-{chat_id}" if self.retrials else self.customers[int(pick)]
        )
        try:
            out = self.engine.hand_off(
                chat_id,
                users.source,
                users.company,
                users.queue_name,
                customer_id=rec.customer,
                question=self.questions[int(pick * 7) % len(self.questions)],
                priority=users.priority,
                skills=users.skills,
            )
        except QueueClosed:
            self.refused[users.queue] += 1
            del self.records[chat_id]
            return
        waiting = True
        for event in out:
            if type(event) is ChatAssigned:
                waiting = waiting and event.chat_id != chat_id
                self._start(event)
        if waiting and rec.patience is not None:
            Callback(self.env, rec.patience, self._on_give_up, rec)
        if self.watch:
            self._watch(out)
        if self.pickups is not None:
            self.pickups.wake(out)
        if self.timed:
            self._rearm()

    def _give_up(self, event: Timeout) -> None:
        rec: ChatRecord = event._value
        if rec.id in self.records and self.engine.unanswered(rec.id):  # waiting, never answered
            self.react(self.engine.cancel(rec.id))
            if self.watch:
                self._maybe_retry(rec)

    # --- service --------------------------------------------------------------------------

    def _start(self, assigned: ChatAssigned) -> None:
        rec = self.records[assigned.chat_id]
        rec.agent = agent_id = assigned.agent_id
        rec.leg += 1
        desk = self.desks.get(agent_id) if self.desks else None
        if desk is not None:
            desk.add(rec, assigned.at)
        else:
            rec.pending = Callback(self.env, rec.work, self._on_served, rec)
        every = rec.users.message_every
        if every is not None and not rec.silent:
            self.after(every(), self._message, (rec, rec.leg))

    def _served(self, event: Timeout) -> None:
        rec: ChatRecord = event._value
        if rec.pending is event:
            rec.pending = None
            self.finish(rec, rec.agent)  # type: ignore[arg-type]

    def _stop(self, chat_id: str, agent_id: str) -> None:
        """The engine took the chat from its agent (requeue, inactivity close)."""
        rec = self.records[chat_id]
        desk = self.desks.get(agent_id)
        if desk is not None:
            desk.remove(rec, self.env.now)
        rec.pending = None

    def finish(self, rec: ChatRecord, agent_id: str) -> None:
        """The agent's work on this leg is done: the user cancelled, or transfer, or end."""
        engine, users, chat_id = self.engine, rec.users, rec.id
        leaving = agent_id in self.staff.leaving
        if leaving:
            self.staff.releasing(agent_id, self.units[users.queue])
        if rec.cancels:
            rec.cancels = False
            engine.cancel(chat_id)
            out = engine.end(chat_id, agent_id)
        elif rec.next_work is not None:
            rec.work, rec.next_work = rec.next_work, None
            out = engine.transfer(chat_id, agent_id, to_queue=users.transfer_to,
                                  note="Needs another team.")  # fmt: skip
        else:
            kind = rec.ticket
            if kind is not None:
                self.tickets += 1
                engine.link_ticket(chat_id, agent_id, f"{TICKET_PREFIX[kind]}{self.tickets:07d}",
                                   kind)  # fmt: skip
            out = engine.end(chat_id, agent_id)
            self.surveys.ended(rec)
        self.react(out)
        if leaving:
            self.staff.done(agent_id)

    def _message(self, event: Timeout) -> None:
        rec, leg = event.value
        if rec.leg != leg or rec.id not in self.records or not self.engine.in_service(rec.id):
            return
        messages = self.pool.messages
        self.said += 1
        text = messages[self.said % len(messages)]
        self.react(self.engine.post_user_message(rec.id, text))
        self.after(rec.users.message_every(), self._message, (rec, leg))

    # --- running --------------------------------------------------------------------------

    def run(self, progress: Callable[[float], None] | None = None) -> RunResult:
        """Simulate to the horizon plus cooldown under the run GC policy (timed with it)."""
        env, step = self.env, self.scenario.interval
        started = time.perf_counter()
        with simulation_gc():
            if progress is None:
                env.run(until=self.end)
            else:
                t = 0.0
                while t < self.end:
                    t = min(t + step * 4, self.end)
                    env.run(until=t)
                    progress(t)
        if self.log is not None:
            self._flush()
        wall = time.perf_counter() - started
        return RunResult(
            seed=self.seed,
            events=self.events,
            logged=self.logged if self.log is not None else len(self.events),
            arrivals=self.arrivals,
            refused=self.refused,
            agent_groups={sid: seat.group.name for sid, seat in self.seats.items()},
            default_capacity=default_capacity(self.scenario),
            end=self.end,
            wall=wall,
        )


def _tracked(seat: Seat) -> bool:
    """Agents whose speed varies (slowdown, disconnects) need remaining-work bookkeeping."""
    rates = seat.group.concurrency_rates
    return seat.group.disconnects is not None or (
        rates is not None and any(r != 1.0 for r in rates[: seat.group.capacity])
    )


def simulate(
    scenario: Scenario, seed: int | None = None, progress: Callable[[float], None] | None = None
) -> RunResult:
    return Simulation(scenario, seed).run(progress)
