"""The app factory: settings in, a ready aiohttp application out; no globals.

Each API area is a route module exposing ``routes`` (a ``RouteTableDef``); add new areas to
``ROUTE_MODULES``. Areas that need more than routes (static files, their own resources) pass
a setup function in ``plugins``: it gets the app before it starts and may append to
``cleanup_ctx``; the running ``Bridge`` is at ``app[bridge_key]`` once startup has begun.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Callable, Iterable
from functools import partial
from types import ModuleType
from typing import TYPE_CHECKING

from aiohttp import WSCloseCode, web

from bridge.http import (
    agents,
    botframework,
    canned,
    dashboard,
    dialogflow,
    feedback,
    handoffs,
    offline,
    oidc,
    ops,
    presence,
    screenshare,
    streams,
    supervise,
    transcripts,
    users,
    workspace,
)
from bridge.http.keys import bridge_key, settings_key, sockets_key
from bridge.http.limits import RateLimits, attachment_body_limit, rate_limits_key
from bridge.http.observe import middlewares
from bridge.http.standby import leader_lock_key
from bridge.runtime import Bridge
from bridge.settings import Settings, resolve_secret
from bridge.store import open_store
from bridge.web.pages import add_page_routes

if TYPE_CHECKING:
    from bridge.runtime.tracing import Tracer

ROUTE_MODULES: tuple[ModuleType, ...] = (
    ops, handoffs, users, streams, agents, presence, supervise, offline
)  # fmt: skip

Plugin = Callable[[web.Application], None]


async def bridge_ctx(app: web.Application, tracer: Tracer | None = None) -> AsyncIterator[None]:
    """Open the store, replay the log, start the writer and timers; close them in order."""
    settings = app[settings_key]
    lock = app.get(leader_lock_key)  # a standby that took over: open the store with its lock
    store = open_store(settings, lock=lock) if lock is not None else None
    bridge = Bridge(settings, resolve_secret(settings), store=store, tracer=tracer)
    app[bridge_key] = bridge
    await bridge.start()
    yield
    await bridge.close()
    if tracer is not None:
        tracer.shutdown()  # flush the spans of the last requests


def tracer_of(settings: Settings) -> Tracer | None:
    """Tracing is decided here, once: off, OpenTelemetry is never imported."""
    if not settings.tracing.enabled:
        return None
    from bridge.runtime.tracing import Tracer

    return Tracer(settings.tracing)


async def close_sockets(app: web.Application) -> None:
    """Shutdown: tell every stream to go (clients resume with ``since`` on the next bridge)."""
    if bridge_key in app:
        app[bridge_key].closing = True
    for ws in list(app[sockets_key]):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"bridge shutting down")


def make_app(
    settings: Settings, plugins: Iterable[Plugin] = (), tracer: Tracer | None = None
) -> web.Application:
    """Each route's body limit is set by ``body_limits`` (small for JSON, attachment-sized for
    ``@large_body`` routes); the app-wide one is only the ceiling. ``tracer`` replaces the
    one the settings ask for (tests pass one with an in-memory exporter)."""
    tracer = tracer or tracer_of(settings)
    app = web.Application(
        middlewares=middlewares(tracer),
        client_max_size=attachment_body_limit(settings),
    )
    app[settings_key] = settings
    app[rate_limits_key] = RateLimits.of(settings.limits)
    app[sockets_key] = weakref.WeakSet()
    app.cleanup_ctx.append(partial(bridge_ctx, tracer=tracer))
    app.on_shutdown.append(close_sockets)
    for module in ROUTE_MODULES:
        app.add_routes(module.routes)
    workspace.setup(app)
    canned.setup(app)  # after workspace: its articles can be replies
    transcripts.setup(app)
    feedback.setup(app)  # typing, read receipts, the post-chat survey
    screenshare.setup(app)
    dashboard.setup(app)
    botframework.setup(app)
    dialogflow.setup(app)
    oidc.setup(app)
    add_page_routes(app)
    for plugin in plugins:
        plugin(app)
    return app
