"""The supervisor dashboard (agent token, role Supervisor or IT Agent): a document and a stream.

A Supervisor sees every support queue; an IT Agent sees the queues in their token. The stream
recomputes at most once per ``dashboard.push_interval`` and sends only when the document
changed. Documents are cached per queue set for one interval, so many open dashboards cost
one computation each tick.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from bridge.engine.errors import NotPermitted
from bridge.engine.model import IT_AGENT_ROLE
from bridge.runtime import AgentClaims, Bridge
from bridge.runtime.dashboard import DashboardProjection, DayClock, document
from bridge.runtime.follower import RowFollower
from bridge.runtime.hub import Subscription
from bridge.settings import DashboardSettings

from . import auth
from .apidoc import doc
from .keys import bridge_key, settings_key
from .schemas import Out, StreamQuery, parse_query
from .streams import _serve

routes = web.RouteTableDef()
SUPERVISOR_ROLE = "Supervisor"


class QueueStatsOut(Out):
    queue: str
    waiting: int
    longest_wait: float
    agents_available: int
    agents_busy: int
    load: float | None
    service_level_today: float | None
    abandonment_today: float | None
    answered_today: int
    arrivals_today: int


class MinuteOut(Out):
    at: float
    waiting: int
    arrivals: int


class DashboardOut(Out):
    queues: list[QueueStatsOut]
    history: list[MinuteOut]


class Dashboard:
    """The projection, the follower feeding it, and a per-interval cache of documents."""

    def __init__(self, bridge: Bridge, settings: DashboardSettings) -> None:
        self.bridge = bridge
        self.settings = settings
        self.projection = DashboardProjection(DayClock(settings.timezone))
        self.follower = RowFollower(bridge, self.projection.apply_all, "dashboard")
        self._cache: dict[tuple[str, ...] | None, tuple[tuple[int, int], dict[str, Any]]] = {}

    async def document(self, queues: tuple[str, ...] | None) -> dict[str, Any]:
        """The document for these queues (None: all), with every committed row counted."""
        await self.follower.reached(self.bridge.store.max_seq())
        now = self.bridge.clock()
        tick = (int(now / self.settings.push_interval), self.follower.seq)
        cached = self._cache.get(queues)
        if cached is not None and cached[0] == tick:
            return cached[1]
        fresh = document(
            self.bridge.engine, self.projection, queues, now, self.settings.service_level_target
        )
        self._cache[queues] = (tick, fresh)
        return fresh


dashboard_key = web.AppKey("dashboard", Dashboard)


def visible(claims: AgentClaims) -> tuple[str, ...] | None:
    """All queues for a Supervisor, the token's queues for an IT Agent, else refused."""
    if SUPERVISOR_ROLE in claims.roles:
        return None
    if IT_AGENT_ROLE in claims.roles:
        return tuple(sorted(set(claims.queues)))
    raise NotPermitted(f"{claims.agent_id!r} needs the Supervisor or the IT Agent role")


@routes.get("/api/v1/dashboard")
@doc("Per support queue: waiting, agents, load, today's service level and abandonment; "
     "the last hour per minute", response=DashboardOut, auth="agent")  # fmt: skip
async def get_dashboard(request: web.Request) -> web.Response:
    queues = visible(auth.agent_claims(request))
    return web.json_response(await request.app[dashboard_key].document(queues))


@routes.get("/api/v1/dashboard/stream")
@doc("WebSocket: the dashboard document again whenever it changes (at most once a second)",
     query=StreamQuery, auth="agent", websocket=True)  # fmt: skip
async def dashboard_stream(request: web.Request) -> web.WebSocketResponse:
    queues = visible(auth.agent_claims(request, query=True))
    parse_query(request, StreamQuery)
    dashboard = request.app[dashboard_key]
    # The sender polls the cached document; the subscription argument is not used.
    return await _serve(
        request, "dashboard", Subscription(1), lambda ws, _: _push(dashboard, ws, queues)
    )


async def _push(
    dashboard: Dashboard, ws: web.WebSocketResponse, queues: tuple[str, ...] | None
) -> None:
    sent: dict[str, Any] | None = None
    while True:
        current = await dashboard.document(queues)
        if current != sent:
            await ws.send_json(current)
            sent = current
        await asyncio.sleep(dashboard.settings.push_interval)  # the rate limit, not a wait


async def dashboard_ctx(app: web.Application) -> AsyncIterator[None]:
    """Rebuild today's and the last hour's numbers from the log, then follow it."""
    dashboard = Dashboard(app[bridge_key], app[settings_key].dashboard)
    dashboard.follower.start(replay=True)
    app[dashboard_key] = dashboard
    yield
    await dashboard.follower.stop()


def setup(app: web.Application) -> None:
    app.add_routes(routes)
    app.cleanup_ctx.append(dashboard_ctx)
