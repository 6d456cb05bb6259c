"""Operations: health, Prometheus metrics, the OpenAPI document, and the demo login."""

from __future__ import annotations

import hmac
from importlib.metadata import PackageNotFoundError, version

from aiohttp import web

from bridge.runtime import Unauthorized
from bridge.runtime.metrics import CONTENT_TYPE

from .apidoc import build_openapi, doc
from .keys import bridge_key, settings_key
from .limits import rate_limits_key
from .schemas import HealthOut, LoginIn, TokenOut, parse_body

routes = web.RouteTableDef()


@routes.get("/healthz")
@doc(
    "Liveness and readiness: 200 while the store takes commits, else 503",
    response=HealthOut,
    errors=(503,),
)
async def healthz(request: web.Request) -> web.Response:
    bridge = request.app[bridge_key]
    body = {
        "status": "ok" if bridge.healthy else "failing",
        "seq": bridge.committed_seq,
        **bridge.engine.sizes(),
        "store": bridge.store_state,
        "role": bridge.role,  # a standby answers from bridge/http/standby.py: "standby"
    }
    return web.json_response(body, status=200 if bridge.healthy else 503)


@routes.get("/metrics")
@doc(
    "Prometheus metrics: queue depth and oldest wait, active chats, agents, request durations"
    " per route, commit latency and batch size, callbacks, leader/standby, process",
    content_type=CONTENT_TYPE.split(";")[0],
)
async def metrics(request: web.Request) -> web.Response:
    body = request.app[bridge_key].metrics.render()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


@routes.get("/openapi.json")
@doc("This API's OpenAPI 3.1 document, built from the registered routes")
async def openapi(request: web.Request) -> web.Response:
    return web.json_response(build_openapi(request.app, "livechat bridge", _version()))


@routes.post("/api/v1/login")
@doc(
    "Demo login: an agent token for a user listed in the config's demo_users",
    body=LoginIn,
    response=TokenOut,
    errors=(401, 429),
)
async def login(request: web.Request) -> web.Response:
    request.app[rate_limits_key].check_login(request)
    body = await parse_body(request, LoginIn)
    settings = request.app[settings_key]
    for user in settings.demo_users:
        same_name = hmac.compare_digest(user.username.encode(), body.username.encode())
        same_password = hmac.compare_digest(
            user.password.get_secret_value().encode(), body.password.encode()
        )
        if same_name and same_password:
            p = user.profile
            token = request.app[bridge_key].signer.agent_token(
                p.agent_id,
                p.first_name,
                p.last_name,
                p.queues,
                p.roles,
                p.permissions,
                skills=p.skills,
            )
            return web.json_response({"token": token})
    raise Unauthorized("unknown user name or wrong password")


def _version() -> str:
    try:
        return version("livechat")
    except PackageNotFoundError:
        return "0"
