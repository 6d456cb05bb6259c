"""Canned responses through a running bridge: scopes, reach, placeholders, articles, restarts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bridge.app import make_app
from bridge.canned import PlaceholderUnfilled
from bridge.canned.rules import render
from bridge.settings import Settings

from .support import agent_headers, call, store_query
from .test_workspace_api import ALICE, CALBRO, PAT, PETRAMCO, accepted_chat
from .test_workspace_api import seeded as seeded  # the seeded directory's fixtures
from .test_workspace_api import settings as settings

A = "/api/v1/agent"
GENERAL = f"{CALBRO}/GENERAL"
BOB = agent_headers("bob", (GENERAL,))
GREETING = "Hi {customer_first_name}, {agent_name} here. Your ticket is {ticket_id}."


async def create(client: TestClient, headers: dict[str, str], status: int = 201, **body: Any):
    fields = {"scope": "queue", "queue": GENERAL, "title": "VPN greeting", "shortcut": "vpn"}
    return await call(client, "POST", f"{A}/canned", status, headers, {**fields, **body})


def stored(config: Settings) -> list[tuple[Any, ...]]:
    return store_query(config.db_path, "SELECT id, title, text FROM canned_responses")


async def test_a_queue_reply_is_found_in_the_chat_and_rendered_with_its_placeholders(
    client: TestClient,
):
    made = await create(client, ALICE, text=GREETING)
    chat_id = (await accepted_chat(client))["chat_id"]
    found = await call(client, "GET", f"{A}/chats/{chat_id}/canned?q=vpn", headers=ALICE)
    assert found["replies"][0] == {
        "kind": "canned", "id": made["id"], "title": "VPN greeting", "shortcut": "vpn",
        "text": GREETING,
    }  # fmt: skip
    assert "ticket_id" in found["placeholders"]
    render = f"{A}/chats/{chat_id}/canned/render"
    early = await call(client, "POST", render, 409, ALICE, {"canned_id": made["id"]})
    assert early["code"] == "placeholder_unfilled" and "ticket_id" in early["detail"]

    ticket = await call(
        client, "POST", f"{A}/chats/{chat_id}/tickets", 201, ALICE, {"kind": "incident"}
    )
    done = await call(client, "POST", render, 200, ALICE, {"canned_id": made["id"]})
    assert done["text"] == f"Hi Allen, Alice Tester here. Your ticket is {ticket['id']}."


async def test_a_knowledge_article_is_a_reply_on_its_own_or_inside_a_canned_one(
    client: TestClient,
):
    chat_id = (await accepted_chat(client))["chat_id"]
    found = await call(client, "GET", f"{A}/chats/{chat_id}/canned?q=vpn", headers=ALICE)
    article = next(r for r in found["replies"] if r["kind"] == "article")
    render = f"{A}/chats/{chat_id}/canned/render"
    alone = await call(client, "POST", render, 200, ALICE, {"article_id": article["id"]})
    assert alone["text"] == article["text"] and "\n" in alone["text"]

    made = await create(
        client, ALICE, scope="personal", text="This should help:", article_id=article["id"]
    )
    inside = await call(client, "POST", render, 200, ALICE, {"canned_id": made["id"]})
    assert inside["text"] == f"This should help:\n{article['text']}"
    missing = await create(client, ALICE, 404, text="x", article_id="KBA000000000999")
    assert missing["code"] == "unknown_article"


async def test_a_personal_reply_is_its_owners_only_and_others_change_nothing(
    client: TestClient, settings: Settings
):
    mine = await create(client, ALICE, scope="personal", text="My sign-off")
    path = f"{A}/canned/{mine['id']}"
    for method, body in (("GET", None), ("PATCH", {"text": "hijacked"}), ("DELETE", None)):
        refused = await call(client, method, path, 404, BOB, body)
        assert refused["code"] == "unknown_canned_response"
    assert stored(settings) == [(mine["id"], "VPN greeting", "My sign-off")]
    listed = await call(client, "GET", f"{A}/canned", headers=BOB)
    assert listed["canned"] == []
    chat_id = (await accepted_chat(client, agent=BOB))["chat_id"]
    replies = await call(client, "GET", f"{A}/chats/{chat_id}/canned", headers=BOB)
    assert replies["replies"] == []
    refused = await call(
        client, "POST", f"{A}/chats/{chat_id}/canned/render", 404, BOB, {"canned_id": mine["id"]}
    )
    assert refused["code"] == "unknown_canned_response"


async def test_a_scope_out_of_reach_or_a_bad_placeholder_is_refused_and_stores_nothing(
    client: TestClient, settings: Settings
):
    cases = [
        (PAT, 403, "canned_out_of_reach", {"text": "hi"}),
        (PAT, 403, "canned_out_of_reach", {"scope": "company", "company": CALBRO, "text": "hi"}),
        (ALICE, 422, "unknown_placeholder", {"text": "Hi {customer_email}"}),
        (ALICE, 422, "invalid_body", {"text": "  "}),
        (ALICE, 422, "invalid_command", {"scope": "queue", "queue": None, "text": "hi"}),
    ]
    for headers, status, code, body in cases:
        refused = await create(client, headers, status, **body)
        assert refused["code"] == code, refused
        assert refused["detail"]
    assert stored(settings) == []
    ours = await create(client, PAT, scope="company", company=PETRAMCO, text="Petramco hello")
    assert ours["company"] == PETRAMCO
    assert [
        c["id"] for c in (await call(client, "GET", f"{A}/canned", headers=ALICE))["canned"]
    ] == []


async def test_changes_are_kept_in_the_store_across_a_restart(
    aiohttp_client: Any, settings: Settings, tmp_path: Path
):
    client = await aiohttp_client(make_app(settings))
    kept = await create(client, ALICE, text="First", shortcut="first")
    gone = await create(client, ALICE, scope="company", company=CALBRO, text="Bye", title="Bye")
    await call(client, "PATCH", f"{A}/canned/{kept['id']}", 200, ALICE, {"text": "Second"})
    await call(client, "DELETE", f"{A}/canned/{gone['id']}", 200, ALICE)
    await client.close()

    again = await aiohttp_client(make_app(settings))
    found = await call(again, "GET", f"{A}/canned?q=second", headers=ALICE)
    assert [(c["id"], c["text"], c["updated_by"]) for c in found["canned"]] == [
        (kept["id"], "Second", "alice")
    ]
    refused = await call(again, "GET", f"{A}/canned/{gone['id']}", 404, ALICE)
    assert refused["code"] == "unknown_canned_response"
    same_scope = await call(again, "GET", f"{A}/canned?scope=company", headers=ALICE)
    assert same_scope["canned"] == []


def test_literal_braces_stay_and_a_missing_value_names_the_placeholder():
    values = {"customer_name": "Ann Smith", "ticket_id": None}
    assert render("{{code}} for { customer_name }", values) == "{code} for Ann Smith"
    with pytest.raises(PlaceholderUnfilled, match=r"\{ticket_id\}"):
        render("Ticket {ticket_id}", values)
