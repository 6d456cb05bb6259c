from __future__ import annotations

from aiohttp.test_utils import TestClient

from .support import PNG, accept, agent_headers, attachment, bearer, bridge_of, call, hand_off


async def test_the_user_sees_the_chat_waiting_with_its_position(client: TestClient):
    chat = await hand_off(client)
    status = await call(
        client, "GET", f"/api/v1/chats/{chat['chat_id']}", headers=bearer(chat["user_token"])
    )
    assert status["status"] == "queued"
    assert status["position"] == 1
    assert status["agent"] is None
    assert status["user_cancelled"] is False


async def test_user_messages_get_a_seq_and_show_in_the_history(client: TestClient):
    chat = await hand_off(client)
    path, headers = f"/api/v1/chats/{chat['chat_id']}", bearer(chat["user_token"])
    first = await call(client, "POST", f"{path}/messages", 201, headers, {"text": "one"})
    second = await call(client, "POST", f"{path}/messages", 201, headers, {"text": "two"})
    assert second["seq"] > first["seq"] and second["n"] == first["n"] + 1
    history = await call(client, "GET", f"{path}/events?since=0", headers=headers)
    texts = [r["payload"]["text"] for r in history["events"] if r["type"] == "MessagePosted"]
    assert texts == ["one", "two"]
    later = await call(client, "GET", f"{path}/events?since={first['seq']}", headers=headers)
    assert [r["seq"] for r in later["events"]] == [second["seq"]]


async def test_the_user_never_sees_notes_or_agents_only_messages(client: TestClient):
    chat = await hand_off(client)
    chat_id, agent = chat["chat_id"], agent_headers()
    await accept(client, chat_id, agent)
    await call(
        client, "POST", f"/api/v1/agent/chats/{chat_id}/notes", 201, agent, {"text": "secret note"}
    )
    await call(
        client, "POST", f"/api/v1/chats/{chat_id}/cancel", headers=bearer(chat["user_token"])
    )
    history = await call(
        client, "GET", f"/api/v1/chats/{chat_id}/events", headers=bearer(chat["user_token"])
    )
    kinds = [r["type"] for r in history["events"]]
    assert "NoteAdded" not in kinds
    assert all(r["payload"].get("audience", "all") == "all" for r in history["events"])
    assigned = next(r for r in history["events"] if r["type"] == "ChatAssigned")
    assert assigned["payload"]["agent_name"] == "Alice Tester"


async def test_another_chats_token_or_no_token_sees_nothing(client: TestClient):
    mine, theirs = await hand_off(client), await hand_off(client)
    path = f"/api/v1/chats/{theirs['chat_id']}"
    wrong = bearer(mine["user_token"])
    for method, suffix, body in (
        ("GET", "", None),
        ("GET", "/events", None),
        ("POST", "/messages", {"text": "hi"}),
        ("POST", "/cancel", None),
    ):
        refused = await call(client, method, path + suffix, 403, wrong, body)
        assert refused["code"] == "forbidden"
        missing = await call(client, method, path + suffix, 401, None, body)
        assert missing["code"] == "unauthorized"
    agent_token = agent_headers()
    assert (await call(client, "GET", path, 401, agent_token))["code"] == "unauthorized"
    assert bridge_of(client).engine.chats[theirs["chat_id"]].state == "queued"


async def test_a_forged_user_token_is_refused(client: TestClient):
    chat = await hand_off(client)
    forged = chat["user_token"][:-3] + "abc"
    await call(client, "GET", f"/api/v1/chats/{chat['chat_id']}", 401, bearer(forged))


async def test_cancelling_a_waiting_chat_closes_it(client: TestClient):
    chat = await hand_off(client)
    path, headers = f"/api/v1/chats/{chat['chat_id']}", bearer(chat["user_token"])
    assert (await call(client, "POST", f"{path}/cancel", headers=headers)) == {"status": "closed"}
    again = await call(client, "POST", f"{path}/cancel", 409, headers)
    assert again["code"] == "chat_closed"
    late = await call(client, "POST", f"{path}/messages", 409, headers, {"text": "x"})
    assert late["code"] == "chat_closed"


async def test_cancelling_an_assigned_chat_leaves_it_with_the_agent(client: TestClient):
    chat = await hand_off(client)
    chat_id = chat["chat_id"]
    await accept(client, chat_id, agent_headers())
    answer = await call(
        client, "POST", f"/api/v1/chats/{chat_id}/cancel", headers=bearer(chat["user_token"])
    )
    assert answer == {"status": "assigned"}
    status = await call(
        client, "GET", f"/api/v1/chats/{chat_id}", headers=bearer(chat["user_token"])
    )
    assert status["user_cancelled"] is True


async def test_a_virtual_agent_message_with_an_attachment_is_refused(client: TestClient):
    chat = await hand_off(client)
    path, headers = f"/api/v1/chats/{chat['chat_id']}", bearer(chat["user_token"])
    body = await call(
        client,
        "POST",
        f"{path}/messages",
        422,
        headers,
        {"text": "see file", "attachments": [attachment()]},
    )
    assert body["code"] == "attachments_not_allowed"
    history = await call(client, "GET", f"{path}/events", headers=headers)
    assert [r for r in history["events"] if r["type"] == "MessagePosted"] == []
    assert bridge_of(client).store.counts()["attachments"] == 0


async def test_self_service_attachments_download_for_the_user_and_agents(client: TestClient):
    chat = await hand_off(client, source="self_service")
    path, headers = f"/api/v1/chats/{chat['chat_id']}", bearer(chat["user_token"])
    posted = await call(
        client,
        "POST",
        f"{path}/messages",
        201,
        headers,
        {"text": "", "attachments": [attachment(PNG, "image/png", "shot.png")]},
    )
    history = await call(client, "GET", f"{path}/events?since={posted['seq'] - 1}", headers=headers)
    item = history["events"][0]["payload"]["attachments"][0]
    assert (item["name"], item["size"]) == ("shot.png", len(PNG))
    url = f"{path}/attachments/{item['id']}"
    for who in (headers, agent_headers()):
        response = await client.get(url, headers=who)
        assert response.status == 200
        assert await response.read() == PNG
        assert response.headers["Content-Type"] == "image/png"
    stranger = agent_headers("zed", queues=("Globex/GENERAL",))
    assert (await client.get(url, headers=stranger)).status == 403
    other = await hand_off(client, source="self_service")
    assert (await client.get(url, headers=bearer(other["user_token"]))).status == 403
    missing = await client.get(f"{path}/attachments/att_nope", headers=headers)
    assert missing.status == 404


async def test_an_empty_message_is_an_invalid_body(client: TestClient):
    chat = await hand_off(client)
    body = await call(
        client,
        "POST",
        f"/api/v1/chats/{chat['chat_id']}/messages",
        422,
        bearer(chat["user_token"]),
        {"text": "   "},
    )
    assert body["code"] == "invalid_body"


async def test_a_negative_since_is_an_invalid_query(client: TestClient):
    chat = await hand_off(client)
    body = await call(
        client,
        "GET",
        f"/api/v1/chats/{chat['chat_id']}/events?since=-1",
        422,
        bearer(chat["user_token"]),
    )
    assert body["code"] == "invalid_query"
