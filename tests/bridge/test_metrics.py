"""What a Prometheus scrape of a running bridge shows, and the request id every answer carries."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
import structlog
from aiohttp import web
from aiohttp.test_utils import TestClient

from bridge.app import make_app
from bridge.cli import configure_logging
from bridge.logcontext import add_request_context, request_context
from bridge.settings import Settings

from .support import bearer, bridge_of, call, hand_off

DURATION = "livechat_http_request_duration_seconds"
MADE_ID = r"[0-9a-f]{8}-[0-9a-f]+"  # this app's random prefix and a counter


def sample(client: TestClient, name: str, **labels: str) -> float | None:
    return bridge_of(client).metrics.registry.get_sample_value(name, labels)


async def scrape(client: TestClient) -> str:
    response = await client.get("/metrics")
    assert response.status == 200
    return await response.text()


async def test_request_durations_are_labelled_by_route_not_by_raw_url(client: TestClient):
    first, second = await hand_off(client), await hand_off(client)
    for chat in (first, second):
        await call(client, "GET", f"/api/v1/chats/{chat['chat_id']}", headers=_user(chat))
    text = await scrape(client)
    route = "/api/v1/chats/{chat_id}"
    labels = {"method": "GET", "route": route, "status": "2xx"}
    assert sample(client, f"{DURATION}_count", **labels) == 2.0
    assert sample(client, f"{DURATION}_bucket", **labels, le="+Inf") == 2.0
    assert first["chat_id"] not in text and second["chat_id"] not in text
    assert sample(client, f"{DURATION}_sum", **labels) > 0


async def test_errors_unknown_paths_and_odd_methods_fall_into_few_label_sets(client: TestClient):
    chat = await hand_off(client)
    await call(client, "GET", "/api/v1/chats/nope", 403, _user(chat))
    for n in range(3):
        await call(client, "GET", f"/no/such/path/{n}", 404)
    response = await client.request("PROPFIND", "/healthz")  # WebDAV: parsed, not ours
    assert response.status == 405
    assert (
        sample(
            client,
            f"{DURATION}_count",
            method="GET",
            route="/api/v1/chats/{chat_id}",
            status="4xx",
        )
        == 1.0
    )
    assert sample(client, f"{DURATION}_count", method="GET", route="unmatched", status="4xx") == 3.0
    assert (
        sample(client, f"{DURATION}_count", method="OTHER", route="unmatched", status="4xx") == 1.0
    )
    assert "/no/such/path" not in await scrape(client)


async def test_commit_latency_and_batch_size_are_histograms(client: TestClient):
    before = sample(client, "livechat_commit_seconds_count") or 0.0
    await hand_off(client)
    assert sample(client, "livechat_commit_seconds_count") >= before + 1
    assert sample(client, "livechat_commit_seconds_bucket", le="+Inf") >= before + 1
    assert sample(client, "livechat_commit_batch_rows_sum") >= 1


async def test_process_metrics_and_leadership_are_exported(client: TestClient):
    text = await scrape(client)
    assert re.search(r"^process_resident_memory_bytes \d", text, re.M)
    assert re.search(r"^process_cpu_seconds_total \d", text, re.M)
    assert "python_info{" in text
    assert re.search(r"^livechat_leader 1\.0$", text, re.M)


async def test_a_standby_says_so_in_the_leader_gauge(client: TestClient):
    bridge_of(client).role = "standby"
    assert re.search(r"^livechat_leader 0\.0$", await scrape(client), re.M)


async def test_a_sent_request_id_is_echoed_and_a_missing_one_is_made(client: TestClient):
    sent = await client.get("/healthz", headers={"X-Request-Id": "req-42.a:b"})
    assert sent.headers["X-Request-Id"] == "req-42.a:b"
    made = [(await client.get("/healthz")).headers["X-Request-Id"] for _ in range(2)]
    assert all(re.fullmatch(MADE_ID, rid) for rid in made)
    assert made[0] != made[1]


async def test_a_request_id_that_is_no_id_is_replaced_not_echoed(client: TestClient):
    for bad in ("x" * 129, "a b", "<script>", ""):
        response = await client.get("/healthz", headers={"X-Request-Id": bad})
        assert response.status == 200
        assert re.fullmatch(MADE_ID, response.headers["X-Request-Id"]), bad


async def test_error_answers_carry_the_request_id_too(client: TestClient):
    response = await client.get("/api/v1/chats/nope", headers={"X-Request-Id": "r1"})
    assert response.status == 401
    assert response.headers["X-Request-Id"] == "r1"
    assert (await response.json())["code"] == "unauthorized"


async def boom(request: web.Request) -> web.Response:
    raise RuntimeError("a bug")


async def test_log_lines_written_during_a_request_carry_its_id(aiohttp_client, settings: Settings):
    client = await aiohttp_client(
        make_app(settings, plugins=[lambda app: app.router.add_get("/boom", boom)])
    )
    with structlog.testing.capture_logs(processors=[add_request_context]) as logs:
        response = await client.get("/boom", headers={"X-Request-Id": "trace-me"})
    assert response.status == 500
    assert response.headers["X-Request-Id"] == "trace-me"
    [line] = [entry for entry in logs if entry["event"] == "unhandled_error"]
    assert line["request_id"] == "trace-me"
    assert "trace_id" not in line  # tracing is off
    assert request_context.get() is None  # nothing leaks past the request


def _user(chat: dict) -> dict[str, str]:
    return bearer(chat["user_token"])


def test_the_served_log_format_is_json_lines_with_the_request_id(monkeypatch):
    """``configure_logging`` (what ``livechat-bridge serve`` runs): structlog and stdlib lines
    alike are JSON objects that carry the request's id."""
    stderr, root = io.StringIO(), logging.getLogger()
    saved = (root.handlers[:], root.level, structlog.get_config())
    monkeypatch.setattr("sys.stderr", stderr)
    try:
        configure_logging()
        token = request_context.set({"request_id": "r-9"})
        structlog.get_logger("test.metrics").info("from_structlog", n=1)
        logging.getLogger("test.metrics").warning("from the stdlib")
        request_context.reset(token)
        structlog.get_logger("test.metrics").info("outside")
    finally:
        root.handlers, root.level = saved[0], saved[1]
        structlog.configure(**saved[2])
    lines = [json.loads(line) for line in stderr.getvalue().splitlines()]
    assert [line["event"] for line in lines] == ["from_structlog", "from the stdlib", "outside"]
    assert [line.get("request_id") for line in lines] == ["r-9", "r-9", None]
    assert lines[0]["n"] == 1 and lines[0]["level"] == "info"


def test_request_histogram_buckets_count_a_value_at_a_bound_in_that_bucket():
    """The loop's own histogram reads like ``prometheus_client``'s: ``le`` is inclusive,
    buckets are cumulative, and past the last bound only ``+Inf`` counts."""
    from prometheus_client import CollectorRegistry

    from bridge.runtime.metrics import LoopHistogram

    registry = CollectorRegistry()
    histogram = LoopHistogram("t_seconds", "test", ["route"], (0.001, 0.01), registry)
    for value in (0.001, 0.005, 0.5):
        histogram.observe(("/a",), value)

    def get(suffix: str, **labels: str) -> float | None:
        return registry.get_sample_value(f"t_seconds{suffix}", {"route": "/a", **labels})

    assert [get("_bucket", le=le) for le in ("0.001", "0.01", "+Inf")] == [1.0, 2.0, 3.0]
    assert get("_count") == 3.0
    assert get("_sum") == pytest.approx(0.506)
