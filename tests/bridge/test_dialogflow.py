"""The Dialogflow CX webhook, with requests built (and answers parsed) by Google's own message
types (``google-cloud-dialogflow-cx``)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from google.cloud import dialogflowcx_v3 as cx
from standardwebhooks import Webhook

from bridge.client import LivechatClient
from bridge.http.dialogflow import WebhookRequest, to_handoff
from bridge.platform_settings import DialogflowSettings
from bridge.settings import Settings

from .fakes.botframework import FakeIdentityProvider, new_key
from .support import (
    CALLBACK_SECRET,
    SOURCE_KEY,
    accept,
    agent_headers,
    bridge_of,
    call,
    make_settings,
)

URL = "/api/v1/dialogflow/webhook"
SESSION = "projects/acme-it/locations/global/agents/5b1f/sessions/sess-77"
ALICE = agent_headers("alice", ("Acme/GENERAL", "Acme/NETWORK"))
KEY = {"X-API-Key": SOURCE_KEY}
AUDIENCE = "https://livechat.example.com/api/v1/dialogflow/webhook"
SERVICE_AGENT = "service-123456789@gcp-sa-dialogflow.iam.gserviceaccount.com"
# What an integration that keeps the conversation passes in the request's payload.
EARLIER = [{"from": "user", "text": "My VPN drops"}, {"from": "bot", "text": "Did you restart it?"}]


def cx_request(tag: str = "livechat-handoff", session: str = SESSION, **params: Any) -> str:
    """What a CX agent's handoff page sends, serialized by Google's library."""
    parameters = {"company": "Acme", "queue": "NETWORK", "customer_id": "C-7",
                  "customer_name": "Ann Smith", **params}  # fmt: skip
    request = cx.WebhookRequest(
        detect_intent_response_id="resp-1",
        text="I need a person",
        language_code="en",
        fulfillment_info=cx.WebhookRequest.FulfillmentInfo(tag=tag),
        intent_info=cx.WebhookRequest.IntentInfo(display_name="vpn.broken"),
        session_info=cx.SessionInfo(
            session=session, parameters={k: v for k, v in parameters.items() if v is not None}
        ),
        messages=[cx.ResponseMessage(text=cx.ResponseMessage.Text(text=["Connecting you now"]))],
        payload={"transcript": EARLIER},
    )
    return cx.WebhookRequest.to_json(request, use_integers_for_enums=False)


class Channel:
    """The channel integration at ``dialogflow.callback_url``: gets the user's view, signed."""

    def __init__(self) -> None:
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.app = web.Application()
        self.app.router.add_post("/cx-channel", self.post)

    async def post(self, request: web.Request) -> web.Response:
        body = await request.read()
        Webhook(CALLBACK_SECRET).verify(body, dict(request.headers))
        await self.inbox.put(json.loads(body))
        return web.json_response({})

    async def next_of(self, kind: str) -> dict[str, Any]:
        while (row := await asyncio.wait_for(self.inbox.get(), 5))["type"] != kind:
            pass
        return row


@pytest.fixture
async def channel(aiohttp_server: Any) -> tuple[Channel, str]:
    receiver = Channel()
    return receiver, str((await aiohttp_server(receiver.app)).make_url("/cx-channel"))


@pytest.fixture
async def google(aiohttp_server: Any) -> FakeIdentityProvider:
    """Google's ID-token keys, for CX's service-agent authentication."""
    provider = FakeIdentityProvider()
    provider.base = str((await aiohttp_server(provider.app)).make_url("")).rstrip("/")
    return provider


@pytest.fixture
def settings(
    tmp_path: Path, channel: tuple[Channel, str], google: FakeIdentityProvider
) -> Settings:
    dialogflow = {
        "source": "bot",
        "callback_url": channel[1],
        "id_token_audience": AUDIENCE,
        "id_token_emails": [SERVICE_AGENT],
        "google_certs_url": google.base + "/keys",
    }
    return make_settings(tmp_path / "events.db", dialogflow=dialogflow)


def id_token(google: FakeIdentityProvider, **claims: Any) -> dict[str, str]:
    """What CX sends with service-agent auth: a Google ID token for the webhook's URL."""
    base = {"iss": "https://accounts.google.com", "aud": AUDIENCE, "email": SERVICE_AGENT,
            "email_verified": True, "sub": "1234567890"}  # fmt: skip
    key = claims.pop("key", None)
    return {"Authorization": f"Bearer {google.sign({**base, **claims}, key)}"}


async def webhook(
    client: TestClient, body: str, status: int = 200, headers: dict[str, str] = KEY
) -> Any:
    response = await client.post(
        URL, data=body, headers={**headers, "Content-Type": "application/json"}
    )
    text = await response.text()
    assert response.status == status, text
    return cx.WebhookResponse.from_json(text) if status == 200 else json.loads(text)


def parameters(answer: cx.WebhookResponse) -> dict[str, Any]:
    return dict(cx.WebhookResponse.to_dict(answer)["session_info"]["parameters"])


def nothing_stored(client: TestClient) -> bool:
    bridge = bridge_of(client)
    counts = bridge.store.counts()
    return bridge.engine.chats == {} and counts["events"] == counts["idempotency"] == 0


async def test_a_cx_handoff_round_trip(client: TestClient, channel: tuple[Channel, str]):
    receiver, _ = channel
    answer = await webhook(client, cx_request())
    said = answer.fulfillment_response.messages[0].text.text[0]
    assert said.startswith("You are number 1 in the queue."), said
    params = parameters(answer)
    chat_id = params["livechat_chat_id"]
    assert (params["livechat_status"], params["livechat_position"]) == ("queued", 1)
    again = await webhook(client, cx_request(question="still waiting"))
    assert parameters(again)["livechat_chat_id"] == chat_id, "the session is the key"

    chat = (await accept(client, chat_id, ALICE))["history"][0]["payload"]
    assert (chat["queue"], chat["customer_id"]) == ("Acme/NETWORK", "C-7")
    assert [line["text"] for line in chat["detail"]["transcript"]] == [
        "My VPN drops", "Did you restart it?", "I need a person", "Connecting you now"]  # fmt: skip
    assert (await receiver.next_of("ChatAssigned"))["chat_id"] == chat_id
    await call(client, "POST", f"/api/v1/agent/chats/{chat_id}/messages", 201, ALICE,
               {"text": "Alice here: let us fix that VPN"})  # fmt: skip
    reply = await receiver.next_of("MessagePosted")
    assert reply["payload"]["text"] == "Alice here: let us fix that VPN"

    async with LivechatClient(str(client.make_url(""))) as bridge_client:
        user = bridge_client.user_chat(chat_id, params["livechat_user_token"])
        await user.post("It is version 5.2", idempotency_key="cx-turn-2")
    mine = await receiver.next_of("MessagePosted")
    assert (mine["payload"]["sender"], mine["payload"]["text"]) == ("user", "It is version 5.2")
    await call(client, "POST", f"/api/v1/agent/chats/{chat_id}/end", headers=ALICE)
    assert (await receiver.next_of("ChatClosed"))["chat_id"] == chat_id


async def test_the_key_may_come_as_a_bearer_token(client: TestClient):
    answer = await webhook(client, cx_request(), headers={"Authorization": f"Bearer {SOURCE_KEY}"})
    assert parameters(answer)["livechat_status"] == "queued"


@pytest.mark.parametrize(
    "headers", [{}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"}], ids=str
)
async def test_a_request_without_the_key_is_refused_and_nothing_is_stored(
    client: TestClient, headers: dict[str, str]
):
    refused = await webhook(client, cx_request(), 401, headers)
    assert refused["code"] == "dialogflow_unauthorized" and refused["detail"]
    assert nothing_stored(client)


async def test_the_service_agents_id_token_passes(client: TestClient, google: Any):
    answer = await webhook(client, cx_request(), headers=id_token(google))
    assert parameters(answer)["livechat_status"] == "queued"


@pytest.mark.parametrize(
    "claims",
    [{"aud": "https://other.example/hook"}, {"email": "someone@gmail.com"},
     {"email_verified": False}, {"iss": "https://evil.example"}, {"key": "other"}],
    ids=["audience", "email", "unverified", "issuer", "signer"],
)  # fmt: skip
async def test_a_bad_id_token_is_refused_and_nothing_is_stored(
    client: TestClient, google: Any, claims: dict[str, Any]
):
    if claims.get("key") == "other":
        claims["key"] = new_key()
    refused = await webhook(client, cx_request(), 401, id_token(google, **claims))
    assert refused["code"] == "dialogflow_unauthorized" and refused["detail"]
    assert nothing_stored(client)


async def test_another_tag_is_refused_and_nothing_is_stored(client: TestClient):
    refused = await webhook(client, cx_request(tag="billing-question"), 422)
    assert refused["code"] == "dialogflow_unknown_tag" and "billing-question" in refused["detail"]
    assert nothing_stored(client)


async def test_a_session_without_a_company_is_refused_and_nothing_is_stored(client: TestClient):
    refused = await webhook(client, cx_request(company=None), 422)
    assert refused["code"] == "dialogflow_parameter_missing" and "company" in refused["detail"]
    assert nothing_stored(client)


async def test_an_unknown_queue_is_the_handoffs_own_refusal(client: TestClient):
    refused = await webhook(client, cx_request(queue="NOSUCH"), 404)
    assert refused["code"] == "unknown_queue" and nothing_stored(client)


def test_parameter_names_are_configurable_and_the_session_is_the_fallback_customer():
    settings = DialogflowSettings(company_parameter="org", customer_id_parameter="uid")
    request = WebhookRequest.model_validate_json(cx_request(org="Globex", customer_id=None))
    handoff = to_handoff(request, settings)
    assert (handoff.company, handoff.customer.id) == ("Globex", "sess-77")
    assert handoff.context is not None and handoff.context.intent == "vpn.broken"
