"""Supervision on a Bot Framework chat: the bot gets the barge-in notice and the supervisor's
messages (under the supervisor's name), and never a whisper."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bridge.settings import Settings

from .support import accept, agent_headers, call, make_settings
from .test_botframework import bot as bot  # the Bot Connector receiver fixture
from .test_botframework import initiate, through_the_bridge, wire

ALICE = agent_headers("alice", ("Acme/GENERAL",))
SUE = agent_headers("sue", ("Acme/GENERAL",), roles=("IT Agent", "Supervisor"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "events.db", botframework={"auth": False})


@through_the_bridge
async def test_the_bot_is_told_of_the_barge_in_and_never_of_the_whisper(
    client: TestClient, bot: Any
):
    receiver, service_url = bot
    chat_id = (await initiate(client, wire(service_url, {"company": "Acme"})))["chat_id"]
    await accept(client, chat_id, ALICE)
    _, status = await receiver.status()
    assert status["state"] == "accepted"
    chat = f"/api/v1/supervise/chats/{chat_id}"
    await call(client, "POST", f"{chat}/whisper", 201, SUE, {"text": "secret: check the VPN log"})
    await call(client, "POST", f"{chat}/barge-in", 200, SUE, {})
    await call(client, "POST", f"{chat}/messages", 201, SUE, {"text": "Sue, team lead, here"})
    relayed = []
    while not relayed or relayed[-1][1] != "Sue, team lead, here":
        _, activity = await receiver.next()  # in seq order: a leaked whisper would come first
        relayed.append((activity.from_property.name, activity.text))
    assert all("secret" not in (text or "") for _, text in relayed), relayed
    assert ("Live chat", "Sue Tester (supervisor) joined the chat.") in relayed
    assert relayed[-1] == ("Sue Tester (supervisor)", "Sue, team lead, here")
