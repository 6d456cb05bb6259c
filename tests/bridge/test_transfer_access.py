"""After a transfer to a named agent the sender keeps reading the chat it held, without actions
(issue 12.7: it used to get 403 on the chat until the target accepted)."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from .support import accept, agent_headers, bridge_of, call, hand_off, on_duty

A = "/api/v1/agent"
ALICE = agent_headers("alice", ("Acme/GENERAL",))
BOB = agent_headers("bob", ("Acme/GENERAL",))
CAROL = agent_headers("carol", ("Acme/GENERAL",))


async def transferred_to_bob(client: TestClient) -> str:
    chat_id = (await hand_off(client))["chat_id"]
    await on_duty(client, BOB, CAROL)
    await accept(client, chat_id, ALICE)
    body = {"to_agent": "bob", "note": "VPN, tried the usual"}
    await call(client, "POST", f"{A}/chats/{chat_id}/transfer", headers=ALICE, json=body)
    return chat_id


async def test_the_sender_reads_the_chat_it_sent_to_a_named_agent(client: TestClient):
    chat_id = await transferred_to_bob(client)
    seen = await call(client, "GET", f"{A}/chats/{chat_id}", headers=ALICE)
    assert (seen["chat"]["status"], seen["chat"]["agent_id"]) == ("queued", None)
    notes = [r["payload"]["note"] for r in seen["history"] if r["type"] == "ChatTransferred"]
    assert notes == ["VPN, tried the usual"]
    accepted = await accept(client, chat_id, BOB)
    assert accepted["chat"]["agent_id"] == "bob"
    assert (await call(client, "GET", f"{A}/chats/{chat_id}", headers=ALICE))["chat"]["agent_id"]


async def test_the_sender_loses_the_actions_and_a_refused_one_changes_nothing(
    client: TestClient,
):
    chat_id = await transferred_to_bob(client)
    store = bridge_of(client).store
    before = store.max_seq()
    for path, body in (
        ("messages", {"text": "one more thing"}),
        ("end", {}),
        ("notes", {"text": "x"}),
    ):
        refused = await call(client, "POST", f"{A}/chats/{chat_id}/{path}", 409, ALICE, body)
        assert refused["code"] == "chat_not_active", (path, refused)
    taken = await call(client, "POST", f"{A}/chats/{chat_id}/accept", 403, ALICE, {})
    assert "support queues" in taken["detail"]  # Bob's to take, not hers
    assert store.max_seq() == before


async def test_the_rest_of_the_queue_still_cannot_see_a_chat_sent_to_a_named_agent(
    client: TestClient,
):
    chat_id = await transferred_to_bob(client)
    hidden = await call(client, "GET", f"{A}/chats/{chat_id}", 403, CAROL)
    assert hidden["code"] == "forbidden"
