"""Prometheus metrics of one bridge: its own registry, routing gauges read from the engine.

Gauges about queues and agents are computed when scraped (a collector reading the engine), so
they are never stale and cost nothing between scrapes.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from itertools import accumulate

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

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


class LoopHistogram(Collector):
    """A labelled histogram observed from the event loop only: one list of bucket counts per
    label set, no lock and no child lookup (``prometheus_client``'s ``Histogram`` costs more
    per request than routing it). Scraped like any histogram (``_bucket``, ``_count``,
    ``_sum``)."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labels: Sequence[str],
        buckets: Sequence[float],
        registry: CollectorRegistry,
    ) -> None:
        self._name, self._documentation, self._labels = name, documentation, list(labels)
        self._bounds = tuple(buckets)
        self._les = [floatToGoString(b) for b in self._bounds] + ["+Inf"]
        self._series: dict[tuple[str, ...], list[float]] = {}  # bucket counts, then the sum
        registry.register(self)

    def observe(self, labels: tuple[str, ...], value: float) -> None:
        series = self._series.get(labels)
        if series is None:
            series = self._series[labels] = [0.0] * (len(self._bounds) + 2)
        series[bisect_left(self._bounds, value)] += 1  # the first bound >= value: "le"
        series[-1] += value

    def collect(self) -> Iterator[HistogramMetricFamily]:
        family = HistogramMetricFamily(self._name, self._documentation, labels=self._labels)
        for labels, series in list(self._series.items()):
            buckets = list(zip(self._les, accumulate(series[:-1]), strict=True))
            family.add_metric(list(labels), buckets, series[-1])
        yield family


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
        self.request_seconds = LoopHistogram(
            "livechat_http_request_duration_seconds",
            "HTTP request duration by method, route (its canonical path) and status class",
            ["method", "route", "status"],
            REQUEST_BUCKETS,
            self.registry,
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
        self._request_labels: dict[tuple[str, str, int], tuple[str, str, str]] = {}

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """One observation per request (on the loop); label sets are cached by exact status."""
        key = (method, route, status)
        labels = self._request_labels.get(key)
        if labels is None:
            status_class = _STATUS_CLASSES[min(max(status // 100, 1), 5) - 1]
            labels = self._request_labels[key] = (method, route, status_class)
        self.request_seconds.observe(labels, seconds)

    def observe_commit(self, rows: int, seconds: float) -> None:
        self.commit_rows.observe(rows)
        self.commit_seconds.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
