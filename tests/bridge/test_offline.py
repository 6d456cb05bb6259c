"""Offline messages through a running bridge (issue 16 item 6): a queue that is closed or has no
agent takes a message that becomes a ticket, where its configuration says so; every refusal
files no ticket and writes no event."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bridge.http.workspace import workspace_key
from bridge.settings import Settings

from .support import SOURCE_KEY, WEB_KEY, bridge_of, call, make_settings, on_duty
from .test_workspace_api import ALICE, ALLEN, CALBRO, PETRAMCO, seeded  # noqa: F401

PATH = "/api/v1/offline-messages"
WEB = {"X-API-Key": WEB_KEY}
NEVER_OPEN = {"timezone": "UTC", "weekly": {}}


@pytest.fixture
def settings(tmp_path: Path, seeded: Path) -> Settings:  # noqa: F811
    shutil.copy(seeded, tmp_path / "directory.db")
    queues: dict[str, Any] = {
        f"{CALBRO}/GENERAL": {"offline": {"accept_messages": True, "ticket": "work_order"}},
        f"{CALBRO}/NETWORK": {
            "hours": NEVER_OPEN,
            "offline": {"accept_messages": True, "ticket": "incident"},
        },
        f"{PETRAMCO}/GENERAL": {},
    }
    engine = {"auto_accept": False, "strict_queues": True, "queues": queues}
    return make_settings(
        tmp_path / "events.db", directory_db=tmp_path / "directory.db", engine=engine
    )


def message(**overrides: Any) -> dict[str, Any]:
    body = {
        "source": "self_service",
        "company": CALBRO,
        "customer": ALLEN,
        "text": "The printer on floor 3 jams; call me tomorrow.",
    }
    return {**body, **overrides}


def tickets(client: TestClient) -> int:
    directory = client.server.app[workspace_key].directory
    return len(directory.open_tickets(ALLEN["id"], company=CALBRO))


def log_size(client: TestClient) -> int:
    return bridge_of(client).store.max_seq()


async def test_a_message_for_a_queue_with_no_agent_becomes_a_work_order(client):
    policy = await call(client, "GET", f"{PATH}/policy?company={CALBRO}", headers=WEB)
    assert policy == {
        "queue": f"{CALBRO}/GENERAL",
        "accepts": True,
        "reason": "no_agent",
        "ticket": "work_order",
    }
    answer = await call(client, "POST", PATH, 201, WEB, message())
    assert (answer["reason"], answer["kind"]) == ("no_agent", "work_order")
    ticket = client.server.app[workspace_key].directory.ticket(answer["ticket_id"])
    assert ticket.customer_id == ALLEN["id"] and ticket.chat_id is None
    assert "printer on floor 3" in ticket.description and "Allen Allbrook" in ticket.description
    assert ticket.summary.startswith("Offline message: The printer")
    row = bridge_of(client).store.rows_since(0, 100)[-1]
    assert (row["type"], row["chat_id"]) == ("OfflineMessageLeft", None)
    assert row["payload"]["ticket_id"] == answer["ticket_id"]
    assert row["payload"]["message_id"] == answer["message_id"]


async def test_a_closed_queue_files_an_incident_with_the_bots_transcript(client):
    bot = [{"from": "user", "text": "vpn?"}, {"from": "bot", "text": "We are closed."}]
    body = message(source="virtual_agent", queue="NETWORK", transcript=bot)
    answer = await call(client, "POST", PATH, 201, {"X-API-Key": SOURCE_KEY}, body)
    assert (answer["reason"], answer["kind"]) == ("closed", "incident")
    ticket = client.server.app[workspace_key].directory.ticket(answer["ticket_id"])
    assert ticket.id.startswith("INC") and "We are closed." in ticket.description


async def test_an_online_queue_refuses_and_files_nothing(client):
    await on_duty(client, ALICE)
    before, filed = log_size(client), tickets(client)
    refused = await call(client, "POST", PATH, 409, WEB, message())
    assert refused["code"] == "queue_online" and "start a chat" in refused["detail"]
    assert (log_size(client), tickets(client)) == (before, filed)
    policy = await call(client, "GET", f"{PATH}/policy?company={CALBRO}", headers=WEB)
    assert (policy["accepts"], policy["reason"]) == (False, None)


async def test_refusals_file_no_ticket_and_write_no_event(client):
    before, filed = log_size(client), tickets(client)
    off = await call(client, "POST", PATH, 403, WEB, message(company=PETRAMCO))
    assert off["code"] == "offline_messages_off" and "takes no offline messages" in off["detail"]
    stranger = {"id": "nobody@example.com", "name": "No Body"}
    unknown = await call(client, "POST", PATH, 404, WEB, message(customer=stranger))
    assert unknown["code"] == "unknown_customer"
    queue = await call(client, "POST", PATH, 404, WEB, message(queue="NOPE"))
    assert queue["code"] == "unknown_queue"
    blank = await call(client, "POST", PATH, 422, WEB, message(text="   "))
    assert blank["code"] == "invalid_body"
    kind = await call(client, "POST", PATH, 403, WEB, message(source="virtual_agent"))
    assert kind["code"] == "forbidden"
    assert (log_size(client), tickets(client)) == (before, filed)
