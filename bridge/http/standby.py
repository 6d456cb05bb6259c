"""What a standby bridge answers while another one leads the database.

``/healthz`` says so (503, ``"role": "standby"``, so a load balancer sends nobody here),
``/metrics`` says so (``livechat_leader 0``), and every other route is refused with 503 and the
code ``standby``. Clients retry; once this bridge takes over, the real app listens on the same
port and streams resume with ``since``.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from bridge.store.errors import StandingBy

from .errors import answer_error

if TYPE_CHECKING:
    from bridge.settings import Settings
    from bridge.store.postgres import AdvisoryLock


async def healthz(request: web.Request) -> web.Response:
    body = {"status": "standby", "role": "standby", "store": "standby"}
    return web.json_response(body, status=503)


async def metrics(request: web.Request) -> web.Response:
    text = "# HELP livechat_leader 1 if this bridge leads its database.\n"
    text += "# TYPE livechat_leader gauge\nlivechat_leader 0\n"
    return web.Response(text=text, content_type="text/plain")


async def refuse(request: web.Request) -> web.Response:
    response = answer_error(StandingBy("this bridge is a standby"))
    response.headers["Retry-After"] = "1"  # a takeover takes about a poll interval
    return response


def standby_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_route("*", "/{tail:.*}", refuse)
    return app


# The lock a standby won, handed to the app that serves once it leads (``bridge_ctx``).
leader_lock_key: web.AppKey[AdvisoryLock] = web.AppKey("leader_lock")


async def stand_by(settings: Settings) -> AdvisoryLock:
    """Serve the standby answers on the bridge's address until this process gets the lead."""
    from bridge.runtime.leadership import wait_for_lead

    runner = web.AppRunner(standby_app(), access_log=None)

    async def listen() -> None:
        await runner.setup()
        await web.TCPSite(runner, settings.host, settings.port).start()

    assert settings.database_url is not None
    try:
        return await wait_for_lead(settings.database_url, settings.standby_poll_interval, listen)
    finally:
        await runner.cleanup()  # the leader's app listens on this port next


def lead(settings: Settings) -> Callable[[web.Application], None]:
    """Block as a standby until leader, then a plugin: the app opens the store with the lock
    won, and shuts down (SIGTERM to itself) if the lock's connection is ever lost."""
    from bridge.runtime.leadership import watch

    lock = asyncio.run(stand_by(settings))

    async def watching(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(watch(lock, lambda: signal.raise_signal(signal.SIGTERM)))
        yield
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    def plugin(app: web.Application) -> None:
        app[leader_lock_key] = lock
        app.cleanup_ctx.append(watching)

    return plugin
