"""The agents' side of ``livechat-sim drive``: sign in, take chats, work, transfer, end.

Each seat of the scenario's roster is one agent with a token minted by the bridge's key. The
agent's stream is its console: opening it signs the agent in and makes it present, and its
rows say when the bridge assigned a chat (auto-accept) or took one away (requeue, a timer
closing it). Duty changes are the simulator's (``simulator.staff``): coming on duty is
"available for N"; going off duty winds down (N shrinks to the chats still held, then
unavailable). With manual accept, agents click Accept on what their stream shows waiting
(:mod:`simulator.twin_pickups`). Work lasts the planned handle time, then the agent
transfers, or the user cancels, or the agent ends the chat — the choices of
``Simulation.finish``.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from bridge.client import AgentClient, LivechatClientError
from bridge.engine.events import ChatAssigned, ChatClosed, ChatRequeued, ChatTransferred
from bridge.http.schemas import RowOut

from .roster import Seat

if TYPE_CHECKING:
    from .twin_chats import Customers, LiveChat, Pace, Tally
    from .twin_pickups import LivePickups

GREETING = "Hello, I am looking into it now."
_TAKEN_AWAY = frozenset({ChatRequeued.__name__, ChatClosed.__name__})
_DONE = frozenset({ChatClosed.__name__, ChatTransferred.__name__})


class LiveAgent:
    """One seat played through the agent API and the agent stream."""

    def __init__(
        self, seat: Seat, client: AgentClient, customers: Customers, pace: Pace, tally: Tally
    ) -> None:
        self.seat = seat
        self.client = client
        self.customers = customers
        self.pace = pace
        self.tally = tally
        self.work: dict[str, asyncio.Task[None]] = {}  # chat id -> the work on it
        self.talks: set[asyncio.Task[None]] = set()  # the users' message loops of my chats
        self.due: dict[str, float] = {}  # chat id -> when its end or transfer was meant
        self.accepted: set[str] = set()  # manual accepts answered, their rows not yet seen
        self.pickups: LivePickups | None = None  # manual accept: who reaches for what
        self.on = False  # on duty (the roster's latest toggle)
        self.leaving = False
        self.stream: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()  # the stream is open: the agent is signed in and there

    async def roster(self) -> None:
        """Come on and off duty at the seat's toggle times (``simulator.roster``)."""
        for at, duty in self.seat.toggles:
            await self.pace.until(at)
            # None: on duty; a break's presence state or off shift: wind down, then unavailable
            # (the agent API has availability, not the presence states, to say it with).
            await (self.on_duty() if duty is None else self.off_duty())

    async def on_duty(self) -> None:
        self.leaving, self.on = False, True
        await self._available(True, self.seat.group.capacity)
        if self.stream is None:
            self.stream = asyncio.create_task(self._listen(), name=f"agent {self.seat.id}")
            await self.ready.wait()
        self._room()

    async def off_duty(self) -> None:
        self.leaving, self.on = True, False
        await self._shrink(len(self.work))

    def has_room(self) -> bool:
        """On duty with a free slot (manual accept: whether to reach for a waiting chat)."""
        held = len(self.work) + len(self.accepted)
        return self.on and held < self.seat.group.capacity

    def _room(self) -> None:
        if self.pickups is not None:
            self.pickups.room(self)

    async def _shrink(self, keep: int) -> None:
        if keep >= 1:
            await self._available(True, keep)
        else:
            self.leaving = False
            await self._available(False)

    async def _available(self, available: bool, capacity: int | None = None) -> None:
        try:
            await self.client.set_availability(available, capacity)
        except LivechatClientError as exc:
            self.tally.refusal("availability", exc)

    async def _listen(self) -> None:
        try:
            async for item in self.client.stream():
                self.ready.set()
                if isinstance(item, RowOut):
                    self.pace.saw(item.at)
                    if item.agent_id == self.seat.id:
                        self._row(item)
                    if self.pickups is not None:
                        self.pickups.saw(item)
        except LivechatClientError as exc:  # refused (a bad token) or the bridge went away
            self.tally.refusal("agent stream", exc)
        finally:
            self.ready.set()  # on_duty waits for the stream: never forever

    def _row(self, row: RowOut) -> None:
        chat_id = row.chat_id or ""
        if row.type in _DONE and chat_id in self.due:
            self.pace.landed(self.due.pop(chat_id), row.at)
        if row.type == ChatAssigned.__name__:
            chat = self.customers.chats.get(chat_id)
            if chat is None:  # assigned before the handoff's answer reached the user
                self.customers.early[chat_id] = (self, row.at)
            else:
                self.start(chat_id, chat, row.at)
        elif row.type in _TAKEN_AWAY and chat_id in self.work:
            self.work.pop(chat_id).cancel()  # the bridge took it away: stop working on it
            chat = self.customers.chats.get(chat_id)
            if chat is not None:
                chat.assigned = False

    def start(self, chat_id: str, chat: LiveChat, at: float) -> None:
        """Work on the chat from ``at``, the engine's time of the assignment."""
        chat.assigned = chat.answered = True
        self.accepted.discard(chat_id)
        chat.leg += 1
        self.tally.counts["assigned"] += 1
        done = self.pace.of_engine(at) + chat.rec.work
        self.work[chat_id] = asyncio.create_task(self._serve(chat_id, chat, done))
        talk = asyncio.create_task(self.customers.talk(chat, chat.leg))
        self.talks.add(talk)  # held until done: the loop keeps only weak references
        talk.add_done_callback(self.talks.discard)

    async def _serve(self, chat_id: str, chat: LiveChat, done: float) -> None:
        try:
            await self.client.post(chat_id, GREETING)
            await self.pace.until(done - self.pace.lag)  # to land at ``done``
            self.due[chat_id] = done
            if self.work.get(chat_id) is asyncio.current_task():
                del self.work[chat_id]
            if self.leaving:
                await self._shrink(len(self.work))
            await self._finish(chat_id, chat)
        except LivechatClientError as exc:
            self.tally.refusal("agent", exc)
            self.work.pop(chat_id, None)
        self._room()

    async def _finish(self, chat_id: str, chat: LiveChat) -> None:
        """Transfer, or the user cancels then the agent ends, or the agent ends."""
        rec = chat.rec
        chat.assigned = False  # this leg's work is done: the user writes no more in it
        if rec.cancels:
            rec.cancels = False
            await self.customers.cancel(chat, "cancelled assigned")
            await self.client.end(chat_id)
        elif rec.next_work is not None:
            rec.work, rec.next_work = rec.next_work, None
            to_queue = rec.users.transfer_to
            await self.client.transfer(chat_id, to_queue=to_queue, note="Needs another team.")
            self.tally.counts["transferred"] += 1
            return
        else:
            await self.client.end(chat_id)
        self.tally.counts["ended"] += 1

    async def stop(self) -> None:
        """The run is over: stop working and listening, sign out (chats left go back)."""
        for task in (*self.work.values(), *self.talks):
            task.cancel()
        with contextlib.suppress(LivechatClientError):
            await self.client.sign_out()
        if self.stream is not None:
            self.stream.cancel()
            with contextlib.suppress(asyncio.CancelledError, LivechatClientError):
                await self.stream
