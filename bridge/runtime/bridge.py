"""One running bridge: the engine, its log, and everything driven by committed rows.

Built inside the event loop, rebuilt from the log before the first request, closed in order
on shutdown (timers stop, callbacks get a grace period, the writer flushes, the DB closes).

Callbacks are derived from rows inside the commit that holds them (``_outbox_writes``), so a
committed row's callbacks are in the outbox whatever happens next; on start the outbox's
backlog is queued before anything new, and each chat's callbacks go out in seq order.

A log with rows that cannot be replayed is refused at start (``LogDamaged``, every bad row
listed). A failed commit rolls the in-memory state back to the log (``_restore``): engine and
projection are rebuilt by the same replay, so a refused command leaves no trace.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import structlog

from bridge.engine import Engine
from bridge.settings import Settings, SourceSettings
from bridge.store import EventStore, LogDamaged, Row, SideWrite, Store, StoreFailed, open_store

from .callbacks import CallbackDelivery, StoreOutbox, delivery_id
from .clock import engine_clock
from .connector_auth import ConnectorAuth
from .handoff_status import outgoing
from .hub import Hub
from .metrics import Metrics
from .projection import ChatMeta, Projection
from .recovery import replay_log
from .runner import CommandRunner, TimerDriver
from .tokens import AgentClaims, TokenSigner
from .views import user_view
from .writer import GroupCommitWriter

if TYPE_CHECKING:
    from .tracing import Tracer

log = structlog.get_logger("bridge")


class Bridge:
    def __init__(
        self,
        settings: Settings,
        secret: str,
        clock: Callable[[], float] = time.time,
        store: Store | None = None,
        tracer: Tracer | None = None,
    ) -> None:
        self.settings = settings
        # Engine time; faster than the wall clock only in load tests (engine.clock_speed).
        self.clock = engine_clock(clock, settings.engine.clock_speed)
        self.engine = self._new_engine()
        self.store = store if store is not None else open_store(settings)
        self.role = "leader"  # a Bridge exists only where the store is held (see leadership)
        self.projection = Projection()
        self.hub = Hub()
        self.metrics = Metrics(lambda: self.engine, self.clock, lambda: self.role == "leader")
        self.signer = TokenSigner(secret, settings.token_ttl, clock)  # wall time, not scaled
        self.sources = {s.api_key.get_secret_value(): s for s in settings.sources}
        self.sources_by_name = {s.name: s for s in settings.sources}
        try:
            self.recovered = self._recover()
        except BaseException:
            self.store.close()  # and with it the one-bridge lock
            raise
        self.writer = GroupCommitWriter(
            self.store,
            self._committed,
            self.metrics.observe_commit,
            self._outbox_writes,
            self._commit_failed,
            settings.store_probe_interval,
            self._store_back,
        )
        self.delivery = CallbackDelivery(
            settings.callbacks,
            self.source_secret,
            lambda outcome: self.metrics.callbacks.labels(outcome).inc(),
            StoreOutbox(self.store, self.writer),
            auth=ConnectorAuth.of(settings.botframework, settings.callbacks.timeout),
        )
        self.committed_seq = self.store.max_seq()  # the last seq streams may have seen
        self._outbox_grew = False  # a batch derived callbacks: pump after its commit
        self.runner = CommandRunner(self.engine, self.writer, self.projection, self.committed_seq)
        self.runner.restore = self._restore
        self.timers = TimerDriver(self.runner, self.clock, settings.engine.clock_speed)
        self.runner.tracer = self.writer.tracer = self.delivery.tracer = tracer  # None: off
        # Handoffs in flight per (source, Idempotency-Key): a concurrent retry waits for them.
        self.inflight: dict[tuple[str, str], asyncio.Future[Row]] = {}
        self.agent_connections: Counter[str] = Counter()
        self.closing = False

    def _new_engine(self) -> Engine:
        engine = Engine(self.clock, self.settings.engine.to_engine())
        engine.set_supervisor_role(self.settings.supervision.role)
        return engine

    def _recover(self) -> int:
        """Replay the log into the fresh engine and projection; returns the rows replayed."""
        replayed = replay_log(self.store, self.engine, self.projection)
        if replayed.problems:
            raise LogDamaged(str(self.store.path), replayed.problems)
        return replayed.rows

    def _commit_failed(self, error: StoreFailed) -> None:
        """The writer lost a batch: drop what it held from memory before the next command."""
        self.runner.recover()

    def _store_back(self) -> None:
        """The store takes commits again: rebuild the state if an earlier rebuild failed."""
        if self.runner.stale is not None:
            self.runner.recover()

    def _restore(self) -> None:
        """Engine and projection rebuilt from the log, timers and pending deadlines included.

        Rows the store kept although it reported a failure (an error after the commit point)
        are published now, so streams see every committed row exactly once."""
        engine, projection = self._new_engine(), Projection()
        replayed = replay_log(self.store, engine, projection)
        if replayed.problems:
            raise LogDamaged(str(self.store.path), replayed.problems)
        self.engine, self.projection = engine, projection
        self.runner.reset(engine, projection, replayed.last_seq)
        if replayed.last_seq > self.committed_seq:
            missed = replayed.last_seq - self.committed_seq
            self._committed(self.store.rows_since(self.committed_seq, missed))
        log.warning("state_restored_from_log", rows=replayed.rows, seq=replayed.last_seq)

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
        return self.writer.failed is None and self.runner.stale is None and not self.closing

    @property
    def store_state(self) -> str:
        """``ok``, or the code of what keeps the store from taking commits now."""
        failure = self.runner.stale or self.writer.failed
        return "ok" if failure is None else failure.code

    def sign_in(self, claims: AgentClaims) -> Callable[[], list]:
        """The command behind every agent request: sign the token's agent in (a no-op when
        nothing changed). A request is no presence: the agent counts as there only while one of
        its streams is open or a heartbeat's lease runs (both end by themselves).

        The engine's ``sign_in`` compares the screen name too, so pass the one the agent set:
        the token does not carry it.
        """

        def command() -> list:
            known = self.engine.agent_view(claims.agent_id)
            screen_name = known.screen_name if known is not None else None
            return self.engine.sign_in(
                claims.agent_id,
                claims.first_name,
                claims.last_name,
                claims.queues,
                claims.roles,
                claims.permissions,
                screen_name,
                connected=self.agent_connections[claims.agent_id] > 0,
                skills=claims.skill_levels,
            )

        return command

    def _consoles_closed(self) -> list:
        """No stream is open on a bridge that just started: agents the log still shows
        connected are not, so their grace starts now (leases go on: they expire by themselves),
        or a crash (or a shutdown) would leave their chats with them for good."""
        events: list = []
        for agent_id in self.engine.connected_agents():
            events += self.engine.set_connected(agent_id, False)
        return events

    def source_secret(self, origin: str | None) -> SourceSettings | None:
        return self.sources_by_name.get(origin) if origin is not None else None

    def _committed(self, rows: list[Row]) -> None:
        if not rows:  # only callbacks settled
            return
        self.committed_seq = rows[-1]["seq"]
        self.hub.publish(rows)
        if self._outbox_grew:  # else the outbox has nothing new: no read on the loop
            self._outbox_grew = False
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
        self._outbox_grew = self._outbox_grew or bool(writes)  # kept if this commit fails
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
