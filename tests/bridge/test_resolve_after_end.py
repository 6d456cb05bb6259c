"""Resolve a chat's ticket after End Chat, through a running bridge: the agent who held the
chat when it closed may; anyone else is refused with a status, a code and a sentence, and a
refusal changes neither the event log nor the ITSM directory."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bridge.http.workspace import workspace_key

from .support import agent_headers, bearer, bridge_of, call, on_duty
from .test_workspace_api import (  # noqa: F401 (the fixtures are used by name)
    ALICE,
    BOB,
    CALBRO,
    VPN_TEMPLATE,
    ZED,
    accepted_chat,
    history_types,
    seeded,
    settings,
)

A = "/api/v1/agent"
VIC = agent_headers("vic", (f"{CALBRO}/GENERAL",), permissions=())


async def ended_with_ticket(client: TestClient, kind: str = "incident") -> tuple[str, str]:
    """A chat Alice accepted, filed a ticket from and ended: (chat id, ticket id)."""
    chat_id = (await accepted_chat(client))["chat_id"]
    ticket = await call(client, "POST", f"{A}/chats/{chat_id}/tickets", 201, ALICE, {"kind": kind})
    await call(client, "POST", f"{A}/chats/{chat_id}/end", headers=ALICE)
    return chat_id, ticket["id"]


def ticket_status(client: TestClient, ticket_id: str) -> tuple[str, str]:
    ticket = client.server.app[workspace_key].directory.ticket(ticket_id)
    return ticket.status, ticket.status_reason


async def test_the_agent_who_ended_the_chat_resolves_its_ticket(client: TestClient):
    chat_id, ticket_id = await ended_with_ticket(client)
    offer = await call(client, "GET", f"{A}/tickets/{ticket_id}/resolution", headers=ALICE)
    assert offer["can_resolve"] and offer["why_not"] is None
    assert (offer["status"], offer["status_reason"]) == ("Resolved", "No Further Action Required")
    assert "Customer Follow-Up Required" in offer["reasons"]
    body = {"status_reason": "Customer Follow-Up Required"}
    done = await call(client, "POST", f"{A}/tickets/{ticket_id}/resolve", 200, ALICE, body)
    assert (done["status"], done["status_reason"]) == ("Resolved", "Customer Follow-Up Required")
    assert ticket_status(client, ticket_id) == ("Resolved", "Customer Follow-Up Required")
    last = bridge_of(client).store.chat_rows(chat_id)[-1]
    assert (last["type"], last["agent_id"], last["payload"]["status"]) == (
        "TicketStatusChanged",
        "alice",
        "Resolved",
    )
    again = await call(client, "POST", f"{A}/tickets/{ticket_id}/resolve", 409, ALICE)
    assert again["code"] == "ticket_closed" and ticket_id in again["detail"]
    after = await call(client, "GET", f"{A}/tickets/{ticket_id}/resolution", headers=ALICE)
    assert (after["closed"], after["can_resolve"]) == (True, False)


async def test_a_work_order_resolves_to_its_own_configured_values_after_end(client: TestClient):
    _, ticket_id = await ended_with_ticket(client, "work_order")
    done = await call(client, "POST", f"{A}/tickets/{ticket_id}/resolve", 200, ALICE, {})
    assert (done["status"], done["status_reason"]) == ("Completed", "Successful")


@pytest.mark.parametrize(("agent", "body", "status", "code", "words"), [
    (BOB, None, 409, "chat_not_active", "only the agent who held it"),
    (ZED, None, 403, "forbidden", "outside"),
    (VIC, None, 403, "not_permitted", "ESChat_Agent"),
    (ALICE, {"status": "Fixed"}, 422, "invalid_status", "'Fixed' is not one of"),
    (ALICE, {"status_reason": "Because"}, 422, "invalid_status", "not allowed with 'Resolved'"),
    (ALICE, {"colour": "red"}, 422, "invalid_body", "colour"),
])  # fmt: skip
async def test_refusals_after_end_say_why_and_change_nothing(
    client: TestClient,
    agent: dict[str, str],
    body: dict[str, Any] | None,
    status: int,
    code: str,
    words: str,
):
    chat_id, ticket_id = await ended_with_ticket(client)
    before = history_types(client, chat_id)
    refused = await call(client, "POST", f"{A}/tickets/{ticket_id}/resolve", status, agent, body)
    assert refused["code"] == code
    assert words in refused["detail"], refused["detail"]
    assert history_types(client, chat_id) == before
    assert ticket_status(client, ticket_id) == ("Assigned", "")


async def test_the_console_is_told_why_another_agent_may_not_resolve(client: TestClient):
    _, ticket_id = await ended_with_ticket(client)
    await on_duty(client, BOB)
    offer = await call(client, "GET", f"{A}/tickets/{ticket_id}/resolution", headers=BOB)
    assert offer["can_resolve"] is False
    assert "only the agent who held it" in offer["why_not"]


async def test_a_chat_closed_while_waiting_leaves_its_ticket_to_the_itsm(client: TestClient):
    chat = await accepted_chat(client)
    chat_id = chat["chat_id"]
    ticket = await call(
        client, "POST", f"{A}/chats/{chat_id}/tickets", 201, ALICE, {"kind": "incident"}
    )
    body = {"to_queue": f"{CALBRO}/GENERAL", "note": "back to the queue"}
    await call(client, "POST", f"{A}/chats/{chat_id}/transfer", 200, ALICE, body)
    user = bearer(chat["user_token"])
    await call(client, "POST", f"/api/v1/chats/{chat_id}/cancel", 200, user, {})
    before = history_types(client, chat_id)
    refused = await call(client, "POST", f"{A}/tickets/{ticket['id']}/resolve", 409, ALICE)
    assert refused["code"] == "chat_closed"
    assert "worked on in the ITSM" in refused["detail"]
    assert history_types(client, chat_id) == before
    assert ticket_status(client, ticket["id"]) == ("Assigned", "")


async def test_a_ticket_left_in_edit_mode_is_not_offered_and_is_refused(client: TestClient):
    chat_id = (await accepted_chat(client))["chat_id"]
    body = {"kind": "incident", "template_id": VPN_TEMPLATE}  # its Impact is required and blank
    ticket = await call(client, "POST", f"{A}/chats/{chat_id}/tickets", 201, ALICE, body)
    await call(client, "POST", f"{A}/chats/{chat_id}/end", headers=ALICE)
    offer = await call(client, "GET", f"{A}/tickets/{ticket['id']}/resolution", headers=ALICE)
    assert offer["can_resolve"] is False
    assert "missing required fields: impact" in offer["why_not"]
    before = history_types(client, chat_id)
    refused = await call(client, "POST", f"{A}/tickets/{ticket['id']}/resolve", 409, ALICE)
    assert refused["code"] == "ticket_incomplete"
    assert refused["detail"] == offer["why_not"]  # the console was told the same sentence
    assert history_types(client, chat_id) == before
    assert ticket_status(client, ticket["id"]) == ("Assigned", "")
