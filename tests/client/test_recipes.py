"""The README's handoff recipes (docs/recipes/) run against a real bridge.

Rasa and Lex are not installed: the Rasa actions get minimal stand-ins for its Tracker and
dispatcher, the Lex handler a Lex V2 event as the service sends it. The handoff each makes
really reaches the bridge, which is then asked what it holds. The Botpress sample runs in Node.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from bridge.client import AgentClient, LivechatClient
from bridge.http.keys import bridge_key
from tests.bridge.support import SOURCE_KEY

from .support import agent_token

RECIPES = Path(__file__).resolve().parents[2] / "docs" / "recipes"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"recipe_{name}", RECIPES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, base_url: str) -> None:
    monkeypatch.setenv("HANDOFF_BRIDGE_URL", base_url)
    monkeypatch.setenv("HANDOFF_API_KEY", SOURCE_KEY)


@dataclass
class Tracker:
    """The parts of ``rasa_sdk.Tracker`` the actions read."""

    sender_id: str
    latest_message: dict[str, Any]
    events: list[dict[str, Any]]
    slots: dict[str, Any] = field(default_factory=dict)

    def get_slot(self, name: str) -> Any:
        return self.slots.get(name)


@dataclass
class Dispatcher:
    said: list[str] = field(default_factory=list)

    def utter_message(self, text: str) -> None:
        self.said.append(text)


def rasa_tracker(message_id: str, text: str, **slots: Any) -> Tracker:
    return Tracker(
        sender_id="rasa-user-7",
        latest_message={"text": text, "message_id": message_id, "intent": {"name": "human"}},
        events=[
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": "my printer is on fire"},
            {"event": "bot", "text": "Let me get you someone."},
        ],
        slots={"company": "Acme", **slots},
    )


async def test_the_rasa_action_hands_over_once_and_relays_the_user(env: None, server: TestServer):
    rasa = load("rasa_action")
    handoff, relay, dispatcher = (
        rasa.ActionHandoffToAgent(),
        rasa.ActionRelayToAgent(),
        Dispatcher(),
    )
    assert handoff.name() == "action_handoff_to_agent"
    tracker = rasa_tracker("m1", "I want a human")
    events = await handoff.run(dispatcher, tracker, {})
    again = await handoff.run(Dispatcher(), tracker, {})  # a retried run of the same message
    slots = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert events == again
    bridge = server.app[bridge_key]
    chat = bridge.engine.chats[slots["livechat_chat_id"]]
    assert len(bridge.engine.chats) == 1 and chat.state == "queued"
    assert dispatcher.said == ["You are number 1 in the queue."]
    relayed = rasa_tracker("m2", "still burning", **slots)
    assert await relay.run(Dispatcher(), relayed, {}) == []
    async with LivechatClient(str(server.make_url("")), SOURCE_KEY) as client:
        rows = await client.user_chat(
            slots["livechat_chat_id"], slots["livechat_user_token"]
        ).events()
    opened = bridge.store.chat_rows(chat.id)[0]["payload"]
    assert [line["text"] for line in opened["detail"]["transcript"]] == [
        "my printer is on fire",
        "Let me get you someone.",
    ]
    assert [r.payload["text"] for r in rows if r.type == "MessagePosted"] == ["still burning"]


async def test_the_rasa_action_says_sorry_when_the_bridge_refuses(env: None, server: TestServer):
    rasa = load("rasa_action")
    dispatcher = Dispatcher()
    events = await rasa.ActionHandoffToAgent().run(
        dispatcher, rasa_tracker("m1", "hi", queue="NOPE"), {}
    )
    assert events == [] and dispatcher.said == ["Sorry, I could not reach an agent."]
    assert server.app[bridge_key].engine.chats == {}


def lex_event(company: str | None = "Acme") -> dict[str, Any]:
    """A Lex V2 fulfilment event (the shape AWS documents for Lambda code hooks)."""
    slots = {
        "Company": None
        if company is None
        else {
            "value": {
                "originalValue": company.lower(),
                "interpretedValue": company,
                "resolvedValues": [company],
            }
        },
        "Queue": None,
    }
    return {
        "messageVersion": "1.0",
        "invocationSource": "FulfillmentCodeHook",
        "inputMode": "Text",
        "responseContentType": "text/plain; charset=utf-8",
        "sessionId": "lex-session-42",
        "inputTranscript": "talk to a person",
        "bot": {
            "id": "B1",
            "name": "HelpBot",
            "aliasId": "TSTALIASID",
            "localeId": "en_US",
            "version": "DRAFT",
        },
        "interpretations": [],
        "sessionState": {
            "sessionAttributes": {"customer_id": "C-9", "customer_name": "Lee"},
            "intent": {
                "name": "TalkToAgent",
                "slots": slots,
                "state": "ReadyForFulfillment",
                "confirmationState": "None",
            },
        },
    }


async def test_the_lex_lambda_hands_the_session_over(env: None, server: TestServer, base_url: str):
    lex = load("lex_lambda")
    answer = await asyncio.to_thread(lex.lambda_handler, lex_event(), None)  # Lambda is sync
    state = answer["sessionState"]
    assert state["intent"]["state"] == "Fulfilled" and state["dialogAction"] == {"type": "Close"}
    assert answer["messages"] == [
        {"contentType": "PlainText", "content": "You are number 1 in the queue."}
    ]
    chat_id = state["sessionAttributes"]["livechat_chat_id"]
    async with AgentClient(base_url, agent_token()) as agent:
        await agent.set_availability(True)
        queued = await agent.queue()
    assert [c.chat_id for c in queued] == [chat_id]
    assert (queued[0].customer.id, queued[0].question) == ("C-9", "talk to a person")


async def test_the_lex_lambda_fails_the_intent_when_the_bridge_refuses(
    env: None, server: TestServer
):
    lex = load("lex_lambda")
    answer = await asyncio.to_thread(lex.lambda_handler, lex_event(company=None), None)
    assert answer["sessionState"]["intent"]["state"] == "Failed"
    assert "invalid_body" in answer["messages"][0]["content"]
    assert server.app[bridge_key].engine.chats == {}


HARNESS = """
const { handOffToAgent } = require(process.argv[1]);
const workflow = { company: 'Acme' };
handOffToAgent({
  event: { conversationId: 'bp-1', preview: 'agent please' },
  workflow, user: { id: 'bp-user', name: 'Kim' },
  env: { HANDOFF_BRIDGE_URL: process.argv[2], HANDOFF_API_KEY: process.argv[3] },
}).then((text) => console.log(JSON.stringify({ text, workflow })));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
async def test_the_botpress_sample_hands_over_through_the_rest_api(
    server: TestServer, base_url: str
):
    async def run() -> dict[str, Any]:
        node = await asyncio.create_subprocess_exec(
            "node", "-e", HARNESS, str(RECIPES / "botpress.js"), base_url, SOURCE_KEY,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        async with asyncio.timeout(30):
            out, err = await node.communicate()
        assert node.returncode == 0, err.decode()
        return json.loads(out)

    first, again = await run(), await run()
    assert first["text"] == "You are number 1 in the queue."
    assert again["workflow"]["livechatChatId"] == first["workflow"]["livechatChatId"]
    engine = server.app[bridge_key].engine
    assert list(engine.chats) == [first["workflow"]["livechatChatId"]]
