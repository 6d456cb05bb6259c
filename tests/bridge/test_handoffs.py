from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient

from .support import (
    OTHER_KEY,
    SOURCE_KEY,
    WEB_KEY,
    agent_headers,
    attachment,
    bridge_of,
    call,
    hand_off,
    handoff_body,
    on_duty,
)


async def test_a_handoff_answers_with_chat_position_and_a_user_token(client: TestClient):
    answer = await hand_off(client, queue="NETWORK")
    assert answer["status"] == "queued"
    assert answer["queue"] == "Acme/NETWORK"
    assert answer["position"] == 1
    assert answer["user_token"]
    second = await hand_off(client, queue="NETWORK")
    assert second["position"] == 2
    assert second["chat_id"] != answer["chat_id"]


async def test_a_handoff_without_a_queue_goes_to_general(client: TestClient):
    answer = await hand_off(client)
    assert answer["queue"] == "Acme/GENERAL"


async def test_a_handoff_with_auto_accept_answers_with_the_agent(aiohttp_client, tmp_path):
    from bridge.app import make_app

    from .support import make_settings

    client = await aiohttp_client(
        make_app(make_settings(tmp_path / "e.db", engine={"auto_accept": True}))
    )
    await on_duty(client, agent_headers())
    answer = await hand_off(client)
    assert answer["status"] == "assigned"
    assert answer["agent"] == {"screen_name": "Alice Tester"}
    assert answer["position"] is None


async def test_a_retried_idempotency_key_returns_the_same_chat_and_answer(client: TestClient):
    first = await hand_off(client, headers={"Idempotency-Key": "abc"})
    again = await hand_off(client, status=200, headers={"Idempotency-Key": "abc"})
    assert again == first
    assert len(bridge_of(client).engine.chats) == 1


async def test_concurrent_retries_of_one_key_create_one_chat(client: TestClient):
    answers = await asyncio.gather(
        *(
            client.post(
                "/api/v1/handoffs",
                json=handoff_body(),
                headers={"X-API-Key": SOURCE_KEY, "Idempotency-Key": "same"},
            )
            for _ in range(8)
        )
    )
    bodies = [await r.json() for r in answers]
    assert sorted(r.status for r in answers) == [200] * 7 + [201]
    assert len({b["chat_id"] for b in bodies}) == 1
    assert len(bridge_of(client).engine.chats) == 1


async def test_the_same_key_from_another_source_is_another_chat(client: TestClient):
    first = await hand_off(client, headers={"Idempotency-Key": "k"})
    other = await hand_off(client, key=OTHER_KEY, headers={"Idempotency-Key": "k"})
    assert other["chat_id"] != first["chat_id"]


async def test_a_failed_handoff_does_not_burn_its_idempotency_key(client: TestClient):
    await hand_off(client, status=404, queue="NOPE", headers={"Idempotency-Key": "k2"})
    answer = await hand_off(client, headers={"Idempotency-Key": "k2"})
    assert answer["status"] == "queued"


async def test_a_missing_or_wrong_api_key_is_refused_and_creates_nothing(client: TestClient):
    for headers in ({}, {"X-API-Key": "nope"}, {"X-API-Key": ""}):
        response = await client.post("/api/v1/handoffs", json=handoff_body(), headers=headers)
        assert response.status == 401
        assert (await response.json())["code"] == "unauthorized"
    assert bridge_of(client).engine.chats == {}


async def test_a_source_may_only_create_the_kinds_it_is_allowed(client: TestClient):
    body = await hand_off(client, key=OTHER_KEY, status=403, source="self_service")
    assert body["code"] == "forbidden"
    body = await hand_off(client, key=WEB_KEY, status=403)
    assert body["code"] == "forbidden"
    await hand_off(client, key=WEB_KEY, source="self_service")


async def test_a_publishable_key_cannot_ask_for_callbacks(client: TestClient):
    body = await hand_off(
        client, key=WEB_KEY, status=422, source="self_service", callback_url="http://127.0.0.1:9/x"
    )
    assert body["code"] == "callback_not_allowed"


async def test_a_virtual_agent_handoff_with_an_attachment_is_refused_and_stores_nothing(
    client: TestClient,
):
    body = await hand_off(
        client, status=422, attachments=[attachment()], headers={"Idempotency-Key": "va"}
    )
    assert body["code"] == "attachments_not_allowed"
    assert "attachment" in body["detail"]
    bridge = bridge_of(client)
    assert bridge.store.counts() == {
        "events": 0,
        "idempotency": 0,
        "chat_origins": 0,
        "attachments": 0,
    }
    assert bridge.engine.chats == {}


async def test_self_service_attachments_are_kept_and_listed_on_the_chat(client: TestClient):
    answer = await hand_off(client, source="self_service", attachments=[attachment(b"abc")])
    bridge = bridge_of(client)
    assert bridge.store.counts()["attachments"] == 1
    listed = bridge.projection.get(answer["chat_id"]).detail["attachments"]
    assert listed[0]["size"] == 3 and listed[0]["name"] == "note.txt"


async def test_oversized_or_wrongly_typed_attachments_are_refused(client: TestClient):
    big = await hand_off(
        client, status=413, source="self_service", attachments=[attachment(b"x" * 1001)]
    )
    assert big["code"] == "attachment_too_large"
    typed = await hand_off(
        client,
        status=415,
        source="self_service",
        attachments=[attachment(content_type="application/x-sh")],
    )
    assert typed["code"] == "attachment_type_not_allowed"
    broken = await hand_off(
        client,
        status=422,
        source="self_service",
        attachments=[{"name": "a", "content_type": "text/plain", "data": "%%%"}],
    )
    assert broken["code"] == "invalid_attachment"
    assert bridge_of(client).store.counts()["events"] == 0


async def test_an_invalid_body_names_the_field_and_the_reason(client: TestClient):
    body = await hand_off(client, status=422, customer={"name": "no id"})
    assert body["code"] == "invalid_body"
    assert body["errors"][0]["loc"] == ["customer", "id"]
    assert body["errors"][0]["type"] == "missing"
    assert body["detail"] == "customer.id: Field required"
    extra = await hand_off(client, status=422, surprise=1)
    assert extra["errors"][0]["loc"] == ["surprise"]
    assert extra["errors"][0]["type"] == "extra_forbidden"


async def test_bad_json_gets_400(client: TestClient):
    response = await client.post(
        "/api/v1/handoffs", data=b"{not json", headers={"X-API-Key": SOURCE_KEY}
    )
    assert response.status == 400
    assert (await response.json())["code"] == "invalid_json"


async def test_an_unknown_queue_is_404_when_queues_are_strict(client: TestClient):
    body = await hand_off(client, status=404, queue="NOWHERE")
    assert body["code"] == "unknown_queue"


async def test_an_overlong_idempotency_key_is_refused(client: TestClient):
    body = await hand_off(client, status=422, headers={"Idempotency-Key": "k" * 201})
    assert body["code"] == "invalid_idempotency_key"


async def test_availability_tells_open_agents_and_queue_length(client: TestClient):
    await hand_off(client)
    await on_duty(client, agent_headers())
    answer = await call(
        client, "GET", "/api/v1/availability?company=Acme", headers={"X-API-Key": SOURCE_KEY}
    )
    assert answer["queue"] == "Acme/GENERAL"
    assert answer["open"] is True
    assert answer["queue_length"] == 1
    assert answer["agents_available"] == 1


async def test_availability_needs_a_key_and_a_valid_query(client: TestClient):
    await call(client, "GET", "/api/v1/availability?company=Acme", status=401)
    body = await call(
        client, "GET", "/api/v1/availability", status=422, headers={"X-API-Key": SOURCE_KEY}
    )
    assert body["code"] == "invalid_query"
    assert body["errors"][0]["loc"] == ["company"]
