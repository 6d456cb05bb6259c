"""Fan-out of committed rows to open streams.

Only committed rows are published, in seq order, so a stream never shows what a crash could
take back. A subscriber that falls too far behind is cut off (``overflowed``) rather than
buffered without bound: its client reconnects with ``since`` and loses nothing.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

from bridge.store import Row


class Subscription:
    def __init__(self, maxsize: int, notices: bool = False) -> None:
        self.queue: asyncio.Queue[list[Row]] = asyncio.Queue(maxsize)
        self.overflowed = False
        self.notices = notices  # also takes ephemeral notices (rows with seq None): streams do

    def push(self, rows: list[Row]) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(rows)
        except asyncio.QueueFull:
            self.overflowed = True
            self.queue.get_nowait()
            self.queue.put_nowait([])  # wake the sender so it sees the overflow


class Hub:
    def __init__(self, maxsize: int = 1024) -> None:
        self._maxsize = maxsize
        self._chats: dict[str, set[Subscription]] = defaultdict(set)
        self._all: set[Subscription] = set()

    def subscribe_chat(self, chat_id: str) -> Subscription:
        sub = Subscription(self._maxsize, notices=True)
        self._chats[chat_id].add(sub)
        return sub

    def subscribe_all(self, *, notices: bool = False) -> Subscription:
        sub = Subscription(self._maxsize, notices)
        self._all.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription, chat_id: str | None = None) -> None:
        if chat_id is None:
            self._all.discard(sub)
            return
        subs = self._chats.get(chat_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._chats[chat_id]

    def publish(self, rows: list[Row]) -> None:
        for sub in self._all:
            sub.push(rows)
        if not self._chats:
            return
        by_chat: dict[str, list[Row]] = {}
        for row in rows:
            chat_id = row["chat_id"]
            if chat_id is not None and chat_id in self._chats:
                by_chat.setdefault(chat_id, []).append(row)
        for chat_id, chat_rows in by_chat.items():
            for sub in self._chats[chat_id]:
                sub.push(chat_rows)

    def signal(self, notice: Row) -> None:
        """An ephemeral notice (typing; ``seq`` None) to the streams of its chat and to the
        agents' streams; never to followers of the log, which count seqs."""
        rows = [notice]
        for sub in self._all:
            if sub.notices:
                sub.push(rows)
        for sub in self._chats.get(notice["chat_id"], ()):
            sub.push(rows)
