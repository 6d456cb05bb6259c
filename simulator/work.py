"""Per-chat driver records, compiled user behaviour, and agents' work with concurrency slowdown.

Service is tracked as *remaining work*: a chat's handle time is drawn once as work at the speed
of an agent holding one chat; an agent holding k chats advances each at ``rate[k]`` (mu_k =
mu_1 * rate[k]). Whenever k changes, every chat's remaining work is brought up to date and
the next completion is rescheduled. That is exact for any handle-time distribution, and a
paused agent (console disconnected) simply makes no progress.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

from .distributions import Sampler
from .scenario import Behaviour, Scenario, Stream, resolve_queue


class ChatRecord:
    """What the driver knows about a chat that the engine does not: the user's plan.

    The plan is drawn in full on arrival, in arrival order, from the users' own random
    stream: the same seed gives the same chats whatever the staffing, so staffing rounds and
    scenario variants compare like with like (common random numbers).
    """

    __slots__ = ("agent", "cancels", "customer", "id", "leg", "next_work", "patience", "pending",
                 "silent", "ticket", "users", "work", "wrap")  # fmt: skip

    def __init__(self, chat_id: str, users: Users, customer: str = "") -> None:
        self.id = chat_id
        self.users = users
        self.customer = customer  # a retrial comes back as the same customer
        self.wrap: float | None = None  # after-chat work this chat takes (None: all allowed)
        self.work: float = 0.0  # remaining work of the current leg
        self.patience: float | None = None
        self.next_work: float | None = None  # work of a second leg after a transfer
        self.ticket: str | None = None  # the kind of ticket raised when the chat ends
        self.cancels = False  # the user cancels when the remaining work reaches zero
        self.silent = False  # the user writes nothing once an agent joined
        self.pending: object | None = None  # the live service-end timeout (untracked mode)
        self.leg = 0  # bumps per assignment: stale message timers compare it
        self.agent: str | None = None  # the agent of the current (or last) assignment


@dataclass(slots=True)
class Users:
    """One stream's compiled behaviour: samplers bound to the replication's RNG streams."""

    company: str
    queue: str  # engine key, Company/Queue
    queue_name: str
    source: str
    draw: Callable[[], float]  # uniform draws of the users' stream
    handle: Sampler
    patience: Sampler | None
    cancel_after_assign: float
    transfer_p: float
    transfer_to: str | None
    transfer_handle: Sampler | None
    ticket_kinds: tuple[str, ...]
    ticket_cum: tuple[float, ...]
    message_every: Sampler | None
    silent_p: float
    priority: int | None = None
    skills: dict[str, int] | None = None
    wrap: Sampler | None = None
    retrial_p: float = 0.0
    retrial_delay: Sampler | None = None
    retry_queue: str | None = None  # engine key the user comes back to (None: the same)
    retry: Users | None = None  # the same stream's users coming back (their own random stream)

    def plan(self, rec: ChatRecord) -> None:
        """Draw everything this user and their chat will do, now, in arrival order."""
        draw = self.draw
        rec.work = self.handle()
        if self.wrap is not None:
            rec.wrap = self.wrap()
        if self.patience is not None:
            rec.patience = self.patience()
        if self.cancel_after_assign and draw() < self.cancel_after_assign:
            rec.cancels = True
            rec.work *= draw()  # the user leaves at a uniform point of the first agent's work
        elif self.transfer_p and draw() < self.transfer_p:
            rec.next_work = self.transfer_handle()  # type: ignore[misc]
        if self.ticket_kinds:
            index = bisect.bisect_right(self.ticket_cum, draw())
            rec.ticket = self.ticket_kinds[index] if index < len(self.ticket_kinds) else None
        if self.silent_p:
            rec.silent = draw() < self.silent_p


def compile_users(
    scenario: Scenario, stream: Stream, rng: random.Random, chatter: random.Random
) -> Users:
    """``rng`` draws the users' plans; ``chatter`` the gaps between their messages."""
    b: Behaviour = scenario.behaviour_of(stream)
    assert b.handle_time is not None  # the loader refuses streams without one
    transfer = b.transfer
    handle = b.handle_time.sampler(rng)
    transfer_handle = None
    if transfer is not None:
        transfer_handle = transfer.handle_time.sampler(rng) if transfer.handle_time else handle
    kinds = tuple(k for k, p in b.tickets.items() if p > 0)
    key = resolve_queue(scenario, stream.queue, stream.company)
    retrial = b.retrial
    return Users(
        company=stream.company,
        queue=key,
        queue_name=key.partition("/")[2],
        source=stream.source,
        draw=rng.random,
        handle=handle,
        patience=b.patience.sampler(rng) if b.patience is not None else None,
        cancel_after_assign=b.cancel_after_assign,
        transfer_p=transfer.probability if transfer is not None else 0.0,
        transfer_to=(
            resolve_queue(scenario, transfer.to_queue, stream.company) if transfer else None
        ),
        transfer_handle=transfer_handle,
        ticket_kinds=kinds,
        ticket_cum=tuple(accumulate(b.tickets[k] for k in kinds)),
        message_every=b.messages.every.sampler(chatter) if b.messages is not None else None,
        silent_p=b.messages.silent_probability if b.messages is not None else 0.0,
        priority=stream.priority,
        skills=dict(stream.skills) or None,
        wrap=b.wrap_up.sampler(rng) if b.wrap_up is not None else None,
        retrial_p=retrial.probability if retrial is not None else 0.0,
        retrial_delay=retrial.delay.sampler(rng) if retrial is not None else None,
        retry_queue=(
            resolve_queue(scenario, retrial.to_queue, stream.company)
            if retrial is not None and retrial.to_queue is not None
            else None
        ),
    )


Schedule = Callable[[float, Callable[[object], None], object], object]


class Desk:
    """One agent's chats in progress, for agents whose speed depends on how many they hold."""

    __slots__ = ("agent_id", "chats", "done", "paused", "pending", "rates", "schedule", "stamp")

    def __init__(
        self,
        agent_id: str,
        rates: tuple[float, ...],
        schedule: Schedule,
        done: Callable[[ChatRecord, str], None],
    ) -> None:
        self.agent_id = agent_id
        self.rates = rates
        self.schedule = schedule
        self.done = done
        self.chats: dict[ChatRecord, None] = {}
        self.stamp = 0.0
        self.paused = False
        self.pending: object | None = None

    def rate(self) -> float:
        k = len(self.chats)
        return self.rates[min(k, len(self.rates)) - 1] if k else 0.0

    def _progress(self, now: float) -> None:
        if self.chats and not self.paused:
            step = (now - self.stamp) * self.rate()
            for rec in self.chats:
                rec.work -= step
        self.stamp = now

    def _reschedule(self) -> None:
        if self.paused or not self.chats:
            self.pending = None
            return
        first = min(self.chats, key=_work)
        self.pending = self.schedule(max(first.work, 0.0) / self.rate(), self._fire, first)

    def add(self, rec: ChatRecord, now: float) -> None:
        self._progress(now)
        self.chats[rec] = None
        self._reschedule()

    def remove(self, rec: ChatRecord, now: float) -> None:
        """The chat left this agent (requeued, closed by a timer): keep its remaining work."""
        if rec in self.chats:
            self._progress(now)
            del self.chats[rec]
            self._reschedule()

    def pause(self, now: float, paused: bool) -> None:
        self._progress(now)
        self.paused = paused
        self._reschedule()

    def _fire(self, event: object) -> None:
        if event is not self.pending:
            return  # superseded by a later change of load
        rec: ChatRecord = event.value  # type: ignore[attr-defined]
        self._progress(event.env.now)  # type: ignore[attr-defined]
        rec.work = 0.0
        del self.chats[rec]
        self._reschedule()
        self.done(rec, self.agent_id)


def _work(rec: ChatRecord) -> float:
    return rec.work


def retrying_users(
    scenario: Scenario,
    stream: Stream,
    first: Users,
    rng: random.Random,
    chatter: random.Random,
) -> Users | None:
    """The stream's users coming back after abandoning: the same behaviour on their own random
    stream (so retrials leave first contacts' draws alone), to the retrial queue if one is
    set. A retrial that abandons may come back again."""
    if not first.retrial_p:
        return None
    again = compile_users(scenario, stream, rng, chatter)
    if first.retry_queue is not None:
        again.queue = first.retry_queue
        again.queue_name = first.retry_queue.partition("/")[2]
        again.company = first.retry_queue.partition("/")[0]
    again.retry = again
    return again
