"""HTTP conventions: problem details for every error, 405 with Allow, and a document that
declares links, tags, operation ids and an example per body."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from bridge.http.apidoc import operation_id
from bridge.http.errors import PROBLEM_TYPE
from bridge.http.examples import EXAMPLES

from .support import SOURCE_KEY, agent_headers, bridge_of

PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


async def problem_of(response) -> dict:
    assert response.headers["Content-Type"].startswith(PROBLEM_TYPE)
    body = await response.json()
    assert set(body) >= PROBLEM_KEYS, body
    assert body["status"] == response.status
    assert body["type"].endswith("/" + body["code"])
    assert isinstance(body["detail"], str) and body["detail"]
    return body


async def test_a_wrong_method_gets_405_with_the_allowed_methods(client: TestClient):
    response = await client.delete("/api/v1/handoffs", headers={"X-API-Key": SOURCE_KEY})
    assert response.status == 405
    assert set(response.headers["Allow"].split(",")) == {"POST"}
    assert (await problem_of(response))["code"] == "method_not_allowed"


async def test_errors_are_problem_details_with_our_stable_code(client: TestClient):
    missing = await problem_of(await client.get("/api/v1/nothing"))
    assert (missing["code"], missing["title"]) == ("not_found", "Not Found")
    unauthorized = await problem_of(await client.get("/api/v1/agent/me"))
    assert unauthorized["code"] == "unauthorized"
    bad_json = await problem_of(
        await client.post("/api/v1/handoffs", data=b"{", headers={"X-API-Key": SOURCE_KEY})
    )
    assert bad_json["code"] == "invalid_json" and bad_json["errors"][0]["type"] == "json_invalid"


async def test_a_validation_problem_lists_each_field_and_stores_nothing(client: TestClient):
    response = await client.post(
        "/api/v1/handoffs",
        json={"source": "virtual_agent", "company": "Acme", "question": "", "customer": {}},
        headers={"X-API-Key": SOURCE_KEY},
    )
    body = await problem_of(response)
    assert (response.status, body["code"]) == (422, "invalid_body")
    where = {tuple(e["loc"]) for e in body["errors"]}
    assert {("question",), ("customer", "id"), ("customer", "name")} <= where
    assert "customer.id: Field required" in body["detail"]
    assert bridge_of(client).store.counts()["events"] == 0


async def test_a_plain_request_to_a_stream_gets_426_and_changes_nothing(client: TestClient):
    before = bridge_of(client).store.max_seq()
    response = await client.get("/api/v1/agent/stream", headers=agent_headers())
    assert response.status == 426 and response.headers["Upgrade"] == "websocket"
    assert (await problem_of(response))["code"] == "websocket_upgrade_required"
    assert bridge_of(client).store.max_seq() == before


async def document(client: TestClient) -> dict:
    response = await client.get("/openapi.json")
    assert response.status == 200
    return await response.json()


async def test_every_error_response_is_documented_with_the_one_problem_schema(client):
    spec = await document(client)
    errors = [
        (path, method, status, answer)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        for status, answer in op["responses"].items()
        if status[0] in "45"
    ]
    assert len(errors) > 100
    for path, method, status, answer in errors:
        assert answer["content"] == {
            PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}
        }, (path, method, status)
    problem = spec["components"]["schemas"]["Problem"]
    assert set(problem["required"]) >= PROBLEM_KEYS
    handoff = spec["paths"]["/api/v1/handoffs"]["post"]["responses"]
    assert {"200", "201", "400", "401", "403", "413", "415", "422", "429", "503"} <= set(handoff)


async def test_the_handoff_answer_links_to_the_chats_user_and_agent_routes(client: TestClient):
    spec = await document(client)
    ids = {op["operationId"] for ops in spec["paths"].values() for op in ops.values()}
    links = spec["paths"]["/api/v1/handoffs"]["post"]["responses"]["201"]["links"]
    assert links["chat_status"] == {
        "operationId": operation_id("get", "/api/v1/chats/{chat_id}"),
        "parameters": {"chat_id": "$response.body#/chat_id"},
    }
    assert links["accept"]["operationId"] == operation_id(
        "post", "/api/v1/agent/chats/{chat_id}/accept"
    )
    assert {link["operationId"] for link in links.values()} <= ids
    assert "chat_id" in spec["components"]["schemas"]["HandoffOut"]["required"]
    ticket = spec["paths"]["/api/v1/agent/chats/{chat_id}/tickets"]["post"]["responses"]["201"]
    assert ticket["links"]["ticket"]["parameters"] == {"ticket_id": "$response.body#/id"}


async def test_operations_have_unique_ids_and_a_tag(client: TestClient):
    spec = await document(client)
    ops = [op for ops in spec["paths"].values() for op in ops.values()]
    assert len({op["operationId"] for op in ops}) == len(ops)
    tags = {op["tags"][0] for op in ops}
    assert {"handoffs", "users", "agents", "streams", "ops", "workspace", "pages"} <= tags


async def test_every_request_body_has_an_example_its_model_accepts(client: TestClient):
    spec = await document(client)
    bodies = 0
    for route in client.server.app.router.routes():
        record = getattr(route.handler, "__apidoc__", None)
        if record is None or record.body is None:
            continue
        bodies += 1
        record.body.model_validate(EXAMPLES[record.body.__name__])  # a real, valid request
    assert bodies > 15
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if "requestBody" in op:
                media = op["requestBody"]["content"]["application/json"]
                assert "example" in media, (method, path)


async def test_the_routes_that_take_an_idempotency_key_declare_it(client: TestClient):
    paths = (await (await client.get("/openapi.json")).json())["paths"]
    declared = {
        (method.upper(), path)
        for path, item in paths.items()
        for method, operation in item.items()
        if isinstance(operation, dict)
        for param in operation.get("parameters", [])
        if param["in"] == "header" and param["name"] == "Idempotency-Key"
    }
    assert declared == {
        ("POST", "/api/v1/handoffs"),
        ("POST", "/api/v1/chats/{chat_id}/messages"),
        ("POST", "/api/v1/agent/chats/{chat_id}/messages"),
    }
