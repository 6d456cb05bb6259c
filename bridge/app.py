"""The app factory: settings in, a ready aiohttp application out; no globals.

Each API area is a route module exposing ``routes`` (a ``RouteTableDef``); add new areas to
``ROUTE_MODULES``. Areas that need more than routes (static files, their own resources) pass
a setup function in ``plugins``: it gets the app before it starts and may append to
``cleanup_ctx``; the running ``Bridge`` is at ``app[bridge_key]`` once startup has begun.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Callable, Iterable
from types import ModuleType

from aiohttp import WSCloseCode, web

from bridge.http import agents, botframework, dashboard, handoffs, ops, streams, users, workspace
from bridge.http.errors import problems
from bridge.http.keys import bridge_key, settings_key, sockets_key
from bridge.runtime import Bridge
from bridge.settings import Settings, resolve_secret
from bridge.web.pages import add_page_routes

ROUTE_MODULES: tuple[ModuleType, ...] = (ops, handoffs, users, streams, agents)

Plugin = Callable[[web.Application], None]


async def bridge_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the store, replay the log, start the writer and timers; close them in order."""
    settings = app[settings_key]
    bridge = Bridge(settings, resolve_secret(settings))
    app[bridge_key] = bridge
    await bridge.start()
    yield
    await bridge.close()


async def close_sockets(app: web.Application) -> None:
    """Shutdown: tell every stream to go (clients resume with ``since`` on the next bridge)."""
    if bridge_key in app:
        app[bridge_key].closing = True
    for ws in list(app[sockets_key]):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"bridge shutting down")


def client_max_size(settings: Settings) -> int:
    """Room for the largest allowed attachments, base64-encoded, plus the rest of a body."""
    limits = settings.attachments
    return max(limits.max_count, 1) * (limits.max_bytes * 4 // 3 + 1024) + 256 * 1024


def make_app(settings: Settings, plugins: Iterable[Plugin] = ()) -> web.Application:
    app = web.Application(middlewares=[problems], client_max_size=client_max_size(settings))
    app[settings_key] = settings
    app[sockets_key] = weakref.WeakSet()
    app.cleanup_ctx.append(bridge_ctx)
    app.on_shutdown.append(close_sockets)
    for module in ROUTE_MODULES:
        app.add_routes(module.routes)
    workspace.setup(app)
    dashboard.setup(app)
    botframework.setup(app)
    add_page_routes(app)
    for plugin in plugins:
        plugin(app)
    return app
