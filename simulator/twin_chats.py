"""The users' side of ``livechat-sim drive``: hand over, wait (and give up), talk, cancel.

Each chat's plan (handle time, patience, transfer, cancel after assignment) is drawn by the
simulator's own code (``work.Users.plan``) from the same random streams, in arrival order, as
a simulation with the same seed draws it: a drive and a simulated replication with one seed
play the same chats, so what differs between their logs is what the bridge did.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from bridge.client import LivechatClient, LivechatClientError, UserChat

from .arrivals import arrival_times
from .scenario import Scenario
from .synthetic import Pool, build_pool
from .work import ChatRecord, Users, compile_users

LAG_GAIN = 0.2


class Pace:
    """Scenario seconds on the wall clock at ``speed`` (the bridge's engine.clock_speed).

    ``offset`` maps the bridge's engine time onto it: each row seen says the engine's time of
    an event that happened before we saw it, so ``row.at - now()`` is a lower bound of the
    offset and the largest one seen is the tightest. Work is then timed from the engine's own
    stamp of the assignment, so the stream's delivery delay does not lengthen handle times.
    """

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self._loop = asyncio.get_running_loop()
        self._start = self._loop.time()
        self.offset: float | None = None
        self.lag = 0.0  # scenario seconds an agent's action lands after it is sent

    def saw(self, engine_at: float) -> None:
        bound = engine_at - self.now()
        self.offset = bound if self.offset is None else max(self.offset, bound)

    def of_engine(self, engine_at: float) -> float:
        """The scenario time of an engine timestamp (now, before any row was seen)."""
        return self.now() if self.offset is None else engine_at - self.offset

    def landed(self, due: float, engine_at: float) -> None:
        """An action meant for ``due`` was stamped at ``engine_at``: learn the lag.

        Each HTTP round trip (and the driver's own event loop on a busy machine) costs
        ``speed`` times its wall time in scenario time; sending that much earlier keeps the
        handle times the scenario planned. An integral controller, never negative."""
        self.lag = max(0.0, self.lag + LAG_GAIN * (self.of_engine(engine_at) - due))

    def now(self) -> float:
        return (self._loop.time() - self._start) * self.speed

    async def until(self, t: float) -> None:
        await asyncio.sleep(max(0.0, t - self.now()) / self.speed)

    async def wait(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.speed)


@dataclass(slots=True)
class LiveChat:
    """One driven chat: the user's plan, their chat handle, and what the driver saw of it."""

    rec: ChatRecord
    user: UserChat
    assigned: bool = False  # with an agent now
    answered: bool = False  # an agent took it once: the user no longer runs out of patience
    leg: int = 0  # bumps per assignment: a message loop of an earlier leg stops


@dataclass(slots=True)
class Arrival:
    at: float
    users: Users
    rec: ChatRecord
    customer: str
    question: str


@dataclass
class Tally:
    """What the drive did, for its summary line (and refusals by the bridge's code)."""

    counts: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)

    def refusal(self, what: str, exc: LivechatClientError) -> None:
        self.refused[f"{what}: {exc.code}"] += 1


def planned_arrivals(scenario: Scenario, seed: int) -> list[Arrival]:
    """Every arrival with its user's plan, drawn as ``simulator.driver.Simulation`` draws."""
    rng = random.Random(f"{seed}/users")
    chatter = random.Random(f"{seed}/messages")
    users = [compile_users(scenario, s, rng, chatter) for s in scenario.streams]
    pool: Pool = build_pool(seed)
    out = []
    times = arrival_times(scenario, users, random.Random(f"{seed}/arrivals"))
    for n, (at, who) in enumerate(times, start=1):
        rec = ChatRecord(f"c{n}", who)
        who.plan(rec)
        pick = who.draw() * len(pool.customers)
        question = pool.questions[int(pick * 7) % len(pool.questions)]
        out.append(Arrival(at, who, rec, pool.customers[int(pick)], question))
    return out


class Customers:
    """Hands chats over at their arrival times and plays each user until they leave."""

    def __init__(self, sources: dict[str, LivechatClient], pace: Pace, tally: Tally) -> None:
        self.sources = sources  # source kind -> client with that kind's API key
        self.pace = pace
        self.tally = tally
        self.chats: dict[str, LiveChat] = {}  # bridge chat id -> chat
        self.early: dict[str, tuple[Any, float]] = {}  # chat id -> (agent, engine time)
        self.messages = build_pool(0).messages

    async def arrive(self, arrival: Arrival) -> None:
        await self.pace.until(arrival.at)
        who, rec = arrival.users, arrival.rec
        client = self.sources[who.source]
        try:
            answer = await client.handoff(
                company=who.company, queue=who.queue_name, source=who.source,
                customer={"id": arrival.customer, "name": arrival.customer},
                question=arrival.question,
            )  # fmt: skip
        except LivechatClientError as exc:
            self.tally.refusal("handoff", exc)
            return
        self.tally.counts["handed over"] += 1
        chat = LiveChat(rec, client.user_chat(answer.chat_id, answer.user_token))
        self.chats[answer.chat_id] = chat
        held_by = self.early.pop(answer.chat_id, None)
        if held_by is not None:
            agent, at = held_by
            agent.start(answer.chat_id, chat, at)
        if rec.patience is not None and answer.status == "queued":
            # From the planned arrival, as the handoff itself landed: both are late alike.
            await self.pace.until(arrival.at + rec.patience)
            if not chat.answered:
                await self.cancel(chat, "cancelled waiting")

    async def cancel(self, chat: LiveChat, what: str) -> None:
        try:
            await chat.user.cancel()
            self.tally.counts[what] += 1
        except LivechatClientError as exc:
            self.tally.refusal("cancel", exc)

    async def talk(self, chat: LiveChat, leg: int) -> None:
        """The user writes every so often while this leg lasts (unless they went silent)."""
        every = chat.rec.users.message_every
        if every is None or chat.rec.silent:
            return
        said = 0
        while True:
            await self.pace.wait(every())
            if chat.leg != leg or not chat.assigned:
                return
            said += 1
            try:
                await chat.user.post(self.messages[said % len(self.messages)])
                self.tally.counts["user messages"] += 1
            except LivechatClientError as exc:
                self.tally.refusal("user message", exc)
                return
