"""The canned responses of one bridge: read once from the store, changed by committed writes.

The store's ``canned_responses`` table (SQLite or PostgreSQL, same columns) is the record; this
cache answers searches without a query per keystroke. A change is built here (``create`` /
``update`` / ``delete`` check the rules and return the new response and its side write), the
caller commits the write through the runner, and only then ``keep`` / ``drop`` change the cache:
a refused or failed commit leaves both as they were.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import replace
from typing import Any, Protocol

from bridge.store import EventStore, SideWrite

from . import rules
from .rules import CannedResponse, Scope, UnknownCanned


class CannedStore(Protocol):
    def canned_responses(self) -> list[tuple[Any, ...]]: ...


class CannedLibrary:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._items: dict[str, CannedResponse] = {}
        self._clock = clock

    def load(self, store: CannedStore) -> None:
        self._items = {r[0]: CannedResponse(*r) for r in store.canned_responses()}

    # --- reads ---------------------------------------------------------------------------

    def get(self, canned_id: str, agent_id: str, queues: Collection[str]) -> CannedResponse:
        """The response if it is in the agent's reach; otherwise it does not exist for them."""
        return self.find(canned_id, lambda item: rules.in_reach(item, agent_id, queues))

    def find(self, canned_id: str, allowed: Callable[[CannedResponse], bool]) -> CannedResponse:
        """The response if ``allowed`` says so; one not allowed is not found (nothing told)."""
        item = self._items.get(canned_id)
        if item is None or not allowed(item):
            raise UnknownCanned(f"no canned response {canned_id!r}")
        return item

    def search(
        self, term: str, keep: Callable[[CannedResponse], bool], limit: int = 20
    ) -> list[CannedResponse]:
        """Matching responses that ``keep`` allows, best first (rank, then title)."""
        ranked = []
        for item in self._items.values():
            rank = rules.matches(item, term)
            if rank is not None and keep(item):
                ranked.append((rank, item.title.casefold(), item.id, item))
        return [entry[-1] for entry in sorted(ranked)[:limit]]

    # --- changes (built, committed by the caller, then kept) -------------------------------

    def create(
        self,
        agent_id: str,
        queues: Collection[str],
        *,
        scope: Scope,
        company: str | None,
        queue: str | None,
        fields: dict[str, Any],
    ) -> tuple[CannedResponse, SideWrite]:
        company, queue = _placed(scope, company, queue)
        rules.check_scope(scope, company, queue, agent_id, queues)
        rules.check_placeholders(fields["text"])
        owner = agent_id if scope == "personal" else None
        item = CannedResponse(
            f"cr_{uuid.uuid4().hex[:16]}", scope, company, queue, owner,
            fields["title"], fields.get("shortcut") or "", fields["text"],
            fields.get("article_id"), agent_id, self._clock(),
        )  # fmt: skip
        return item, EventStore.canned_write(item.values())

    def update(
        self, canned_id: str, agent_id: str, queues: Collection[str], changes: dict[str, Any]
    ) -> tuple[CannedResponse, SideWrite]:
        item = self.get(canned_id, agent_id, queues)
        if "text" in changes:
            rules.check_placeholders(changes["text"])
        changed = replace(item, **changes, updated_by=agent_id, updated_at=self._clock())
        return changed, EventStore.canned_write(changed.values())

    def delete(
        self, canned_id: str, agent_id: str, queues: Collection[str]
    ) -> tuple[CannedResponse, SideWrite]:
        item = self.get(canned_id, agent_id, queues)
        return item, EventStore.canned_delete(item.id)

    def keep(self, item: CannedResponse) -> None:
        self._items[item.id] = item

    def drop(self, items: Iterable[CannedResponse]) -> None:
        for item in items:
            self._items.pop(item.id, None)


def _placed(scope: Scope, company: str | None, queue: str | None) -> tuple[str, str | None]:
    """Where a response lives: a queue names its company; personal ones belong to no company."""
    if scope == "queue":
        if not queue or "/" not in queue:
            raise rules.err.InvalidCommand('a queue response needs "queue": "Company/QUEUE"')
        return queue.split("/", 1)[0], queue
    if scope == "company":
        if not company:
            raise rules.err.InvalidCommand('a company response needs "company"')
        return company, None
    return "", None
