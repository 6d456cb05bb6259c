"""Prometheus metrics of one bridge: its own registry, routing gauges read from the engine.

Gauges about queues and agents are computed when scraped (a collector reading the engine), so
they are never stale and cost nothing between scrapes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bridge.engine import Engine

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class RoutingCollector(Collector):
    def __init__(self, engine: Engine, clock: Callable[[], float]) -> None:
        self._engine = engine
        self._clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        engine, now = self._engine, self._clock()
        depth = GaugeMetricFamily(
            "livechat_queue_depth", "Chats waiting per support queue", labels=["queue"]
        )
        oldest = GaugeMetricFamily(
            "livechat_queue_oldest_wait_seconds",
            "How long the longest-waiting chat has waited",
            labels=["queue"],
        )
        for key, queue in sorted(engine.queues.items()):
            waiting = queue.ordered()
            depth.add_metric([key], len(waiting))
            started = min((engine.chats[c].enqueued_at for c in waiting), default=now)
            oldest.add_metric([key], max(now - started, 0.0))
        agents = list(engine.agents.values())
        yield depth
        yield oldest
        yield GaugeMetricFamily(
            "livechat_active_chats",
            "Chats assigned to an agent now",
            value=sum(len(a.chats) for a in agents),
        )
        yield GaugeMetricFamily(
            "livechat_agents_available",
            "Agents present and permitted",
            value=sum(1 for a in agents if a.serving),
        )
        yield GaugeMetricFamily(
            "livechat_agents_signed_in",
            "Agents signed in",
            value=sum(1 for a in agents if a.signed_in),
        )


class Metrics:
    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "livechat_http_requests",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=self.registry,
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
        self.registry.register(RoutingCollector(engine, clock))
        self._request_children: dict[tuple[str, str, int], Any] = {}

    def count_request(self, method: str, route: str, status: int) -> None:
        """Count a request; label children are cached (``labels()`` costs more than ``inc()``)."""
        key = (method, route, status)
        child = self._request_children.get(key)
        if child is None:
            child = self._request_children[key] = self.requests.labels(method, route, status)
        child.inc()

    def observe_commit(self, rows: int, seconds: float) -> None:
        self.commit_rows.observe(rows)
        self.commit_seconds.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
