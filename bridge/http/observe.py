"""The outermost middleware: request id, request-duration histogram, and (if on) the HTTP span.

Which middleware runs is decided once, when the app is built (``middlewares``): with
tracing off it is ``edge`` alone, which never touches OpenTelemetry and also maps errors to
problem answers and applies the body limits, in one coroutine frame. Per request it costs one
clock pair, one histogram observation (labelled by the route's canonical path, never the raw
URL, so label sets stay few) and one ContextVar set for the log lines (``bridge.logcontext``).

The request id is the caller's ``X-Request-Id`` when it looks like an id (letters, digits and
``._:-``, at most 128 characters), else a new one: this app's random prefix and a counter,
unique without a random draw per request. It is echoed in the response and carried by every
log line written while the request runs (with ``trace_id``/``span_id`` when tracing is on).
A WebSocket's answer is sent before the handler returns, so a stream is not echoed it.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Awaitable, Callable, MutableMapping
from time import perf_counter
from typing import TYPE_CHECKING

from aiohttp import web

from bridge.logcontext import request_context

from .errors import answer_error, problems
from .keys import bridge_key
from .limits import body_limits, limited, over_limit

if TYPE_CHECKING:
    from bridge.runtime.tracing import Tracer

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]

REQUEST_ID = "X-Request-Id"
_ID_SHAPE = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
# Any other method (anyone may send one) is counted as OTHER: labels must stay a short list.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestIds:
    """The caller's id if it is one, else ``<this app's random prefix>-<counter>``."""

    def __init__(self) -> None:
        self._prefix = os.urandom(4).hex() + "-"
        self._counter = itertools.count(1)

    def of(self, request: web.Request) -> str:
        sent = request.headers.get(REQUEST_ID)
        if sent is not None and _ID_SHAPE.fullmatch(sent):
            return sent
        return f"{self._prefix}{next(self._counter):x}"


def route_of(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def _finish(
    request: web.Request,
    status: int,
    headers: MutableMapping[str, str] | None,
    rid: str,
    started: float,
) -> None:
    """Echo the id (unless the answer is already sent) and observe the duration."""
    if headers is not None:
        headers[REQUEST_ID] = rid
    method = request.method if request.method in _METHODS else "OTHER"
    request.app[bridge_key].metrics.observe_request(
        method, route_of(request), status, perf_counter() - started
    )


async def _answer(
    request: web.Request, handler: Handler, rid: str, started: float
) -> web.StreamResponse:
    """Run the handler; observe its answer, or an HTTP exception it lets through (a redirect:
    ``problems`` turns every error into a response)."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _finish(request, exc.status, exc.headers, rid, started)
        raise
    headers = None if response.prepared else response.headers
    _finish(request, response.status, headers, rid, started)
    return response


def edge(ids: RequestIds) -> Middleware:
    """A plain app's one middleware: ``observe``, ``problems`` and ``body_limits`` run in one
    coroutine frame (each middleware layer costs a frame and a wrapper on every request)."""

    @web.middleware
    async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = perf_counter()
        rid = ids.of(request)
        token = request_context.set({"request_id": rid})
        try:
            try:
                request, limit = limited(request)
                try:
                    response = await handler(request)
                except web.HTTPRequestEntityTooLarge as exc:
                    raise over_limit(limit) from exc
            except web.HTTPException as exc:
                if exc.status >= 400:
                    response = answer_error(exc)
                else:  # a redirect goes out as aiohttp sends it
                    _finish(request, exc.status, exc.headers, rid, started)
                    raise
            except Exception as exc:
                response = answer_error(exc)
        finally:
            request_context.reset(token)
        headers = None if response.prepared else response.headers
        _finish(request, response.status, headers, rid, started)
        return response

    return observe


def traced(ids: RequestIds, tracer: Tracer) -> Middleware:
    """``observe`` inside a server span; log lines carry the span's trace and span ids."""

    @web.middleware
    async def observe_traced(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = perf_counter()
        rid = ids.of(request)
        with tracer.http(request.method, route_of(request), request.headers) as span:
            span.set_attribute("livechat.request_id", rid)
            token = request_context.set({"request_id": rid, **tracer.log_ids(span)})
            try:
                response = await _answer(request, handler, rid, started)
            except web.HTTPException as exc:
                span.set_attribute("http.response.status_code", exc.status)
                raise
            finally:
                request_context.reset(token)
            span.set_attribute("http.response.status_code", response.status)
            return response

    return observe_traced


def middlewares(tracer: Tracer | None) -> list[Middleware]:
    """The app's middlewares: ``edge`` alone when tracing is off, else the traced ``observe``
    around ``problems`` and ``body_limits``."""
    if tracer is None:
        return [edge(RequestIds())]
    return [traced(RequestIds(), tracer), problems, body_limits]
