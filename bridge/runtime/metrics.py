"""Prometheus metrics of one bridge: its own registry, routing gauges read from the engine.

Gauges about queues and agents are computed when scraped (a collector reading the engine), so
they are never stale and cost nothing between scrapes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bridge.engine import Engine

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class RoutingCollector(Collector):
    """Reads the engine through ``engine_of``: the bridge replaces it when it rolls back."""

    def __init__(self, engine_of: Callable[[], Engine], clock: Callable[[], float]) -> None:
        self._engine_of = engine_of
        self._clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        engine, now = self._engine_of(), self._clock()
        depth = GaugeMetricFamily(
            "livechat_queue_depth", "Chats waiting per support queue", labels=["queue"]
        )
        oldest = GaugeMetricFamily(
            "livechat_queue_oldest_wait_seconds",
            "How long the longest-waiting chat has waited",
            labels=["queue"],
        )
        for key in engine.queue_keys():
            waiting, started = engine.waiting_since(key)
            depth.add_metric([key], waiting)
            oldest.add_metric([key], max(now - (now if started is None else started), 0.0))
        totals = engine.agent_totals()
        yield depth
        yield oldest
        yield GaugeMetricFamily(
            "livechat_active_chats",
            "Chats assigned to an agent now",
            value=totals["active_chats"],
        )
        yield GaugeMetricFamily(
            "livechat_agents_available",
            "Agents present and permitted",
            value=totals["serving"],
        )
        yield GaugeMetricFamily(
            "livechat_agents_signed_in",
            "Agents signed in",
            value=totals["signed_in"],
        )


# Request latency buckets: the bridge answers most requests in a millisecond or two.
REQUEST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
_STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")


class Metrics:
    """One registry per bridge: ``leader`` says whether this process holds the store's
    leadership (a standby answers 0); a bridge on SQLite is always the leader."""

    def __init__(
        self,
        engine_of: Callable[[], Engine],
        clock: Callable[[], float] = time.time,
        leader: Callable[[], bool] = lambda: True,
    ) -> None:
        self.registry = CollectorRegistry()
        self.request_seconds = Histogram(
            "livechat_http_request_duration_seconds",
            "HTTP request duration by method, route (its canonical path) and status class",
            ["method", "route", "status"],
            registry=self.registry,
            buckets=REQUEST_BUCKETS,
        )
        self.commit_rows = Histogram(
            "livechat_commit_batch_rows",
            "Rows per group commit",
            registry=self.registry,
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024),
        )
        self.commit_seconds = Histogram(
            "livechat_commit_seconds",
            "Latency of one group commit",
            registry=self.registry,
            buckets=(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0),
        )
        self.callbacks = Counter(
            "livechat_callbacks",
            "Callback deliveries by outcome",
            ["outcome"],
            registry=self.registry,
        )
        self.streams = Gauge(
            "livechat_streams_open", "Open WebSocket streams", ["kind"], registry=self.registry
        )
        Gauge(
            "livechat_leader",
            "1 while this bridge is the leader that takes commits, 0 while it is a standby",
            registry=self.registry,
        ).set_function(lambda: 1.0 if leader() else 0.0)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self.registry.register(RoutingCollector(engine_of, clock))
        self._request_children: dict[tuple[str, str, int], Any] = {}

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """One observation per request. Label children are cached by exact status (looking
        one up with ``labels()`` costs more than the observation itself)."""
        key = (method, route, status)
        child = self._request_children.get(key)
        if child is None:
            status_class = _STATUS_CLASSES[min(max(status // 100, 1), 5) - 1]
            child = self._request_children[key] = self.request_seconds.labels(
                method, route, status_class
            )
        child.observe(seconds)

    def observe_commit(self, rows: int, seconds: float) -> None:
        self.commit_rows.observe(rows)
        self.commit_seconds.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
