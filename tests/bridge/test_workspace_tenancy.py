"""Tenancy through a running bridge: a chat sees and writes only its own company's records.

Found by an audit: a chat of one company that named a customer of another (by directory id,
email or name) showed that customer's contact, tickets and assets, and filed tickets on them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bridge.http.workspace import workspace_key
from bridge.workspace import TicketDraft

from .support import call
from .test_workspace_api import (  # noqa: F401  (seeded and settings are fixtures)
    ALICE,
    CALBRO,
    PAT,
    PETRAMCO,
    A,
    accepted_chat,
    history_types,
    seeded,
    settings,
)

ALLEN_ID = "PPL000000000001"  # Calbro Services, with open tickets and assets
MARY = {"id": "PPL000000000003", "name": "Mary Mann"}  # Petramco


@pytest.mark.parametrize("named", [
    {"id": ALLEN_ID, "name": "Someone"},
    {"id": "web-1", "name": "Ann", "email": "Allen.Allbrook@CalbroServices.com"},
    {"id": "web-2", "name": "Allen Allbrook"},
], ids=["by-id", "by-email", "by-name"])  # fmt: skip
async def test_a_chat_of_one_company_sees_nothing_of_another_companys_customer(
    client: TestClient, named: dict[str, str]
):
    directory = client.server.app[workspace_key].directory
    allen = directory.customer(ALLEN_ID, company=CALBRO)
    assets = directory.assets(ALLEN_ID, company=CALBRO)
    tickets = directory.open_tickets(ALLEN_ID, company=CALBRO)
    assert assets and tickets, "there is something to leak"

    chat_id = (await accepted_chat(client, PAT, named, PETRAMCO))["chat_id"]
    base = f"{A}/chats/{chat_id}"
    unknown = await call(client, "GET", f"{base}/customer", 404, PAT)
    assert unknown["code"] == "unknown_customer"
    found = await call(client, "GET", f"{base}/resources?q=vpn", headers=PAT)
    assert found["tickets"] == [] and found["articles"], "shared articles still come"
    assert all(o["company"] in (None, PETRAMCO) for o in found["outages"])
    shown = json.dumps([unknown, found])
    for secret in (allen.email, allen.phone, *(a.serial for a in assets), *(t.id for t in tickets)):
        assert secret not in shown

    before, count = history_types(client, chat_id), directory.counts()["tickets"]
    refused = await call(client, "POST", f"{base}/tickets", 404, PAT, {"kind": "incident"})
    assert refused["code"] == "unknown_customer"
    assert history_types(client, chat_id) == before
    assert directory.counts()["tickets"] == count and directory.chat_ticket(chat_id) is None

    mine = (await accepted_chat(client, ALICE, named, CALBRO))["chat_id"]
    seen = await call(client, "GET", f"{A}/chats/{mine}/customer", headers=ALICE)
    assert seen["customer"]["id"] == ALLEN_ID, "the same name in Allen's own company finds him"


async def test_a_ticket_filed_under_another_company_is_not_found_through_the_chat(
    client: TestClient,
):
    chat_id = (await accepted_chat(client, PAT, MARY, PETRAMCO))["chat_id"]
    directory = client.server.app[workspace_key].directory
    draft = TicketDraft(
        "incident", ALLEN_ID, CALBRO, "stray", "filed before tenancy", chat_id=chat_id
    )
    stray = directory.create_ticket(draft)  # as a bridge without the company check left it
    calls: list[tuple[str, str, Any]] = [
        ("GET", f"{A}/tickets/{stray.id}", None),
        ("PATCH", f"{A}/tickets/{stray.id}", {"fields": {"summary": "mine now"}}),
        ("POST", f"{A}/tickets/{stray.id}/confirm", {}),
        ("POST", f"{A}/tickets/{stray.id}/resolve", {}),
    ]
    before = history_types(client, chat_id)
    for method, path, body in calls:
        refused = await call(client, method, path, 404, PAT, body)
        assert refused["code"] == "unknown_ticket", (method, path)
    assert history_types(client, chat_id) == before
    found = await call(client, "GET", f"{A}/chats/{chat_id}/resources", headers=PAT)
    assert found["tickets"] == []
    await call(client, "POST", f"{A}/chats/{chat_id}/articles/KBA000000000001/share", 201, PAT)
    assert directory.ticket(stray.id) == stray, "not read, changed, nor written to by the share"
