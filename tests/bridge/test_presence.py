"""Agent presence across a restart: no chat stays with a console that is gone."""

from __future__ import annotations

from pathlib import Path

from bridge.app import make_app

from .support import agent_headers, bridge_of, call, hand_off, make_settings
from .test_streams import agent_stream, receive_until

ALICE = agent_headers("alice", ("Acme/GENERAL",))
BOB = agent_headers("bob", ("Acme/GENERAL",))


def grace_settings(tmp_path: Path):
    return make_settings(tmp_path / "e.db", engine={"agent_gone_grace": 0.05})


async def test_after_a_restart_chats_of_a_console_that_never_came_back_return_to_the_queue(
    aiohttp_client, tmp_path
):
    first = await aiohttp_client(make_app(grace_settings(tmp_path)))
    chat = await hand_off(first)
    await call(first, "POST", f"/api/v1/agent/chats/{chat['chat_id']}/accept", headers=ALICE)
    await agent_stream(first, ALICE)  # Alice's console is open when the bridge goes down
    assert bridge_of(first).engine.agents["alice"].connected
    await first.server.close()

    second = await aiohttp_client(make_app(grace_settings(tmp_path)))
    ws = await agent_stream(second, BOB, since=0)
    got = await receive_until(ws, lambda got: any(m["type"] == "ChatRequeued" for m in got))
    requeued = next(m for m in got if m["type"] == "ChatRequeued")
    assert (requeued["chat_id"], requeued["payload"]["reason"]) == (chat["chat_id"], "agent_gone")
    assert bridge_of(second).engine.chats[chat["chat_id"]].agent_id is None
    await ws.close()


async def test_an_agent_request_after_a_restart_counts_as_the_agent_being_there(
    aiohttp_client, tmp_path
):
    first = await aiohttp_client(make_app(grace_settings(tmp_path)))
    held, waiting = await hand_off(first), await hand_off(first)
    await call(first, "POST", f"/api/v1/agent/chats/{held['chat_id']}/accept", headers=ALICE)
    await first.server.close()

    second = await aiohttp_client(make_app(grace_settings(tmp_path)))
    engine = bridge_of(second).engine
    assert engine.agents["alice"].connected is False  # marked gone at start: grace running
    await call(second, "POST", f"/api/v1/agent/chats/{waiting['chat_id']}/accept", headers=ALICE)
    alice = engine.agents["alice"]
    assert alice.connected and set(alice.chats) == {held["chat_id"], waiting["chat_id"]}
    assert engine.next_deadline() is None  # her grace timer is stale: nothing left to fire
