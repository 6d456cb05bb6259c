from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient

from bridge.app import make_app
from bridge.http.apidoc import doc, route_path

from .support import agent_headers, call, hand_off, make_settings, on_duty


async def test_healthz_reports_ok_and_the_last_seq(client: TestClient):
    before = await call(client, "GET", "/healthz")
    await hand_off(client)
    after = await call(client, "GET", "/healthz")
    assert before["status"] == after["status"] == "ok"
    assert after["seq"] > before["seq"]
    assert after["chats"] == 1


async def test_metrics_show_queue_depth_agents_requests_and_commits(client: TestClient):
    await hand_off(client)
    await hand_off(client, queue="NETWORK")
    await on_duty(client, agent_headers())
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = await response.text()
    assert 'livechat_queue_depth{queue="Acme/GENERAL"} 1.0' in text
    assert 'livechat_queue_depth{queue="Acme/NETWORK"} 1.0' in text
    assert 'livechat_queue_oldest_wait_seconds{queue="Acme/GENERAL"}' in text
    assert "livechat_agents_available 1.0" in text
    assert "livechat_active_chats 0.0" in text
    assert (
        'livechat_http_request_duration_seconds_count{method="POST",route="/api/v1/handoffs",'
        'status="2xx"} 2.0'
    ) in text
    assert "livechat_commit_batch_rows_count" in text
    assert "livechat_commit_seconds_bucket" in text


def _routes(app: web.Application) -> set[tuple[str, str]]:
    return {(route.method.lower(), route_path(route)) for route in app.router.routes()}


def _documented(document: dict) -> set[tuple[str, str]]:
    return {(method, path) for path, ops in document["paths"].items() for method in ops}


async def test_openapi_lists_exactly_the_registered_routes(client: TestClient):
    document = await call(client, "GET", "/openapi.json")
    assert _documented(document) == _routes(client.server.app)
    handoff = document["paths"]["/api/v1/handoffs"]["post"]
    assert handoff["requestBody"]["content"]["application/json"]["schema"]["$ref"] == (
        "#/components/schemas/HandoffIn"
    )
    assert "HandoffIn" in document["components"]["schemas"]
    assert handoff["security"] == [{"source": []}]
    stream = document["paths"]["/api/v1/chats/{chat_id}/stream"]["get"]
    assert "101" in stream["responses"]
    names = [p["name"] for p in stream["parameters"]]
    assert names == ["chat_id", "token", "since"]


async def test_routes_added_by_a_plugin_appear_in_the_openapi_document(aiohttp_client, tmp_path):
    extra = web.RouteTableDef()

    @extra.get("/api/v1/extra/{thing}")
    @doc("A plugged-in route")
    async def thing(request: web.Request) -> web.Response:
        return web.json_response({})

    @extra.post("/api/v1/plain")
    async def plain(request: web.Request) -> web.Response:
        """Undocumented, yet listed."""
        return web.json_response({})

    app = make_app(make_settings(tmp_path / "e.db"), plugins=[lambda a: a.add_routes(extra)])
    client = await aiohttp_client(app)
    document = await call(client, "GET", "/openapi.json")
    assert _documented(document) == _routes(app)
    assert document["paths"]["/api/v1/plain"]["post"]["summary"] == "Undocumented, yet listed."


async def test_unknown_routes_and_methods_get_problem_answers(client: TestClient):
    missing = await call(client, "GET", "/api/v1/nothing", 404)
    assert missing["code"] == "not_found"
    wrong = await call(client, "DELETE", "/api/v1/handoffs", 405)
    assert wrong["code"] == "method_not_allowed"


async def test_a_body_over_the_size_limit_is_413(aiohttp_client, tmp_path):
    settings = make_settings(tmp_path / "e.db", attachments={"max_bytes": 10, "max_count": 1})
    client = await aiohttp_client(make_app(settings))
    response = await client.post(
        "/api/v1/handoffs", data=b"x" * 400_000, headers={"X-API-Key": "source-key"}
    )
    assert response.status == 413
    assert (await response.json())["code"] == "body_too_large"
