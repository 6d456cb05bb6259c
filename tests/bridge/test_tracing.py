"""OpenTelemetry spans of a running bridge (in-memory exporter), and no OpenTelemetry when off."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import structlog
from aiohttp import web
from aiohttp.test_utils import TestClient
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from bridge.app import make_app
from bridge.logcontext import add_request_context
from bridge.runtime.tracing import Tracer
from bridge.settings import Settings, TracingSettings

from .support import agent_headers, hand_off, make_settings, on_duty

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
async def traced(aiohttp_client, tmp_path: Path, exporter) -> TestClient:
    """Auto-accept on, so a handoff to a desk with an agent on duty is assigned at once (a row
    the user's callback gets)."""
    settings = make_settings(tmp_path / "e.db", engine={"auto_accept": True})
    tracer = Tracer(TracingSettings(enabled=True, service_name="desk-test"), exporter)
    return await aiohttp_client(make_app(settings, tracer=tracer))


async def receiver(aiohttp_server) -> tuple[str, asyncio.Queue[dict[str, str]]]:
    posts: asyncio.Queue[dict[str, str]] = asyncio.Queue()

    async def hook(request: web.Request) -> web.Response:
        await request.read()
        await posts.put(dict(request.headers))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hook)
    server = await aiohttp_server(app)
    return str(server.make_url("/hook")), posts


async def finished(exporter: InMemorySpanExporter, name: str) -> ReadableSpan:
    """The first finished span called ``name`` (callback spans end after the answer)."""
    async with asyncio.timeout(5):
        while True:
            for span in exporter.get_finished_spans():
                if span.name == name:
                    return span
            await asyncio.sleep(0.01)


async def test_one_handoff_traces_request_command_commit_and_callback(
    traced: TestClient, exporter: InMemorySpanExporter, aiohttp_server
):
    url, posts = await receiver(aiohttp_server)
    await on_duty(traced, agent_headers())
    exporter.clear()
    chat = await hand_off(traced, callback_url=url)
    async with asyncio.timeout(5):
        posted = await posts.get()
    http = await finished(exporter, "POST /api/v1/handoffs")
    command = await finished(exporter, "livechat.command")
    commit = await finished(exporter, "livechat.commit")
    callback = await finished(exporter, "livechat.callback")

    assert http.kind is SpanKind.SERVER
    assert http.attributes["http.route"] == "/api/v1/handoffs"
    assert http.attributes["http.response.status_code"] == 201
    assert http.resource.attributes["service.name"] == "desk-test"
    assert command.parent.span_id == http.context.span_id
    assert command.attributes["livechat.chat_id"] == chat["chat_id"]
    assert command.attributes["livechat.command"] == "hand_off"
    assert "ChatAssigned" in command.attributes["livechat.events"]
    # Grouped commits: a trace of their own, linked from the command(s) they acknowledged.
    assert commit.parent is None
    assert command.context.span_id in [link.context.span_id for link in commit.links]
    assert commit.attributes["livechat.rows"] >= 1
    assert callback.parent.span_id == commit.context.span_id
    assert callback.attributes["livechat.chat_id"] == chat["chat_id"]
    assert callback.attributes["livechat.outcome"] == "delivered"
    # The receiver is told the delivery's trace (the signature headers are still there).
    trace_id, span_id = f"{callback.context.trace_id:032x}", f"{callback.context.span_id:016x}"
    assert posted["traceparent"].startswith(f"00-{trace_id}-{span_id}-")
    assert "webhook-signature" in posted


async def test_the_callers_traceparent_is_the_request_spans_parent(
    traced: TestClient, exporter: InMemorySpanExporter
):
    response = await traced.get("/healthz", headers={"traceparent": TRACEPARENT})
    assert response.status == 200
    span = await finished(exporter, "GET /healthz")
    assert f"{span.context.trace_id:032x}" == TRACE_ID
    assert f"{span.parent.span_id:016x}" == "00f067aa0ba902b7"


async def test_log_lines_of_a_traced_request_name_its_trace_and_request_id(
    aiohttp_client, settings: Settings, exporter: InMemorySpanExporter
):
    async def boom(request: web.Request) -> web.Response:
        raise RuntimeError("a bug")

    tracer = Tracer(TracingSettings(enabled=True), exporter)
    app = make_app(settings, [lambda app: app.router.add_get("/boom", boom)], tracer=tracer)
    client = await aiohttp_client(app)
    with structlog.testing.capture_logs(processors=[add_request_context]) as logs:
        response = await client.get("/boom", headers={"X-Request-Id": "r-7"})
    assert response.status == 500
    span = await finished(exporter, "GET /boom")
    [line] = [entry for entry in logs if entry["event"] == "unhandled_error"]
    assert line["request_id"] == "r-7" == span.attributes["livechat.request_id"]
    assert line["trace_id"] == f"{span.context.trace_id:032x}"
    assert line["span_id"] == f"{span.context.span_id:016x}"
    assert span.attributes["http.response.status_code"] == 500


def test_tracing_off_never_imports_opentelemetry(tmp_path: Path):
    """A fresh interpreter serves a handoff with tracing off; OpenTelemetry stays unimported."""
    script = textwrap.dedent(
        f"""
        import asyncio, json, sys
        from aiohttp.test_utils import TestClient, TestServer
        from bridge.app import make_app
        from tests.bridge.support import hand_off, make_settings

        async def main():
            settings = make_settings({str(tmp_path / "e.db")!r})
            async with TestClient(TestServer(make_app(settings))) as client:
                await hand_off(client)
                assert (await client.get("/metrics")).status == 200
            print(json.dumps(sorted(m for m in sys.modules if m.startswith("opentelemetry"))))

        asyncio.run(main())
        """
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_tracing_settings_are_off_by_default_and_checked(tmp_path: Path):
    assert make_settings(tmp_path / "e.db").tracing.enabled is False
    on = make_settings(tmp_path / "e.db", tracing={"enabled": True, "exporter": "console"})
    assert on.tracing.exporter == "console"
    with pytest.raises(ValueError, match="exporter"):
        make_settings(tmp_path / "e.db", tracing={"enabled": True, "exporter": "zipkin"})


def test_tracing_on_without_the_extra_is_a_clear_start_error(tmp_path: Path):
    """As if ``livechat[otel]`` were not installed: exit status 2 and what to install, no
    traceback, and the bridge never opened its database."""
    config = tmp_path / "bridge.yaml"
    db = tmp_path / "e.db"
    config.write_text(f"db_path: {db}\nport: 0\ntracing:\n  enabled: true\n")
    script = (
        "import sys; sys.modules['opentelemetry'] = None\n"  # importing it now raises ImportError
        "from bridge.cli import main\n"
        f"sys.exit(main(['serve', '--config', {str(config)!r}]))\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, done.stderr
    assert "error (tracing_unavailable)" in done.stderr
    assert "pip install 'livechat[otel]'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not db.exists()
