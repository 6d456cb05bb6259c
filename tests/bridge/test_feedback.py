"""Typing, read receipts and the post-chat survey through a running bridge (issue 16 items 2, 5).

Each refusal is checked both ways: the status, code and sentence, and that the log is as before.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp.test_utils import TestClient
from standardwebhooks import Webhook

from bridge.app import make_app

from .support import (
    CALLBACK_SECRET,
    accept,
    agent_headers,
    bearer,
    bridge_of,
    call,
    hand_off,
    make_settings,
    on_duty,
)
from .test_callbacks import Receiver, start
from .test_streams import agent_stream, receive_until, user_stream

ALICE = agent_headers("alice", ("Acme/GENERAL",))
BOB = agent_headers("bob", ("Acme/GENERAL",))
A = "/api/v1/agent"
Msg = dict[str, Any]


async def talking(client: TestClient, source: str = "self_service") -> Msg:
    """A chat Alice accepted, with one message each way."""
    chat = await hand_off(client, source=source, transcript=[], context=None)
    await accept(client, chat["chat_id"], ALICE)
    user = bearer(chat["user_token"])
    await call(
        client, "POST", f"/api/v1/chats/{chat['chat_id']}/messages", 201, user, {"text": "hi"}
    )
    body = {"text": "hello"}
    await call(client, "POST", f"{A}/chats/{chat['chat_id']}/messages", 201, ALICE, body)
    return chat


def log_size(client: TestClient) -> int:
    return bridge_of(client).store.max_seq()


def typing_of(messages: list[Msg]) -> list[tuple[str, bool]]:
    return [
        (m["payload"]["sender"], m["payload"]["typing"])
        for m in messages
        if m.get("type") == "Typing"
    ]


# --- typing ----------------------------------------------------------------------------------


async def test_the_user_sees_the_agent_typing_and_stopping_and_nothing_is_stored(client):
    chat = await talking(client)
    before = log_size(client)
    ws = await user_stream(client, chat)
    await receive_until(ws, lambda got: any(m.get("type") == "MessagePosted" for m in got[-1:]))
    path = f"{A}/chats/{chat['chat_id']}/typing"
    assert await call(client, "POST", path, 202, ALICE, {"typing": True}) == {"typing": True}
    got = await receive_until(ws, lambda got: typing_of(got) == [("agent", True)])
    assert got[-1]["payload"]["name"] == "Alice Tester" and got[-1]["seq"] is None
    await call(client, "POST", path, 202, ALICE, {"typing": False})
    await receive_until(ws, lambda got: typing_of(got) == [("agent", False)])
    await ws.close()
    assert log_size(client) == before


async def test_the_agent_sees_the_user_typing_in_a_chat_it_holds(client):
    chat = await talking(client)
    ws = await agent_stream(client, ALICE)
    await receive_until(ws, lambda got: any(m.get("type") == "Counts" for m in got))
    path = f"/api/v1/chats/{chat['chat_id']}/typing"
    await call(client, "POST", path, 202, bearer(chat["user_token"]), {})
    got = await receive_until(ws, lambda got: typing_of(got) == [("user", True)])
    assert got[-1]["chat_id"] == chat["chat_id"]
    await ws.close()


async def test_a_typing_flood_is_rate_limited_and_told_when_to_retry(aiohttp_client, tmp_path):
    settings = make_settings(tmp_path / "events.db", typing={"rate": 0.01, "burst": 3})
    client = await aiohttp_client(make_app(settings))
    chat = await talking(client)
    path = f"/api/v1/chats/{chat['chat_id']}/typing"
    user = bearer(chat["user_token"])
    for _ in range(3):
        await call(client, "POST", path, 202, user, {"typing": True})
    response = await client.post(path, headers=user, json={"typing": True})
    body = await response.json()
    assert response.status == 429 and body["code"] == "rate_limited"
    assert "typing notices" in body["detail"] and int(response.headers["Retry-After"]) >= 1
    # Stopping always passes (it only clears an indicator), and the agent side has its own bucket.
    await call(client, "POST", path, 202, user, {"typing": False})
    await call(client, "POST", f"{A}/chats/{chat['chat_id']}/typing", 202, ALICE, {})


async def test_typing_is_refused_in_an_ended_chat_and_by_an_agent_who_does_not_hold_it(client):
    chat = await talking(client)
    chat_id = chat["chat_id"]
    refused = await call(client, "POST", f"{A}/chats/{chat_id}/typing", 409, BOB, {})
    assert refused["code"] == "chat_not_active"
    await call(client, "POST", f"{A}/chats/{chat_id}/end", headers=ALICE)
    user = bearer(chat["user_token"])
    refused = await call(client, "POST", f"/api/v1/chats/{chat_id}/typing", 409, user, {})
    assert refused["code"] == "chat_closed" and "ended" in refused["detail"]
    bad = await call(client, "POST", f"/api/v1/chats/{chat_id}/typing", 422, user, {"typing": 3})
    assert bad["code"] == "invalid_body"


# --- read receipts ---------------------------------------------------------------------------


async def test_each_side_sees_how_far_the_other_read(client):
    chat = await talking(client)
    chat_id, user = chat["chat_id"], bearer(chat["user_token"])
    n = bridge_of(client).store.chat_rows(chat_id)[-1]["payload"]["n"]
    answer = await call(client, "POST", f"{A}/chats/{chat_id}/read", 200, ALICE, {"up_to": n})
    assert answer == {"up_to": n, "recorded": True}
    seen = await call(client, "GET", f"/api/v1/chats/{chat_id}/events", headers=user)
    read = [e for e in seen["events"] if e["type"] == "MessagesRead"]
    assert [(e["payload"]["reader"], e["payload"]["up_to"]) for e in read] == [("agent", n)]
    again = await call(client, "POST", f"/api/v1/chats/{chat_id}/read", 200, user, {"up_to": n})
    assert again["recorded"] is True
    stale = await call(client, "POST", f"/api/v1/chats/{chat_id}/read", 200, user, {"up_to": 1})
    assert stale == {"up_to": 1, "recorded": False}


async def test_a_receipt_past_the_last_message_is_refused_and_stores_nothing(client):
    chat = await talking(client)
    chat_id, user = chat["chat_id"], bearer(chat["user_token"])
    await on_duty(client, BOB)  # signed in: the refusal below is all the request does
    before = log_size(client)
    body = {"up_to": 999}
    refused = await call(client, "POST", f"/api/v1/chats/{chat_id}/read", 422, user, body)
    assert refused["code"] == "invalid_command" and "not 999" in refused["detail"]
    refused = await call(client, "POST", f"{A}/chats/{chat_id}/read", 409, BOB, {"up_to": 1})
    assert refused["code"] == "chat_not_active"
    assert log_size(client) == before


# --- the post-chat survey --------------------------------------------------------------------


async def ended(client: TestClient, source: str = "self_service") -> Msg:
    chat = await talking(client, source)
    await call(client, "POST", f"{A}/chats/{chat['chat_id']}/end", headers=ALICE)
    return chat


async def test_the_user_rates_an_ended_chat_once(client):
    chat = await ended(client)
    chat_id, user = chat["chat_id"], bearer(chat["user_token"])
    state = await call(client, "GET", f"/api/v1/chats/{chat_id}/survey", headers=user)
    assert state["state"] == "open" and state["until"] > bridge_of(client).clock()
    body = {"rating": 4, "comment": " Quick and kind "}
    answer = await call(client, "POST", f"/api/v1/chats/{chat_id}/survey", 201, user, body)
    row = bridge_of(client).store.chat_rows(chat_id)[-1]
    assert answer == {"seq": row["seq"], "rating": 4}
    assert (row["type"], row["agent_id"]) == ("SurveyAnswered", "alice")
    assert row["payload"] == {
        "queue": "Acme/GENERAL",
        "rating": 4,
        "comment": "Quick and kind",
        "by": "user",
    }
    again = await call(client, "POST", f"/api/v1/chats/{chat_id}/survey", 409, user, {"rating": 5})
    assert again["code"] == "survey_already_answered"
    state = await call(client, "GET", f"/api/v1/chats/{chat_id}/survey", headers=user)
    assert state == {"state": "answered", "until": None}
    assert bridge_of(client).store.chat_rows(chat_id)[-1]["seq"] == row["seq"]


async def test_bad_or_early_ratings_are_refused_and_store_nothing(client):
    chat = await talking(client)
    chat_id, user = chat["chat_id"], bearer(chat["user_token"])
    path = f"/api/v1/chats/{chat_id}/survey"
    before = log_size(client)
    early = await call(client, "POST", path, 409, user, {"rating": 5})
    assert early["code"] == "survey_not_open" and "has not ended" in early["detail"]
    await call(client, "POST", f"{A}/chats/{chat_id}/end", headers=ALICE)
    before = log_size(client)
    for bad in ({"rating": 6}, {"rating": 0}, {"rating": "5"}, {"rating": 4.5}, {}):
        refused = await call(client, "POST", path, 422, user, bad)
        assert refused["code"] == "invalid_body", bad
    other = await hand_off(client, source="self_service", transcript=[], context=None)
    wrong = await call(client, "POST", path, 403, bearer(other["user_token"]), {"rating": 5})
    assert wrong["code"] == "forbidden"
    assert log_size(client) == before + 2  # the other chat's ChatOpened and WaitEstimated only


async def test_a_chat_nobody_handled_cannot_be_rated(client):
    chat = await hand_off(client, source="self_service", transcript=[], context=None)
    user = bearer(chat["user_token"])
    await call(client, "POST", f"/api/v1/chats/{chat['chat_id']}/cancel", headers=user)
    path = f"/api/v1/chats/{chat['chat_id']}/survey"
    refused = await call(client, "POST", path, 409, user, {"rating": 1})
    assert refused["code"] == "survey_not_open" and "before an agent" in refused["detail"]


async def test_the_survey_window_and_switch_are_kept(client):
    chat = await ended(client)
    user = bearer(chat["user_token"])
    path = f"/api/v1/chats/{chat['chat_id']}/survey"
    bridge = bridge_of(client)
    real = bridge.clock
    bridge.clock = lambda: real() + 24 * 3600 + 1  # a day and a second after the end
    state = await call(client, "GET", path, headers=user)
    assert state == {"state": "expired", "until": None}
    refused = await call(client, "POST", path, 409, user, {"rating": 3})
    assert refused["code"] == "survey_not_open" and "passed" in refused["detail"]
    bridge.clock = real
    bridge.settings.survey.enabled = False
    refused = await call(client, "POST", path, 409, user, {"rating": 3})
    assert "survey.enabled" in refused["detail"]
    assert [r["type"] for r in bridge.store.chat_rows(chat["chat_id"])][-1] == "ChatClosed"


async def test_a_virtual_agent_rates_with_the_chats_user_token(client):
    chat = await ended(client, source="virtual_agent")
    path = f"/api/v1/chats/{chat['chat_id']}/survey"
    await call(client, "POST", path, 201, bearer(chat["user_token"]), {"rating": 2})
    row = bridge_of(client).store.chat_rows(chat["chat_id"])[-1]
    assert (row["type"], row["payload"]["by"]) == ("SurveyAnswered", "virtual_agent")


async def test_a_virtual_agents_callback_gets_the_agents_typing_signed_and_in_order(
    aiohttp_server, client
):
    receiver = Receiver()
    url = await start(aiohttp_server, receiver)
    chat = await hand_off(client, callback_url=url, transcript=[], context=None)
    chat_id = chat["chat_id"]
    await accept(client, chat_id, ALICE)
    await call(client, "POST", f"{A}/chats/{chat_id}/typing", 202, ALICE, {})
    await call(client, "POST", f"{A}/chats/{chat_id}/messages", 201, ALICE, {"text": "here"})
    posts = await receiver.take(4)  # ChatAssigned, joined, the notice, the message
    bodies = [json.loads(body) for _, body in posts]
    assert [b["type"] for b in bodies] == [
        "ChatAssigned",
        "SystemMessage",
        "Typing",
        "MessagePosted",
    ]
    notice = bodies[2]
    assert (notice["seq"], notice["payload"]["sender"], notice["payload"]["typing"]) == (
        None,
        "agent",
        True,
    )
    headers, body = posts[2]
    assert Webhook(CALLBACK_SECRET).verify(body, headers) == notice
    assert headers["webhook-id"].startswith("typing-")
