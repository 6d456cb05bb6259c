"""The agent workspace through a running bridge: customer, resources, shares, tickets."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bridge.app import make_app
from bridge.http.workspace import workspace_follower_key, workspace_key
from bridge.settings import Settings
from bridge.workspace import Outage, seed_directory

from .support import accept, agent_headers, bearer, bridge_of, call, hand_off, make_settings

# The seeded directory's companies: a chat's company is what scopes everything it shows.
CALBRO, PETRAMCO = "Calbro Services", "Petramco"
QUEUES = (f"{CALBRO}/GENERAL", f"{PETRAMCO}/GENERAL", "Globex/GENERAL")
ALICE = agent_headers("alice", (f"{CALBRO}/GENERAL",))
BOB = agent_headers("bob", (f"{CALBRO}/GENERAL",))
PAT = agent_headers("pat", (f"{PETRAMCO}/GENERAL",))
ZED = agent_headers("zed", ("Globex/GENERAL",))
A = "/api/v1/agent"
ALLEN = {"id": "PPL000000000001", "name": "Allen Allbrook"}
# What the web chat sends: no employee id, so the email doubles as the customer id.
WEB_ALLEN = {"id": "web-user", "name": "Al", "email": "Allen.Allbrook@CalbroServices.com"}
STRANGER = {"id": "pat@example.com", "name": "Pat Doe", "email": "pat@example.com"}
VPN_TEMPLATE = "TPL000000000002"  # "VPN connection failure": Impact required and blank


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("directory") / "seeded.db"
    seed_directory(str(path), seed=7, people=10).close()
    return path


@pytest.fixture
def settings(tmp_path: Path, seeded: Path) -> Settings:
    shutil.copy(seeded, tmp_path / "directory.db")
    engine = {"auto_accept": False, "strict_queues": True, "queues": {q: {} for q in QUEUES}}
    return make_settings(
        tmp_path / "events.db", directory_db=tmp_path / "directory.db", engine=engine
    )


async def accepted_chat(
    client: TestClient,
    agent: dict[str, str] = ALICE,
    customer: dict[str, str] = ALLEN,
    company: str = CALBRO,
) -> dict[str, Any]:
    chat = await hand_off(
        client,
        source="self_service",
        company=company,
        customer=customer,
        question="My VPN drops every hour",
        transcript=[],
        context=None,
    )
    await call(
        client,
        "POST",
        f"/api/v1/chats/{chat['chat_id']}/messages",
        201,
        bearer(chat["user_token"]),
        {"text": "It started on Monday"},
    )
    await accept(client, chat["chat_id"], agent)
    return chat


def history_types(client: TestClient, chat_id: str) -> list[str]:
    return [row["type"] for row in bridge_of(client).store.chat_rows(chat_id)]


async def test_an_agent_raises_a_completed_incident_with_the_transcript_and_shared_article(
    client: TestClient,
):
    chat = await accepted_chat(client)
    chat_id, base = chat["chat_id"], f"{A}/chats/{chat['chat_id']}"
    info = await call(client, "GET", f"{base}/customer", headers=ALICE)
    assert info["customer"]["name"] == "Allen Allbrook"
    assert info["company"]["name"] == "Calbro Services"
    assert info["tickets"] and info["assets"], "demo customers have open tickets and assets"
    await call(client, "POST", f"{base}/messages", 201, ALICE, {"text": "Let me look at it"})

    found = await call(client, "GET", f"{base}/resources?q=vpn", headers=ALICE)
    article = found["articles"][0]
    assert "vpn" in (article["title"] + article["body"]).lower()
    assert VPN_TEMPLATE in [t["id"] for t in found["templates"]]
    assert found["tickets"] == []
    shared = await call(client, "POST", f"{base}/articles/{article['id']}/share", 201, ALICE)
    assert shared["type"] == "ArticleShared" and shared["payload"]["url"] == article["url"]
    seen = await call(
        client, "GET", f"/api/v1/chats/{chat_id}/events", headers=bearer(chat["user_token"])
    )
    shown = [r["payload"] for r in seen["events"] if r["type"] == "ArticleShared"]
    assert [(p["title"], p["url"]) for p in shown] == [(article["title"], article["url"])]

    draft = await call(
        client,
        "POST",
        f"{base}/tickets",
        201,
        ALICE,
        {"kind": "incident", "template_id": VPN_TEMPLATE},
    )
    assert (draft["id"][:3], draft["mode"], draft["missing_fields"]) == ("INC", "edit", ["impact"])
    early = await call(client, "POST", f"{A}/tickets/{draft['id']}/confirm", 409, ALICE)
    assert early["code"] == "ticket_incomplete"
    completed = await call(
        client,
        "PATCH",
        f"{A}/tickets/{draft['id']}",
        headers=ALICE,
        json={"fields": {"impact": "3-Moderate/Limited"}},
    )
    assert (completed["mode"], completed["missing_fields"]) == ("edit", [])
    saved = await call(client, "POST", f"{A}/tickets/{draft['id']}/confirm", headers=ALICE)
    assert saved["mode"] == "saved" and saved["fields"]["impact"] == "3-Moderate/Limited"

    ticket = await call(client, "GET", f"{A}/tickets/{draft['id']}", headers=ALICE)
    description = ticket["description"]
    for line in (
        "Allen Allbrook: My VPN drops every hour",
        "Allen Allbrook: It started on Monday",
        "Alice Tester: Let me look at it",
    ):
        assert line in description
    assert [a["article_id"] for a in ticket["activity"]] == [article["id"]]
    listed = await call(client, "GET", f"{base}/resources", headers=ALICE)
    assert [t["id"] for t in listed["tickets"]] == [draft["id"]]
    assert "TicketLinked" in history_types(client, chat_id)


async def test_a_share_after_the_ticket_is_logged_and_a_pinned_article_is_flagged(
    client: TestClient,
):
    chat_id = (await accepted_chat(client))["chat_id"]
    base = f"{A}/chats/{chat_id}"
    ticket = await call(client, "POST", f"{base}/tickets", 201, ALICE, {"kind": "work_order"})
    assert ticket["id"].startswith("WO") and ticket["mode"] == "saved"
    await call(client, "POST", f"{base}/articles/KBA000000000004/share", 201, ALICE)
    pinned = await call(
        client,
        "POST",
        f"{base}/articles/KBA000000000003/pin",
        headers=ALICE,
        json={"ticket_id": ticket["id"]},
    )
    assert pinned["pinned_articles"] == ["KBA000000000003"]
    assert [a["article_id"] for a in pinned["activity"]] == ["KBA000000000004"]
    assert history_types(client, chat_id)[-2:] == ["ArticleShared", "ArticlePinned"]
    other = await call(
        client,
        "POST",
        f"{base}/articles/KBA000000000003/pin",
        404,
        ALICE,
        {"ticket_id": "INC000000000001"},
    )
    assert other["code"] == "not_found"


async def test_resolve_sets_the_configured_status_and_records_it_in_the_chat(
    client: TestClient,
):
    chat_id = (await accepted_chat(client))["chat_id"]
    ticket = await call(
        client,
        "POST",
        f"{A}/chats/{chat_id}/tickets",
        201,
        ALICE,
        {"kind": "incident", "summary": "VPN drops"},
    )
    bad = await call(
        client, "POST", f"{A}/tickets/{ticket['id']}/resolve", 422, ALICE, {"status": "Fixed"}
    )
    assert bad["code"] == "invalid_status"
    done = await call(client, "POST", f"{A}/tickets/{ticket['id']}/resolve", headers=ALICE)
    assert (done["status"], done["status_reason"]) == ("Resolved", "No Further Action Required")
    row = bridge_of(client).store.chat_rows(chat_id)[-1]
    assert (row["type"], row["payload"]["status"]) == ("TicketStatusChanged", "Resolved")
    again = await call(client, "POST", f"{A}/tickets/{ticket['id']}/resolve", 409, ALICE)
    assert again["code"] == "ticket_closed"


async def test_no_ticket_is_made_for_a_closed_chat(client: TestClient):
    chat_id = (await accepted_chat(client))["chat_id"]
    await call(client, "POST", f"{A}/chats/{chat_id}/end", headers=ALICE)
    before = history_types(client, chat_id)
    refused = await call(
        client, "POST", f"{A}/chats/{chat_id}/tickets", 409, ALICE, {"kind": "incident"}
    )
    assert refused["code"] == "chat_closed"
    assert history_types(client, chat_id) == before
    assert client.server.app[workspace_key].directory.chat_ticket(chat_id) is None


async def test_an_unknown_article_is_404_and_changes_nothing(client: TestClient):
    chat_id = (await accepted_chat(client))["chat_id"]
    before = history_types(client, chat_id)
    refused = await call(client, "POST", f"{A}/chats/{chat_id}/articles/KBA999/share", 404, ALICE)
    assert refused["code"] == "unknown_article"
    assert history_types(client, chat_id) == before


@pytest.mark.parametrize(("agent", "status", "code"), [
    (agent_headers("vic", (f"{CALBRO}/GENERAL",), permissions=()), 403, "not_permitted"),
    (ZED, 403, "forbidden"),
    (BOB, 409, "chat_not_active"),
])  # fmt: skip
async def test_only_the_agent_holding_the_chat_works_on_it(
    client: TestClient, agent: dict[str, str], status: int, code: str
):
    chat_id = (await accepted_chat(client))["chat_id"]
    ticket = await call(
        client, "POST", f"{A}/chats/{chat_id}/tickets", 201, ALICE, {"kind": "incident"}
    )
    before = history_types(client, chat_id)
    for method, path, body in (
        ("GET", f"{A}/chats/{chat_id}/resources", None),
        ("POST", f"{A}/chats/{chat_id}/articles/KBA000000000001/share", None),
        ("POST", f"{A}/chats/{chat_id}/tickets", {"kind": "incident"}),
        ("PATCH", f"{A}/tickets/{ticket['id']}", {"fields": {"impact": "1-Extensive"}}),
        ("POST", f"{A}/tickets/{ticket['id']}/resolve", None),
    ):
        refused = await call(client, method, path, status, agent, body)
        assert refused["code"] == code, (method, path)
    assert history_types(client, chat_id) == before
    unchanged = client.server.app[workspace_key].directory.ticket(ticket["id"])
    assert (unchanged.status, unchanged.fields["impact"]) == (
        "Assigned",
        ticket["fields"]["impact"],
    )


async def test_customer_information_needs_only_sight_of_the_chat(client: TestClient):
    chat = await hand_off(client, company=CALBRO, customer=ALLEN)
    seen = await call(client, "GET", f"{A}/chats/{chat['chat_id']}/customer", headers=BOB)
    assert seen["customer"]["id"] == ALLEN["id"]
    refused = await call(client, "GET", f"{A}/chats/{chat['chat_id']}/customer", 403, ZED)
    assert refused["code"] == "forbidden"


async def test_abandoning_the_chat_cancels_its_ticket(client: TestClient):
    chat_id = (await accepted_chat(client))["chat_id"]
    ticket = await call(
        client,
        "POST",
        f"{A}/chats/{chat_id}/tickets",
        201,
        ALICE,
        {"kind": "incident", "template_id": VPN_TEMPLATE},
    )
    done = await call(client, "POST", f"{A}/chats/{chat_id}/abandon", headers=ALICE, json={})
    await client.server.app[workspace_follower_key].reached(done["events"][-1]["seq"])
    cancelled = await call(client, "GET", f"{A}/tickets/{ticket['id']}", headers=ALICE)
    assert cancelled["status"] == "Cancelled"


async def test_a_cancellation_the_directory_missed_is_applied_on_restart(
    aiohttp_client: Any, settings: Settings, tmp_path: Path
):
    client = await aiohttp_client(make_app(settings))
    chat_id = (await accepted_chat(client))["chat_id"]
    ticket = await call(
        client, "POST", f"{A}/chats/{chat_id}/tickets", 201, ALICE, {"kind": "work_order"}
    )
    stale = tmp_path / "stale.db"
    live, copy = sqlite3.connect(settings.directory_path), sqlite3.connect(stale)
    live.backup(copy)  # the directory as it was before the abandon reached it
    live.close()
    copy.close()
    await call(client, "POST", f"{A}/chats/{chat_id}/abandon", headers=ALICE, json={})
    await client.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{settings.directory_path}{suffix}").unlink(missing_ok=True)
    shutil.copy(stale, settings.directory_path)

    again = await aiohttp_client(make_app(settings))
    repaired = again.server.app[workspace_key].directory.ticket(ticket["id"])
    assert repaired.status == "Cancelled"


async def test_a_web_chat_customer_is_found_by_email_for_information_and_tickets(
    client: TestClient,
):
    chat_id = (await accepted_chat(client, customer=WEB_ALLEN))["chat_id"]
    info = await call(client, "GET", f"{A}/chats/{chat_id}/customer", headers=ALICE)
    assert (info["customer"]["id"], info["company"]["name"]) == (
        "PPL000000000001",
        "Calbro Services",
    )
    ticket = await call(
        client, "POST", f"{A}/chats/{chat_id}/tickets", 201, ALICE, {"kind": "work_order"}
    )
    assert ticket["customer_id"] == "PPL000000000001"


async def test_a_customer_nobody_in_the_directory_matches_still_gets_resources(
    client: TestClient,
):
    chat_id = (await accepted_chat(client, customer=STRANGER))["chat_id"]
    base = f"{A}/chats/{chat_id}"
    unknown = await call(client, "GET", f"{base}/customer", 404, ALICE)
    assert unknown["code"] == "unknown_customer"
    found = await call(client, "GET", f"{base}/resources?q=vpn", headers=ALICE)
    assert VPN_TEMPLATE in [t["id"] for t in found["templates"]]
    assert found["articles"] and found["tickets"] == []
    assert all(o["company"] in (None, CALBRO) for o in found["outages"])


async def test_resources_of_an_unknown_customer_show_the_chat_company_outages(
    client: TestClient,
):
    directory = client.server.app[workspace_key].directory
    directory.add([Outage("OUT900", CALBRO, "Email", "Calbro mail is down", "Exchange", 1.0)])
    chat_id = (await accepted_chat(client, customer=STRANGER))["chat_id"]
    found = await call(client, "GET", f"{A}/chats/{chat_id}/resources", headers=ALICE)
    assert "OUT900" in [o["id"] for o in found["outages"]]


async def test_no_ticket_is_made_for_a_customer_the_directory_does_not_know(
    client: TestClient,
):
    chat_id = (await accepted_chat(client, customer=STRANGER))["chat_id"]
    before = history_types(client, chat_id)
    refused = await call(
        client, "POST", f"{A}/chats/{chat_id}/tickets", 404, ALICE, {"kind": "incident"}
    )
    assert refused["code"] == "unknown_customer"
    assert "ticket needs a directory customer" in refused["detail"]
    assert history_types(client, chat_id) == before
    assert client.server.app[workspace_key].directory.chat_ticket(chat_id) is None
