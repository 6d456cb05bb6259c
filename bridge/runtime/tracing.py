"""OpenTelemetry tracing of one bridge: HTTP request → engine command → commit → callback.

Imported only when ``tracing.enabled`` is set (the ``livechat[otel]`` extra): with tracing off
the bridge never imports OpenTelemetry, and every hook is skipped by a ``tracer is None`` test
decided when the app is built, so the request path pays nothing.

The spans of one handoff:

- ``POST /api/v1/handoffs`` (server): its parent is the caller's ``traceparent`` if sent.
- ``livechat.command`` (child of the request): the engine command and the wait for its
  commit; names the command and the chat, lists the events.
- ``livechat.commit`` (a trace of its own): commits are grouped, so one commit acknowledges
  many requests. It is the child of none of them and carries a *link* to each command it
  acknowledged instead.
- ``livechat.callback`` (child of the commit that put the callback in the outbox; a root span
  for a backlog resumed after a restart): every attempt of one delivery, and its outcome.
  Each post carries the span's ``traceparent``, so the receiver's trace continues it.

The provider is the bridge's own (never the process-wide global), so tests and several apps
in one process do not share exporters.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from bridge.engine.errors import LivechatError

if TYPE_CHECKING:
    from bridge.settings import TracingSettings


class TracingUnavailable(LivechatError):
    """Tracing is enabled in the settings but the ``livechat[otel]`` extra is not installed."""

    code = "tracing_unavailable"


try:
    from opentelemetry import trace
    from opentelemetry.context import Context
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        ConsoleSpanExporter,
        SimpleSpanProcessor,
        SpanExporter,
    )
    from opentelemetry.trace import Link, NonRecordingSpan, Span, SpanContext, SpanKind
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
except ImportError as exc:  # pragma: no cover - depends on what is installed
    raise TracingUnavailable(
        f"tracing.enabled is set but OpenTelemetry is missing ({exc}): "
        "install the bridge with the extra, pip install 'livechat[otel]'"
    ) from exc

_PROPAGATOR = TraceContextTextMapPropagator()
_EMPTY = Context()  # no parent: a commit or a resumed callback starts a trace of its own


def _exporter(settings: TracingSettings) -> SpanExporter:
    if settings.exporter == "console":
        return ConsoleSpanExporter(service_name=settings.service_name)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter(endpoint=settings.endpoint) if settings.endpoint else OTLPSpanExporter()


def command_name(command: Any) -> str:
    """A command is a closure made in its handler: ``accept.<locals>.<lambda>`` → ``accept``
    (``_hand_off`` → ``hand_off``: a private helper names the same command)."""
    qualname = getattr(command, "__qualname__", None) or type(command).__name__
    return qualname.split(".<locals>", 1)[0].lstrip("_")


class Tracer:
    """``exporter`` replaces the one the settings name (tests pass an in-memory one; it is
    exported synchronously, so a finished span is there at once)."""

    def __init__(self, settings: TracingSettings, exporter: SpanExporter | None = None) -> None:
        resource = Resource.create({"service.name": settings.service_name})
        self.provider = TracerProvider(resource=resource)
        if exporter is not None:
            self.provider.add_span_processor(SimpleSpanProcessor(exporter))
        else:
            self.provider.add_span_processor(BatchSpanProcessor(_exporter(settings)))
        self._tracer = self.provider.get_tracer("livechat.bridge")

    def shutdown(self) -> None:
        """Flush what is buffered (the batch exporter sends on its own schedule)."""
        self.provider.shutdown()

    @contextmanager
    def http(self, method: str, route: str, headers: Mapping[str, str]) -> Iterator[Span]:
        parent = _PROPAGATOR.extract(headers) if "traceparent" in headers else None
        attributes = {"http.request.method": method, "http.route": route}
        with self._tracer.start_as_current_span(
            f"{method} {route}", parent, SpanKind.SERVER, attributes
        ) as span:
            yield span

    @contextmanager
    def command(self, commands: Sequence[Any]) -> Iterator[Span]:
        names = [command_name(c) for c in commands] or ["advance"]  # run(): due timers only
        with self._tracer.start_as_current_span(
            "livechat.command", attributes={"livechat.command": ",".join(names)}
        ) as span:
            yield span

    @staticmethod
    def describe(span: Span, rows: Sequence[Mapping[str, Any]]) -> None:
        """What a command did: the chat it acted on and the events it emitted."""
        chat_ids = [row["chat_id"] for row in rows if row.get("chat_id")]
        if chat_ids:
            span.set_attribute("livechat.chat_id", chat_ids[0])
        span.set_attribute("livechat.events", [str(row["type"]) for row in rows])

    @staticmethod
    def current() -> SpanContext | None:
        """The running span's context (a commit links to it), if one is recording."""
        context = trace.get_current_span().get_span_context()
        return context if context.is_valid else None

    @contextmanager
    def commit(self, acknowledged: Sequence[SpanContext], rows: int) -> Iterator[Span]:
        links = [Link(context) for context in acknowledged]
        with self._tracer.start_as_current_span(
            "livechat.commit", _EMPTY, attributes={"livechat.rows": rows}, links=links
        ) as span:
            yield span

    @contextmanager
    def delivery(
        self, parent: SpanContext | None, chat_id: str, delivery_id: str, url: str
    ) -> Iterator[Span]:
        context = trace.set_span_in_context(NonRecordingSpan(parent)) if parent else _EMPTY
        attributes = {
            "livechat.chat_id": chat_id,
            "livechat.delivery_id": delivery_id,
            "url.full": url,
        }
        with self._tracer.start_as_current_span(
            "livechat.callback", context, SpanKind.CLIENT, attributes
        ) as span:
            yield span

    @staticmethod
    def inject(headers: dict[str, str]) -> None:
        """W3C ``traceparent`` of the running span (a callback's), for its receiver."""
        _PROPAGATOR.inject(headers)

    @staticmethod
    def log_ids(span: Span) -> dict[str, str]:
        """``trace_id`` and ``span_id`` as the hex strings trace backends show and search."""
        context = span.get_span_context()
        return {"trace_id": f"{context.trace_id:032x}", "span_id": f"{context.span_id:016x}"}
