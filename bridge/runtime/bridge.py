"""One running bridge: the engine, its log, and everything driven by committed rows.

Built inside the event loop, rebuilt from the log before the first request, closed in order
on shutdown (timers stop, callbacks get a grace period, the writer flushes, the DB closes).

Callbacks are derived from rows inside the commit that holds them (``_outbox_writes``), so a
committed row's callbacks are in the outbox whatever happens next; on start the outbox's
backlog is queued before anything new, and each chat's callbacks go out in seq order.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial

import structlog

from bridge.engine import Engine
from bridge.engine.events import from_row
from bridge.settings import Settings, SourceSettings
from bridge.store import EventStore, Row, SideWrite

from .callbacks import CallbackDelivery, StoreOutbox, delivery_id
from .handoff_status import outgoing
from .hub import Hub
from .metrics import Metrics
from .projection import ChatMeta, Projection
from .runner import CommandRunner, TimerDriver, agent_name
from .tokens import AgentClaims, TokenSigner
from .views import user_view
from .writer import GroupCommitWriter

log = structlog.get_logger("bridge")


class Bridge:
    def __init__(
        self, settings: Settings, secret: str, clock: Callable[[], float] = time.time
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = Engine(clock, settings.engine.to_engine())
        self.store = EventStore(settings.db_path, settings.synchronous)
        self.projection = Projection()
        self.hub = Hub()
        self.metrics = Metrics(self.engine, clock)
        self.signer = TokenSigner(secret, settings.token_ttl, clock)
        self.sources = {s.api_key.get_secret_value(): s for s in settings.sources}
        self.sources_by_name = {s.name: s for s in settings.sources}
        self.recovered = self._recover()
        self.writer = GroupCommitWriter(
            self.store, self._committed, self.metrics.observe_commit, self._outbox_writes
        )
        self.delivery = CallbackDelivery(
            settings.callbacks,
            lambda outcome: self.metrics.callbacks.labels(outcome).inc(),
            StoreOutbox(self.store, self.writer, self._callback_secret),
        )
        self.committed_seq = self.store.max_seq()  # the last seq streams may have seen
        self.runner = CommandRunner(self.engine, self.writer, self.projection, self.committed_seq)
        self.timers = TimerDriver(self.runner, clock)
        # Handoffs in flight per (source, Idempotency-Key): a concurrent retry waits for them.
        self.inflight: dict[tuple[str, str], asyncio.Future[Row]] = {}
        self.agent_connections: Counter[str] = Counter()
        self.closing = False

    def _recover(self) -> int:
        """Replay the log into the fresh engine and projection; returns the rows replayed."""
        count = 0
        name_of = partial(agent_name, self.engine)
        for row in self.store.read_all():
            self.engine.replay((from_row(row),))
            self.projection.apply(row, name_of)
            count += 1
        for chat_id, origin, callback_url in self.store.origins():
            self.projection.set_origin(chat_id, origin, callback_url)
        return count

    async def start(self) -> None:
        await self.delivery.start()
        self.writer.start()
        resumed = self.delivery.pump()  # callbacks a crash or a shutdown left undelivered
        self.timers.start()
        await self.runner.tick()  # deadlines that passed while the bridge was down
        await self.runner.run(self._consoles_closed)
        log.info(
            "bridge_started",
            rows=self.recovered,
            callbacks_resumed=resumed,
            seq=self.runner.last_seq,
            db=str(self.settings.db_path),
        )

    async def close(self) -> None:
        self.closing = True
        await self.timers.stop()
        await self.delivery.close(self.settings.shutdown_timeout)  # settles go through the writer
        await self.writer.close()
        self.store.close()
        log.info("bridge_stopped", seq=self.runner.last_seq)

    @property
    def healthy(self) -> bool:
        return self.writer.failed is None and not self.closing

    def sign_in(self, claims: AgentClaims) -> Callable[[], list]:
        """The command that signs the token's agent in (a no-op when nothing changed).

        The engine's ``sign_in`` compares the screen name too, so pass the one the agent set:
        the token does not carry it.
        """

        def command() -> list:
            known = self.engine.agents.get(claims.agent_id)
            screen_name = known.screen_name if known is not None else None
            return self.engine.sign_in(
                claims.agent_id,
                claims.first_name,
                claims.last_name,
                claims.queues,
                claims.roles,
                claims.permissions,
                screen_name,
            )

        return command

    def _consoles_closed(self) -> list:
        """No console is connected to a bridge that just started: agents the log still shows
        connected while holding chats get the agent-gone grace now, or a crash (or a shutdown)
        would leave their chats with them for good."""
        if self.settings.engine.agent_gone_grace is None:
            return []
        events: list = []
        for agent in list(self.engine.agents.values()):
            if agent.connected and (agent.chats or agent.inbox):
                events += self.engine.set_connected(agent.id, False)
        return events

    def present(self, claims: AgentClaims) -> Callable[[], list]:
        """The command behind every agent request: sign the token's agent in, and count a
        request from an agent with no open console as the agent being there (a REST client,
        or a console whose stream is still reconnecting after a restart)."""
        sign_in = self.sign_in(claims)

        def command() -> list:
            events = sign_in()
            agent_id = claims.agent_id
            if not self.engine.agents[agent_id].connected and not self.agent_connections[agent_id]:
                events += self.engine.set_connected(agent_id, True)
            return events

        return command

    def source_secret(self, origin: str | None) -> SourceSettings | None:
        return self.sources_by_name.get(origin) if origin is not None else None

    def _callback_secret(self, origin: str | None) -> str | None:
        source = self.source_secret(origin)
        secret = source.callback_secret if source is not None else None
        return secret.get_secret_value() if secret is not None else None

    def _committed(self, rows: list[Row]) -> None:
        if not rows:  # only callbacks settled
            return
        self.committed_seq = rows[-1]["seq"]
        self.hub.publish(rows)
        self.delivery.pump()

    def _outbox_writes(self, rows: list[Row]) -> list[SideWrite]:
        """The callbacks these rows cause, as outbox inserts of the transaction that holds them."""
        writes = []
        for row in rows:
            meta = self.projection.get(row["chat_id"]) if row["chat_id"] else None
            if meta is None:
                continue
            for url, body in self._callbacks_of(row, meta):
                writes.append(
                    EventStore.outbox_write(
                        delivery_id(meta.chat_id, row["seq"]), meta.chat_id, meta.origin, url, body
                    )
                )
        return writes

    def _callbacks_of(self, row: Row, meta: ChatMeta) -> Iterator[tuple[str, bytes]]:
        """The user's ``callback_url`` gets the user's view; a Bot Framework chat its answers."""
        if meta.callback_url is not None and self.source_secret(meta.origin) is not None:
            view = user_view(row, meta)
            if view is not None:
                yield meta.callback_url, json.dumps(view, separators=(",", ":")).encode()
        answer = outgoing(row, meta)
        if answer is not None:
            yield answer[0], json.dumps(answer[1]).encode()
