from __future__ import annotations

from aiohttp.test_utils import TestClient

from .support import accept, agent_headers, bearer, bridge_of, call, hand_off, on_duty

ALICE = agent_headers("alice", ("Acme/GENERAL", "Acme/NETWORK"))
BOB = agent_headers("bob", ("Acme/GENERAL", "Acme/HARDWARE"))
ZED = agent_headers("zed", ("Globex/GENERAL",))
A = "/api/v1/agent"


async def test_me_signs_the_agent_in_from_the_token(client: TestClient):
    me = await call(client, "GET", f"{A}/me", headers=ALICE)
    assert me["agent_id"] == "alice"
    assert me["display_name"] == "Alice Tester"
    assert me["queues"] == ["Acme/GENERAL", "Acme/NETWORK"]
    assert me["available"] is True and me["auto_accept"] is False
    assert me["counts"] == {"queue": 0, "transferred": 0, "my_chats": 0}


async def test_availability_and_screen_name_change_what_the_agent_shows(client: TestClient):
    away = await call(
        client, "PUT", f"{A}/availability", headers=ALICE, json={"available": False, "capacity": 3}
    )
    assert (away["available"], away["capacity"]) == (False, 3)
    named = await call(
        client, "PUT", f"{A}/screen-name", headers=ALICE, json={"screen_name": "Ally"}
    )
    assert named["display_name"] == "Ally"
    again = await call(client, "GET", f"{A}/me", headers=ALICE)
    assert again["screen_name"] == "Ally", "a later request must not reset the screen name"
    cleared = await call(
        client, "PUT", f"{A}/screen-name", headers=ALICE, json={"screen_name": None}
    )
    assert cleared["display_name"] == "Alice Tester"


async def test_a_capacity_beyond_the_maximum_is_refused(client: TestClient):
    body = await call(
        client, "PUT", f"{A}/availability", 422, ALICE, {"available": True, "capacity": 11}
    )
    assert body["code"] == "invalid_command"


async def test_queue_lists_and_counts_follow_the_agents_queues(client: TestClient):
    general = await hand_off(client)
    network = await hand_off(client, queue="NETWORK")
    await hand_off(client, company="Globex")
    queue = await call(client, "GET", f"{A}/queue", headers=ALICE)
    assert [c["chat_id"] for c in queue["chats"]] == [general["chat_id"], network["chat_id"]]
    summary = queue["chats"][0]
    assert summary["customer"] == {"id": "cust-1", "name": "Ann Smith"}
    assert summary["question"] == "My VPN does not connect"
    assert summary["source"] == "virtual_agent" and summary["position"] == 1
    assert await call(client, "GET", f"{A}/counts", headers=BOB) == {
        "queue": 1,
        "transferred": 0,
        "my_chats": 0,
    }
    assert (await call(client, "GET", f"{A}/queue", headers=ZED))["chats"][0]["company"] == (
        "Globex"
    )


async def test_accept_shows_the_whole_history_and_tells_the_user(client: TestClient):
    chat = await hand_off(client)
    chat_id = chat["chat_id"]
    await call(
        client,
        "POST",
        f"/api/v1/chats/{chat_id}/messages",
        201,
        bearer(chat["user_token"]),
        {"text": "anyone?"},
    )
    accepted = await accept(client, chat_id, ALICE)
    assert accepted["chat"]["status"] == "assigned"
    kinds = [r["type"] for r in accepted["history"]]
    assert kinds[0] == "ChatOpened" and "MessagePosted" in kinds and "ChatAssigned" in kinds
    mine = await call(client, "GET", f"{A}/chats", headers=ALICE)
    assert [c["chat_id"] for c in mine["chats"]] == [chat_id]
    status = await call(
        client, "GET", f"/api/v1/chats/{chat_id}", headers=bearer(chat["user_token"])
    )
    assert status["agent"] == {"screen_name": "Alice Tester"}
    again = await call(client, "POST", f"{A}/chats/{chat_id}/accept", 409, BOB)
    assert again["code"] == "chat_not_queued"


async def test_an_agent_of_another_queue_sees_nothing_of_the_chat(client: TestClient):
    chat_id = (await hand_off(client))["chat_id"]
    for method, suffix, body in (
        ("GET", "", None),
        ("POST", "/accept", None),
        ("POST", "/messages", {"text": "x"}),
        ("POST", "/notes", {"text": "x"}),
        ("POST", "/transfer", {"to_queue": "GENERAL", "note": ""}),
        ("POST", "/end", None),
        ("POST", "/abandon", None),
    ):
        refused = await call(client, method, f"{A}/chats/{chat_id}{suffix}", 403, ZED, body)
        assert (refused["code"], refused["status"]) == ("forbidden", 403)
        assert "history" not in refused
    assert bridge_of(client).engine.chats[chat_id].state == "queued"


async def test_an_agent_without_the_chat_permission_is_not_permitted(client: TestClient):
    visitor = agent_headers("vic", permissions=())
    body = await call(client, "GET", f"{A}/queue", 403, visitor)
    assert body["code"] == "not_permitted"


async def test_a_wrong_or_missing_agent_token_is_401(client: TestClient):
    chat = await hand_off(client)
    assert (await call(client, "GET", f"{A}/me", 401))["code"] == "unauthorized"
    assert (await call(client, "GET", f"{A}/me", 401, {"Authorization": "Bearer nonsense"}))[
        "code"
    ] == "unauthorized"
    await call(client, "GET", f"{A}/me", 401, bearer(chat["user_token"]))


async def test_messages_and_notes_need_the_chat_to_be_mine(client: TestClient):
    chat_id = (await hand_off(client))["chat_id"]
    early = await call(client, "POST", f"{A}/chats/{chat_id}/messages", 409, ALICE, {"text": "hi"})
    assert early["code"] == "chat_not_active"
    await accept(client, chat_id, ALICE)
    posted = await call(
        client, "POST", f"{A}/chats/{chat_id}/messages", 201, ALICE, {"text": "hello"}
    )
    noted = await call(
        client, "POST", f"{A}/chats/{chat_id}/notes", 201, ALICE, {"text": "vpn issue"}
    )
    assert noted["seq"] > posted["seq"]
    detail = await call(client, "GET", f"{A}/chats/{chat_id}", headers=ALICE)
    assert any(r["type"] == "NoteAdded" for r in detail["history"])
    other = await call(
        client, "POST", f"{A}/chats/{chat_id}/messages", 409, BOB, {"text": "me too"}
    )
    assert other["code"] == "chat_not_active"


async def test_transfer_to_a_queue_shows_under_transferred_with_the_note(client: TestClient):
    chat_id = (await hand_off(client, queue="NETWORK"))["chat_id"]
    await accept(client, chat_id, ALICE)
    moved = await call(
        client,
        "POST",
        f"{A}/chats/{chat_id}/transfer",
        headers=ALICE,
        json={"to_queue": "HARDWARE", "note": "disk is dead"},
    )
    assert moved["status"] == "queued"
    assert (await call(client, "GET", f"{A}/counts", headers=BOB))["transferred"] == 1
    listed = await call(client, "GET", f"{A}/transferred", headers=BOB)
    assert [c["chat_id"] for c in listed["chats"]] == [chat_id]
    accepted = await accept(client, chat_id, BOB)
    notes = [r["payload"]["note"] for r in accepted["history"] if r["type"] == "ChatTransferred"]
    assert notes == ["disk is dead"]


async def test_transfer_to_an_agent_lands_in_their_transferred_list(client: TestClient):
    chat_id = (await hand_off(client))["chat_id"]
    await on_duty(client, BOB)  # a named target must be there
    await accept(client, chat_id, ALICE)
    await call(
        client,
        "POST",
        f"{A}/chats/{chat_id}/transfer",
        headers=ALICE,
        json={"to_agent": "bob", "note": "yours"},
    )
    listed = await call(client, "GET", f"{A}/transferred", headers=BOB)
    assert [c["chat_id"] for c in listed["chats"]] == [chat_id]
    assert (await call(client, "GET", f"{A}/transferred", headers=ALICE))["chats"] == []


async def test_transfer_needs_exactly_one_target(client: TestClient):
    chat_id = (await hand_off(client))["chat_id"]
    await accept(client, chat_id, ALICE)
    body = await call(
        client,
        "POST",
        f"{A}/chats/{chat_id}/transfer",
        422,
        ALICE,
        {"to_agent": "bob", "to_queue": "GENERAL"},
    )
    assert body["code"] == "invalid_body"
    unknown = await call(
        client, "POST", f"{A}/chats/{chat_id}/transfer", 404, ALICE, {"to_agent": "nobody"}
    )
    assert unknown["code"] == "unknown_agent"


async def test_end_closes_the_chat_and_frees_the_agent(client: TestClient):
    chat = await hand_off(client)
    chat_id = chat["chat_id"]
    await accept(client, chat_id, ALICE)
    ended = await call(client, "POST", f"{A}/chats/{chat_id}/end", headers=ALICE)
    assert ended["status"] == "closed"
    assert [r["type"] for r in ended["events"]][-1] == "ChatClosed"
    assert (await call(client, "GET", f"{A}/counts", headers=ALICE))["my_chats"] == 0
    status = await call(
        client, "GET", f"/api/v1/chats/{chat_id}", headers=bearer(chat["user_token"])
    )
    assert status["closed_reason"] == "ended"


async def test_abandon_without_a_ticket_needs_confirmation(client: TestClient):
    chat_id = (await hand_off(client))["chat_id"]
    await accept(client, chat_id, ALICE)
    body = await call(client, "POST", f"{A}/chats/{chat_id}/abandon", 409, ALICE, {})
    assert body["code"] == "confirmation_required"
    done = await call(
        client, "POST", f"{A}/chats/{chat_id}/abandon", headers=ALICE, json={"confirm": True}
    )
    assert done["status"] == "closed"


async def test_an_unknown_chat_is_404(client: TestClient):
    body = await call(client, "GET", f"{A}/chats/nope", 404, ALICE)
    assert body["code"] == "unknown_chat"
    await call(client, "POST", f"{A}/chats/nope/accept", 404, ALICE)


async def test_actions_without_a_body_refuse_unexpected_fields(client: TestClient):
    chat_id = (await hand_off(client))["chat_id"]
    body = await call(client, "POST", f"{A}/chats/{chat_id}/accept", 422, ALICE, {"x": 1})
    assert body["errors"][0]["loc"] == ["x"]


async def test_the_directory_lists_agents_and_queues(client: TestClient):
    await call(client, "GET", f"{A}/me", headers=BOB)
    directory = await call(client, "GET", f"{A}/directory", headers=ALICE)
    assert [a["agent_id"] for a in directory["agents"]] == ["alice", "bob"]
    assert "Acme/HARDWARE" in directory["queues"]


async def test_the_demo_login_issues_a_working_agent_token(client: TestClient):
    token = await call(
        client, "POST", "/api/v1/login", json={"username": "alice", "password": "pw"}
    )
    me = await call(client, "GET", f"{A}/me", headers=bearer(token["token"]))
    assert me["display_name"] == "Alice Adams"
    wrong = await call(
        client, "POST", "/api/v1/login", 401, json={"username": "alice", "password": "nope"}
    )
    assert wrong["code"] == "unauthorized"
