"""Presence can never strand a chat: it comes from an open agent stream or a heartbeat's lease,
both of which end by themselves; a one-off request is no presence; sign-out requeues at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from bridge.app import make_app
from bridge.settings import Settings
from reports.agents import agent_interval_facts
from reports.log import load

from .support import accept, agent_headers, bridge_of, call, hand_off, make_settings, on_duty
from .test_streams import agent_stream, receive_until

ALICE = agent_headers("alice", ("Acme/GENERAL",))
BOB = agent_headers("bob", ("Acme/GENERAL",))
A = "/api/v1/agent"


def grace_settings(tmp_path: Path, **engine: object) -> Settings:
    return make_settings(tmp_path / "e.db", engine={"agent_gone_grace": 0.05, **engine})


async def requeued_seen_by(ws, chat_id: str) -> dict:
    got = await receive_until(ws, lambda got: any(m["type"] == "ChatRequeued" for m in got))
    requeued = next(m for m in got if m["type"] == "ChatRequeued")
    assert requeued["chat_id"] == chat_id
    return requeued


def test_the_default_settings_have_a_grace_and_a_lease():
    engine = make_settings(Path("unused.db")).engine
    assert (engine.agent_gone_grace, engine.agent_lease) == (90.0, 60.0)


async def test_a_one_off_request_is_no_presence_anywhere(aiohttp_client, tmp_path):
    settings = make_settings(tmp_path / "e.db", engine={"auto_accept": True})
    client = await aiohttp_client(make_app(settings))
    await call(client, "GET", f"{A}/me", headers=ALICE)  # signed in, nothing more
    chat = await hand_off(client)
    assert chat["status"] == "queued", "a request made the agent take chats"
    bot = {"X-API-Key": "source-key"}
    asked = await call(client, "GET", "/api/v1/availability?company=Acme", headers=bot)
    assert asked["agents_available"] == 0
    supervisor = agent_headers("sue", roles=("Supervisor",), permissions=())
    board = await call(client, "GET", "/api/v1/dashboard", headers=supervisor)
    general = next(q for q in board["queues"] if q["queue"] == "Acme/GENERAL")
    assert general["agents_available"] == 0
    presence = bridge_of(client).engine.presence("alice")
    assert (presence["signed_in"], presence["present"]) == (True, False)


async def test_a_manual_accept_needs_a_stream_or_a_heartbeat(client: TestClient):
    chat = await hand_off(client)
    path = f"{A}/chats/{chat['chat_id']}/accept"
    before = bridge_of(client).store.max_seq()
    refused = await call(client, "POST", path, 409, ALICE)
    assert refused["code"] == "agent_unavailable"
    assert bridge_of(client).engine.chats[chat["chat_id"]].state == "queued"
    beat = await call(client, "POST", f"{A}/heartbeat", headers=ALICE, json={})
    assert beat["present"] is True and beat["lease_seconds"] == 60.0
    assert beat["lease_expires_at"] > before  # epoch seconds
    assert (await call(client, "POST", path, headers=ALICE))["chat"]["status"] == "assigned"


async def test_a_lease_nobody_renews_ends_by_itself_and_the_chats_go_back(aiohttp_client, tmp_path):
    client = await aiohttp_client(make_app(grace_settings(tmp_path, agent_lease=0.1)))
    chat = await hand_off(client)
    await accept(client, chat["chat_id"], ALICE)  # an API-only agent: a heartbeat, then accept
    ws_bob = await agent_stream(client, BOB)
    requeued = await requeued_seen_by(ws_bob, chat["chat_id"])  # no request drives the timer
    assert requeued["payload"]["reason"] == "agent_gone"
    rows = bridge_of(client).store.rows_since(0, 1000)
    assert [r["type"] for r in rows if r["type"].startswith("AgentLease")] == [
        "AgentLeaseRenewed",
        "AgentLeaseExpired",
    ]
    await ws_bob.close()


async def test_sign_out_requeues_at_once_and_a_second_one_is_refused(client: TestClient):
    chat = await hand_off(client)
    ws_bob = await agent_stream(client, BOB)
    await accept(client, chat["chat_id"], ALICE)
    out = await call(client, "POST", f"{A}/sign-out", headers=ALICE, json={})
    assert (out["signed_in"], out["present"], out["lease_expires_at"]) == (False, False, None)
    requeued = await requeued_seen_by(ws_bob, chat["chat_id"])
    assert requeued["payload"]["reason"] == "signed_out"
    store = bridge_of(client).store
    before = store.max_seq()
    again = await call(client, "POST", f"{A}/sign-out", 409, ALICE, {})
    assert again["code"] == "wrong_state" and "not signed in" in again["detail"]
    assert store.max_seq() == before
    await ws_bob.close()


async def test_sign_out_needs_a_valid_token_and_an_empty_body(client: TestClient):
    assert (await call(client, "POST", f"{A}/sign-out", 401, json={}))["code"] == "unauthorized"
    await on_duty(client, ALICE)
    bad = await call(client, "POST", f"{A}/sign-out", 422, ALICE, {"now": True})
    assert bad["code"] == "invalid_body"
    assert bridge_of(client).engine.presence("alice")["signed_in"] is True


async def test_after_a_restart_chats_of_a_console_that_never_came_back_return_to_the_queue(
    aiohttp_client, tmp_path
):
    first = await aiohttp_client(make_app(grace_settings(tmp_path)))
    chat = await hand_off(first)
    ws = await agent_stream(first, ALICE)  # Alice's console is open when the bridge goes down
    await call(first, "POST", f"{A}/chats/{chat['chat_id']}/accept", headers=ALICE)
    assert bridge_of(first).engine.agents["alice"].connected
    await first.server.close()

    second = await aiohttp_client(make_app(grace_settings(tmp_path)))
    ws = await agent_stream(second, BOB, since=0)
    requeued = await requeued_seen_by(ws, chat["chat_id"])
    assert requeued["payload"]["reason"] == "agent_gone"
    assert bridge_of(second).engine.chats[chat["chat_id"]].agent_id is None
    await ws.close()


async def test_an_agent_request_after_a_restart_is_no_presence_and_the_grace_runs_out(
    aiohttp_client, tmp_path
):
    """Changed behaviour: a request used to count as the agent being there, for good."""
    first = await aiohttp_client(make_app(grace_settings(tmp_path)))
    held = await hand_off(first)
    await agent_stream(first, ALICE)  # open while the bridge goes down
    await call(first, "POST", f"{A}/chats/{held['chat_id']}/accept", headers=ALICE)
    await first.server.close()

    second = await aiohttp_client(make_app(grace_settings(tmp_path)))
    await call(second, "GET", f"{A}/chats", headers=ALICE)  # a one-off request
    ws_bob = await agent_stream(second, BOB, since=0)
    await requeued_seen_by(ws_bob, held["chat_id"])
    assert bridge_of(second).engine.presence("alice")["present"] is False
    await ws_bob.close()


@pytest.mark.sqlite_only(reason="the reports package reads SQLite logs and Parquet files")
async def test_the_live_logs_report_counts_no_availability_for_a_one_off_request(
    client: TestClient,
):
    await call(client, "GET", f"{A}/me", headers=ALICE)  # one API call, no console
    ws_bob = await agent_stream(client, BOB)
    await receive_until(ws_bob, lambda got: bool(got))
    await ws_bob.close()  # Bob was there while his console was open
    await call(client, "POST", f"{A}/sign-out", headers=BOB, json={})  # a row after his close
    facts = agent_interval_facts(load(bridge_of(client).settings.db_path), 3600.0)
    available = facts.groupby("agent_id", observed=True)["available_s"].sum()
    assert available["alice"] == 0.0
    assert available["bob"] > 0.0
